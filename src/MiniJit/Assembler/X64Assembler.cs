using System.Buffers.Binary;
using static MiniJit.Assembler.Encoding;

namespace MiniJit.Assembler;

/// <summary>An x86-64 assembler. Instructions are encoded as they are requested into chunks of bytes;
/// label-dependent pieces (jumps, calls and RIP-relative displacements, alignment) are recorded as items
/// and resolved by <see cref="Assemble"/>, which picks short or near jumps by iterating the layout until it
/// is stable. Every method validates its operands and throws <see cref="ArgumentException"/> rather than
/// emitting a wrong encoding.</summary>
public sealed partial class X64Assembler
{
    // ---- recorded program --------------------------------------------------------------------------

    abstract class Item;

    /// <summary>A 32-bit field at <see cref="At"/> (relative to the chunk) that becomes
    /// target + addend - (address of the end of its instruction).</summary>
    readonly record struct Fixup(int At, int InstructionEnd, Label Target, int Addend);

    sealed class CodeItem : Item
    {
        public readonly List<byte> Bytes = [];
        public readonly List<Fixup> Fixups = [];
    }

    /// <summary>jmp (Condition null) or jcc to a label; short (rel8) until the layout proves it must be near.</summary>
    sealed class JumpItem(Label target, Condition? condition) : Item
    {
        public Label Target { get; } = target;
        public Condition? Condition { get; } = condition;
        public bool IsNear { get; set; }
        public int Size => !IsNear ? 2 : Condition is null ? 5 : 6;
    }

    /// <summary>Padding to a power-of-two boundary, with nops (code) or zeros (data).</summary>
    sealed class AlignItem(int boundary, bool zeros) : Item
    {
        public int Boundary { get; } = boundary;
        public bool Zeros { get; } = zeros;
        public int Padding(int offset) => (Boundary - offset % Boundary) % Boundary;
    }

    readonly List<Item> _items = [];
    readonly List<Label> _labels = [];
    CodeItem? _code;
    int[]? _starts; // item start offsets of the last Assemble, plus the end offset

    CodeItem Code
    {
        get
        {
            if (_code is null) { _code = new CodeItem(); _items.Add(_code); }
            return _code;
        }
    }

    void AddItem(Item item)
    {
        _items.Add(item);
        _code = null; // following code starts a new chunk
    }

    // ---- labels ------------------------------------------------------------------------------------

    /// <summary>A new, unbound label. The optional name appears in error messages.</summary>
    public Label CreateLabel(string? name = null)
    {
        var label = new Label(this, _labels.Count, name);
        _labels.Add(label);
        return label;
    }

    /// <summary>Binds <paramref name="label"/> to the current position.</summary>
    public void Bind(Label label)
    {
        CheckLabel(label);
        if (label.IsBound) throw new InvalidOperationException($"Label {label} is already bound.");
        _code = null;                 // the label starts the next item
        label.ItemIndex = _items.Count;
    }

    void CheckLabel(Label label)
    {
        ArgumentNullException.ThrowIfNull(label);
        if (label.Owner != this) throw new ArgumentException($"Label {label} belongs to another assembler.", nameof(label));
    }

    /// <summary>A point to come back to: <see cref="Rewind"/> drops everything recorded after it.</summary>
    public readonly record struct Checkpoint(int Items);

    /// <summary>Marks the current position, so that code recorded after it can be dropped (the baseline tier gives up
    /// a function it cannot translate, and the function is compiled again another way).</summary>
    public Checkpoint Mark()
    {
        // An empty chunk keeps the labels already bound here (they point at the next item) on this side of the mark.
        _code = null;
        _ = Code;
        _code = null;
        return new Checkpoint(_items.Count);
    }

    /// <summary>Drops the code recorded since <paramref name="mark"/> and unbinds the labels bound since; labels
    /// created since stay, unbound (constants added since stay in the pool, unused).</summary>
    public void Rewind(Checkpoint mark)
    {
        _items.RemoveRange(mark.Items, _items.Count - mark.Items);
        _code = null;
        foreach (var label in _labels)
            if (label.ItemIndex >= mark.Items) label.ItemIndex = -1;
    }

    /// <summary>Offset of a bound label in the bytes returned by the last <see cref="Assemble"/>.</summary>
    public int OffsetOf(Label label)
    {
        CheckLabel(label);
        if (_starts is null) throw new InvalidOperationException("OffsetOf is only available after Assemble().");
        if (!label.IsBound) throw new InvalidOperationException($"Label {label} is not bound.");
        return _starts[label.ItemIndex];
    }

    // ---- constant pool -----------------------------------------------------------------------------

    readonly Dictionary<(long Low, long High), Label> _constants = [];
    bool _constantsPlaced;
    Label? _codeEnd;

