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

    /// <summary>One instruction: the ops that read the function's surroundings here, every other by its row's rule
    /// in <see cref="OpTable"/>.</summary>
    static long Execute(Function function, Instr instr, long[] values, long[] args, byte* frame)
    {
        long A(int i) => instr.Args.Length > i ? values[instr.Args[i]] : 0;
        return instr.Op switch
        {
            Op.Param => instr.Type.Normalize(args[instr.Imm]),
            Op.FrameAddress => (long)(frame + instr.Imm),
            Op.CallNative => CallNative(instr, values),
            _ => instr.Op.Evaluate(new OpInput(instr.Type, instr.Args.Length > 0 ? function.ValueTypes[instr.Args[0]] : instr.Type,
                instr.Imm, A(0), A(1), A(2))),
        };
    }

    /// <summary>A call into the C math library, through the same address compiled code calls.</summary>
    static long CallNative(Instr instr, long[] values)
    {
        var args = instr.Args;
        if (instr.Type == IrType.F32)
        {
            float A(int i) => BitConverter.Int32BitsToSingle((int)values[args[i]]);
            return OpRules.BitsOf(args.Length switch
            {
                1 => ((delegate* unmanaged<float, float>)instr.Imm)(A(0)),
                2 => ((delegate* unmanaged<float, float, float>)instr.Imm)(A(0), A(1)),
                _ => ((delegate* unmanaged<float, float, float, float>)instr.Imm)(A(0), A(1), A(2)),
            });
        }
        double D(int i) => BitConverter.Int64BitsToDouble(values[args[i]]);
        if (Binding.CMathLibrary.PositiveNaNForNegative(instr.Callee!.Name) && D(0) < 0) return OpRules.BitsOf(double.NaN) & long.MaxValue;
        return OpRules.BitsOf(args.Length switch
        {
            1 => ((delegate* unmanaged<double, double>)instr.Imm)(D(0)),
            2 => ((delegate* unmanaged<double, double, double>)instr.Imm)(D(0), D(1)),
            _ => ((delegate* unmanaged<double, double, double, double>)instr.Imm)(D(0), D(1), D(2)),
        });
    }
}
