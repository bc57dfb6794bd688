using System.Buffers.Binary;

namespace MiniJit.Assembler;

/// <summary>Pure helpers for the byte-level pieces of an x86-64 instruction:
/// <code>[legacy prefixes] [REX] opcode [ModRM] [SIB] [displacement] [immediate]</code>
/// All the ModRM/SIB special cases live in <see cref="WriteMemoryOperand"/>.</summary>
internal static class Encoding
{
    // REX = 0100WRXB. W: 64-bit operand size. R: extends ModRM.reg. X: extends SIB.index. B: extends
    // ModRM.rm, SIB.base or the register in the low opcode bits (push r, mov r, imm).
    public const int Rex = 0x40, RexW = 0x08, RexR = 0x04, RexX = 0x02, RexB = 0x01;

    /// <summary>ModRM = mod(2) reg(3) rm(3). mod 11 means rm is a register; 00/01/10 mean memory with
    /// no / 8-bit / 32-bit displacement.</summary>
    public static byte ModRm(int mod, int reg, int rm) => (byte)((mod << 6) | ((reg & 7) << 3) | (rm & 7));

    /// <summary>SIB = scale(2) index(3) base(3); scale is log2 of 1/2/4/8.</summary>
    public static byte Sib(int scale, int index, int @base) =>
        (byte)((ScaleBits(scale) << 6) | ((index & 7) << 3) | (@base & 7));

    static int ScaleBits(int scale) => scale switch { 1 => 0, 2 => 1, 4 => 2, 8 => 3, _ => throw new ArgumentException($"Bad scale {scale}.") };

    public static bool FitsInt8(long value) => value is >= sbyte.MinValue and <= sbyte.MaxValue;
    public static bool FitsInt32(long value) => value is >= int.MinValue and <= int.MaxValue;

    /// <summary>Writes the little-endian immediate/displacement of <paramref name="size"/> bytes.</summary>
    public static int WriteImmediate(Span<byte> dst, long value, int size)
    {
        switch (size)
        {
            case 0: break;
            case 1: dst[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteInt16LittleEndian(dst, (short)value); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(dst, (int)value); break;
            case 8: BinaryPrimitives.WriteInt64LittleEndian(dst, value); break;
            default: throw new ArgumentException($"Bad immediate size {size}.");
        }
        return size;
    }

    /// <summary>ModRM for a register-direct operand (mod = 11); REX.R/REX.B bits go into <paramref name="rex"/>.</summary>
    public static int WriteRegisterOperand(Span<byte> dst, int reg, int rm, ref int rex)
    {
        if (reg >= 8) rex |= RexR;
        if (rm >= 8) rex |= RexB;
        dst[0] = ModRm(0b11, reg, rm);
        return 1;
    }

    /// <summary>Writes ModRM, optional SIB and displacement for a memory operand. <paramref name="reg"/> is
    /// the ModRM.reg field (a register number or an opcode extension /n); REX.R/X/B bits are or-ed into
    /// <paramref name="rex"/>. For RIP-relative operands <paramref name="ripDisplacementAt"/> is the offset
    /// of the 32-bit displacement that must later be patched to (target - end of instruction), else -1.</summary>
    public static int WriteMemoryOperand(Span<byte> dst, int reg, in Memory m, ref int rex, out int ripDisplacementAt)
    {
        ripDisplacementAt = -1;
        if (reg >= 8) rex |= RexR;
        int n = 0;

        if (m.IsRipRelative)
        {
            // mod=00 rm=101 is [rip + disp32] in 64-bit mode (it was [disp32] in 32-bit mode).
            dst[n++] = ModRm(0b00, reg, 0b101);
            ripDisplacementAt = n;
            n += WriteImmediate(dst[n..], m.Displacement, 4);
            return n;
        }

        if (m.Base is null)
        {
            // No base register. rm=101 can't express it (that is RIP-relative now), so we go through a SIB
            // byte whose base field is 101 with mod=00: that means "no base, disp32 follows".
            // Without an index the SIB index field is 100 = "no index" (why rsp can never be an index).
            dst[n++] = ModRm(0b00, reg, 0b100);
            if (m.Index is { } index)
            {
                if (index.Number >= 8) rex |= RexX;
                dst[n++] = Sib(m.Scale, index.Number, 0b101);
            }
            else
                dst[n++] = Sib(1, 0b100, 0b101);
            n += WriteImmediate(dst[n..], m.Displacement, 4);
            return n;
        }

        int b = m.Base.Value.Number;
        if (b >= 8) rex |= RexB;

        // Displacement size. mod=00 means "no displacement" except when the base's low three bits are 101
        // (rbp, r13): that combination is taken by RIP-relative / no-base forms, so [rbp] and [r13] must be
        // written as [rbp+0] with an explicit disp8 of zero.
        int mod = m.Displacement == 0 && (b & 7) != 0b101 ? 0b00
                : FitsInt8(m.Displacement) ? 0b01
                : 0b10;

        // rm=100 means "a SIB byte follows", so a base whose low bits are 100 (rsp, r12) can only be
        // expressed through a SIB (with index=100 "none"). An index also needs a SIB.
        if (m.Index is not null || (b & 7) == 0b100)
        {
            dst[n++] = ModRm(mod, reg, 0b100);
            if (m.Index is { } i)
            {
                if (i.Number >= 8) rex |= RexX;
                dst[n++] = Sib(m.Scale, i.Number, b);
            }
            else
                dst[n++] = Sib(1, 0b100, b);
        }
        else
            dst[n++] = ModRm(mod, reg, b);

        n += WriteImmediate(dst[n..], m.Displacement, mod switch { 0b00 => 0, 0b01 => 1, _ => 4 });
        return n;
    }
}
