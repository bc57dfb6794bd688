namespace MiniJit.Assembler;

// SSE/SSE2/SSE4.1 scalar instructions. They are all "[mandatory prefix] [REX] 0F op ModRM": the
// mandatory prefix (none, 66, F2, F3) selects ps/pd/sd/ss, REX.W selects a 64-bit integer operand.
public sealed partial class X64Assembler
{
    /// <summary>One row of the SSE table: mandatory prefix (0 = none) and opcode byte after 0F.</summary>
    readonly record struct SseOp(string Name, byte Prefix, byte Opcode);

    static readonly SseOp
        AddsdOp = new("addsd", 0xF2, 0x58), AddssOp = new("addss", 0xF3, 0x58),
        SubsdOp = new("subsd", 0xF2, 0x5C), SubssOp = new("subss", 0xF3, 0x5C),
        MulsdOp = new("mulsd", 0xF2, 0x59), MulssOp = new("mulss", 0xF3, 0x59),
        DivsdOp = new("divsd", 0xF2, 0x5E), DivssOp = new("divss", 0xF3, 0x5E),
        SqrtsdOp = new("sqrtsd", 0xF2, 0x51), SqrtssOp = new("sqrtss", 0xF3, 0x51),
        MinsdOp = new("minsd", 0xF2, 0x5D), MinssOp = new("minss", 0xF3, 0x5D),
        MaxsdOp = new("maxsd", 0xF2, 0x5F), MaxssOp = new("maxss", 0xF3, 0x5F),
        MovapsOp = new("movaps", 0x00, 0x28),
        MovsdLoad = new("movsd", 0xF2, 0x10), MovsdStore = new("movsd", 0xF2, 0x11),
        MovssLoad = new("movss", 0xF3, 0x10), MovssStore = new("movss", 0xF3, 0x11),
        UcomisdOp = new("ucomisd", 0x66, 0x2E), ComisdOp = new("comisd", 0x66, 0x2F),
        UcomissOp = new("ucomiss", 0x00, 0x2E), ComissOp = new("comiss", 0x00, 0x2F),
        Cvtss2sdOp = new("cvtss2sd", 0xF3, 0x5A), Cvtsd2ssOp = new("cvtsd2ss", 0xF2, 0x5A),
        XorpdOp = new("xorpd", 0x66, 0x57), AndpdOp = new("andpd", 0x66, 0x54),
        XorpsOp = new("xorps", 0x00, 0x57), AndpsOp = new("andps", 0x00, 0x54), OrpsOp = new("orps", 0x00, 0x56),
        Cvtsi2sdOp = new("cvtsi2sd", 0xF2, 0x2A), Cvtsi2ssOp = new("cvtsi2ss", 0xF3, 0x2A),
        Cvttsd2siOp = new("cvttsd2si", 0xF2, 0x2C), Cvttss2siOp = new("cvttss2si", 0xF3, 0x2C),
        MovdLoad = new("movd", 0x66, 0x6E), MovdStore = new("movd", 0x66, 0x7E),
        MovqLoad = new("movq", 0xF3, 0x7E), MovqStore = new("movq", 0x66, 0xD6);

    static void RequireXmm(Register r, string mnemonic)
    {
        if (!r.IsXmm) throw new ArgumentException($"{mnemonic} needs an xmm register here, not {r}.");
    }

    static int Gpr32Or64(Register r, string mnemonic)
    {
        if (r.Kind is not (RegisterKind.Gpr32 or RegisterKind.Gpr64)) throw new ArgumentException($"{mnemonic} needs a 32 or 64-bit general-purpose register, not {r}.");
        return r.Size;
    }

    // xmm, xmm/m: reg = destination xmm.
    void Sse(SseOp op, Register dst, Register src)
    {
        RequireXmm(dst, op.Name);
        RequireXmm(src, op.Name);
        Emit(op.Prefix, false, [0x0F, op.Opcode], dst.Number, dst, src, default);
    }

    void Sse(SseOp op, Register dst, in Memory src)
    {
        RequireXmm(dst, op.Name);
        Emit(op.Prefix, false, [0x0F, op.Opcode], dst.Number, dst, null, src);
    }

    /// <summary>Copies the whole register: unlike movsd between registers it does not merge with the destination's
    /// old contents, so it starts no dependency chain.</summary>
    public void Movaps(Register dst, Register src) => Sse(MovapsOp, dst, src);
    public void Movsd(Register dst, Register src) => Sse(MovsdLoad, dst, src);
    public void Movsd(Register dst, Memory src) => Sse(MovsdLoad, dst, src);
    public void Movsd(Memory dst, Register src) => Sse(MovsdStore, src, dst);
    public void Movss(Register dst, Register src) => Sse(MovssLoad, dst, src);
    public void Movss(Register dst, Memory src) => Sse(MovssLoad, dst, src);
    public void Movss(Memory dst, Register src) => Sse(MovssStore, src, dst);

