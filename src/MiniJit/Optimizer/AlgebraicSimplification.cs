using System.Numerics;
using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Rewrites integer operations using identities that hold for every input: x + 0 = x, x * 2^k = x shl k,
/// x ^ x = 0, neg (neg x) = x, and so on. Each rewrite leaves a copy, a constant or a cheaper operation in place of
/// the original; copy propagation and dead code elimination clean up after it. Floating point is left alone: IEEE
/// rules (NaN, signed zeros) break most of these identities.
/// </summary>
/// <remarks>
/// Operands are first canonicalized: a constant moves to the right of a commutative operation or a comparison, so
/// every rule needs to look only on the right. Blocks are visited in reverse postorder, so an operand's definition
/// is usually already simplified when its reader is; a sweep repeats only when a rewrite reached across a loop.
/// </remarks>
public static class AlgebraicSimplification
{
    public static int Run(Function function)
    {
        // Rewrites change instructions in place and never touch the control-flow graph, so the block order and the
        // definitions table (each value's defining instruction, mutated in place) stay valid for every sweep.
        var context = new Context(function);
        var order = function.ReversePostorder();
        int total = 0;
        for (int changed; (changed = Sweep(context, order)) > 0;) total += changed;
        return total;
    }

    static int Sweep(Context context, List<Block> order)
    {
        int changed = 0;
        foreach (var block in order)
        {
            for (int i = 0; i < block.Instrs.Count; i++)
            {
                var instr = block.Instrs[i];
                context.ForwardCopies(instr);
                if (context.IsIntegerCode(instr) && (Canonicalize(context, instr) | Simplify(context, instr))) changed++;
                // Constants a rule created go just before the instruction that reads them.
                if (context.NewConstants.Count > 0)
                {
                    block.Instrs.InsertRange(i, context.NewConstants);
                    i += context.NewConstants.Count;
                    context.NewConstants.Clear();
                }
            }
        }
        return changed;
    }

    /// <summary>What the rules need to know about values: their definitions (looking through copies) and constants.</summary>
    sealed class Context(Function function)
    {
        Instr?[] defs = function.Definitions();

        /// <summary>Constants created for the instruction being rewritten, which the sweep inserts before it.</summary>
        public readonly List<Instr> NewConstants = [];

        public Instr? Def(int value) => defs[value];

        public long? Constant(int value) => defs[value] is { Op: Op.Const } def ? def.Imm : null;

        /// <summary>Reads the source of a copy directly, so that "x - copy x" is seen as "x - x".</summary>
        public void ForwardCopies(Instr instr)
        {
            for (int i = 0; i < instr.Args.Length; i++)
                while (defs[instr.Args[i]] is { Op: Op.Copy } copy && copy.Args[0] != copy.Result)
                    instr.Args[i] = copy.Args[0];
        }

        public bool IsIntegerCode(Instr instr)
        {
            if (!instr.HasResult || !instr.Type.IsInteger()) return false;
            foreach (int arg in instr.Args)
                if (!function.ValueTypes[arg].IsInteger()) return false;
            return true;
        }

        /// <summary>Creates a constant to be placed just before the instruction being rewritten; returns its value.</summary>
        public int NewConstant(IrType type, long value)
        {
            var constant = new Instr(Op.Const, type, function.NewValue(type), []) { Imm = type.Normalize(value) };
            if (constant.Result >= defs.Length) Array.Resize(ref defs, 2 * defs.Length + 1);  // grow rarely, not per constant
            defs[constant.Result] = constant;
            NewConstants.Add(constant);
            return constant.Result;
        }
    }

    static bool Canonicalize(Context context, Instr instr)
    {
        if (instr.Args.Length != 2 || context.Constant(instr.Args[0]) is null || context.Constant(instr.Args[1]) is not null)
            return false;
        if (instr.Op.Is(OpFlags.Compare)) instr.Op = instr.Op.Swap();
        else if (!instr.Op.Is(OpFlags.Commutative)) return false;
        instr.Args = [instr.Args[1], instr.Args[0]];
        return true;
    }

    static bool Simplify(Context context, Instr instr)
    {
        if (instr.Args.Length == 1) return SimplifyUnary(context, instr);
        if (instr.Args.Length != 2 || instr.Op == Op.Call) return false;
        int x = instr.Args[0], y = instr.Args[1];
        long? c = context.Constant(y);
        var type = instr.Type;
        switch (instr.Op)
        {
            // Checked operations too, where the identity can never overflow (signed or unsigned alike).
            case Op.Add or Op.AddOvf or Op.AddOvfUn when c == 0:
            case Op.Sub or Op.SubOvf or Op.SubOvfUn when c == 0:
            case Op.Mul or Op.MulOvf or Op.MulOvfUn or Op.Div or Op.DivU when c == 1:
            case Op.And or Op.Or when x == y:
            case Op.And when c == -1:
            case Op.Or or Op.Xor when c == 0:
            case Op.Shl or Op.Shr or Op.ShrU when c is long count && (count & (type.Bits() - 1)) == 0:
            case Op.ElementAddress when c == 0:  // element 0 is at the base
                return Copy(instr, x);
            case Op.Sub or Op.SubOvf or Op.SubOvfUn or Op.Xor when x == y:
            case Op.Mul or Op.MulOvf or Op.MulOvfUn or Op.And when c == 0:
            case Op.Rem or Op.RemU when c == 1:
            case Op.Shl or Op.Shr or Op.ShrU when context.Constant(x) == 0:
                return Constant(instr, 0);
            case Op.Or when c == -1:
                return Constant(instr, -1);
            case Op.Sub when context.Constant(x) == 0:
                return Become(instr, Op.Neg, y);
            case Op.Mul when c == -1:
                return Become(instr, Op.Neg, x);
            case Op.Xor when c == -1:
                return Become(instr, Op.Not, x);
            // Powers of two are read unsigned, so i32 0x80000000 counts as 2^31: x * 2^31 and x shl 31 agree mod 2^32.
            case Op.Mul or Op.DivU when PowerOfTwo(type, c) is int k:
                return Become(instr, instr.Op == Op.Mul ? Op.Shl : Op.ShrU, x, context.NewConstant(IrType.I32, k));
            case Op.RemU when PowerOfTwo(type, c) is int k:
                return Become(instr, Op.And, x, context.NewConstant(type, (1L << k) - 1));
        }
        return instr.Op.Is(OpFlags.Compare) && SimplifyCompare(context, instr, x, y, c);
    }

