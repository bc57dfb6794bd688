using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Signed division and remainder by a power of two without idiv (20–40 cycles): an arithmetic shift rounds toward
/// minus infinity, so a negative dividend first gets 2^k − 1 added, which makes the shift round toward zero as
/// division does:
/// <code>
/// x / 2^k  =  (x + bias) >> k              bias = (x >> (bits − 1)) >>> (bits − k)   — 2^k − 1 if x &lt; 0, else 0
/// x % 2^k  =  x − ((x + bias) &amp; −2^k)
/// </code>
/// Exact for every x, MinValue included; a divisor of 2^k can neither be zero nor −1, so nothing can throw.
/// (Unsigned division by 2^k is a plain shift; algebraic simplification does that one.)
/// </summary>
public static class DivisionByConstant
{
    public static int Run(Function function)
    {
        var definitions = function.Definitions();
        int changed = 0;
        foreach (var block in function.Blocks)
        {
            for (int i = 0; i < block.Instrs.Count; i++)
            {
                var instr = block.Instrs[i];
                if (instr.Op is not (Op.Div or Op.Rem) || definitions[instr.Args[1]] is not { Op: Op.Const } divisor) continue;
                long d = divisor.Imm;
                if (d < 2 || (d & (d - 1)) != 0) continue;
                int k = System.Numerics.BitOperations.Log2((ulong)d), bits = instr.Type.Bits();
                var type = instr.Type;
                int x = instr.Args[0];

                int Insert(Op op, long immediate, params int[] args)
                {
                    var inserted = new Instr(op, type, function.NewValue(type), args) { Imm = type.Normalize(immediate), ILOffset = instr.ILOffset };
                    block.Instrs.Insert(i++, inserted);
                    return inserted.Result;
                }
                int Const(long value) => Insert(Op.Const, value);

                var sign = Insert(Op.Shr, 0, x, Const(bits - 1));
                var bias = Insert(Op.ShrU, 0, sign, Const(bits - k));
                var biased = Insert(Op.Add, 0, x, bias);
                if (instr.Op == Op.Div)
                {
                    instr.Op = Op.Shr;
                    instr.Args = [biased, Const(k)];
                }
                else
                {
                    instr.Op = Op.Sub;
                    instr.Args = [x, Insert(Op.And, 0, biased, Const(-d))];
                }
                changed++;
            }
        }
        return changed;
    }
}
