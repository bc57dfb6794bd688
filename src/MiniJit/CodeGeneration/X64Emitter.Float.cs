using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.RegisterAllocation;

namespace MiniJit.CodeGeneration;

/// <summary>
/// The floating-point templates: SSE2 scalar instructions on xmm registers, with constants read from the unit's
/// constant pool. Every conversion reproduces the CLR's result exactly, including NaN, infinities and values out of
/// the target's range (the CLR saturates them since .NET 9); the rare cases go to out-of-line code.
/// </summary>
public sealed partial class X64Emitter
{
    static readonly Register XmmScratch = X64Registers.XmmScratch, XmmScratch2 = X64Registers.XmmScratch2;

    static bool IsDouble(IrType type) => type == IrType.F64;

    /// <summary>A constant-pool entry as a memory operand: 16 bytes holding the value (f32 or f64 bits) in the low
    /// lane, and in the high lane too for masks, so that the packed andps/xorps see the same bits in every lane.</summary>
    Memory PoolEntry(long bits, int size) => Memory.Rip(asm.Constant(size == 4 ? (uint)bits : bits), size);

    Memory PoolDouble(double value) => PoolEntry(BitConverter.DoubleToInt64Bits(value), 8);

    /// <summary>Moves where one side is an xmm register: movaps between xmm registers, movsd/movss to and from memory,
    /// movq/movd to and from a general-purpose register (bits, not a conversion).</summary>
    void MoveXmm(MOperand destination, MOperand source)
    {
        if (source.IsImmediate)
        {
            Move(Scratch, source);
            source = Scratch;
        }
        if (destination.IsRegister && source.IsRegister)
        {
            var (to, from) = (destination.Register, source.Register);
            if (to.IsXmm && from.IsXmm) Add(MOp.Movaps, to, from);
            else Add((to.IsXmm ? from : to).Size == 8 ? MOp.Movq : MOp.Movd, to, from);
            return;
        }
        var memory = destination.IsMemory ? destination.Memory : source.Memory;
        if (destination.IsRegister && memory.RipLabel is { } constant && asm.IsZeroConstant(constant))
        {
            Add(MOp.Xorps, destination, destination);  // +0.0 needs no load
            return;
        }
        Add(memory.Size == 4 ? MOp.Movss : MOp.Movsd, destination, source);
    }

    /// <summary>A float operand that must be in a register (the first operand of ucomisd, say): its own, or loaded
    /// into <paramref name="scratch"/>.</summary>
    Register InXmm(int value, Register scratch)
    {
        var operand = Where(value);
        if (operand.IsRegister) return operand.Register;
        Move(scratch, operand);
        return scratch;
    }

    void EmitFloatBinary(Instr instr)
    {
        bool d = IsDouble(instr.Type);
        var a = Where(instr.Args[0]);
        var b = Where(instr.Args[1]);
        var target = Target(instr);
        // When both operands are NaN, SSE gives the first one's. A constant operand of + or * goes second, where
        // RyuJIT puts it (and algebraic simplification, with the optimizer on): NaN * x then gives x's NaN, as the
        // CLR does. Which of two NaN variables comes out, the CLR does not fix either (RyuJIT swaps operands for its
        // registers too), so the operands may swap for ours: the first operand is overwritten, so keep the second
        // out of the way.
        if (instr.Op.Is(OpFlags.Commutative) && lowered.Definitions[instr.Args[0]] is { Op: Op.Const }
            && lowered.Definitions[instr.Args[1]] is not { Op: Op.Const }) (a, b) = (b, a);
        else if (instr.Op.Is(OpFlags.Commutative) && SameRegister(b, target) && !SameRegister(a, target)) (a, b) = (b, a);
        if (SameRegister(b, target) && !SameRegister(a, target))
        {
            Move(XmmScratch2, b);
            b = XmmScratch2;
        }
        Move(target, a);
        var op = instr.Op switch
        {
            Op.FAdd => d ? MOp.Addsd : MOp.Addss,
            Op.FSub => d ? MOp.Subsd : MOp.Subss,
            Op.FMul => d ? MOp.Mulsd : MOp.Mulss,
            _ => d ? MOp.Divsd : MOp.Divss,
        };
        Add(op, target, b);
        Store(instr, target);
    }

