using MiniJit.Binding;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// What CIL's arithmetic, comparison and conversion instructions mean, as IR: each method appends the IR for one
/// instruction applied to values already computed. The CIL importer calls them for the instructions it reads; the
/// expression-tree importer calls them for the instructions <c>Expression.Compile()</c> would emit for a node, so both
/// front ends share one definition of every operation's edge cases (saturating conversions, unordered float
/// comparisons, where checked arithmetic throws).
/// </summary>
/// <param name="error">Builds the exception for an operation that cannot be imported; the caller knows where it is.</param>
sealed class CilOperations(Function function, Func<string, JitException> error)
{
    /// <summary>The IL offset tagged on every instruction emitted from now on (-1: none), for error messages.</summary>
    public int ILOffset = -1;

    public IrType TypeOf(int value) => function.ValueTypes[value];

    public int Emit(Block block, Op op, IrType type, params int[] args)
    {
        var instr = function.Append(block, op, type, args);
        instr.ILOffset = ILOffset;
        return instr.Result;
    }

    public int Const(Block block, IrType type, long value) => function.AppendConst(block, type, value).Result;

    /// <summary>Brings a value to <paramref name="type"/>: int32 mixed with native int is sign-extended, as the CLR does.</summary>
    public int Widen(Block block, int value, IrType type)
    {
        var from = TypeOf(value);
        if (from == type) return value;
        if (from == IrType.I32 && type == IrType.I64) return Emit(block, Op.SignExtend32, IrType.I64, value);
        if (from == IrType.I64 && type == IrType.I32) return Emit(block, Op.Truncate, IrType.I32, value);
        // CIL's one floating-point stack type F is float or double here; storing into a float rounds.
        if (from.IsFloat() && type.IsFloat()) return Emit(block, Op.FloatConvert, type, value);
        throw error($"operands of types {from.Name()} and {type.Name()} cannot be combined");
    }

    /// <summary>The two operands of a binary instruction, brought to their common type.</summary>
    public (int A, int B, IrType Type) Pair(Block block, int a, int b)
    {
        var type = TypeOf(a) == TypeOf(b) ? TypeOf(a)
            : TypeOf(a) == IrType.I64 || TypeOf(b) == IrType.I64 ? IrType.I64
            : TypeOf(a) == IrType.F64 || TypeOf(b) == IrType.F64 ? IrType.F64 : TypeOf(a);
        return (Widen(block, a, type), Widen(block, b, type), type);
    }

    /// <summary>Storing into a small-typed slot keeps only its bits, and reading it back extends them, exactly
    /// like the CLR: a short holds -1 as 0xFFFF and loads it as int32 -1.</summary>
    public int Normalize(Block block, int value, Type type)
    {
        Op? op = Type.GetTypeCode(type) switch
        {
            TypeCode.SByte => Op.SignExtend8,
            TypeCode.Byte or TypeCode.Boolean => Op.ZeroExtend8,
            TypeCode.Int16 => Op.SignExtend16,
            TypeCode.UInt16 or TypeCode.Char => Op.ZeroExtend16,
            _ => null,
        };
        if (!CilImporter.TryGetType(type, out var irType)) throw error($"value has type {type.Name}, which is not supported");
        value = Widen(block, value, irType);
        return op is null ? value : Emit(block, op.Value, IrType.I32, value);
    }

    /// <summary>add, sub, mul, div, div.un, rem, rem.un, and, or, xor on two operands of one type.</summary>
    public int Arithmetic(Block block, Op op, int a, int b)
    {
        var type = TypeOf(a);
        if (!type.IsFloat()) return Emit(block, op, type, a, b);
        // The CLR's % on floating point is C's fmod (exact, with the dividend's sign): it calls the C library.
        if (op == Op.Rem) return CallMathLibrary(block, type == IrType.F32 ? "fmodf" : "fmod", type, a, b);
        var floatOp = op switch
        {
            Op.Add => Op.FAdd, Op.Sub => Op.FSub, Op.Mul => Op.FMul, Op.Div => Op.FDiv,
            _ => throw error($"needs integer operands, not {type.Name()} (invalid IL)"),
        };
        return Emit(block, floatOp, type, a, b);
    }

