namespace MiniJit.Assembler;

// General-purpose integer instructions. Most of them come in a byte form (opcode op8) and a
// 16/32/64-bit form (op8 + 1, the "w" bit); 16-bit adds the 0x66 prefix, 64-bit adds REX.W.
public sealed partial class X64Assembler
{
    /// <summary>The eight classic ALU operations share all their encodings: "op r/m, r" is ext*8 + 0/1,
    /// "op r, r/m" is ext*8 + 2/3, "op r/m, imm" is 0x80/0x81/0x83 with ModRM.reg = ext.</summary>
    public enum AluOp { Add = 0, Or = 1, Adc = 2, Sbb = 3, And = 4, Sub = 5, Xor = 6, Cmp = 7 }

    /// <summary>Group 2 (shifts and rotates): ModRM.reg extension of D0/D1 (by 1), D2/D3 (by cl), C0/C1 (by imm8).</summary>
    enum ShiftOp { Rol = 0, Ror = 1, Rcl = 2, Rcr = 3, Shl = 4, Shr = 5, Sar = 7 }

    // ---- operand checks ----------------------------------------------------------------------------

    static int GprSize(Register r, string what)
    {
        if (!r.IsGpr) throw new ArgumentException($"{what} must be a general-purpose register, not {r}.");
        return r.Size;
    }

    static int SameSize(Register a, Register b)
    {
        int size = GprSize(a, "Operand");
        if (GprSize(b, "Operand") != size) throw new ArgumentException($"Operand sizes differ: {a} ({size} bytes) and {b} ({b.Size} bytes).");
        return size;
    }

    static int SameSize(Register r, in Memory m)
    {
        int size = GprSize(r, "Operand");
        if (m.Size != size) throw new ArgumentException($"Operand sizes differ: {r} ({size} bytes) and {m} ({m.Size} bytes).");
        return size;
    }

    static int MemorySize(in Memory m, string mnemonic)
    {
        if (m.Size is not (1 or 2 or 4 or 8)) throw new ArgumentException($"{mnemonic} needs a 1, 2, 4 or 8-byte memory operand, not {m}.");
        return m.Size;
    }

    static void NotByte(int size, string mnemonic)
    {
        if (size == 1) throw new ArgumentException($"{mnemonic} has no 8-bit form.");
    }

    static int Legacy(int size) => size == 2 ? 0x66 : 0;

    /// <summary>Checks that <paramref name="value"/> is representable in an operand of <paramref name="size"/> bytes
    /// (signed or unsigned; 64-bit operands take a sign-extended imm32) and returns it as the signed value the
    /// operand will hold, so that imm8 eligibility can be tested uniformly.</summary>
    static long Immediate(long value, int size)
    {
        (long min, long max) = size switch
        {
            1 => ((long)sbyte.MinValue, (long)byte.MaxValue),
            2 => (short.MinValue, ushort.MaxValue),
            4 => (int.MinValue, uint.MaxValue),
            _ => (int.MinValue, (long)int.MaxValue),
        };
        if (value < min || value > max)
            throw new ArgumentException($"Immediate {value} is out of range for a {size}-byte operand (sign-extended imm32 for 64-bit).");
        return size switch { 1 => (sbyte)value, 2 => (short)value, 4 => (int)value, _ => value };
    }

    static byte W(byte op8, int size) => size == 1 ? op8 : (byte)(op8 + 1);

    // "op r/m, reg": reg field = src, rm = dst
    void RegReg(byte op8, Register reg, Register rm)
    {
        int size = SameSize(reg, rm);
        Emit(Legacy(size), size == 8, [W(op8, size)], reg.Number, reg, rm, default);
    }

    void RegMem(byte op8, Register reg, in Memory m)
    {
        int size = SameSize(reg, m);
        Emit(Legacy(size), size == 8, [W(op8, size)], reg.Number, reg, null, m);
    }

    void ExtReg(byte op8, int ext, Register rm, long imm = 0, int immSize = 0)
    {
        int size = GprSize(rm, "Operand");
        Emit(Legacy(size), size == 8, [W(op8, size)], ext, null, rm, default, imm, immSize);
    }

    void ExtMem(byte op8, int ext, in Memory m, string mnemonic, long imm = 0, int immSize = 0)
    {
        int size = MemorySize(m, mnemonic);
        Emit(Legacy(size), size == 8, [W(op8, size)], ext, null, null, m, imm, immSize);
    }