    public void Addsd(Register dst, Register src) => Sse(AddsdOp, dst, src);
    public void Addsd(Register dst, Memory src) => Sse(AddsdOp, dst, src);
    public void Subsd(Register dst, Register src) => Sse(SubsdOp, dst, src);
    public void Subsd(Register dst, Memory src) => Sse(SubsdOp, dst, src);
    public void Mulsd(Register dst, Register src) => Sse(MulsdOp, dst, src);
    public void Mulsd(Register dst, Memory src) => Sse(MulsdOp, dst, src);
    public void Divsd(Register dst, Register src) => Sse(DivsdOp, dst, src);
    public void Divsd(Register dst, Memory src) => Sse(DivsdOp, dst, src);
    public void Sqrtsd(Register dst, Register src) => Sse(SqrtsdOp, dst, src);
    public void Sqrtsd(Register dst, Memory src) => Sse(SqrtsdOp, dst, src);
    public void Minsd(Register dst, Register src) => Sse(MinsdOp, dst, src);
    public void Minsd(Register dst, Memory src) => Sse(MinsdOp, dst, src);
    public void Maxsd(Register dst, Register src) => Sse(MaxsdOp, dst, src);
    public void Maxsd(Register dst, Memory src) => Sse(MaxsdOp, dst, src);
    public void Addss(Register dst, Register src) => Sse(AddssOp, dst, src);
    public void Addss(Register dst, Memory src) => Sse(AddssOp, dst, src);
    public void Subss(Register dst, Register src) => Sse(SubssOp, dst, src);
    public void Subss(Register dst, Memory src) => Sse(SubssOp, dst, src);
    public void Mulss(Register dst, Register src) => Sse(MulssOp, dst, src);
    public void Mulss(Register dst, Memory src) => Sse(MulssOp, dst, src);
    public void Divss(Register dst, Register src) => Sse(DivssOp, dst, src);
    public void Divss(Register dst, Memory src) => Sse(DivssOp, dst, src);
    public void Sqrtss(Register dst, Register src) => Sse(SqrtssOp, dst, src);
    public void Sqrtss(Register dst, Memory src) => Sse(SqrtssOp, dst, src);
    public void Minss(Register dst, Register src) => Sse(MinssOp, dst, src);
    public void Minss(Register dst, Memory src) => Sse(MinssOp, dst, src);
    public void Maxss(Register dst, Register src) => Sse(MaxssOp, dst, src);
    public void Maxss(Register dst, Memory src) => Sse(MaxssOp, dst, src);

    public void Ucomisd(Register a, Register b) => Sse(UcomisdOp, a, b);
    public void Ucomisd(Register a, Memory b) => Sse(UcomisdOp, a, b);
    public void Comisd(Register a, Register b) => Sse(ComisdOp, a, b);
    public void Comisd(Register a, Memory b) => Sse(ComisdOp, a, b);
    public void Ucomiss(Register a, Register b) => Sse(UcomissOp, a, b);
    public void Ucomiss(Register a, Memory b) => Sse(UcomissOp, a, b);
    public void Comiss(Register a, Register b) => Sse(ComissOp, a, b);
    public void Comiss(Register a, Memory b) => Sse(ComissOp, a, b);

    public void Cvtss2sd(Register dst, Register src) => Sse(Cvtss2sdOp, dst, src);
    public void Cvtss2sd(Register dst, Memory src) => Sse(Cvtss2sdOp, dst, src);
    public void Cvtsd2ss(Register dst, Register src) => Sse(Cvtsd2ssOp, dst, src);
    public void Cvtsd2ss(Register dst, Memory src) => Sse(Cvtsd2ssOp, dst, src);

    public void Xorpd(Register dst, Register src) => Sse(XorpdOp, dst, src);
    public void Xorpd(Register dst, Memory src) => Sse(XorpdOp, dst, src);
    public void Andpd(Register dst, Register src) => Sse(AndpdOp, dst, src);
    public void Andpd(Register dst, Memory src) => Sse(AndpdOp, dst, src);
    public void Xorps(Register dst, Register src) => Sse(XorpsOp, dst, src);
    public void Xorps(Register dst, Memory src) => Sse(XorpsOp, dst, src);
    public void Andps(Register dst, Register src) => Sse(AndpsOp, dst, src);
    public void Andps(Register dst, Memory src) => Sse(AndpsOp, dst, src);
    public void Orps(Register dst, Register src) => Sse(OrpsOp, dst, src);
    public void Orps(Register dst, Memory src) => Sse(OrpsOp, dst, src);

    // ---- integer <-> float conversions (REX.W picks the 64-bit integer) -----------------------------

