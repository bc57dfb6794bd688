namespace MiniJit.Ir;

/// <summary>
/// A basic block: instructions that run in order, the last one a terminator. Phi instructions come first, and
/// a phi's i-th operand is the value that arrives from <see cref="Preds"/>[i] — so the predecessor list is kept in
/// step with the phis by <see cref="Function.RemoveEdge"/> and friends, never rebuilt behind their back.
/// </summary>
public sealed class Block(int id)
{
    public int Id = id;
    public readonly List<Instr> Instrs = [];
    public readonly List<Block> Preds = [];

    public string Name => "b" + Id;

    public Instr? Terminator => Instrs.Count > 0 && Instrs[^1].IsTerminator ? Instrs[^1] : null;

    /// <summary>Successors in terminator order (a target listed twice appears twice).</summary>
    public Block[] Succs => Terminator?.Targets ?? [];

    /// <summary>The phis at the block's start. A struct: a <c>foreach</c> over it allocates nothing, which matters in
    /// passes that visit every edge.</summary>
    public PhiList Phis => new(Instrs);

    public override string ToString() => Name;
}

/// <summary>The leading phis of a block's instruction list, enumerated without allocating.</summary>
public readonly struct PhiList(List<Instr> instrs) : IEnumerable<Instr>
{
    public Enumerator GetEnumerator() => new(instrs);
    IEnumerator<Instr> IEnumerable<Instr>.GetEnumerator() => GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public struct Enumerator(List<Instr> instrs) : IEnumerator<Instr>
    {
        int index = -1;
        public readonly Instr Current => instrs[index];
        readonly object System.Collections.IEnumerator.Current => Current;
        public bool MoveNext() => ++index < instrs.Count && instrs[index].Op == Op.Phi;
        public void Reset() => index = -1;
        public readonly void Dispose() { }
    }
}
