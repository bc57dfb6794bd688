namespace MiniJit.Ir;

/// <summary>
/// A reference interpreter for the integer subset of the IR. It defines what each integer operation means — the
/// same wrap-around, masking and trapping rules as C# <c>int</c> and <c>long</c> — so it serves both as the
/// semantics that constant folding applies and as the oracle that tests run optimized code against.
/// </summary>
public static class IrInterpreter
{
    /// <summary>
    /// Runs <paramref name="function"/> on integer arguments and returns its result (null for void). A division by
    /// zero throws <see cref="DivideByZeroException"/>, and MinValue / -1 and a checked operation that overflows throw
    /// <see cref="OverflowException"/>, as in the CLR. Calls, the frame and floating point are outside the subset and
    /// throw <see cref="NotSupportedException"/>.
    /// </summary>
    public static long? Run(Function function, long[] args, int maxSteps = 1_000_000)
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
                    values[instr.Result] = Execute(function, instr, values, args);
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

    static long Execute(Function function, Instr instr, long[] values, long[] args)
    {
        if (!instr.Type.IsInteger() || instr.Args.Any(a => !function.ValueTypes[a].IsInteger()))
            throw new NotSupportedException($"the reference interpreter runs integer code only: '{instr}'");
        return instr.Op switch
        {
            Op.Const => instr.Imm,
            Op.Param => instr.Type.Normalize(args[instr.Imm]),
            Op.Copy => values[instr.Args[0]],
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
}