    /// <summary>After <see cref="Assemble"/>: how many bytes are instructions; the constant pool (if any) follows.</summary>
    public int CodeLength => _codeEnd is null ? (_starts ?? throw new InvalidOperationException("CodeLength is only available after Assemble()."))[^1] : OffsetOf(_codeEnd);

    /// <summary>A label on 16 read-only bytes (<paramref name="low"/>, then <paramref name="high"/>), 16-byte aligned,
    /// which <see cref="Assemble"/> places after all the code. Instructions read it RIP-relative; equal constants
    /// share one entry. Sixteen bytes for every entry keep the packed forms (andps, xorps), which need aligned
    /// 16-byte operands, as usable as the scalar ones.</summary>
    public Label Constant(long low, long high = 0)
    {
        if (_constantsPlaced) throw new InvalidOperationException("The constant pool has already been placed.");
        if (!_constants.TryGetValue((low, high), out var label))
            _constants[(low, high)] = label = CreateLabel($"constant 0x{high:x16}{low:x16}");
        return label;
    }

    /// <summary>Whether <paramref name="label"/> is the pool entry whose 16 bytes are all zero (+0.0 in every lane),
    /// which code can make with xorps instead of reading memory.</summary>
    public bool IsZeroConstant(Label label) => _constants.TryGetValue((0, 0), out var zero) && zero == label;

