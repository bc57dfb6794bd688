namespace MiniJit.Assembler;

/// <summary>What a register name denotes: a general-purpose register at one of four widths, a legacy
/// high-byte register (ah, ch, dh, bh), or an SSE register.</summary>
public enum RegisterKind : byte { Gpr64, Gpr32, Gpr16, Gpr8, Gpr8High, Xmm }

/// <summary>An x86-64 register: its kind and its hardware number (0–15; ah..bh are numbered 4–7 as the
/// encoding uses them). Plain data: compare with ==, print with ToString().</summary>
public readonly record struct Register(RegisterKind Kind, byte Number)
{
    static readonly string[] Names64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];
    static readonly string[] Names32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
    static readonly string[] Names16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
    static readonly string[] Names8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"];
    static readonly string[] Names8High = ["", "", "", "", "ah", "ch", "dh", "bh"];

    /// <summary>Operand size in bytes (16 for xmm).</summary>
    public int Size => Kind switch
    {
        RegisterKind.Gpr64 => 8,
        RegisterKind.Gpr32 => 4,
        RegisterKind.Gpr16 => 2,
        RegisterKind.Gpr8 or RegisterKind.Gpr8High => 1,
        _ => 16,
    };

    public bool IsXmm => Kind == RegisterKind.Xmm;
    public bool IsGpr => Kind != RegisterKind.Xmm;

    /// <summary>r8–r15 and xmm8–xmm15 need REX.R/X/B; spl, bpl, sil and dil need a REX prefix to exist at all.</summary>
    public bool IsExtended => Number >= 8;
    public bool RequiresRex => IsExtended || (Kind == RegisterKind.Gpr8 && Number is >= 4 and <= 7);

    /// <summary>The same hardware register at another width (rax → eax → ax → al).</summary>
    public Register As(RegisterKind kind) => new(kind, Number);
    public Register As64 => As(RegisterKind.Gpr64);
    public Register As32 => As(RegisterKind.Gpr32);
    public Register As16 => As(RegisterKind.Gpr16);
    public Register As8 => As(RegisterKind.Gpr8);

    public override string ToString() => Kind switch
    {
        RegisterKind.Gpr64 => Names64[Number],
        RegisterKind.Gpr32 => Names32[Number],
        RegisterKind.Gpr16 => Names16[Number],
        RegisterKind.Gpr8 => Names8[Number],
        RegisterKind.Gpr8High => Names8High[Number],
        _ => "xmm" + Number,
    };

    public static Register Gpr(int number) => new(RegisterKind.Gpr64, (byte)number);
    public static Register XmmRegister(int number) => new(RegisterKind.Xmm, (byte)number);

    public static readonly Register Rax = Gpr(0), Rcx = Gpr(1), Rdx = Gpr(2), Rbx = Gpr(3), Rsp = Gpr(4), Rbp = Gpr(5), Rsi = Gpr(6), Rdi = Gpr(7);
    public static readonly Register R8 = Gpr(8), R9 = Gpr(9), R10 = Gpr(10), R11 = Gpr(11), R12 = Gpr(12), R13 = Gpr(13), R14 = Gpr(14), R15 = Gpr(15);
    public static readonly Register Eax = Rax.As32, Ecx = Rcx.As32, Edx = Rdx.As32, Ebx = Rbx.As32, Esp = Rsp.As32, Ebp = Rbp.As32, Esi = Rsi.As32, Edi = Rdi.As32;
    public static readonly Register Al = Rax.As8, Cl = Rcx.As8, Dl = Rdx.As8, Bl = Rbx.As8;
    public static readonly Register Ah = new(RegisterKind.Gpr8High, 4), Ch = new(RegisterKind.Gpr8High, 5), Dh = new(RegisterKind.Gpr8High, 6), Bh = new(RegisterKind.Gpr8High, 7);
    public static readonly Register Xmm0 = XmmRegister(0), Xmm1 = XmmRegister(1), Xmm2 = XmmRegister(2), Xmm3 = XmmRegister(3);
    public static readonly Register Xmm4 = XmmRegister(4), Xmm5 = XmmRegister(5), Xmm6 = XmmRegister(6), Xmm7 = XmmRegister(7);
    public static readonly Register Xmm8 = XmmRegister(8), Xmm9 = XmmRegister(9), Xmm10 = XmmRegister(10), Xmm11 = XmmRegister(11);
    public static readonly Register Xmm12 = XmmRegister(12), Xmm13 = XmmRegister(13), Xmm14 = XmmRegister(14), Xmm15 = XmmRegister(15);
}
