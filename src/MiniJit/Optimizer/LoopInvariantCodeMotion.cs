using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Moves computations that give the same value on every pass of a loop to just before the loop: pure operations whose
/// operands are all defined outside it (an array's length and data address, a product of invariants), and the null
/// and bounds checks of invariant values that the loop's header makes before anything else can happen.
/// </summary>
/// <remarks>
/// <para>Loops are found from their back edges: an edge into a block that dominates its source. The loop is every block
/// that reaches the source without passing through the header. Hoisted code goes to the preheader, the one block
/// outside the loop that enters the header; when that block also branches elsewhere, a new block is put on the edge.
/// A loop entered from several outside blocks is left alone.</para>
/// <para>A pure operation may move even when the loop runs zero times: it has no effect and cannot fail (an array's
/// length reads memory, but only through a null-checked reference). A check may fail, so it moves only from the header,
/// the first block of every pass, and only when nothing before it there has an effect or can fail: then it ran
/// first thing on entry anyway, and on later passes it checks the same values again.</para>
/// <para>Constants do not move for their own sake (they cost nothing to recreate, and a register to keep), only as
/// operands of what moves. Nested loops are handled one level per round; the optimizer's rounds carry an invariant
/// outwards.</para>
/// </remarks>
public static class LoopInvariantCodeMotion
{
    public static int Run(Function function)
    {
        if (!function.HasLoop()) return 0;
        var tree = new DominatorTree(function);
        int moved = 0;
        foreach (var header in function.ReversePostorder())
        {
            var latches = header.Preds.Where(p => tree.IsReachable(p) && tree.Dominates(header, p)).ToList();
            if (latches.Count == 0) continue;
            var body = LoopBody(header, latches);
            var outside = header.Preds.Where(p => !body.Contains(p)).Distinct().ToList();
            if (outside.Count != 1 || !tree.IsReachable(outside[0])) continue;
            moved += Hoist(function, header, body, outside[0]);
            if (moved > 0) tree = new DominatorTree(function);  // a preheader may have been added
        }
        return moved;
    }

    /// <summary>The header and every block that reaches a latch without passing through the header.</summary>
    static HashSet<Block> LoopBody(Block header, List<Block> latches)
    {
        var body = new HashSet<Block> { header };
        var work = new Stack<Block>(latches);
        while (work.TryPop(out var block))
            if (body.Add(block))
                foreach (var pred in block.Preds) work.Push(pred);
        return body;
    }

    static int Hoist(Function function, Block header, HashSet<Block> body, Block entering)
    {
        var definedInLoop = new HashSet<int>();
        foreach (var block in body)
            foreach (var instr in block.Instrs)
                if (instr.HasResult) definedInLoop.Add(instr.Result);

        var constants = new Dictionary<int, Instr>();
        foreach (var block in body)
            foreach (var instr in block.Instrs)
                if (instr.Op == Op.Const) constants[instr.Result] = instr;

        var hoisted = new List<Instr>();
        // A constant counts as invariant: it moves out along with the first instruction that needs it.
        bool Invariant(Instr instr) => instr.Args.All(arg => !definedInLoop.Contains(arg) || constants.ContainsKey(arg));
        void Take(Instr instr)
        {
            foreach (int arg in instr.Args)
                if (definedInLoop.Contains(arg) && constants.TryGetValue(arg, out var constant))
                {
                    hoisted.Add(constant);
                    definedInLoop.Remove(arg);
                }
            hoisted.Add(instr);
            if (instr.HasResult) definedInLoop.Remove(instr.Result);
        }

        // The header first: its checks may move while nothing before them has an effect.
        bool effectBefore = false;
        foreach (var instr in header.Instrs.ToList())
        {
            if (instr.Op == Op.Phi || instr.IsTerminator) continue;
            if (Movable(instr) && Invariant(instr)) Take(instr);
            else if (!effectBefore && instr.Op is Op.CheckNull or Op.CheckBounds or Op.CheckArgumentRange && Invariant(instr)) Take(instr);
            else effectBefore |= !instr.Op.Is(OpFlags.Pure);
        }
        // Then pure operations anywhere in the loop, in an order where definitions come before uses, until none moves.
        var order = function.ReversePostorder().Where(body.Contains).ToList();
        for (bool changed = true; changed;)
        {
            changed = false;
            foreach (var block in order)
                foreach (var instr in block.Instrs)
                    if (Movable(instr) && !hoisted.Contains(instr) && Invariant(instr))
                    {
                        Take(instr);
                        changed = true;
                    }
        }
        if (hoisted.Count == 0) return 0;

        var preheader = PreheaderOf(function, header, entering);
        var set = hoisted.ToHashSet();
        foreach (var block in body) block.Instrs.RemoveAll(set.Contains);
        preheader.Instrs.InsertRange(preheader.Instrs.Count - 1, hoisted);
        return hoisted.Count;
    }

    static bool Movable(Instr instr) =>
        instr.Op.Is(OpFlags.Pure) && instr.Op is not (Op.Const or Op.Phi or Op.Param) && !instr.IsTerminator;

    /// <summary>The block that enters the loop, when it goes nowhere else; otherwise a new block on that edge.</summary>
    static Block PreheaderOf(Function function, Block header, Block entering)
    {
        if (entering.Terminator is { Op: Op.Jump }) return entering;
        var preheader = function.NewBlock();
        preheader.Instrs.Add(new Instr(Op.Jump, IrType.Void, -1, [], [header]));
        preheader.Preds.Add(entering);
        var targets = entering.Terminator!.Targets;
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] == header) targets[i] = preheader;
        header.Preds[header.Preds.IndexOf(entering)] = preheader;  // the phis' operands stay in place
        return preheader;
    }
}
