using MiniJit.Assembler;
using MiniJit.Ir;

namespace MiniJit.Lowering;

/// <summary>
/// Where a calling convention puts arguments and results and which registers survive a call. Code generation
/// reads only this record, so another convention (Windows x64: four shared argument slots and 32 bytes of shadow
/// space) is one more instance, not a rewrite.
/// </summary>
/// <param name="ArgumentSlotsShared">Windows x64 numbers argument slots across both classes (the 2nd argument
/// is rdx or xmm1); System V counts integer and floating-point arguments separately.</param>
public sealed record CallingConvention(
    string Name,
    Register[] IntegerArguments,
    Register[] FloatArguments,
    Register IntegerReturn,
    Register FloatReturn,
    Register[] CalleeSaved,
    int ShadowSpace,
    bool ArgumentSlotsShared,
    Register SecondIntegerReturn,
    Register SecondFloatReturn)
{
    public static readonly CallingConvention SystemV = new(
        "System V AMD64",
        [Register.Rdi, Register.Rsi, Register.Rdx, Register.Rcx, Register.R8, Register.R9],
        [Register.Xmm0, Register.Xmm1, Register.Xmm2, Register.Xmm3, Register.Xmm4, Register.Xmm5, Register.Xmm6, Register.Xmm7],
        Register.Rax,
        Register.Xmm0,
        [Register.Rbx, Register.Rbp, Register.R12, Register.R13, Register.R14, Register.R15],
        ShadowSpace: 0,
        ArgumentSlotsShared: false,
        SecondIntegerReturn: Register.Rdx,
        SecondFloatReturn: Register.Xmm1);

    /// <summary>Where a result comes back: one value in rax or xmm0; of two (a struct's eightbytes), each class takes its
    /// registers in order, so {long, long} is rax:rdx, {double, double} xmm0:xmm1, {long, double} rax:xmm0 and
    /// {double, long} xmm0:rax.</summary>
    public Register[] ResultRegisters(IrType first, IrType second)
    {
        var one = first.IsFloat() ? FloatReturn : IntegerReturn;
        if (second == IrType.Void) return first == IrType.Void ? [] : [one];
        var two = second.IsFloat() ? first.IsFloat() ? SecondFloatReturn : FloatReturn : first.IsFloat() ? IntegerReturn : SecondIntegerReturn;
        return [one, two];
    }

    public bool IsCalleeSaved(Register register) => register.IsGpr && Array.IndexOf(CalleeSaved, register.As64) >= 0;

    /// <summary>
    /// Where each argument goes: its register, or null when it is passed on the stack (stack arguments take 8-byte
    /// slots in declaration order). System V counts integer and floating-point registers separately
    /// (<c>f(long, double, long)</c> uses rdi, xmm0, rsi); Windows numbers slots across both classes.
    /// </summary>
    /// <param name="reservedIntegers">Integer registers taken before the first argument (MiniJit's hidden frame
    /// pointer takes one).</param>
    public Register?[] AssignArguments(IReadOnlyList<bool> isFloat, int reservedIntegers)
    {
        var registers = new Register?[isFloat.Count];
        int nextInteger = reservedIntegers, nextFloat = ArgumentSlotsShared ? reservedIntegers : 0;
        for (int i = 0; i < isFloat.Count; i++)
        {
            var pool = isFloat[i] ? FloatArguments : IntegerArguments;
            int next = isFloat[i] ? nextFloat : nextInteger;
            if (next < pool.Length) registers[i] = pool[next];
            if (ArgumentSlotsShared || !isFloat[i]) nextInteger++;
            if (ArgumentSlotsShared || isFloat[i]) nextFloat++;
        }
        return registers;
    }
}
