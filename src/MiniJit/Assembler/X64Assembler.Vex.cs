using static MiniJit.Assembler.Encoding;

namespace MiniJit.Assembler;

// VEX-encoded instructions: C4 [R̄ X̄ B̄ m-mmmm] [W v̄v̄v̄v̄ L pp] opcode ModRM [SIB] [disp]. The three-byte prefix
// replaces REX (its R, X, B are stored inverted), names the opcode map (m-mmmm: 0F38 is 2) and the implied
// legacy prefix (pp: 66 is 1), and carries a third register operand in vvvv (inverted). Only FMA3 is needed.
public sealed partial class X64Assembler
{
    /// <summary>vzeroupper (C5 F8 77): clears the upper halves of every ymm register.</summary>
    public void Vzeroupper() => EmitBytes([0xC5, 0xF8, 0x77]);

    /// <summary>vfmadd213sd x1, x2, x3/m64: x1 = x2 * x1 + x3, rounded once (FMA3).</summary>
    public void Vfmadd213sd(Register dst, Register src1, Register src2) => Fma(0xA9, wide: true, dst, src1, src2, default);
    public void Vfmadd213sd(Register dst, Register src1, Memory src2) => Fma(0xA9, wide: true, dst, src1, null, src2);
    /// <summary>vfmadd213ss x1, x2, x3/m32: the single-precision form.</summary>
    public void Vfmadd213ss(Register dst, Register src1, Register src2) => Fma(0xA9, wide: false, dst, src1, src2, default);
    public void Vfmadd213ss(Register dst, Register src1, Memory src2) => Fma(0xA9, wide: false, dst, src1, null, src2);

    void Fma(byte opcode, bool wide, Register dst, Register src1, Register? rmRegister, in Memory memory)
    {
        RequireXmm(dst, "vfmadd");
        RequireXmm(src1, "vfmadd");
        if (rmRegister is { } r) RequireXmm(r, "vfmadd");
        Span<byte> body = stackalloc byte[16];
        int rex = 0, n = 0, ripAt = -1;
        body[n++] = opcode;
        if (rmRegister is { } rm) n += WriteRegisterOperand(body[n..], dst.Number, rm.Number, ref rex);
        else
        {
            if (memory.RipLabel is { } label) CheckLabel(label);
            n += WriteMemoryOperand(body[n..], dst.Number, memory, ref rex, out ripAt);
        }
        var code = Code;
        var bytes = code.Bytes;
        if (rmRegister is null && memory.Is32BitAddress) bytes.Add(0x67);
        bytes.Add(0xC4);
        // R̄ X̄ B̄ (inverted REX bits), then map 0F38.
        bytes.Add((byte)(((rex & RexR) == 0 ? 0x80 : 0) | ((rex & RexX) == 0 ? 0x40 : 0) | ((rex & RexB) == 0 ? 0x20 : 0) | 0x02));
        // W, v̄v̄v̄v̄ (inverted src1), L = 0 (scalar), pp = 01 (66).
        bytes.Add((byte)((wide ? 0x80 : 0) | ((~src1.Number & 0xF) << 3) | 0x01));
        int bodyStart = bytes.Count;
        for (int k = 0; k < n; k++) bytes.Add(body[k]);
        if (ripAt >= 0) code.Fixups.Add(new Fixup(bodyStart + 1 + ripAt, bytes.Count, memory.RipLabel!, memory.Displacement));
    }
}
