using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.RegisterAllocation;

/// <summary>
/// Where each virtual register is live, as a list of position ranges over the block layout. Instruction i (counting
/// through the layout) reads its operands at position 2i and writes its result at 2i+1, so an operand's last use and
/// the result of the same instruction may share a register. Phis write at their block's first position, parameters
/// at position 0 (the prologue). The gaps
/// between ranges are lifetime holes: a value carried around a loop whose test sits at the bottom is dead from its
/// last use in the body to the phi at the test, and another value may use its register meanwhile.
/// </summary>
public sealed class LiveIntervals(List<(int From, int To)>?[] ranges, List<(int Position, uint Registers)> clobbers)
{
    /// <summary>The ranges of each virtual register in increasing order, or null when it needs no location at all.</summary>
    public List<(int From, int To)>?[] Ranges { get; } = ranges;
    /// <summary>Registers destroyed at a position (2i+1 of the clobbering instruction), in position order.</summary>
    public List<(int Position, uint Registers)> Clobbers { get; } = clobbers;

    public bool IsLive(int value) => Ranges[value] is not null;
    public int Start(int value) => Ranges[value]![0].From;
    public int End(int value) => Ranges[value]![^1].To;

    /// <summary>Is the value live at the position (inside one of its ranges)?</summary>
    public bool Covers(int value, int position)
    {
        foreach (var (from, to) in Ranges[value]!)
        {
            if (position < from) return false;
            if (position <= to) return true;
        }
        return false;
    }

    /// <summary>Are two values ever live at the same position? A walk over both sorted range lists.</summary>
    public bool Intersect(int a, int b)
    {
        List<(int From, int To)> x = Ranges[a]!, y = Ranges[b]!;
        for (int i = 0, j = 0; i < x.Count && j < y.Count;)
        {
            if (x[i].To < y[j].From) i++;
            else if (y[j].To < x[i].From) j++;
            else return true;
        }
        return false;
    }

    public override string ToString() =>
        string.Join("\n", Enumerable.Range(0, Ranges.Length).Where(IsLive)
            .Select(v => $"v{v}: " + string.Join(" ", Ranges[v]!.Select(r => $"[{r.From}, {r.To}]"))));
}

/// <summary>
/// Liveness analysis: the classic backward dataflow over blocks (live-in = uses ∪ (live-out − defs), iterated to a
/// fixed point), then for each virtual register the ranges of positions where it is live — Wimmer and Franz's
/// intervals with lifetime holes ("Linear Scan Register Allocation on SSA Form", CGO 2010), built in one pass.
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

        // Per block: the values it defines, as a list, and its upward-exposed uses (gen), which go straight into its
        // live-in. In SSA a block never reads a value before defining it (a phi's operands belong to the edges), so a
        // use is upward-exposed exactly when its value is defined in another block, and live-in = gen ∪ (live-out −
        // defs). Only live-in and live-out need bit sets.
        var definedIn = new int[values];
        Array.Fill(definedIn, -1);
        var defs = new List<int>[count];
        var liveIn = new BitSet[count];
        var liveOut = new BitSet[count];
        for (int b = 0; b < count; b++)
        {
            defs[b] = [];
            foreach (var instr in layout[b].Instrs)
                if (instr.HasResult)
                {
                    definedIn[instr.Result] = b;
                    defs[b].Add(instr.Result);
                }
        }
        for (int b = 0; b < count; b++)
        {
            liveIn[b] = new BitSet(values);
            liveOut[b] = new BitSet(values);
            foreach (var instr in layout[b].Instrs)
            {
                if (instr.Op == Op.Phi) continue;
                foreach (var use in instr.Args)
                    if (InRegisterOrMemory(use, lowered) && definedIn[use] != b) liveIn[b].Add(use);
            }
        }

        // live-out = the successors' live-in minus their phis' results, plus the phi operands that come from here;
        // live-in = gen ∪ (live-out − defs), gen being in live-in from the start. Backwards over the layout converges
        // in a few rounds.
        // All phi results go before any operand comes in: the phis of a block read their operands at once, so a phi
        // that reads another phi of the same block (a = b; b = t around a loop) keeps that phi alive to the edge.
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
                    foreach (var phi in succ.Phis) scratch.Remove(phi.Result);
                    foreach (var phi in succ.Phis)
                        if (!lowered.Immediate[phi.Args[predIndex]]) scratch.Add(phi.Args[predIndex]);
                    changed |= liveOut[b].UnionWith(scratch);
                }
                scratch.CopyFrom(liveOut[b]);
                foreach (var defined in defs[b]) scratch.Remove(defined);
                changed |= liveIn[b].UnionWith(scratch);
            }
        }

        // Within one block a value lives from the block's start (if live-in) or its definition, to the block's end
        // (if live-out) or its last use. Blocks go in layout order, so each value's ranges come out sorted, and a
        // range that continues the previous one (the next block in the layout) is merged into it.
        var ranges = new List<(int From, int To)>?[values];
        var from = new int[values];
        var to = new int[values];
        Array.Fill(from, -1);
        var touched = new List<int>();
        void Touch(int value, int position)
        {
            if (from[value] < 0)
            {
                from[value] = to[value] = position;
                touched.Add(value);
            }
            else to[value] = Math.Max(to[value], position);
        }

        var clobbers = new List<(int, uint)>();
        int position = 0;  // instruction number through the layout
        for (int b = 0; b < count; b++)
        {
            var block = layout[b];
            int blockStart = 2 * position;
            int blockEnd = 2 * (position + block.Instrs.Count - 1) + 1;
            foreach (var v in liveIn[b]) Touch(v, blockStart);
            foreach (var instr in block.Instrs)
            {
                if (instr.Op is Op.Phi or Op.Param)
                {
                    // A phi is written at its block's start. The prologue moves every parameter into place at once,
                    // before the first instruction, so they are all live from there: a parameter read late must not
                    // share a register with one that died before its param instruction.
                    if (!lowered.Immediate[instr.Result]) Touch(instr.Result, blockStart);
                }
                else
                {
                    foreach (var use in instr.Args)
                        if (InRegisterOrMemory(use, lowered)) Touch(use, 2 * position);
                    if (instr.HasResult && !lowered.Immediate[instr.Result] && !lowered.Fused[instr.Result])
                        Touch(instr.Result, 2 * position + 1);
                    uint clobbered = X64Registers.Clobbers(instr, lowered.Immediate, convention);
                    if (clobbered != 0) clobbers.Add((2 * position + 1, clobbered));
                }
                position++;
            }
            foreach (var v in liveOut[b]) Touch(v, blockEnd);

            foreach (var v in touched)
            {
                var list = ranges[v] ??= [];
                if (list.Count > 0 && list[^1].To + 1 >= from[v]) list[^1] = (list[^1].From, Math.Max(list[^1].To, to[v]));
                else list.Add((from[v], to[v]));
                from[v] = -1;
            }
            touched.Clear();
        }
        return new LiveIntervals(ranges, clobbers);
    }

    /// <summary>Is an operand read from a register or stack slot? Immediates are not, and neither are instructions the
    /// branch emits itself (their own operands are read where they stand).</summary>
    static bool InRegisterOrMemory(int value, LoweredFunction lowered) =>
        !lowered.Immediate[value] && !lowered.Fused[value];
}
