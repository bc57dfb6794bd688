namespace MiniJit.Cil;

/// <summary>Where an argument or a local is first used in a method's IL, so that a rejection of its type points at
/// an instruction like every other rejection (a variable the IL never touches has none).</summary>
static class VariableUses
{
    /// <summary>The first instruction that loads, stores or takes the address of IL argument <paramref name="index"/>.</summary>
    public static CilInstruction? FirstUseOfArgument(CilInstruction[] code, int index) => First(code, i => ArgumentOf(i) == index);

    /// <summary>The first instruction that loads, stores or takes the address of local <paramref name="index"/>.</summary>
    public static CilInstruction? FirstUseOfLocal(CilInstruction[] code, int index) => First(code, i => LocalOf(i) == index);

    static CilInstruction? First(CilInstruction[] code, Func<CilInstruction, bool> uses)
    {
        foreach (var instruction in code)
            if (uses(instruction)) return instruction;
        return null;
    }

    static int? ArgumentOf(CilInstruction at) => at.Op switch
    {
        CilOp.Ldarg_0 or CilOp.Ldarg_1 or CilOp.Ldarg_2 or CilOp.Ldarg_3 => at.Op - CilOp.Ldarg_0,
        CilOp.Ldarg_S or CilOp.Ldarg or CilOp.Ldarga_S or CilOp.Ldarga or CilOp.Starg_S or CilOp.Starg => (int)at.Int,
        _ => null,
    };

    static int? LocalOf(CilInstruction at) => at.Op switch
    {
        CilOp.Ldloc_0 or CilOp.Ldloc_1 or CilOp.Ldloc_2 or CilOp.Ldloc_3 => at.Op - CilOp.Ldloc_0,
        CilOp.Stloc_0 or CilOp.Stloc_1 or CilOp.Stloc_2 or CilOp.Stloc_3 => at.Op - CilOp.Stloc_0,
        CilOp.Ldloc_S or CilOp.Ldloc or CilOp.Ldloca_S or CilOp.Ldloca or CilOp.Stloc_S or CilOp.Stloc => (int)at.Int,
        _ => null,
    };
}