    /// <summary>Negation flips the sign bit and the absolute value clears it: one xorps or andps with a mask.</summary>
    void EmitSignOperation(Instr instr)
    {
        int size = SizeOf(instr.Type);
        long sign = size == 8 ? long.MinValue : int.MinValue;
        var target = Target(instr);
        Move(target, Where(instr.Args[0]));
        if (instr.Op == Op.FNeg) Add(MOp.Xorps, target, Memory.Rip(asm.Constant(Lane(sign, size), Lane(sign, size)), 16));
        else Add(MOp.Andps, target, Memory.Rip(asm.Constant(Lane(~sign, size), Lane(~sign, size)), 16));
        Store(instr, target);
    }

    /// <summary>
    /// Math.Min and Math.Max: minsd/maxsd alone would answer the second operand for a NaN or for two zeros, but .NET
    /// answers NaN if either operand is NaN, and orders -0.0 below +0.0. Unordered operands give their sum (a NaN);
    /// equal ones give their bits or-ed (min: -0.0 if either is) or and-ed (max: +0.0 if either is), which for two
    /// equal non-zero values is the value itself; only different ordered values reach minsd/maxsd.
    /// </summary>
    void EmitMinMax(Instr instr)
    {
        bool d = IsDouble(instr.Type), min = instr.Op == Op.FMin;
        var b = Where(instr.Args[1]);
        var target = Target(instr);
        if (SameRegister(b, target))
        {
            Move(XmmScratch2, b);
            b = XmmScratch2;
        }
        Move(target, Where(instr.Args[0]));
        var unordered = asm.CreateLabel();
        var equal = asm.CreateLabel();
        var done = asm.CreateLabel();
        Add(d ? MOp.Ucomisd : MOp.Ucomiss, target, b);
        Add(MOp.Jcc, unordered, condition: Condition.P);
        Add(MOp.Jcc, equal, condition: Condition.E);
        Add(min ? d ? MOp.Minsd : MOp.Minss : d ? MOp.Maxsd : MOp.Maxss, target, b);
        Add(MOp.Label, done);
        Store(instr, target);

        Cold(MOp.Label, equal);
        if (b.IsMemory)
        {
            Cold(b.Memory.Size == 4 ? MOp.Movss : MOp.Movsd, XmmScratch2, b);  // orps/andps read 16 bytes: use a register
            Cold(min ? MOp.Orps : MOp.Andps, target, XmmScratch2);
        }
        else Cold(min ? MOp.Orps : MOp.Andps, target, b);
        Cold(MOp.Jmp, done);
        // a + b is the NaN among them, the first if both are, quieted: what RyuJIT's optimized Math.Max gives (its
        // MinOpts returns a signaling NaN unquieted; the CLR disagrees with itself there, and tier 1 is what runs).
        Cold(MOp.Label, unordered);
        Cold(d ? MOp.Addsd : MOp.Addss, target, b);
        Cold(MOp.Jmp, done);
    }

    /// <summary>Math.CopySign: the magnitude bits of the first operand with the sign bit of the second.</summary>
    void EmitCopySign(Instr instr)
    {
        int size = SizeOf(instr.Type);
        long sign = size == 8 ? long.MinValue : int.MinValue;
        var target = Target(instr);
        var b = Where(instr.Args[1]);
        Move(XmmScratch2, b);
        Move(target, Where(instr.Args[0]));
        Add(MOp.Andps, target, Memory.Rip(asm.Constant(Lane(~sign, size), Lane(~sign, size)), 16));
        Add(MOp.Andps, XmmScratch2, Memory.Rip(asm.Constant(Lane(sign, size), Lane(sign, size)), 16));
        Add(MOp.Orps, target, XmmScratch2);
        Store(instr, target);
    }

    /// <summary>Math.FusedMultiplyAdd with FMA3: target = a, then vfmadd213 target, b, c computes b * target + c with
    /// one rounding. b must be a register and must not be the target; c may be memory.</summary>
    void EmitFusedMultiplyAdd(Instr instr)
    {
        var target = Target(instr);
        var (a, b, c) = (Where(instr.Args[0]), Where(instr.Args[1]), Where(instr.Args[2]));
        if (!b.IsRegister || SameRegister(b, target))
        {
            Move(XmmScratch2, b);
            b = XmmScratch2;
        }
        if (SameRegister(c, target) && !SameRegister(a, target))
        {
            Move(XmmScratch, c);
            c = XmmScratch;
        }
        Move(target, a);
        Add(IsDouble(instr.Type) ? MOp.Vfmadd213sd : MOp.Vfmadd213ss, target, b, c);
        Store(instr, target);
    }

    /// <summary>A 64-bit lane filled with <paramref name="bits"/> of <paramref name="size"/> bytes (two floats, or one double).</summary>
    static long Lane(long bits, int size) => size == 8 ? bits : (uint)bits | (long)(uint)bits << 32;

