using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Signed division and remainder by a constant without idiv (20–40 cycles), as Granlund and Montgomery ("Division by
/// Invariant Integers using Multiplication", PLDI 1994) and Hacker's Delight (chapter 10) describe.
/// <para>By a power of two, an arithmetic shift — which rounds toward minus infinity, so a negative dividend first gets
/// 2^k − 1 added to round toward zero as division does:</para>
/// <code>
/// x / 2^k  =  (x + bias) >> k              bias = (x >> (bits − 1)) >>> (bits − k)   — 2^k − 1 if x &lt; 0, else 0
/// x % 2^k  =  x − ((x + bias) &amp; −2^k)
/// </code>
/// <para>By any other constant d, a multiplication by a "magic" number M ≈ 2^(bits+s) / d, keeping the high half:</para>
/// <code>
/// q = mulhi(x, M) [+ x if d > 0 and M &lt; 0] [− x if d &lt; 0 and M > 0];  q = q >> s;  q = q + (q >>> (bits − 1))
/// x % d = x − q·d
/// </code>
/// Exact for every x, MinValue included. Divisors 0 and −1 stay with idiv, whose checks report the CLR's exceptions;
/// 1 is algebraic simplification's; unsigned division by 2^k is a plain shift, also done there. Unsigned 32-bit
/// division by any other constant takes one 64-bit multiplication (<see cref="UnsignedByConstant"/>); 64-bit unsigned
/// division stays with div.
/// </summary>
public static class DivisionByConstant
{
    public static int Run(Function function)
    {
        if (!HasDivision(function)) return 0;  // most functions divide by nothing: skip building the definitions table
        var definitions = function.Definitions();
        int changed = 0;
        foreach (var block in function.Blocks)
        {
            for (int i = 0; i < block.Instrs.Count; i++)
            {
                var instr = block.Instrs[i];
                if (instr.Op is not (Op.Div or Op.Rem or Op.DivU or Op.RemU) || definitions[instr.Args[1]] is not { Op: Op.Const } divisor) continue;
                if (instr.Op is Op.DivU or Op.RemU)
                {
                    if (instr.Type == IrType.I32 && (uint)divisor.Imm is var ud && ud > 2 && (ud & (ud - 1)) != 0)
                    {
                        i = UnsignedByConstant(function, block, i, instr, ud);
                        changed++;
                    }
                    continue;
                }
                long d = divisor.Imm;
                int bits = instr.Type.Bits();
                if (d is 0 or 1 or -1 || d == (bits == 32 ? int.MinValue : long.MinValue)) continue;
                var type = instr.Type;
                int x = instr.Args[0];

                int Insert(Op op, long immediate, params int[] args)
                {
                    var inserted = new Instr(op, type, function.NewValue(type), args) { Imm = type.Normalize(immediate), ILOffset = instr.ILOffset };
                    block.Instrs.Insert(i++, inserted);
                    return inserted.Result;
                }
                int Const(long value) => Insert(Op.Const, value);

                int quotient;
                if (d > 0 && (d & (d - 1)) == 0)
                {
                    int k = System.Numerics.BitOperations.Log2((ulong)d);
                    var sign = Insert(Op.Shr, 0, x, Const(bits - 1));
                    var bias = Insert(Op.ShrU, 0, sign, Const(bits - k));
                    var biased = Insert(Op.Add, 0, x, bias);
                    if (instr.Op == Op.Rem)
                    {
                        instr.Op = Op.Sub;
                        instr.Args = [x, Insert(Op.And, 0, biased, Const(-d))];
                        changed++;
                        continue;
                    }
                    quotient = Insert(Op.Shr, 0, biased, Const(k));
                }
                else
                {
                    var (multiplier, shift) = SignedMagic(d, bits);
                    var q = Insert(Op.MulHigh, 0, x, Const(multiplier));
                    if (d > 0 && multiplier < 0) q = Insert(Op.Add, 0, q, x);
                    if (d < 0 && multiplier > 0) q = Insert(Op.Sub, 0, q, x);
                    if (shift > 0) q = Insert(Op.Shr, 0, q, Const(shift));
                    quotient = Insert(Op.Add, 0, q, Insert(Op.ShrU, 0, q, Const(bits - 1)));  // +1 when negative: round toward zero
                }

                if (instr.Op == Op.Div) instr.BecomeCopy(quotient);
                else
                {
                    instr.Op = Op.Sub;
                    instr.Args = [x, Insert(Op.Mul, 0, quotient, Const(d))];
                }
                changed++;
            }
        }
        return changed;
    }

    static bool HasDivision(Function function)
    {
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                if (instr.Op is Op.Div or Op.Rem or Op.DivU or Op.RemU) return true;
        return false;
    }

    /// <summary>
    /// Unsigned 32-bit division and remainder by a constant d (not a power of two), as Lemire, Kaser and Kurz ("Faster
    /// Remainder by Direct Computation", 2019) show: with c = ⌈2^64 / d⌉, the quotient is the high half of the 64-bit
    /// product c · x, exact for every 32-bit x. mulhi is signed, so when c's top bit is set x is added back (x itself is
    /// zero-extended, never negative). Returns the index of <paramref name="instr"/>, which stays in place.
    /// </summary>
    static int UnsignedByConstant(Function function, Block block, int i, Instr instr, uint d)
    {
        int Insert(Op op, IrType type, long immediate, params int[] args)
        {
            var inserted = new Instr(op, type, function.NewValue(type), args) { Imm = type.Normalize(immediate), ILOffset = instr.ILOffset };
            block.Instrs.Insert(i++, inserted);
            return inserted.Result;
        }
        int x = instr.Args[0];
        ulong c = ulong.MaxValue / d + 1;
        int wide = Insert(Op.ZeroExtend32, IrType.I64, 0, x);
        int high = Insert(Op.MulHigh, IrType.I64, 0, wide, Insert(Op.Const, IrType.I64, (long)c));
        if ((long)c < 0) high = Insert(Op.Add, IrType.I64, 0, high, wide);
        int quotient = Insert(Op.Truncate, IrType.I32, 0, high);
        if (instr.Op == Op.DivU) instr.BecomeCopy(quotient);
        else
        {
            instr.Op = Op.Sub;
            instr.Args = [x, Insert(Op.Mul, IrType.I32, 0, quotient, Insert(Op.Const, IrType.I32, (int)d))];
        }
        return i;
    }

    /// <summary>
    /// The magic multiplier and shift for signed division by <paramref name="d"/> (2 ≤ |d|, not a positive power of two)
    /// at the given width: the smallest p ≥ bits − 1 for which M = ⌈2^p / |d|⌉ is exact for every dividend (Hacker's
    /// Delight, figure 10-1). Computed in 128 bits, so none of the intermediate values wraps.
    /// </summary>
    internal static (long Multiplier, int Shift) SignedMagic(long d, int bits)
    {
        UInt128 two = (UInt128)1 << (bits - 1);
        UInt128 ad = (UInt128)(d < 0 ? (ulong)-d : (ulong)d);
        UInt128 t = two + (d < 0 ? 1u : 0u);
        UInt128 anc = t - 1 - t % ad;  // |nc|: the largest dividend whose remainder is |d| − 1
        int p = bits - 1;
        UInt128 q1 = two / anc, r1 = two - q1 * anc, q2 = two / ad, r2 = two - q2 * ad, delta;
        do
        {
            p++;
            q1 *= 2; r1 *= 2;
            if (r1 >= anc) { q1++; r1 -= anc; }
            q2 *= 2; r2 *= 2;
            if (r2 >= ad) { q2++; r2 -= ad; }
            delta = ad - r2;
        } while (q1 < delta || (q1 == delta && r1 == 0));
        long multiplier = bits == 32 ? (int)(uint)(q2 + 1) : (long)(ulong)(q2 + 1);
        if (d < 0) multiplier = bits == 32 ? (int)-multiplier : -multiplier;
        return (multiplier, p - bits);
    }
}
