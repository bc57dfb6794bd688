using MiniJit.Assembler;
using MiniJit.Lowering;

namespace MiniJit.Binding;

/// <summary>
/// Emits a unit's direct entry: the compiled root function presented as the plain platform function of its signature,
/// so that a thunk can call it through a typed <c>delegate* unmanaged[SuppressGCTransition]&lt;double, double, double&gt;</c>
/// with the arguments in registers — no <see cref="JitFrame"/>, no entry stub, no status to check afterwards.
/// </summary>
/// <remarks>
/// Only code that needs nothing the entry stub provides may be entered this way (the driver decides; see
/// <c>JitCompiler.CompileUnit</c>): code that cannot fail never reads the frame register or the frame, jumps to no error
/// exit, and saves the callee-saved registers it uses in its own prologue. What remains of the stub's work is done here:
/// <list type="bullet">
/// <item>vzeroupper for units with floating-point code, for the reason given at <see cref="EntryStub.Emit"/>;</item>
/// <item>the integer arguments move up one register, because compiled functions expect the hidden frame pointer in the
/// first one (rdi) and their first integer argument in the second (rsi). An int moves as 32 bits, which clears the
/// upper half: the platform leaves those bits unspecified, and the compiled code receives them as the entry stub would
/// give them, zero (a thunk's slot holds an int zero-padded).</item>
/// </list>
/// Floating-point arguments stay as they arrive, with whatever the caller left above the value in the register: compiled
/// code reads only the low 32 or 64 bits of an xmm register (its only packed instructions are bitwise), as it must for
/// the arguments one compiled function passes another and for results from the C library.
/// Then it jumps to the root, which returns straight to the caller with the result in rax or xmm0, as the platform
/// convention has it. The jump leaves rsp as the caller's call left it, so the root finds the stack aligned exactly as
/// after the entry stub's call.
/// </remarks>
internal static class DirectEntry
{
    /// <summary>The parameter types a direct entry takes. Each arrives as the platform passes it (an int in the low half of
    /// a register) and leaves for the root as the entry stub would pass it; narrower types are not offered, since the
    /// platform leaves their upper bits to the caller and the CLR's own treatment of them is not worth relying on.</summary>
    static readonly HashSet<Type> ParameterTypes = [typeof(long), typeof(int), typeof(double), typeof(float)];

    /// <summary>The return types: what the root leaves in rax or xmm0 is the platform's result of that type as it is.
    /// A bool is the low byte of rax, which the thunk takes out of the int it declares rather than trusting the CLR to.</summary>
    static readonly HashSet<Type> ReturnTypes = [typeof(long), typeof(int), typeof(double), typeof(float), typeof(bool)];

    /// <summary>Whether a unit of this signature can have a direct entry: its types are among those above, and every
    /// argument reaches the root in a register (the entry moves registers; it cannot rearrange stack arguments).</summary>
    public static bool Supports(IReadOnlyList<Type> parameterTypes, Type returnType, CallingConvention cc) =>
        ReturnTypes.Contains(returnType)
        && parameterTypes.All(ParameterTypes.Contains)
        && cc.AssignArguments(IsFloat(parameterTypes), reservedIntegers: 1).All(register => register is not null);

    /// <summary>Emits the direct entry of <paramref name="root"/> at the current position and returns a label bound to its
    /// first byte. Only for a signature <see cref="Supports"/> accepts.</summary>
    /// <param name="usesSse">Some code in the unit uses SSE instructions: clear the upper halves of the vector registers first.</param>
    /// <param name="tierCell">For a tiered unit: the cell to count the call in and jump through (see <see cref="Tiering.TierCell"/>).</param>
    public static Label Emit(X64Assembler asm, Label root, IReadOnlyList<Type> parameterTypes, CallingConvention cc, bool usesSse, nint tierCell = 0)
    {
        var entry = asm.CreateLabel("direct entry");
        asm.Bind(entry);
        if (usesSse && System.Runtime.Intrinsics.X86.Avx.IsSupported) asm.Vzeroupper();

        var isFloat = IsFloat(parameterTypes);
        var arriving = cc.AssignArguments(isFloat, reservedIntegers: 0);
        var expected = cc.AssignArguments(isFloat, reservedIntegers: 1);
        // From the last argument to the first: integer argument k goes where integer argument k + 1 arrived, which has
        // already moved on. Floating-point arguments stay where they are: the frame pointer takes an integer register.
        for (var i = parameterTypes.Count - 1; i >= 0; i--)
        {
            if (isFloat[i]) continue;
            var (to, from) = (expected[i]!.Value, arriving[i]!.Value);
            if (parameterTypes[i] == typeof(int)) asm.Mov(to.As32, from.As32);
            else asm.Mov(to, from);
        }
        if (tierCell != 0) Tiering.TierCell.EmitCallThrough(asm, tierCell, jump: true);
        else asm.Jmp(root);
        return entry;
    }

    static bool[] IsFloat(IReadOnlyList<Type> parameterTypes) =>
        [.. parameterTypes.Select(t => NativeBinding.ClassOf(t) != ArgumentClass.Integer)];
}