    void CvtFromInt(SseOp op, Register dst, Register? srcReg, in Memory srcMem)
    {
        RequireXmm(dst, op.Name);
        int size = srcReg is { } s ? Gpr32Or64(s, op.Name) : srcMem.Size;
        if (size is not (4 or 8)) throw new ArgumentException($"{op.Name} converts a 4 or 8-byte integer, not {srcMem}.");
        Emit(op.Prefix, size == 8, [0x0F, op.Opcode], dst.Number, dst, srcReg, srcMem);
    }

    void CvtToInt(SseOp op, Register dst, Register? srcReg, in Memory srcMem)
    {
        int size = Gpr32Or64(dst, op.Name);
        if (srcReg is { } s) RequireXmm(s, op.Name);
        Emit(op.Prefix, size == 8, [0x0F, op.Opcode], dst.Number, dst, srcReg, srcMem);
    }

    public void Cvtsi2sd(Register dst, Register src) => CvtFromInt(Cvtsi2sdOp, dst, src, default);
    public void Cvtsi2sd(Register dst, Memory src) => CvtFromInt(Cvtsi2sdOp, dst, null, src);
    public void Cvtsi2ss(Register dst, Register src) => CvtFromInt(Cvtsi2ssOp, dst, src, default);
    public void Cvtsi2ss(Register dst, Memory src) => CvtFromInt(Cvtsi2ssOp, dst, null, src);
    public void Cvttsd2si(Register dst, Register src) => CvtToInt(Cvttsd2siOp, dst, src, default);
    public void Cvttsd2si(Register dst, Memory src) => CvtToInt(Cvttsd2siOp, dst, null, src);
    public void Cvttss2si(Register dst, Register src) => CvtToInt(Cvttss2siOp, dst, src, default);
    public void Cvttss2si(Register dst, Memory src) => CvtToInt(Cvttss2siOp, dst, null, src);

    // ---- movd / movq -------------------------------------------------------------------------------

    /// <summary>movd between an xmm register and a 32-bit GPR, either direction (66 0F 6E / 66 0F 7E).</summary>
    public void Movd(Register dst, Register src) => MovGprXmm(dst, src, 4, "movd");

    /// <summary>movq between an xmm register and a 64-bit GPR (66 REX.W 0F 6E / 7E), or xmm to xmm (F3 0F 7E).</summary>
    public void Movq(Register dst, Register src)
    {
        if (dst.IsXmm && src.IsXmm) Sse(MovqLoad, dst, src);
        else MovGprXmm(dst, src, 8, "movq");
    }

    void MovGprXmm(Register dst, Register src, int gprSize, string mnemonic)
    {
        // 6E loads the xmm (reg) from the GPR (r/m); 7E stores the xmm (reg) into the GPR (r/m).
        if (dst.IsXmm && src.Kind == (gprSize == 8 ? RegisterKind.Gpr64 : RegisterKind.Gpr32))
            Emit(0x66, gprSize == 8, [0x0F, MovdLoad.Opcode], dst.Number, dst, src, default);
        else if (src.IsXmm && dst.Kind == (gprSize == 8 ? RegisterKind.Gpr64 : RegisterKind.Gpr32))
            Emit(0x66, gprSize == 8, [0x0F, MovdStore.Opcode], src.Number, src, dst, default);
        else
            throw new ArgumentException($"{mnemonic} moves between an xmm register and a {gprSize * 8}-bit general-purpose register, not {dst}, {src}.");
    }

    public void Movd(Register dst, Memory src) => Sse(MovdLoad, dst, src);
    public void Movd(Memory dst, Register src) => Sse(MovdStore, src, dst);
    /// <summary>movq xmm, m64 (F3 0F 7E).</summary>
    public void Movq(Register dst, Memory src) => Sse(MovqLoad, dst, src);
    /// <summary>movq m64, xmm (66 0F D6).</summary>
    public void Movq(Memory dst, Register src) => Sse(MovqStore, src, dst);

    // ---- roundsd / roundss (SSE4.1: 66 0F 3A 0B/0A /r ib) ------------------------------------------

    /// <summary>roundsd xmm, xmm/m64, imm8 (mode: 0 nearest, 1 floor, 2 ceil, 3 truncate; +8 suppresses precision exceptions).</summary>
    public void Roundsd(Register dst, Register src, byte mode) => Round(0x0B, dst, src, default, mode);
    public void Roundsd(Register dst, Memory src, byte mode) => Round(0x0B, dst, null, src, mode);
    public void Roundss(Register dst, Register src, byte mode) => Round(0x0A, dst, src, default, mode);
    public void Roundss(Register dst, Memory src, byte mode) => Round(0x0A, dst, null, src, mode);

    void Round(byte opcode, Register dst, Register? srcReg, in Memory srcMem, byte mode)
    {
        RequireXmm(dst, "round");
        if (srcReg is { } s) RequireXmm(s, "round");
        Emit(0x66, false, [0x0F, 0x3A, opcode], dst.Number, dst, srcReg, srcMem, mode, 1);
    }
}