    /// <summary>One-operand instructions that write only the low lane of their destination — sqrt, round, and the
    /// float/double conversions — and so would wait for whatever last wrote it; clearing it first (xorps, which the
    /// CPU knows depends on nothing) breaks that false dependency, as RyuJIT does.</summary>
    void EmitFloatUnary(Instr instr)
    {
        var source = Where(instr.Args[0]);
        var target = Target(instr);
        bool d = IsDouble(instr.Type);
        if (!SameRegister(source, target)) Add(MOp.Xorps, target, target);
        switch (instr.Op)
        {
            case Op.FSqrt: Add(d ? MOp.Sqrtsd : MOp.Sqrtss, target, source); break;
            case Op.FloatConvert: Add(d ? MOp.Cvtss2sd : MOp.Cvtsd2ss, target, source); break;
            default:
                // roundsd's mode: 0 to nearest even, 1 down, 2 up, 3 towards zero; 8 suppresses the inexact exception.
                int mode = instr.Op switch { Op.FRoundEven => 0, Op.FFloor => 1, Op.FCeiling => 2, _ => 3 } | 8;
                Add(d ? MOp.Roundsd : MOp.Roundss, target, source, MOperand.Imm(mode));
                break;
        }
        Store(instr, target);
    }

    /// <summary>cvtsi2sd converts a signed integer. An unsigned 32-bit one is zero-extended and converted as 64 bits;
    /// an unsigned 64-bit one with its top bit set is halved first (keeping the lost bit, so the rounding is right)
    /// and doubled after.</summary>
    void EmitIntegerToFloat(Instr instr)
    {
        var operandType = function.ValueTypes[instr.Args[0]];
        var convert = IsDouble(instr.Type) ? MOp.Cvtsi2sd : MOp.Cvtsi2ss;
        var target = Target(instr);
        var source = Where(instr.Args[0]);
        if (instr.Op == Op.IntToFloat)
        {
            if (source.IsImmediate) source = InRegister(instr.Args[0], SizeOf(operandType), Scratch);
            Add(MOp.Xorps, target, target);
            Add(convert, target, source);
        }
        else if (operandType == IrType.I32)
        {
            Add(MOp.Mov, Scratch.As32, source);  // a 32-bit move clears the upper half
            Add(MOp.Xorps, target, target);
            Add(convert, target, Scratch);
        }
        else
        {
            var large = asm.CreateLabel();
            var done = asm.CreateLabel();
            Move(Scratch, source);
            Add(MOp.Xorps, target, target);
            Add(MOp.Test, Scratch, Scratch);
            Add(MOp.Jcc, large, condition: Condition.S);
            Add(convert, target, Scratch);
            Add(MOp.Jmp, done);
            Add(MOp.Label, large);
            Add(MOp.Mov, Scratch2, Scratch);
            Add(MOp.Shr, Scratch2, MOperand.Imm(1));
            Add(MOp.And, Scratch.As32, MOperand.Imm(1));
            Add(MOp.Or, Scratch2, Scratch);
            Add(convert, target, Scratch2);
            Add(IsDouble(instr.Type) ? MOp.Addsd : MOp.Addss, target, target);
            Add(MOp.Label, done);
        }
        Store(instr, target);
    }

    /// <summary>
    /// f64 to a signed integer, saturating. cvttsd2si answers MinValue for NaN and for anything out of range; only
    /// then does out-of-line code look at the operand: NaN gives 0, a positive value MaxValue, a negative one keeps
    /// MinValue. `cmp r, 1` overflows exactly when r is MinValue, for either width, with no 64-bit immediate.
    /// </summary>
    void EmitFloatToInt(Instr instr)
    {
        var source = Where(instr.Args[0]);
        var target = Target(instr);
        var fix = asm.CreateLabel();
        var back = asm.CreateLabel();
        Add(MOp.Cvttsd2si, target, source);
        Add(MOp.Cmp, target, MOperand.Imm(1));
        Add(MOp.Jcc, fix, condition: Condition.O);
        Add(MOp.Label, back);
        Store(instr, target);

        var nan = asm.CreateLabel();
        Cold(MOp.Label, fix);
        var value = ColdInXmm(source);
        Cold(MOp.Ucomisd, value, PoolDouble(0));
        Cold(MOp.Jcc, nan, condition: Condition.P);
        Cold(MOp.Jcc, back, condition: Condition.B);
        Cold(MOp.Mov, target, MOperand.Imm(target.Size == 8 ? long.MaxValue : int.MaxValue));
        Cold(MOp.Jmp, back);
        Cold(MOp.Label, nan);
        Cold(MOp.Mov, target, MOperand.Imm(0));
        Cold(MOp.Jmp, back);
    }