    static bool SimplifyCompare(Context context, Instr instr, int x, int y, long? c)
    {
        if (x == y) return Constant(instr, instr.Op is Op.Eq or Op.Le or Op.Ge or Op.LeU or Op.GeU ? 1 : 0);
        // Nothing is unsigned-below zero, and everything is unsigned-at-least zero.
        if (c == 0 && instr.Op == Op.LtU) return Constant(instr, 0);
        if (c == 0 && instr.Op == Op.GeU) return Constant(instr, 1);
        // A comparison already yields 0 or 1: (cmp != 0) is cmp itself, and (cmp == 0) is the opposite comparison.
        if (c == 0 && instr.Op is Op.Eq or Op.Ne && context.Def(x) is { } inner && inner.Op.Is(OpFlags.Compare) &&
            context.IsIntegerCode(inner))
            return instr.Op == Op.Ne ? Copy(instr, x) : Become(instr, inner.Op.Negate(), [.. inner.Args]);
        return false;
    }

    static bool SimplifyUnary(Context context, Instr instr)
    {
        var inner = context.Def(instr.Args[0]);
        if (inner is null) return false;
        return instr.Op switch
        {
            Op.Neg or Op.Not when inner.Op == instr.Op => Copy(instr, inner.Args[0]),
            Op.Truncate when inner.Op is Op.SignExtend32 or Op.ZeroExtend32 => Copy(instr, inner.Args[0]),
            Op.SignExtend8 or Op.SignExtend16 or Op.ZeroExtend8 or Op.ZeroExtend16 when AlreadyExtended(instr.Op, inner) =>
                Copy(instr, instr.Args[0]),
            _ => false,
        };
    }

    /// <summary>
    /// Whether the value <paramref name="def"/> produces already lies in the range the extension keeps, so the
    /// extension changes nothing: a zext8 result (0..255) survives sext16, a comparison (0 or 1) survives them all, and
    /// so does a checked conversion's result, whose range the conversion has checked (conv.ovf.u1 survives zext8).
    /// </summary>
    static bool AlreadyExtended(Op extension, Instr def)
    {
        if (CheckedArithmetic.ConversionOf(def.Op) is { } conversion)
        {
            var (min, max) = Kept(extension);
            return conversion.Min >= min && conversion.Max <= max;
        }
        // A load of one or two bytes is zero-extended already.
        bool loadedByte = def is { Op: Op.Load, Imm: 1 }, loadedNarrow = def is { Op: Op.Load, Imm: 1 or 2 };
        return extension switch
        {
            Op.SignExtend8 => def.Op is Op.SignExtend8 || def.Op.Is(OpFlags.Compare),
            Op.ZeroExtend8 => def.Op is Op.ZeroExtend8 || def.Op.Is(OpFlags.Compare) || loadedByte,
            Op.SignExtend16 => def.Op is Op.SignExtend8 or Op.SignExtend16 or Op.ZeroExtend8 || def.Op.Is(OpFlags.Compare) || loadedByte,
            _ => def.Op is Op.ZeroExtend8 or Op.ZeroExtend16 || def.Op.Is(OpFlags.Compare) || loadedNarrow,
        };
    }

    /// <summary>The values an extension leaves unchanged.</summary>
    static (int Min, int Max) Kept(Op extension) => extension switch
    {
        Op.SignExtend8 => (sbyte.MinValue, sbyte.MaxValue),
        Op.ZeroExtend8 => (byte.MinValue, byte.MaxValue),
        Op.SignExtend16 => (short.MinValue, short.MaxValue),
        _ => (ushort.MinValue, ushort.MaxValue),
    };

    /// <summary>k when the constant, read as an unsigned number of the type's width, is 2^k with k ≥ 1.</summary>
    static int? PowerOfTwo(IrType type, long? constant)
    {
        if (constant is not long c) return null;
        ulong bits = type == IrType.I32 ? (uint)c : (ulong)c;
        return bits > 1 && BitOperations.IsPow2(bits) ? BitOperations.Log2(bits) : null;
    }

    static bool Copy(Instr instr, int value)
    {
        instr.BecomeCopy(value);
        return true;
    }

    static bool Constant(Instr instr, long value)
    {
        instr.BecomeConst(value);
        return true;
    }

    static bool Become(Instr instr, Op op, params int[] args)
    {
        instr.Op = op;
        instr.Args = args;
        return true;
    }
}