    void PlaceConstants()
    {
        if (_constantsPlaced || _constants.Count == 0) return;
        _constantsPlaced = true;
        _codeEnd = CreateLabel("end of code");
        Bind(_codeEnd);
        DataAlign(16);
        Span<byte> bytes = stackalloc byte[16];
        foreach (var ((low, high), label) in _constants)
        {
            Bind(label);
            BinaryPrimitives.WriteInt64LittleEndian(bytes, low);
            BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], high);
            Data(bytes);
        }
    }

    // ---- layout ------------------------------------------------------------------------------------

    /// <summary>Resolves labels and returns the machine code. Jumps start short (rel8); every pass computes
    /// all offsets and grows the jumps whose displacement does not fit into near (rel32) ones, until a pass
    /// grows nothing. Jumps only ever grow, so this terminates (at most one pass per jump).</summary>
    public byte[] Assemble()
    {
        PlaceConstants();
        foreach (var item in _items)
        {
            if (item is JumpItem j) CheckBound(j.Target);
            else if (item is CodeItem c) foreach (var f in c.Fixups) CheckBound(f.Target);
        }
        foreach (var item in _items) if (item is JumpItem j) j.IsNear = false;

        int[] starts = new int[_items.Count + 1];
        while (true)
        {
            ComputeStarts(starts);
            bool grew = false;
            for (int i = 0; i < _items.Count; i++)
            {
                if (_items[i] is JumpItem { IsNear: false } j && !FitsInt8(starts[j.Target.ItemIndex] - (starts[i] + 2)))
                {
                    j.IsNear = true;
                    grew = true;
                }
            }
            if (!grew) break;
        }

        var code = new byte[starts[_items.Count]];
        for (int i = 0; i < _items.Count; i++)
        {
            int at = starts[i];
            var dst = code.AsSpan(at, starts[i + 1] - at);
            switch (_items[i])
            {
                case CodeItem c:
                    for (int k = 0; k < c.Bytes.Count; k++) dst[k] = c.Bytes[k];
                    foreach (var f in c.Fixups)
                    {
                        long rel = (long)starts[f.Target.ItemIndex] + f.Addend - (at + f.InstructionEnd);
                        BinaryPrimitives.WriteInt32LittleEndian(dst[f.At..], checked((int)rel));
                    }
                    break;
                case JumpItem j:
                    int target = starts[j.Target.ItemIndex];
                    if (!j.IsNear)
                    {
                        dst[0] = j.Condition is { } cc ? (byte)(0x70 + (int)cc) : (byte)0xEB;
                        dst[1] = (byte)(sbyte)(target - (at + 2));
                    }
                    else if (j.Condition is { } cc)
                    {
                        dst[0] = 0x0F;
                        dst[1] = (byte)(0x80 + (int)cc);
                        BinaryPrimitives.WriteInt32LittleEndian(dst[2..], target - (at + 6));
                    }
                    else
                    {
                        dst[0] = 0xE9;
                        BinaryPrimitives.WriteInt32LittleEndian(dst[1..], target - (at + 5));
                    }
                    break;
                case AlignItem a:
                    if (!a.Zeros) WriteNops(dst);
                    break;
            }
        }
        _starts = starts;
        return code;
    }

    void CheckBound(Label label)
    {
        if (!label.IsBound) throw new InvalidOperationException($"Label {label} is used but never bound.");
    }

    void ComputeStarts(int[] starts)
    {
        int offset = 0;
        for (int i = 0; i < _items.Count; i++)
        {
            starts[i] = offset;
            offset += _items[i] switch
            {
                CodeItem c => c.Bytes.Count,
                JumpItem j => j.Size,
                AlignItem a => a.Padding(offset),
                _ => throw new InvalidOperationException("Unknown item."),
            };
        }
        starts[_items.Count] = offset;
    }

    // ---- the one general encoder -------------------------------------------------------------------

    /// <summary>Encodes <c>[67] [legacy] [REX] opcode ModRM [SIB] [disp] [imm]</c>.
    /// <paramref name="legacy"/>: 0, 0x66 (operand size or mandatory prefix), 0xF2 or 0xF3 (mandatory).
    /// <paramref name="reg"/> is the ModRM.reg field (register number or /n extension);
    /// <paramref name="regOperand"/> is the register behind it, if any (for the byte-register rules).
    /// The r/m operand is <paramref name="rmRegister"/> if given, else <paramref name="memory"/>.</summary>
    void Emit(int legacy, bool w, ReadOnlySpan<byte> opcode, int reg, Register? regOperand, Register? rmRegister, in Memory memory,
              long immediate = 0, int immediateSize = 0)
    {
        Span<byte> body = stackalloc byte[16];
        int rex = w ? Rex | RexW : 0;
        int n = 0, ripAt = -1;
        foreach (byte b in opcode) body[n++] = b;
        if (rmRegister is { } rm)
            n += WriteRegisterOperand(body[n..], reg, rm.Number, ref rex);
        else
        {
            if (memory.Size == 0) throw new ArgumentException("Uninitialized Memory operand (use the Memory factories).");
            if (memory.RipLabel is { } ripLabel) CheckLabel(ripLabel);
            n += WriteMemoryOperand(body[n..], reg, memory, ref rex, out ripAt);
        }
        n += WriteImmediate(body[n..], immediate, immediateSize);

        // Byte registers: spl/bpl/sil/dil exist only with a REX prefix (without one, numbers 4-7 mean
        // ah/ch/dh/bh), so they force an empty REX; ah..bh can therefore never appear with any REX.
        bool high = false;
        foreach (var r in (ReadOnlySpan<Register?>)[regOperand, rmRegister])
        {
            if (r is { Kind: RegisterKind.Gpr8 } r8 && r8.RequiresRex) rex |= Rex;
            if (r is { Kind: RegisterKind.Gpr8High }) high = true;
        }
        if (rex != 0) rex |= Rex;
        if (high && rex != 0)
            throw new ArgumentException(
                $"ah/bh/ch/dh cannot be encoded together with an operand that needs a REX prefix " +
                $"(spl/bpl/sil/dil, r8-r15, xmm8-15 or a 64-bit operand): {regOperand?.ToString() ?? "/" + reg}, {rmRegister?.ToString() ?? memory.ToString()}.");

        var code = Code;
        var bytes = code.Bytes;
        if (rmRegister is null && memory.Is32BitAddress) bytes.Add(0x67);
        if (legacy != 0) bytes.Add((byte)legacy);
        if (rex != 0) bytes.Add((byte)rex);
        int bodyStart = bytes.Count;
        for (int k = 0; k < n; k++) bytes.Add(body[k]);
        if (ripAt >= 0)
            code.Fixups.Add(new Fixup(bodyStart + opcode.Length + ripAt, bytes.Count, memory.RipLabel!, memory.Displacement));
    }

    /// <summary>Encodes an instruction whose register is in the low 3 bits of the last opcode byte
    /// (push r, pop r, mov r, imm, bswap): REX.B extends it.</summary>
    void EmitOpcodeRegister(int legacy, bool w, ReadOnlySpan<byte> opcode, Register r, long immediate = 0, int immediateSize = 0)
    {
        int rex = (w ? RexW : 0) | (r.Number >= 8 ? RexB : 0);
        if (rex != 0 || (r.Kind == RegisterKind.Gpr8 && r.RequiresRex)) rex |= Rex;
        var bytes = Code.Bytes;
        if (legacy != 0) bytes.Add((byte)legacy);
        if (rex != 0) bytes.Add((byte)rex);
        for (int k = 0; k < opcode.Length - 1; k++) bytes.Add(opcode[k]);
        bytes.Add((byte)(opcode[^1] + (r.Number & 7)));
        Span<byte> imm = stackalloc byte[8];
        int m = WriteImmediate(imm, immediate, immediateSize);
        for (int k = 0; k < m; k++) bytes.Add(imm[k]);
    }

    void EmitBytes(ReadOnlySpan<byte> bytes)
    {
        var list = Code.Bytes;
        foreach (byte b in bytes) list.Add(b);
    }

    /// <summary>Appends a call rel32 (or any opcode + rel32) to a label: always 32-bit, patched at layout.</summary>
    void EmitRel32(ReadOnlySpan<byte> opcode, Label target)
    {
        CheckLabel(target);
        var code = Code;
        EmitBytes(opcode);
        int at = code.Bytes.Count;
        EmitBytes([0, 0, 0, 0]);
        code.Fixups.Add(new Fixup(at, code.Bytes.Count, target, 0));
    }
}
