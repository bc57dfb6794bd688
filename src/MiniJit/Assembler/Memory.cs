using System.Text;

namespace MiniJit.Assembler;

/// <summary>A memory operand <c>[base + index*scale + displacement]</c> of a given access size, or
/// <c>[rip + displacement]</c> relative to a <see cref="Label"/>.
/// The size (1, 2, 4, 8 or 16 bytes) gives the operand size of instructions that have no register operand
/// (<c>mov dword [rax], 5</c>); for SSE instructions and <c>lea</c> it is informational only.
/// Every constructor validates: a Memory value that exists is encodable.</summary>
public readonly record struct Memory
{
    /// <summary>Base register (64-bit, or 32-bit for 32-bit addressing), or null.</summary>
    public Register? Base { get; }
    /// <summary>Index register (same width as the base; never rsp/esp), or null.</summary>
    public Register? Index { get; }
    /// <summary>Index scale: 1, 2, 4 or 8 (1 when there is no index).</summary>
    public int Scale { get; }
    /// <summary>Signed 32-bit displacement (for RIP-relative operands: added to the label's address).</summary>
    public int Displacement { get; }
    /// <summary>Access size in bytes: 1, 2, 4, 8, or 16 (xmm / irrelevant).</summary>
    public int Size { get; }
    /// <summary>For RIP-relative operands, the label addressed; otherwise null.</summary>
    public Label? RipLabel { get; }

    public bool IsRipRelative => RipLabel is not null;

    /// <summary>True when base/index are 32-bit registers, which needs the 0x67 address-size prefix.</summary>
    public bool Is32BitAddress => (Base ?? Index) is { Kind: RegisterKind.Gpr32 };

    public Memory(int size, Register? @base, Register? index = null, int scale = 1, int displacement = 0)
    {
        CheckSize(size);
        if (@base is { } b && b.Kind is not (RegisterKind.Gpr64 or RegisterKind.Gpr32))
            throw new ArgumentException($"Memory base must be a 64-bit (or 32-bit) general-purpose register, not {b}.", nameof(@base));
        if (index is { } i)
        {
            if (i.Kind is not (RegisterKind.Gpr64 or RegisterKind.Gpr32))
                throw new ArgumentException($"Memory index must be a 64-bit (or 32-bit) general-purpose register, not {i}.", nameof(index));
            // SIB.index = 100 means "no index", so rsp/esp cannot be an index (r12 can: REX.X tells it apart).
            if (i.Number == 4)
                throw new ArgumentException($"{i} cannot be used as a memory index (the SIB encoding reserves it for \"no index\").", nameof(index));
            if (@base is { } bb && bb.Kind != i.Kind)
                throw new ArgumentException($"Memory base {bb} and index {i} mix 32-bit and 64-bit registers.", nameof(index));
        }
        if (scale is not (1 or 2 or 4 or 8))
            throw new ArgumentException($"Memory scale must be 1, 2, 4 or 8, not {scale}.", nameof(scale));
        if (index is null && scale != 1)
            throw new ArgumentException($"Memory scale {scale} given without an index register.", nameof(scale));
        Base = @base;
        Index = index;
        Scale = scale;
        Displacement = displacement;
        Size = size;
    }

    Memory(int size, Label label, int displacement)
    {
        CheckSize(size);
        ArgumentNullException.ThrowIfNull(label);
        Scale = 1;
        Size = size;
        Displacement = displacement;
        RipLabel = label;
    }

    static void CheckSize(int size)
    {
        if (size is not (1 or 2 or 4 or 8 or 16))
            throw new ArgumentException($"Memory operand size must be 1, 2, 4, 8 or 16 bytes, not {size}.", nameof(size));
    }

    /// <summary>The same address with another access size.</summary>
    public Memory WithSize(int size) =>
        RipLabel is { } l ? new Memory(size, l, Displacement) : new Memory(size, Base, Index, Scale, Displacement);

    /// <summary>[rip + disp] where rip-relative target is <paramref name="label"/> + <paramref name="displacement"/>.</summary>
    public static Memory Rip(Label label, int size, int displacement = 0) => new(size, label, displacement);

    /// <summary>[disp32] with no base and no index (absolute address, sign-extended to 64 bits).</summary>
    public static Memory Absolute(int size, int address) => new(size, null, null, 1, address);

    public static Memory Byte(Register @base, int displacement = 0) => new(1, @base, null, 1, displacement);
    public static Memory Byte(Register? @base, Register index, int scale = 1, int displacement = 0) => new(1, @base, index, scale, displacement);
    public static Memory Word(Register @base, int displacement = 0) => new(2, @base, null, 1, displacement);
    public static Memory Word(Register? @base, Register index, int scale = 1, int displacement = 0) => new(2, @base, index, scale, displacement);
    public static Memory Dword(Register @base, int displacement = 0) => new(4, @base, null, 1, displacement);
    public static Memory Dword(Register? @base, Register index, int scale = 1, int displacement = 0) => new(4, @base, index, scale, displacement);
    public static Memory Qword(Register @base, int displacement = 0) => new(8, @base, null, 1, displacement);
    public static Memory Qword(Register? @base, Register index, int scale = 1, int displacement = 0) => new(8, @base, index, scale, displacement);
    public static Memory Xmmword(Register @base, int displacement = 0) => new(16, @base, null, 1, displacement);
    public static Memory Xmmword(Register? @base, Register index, int scale = 1, int displacement = 0) => new(16, @base, index, scale, displacement);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Size switch { 1 => "byte", 2 => "word", 4 => "dword", 8 => "qword", 16 => "xmmword", _ => "?" });
        sb.Append(" ptr [");
        if (RipLabel is { } l)
            sb.Append("rip->").Append(l);
        else
        {
            if (Base is { } b) sb.Append(b);
            if (Index is { } i)
            {
                if (Base is not null) sb.Append('+');
                sb.Append(i);
                if (Scale != 1) sb.Append('*').Append(Scale);
            }
        }
        if (Displacement != 0 || (Base is null && Index is null && RipLabel is null))
        {
            bool any = Base is not null || Index is not null || RipLabel is not null;
            if (Displacement < 0 && any) sb.Append('-').Append("0x").Append((-(long)Displacement).ToString("X"));
            else { if (any) sb.Append('+'); sb.Append("0x").Append(((uint)Displacement).ToString("X")); }
        }
        return sb.Append(']').ToString();
    }
}
