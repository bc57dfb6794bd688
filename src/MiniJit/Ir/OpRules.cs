using System.Numerics;

namespace MiniJit.Ir;

/// <summary>What one evaluation of an op sees: its operands' bits as the IR holds them (<see cref="IrTypes.Normalize"/>),
/// the first operand's type, the result's type and the instruction's Imm.</summary>
public readonly record struct OpInput(IrType Type, IrType OperandType, long Imm, long A, long B = 0, long C = 0);

/// <summary>An op's meaning: its result's bits from its operands, or the exception the CLR throws for them.</summary>
public delegate long OpRule(in OpInput input);

/// <summary>
/// The building blocks of the rules in <see cref="OpTable"/>: each op's row names its rule with one of these, written
/// as the C# expression that has the CLR's meaning (wrap-around <c>int</c> and <c>long</c>, masked shift counts, IEEE
/// <c>float</c> and <c>double</c> in their own precision, saturating conversions). The interpreter runs ops by these
/// rules and constant folding folds by them, so the two can never disagree.
/// </summary>
public static unsafe class OpRules
{
    /// <summary>A two-operand integer op, one expression per width (a shift count may be either width).</summary>
    public static OpRule Integer(Func<int, int, int> i32, Func<long, long, long> i64) => (in OpInput x) =>
        x.OperandType == IrType.I32 ? i32((int)x.A, (int)x.B) : i64(x.A, x.B);

    /// <summary>A one-operand integer op that keeps its width.</summary>
    public static OpRule Integer(Func<int, int> i32, Func<long, long> i64) => (in OpInput x) =>
        x.OperandType == IrType.I32 ? i32((int)x.A) : i64(x.A);

    /// <summary>A change of width: the same expression on the bits whatever the widths (the result type normalizes).</summary>
    public static OpRule Bits(Func<long, long> rule) => (in OpInput x) => x.Type.Normalize(rule(x.A));

    /// <summary>An integer comparison: <paramref name="holds"/> reads the sign of comparing the operands, signed or
    /// unsigned. Produces an i32 1 or 0.</summary>
    public static OpRule Compare(bool unsigned, Func<int, bool> holds) => (in OpInput x) =>
    {
        int order = (x.OperandType == IrType.I32, unsigned) switch
        {
            (true, false) => ((int)x.A).CompareTo((int)x.B),
            (true, true) => ((uint)x.A).CompareTo((uint)x.B),
            (false, false) => x.A.CompareTo(x.B),
            (false, true) => ((ulong)x.A).CompareTo((ulong)x.B),
        };
        return holds(order) ? 1 : 0;
    };

    /// <summary>Floating-point arithmetic: one expression per precision, since C#'s float arithmetic stays in float, as
    /// the CLR's does (one operation rounded in double and then to float can differ: fma).</summary>
    public static OpRule Float(Func<double, double, double, double> f64, Func<float, float, float, float> f32) => (in OpInput x) =>
        x.OperandType == IrType.F32
            ? BitsOf(f32(FloatOf(x.A), FloatOf(x.B), FloatOf(x.C)))
            : BitsOf(f64(DoubleOf(x.A), DoubleOf(x.B), DoubleOf(x.C)));

    /// <summary>A comparison of floats, done in double: widening a float is exact. Produces an i32 1 or 0.</summary>
    public static OpRule FloatCompare(Func<double, double, bool> holds) => (in OpInput x) =>
        holds(ValueOf(x.A, x.OperandType), ValueOf(x.B, x.OperandType)) ? 1 : 0;

    /// <summary>For the .u comparisons: true when either operand is NaN.</summary>
    public static bool Unordered(double x, double y) => double.IsNaN(x) || double.IsNaN(y);

    /// <summary>A float operand (either precision, widened exactly) to a value: conversions and predicates on floats.</summary>
    public static OpRule FromFloat(Func<double, OpInput, long> rule) => (in OpInput x) => rule(ValueOf(x.A, x.OperandType), x);

    /// <summary>itof / utof: an integer of either width, read signed or unsigned, rounded once to the result's precision.</summary>
    public static OpRule IntegerToFloat(bool signed) => (in OpInput x) => (x.Type, x.OperandType == IrType.I64, signed) switch
    {
        (IrType.F32, true, true) => BitsOf((float)x.A),
        (IrType.F32, true, false) => BitsOf((float)(ulong)x.A),
        (IrType.F32, false, true) => BitsOf((float)(int)x.A),
        (IrType.F32, false, false) => BitsOf((float)(uint)x.A),
        (_, true, true) => BitsOf((double)x.A),
        (_, true, false) => BitsOf((double)(ulong)x.A),
        (_, false, true) => BitsOf((double)(int)x.A),
        (_, false, false) => BitsOf((double)(uint)x.A),
    };

    /// <summary>add.ovf … conv.ovf.*: the exact result, or the CLR's OverflowException (see <see cref="CheckedArithmetic"/>).</summary>
    public static OpRule Checked(Op op) => (in OpInput x) =>
        CheckedArithmetic.Evaluate(op, x.OperandType, x.A, x.B) ?? throw new OverflowException($"{op.Name()} overflows");

    /// <summary>conv.ovf.* from floating point: the value truncated towards zero, or an OverflowException when that
    /// does not fit the target of Imm bits (NaN never fits). Small targets come back as the i32 the evaluation stack holds.</summary>
    public static long CheckedFromFloat(bool signed, long bits, double x) => (signed, bits) switch
    {
        (true, 8) => checked((sbyte)x),
        (true, 16) => checked((short)x),
        (true, 32) => checked((int)x),
        (true, _) => checked((long)x),
        (false, 8) => checked((byte)x),
        (false, 16) => checked((ushort)x),
        (false, 32) => (int)checked((uint)x),
        (false, _) => (long)checked((ulong)x),
    };

    /// <summary>Throws what the CLR throws for a bad divisor, so a result never depends on the host's division.</summary>
    public static T Divisor<T>(T divisor, bool dividendIsMin) where T : ISignedNumber<T>
    {
        if (divisor == T.Zero) throw new DivideByZeroException();
        if (divisor == T.NegativeOne && dividendIsMin) throw new OverflowException("MinValue divided by -1");
        return divisor;
    }

    /// <summary>load: the Imm bytes at the address, zero-extended, as the value's type holds them.</summary>
    public static long Load(in OpInput x) => x.Type.Normalize(x.Imm switch
    {
        1 => *(byte*)x.A,
        2 => *(ushort*)x.A,
        4 => *(uint*)x.A,
        _ => *(long*)x.A,
    });

    /// <summary>store: the low Imm bytes of the value's bits.</summary>
    public static long Store(in OpInput x)
    {
        switch (x.Imm)
        {
            case 1: *(byte*)x.A = (byte)x.B; break;
            case 2: *(ushort*)x.A = (ushort)x.B; break;
            case 4: *(uint*)x.A = (uint)x.B; break;
            default: *(long*)x.A = x.B; break;
        }
        return 0;
    }

    public static long BitsOf(double value) => BitConverter.DoubleToInt64Bits(value);
    public static long BitsOf(float value) => BitConverter.SingleToInt32Bits(value);
    static double DoubleOf(long bits) => BitConverter.Int64BitsToDouble(bits);
    static float FloatOf(long bits) => BitConverter.Int32BitsToSingle((int)bits);
    static double ValueOf(long bits, IrType type) => type == IrType.F32 ? FloatOf(bits) : DoubleOf(bits);
}
