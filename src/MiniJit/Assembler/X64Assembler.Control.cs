namespace MiniJit.Assembler;

// Control flow, stack, padding and raw data.
public sealed partial class X64Assembler
{
    /// <summary>jmp to a label: EB rel8 when it fits after layout, else E9 rel32.</summary>
    public void Jmp(Label target)
    {
        CheckLabel(target);
        AddItem(new JumpItem(target, null));
    }

    /// <summary>jcc to a label: 70+cc rel8 when it fits after layout, else 0F 80+cc rel32.</summary>
    public void Jcc(Condition condition, Label target)
    {
        CheckLabel(target);
        AddItem(new JumpItem(target, condition));
    }

    /// <summary>call rel32 (E8): always the 32-bit form.</summary>
    public void Call(Label target) => EmitRel32([0xE8], target);

    static void Require64(Register r, string mnemonic)
    {
        if (r.Kind != RegisterKind.Gpr64) throw new ArgumentException($"{mnemonic} needs a 64-bit general-purpose register, not {r}.");
    }

    static void RequireQword(in Memory m, string mnemonic)
    {
        if (m.Size != 8) throw new ArgumentException($"{mnemonic} needs a qword memory operand, not {m}.");
    }

    // FF /4 and FF /2 default to 64-bit operands in long mode: no REX.W needed.
    public void Jmp(Register target) { Require64(target, "jmp"); Emit(0, false, [0xFF], 4, null, target, default); }
    public void Jmp(Memory target) { RequireQword(target, "jmp"); Emit(0, false, [0xFF], 4, null, null, target); }
    public void Call(Register target) { Require64(target, "call"); Emit(0, false, [0xFF], 2, null, target, default); }
    public void Call(Memory target) { RequireQword(target, "call"); Emit(0, false, [0xFF], 2, null, null, target); }

    public void Ret() => EmitBytes([0xC3]);

    // push/pop operate on 64 bits by default; REX.B selects r8-r15.
    public void Push(Register r) { Require64(r, "push"); EmitOpcodeRegister(0, false, [0x50], r); }
    public void Pop(Register r) { Require64(r, "pop"); EmitOpcodeRegister(0, false, [0x58], r); }
    public void Push(Memory m) { RequireQword(m, "push"); Emit(0, false, [0xFF], 6, null, null, m); }
    public void Pop(Memory m) { RequireQword(m, "pop"); Emit(0, false, [0x8F], 0, null, null, m); }

    /// <summary>push imm (sign-extended to 64 bits): 6A ib or 68 id.</summary>
    public void Push(int imm)
    {
        if (Encoding.FitsInt8(imm)) EmitBytes([0x6A, (byte)imm]);
        else EmitBytes([0x68, (byte)imm, (byte)(imm >> 8), (byte)(imm >> 16), (byte)(imm >> 24)]);
    }

    public void Int3() => EmitBytes([0xCC]);
    public void Ud2() => EmitBytes([0x0F, 0x0B]);

    /// <summary>A one-byte nop.</summary>
    public void Nop() => EmitBytes([0x90]);

    /// <summary><paramref name="length"/> bytes of nops, using the recommended multi-byte nops
    /// (longest first, at most 9 bytes each).</summary>
    public void Nop(int length)
    {
        if (length < 0) throw new ArgumentException($"Nop length {length} is negative.", nameof(length));
        Span<byte> buffer = stackalloc byte[length <= 256 ? length : 0];
        if (length > 256) buffer = new byte[length];
        WriteNops(buffer);
        EmitBytes(buffer);
    }

    /// <summary>Pads with nops up to the next multiple of <paramref name="boundary"/> (a power of two).
    /// The padding is computed at layout time, after jump sizes are known.</summary>
    public void Align(int boundary)
    {
        CheckBoundary(boundary);
        AddItem(new AlignItem(boundary, zeros: false));
    }

    /// <summary>Like <see cref="Align"/> but pads with zero bytes (for constant pools).</summary>
    public void DataAlign(int boundary)
    {
        CheckBoundary(boundary);
        AddItem(new AlignItem(boundary, zeros: true));
    }

    static void CheckBoundary(int boundary)
    {
        if (boundary <= 0 || (boundary & (boundary - 1)) != 0)
            throw new ArgumentException($"Alignment {boundary} is not a positive power of two.", nameof(boundary));
    }

    /// <summary>Raw bytes (constant pool entries, jump tables...).</summary>
    public void Data(ReadOnlySpan<byte> bytes) => EmitBytes(bytes);

    /// <summary>The recommended multi-byte nop sequences (Intel SDM, NOP instruction), indexed by length - 1:
    /// 90, 66 90, then 0F 1F /0 with growing ModRM/SIB/displacement and an optional 66 prefix.</summary>
    static readonly byte[][] Nops =
    [
        [0x90],
        [0x66, 0x90],
        [0x0F, 0x1F, 0x00],
        [0x0F, 0x1F, 0x40, 0x00],
        [0x0F, 0x1F, 0x44, 0x00, 0x00],
        [0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00],
        [0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00],
        [0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        [0x66, 0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    ];

    static void WriteNops(Span<byte> dst)
    {
        while (dst.Length > 0)
        {
            var nop = Nops[Math.Min(dst.Length, Nops.Length) - 1];
            nop.CopyTo(dst);
            dst = dst[nop.Length..];
        }
    }
}
