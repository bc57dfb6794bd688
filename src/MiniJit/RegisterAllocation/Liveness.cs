using System.Collections;
using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.RegisterAllocation;

/// <summary>
/// Where each virtual register is live, as one interval of positions over the block layout. Instruction i
/// (counting through the layout) reads its operands at position 2i and writes its result at 2i+1, so an operand's
/// last use and the result of the same instruction may share a register. Phis write at their block's first position,
/// parameters and the frame pointer at position 0 (the prologue).
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

        // Per block: upward-exposed uses (gen), definitions (kill), and the phi operands each predecessor supplies.
        var gen = new Dictionary<Block, BitArray>();
        var kill = new Dictionary<Block, BitArray>();
        var liveIn = new Dictionary<Block, BitArray>();
        var liveOut = new Dictionary<Block, BitArray>();
        foreach (var block in layout)
        {
            var g = new BitArray(values);
            var k = new BitArray(values);
            foreach (var instr in block.Instrs)
            {
                if (instr.Op != Op.Phi)
                    foreach (var use in Uses(instr, lowered))
                        if (!k[use]) g[use] = true;
                if (instr.HasResult) k[instr.Result] = true;
            }
            gen[block] = g;
            kill[block] = k;
            liveIn[block] = new BitArray(values);
            liveOut[block] = new BitArray(values);
        }

        for (bool changed = true; changed;)
        {
            changed = false;
            for (int b = layout.Count - 1; b >= 0; b--)
            {
                var block = layout[b];
                var outSet = new BitArray(values);
                foreach (var succ in block.Succs.Distinct())
                {
                    var fromSucc = new BitArray(liveIn[succ]);
                    int predIndex = succ.Preds.IndexOf(block);
                    foreach (var phi in succ.Phis)
                    {
                        fromSucc[phi.Result] = false;
                        if (!lowered.Immediate[phi.Args[predIndex]]) fromSucc[phi.Args[predIndex]] = true;
                    }
                    outSet.Or(fromSucc);
                }
                var inSet = new BitArray(outSet).And(new BitArray(kill[block]).Not()).Or(gen[block]);
                if (!SameBits(inSet, liveIn[block]) || !SameBits(outSet, liveOut[block]))
                {
                    liveIn[block] = inSet;
                    liveOut[block] = outSet;
                    changed = true;
                }
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
        int index = 0;
        foreach (var block in layout)
        {
            int blockStart = 2 * index;
            int blockEnd = 2 * (index + block.Instrs.Count - 1) + 1;
            for (int v = 0; v < values; v++)
            {
                if (liveIn[block][v]) Extend(v, blockStart);
                if (liveOut[block][v]) Extend(v, blockEnd);
            }
            foreach (var instr in block.Instrs)
            {
                if (instr.Op == Op.Phi)
                {
                    Extend(instr.Result, blockStart);
                }
                else
                {
                    foreach (var use in Uses(instr, lowered)) Extend(use, 2 * index);
                    if (instr.HasResult && !lowered.Immediate[instr.Result] && !lowered.FusedCompare[instr.Result])
                        Extend(instr.Result, DefinedAt(instr, index));
                    uint clobbered = X64Registers.Clobbers(instr, lowered.Immediate, convention);
                    if (clobbered != 0) clobbers.Add((2 * index + 1, clobbered));
                }
                index++;
            }
        }
        return new LiveIntervals(start, end, clobbers);
    }

    /// <summary>The position where an instruction's result is written. The prologue moves every parameter and the
    /// frame pointer into place at once, before the entry's first instruction, so those are live from position 0
    /// even when their instruction comes later (a parameter read late must not share a register with one that
    /// died before its param instruction).</summary>
    static int DefinedAt(Instr instr, int index) => instr.Op is Op.Param or Op.Frame ? 0 : 2 * index + 1;

    /// <summary>The virtual registers an instruction reads from registers or memory: immediates and fused compares
    /// are not among them (a fused compare's operands are read by the compare), and every call or instruction that
    /// can fail also reads the frame pointer.</summary>
    static IEnumerable<int> Uses(Instr instr, LoweredFunction lowered)
    {
        foreach (var arg in instr.Args)
            if (!lowered.Immediate[arg] && !lowered.FusedCompare[arg]) yield return arg;
        if (lowered.FrameValue >= 0 && instr.Op.Is(OpFlags.CanThrow)) yield return lowered.FrameValue;
    }

    static bool SameBits(BitArray a, BitArray b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }
}
