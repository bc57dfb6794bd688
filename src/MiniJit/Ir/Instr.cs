using System.Reflection;

namespace MiniJit.Ir;

/// <summary>What a call instruction calls: a printable name, and the method when it came from CIL.</summary>
/// <param name="Body">For a function that is no method's code (the baseline tier's helpers, see
/// <c>Baseline/HelperFunctions</c>): builds its IR. Such functions are told apart by name.</param>
public sealed record CallTarget(string Name, MethodBase? Method, Func<Function>? Body = null)
{
    public override string ToString() => Name;
}

/// <summary>
/// One IR instruction. It defines at most one virtual register (<see cref="Result"/>, -1 for none) of type
/// <see cref="Type"/> from the virtual registers in <see cref="Args"/>. Plain mutable data: passes rewrite it in place.
/// </summary>
public sealed class Instr
{
    public Op Op;
    public IrType Type;
    public int Result = -1;
    public int[] Args;
    /// <summary>Const: the value's bits (a double's IEEE bits for f64). Param: the parameter index.</summary>
    public long Imm;
    /// <summary>Jump: [target]. Branch: [if non-zero, if zero]. Switch: [case 0, case 1, …, default].</summary>
    public Block[] Targets;
    public CallTarget? Callee;
    /// <summary>Where this instruction came from in the CIL, for error messages; -1 when it did not.</summary>
    public int ILOffset = -1;

    public Instr(Op op, IrType type, int result, int[] args, Block[]? targets = null)
    {
        Op = op;
        Type = type;
        Result = result;
        Args = args;
        Targets = targets ?? [];
    }

    public OpInfo Info => Op.Info();
    public bool IsTerminator => Op.Is(OpFlags.Terminator);
    public bool HasResult => Result >= 0;

    /// <summary>The constant as a double, for f32/f64 constants.</summary>
    public double FloatValue => Type == IrType.F32 ? BitConverter.Int32BitsToSingle((int)Imm) : BitConverter.Int64BitsToDouble(Imm);

    /// <summary>Turn this instruction into a constant (used by folding).</summary>
    public void BecomeConst(long bits)
    {
        Op = Op.Const;
        Imm = Type.Normalize(bits);
        Args = [];
        Targets = [];
        Callee = null;
    }

    /// <summary>Turn this instruction into a copy of <paramref name="value"/> (used by simplification).</summary>
    public void BecomeCopy(int value)
    {
        Op = Op.Copy;
        Args = [value];
        Targets = [];
        Callee = null;
    }

    public override string ToString() => IrPrinter.Print(this);
}
