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

    public IEnumerable<Instr> Phis => Instrs.TakeWhile(i => i.Op == Op.Phi);

    public override string ToString() => Name;
}