    // "op r, r/m" with a two-byte 0F opcode and no byte form (imul, cmov, movsxd-like)
    void RegRm0F(byte op, Register reg, Register? rm, in Memory m, string mnemonic)
    {
        int size = rm is { } r ? SameSize(reg, r) : SameSize(reg, m);
        NotByte(size, mnemonic);
        Emit(Legacy(size), size == 8, [0x0F, op], reg.Number, reg, rm, m);
    }

    static int ImmSize(int size) => size == 8 ? 4 : size;

    // ---- mov ---------------------------------------------------------------------------------------

    public void Mov(Register dst, Register src) => RegReg(0x88, src, dst);
    public void Mov(Memory dst, Register src) => RegMem(0x88, src, dst);
    public void Mov(Register dst, Memory src) => RegMem(0x8A, dst, src);

    /// <summary>mov r, imm with the shortest encoding: for 64-bit registers a value in 0..2^32-1 uses
    /// mov r32, imm32 (which zero-extends), a negative int32 uses REX.W C7 /0 (sign-extends), anything
    /// else the 10-byte mov r64, imm64.</summary>
    public void Mov(Register dst, long imm)
    {
        int size = GprSize(dst, "Destination");
        if (size == 8)
        {
            if (imm is >= 0 and <= uint.MaxValue)
                EmitOpcodeRegister(0, false, [0xB8], dst, imm, 4);
            else if (Encoding.FitsInt32(imm))
                Emit(0, true, [0xC7], 0, null, dst, default, imm, 4);
            else
                EmitOpcodeRegister(0, true, [0xB8], dst, imm, 8);
            return;
        }
        Immediate(imm, size);
        // B0+r / B8+r: for bytes without REX, numbers 4-7 are ah..bh, with REX spl..dil (EmitOpcodeRegister adds it).
        EmitOpcodeRegister(Legacy(size), false, [size == 1 ? (byte)0xB0 : (byte)0xB8], dst, imm, size);
    }

    /// <summary>mov r, imm for unsigned values (pointers, bit patterns): a 64-bit register takes all 64 bits,
    /// a narrower one only values that fit.</summary>
    public void Mov(Register dst, ulong imm)
    {
        if (imm > long.MaxValue && dst.Size != 8)
            throw new ArgumentException($"Immediate {imm} is out of range for {dst}.", nameof(imm));
        Mov(dst, unchecked((long)imm));
    }

    public void Mov(Memory dst, long imm)
    {
        int size = MemorySize(dst, "mov");
        Immediate(imm, size);
        ExtMem(0xC6, 0, dst, "mov", imm, ImmSize(size));
    }

    // ---- movzx / movsx / movsxd / lea ---------------------------------------------------------------

    void Extend(byte op, Register dst, Register? srcReg, in Memory srcMem, string mnemonic)
    {
        int dsize = GprSize(dst, "Destination");
        int ssize = srcReg is { } s ? GprSize(s, "Source") : srcMem.Size;
        if (ssize is not (1 or 2) || dsize <= ssize)
            throw new ArgumentException($"{mnemonic} extends an 8 or 16-bit source into a wider register; got {dst} <- {srcReg?.ToString() ?? srcMem.ToString()}.");
        byte opcode = (byte)(ssize == 1 ? op : op + 1);
        Emit(Legacy(dsize), dsize == 8, [0x0F, opcode], dst.Number, dst, srcReg, srcMem);
    }

    public void Movzx(Register dst, Register src) => Extend(0xB6, dst, src, default, "movzx");
    public void Movzx(Register dst, Memory src) => Extend(0xB6, dst, null, src, "movzx");
    public void Movsx(Register dst, Register src) => Extend(0xBE, dst, src, default, "movsx");
    public void Movsx(Register dst, Memory src) => Extend(0xBE, dst, null, src, "movsx");

    /// <summary>movsxd r64, r/m32 (REX.W 63 /r).</summary>
    public void Movsxd(Register dst, Register src)
    {
        if (dst.Kind != RegisterKind.Gpr64 || src.Kind != RegisterKind.Gpr32) throw new ArgumentException($"movsxd needs a 64-bit destination and a 32-bit source, got {dst}, {src}.");
        Emit(0, true, [0x63], dst.Number, dst, src, default);
    }

    public void Movsxd(Register dst, Memory src)
    {
        if (dst.Kind != RegisterKind.Gpr64 || src.Size != 4) throw new ArgumentException($"movsxd needs a 64-bit destination and a 4-byte source, got {dst}, {src}.");
        Emit(0, true, [0x63], dst.Number, dst, null, src);
    }

