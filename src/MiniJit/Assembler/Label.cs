namespace MiniJit.Assembler;

/// <summary>A position in the code of one <see cref="X64Assembler"/>, created by
/// <see cref="X64Assembler.CreateLabel"/> and fixed by <see cref="X64Assembler.Bind"/>. Jumps, calls and
/// RIP-relative memory operands may refer to it before or after it is bound; the final offset is known
/// only after <see cref="X64Assembler.Assemble"/> (see <see cref="X64Assembler.OffsetOf"/>).</summary>
public sealed class Label
{
    internal Label(X64Assembler owner, int id, string? name)
    {
        Owner = owner;
        Id = id;
        Name = name;
    }

    internal X64Assembler Owner { get; }

    /// <summary>Index of the item list entry that starts at this label; -1 while unbound.</summary>
    internal int ItemIndex { get; set; } = -1;

    /// <summary>Sequence number within its assembler (0, 1, 2, ...).</summary>
    public int Id { get; }

    /// <summary>Optional name used in diagnostics.</summary>
    public string? Name { get; }

    public bool IsBound => ItemIndex >= 0;

    public override string ToString() => Name is null ? $"L{Id}" : $"{Name} (L{Id})";
}
