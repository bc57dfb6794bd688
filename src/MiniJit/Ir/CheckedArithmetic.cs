namespace MiniJit.Ir;

/// <summary>
/// What the checked operations compute (add.ovf, sub.ovf, mul.ovf and their .un forms, and conv.ovf.*): exactly the
/// CLR's value, or no value where the CLR throws <see cref="OverflowException"/>. Each operand is read as the
/// mathematical integer its bits stand for (signed, or unsigned for the .un forms), the exact result is computed in
/// 128 bits, and it overflows when it falls outside the result's range. This one definition serves the interpreter,
/// constant folding, the importer (which conversions can never overflow) and the x64 templates (which range to test).
/// </summary>
public static class CheckedArithmetic
{
    /// <summary>A checked conversion: whether it reads its operand as unsigned, and the target type's range.</summary>
    public readonly record struct Conversion(bool UnsignedSource, bool SignedTarget, int TargetBits)
    {
        public Int128 Min => SignedTarget ? -(Int128.One << (TargetBits - 1)) : Int128.Zero;
        public Int128 Max => (Int128.One << (SignedTarget ? TargetBits - 1 : TargetBits)) - 1;
        /// <summary>The CLR widens targets of up to 32 bits to int32 on its stack.</summary>
        public IrType ResultType => TargetBits <= 32 ? IrType.I32 : IrType.I64;
    }

    public static bool IsCheckedArithmetic(this Op op) => op is Op.AddOvf or Op.AddOvfUn or Op.SubOvf or Op.SubOvfUn or Op.MulOvf or Op.MulOvfUn;

    public static bool IsChecked(this Op op) => op.IsCheckedArithmetic() || ConversionOf(op) is not null;

    /// <summary>The .un forms of add, sub and mul read their operands as unsigned.</summary>
    public static bool IsUnsignedArithmetic(this Op op) => op is Op.AddOvfUn or Op.SubOvfUn or Op.MulOvfUn;

    public static Conversion? ConversionOf(Op op) => op switch
    {
        Op.ConvOvfI1 => new(false, true, 8),
        Op.ConvOvfU1 => new(false, false, 8),
        Op.ConvOvfI2 => new(false, true, 16),
        Op.ConvOvfU2 => new(false, false, 16),
        Op.ConvOvfI4 => new(false, true, 32),
        Op.ConvOvfU4 => new(false, false, 32),
        Op.ConvOvfU8 => new(false, false, 64),
        Op.ConvOvfI1Un => new(true, true, 8),
        Op.ConvOvfU1Un => new(true, false, 8),
        Op.ConvOvfI2Un => new(true, true, 16),
        Op.ConvOvfU2Un => new(true, false, 16),
        Op.ConvOvfI4Un => new(true, true, 32),
        Op.ConvOvfU4Un => new(true, false, 32),
        Op.ConvOvfI8Un => new(true, true, 64),
        _ => null,
    };

    /// <summary>The integer that the bits of a value of <paramref name="type"/> stand for, read signed or unsigned.</summary>
    static Int128 ValueOf(long bits, IrType type, bool unsigned) => type == IrType.I32
        ? unsigned ? (uint)bits : (int)bits
        : unsigned ? (ulong)bits : bits;

    /// <summary>The smallest and largest integer a value of <paramref name="type"/> stands for, read signed or unsigned.</summary>
    public static (Int128 Min, Int128 Max) RangeOf(IrType type, bool unsigned) => type == IrType.I32
        ? unsigned ? (uint.MinValue, uint.MaxValue) : (int.MinValue, int.MaxValue)
        : unsigned ? (ulong.MinValue, ulong.MaxValue) : (long.MinValue, long.MaxValue);

    /// <summary>The operand values (as the conversion reads them) that a conversion accepts: the target's range
    /// clipped to what an operand of <paramref name="source"/> can hold.</summary>
    public static (Int128 Min, Int128 Max) Accepted(Conversion conversion, IrType source)
    {
        var (min, max) = RangeOf(source, conversion.UnsignedSource);
        return (Int128.Max(min, conversion.Min), Int128.Min(max, conversion.Max));
    }

    /// <summary>Every operand of <paramref name="source"/> fits: the conversion is a plain widening (or nothing).</summary>
    public static bool NeverOverflows(Conversion conversion, IrType source) =>
        Accepted(conversion, source) == RangeOf(source, conversion.UnsignedSource);

    /// <summary>The result of checked operation <paramref name="op"/> on operands of <paramref name="operandType"/>
    /// (<paramref name="b"/> is ignored by conversions), or null when the CLR throws OverflowException.</summary>
    public static long? Evaluate(Op op, IrType operandType, long a, long b = 0)
    {
        if (ConversionOf(op) is { } conversion)
        {
            var value = ValueOf(a, operandType, conversion.UnsignedSource);
            return value >= conversion.Min && value <= conversion.Max ? conversion.ResultType.Normalize(LowBits(value)) : null;
        }
        bool unsigned = op.IsUnsignedArithmetic();
        Int128 x = ValueOf(a, operandType, unsigned), y = ValueOf(b, operandType, unsigned);
        var (min, max) = RangeOf(operandType, unsigned);
        Int128 exact;
        if (op == Op.MulOvfUn)
        {
            // Two unsigned 64-bit factors need all 128 bits, more than Int128 holds: multiply them as UInt128.
            var product = (UInt128)x * (UInt128)y;
            if (product > (UInt128)max) return null;
            exact = (Int128)product;
        }
        else
        {
            exact = op switch
            {
                Op.AddOvf or Op.AddOvfUn => x + y,
                Op.SubOvf or Op.SubOvfUn => x - y,
                Op.MulOvf => x * y,
                _ => throw new ArgumentException($"{op.Name()} is not a checked operation"),
            };
        }
        return exact >= min && exact <= max ? operandType.Normalize(LowBits(exact)) : null;
    }

    /// <summary>The low 64 bits: an in-range result's bits as the IR stores them.</summary>
    static long LowBits(Int128 value) => unchecked((long)value);
}