    /// <summary>lea r, m (the memory operand's size is ignored).</summary>
    public void Lea(Register dst, Memory src)
    {
        int size = GprSize(dst, "Destination");
        NotByte(size, "lea");
        Emit(Legacy(size), size == 8, [0x8D], dst.Number, dst, null, src);
    }

    // ---- ALU group ---------------------------------------------------------------------------------

    public void Alu(AluOp op, Register dst, Register src) => RegReg((byte)((int)op * 8), src, dst);
    public void Alu(AluOp op, Memory dst, Register src) => RegMem((byte)((int)op * 8), src, dst);
    public void Alu(AluOp op, Register dst, Memory src) => RegMem((byte)((int)op * 8 + 2), dst, src);

    // 0x83 /n ib sign-extends an imm8: used whenever the value fits, else 0x81 /n iw/id (0x80 for bytes).
    public void Alu(AluOp op, Register dst, long imm)
    {
        int size = GprSize(dst, "Destination");
        long v = Immediate(imm, size);
        if (size != 1 && Encoding.FitsInt8(v)) Emit(Legacy(size), size == 8, [0x83], (int)op, null, dst, default, v, 1);
        else ExtReg(0x80, (int)op, dst, v, ImmSize(size));
    }

    public void Alu(AluOp op, Memory dst, long imm)
    {
        int size = MemorySize(dst, op.ToString().ToLowerInvariant());
        long v = Immediate(imm, size);
        if (size != 1 && Encoding.FitsInt8(v)) Emit(Legacy(size), size == 8, [0x83], (int)op, null, null, dst, v, 1);
        else ExtMem(0x80, (int)op, dst, op.ToString(), v, ImmSize(size));
    }

    public void Add(Register dst, Register src) => Alu(AluOp.Add, dst, src);
    public void Add(Register dst, Memory src) => Alu(AluOp.Add, dst, src);
    public void Add(Memory dst, Register src) => Alu(AluOp.Add, dst, src);
    public void Add(Register dst, long imm) => Alu(AluOp.Add, dst, imm);
    public void Add(Memory dst, long imm) => Alu(AluOp.Add, dst, imm);
    public void Or(Register dst, Register src) => Alu(AluOp.Or, dst, src);
    public void Or(Register dst, Memory src) => Alu(AluOp.Or, dst, src);
    public void Or(Memory dst, Register src) => Alu(AluOp.Or, dst, src);
    public void Or(Register dst, long imm) => Alu(AluOp.Or, dst, imm);
    public void Or(Memory dst, long imm) => Alu(AluOp.Or, dst, imm);
    public void Adc(Register dst, Register src) => Alu(AluOp.Adc, dst, src);
    public void Adc(Register dst, Memory src) => Alu(AluOp.Adc, dst, src);
    public void Adc(Memory dst, Register src) => Alu(AluOp.Adc, dst, src);
    public void Adc(Register dst, long imm) => Alu(AluOp.Adc, dst, imm);
    public void Adc(Memory dst, long imm) => Alu(AluOp.Adc, dst, imm);
    public void Sbb(Register dst, Register src) => Alu(AluOp.Sbb, dst, src);
    public void Sbb(Register dst, Memory src) => Alu(AluOp.Sbb, dst, src);
    public void Sbb(Memory dst, Register src) => Alu(AluOp.Sbb, dst, src);
    public void Sbb(Register dst, long imm) => Alu(AluOp.Sbb, dst, imm);
    public void Sbb(Memory dst, long imm) => Alu(AluOp.Sbb, dst, imm);
    public void And(Register dst, Register src) => Alu(AluOp.And, dst, src);
    public void And(Register dst, Memory src) => Alu(AluOp.And, dst, src);
    public void And(Memory dst, Register src) => Alu(AluOp.And, dst, src);
    public void And(Register dst, long imm) => Alu(AluOp.And, dst, imm);
    public void And(Memory dst, long imm) => Alu(AluOp.And, dst, imm);
    public void Sub(Register dst, Register src) => Alu(AluOp.Sub, dst, src);
    public void Sub(Register dst, Memory src) => Alu(AluOp.Sub, dst, src);
    public void Sub(Memory dst, Register src) => Alu(AluOp.Sub, dst, src);
    public void Sub(Register dst, long imm) => Alu(AluOp.Sub, dst, imm);
    public void Sub(Memory dst, long imm) => Alu(AluOp.Sub, dst, imm);
    public void Xor(Register dst, Register src) => Alu(AluOp.Xor, dst, src);
    public void Xor(Register dst, Memory src) => Alu(AluOp.Xor, dst, src);
    public void Xor(Memory dst, Register src) => Alu(AluOp.Xor, dst, src);
    public void Xor(Register dst, long imm) => Alu(AluOp.Xor, dst, imm);
    public void Xor(Memory dst, long imm) => Alu(AluOp.Xor, dst, imm);
    public void Cmp(Register dst, Register src) => Alu(AluOp.Cmp, dst, src);
    public void Cmp(Register dst, Memory src) => Alu(AluOp.Cmp, dst, src);
    public void Cmp(Memory dst, Register src) => Alu(AluOp.Cmp, dst, src);
    public void Cmp(Register dst, long imm) => Alu(AluOp.Cmp, dst, imm);
    public void Cmp(Memory dst, long imm) => Alu(AluOp.Cmp, dst, imm);