    public int Negate(Block block, int value) =>
        Emit(block, TypeOf(value).IsFloat() ? Op.FNeg : Op.Neg, TypeOf(value), value);

    /// <summary>The shifted value decides the type; the count is brought to the same width (the hardware masks it).</summary>
    public int Shift(Block block, Op op, int value, int count)
    {
        IntegerOperand(count);
        var type = TypeOf(IntegerOperand(value));
        return Emit(block, op, type, value, Widen(block, count, type));
    }

    /// <summary>ceq, cgt, cgt.un, clt, clt.un (and the compare in each conditional branch): an i32 0 or 1.</summary>
    public int Compare(Block block, Op op, int a, int b) =>
        Emit(block, TypeOf(a).IsFloat() ? FloatComparison(op) : op, IrType.I32, a, b);

    /// <summary>The float comparison a CIL comparison means: the plain forms are false on NaN, the .un forms (and
    /// bne.un) true.</summary>
    static Op FloatComparison(Op compare) => compare switch
    {
        Op.Eq => Op.FEq, Op.Ne => Op.FNe,
        Op.Lt => Op.FLt, Op.Le => Op.FLe, Op.Gt => Op.FGt, Op.Ge => Op.FGe,
        Op.LtU => Op.FLtU, Op.LeU => Op.FLeU, Op.GtU => Op.FGtU, _ => Op.FGeU,
    };

    /// <summary>Operations that exist only for integers refuse a floating-point operand (which is invalid IL).</summary>
    public int IntegerOperand(int value) => TypeOf(value).IsInteger()
        ? value
        : throw error($"needs an integer operand, not {TypeOf(value).Name()} (invalid IL)");

    /// <summary>conv.i1/u1/i2/u2/i4/u4: to 32 bits first, then keep the low 8 or 16 bits extended as the opcode says.
    /// From floating point the CLR saturates to int32 first (to uint32 for conv.u4) and then keeps the low bits.</summary>
    public int Narrow(Block block, int value, Op? extend, bool unsigned = false)
    {
        if (TypeOf(value) == IrType.I64) value = Emit(block, Op.Truncate, IrType.I32, value);
        else if (TypeOf(value).IsFloat())
            value = Emit(block, unsigned ? Op.FloatToUInt : Op.FloatToInt, IrType.I32, ToDouble(block, value));
        return extend is null ? value : Emit(block, extend.Value, IrType.I32, value);
    }

    /// <summary>conv.i8/u8/i/u: an int32 is sign- or zero-extended; a 64-bit value is unchanged; floating point
    /// saturates.</summary>
    public int Extend(Block block, int value, Op extend)
    {
        var type = TypeOf(value);
        if (type.IsFloat())
            return Emit(block, extend == Op.SignExtend32 ? Op.FloatToInt : Op.FloatToUInt, IrType.I64, ToDouble(block, value));
        return type == IrType.I64 ? value : Emit(block, extend, IrType.I64, value);
    }

    /// <summary>Every float is exactly a double, so conversions to integers start from f64 and need one template.</summary>
    int ToDouble(Block block, int value) =>
        TypeOf(value) == IrType.F32 ? Emit(block, Op.FloatConvert, IrType.F64, value) : value;

    /// <summary>conv.r4, conv.r8 and conv.r.un: an integer (read unsigned for conv.r.un) or a float to float or double.</summary>
    public int ToFloat(Block block, int value, IrType type, bool unsigned)
    {
        var from = TypeOf(value);
        if (from == type) return value;
        if (from.IsFloat()) return Emit(block, Op.FloatConvert, type, value);
        return Emit(block, unsigned ? Op.UIntToFloat : Op.IntToFloat, type, value);
    }

