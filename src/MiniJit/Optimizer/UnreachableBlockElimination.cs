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
        var reachable = function.ReversePostorder().ToHashSet();
        int removed = 0;
        foreach (var block in function.Blocks)
        {
            if (reachable.Contains(block)) continue;
            removed++;
            foreach (var succ in block.Succs.Distinct())
                if (reachable.Contains(succ)) Function.RemoveEdge(block, succ);
        }
        function.Blocks.RemoveAll(b => !reachable.Contains(b));
        return removed;
    }
}