    // ---- test --------------------------------------------------------------------------------------

    public void Test(Register dst, Register src) => RegReg(0x84, src, dst);
    public void Test(Memory dst, Register src) => RegMem(0x84, src, dst);
    public void Test(Register dst, Memory src) => RegMem(0x84, dst, src);

    /// <summary>test r/m, imm (F6 /0 ib, F7 /0 iw/id): there is no sign-extended imm8 form.</summary>
    public void Test(Register dst, long imm)
    {
        int size = GprSize(dst, "Destination");
        ExtReg(0xF6, 0, dst, Immediate(imm, size), ImmSize(size));
    }

    public void Test(Memory dst, long imm)
    {
        int size = MemorySize(dst, "test");
        ExtMem(0xF6, 0, dst, "test", Immediate(imm, size), ImmSize(size));
    }

    // ---- unary groups (FE/FF and F6/F7) ------------------------------------------------------------

    public void Inc(Register dst) => ExtReg(0xFE, 0, dst);
    public void Inc(Memory dst) => ExtMem(0xFE, 0, dst, "inc");
    public void Dec(Register dst) => ExtReg(0xFE, 1, dst);
    public void Dec(Memory dst) => ExtMem(0xFE, 1, dst, "dec");
    public void Not(Register dst) => ExtReg(0xF6, 2, dst);
    public void Not(Memory dst) => ExtMem(0xF6, 2, dst, "not");
    public void Neg(Register dst) => ExtReg(0xF6, 3, dst);
    public void Neg(Memory dst) => ExtMem(0xF6, 3, dst, "neg");
    /// <summary>Unsigned rdx:rax = rax * src (and the narrower forms).</summary>
    public void Mul(Register src) => ExtReg(0xF6, 4, src);
    public void Mul(Memory src) => ExtMem(0xF6, 4, src, "mul");
    /// <summary>One-operand signed multiply rdx:rax = rax * src.</summary>
    public void Imul(Register src) => ExtReg(0xF6, 5, src);
    public void Imul(Memory src) => ExtMem(0xF6, 5, src, "imul");
    public void Div(Register src) => ExtReg(0xF6, 6, src);
    public void Div(Memory src) => ExtMem(0xF6, 6, src, "div");
    public void Idiv(Register src) => ExtReg(0xF6, 7, src);
    public void Idiv(Memory src) => ExtMem(0xF6, 7, src, "idiv");

    // ---- imul --------------------------------------------------------------------------------------

    public void Imul(Register dst, Register src) => RegRm0F(0xAF, dst, src, default, "imul");
    public void Imul(Register dst, Memory src) => RegRm0F(0xAF, dst, null, src, "imul");

    /// <summary>imul r, r/m, imm: 6B /r ib when the immediate fits a sign-extended byte, else 69 /r iw/id.</summary>
    public void Imul(Register dst, Register src, long imm) => Imul3(dst, src, default, imm);
    public void Imul(Register dst, Memory src, long imm) => Imul3(dst, null, src, imm);

    void Imul3(Register dst, Register? srcReg, in Memory srcMem, long imm)
    {
        int size = srcReg is { } s ? SameSize(dst, s) : SameSize(dst, srcMem);
        NotByte(size, "imul");
        long v = Immediate(imm, size);
        if (Encoding.FitsInt8(v)) Emit(Legacy(size), size == 8, [0x6B], dst.Number, dst, srcReg, srcMem, v, 1);
        else Emit(Legacy(size), size == 8, [0x69], dst.Number, dst, srcReg, srcMem, v, ImmSize(size));
    }