    /// <summary>conv.ovf.* of a floating-point value: truncated, or an OverflowException when it does not fit.</summary>
    public int CheckedFromFloat(Block block, int value, bool signed, int bits)
    {
        Op? extend = bits switch
        {
            8 => signed ? Op.SignExtend8 : Op.ZeroExtend8,
            16 => signed ? Op.SignExtend16 : Op.ZeroExtend16,
            _ => null,
        };
        var converted = function.Append(block, signed ? Op.FloatToIntChecked : Op.FloatToUIntChecked,
            bits == 64 ? IrType.I64 : IrType.I32, ToDouble(block, value));
        converted.Imm = bits;
        converted.ILOffset = ILOffset;
        // The value is in range, so the extension changes nothing; it keeps the importer's rule that a small value
        // is always extended, which the optimizer relies on.
        return extend is null ? converted.Result : Emit(block, extend.Value, IrType.I32, converted.Result);
    }

    /// <summary>add.ovf, sub.ovf, mul.ovf and their .un forms. An int32 operand meeting a native int is widened as the
    /// CLR widens it here: sign-extended, but zero-extended by the .un forms, which read both operands as unsigned.</summary>
    public int CheckedBinary(Block block, Op op, int a, int b)
    {
        IntegerOperand(a);
        IntegerOperand(b);
        var type = TypeOf(a) == IrType.I64 || TypeOf(b) == IrType.I64 ? IrType.I64 : IrType.I32;
        int ToType(int value) => TypeOf(value) == type ? value
            : Emit(block, op.IsUnsignedArithmetic() ? Op.ZeroExtend32 : Op.SignExtend32, IrType.I64, value);
        return Emit(block, op, type, ToType(a), ToType(b));
    }

    /// <summary>conv.ovf.* by its CIL opcode.</summary>
    public int CheckedConversion(Block block, int value, CilOp op) => op switch
    {
        CilOp.Conv_Ovf_I1 => CheckedConversion(block, value, Op.ConvOvfI1),
        CilOp.Conv_Ovf_U1 => CheckedConversion(block, value, Op.ConvOvfU1),
        CilOp.Conv_Ovf_I2 => CheckedConversion(block, value, Op.ConvOvfI2),
        CilOp.Conv_Ovf_U2 => CheckedConversion(block, value, Op.ConvOvfU2),
        CilOp.Conv_Ovf_I4 => CheckedConversion(block, value, Op.ConvOvfI4),
        CilOp.Conv_Ovf_U4 => CheckedConversion(block, value, Op.ConvOvfU4),
        CilOp.Conv_Ovf_U8 or CilOp.Conv_Ovf_U => CheckedConversion(block, value, Op.ConvOvfU8),
        CilOp.Conv_Ovf_I1_Un => CheckedConversion(block, value, Op.ConvOvfI1Un),
        CilOp.Conv_Ovf_U1_Un => CheckedConversion(block, value, Op.ConvOvfU1Un),
        CilOp.Conv_Ovf_I2_Un => CheckedConversion(block, value, Op.ConvOvfI2Un),
        CilOp.Conv_Ovf_U2_Un => CheckedConversion(block, value, Op.ConvOvfU2Un),
        CilOp.Conv_Ovf_I4_Un => CheckedConversion(block, value, Op.ConvOvfI4Un),
        CilOp.Conv_Ovf_U4_Un => CheckedConversion(block, value, Op.ConvOvfU4Un),
        CilOp.Conv_Ovf_I8_Un or CilOp.Conv_Ovf_I_Un => CheckedConversion(block, value, Op.ConvOvfI8Un),
        // Every integer fits in int64 read signed, and every unsigned one in uint64: these only widen.
        CilOp.Conv_Ovf_I8 or CilOp.Conv_Ovf_I => CheckedToInt64(block, value, signed: true),
        CilOp.Conv_Ovf_U8_Un or CilOp.Conv_Ovf_U_Un => CheckedToInt64(block, value, signed: false),
        _ => throw error($"{op} is no checked conversion"),
    };

    /// <summary>conv.ovf.*: the operand's value must fit the target type. Where every value of the operand's type
    /// fits (conv.ovf.i4 of an int32), only the widening remains, and nothing is left that could throw.</summary>
    public int CheckedConversion(Block block, int value, Op op)
    {
        var conversion = CheckedArithmetic.ConversionOf(op)!.Value;
        // From floating point the .un forms mean nothing more: the CLR converts as the signed-source forms do.
        if (TypeOf(value).IsFloat()) return CheckedFromFloat(block, value, conversion.SignedTarget, conversion.TargetBits);
        var source = TypeOf(IntegerOperand(value));
        if (!CheckedArithmetic.NeverOverflows(conversion, source)) return Emit(block, op, conversion.ResultType, value);
        if (conversion.ResultType == source) return value;
        return Emit(block, conversion.UnsignedSource ? Op.ZeroExtend32 : Op.SignExtend32, IrType.I64, value);
    }