    /// <summary>
    /// f64 to an unsigned integer, saturating: NaN and anything at most 0 give 0, anything past the top MaxValue.
    /// To 32 bits: the 64-bit conversion is exact below 2^63, so one unsigned compare with 2^32 - 1 catches every
    /// result out of range (negative ones and the MinValue that cvttsd2si answers for NaN and huge values included).
    /// To 64 bits: values from 2^63 are converted less 2^63, and the top bit put back.
    /// </summary>
    void EmitFloatToUInt(Instr instr)
    {
        var source = Where(instr.Args[0]);
        var target = Target(instr);
        var wide = target.As64;
        var back = asm.CreateLabel();
        var zero = asm.CreateLabel();
        var max = asm.CreateLabel();
        if (instr.Type == IrType.I32)
        {
            var fix = asm.CreateLabel();
            Add(MOp.Cvttsd2si, wide, source);
            Add(MOp.Mov, Scratch2.As32, MOperand.Imm(-1));
            Add(MOp.Cmp, wide, Scratch2);
            Add(MOp.Jcc, fix, condition: Condition.A);
            Add(MOp.Label, back);
            Store(instr, target);

            Cold(MOp.Label, fix);
            var value = ColdInXmm(source);
            Cold(MOp.Ucomisd, value, PoolDouble(0));
            Cold(MOp.Jcc, zero, condition: Condition.BE);
        }
        else
        {
            var large = asm.CreateLabel();
            var value = InXmm(instr.Args[0], XmmScratch);
            Add(MOp.Ucomisd, value, PoolDouble(9223372036854775808.0));
            Add(MOp.Jcc, large, condition: Condition.AE);
            Add(MOp.Cvttsd2si, wide, value);
            Add(MOp.Test, wide, wide);
            Add(MOp.Jcc, zero, condition: Condition.S);
            Add(MOp.Label, back);
            Store(instr, target);

            Cold(MOp.Label, large);
            Cold(MOp.Ucomisd, value, PoolDouble(18446744073709551616.0));
            Cold(MOp.Jcc, max, condition: Condition.AE);
            cold.AddRange(ConvertFromTopHalf(wide, value));
            Cold(MOp.Jmp, back);
        }
        Cold(MOp.Label, max);
        Cold(MOp.Mov, target, MOperand.Imm(-1));  // all ones at the target's width (a 32-bit move clears the top half)
        Cold(MOp.Jmp, back);
        Cold(MOp.Label, zero);
        Cold(MOp.Mov, wide, MOperand.Imm(0));
        Cold(MOp.Jmp, back);
    }

    /// <summary>
    /// conv.ovf.* from floating point: the value must lie strictly between the bounds below — those of the CLR's own
    /// helpers — or an OverflowException is reported (NaN lies nowhere). Then the truncating conversion is exact.
    /// </summary>
    void EmitCheckedFloatToInt(Instr instr)
    {
        bool signed = instr.Op == Op.FloatToIntChecked;
        int bits = (int)instr.Imm;
        double upper = Math.ScaleB(1, signed ? bits - 1 : bits);
        // -2^63 itself converts (the next double below is far outside), so that lower bound is inclusive.
        double lower = signed ? bits == 64 ? -upper : -upper - 1 : -1;
        var value = InXmm(instr.Args[0], XmmScratch);
        var overflow = ErrorStub(JitStatus.Overflow);
        Add(MOp.Ucomisd, value, PoolDouble(lower));
        Add(MOp.Jcc, overflow, condition: signed && bits == 64 ? Condition.B : Condition.BE);  // CF is set for NaN too
        Add(MOp.Ucomisd, value, PoolDouble(upper));
        Add(MOp.Jcc, overflow, condition: Condition.AE);
        var target = Target(instr);
        var wide = target.As64;
        if (signed || bits < 32) Add(MOp.Cvttsd2si, target, value);
        else if (bits == 32) Add(MOp.Cvttsd2si, wide, value);
        else
        {
            var large = asm.CreateLabel();
            var done = asm.CreateLabel();
            Add(MOp.Ucomisd, value, PoolDouble(9223372036854775808.0));
            Add(MOp.Jcc, large, condition: Condition.AE);
            Add(MOp.Cvttsd2si, wide, value);
            Add(MOp.Jmp, done);
            Add(MOp.Label, large);
            code.AddRange(ConvertFromTopHalf(wide, value));
            Add(MOp.Label, done);
        }
        Store(instr, target);
    }

