namespace MiniJit.Ir;

/// <summary>
/// A reference interpreter for the IR. It defines what each operation means — the same wrap-around, masking and
/// trapping rules as C# <c>int</c> and <c>long</c>, IEEE arithmetic and the CLR's conversions for <c>float</c> and
/// <c>double</c> — so it serves both as the semantics that constant folding applies and as the oracle that tests run
/// optimized code against. Every value is held as its bits in a long (a double's IEEE bits for f64).
/// </summary>
public static unsafe class IrInterpreter
{
    /// <summary>
    /// Runs <paramref name="function"/> on arguments given as bits and returns its result's bits (null for void). A
    /// division by zero throws <see cref="DivideByZeroException"/>, and MinValue / -1 and a checked operation that
    /// overflows throw <see cref="OverflowException"/>, as in the CLR. Calls of compiled methods and the frame are
    /// outside what it runs and throw <see cref="NotSupportedException"/>.
    /// </summary>
    public static long? Run(Function function, long[] args, int maxSteps = 1_000_000)
    {
        // The frame area of frameaddr: zeroed native memory, which never moves, freed when the run ends.
        var frame = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)Math.Max(8, function.FrameBytes));
        try
        {
            return Run(function, args, maxSteps, frame);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(frame);
        }
    }

    static long? Run(Function function, long[] args, int maxSteps, byte* frame)
    {
        var values = new long[function.ValueCount];
        Block? previous = null;
        var block = function.Entry;
        int steps = 0;
        while (true)
        {
            EnterBlock(block, previous, values);
            foreach (var instr in block.Instrs)
            {
                if (++steps > maxSteps) throw new InvalidOperationException($"{function.Name} ran more than {maxSteps} instructions");
                if (instr.Op == Op.Phi) continue;
                if (!instr.IsTerminator)
                {
                    long value = Execute(function, instr, values, args, frame);
                    if (instr.HasResult) values[instr.Result] = value;
                    continue;
                }
                previous = block;
                switch (instr.Op)
                {
                    case Op.Jump:
                        block = instr.Targets[0];
                        break;
                    case Op.Branch:
                        block = values[instr.Args[0]] != 0 ? instr.Targets[0] : instr.Targets[1];
                        break;
                    case Op.Switch:
                        // The selector is compared unsigned, so a negative one takes the default like a too-large one.
                        ulong index = (uint)values[instr.Args[0]];
                        block = index < (ulong)(instr.Targets.Length - 1) ? instr.Targets[index] : instr.Targets[^1];
                        break;
                    default:
                        return instr.Args.Length == 0 ? null : values[instr.Args[0]];
                }
                break;
            }
        }
    }

    /// <summary>All phis of a block read their operands at once, before any of them is written (a swap must work).</summary>
    static void EnterBlock(Block block, Block? previous, long[] values)
    {
        int pred = previous is null ? -1 : block.Preds.IndexOf(previous);
        var phis = block.Phis.ToArray();
        var incoming = phis.Select(phi => values[phi.Args[pred]]).ToArray();
        for (int i = 0; i < phis.Length; i++) values[phis[i].Result] = incoming[i];
    }

    static long Execute(Function function, Instr instr, long[] values, long[] args, byte* frame)
    {
        long A(int i) => values[instr.Args[i]];
        switch (instr.Op)
        {
            case Op.CallNative: return CallNative(instr, values);
            case Op.Load: return Load(instr.Type, instr.Imm, A(0));
            case Op.Store: Store(instr.Imm, A(0), A(1)); return 0;
            case Op.Zero: new Span<byte>((void*)A(0), (int)instr.Imm).Clear(); return 0;
            case Op.CheckNull: return A(0) != 0 ? A(0) : throw new NullReferenceException();
            case Op.CheckBounds:
                // One unsigned comparison: a negative index reads as a huge one.
                bool wide = function.ValueTypes[instr.Args[0]] == IrType.I64;
                return (wide ? (ulong)A(0) : (uint)A(0)) < (uint)A(1) ? 0 : throw new IndexOutOfRangeException();
            case Op.CheckArgumentRange: return (ulong)A(0) < (ulong)A(1) ? 0 : throw new ArgumentOutOfRangeException();
            case Op.ArrayLength: return *(int*)(A(0) + ArrayLayout.LengthOffset);
            case Op.ElementAddress: return A(0) + A(1) * instr.Imm;
            case Op.FrameAddress: return (long)(frame + instr.Imm);
        }
        if (instr.Args.Length > 0 && (instr.Type.IsFloat() || function.ValueTypes[instr.Args[0]].IsFloat()))
            return Float(instr.Op, instr.Type, function.ValueTypes[instr.Args[0]], instr.Imm,
                values[instr.Args[0]], instr.Args.Length > 1 ? values[instr.Args[1]] : 0, instr.Args.Length > 2 ? values[instr.Args[2]] : 0);
        return instr.Op switch
        {
            Op.Const => instr.Imm,
            Op.Param => instr.Type.Normalize(args[instr.Imm]),
            Op.Copy => values[instr.Args[0]],
            Op.IntToFloat or Op.UIntToFloat => Float(instr.Op, instr.Type, function.ValueTypes[instr.Args[0]], 0, values[instr.Args[0]], 0),
            _ when instr.Op.IsChecked() =>
                CheckedArithmetic.Evaluate(instr.Op, function.ValueTypes[instr.Args[0]], values[instr.Args[0]],
                    instr.Args.Length == 2 ? values[instr.Args[1]] : 0) ?? throw new OverflowException($"'{instr}' overflows"),
            _ when instr.Args.Length == 1 && !instr.Op.Is(OpFlags.SideEffect) => Unary(instr.Op, instr.Type, values[instr.Args[0]]),
            _ when instr.Args.Length == 2 && !instr.Op.Is(OpFlags.SideEffect) =>
                Binary(instr.Op, function.ValueTypes[instr.Args[0]], values[instr.Args[0]], values[instr.Args[1]]),
            _ => throw new NotSupportedException($"the reference interpreter does not run '{instr}'"),
        };
    }

    /// <summary>A one-operand integer operation producing a value of <paramref name="type"/>.</summary>
    public static long Unary(Op op, IrType type, long a) => op switch
    {
        Op.Neg => type == IrType.I32 ? -(int)a : -a,
        Op.Not => type == IrType.I32 ? ~(int)a : ~a,
        Op.SignExtend8 => (sbyte)a,
        Op.SignExtend16 => (short)a,
        Op.ZeroExtend8 => (byte)a,
        Op.ZeroExtend16 => (ushort)a,
        Op.SignExtend32 => (int)a,
        Op.ZeroExtend32 => (uint)a,
        Op.Truncate => (int)a,
        _ => throw new ArgumentException($"{op.Name()} is not a unary integer operation"),
    };

    /// <summary>A two-operand integer operation on operands of <paramref name="type"/> (a shift count may be either width).</summary>
    public static long Binary(Op op, IrType type, long a, long b) =>
        type == IrType.I32 ? Binary32(op, (int)a, (int)b) : Binary64(op, a, b);

    static long Binary32(Op op, int x, int y) => op switch
    {
        Op.Add => x + y,
        Op.Sub => x - y,
        Op.Mul => x * y,
        Op.MulHigh => (int)((long)x * y >> 32),
        Op.Div => x / Divisor(y, x == int.MinValue),
        Op.Rem => x % Divisor(y, x == int.MinValue),
        Op.DivU => (int)((uint)x / (uint)Divisor(y, false)),
        Op.RemU => (int)((uint)x % (uint)Divisor(y, false)),
        Op.And => x & y,
        Op.Or => x | y,
        Op.Xor => x ^ y,
        // C# masks an int shift count to its low 5 bits, exactly as x86 and the CLR do.
        Op.Shl => x << y,
        Op.Shr => x >> y,
        Op.ShrU => x >>> y,
        _ => Compare(op, x, y, (uint)x, (uint)y),
    };

    static long Binary64(Op op, long x, long y) => op switch
    {
        Op.Add => x + y,
        Op.Sub => x - y,
        Op.Mul => x * y,
        Op.MulHigh => Math.BigMul(x, y, out _),
        Op.Div => x / Divisor(y, x == long.MinValue),
        Op.Rem => x % Divisor(y, x == long.MinValue),
        Op.DivU => (long)((ulong)x / (ulong)Divisor(y, false)),
        Op.RemU => (long)((ulong)x % (ulong)Divisor(y, false)),
        Op.And => x & y,
        Op.Or => x | y,
        Op.Xor => x ^ y,
        // A long shift count is masked to its low 6 bits; the cast keeps those bits.
        Op.Shl => x << (int)y,
        Op.Shr => x >> (int)y,
        Op.ShrU => x >>> (int)y,
        _ => Compare(op, x, y, (ulong)x, (ulong)y),
    };

    // ------------------------------------------------------------------ floating point

    /// <summary>
    /// A floating-point operation, a conversion to or from floating point, or a comparison of floats, on operands
    /// given as bits: <paramref name="operandType"/> is the first operand's type, <paramref name="type"/> the result's.
    /// C# arithmetic on double and float is IEEE arithmetic in the declared precision (SSE2 on x64), and C#'s casts from
    /// floating point to integers saturate as the CLR's conversions do, so each rule is the C# expression itself.
    /// </summary>
    public static long Float(Op op, IrType type, IrType operandType, long imm, long a, long b, long c = 0)
    {
        if (op is Op.IntToFloat or Op.UIntToFloat)
        {
            bool wide = operandType == IrType.I64;
            bool signed = op == Op.IntToFloat;
            return type == IrType.F32
                ? Bits(signed ? wide ? (float)a : (float)(int)a : wide ? (float)(ulong)a : (float)(uint)a)
                : Bits(signed ? wide ? (double)a : (double)(int)a : wide ? (double)(ulong)a : (double)(uint)a);
        }
        if (op == Op.Bitcast) return type.Normalize(a);
        double x = operandType == IrType.F32 ? BitConverter.Int32BitsToSingle((int)a) : BitConverter.Int64BitsToDouble(a);
        double y = operandType == IrType.F32 ? BitConverter.Int32BitsToSingle((int)b) : BitConverter.Int64BitsToDouble(b);
        double z = operandType == IrType.F32 ? BitConverter.Int32BitsToSingle((int)c) : BitConverter.Int64BitsToDouble(c);
        switch (op)
        {
            case Op.FloatToInt: return type == IrType.I32 ? (int)x : (long)x;
            case Op.FloatToUInt: return type == IrType.I32 ? (int)(uint)x : (long)(ulong)x;
            case Op.FloatToIntChecked or Op.FloatToUIntChecked: return CheckedConversion(op == Op.FloatToIntChecked, (int)imm, x);
            case Op.FloatConvert: return type == IrType.F32 ? Bits((float)x) : Bits(x);
            case Op.CheckFinite: return double.IsFinite(x) ? a : throw new OverflowException();  // what the CLR throws
            case Op.FSign: return Math.Sign(x);
        }
        if (op.Is(OpFlags.Compare))
        {
            bool unordered = double.IsNaN(x) || double.IsNaN(y);
            bool result = op switch
            {
                Op.FEq => x == y,
                Op.FNe => x != y,
                Op.FLt => x < y,
                Op.FLe => x <= y,
                Op.FGt => x > y,
                Op.FGe => x >= y,
                Op.FLtU => unordered || x < y,
                Op.FLeU => unordered || x <= y,
                Op.FGtU => unordered || x > y,
                Op.FGeU => unordered || x >= y,
                _ => throw new ArgumentException($"{op.Name()} is not a float comparison"),
            };
            return result ? 1 : 0;
        }
        return type == IrType.F32
            ? Bits(Arithmetic(op, (float)x, (float)y, (float)z))
            : Bits(Arithmetic(op, x, y, z));
    }

    /// <summary>One rule for both widths: C#'s float arithmetic stays in float, as the CLR's does.</summary>
    static T Arithmetic<T>(Op op, T x, T y, T z) where T : System.Numerics.IFloatingPointIeee754<T> => op switch
    {
        Op.FAdd => x + y,
        Op.FSub => x - y,
        Op.FMul => x * y,
        Op.FDiv => x / y,
        Op.FNeg => -x,
        Op.FAbs => T.Abs(x),
        Op.FSqrt => T.Sqrt(x),
        Op.FMin => T.Min(x, y),   // Math.Min's rules: NaN if either is, -0.0 below +0.0
        Op.FMax => T.Max(x, y),
        Op.FCopySign => T.CopySign(x, y),
        Op.FMulAdd => T.FusedMultiplyAdd(x, y, z),
        Op.FRoundEven => T.Round(x),
        Op.FFloor => T.Floor(x),
        Op.FCeiling => T.Ceiling(x),
        Op.FTruncate => T.Truncate(x),
        _ => throw new ArgumentException($"{op.Name()} is not a float operation"),
    };

    static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
    static long Bits(float value) => BitConverter.SingleToInt32Bits(value);

    /// <summary>conv.ovf.* from floating point: the value truncated towards zero, or an OverflowException when that
    /// does not fit the target (NaN never fits). Small targets come back as the I32 the evaluation stack holds.</summary>
    static long CheckedConversion(bool signed, int bits, double x) => (signed, bits) switch
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

    /// <summary>A call into the C math library, through the same address compiled code calls.</summary>
    static long CallNative(Instr instr, long[] values)
    {
        var args = instr.Args;
        if (instr.Type == IrType.F32)
        {
            float A(int i) => BitConverter.Int32BitsToSingle((int)values[args[i]]);
            return Bits(args.Length switch
            {
                1 => ((delegate* unmanaged<float, float>)instr.Imm)(A(0)),
                2 => ((delegate* unmanaged<float, float, float>)instr.Imm)(A(0), A(1)),
                _ => ((delegate* unmanaged<float, float, float, float>)instr.Imm)(A(0), A(1), A(2)),
            });
        }
        double D(int i) => BitConverter.Int64BitsToDouble(values[args[i]]);
        if (Binding.CMathLibrary.PositiveNaNForNegative(instr.Callee!.Name) && D(0) < 0) return Bits(double.NaN) & long.MaxValue;
        return Bits(args.Length switch
        {
            1 => ((delegate* unmanaged<double, double>)instr.Imm)(D(0)),
            2 => ((delegate* unmanaged<double, double, double>)instr.Imm)(D(0), D(1)),
            _ => ((delegate* unmanaged<double, double, double, double>)instr.Imm)(D(0), D(1), D(2)),
        });
    }

    /// <summary>Throws what the CLR throws for a bad divisor, so the result never depends on the host's division.</summary>
    static T Divisor<T>(T divisor, bool dividendIsMin) where T : System.Numerics.ISignedNumber<T>
    {
        if (divisor == T.Zero) throw new DivideByZeroException();
        if (divisor == T.NegativeOne && dividendIsMin) throw new OverflowException("MinValue divided by -1");
        return divisor;
    }

    static long Compare<TSigned, TUnsigned>(Op op, TSigned x, TSigned y, TUnsigned ux, TUnsigned uy)
        where TSigned : IComparable<TSigned> where TUnsigned : IComparable<TUnsigned>
    {
        int signed = x.CompareTo(y), unsigned = ux.CompareTo(uy);
        bool result = op switch
        {
            Op.Eq => signed == 0,
            Op.Ne => signed != 0,
            Op.Lt => signed < 0,
            Op.Le => signed <= 0,
            Op.Gt => signed > 0,
            Op.Ge => signed >= 0,
            Op.LtU => unsigned < 0,
            Op.LeU => unsigned <= 0,
            Op.GtU => unsigned > 0,
            Op.GeU => unsigned >= 0,
            _ => throw new ArgumentException($"{op.Name()} is not a binary integer operation"),
        };
        return result ? 1 : 0;
    }

    /// <summary>store: the low <paramref name="width"/> bytes of the value's bits.</summary>
    static void Store(long width, long address, long value)
    {
        switch (width)
        {
            case 1: *(byte*)address = (byte)value; break;
            case 2: *(ushort*)address = (ushort)value; break;
            case 4: *(uint*)address = (uint)value; break;
            default: *(long*)address = value; break;
        }
    }

    /// <summary>load: the bytes at the address, zero-extended, as the value's type holds them.</summary>
    static long Load(IrType type, long width, long address) => type.Normalize(width switch
    {
        1 => *(byte*)address,
        2 => *(ushort*)address,
        4 => *(uint*)address,
        _ => *(long*)address,
    });
}
