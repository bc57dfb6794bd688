using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.RegisterAllocation;

/// <summary>
/// Where each virtual register is live, as one interval of positions over the block layout. Instruction i
/// (counting through the layout) reads its operands at position 2i and writes its result at 2i+1, so an operand's
/// last use and the result of the same instruction may share a register. Phis write at their block's first position.
/// </summary>
public sealed class LiveIntervals(int[] start, int[] end, List<(int Position, uint Registers)> clobbers)
{
    /// <summary>First position of each virtual register, or -1 when it needs no location at all.</summary>
    public int[] Start { get; } = start;
    public int[] End { get; } = end;
    /// <summary>Registers destroyed at a position (2i+1 of the clobbering instruction), in position order.</summary>
    public List<(int Position, uint Registers)> Clobbers { get; } = clobbers;

    public bool IsLive(int value) => Start[value] >= 0;

    public override string ToString() =>
        string.Join("\n", Enumerable.Range(0, Start.Length).Where(IsLive).Select(v => $"v{v}: [{Start[v]}, {End[v]}]"));
}

/// <summary>
/// Liveness analysis: the classic backward dataflow over blocks (live-in = uses ∪ (live-out − defs), iterated to a
/// fixed point), then one interval per virtual register spanning every position where it is live. One interval,
/// without holes, is Poletto and Sarkar's model: simple, linear, and tight enough for SSA code.
/// </summary>
public static class Liveness
{
    public static LiveIntervals Analyze(LoweredFunction lowered, CallingConvention convention)
    {
        var function = lowered.Function;
        int values = function.ValueCount;
        var layout = lowered.Layout;
        int count = layout.Count;
        var index = new Dictionary<Block, int>(count);
        for (int b = 0; b < count; b++) index[layout[b]] = b;

        // Per block: upward-exposed uses (gen) and definitions (kill), as bit sets over the virtual registers.
        var gen = new BitSet[count];
        var kill = new BitSet[count];
        var liveIn = new BitSet[count];
        var liveOut = new BitSet[count];
        for (int b = 0; b < count; b++)
        {
            gen[b] = new BitSet(values);
            kill[b] = new BitSet(values);
            liveIn[b] = new BitSet(values);
            liveOut[b] = new BitSet(values);
            foreach (var instr in layout[b].Instrs)
            {
                if (instr.Op != Op.Phi)
                    foreach (var use in Uses(instr, lowered))
                        if (!kill[b][use]) gen[b].Add(use);
                if (instr.HasResult) kill[b].Add(instr.Result);
            }
        }

        // live-out = the successors' live-in minus their phis' results, plus the phi operands that come from here;
        // live-in = gen ∪ (live-out − kill). Backwards over the layout converges in a few rounds.
        var scratch = new BitSet(values);
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int b = count - 1; b >= 0; b--)
            {
                var block = layout[b];
                foreach (var succ in block.Succs)
                {
                    int s = index[succ];
                    scratch.CopyFrom(liveIn[s]);
                    int predIndex = succ.Preds.IndexOf(block);
                    foreach (var phi in succ.Phis)
                    {
                        scratch.Remove(phi.Result);
                        if (!lowered.Immediate[phi.Args[predIndex]]) scratch.Add(phi.Args[predIndex]);
                    }
                    changed |= liveOut[b].UnionWith(scratch);
                }
                changed |= liveIn[b].UnionWithDifference(liveOut[b], kill[b]);
                changed |= liveIn[b].UnionWith(gen[b]);
            }
        }

        var start = new int[values];
        var end = new int[values];
        Array.Fill(start, -1);
        Array.Fill(end, -1);
        void Extend(int value, int position)
        {
            if (start[value] < 0 || position < start[value]) start[value] = position;
            if (position > end[value]) end[value] = position;
        }

        var clobbers = new List<(int, uint)>();
        int position = 0;  // instruction number through the layout
        for (int b = 0; b < count; b++)
        {
            var block = layout[b];
            int blockStart = 2 * position;
            int blockEnd = 2 * (position + block.Instrs.Count - 1) + 1;
            foreach (var v in liveIn[b]) Extend(v, blockStart);
            foreach (var v in liveOut[b]) Extend(v, blockEnd);
            foreach (var instr in block.Instrs)
            {
                if (instr.Op == Op.Phi)
                {
                    Extend(instr.Result, blockStart);
                }
                else
                {
                    foreach (var use in Uses(instr, lowered)) Extend(use, 2 * position);
                    if (instr.HasResult && !lowered.Immediate[instr.Result] && !lowered.FusedCompare[instr.Result])
                        Extend(instr.Result, 2 * position + 1);
                    uint clobbered = X64Registers.Clobbers(instr, lowered.Immediate, convention);
                    if (clobbered != 0) clobbers.Add((2 * position + 1, clobbered));
                }
                position++;
            }
        }
        return new LiveIntervals(start, end, clobbers);
    }

    /// <summary>The virtual registers an instruction reads from registers or memory: immediates and fused compares
    /// are not among them (a fused compare's operands are read by the compare), and every call or instruction that
    /// can fail also reads the frame pointer.</summary>
    static IEnumerable<int> Uses(Instr instr, LoweredFunction lowered)
    {
        foreach (var arg in instr.Args)
            if (!lowered.Immediate[arg] && !lowered.FusedCompare[arg]) yield return arg;
        if (lowered.FrameValue >= 0 && instr.Op.Is(OpFlags.CanThrow)) yield return lowered.FrameValue;
    }
}