    /// <summary>conv.ovf.i8/i (signed) or conv.ovf.u8.un/u.un (unsigned): every integer fits, so only a float is checked.</summary>
    public int CheckedToInt64(Block block, int value, bool signed) => TypeOf(value).IsFloat()
        ? CheckedFromFloat(block, value, signed, 64)
        : Extend(block, value, signed ? Op.SignExtend32 : Op.ZeroExtend32);

    public int CallMathLibrary(Block block, string symbol, IrType type, params int[] args)
    {
        var call = function.Append(block, Op.CallNative, type, args);
        call.Imm = CMathLibrary.AddressOf(symbol);
        call.Callee = new CallTarget(symbol, null);
        call.ILOffset = ILOffset;
        return call.Result;
    }

    public int Intrinsic(Block block, MathIntrinsics.Intrinsic intrinsic, params int[] operands) =>
        intrinsic.Symbol is { } symbol
            ? CallMathLibrary(block, symbol, intrinsic.Result, operands)
            : Emit(block, intrinsic.Op, intrinsic.Result, operands);

    /// <summary>
    /// Math.Round(x, mode) with a constant mode — as C# code writes it — is one rounding, or away from zero .NET's own
    /// formula, truncate(x + copysign(0.5 less one ulp, x)), which gives the CLR's bits.
    /// </summary>
    public int RoundWithMode(Block block, int value, IrType type, long mode)
    {
        var op = (MidpointRounding)mode switch
        {
            MidpointRounding.ToEven => Op.FRoundEven,
            MidpointRounding.ToZero or MidpointRounding.AwayFromZero => Op.FTruncate,
            MidpointRounding.ToNegativeInfinity => Op.FFloor,
            MidpointRounding.ToPositiveInfinity => Op.FCeiling,
            _ => throw error($"{mode} is not a MidpointRounding (the CLR throws ArgumentException)"),
        };
        if ((MidpointRounding)mode == MidpointRounding.AwayFromZero)
        {
            var almostHalf = type == IrType.F32
                ? BitConverter.SingleToInt32Bits(MathF.BitDecrement(0.5f))
                : BitConverter.DoubleToInt64Bits(Math.BitDecrement(0.5));
            var signed = Emit(block, Op.FCopySign, type, Const(block, type, almostHalf), value);
            value = Emit(block, Op.FAdd, type, value, signed);
        }
        return Intrinsic(block, MathIntrinsics.Rounding(op, type), value);
    }

    /// <summary>double.IsNaN(x) is x != x; IsFinite is |x| &lt; ∞ and IsInfinity |x| == ∞ (both false for NaN).</summary>
    public int Classify(Block block, MathIntrinsics.Classification test, IrType type, int value)
    {
        int Infinity(double sign) => Const(block, type, type == IrType.F32
            ? BitConverter.SingleToInt32Bits((float)(sign * double.PositiveInfinity))
            : BitConverter.DoubleToInt64Bits(sign * double.PositiveInfinity));
        int Magnitude() => Emit(block, Op.FAbs, type, value);
        return test switch
        {
            MathIntrinsics.Classification.IsNaN => Emit(block, Op.FNe, IrType.I32, value, value),
            MathIntrinsics.Classification.IsFinite => Emit(block, Op.FLt, IrType.I32, Magnitude(), Infinity(1)),
            MathIntrinsics.Classification.IsInfinity => Emit(block, Op.FEq, IrType.I32, Magnitude(), Infinity(1)),
            MathIntrinsics.Classification.IsPositiveInfinity => Emit(block, Op.FEq, IrType.I32, value, Infinity(1)),
            _ => Emit(block, Op.FEq, IrType.I32, value, Infinity(-1)),
        };
    }
}