    /// <summary>An f64 in [2^63, 2^64) to uint64: convert it less 2^63 (which cvttsd2si can), then set the top bit.</summary>
    MachineInstr[] ConvertFromTopHalf(Register wide, Register value) =>
    [
        new(MOp.Movaps, XmmScratch2, value),
        new(MOp.Subsd, XmmScratch2, PoolDouble(9223372036854775808.0)),
        new(MOp.Cvttsd2si, wide, XmmScratch2),
        new(MOp.Mov, Scratch2, MOperand.Imm(long.MinValue)),
        new(MOp.Xor, wide, Scratch2),
    ];

    /// <summary>The same bits in the other register class: movq/movd, or a plain move through memory.</summary>
    void EmitBitcast(Instr instr)
    {
        int size = SizeOf(instr.Type);
        Move(Where(instr.Result, size), Where(instr.Args[0], size));
    }

    /// <summary>ckfinite: x - x is 0 for every finite x and NaN for NaN and both infinities. The CLR reports them with
    /// an OverflowException (an ArithmeticException, as ECMA-335 asks), so MiniJit does too.</summary>
    void EmitCheckFinite(Instr instr)
    {
        bool d = IsDouble(instr.Type);
        var source = Where(instr.Args[0]);
        Move(XmmScratch, source);
        Add(d ? MOp.Subsd : MOp.Subss, XmmScratch, XmmScratch);
        Add(d ? MOp.Ucomisd : MOp.Ucomiss, XmmScratch, XmmScratch);
        Add(MOp.Jcc, ErrorStub(JitStatus.Overflow), condition: Condition.P);
        if (allocation.Locations[instr.Result].Kind is not (LocationKind.None or LocationKind.Immediate))
            Move(Where(instr.Result), source);
    }

    /// <summary>Math.Sign: (x &gt; 0) - (x &lt; 0) from one ucomisd with zero, and ArithmeticException for NaN (parity).</summary>
    void EmitSign(Instr instr)
    {
        bool d = IsDouble(function.ValueTypes[instr.Args[0]]);
        var value = InXmm(instr.Args[0], XmmScratch);
        Add(d ? MOp.Ucomisd : MOp.Ucomiss, value, d ? PoolDouble(0) : PoolEntry(0, 4));
        Add(MOp.Jcc, ErrorStub(JitStatus.Arithmetic), condition: Condition.P);
        var target = Target(instr);
        Add(MOp.Set, target.As8, condition: Condition.A);
        Add(MOp.Set, Scratch2.As8, condition: Condition.B);
        Add(MOp.Sub, target.As8, Scratch2.As8);
        Add(MOp.Movsx, target, target.As8);
        Store(instr, target);
    }

    /// <summary>
    /// ucomisd sets the flags of an unsigned comparison, and all of ZF, PF and CF when either operand is NaN. So
    /// "a &gt; b" is `above` (false on NaN), "a &lt; b" is b &gt; a, and the unordered forms are `below` ones (true on NaN).
    /// Equality needs ZF and no parity; the caller tests the parity flag for feq and fne.
    /// </summary>
    Condition EmitFloatCmp(Instr compare)
    {
        var (a, b) = (compare.Args[0], compare.Args[1]);
        var op = compare.Op;
        // Normalize to the forms that read the flags of "ucomisd a, b" directly: gt, ge, lt.u, le.u, eq, ne.
        if (op is Op.FLt or Op.FLe or Op.FGtU or Op.FGeU)
        {
            (a, b) = (b, a);
            op = op.Swap();
        }
        else if (op is Op.FEq or Op.FNe && !Where(a).IsRegister && Where(b).IsRegister) (a, b) = (b, a);
        var first = InXmm(a, XmmScratch);
        Add(IsDouble(function.ValueTypes[a]) ? MOp.Ucomisd : MOp.Ucomiss, first, Where(b));
        return op switch
        {
            Op.FGt => Condition.A,
            Op.FGe => Condition.AE,
            Op.FLtU => Condition.B,
            Op.FLeU => Condition.BE,
            Op.FEq => Condition.E,
            _ => Condition.NE,
        };
    }

    void Cold(MOp op, MOperand a = default, MOperand b = default, Condition condition = default) =>
        cold.Add(new MachineInstr(op, a, b, default, condition));

    /// <summary>The operand in an xmm register for out-of-line code: its own, or loaded into the scratch register.</summary>
    Register ColdInXmm(MOperand operand)
    {
        if (operand.IsRegister) return operand.Register;
        Cold(operand.Memory.Size == 4 ? MOp.Movss : MOp.Movsd, XmmScratch, operand);
        return XmmScratch;
    }
}
