using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Deletes the blocks that no path from the entry reaches (typically left behind when constant folding turned a
/// branch into a jump). An edge from a deleted block into a live one is removed first, so the live block's
/// predecessor list and phis stay in step.
/// </summary>
public static class UnreachableBlockElimination
{
    public static int Run(Function function)
    {
        var reachable = Reachable(function);
        if (reachable.Count == function.Blocks.Count) return 0;
        int removed = 0;
        foreach (var block in function.Blocks)
        {
            if (reachable.Contains(block)) continue;
            removed++;
            // RemoveEdge does nothing for an edge already removed, so a target listed twice is harmless.
            foreach (var succ in block.Succs)
                if (reachable.Contains(succ)) Function.RemoveEdge(block, succ);
        }
        function.Blocks.RemoveAll(b => !reachable.Contains(b));
        return removed;
    }

    /// <summary>The blocks a path from the entry reaches (a plain depth-first search; the order does not matter here).</summary>
    static HashSet<Block> Reachable(Function function)
    {
        var reachable = new HashSet<Block>(function.Blocks.Count) { function.Entry };
        var work = new Stack<Block>();
        work.Push(function.Entry);
        while (work.TryPop(out var block))
            foreach (var succ in block.Succs)
                if (reachable.Add(succ)) work.Push(succ);
        return reachable;
    }
}