    /// <summary>Sign-extends rax into rdx:rax.</summary>
    public void Cqo() => EmitBytes([0x48, 0x99]);
    /// <summary>Sign-extends eax into edx:eax.</summary>
    public void Cdq() => EmitBytes([0x99]);

    // ---- shifts and rotates ------------------------------------------------------------------------

    void Shift(ShiftOp op, Register? dstReg, in Memory dstMem, int count)
    {
        if (count is < 0 or > 255) throw new ArgumentException($"Shift count {count} is not an 8-bit immediate.", nameof(count));
        if (dstReg is { } r)
        {
            if (count == 1) ExtReg(0xD0, (int)op, r);
            else ExtReg(0xC0, (int)op, r, count, 1);
        }
        else if (count == 1) ExtMem(0xD0, (int)op, dstMem, op.ToString());
        else ExtMem(0xC0, (int)op, dstMem, op.ToString(), count, 1);
    }

    void Shift(ShiftOp op, Register? dstReg, in Memory dstMem, Register count)
    {
        if (count != Register.Cl) throw new ArgumentException($"A variable shift count must be in cl, not {count}.", nameof(count));
        if (dstReg is { } r) ExtReg(0xD2, (int)op, r);
        else ExtMem(0xD2, (int)op, dstMem, op.ToString());
    }

    public void Shl(Register dst, int count) => Shift(ShiftOp.Shl, dst, default, count);
    public void Shl(Register dst, Register count) => Shift(ShiftOp.Shl, dst, default, count);
    public void Shl(Memory dst, int count) => Shift(ShiftOp.Shl, null, dst, count);
    public void Shl(Memory dst, Register count) => Shift(ShiftOp.Shl, null, dst, count);
    public void Shr(Register dst, int count) => Shift(ShiftOp.Shr, dst, default, count);
    public void Shr(Register dst, Register count) => Shift(ShiftOp.Shr, dst, default, count);
    public void Shr(Memory dst, int count) => Shift(ShiftOp.Shr, null, dst, count);
    public void Shr(Memory dst, Register count) => Shift(ShiftOp.Shr, null, dst, count);
    public void Sar(Register dst, int count) => Shift(ShiftOp.Sar, dst, default, count);
    public void Sar(Register dst, Register count) => Shift(ShiftOp.Sar, dst, default, count);
    public void Sar(Memory dst, int count) => Shift(ShiftOp.Sar, null, dst, count);
    public void Sar(Memory dst, Register count) => Shift(ShiftOp.Sar, null, dst, count);
    public void Rol(Register dst, int count) => Shift(ShiftOp.Rol, dst, default, count);
    public void Rol(Register dst, Register count) => Shift(ShiftOp.Rol, dst, default, count);
    public void Rol(Memory dst, int count) => Shift(ShiftOp.Rol, null, dst, count);
    public void Rol(Memory dst, Register count) => Shift(ShiftOp.Rol, null, dst, count);
    public void Ror(Register dst, int count) => Shift(ShiftOp.Ror, dst, default, count);
    public void Ror(Register dst, Register count) => Shift(ShiftOp.Ror, dst, default, count);
    public void Ror(Memory dst, int count) => Shift(ShiftOp.Ror, null, dst, count);
    public void Ror(Memory dst, Register count) => Shift(ShiftOp.Ror, null, dst, count);

    // ---- setcc / cmovcc ----------------------------------------------------------------------------

    /// <summary>setcc r8 (0F 90+cc /0).</summary>
    public void Set(Condition condition, Register dst)
    {
        if (dst.Size != 1 || !dst.IsGpr) throw new ArgumentException($"setcc needs an 8-bit register, not {dst}.", nameof(dst));
        Emit(0, false, [0x0F, (byte)(0x90 + (int)condition)], 0, null, dst, default);
    }

    public void Set(Condition condition, Memory dst)
    {
        if (dst.Size != 1) throw new ArgumentException($"setcc needs a byte memory operand, not {dst}.", nameof(dst));
        Emit(0, false, [0x0F, (byte)(0x90 + (int)condition)], 0, null, null, dst);
    }

    /// <summary>cmovcc r, r/m (0F 40+cc /r); 16/32/64-bit only.</summary>
    public void Cmov(Condition condition, Register dst, Register src) => RegRm0F((byte)(0x40 + (int)condition), dst, src, default, "cmov");
    public void Cmov(Condition condition, Register dst, Memory src) => RegRm0F((byte)(0x40 + (int)condition), dst, null, src, "cmov");
}
