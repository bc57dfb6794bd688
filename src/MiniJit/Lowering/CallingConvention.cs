using MiniJit.Assembler;

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
    bool ArgumentSlotsShared)
{
    public static readonly CallingConvention SystemV = new(
        "System V AMD64",
        [Register.Rdi, Register.Rsi, Register.Rdx, Register.Rcx, Register.R8, Register.R9],
        [Register.Xmm0, Register.Xmm1, Register.Xmm2, Register.Xmm3, Register.Xmm4, Register.Xmm5, Register.Xmm6, Register.Xmm7],
        Register.Rax,
        Register.Xmm0,
        [Register.Rbx, Register.Rbp, Register.R12, Register.R13, Register.R14, Register.R15],
        ShadowSpace: 0,
        ArgumentSlotsShared: false);

    public bool IsCalleeSaved(Register register) => register.IsGpr && Array.IndexOf(CalleeSaved, register.As64) >= 0;
}
