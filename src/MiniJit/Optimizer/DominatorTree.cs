using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Who dominates whom: block A dominates block B when every path from the entry to B passes through A. Computed
/// with the iterative algorithm of Cooper, Harvey and Kennedy ("A Simple, Fast Dominance Algorithm"): number the
/// blocks in reverse postorder, then repeatedly set each block's immediate dominator to the common ancestor of its
/// already-processed predecessors, until nothing moves. Only blocks reachable from the entry take part.
/// </summary>
public sealed class DominatorTree
{
    readonly List<Block> order;
    readonly Dictionary<Block, int> number = [];
    readonly int[] idom;
    // Entry and exit times of a walk over the tree: A dominates B exactly when A's interval contains B's,
    // which answers each query in constant time instead of climbing the tree.
    readonly int[] enter, exit;

    public DominatorTree(Function function)
    {
        order = function.ReversePostorder();
        for (int i = 0; i < order.Count; i++) number[order[i]] = i;
        idom = ComputeIdoms(PredecessorNumbers());
        (enter, exit) = NumberTree();
    }

    public bool IsReachable(Block block) => number.ContainsKey(block);

    /// <summary>The closest strict dominator; null for the entry and for unreachable blocks.</summary>
    public Block? ImmediateDominator(Block block) =>
        number.TryGetValue(block, out int n) && n != 0 ? order[idom[n]] : null;

    /// <summary>Whether <paramref name="a"/> dominates <paramref name="b"/> (every block dominates itself). Both must be reachable.</summary>
    public bool Dominates(Block a, Block b)
    {
        int x = number[a], y = number[b];
        return enter[x] <= enter[y] && exit[y] <= exit[x];
    }

    /// <summary>Predecessors read off the terminators, so a stale <see cref="Block.Preds"/> cannot mislead us.</summary>
    List<int>[] PredecessorNumbers()
    {
        var preds = order.Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < order.Count; i++)
            foreach (var succ in order[i].Succs.Distinct())
                preds[number[succ]].Add(i);
        return preds;
    }

    static int[] ComputeIdoms(List<int>[] preds)
    {
        var idom = new int[preds.Length];
        Array.Fill(idom, -1);
        idom[0] = 0;
        for (bool changed = true; changed;)
        {
            changed = false;
            for (int b = 1; b < preds.Length; b++)
            {
                int newIdom = -1;
                foreach (int p in preds[b])
                    if (idom[p] >= 0) newIdom = newIdom < 0 ? p : Intersect(idom, p, newIdom);
                if (idom[b] != newIdom)
                {
                    idom[b] = newIdom;
                    changed = true;
                }
            }
        }
        return idom;
    }

    /// <summary>Climbs from two blocks to their nearest common dominator; reverse-postorder numbers shrink going up.</summary>
    static int Intersect(int[] idom, int a, int b)
    {
        while (a != b)
        {
            while (a > b) a = idom[a];
            while (b > a) b = idom[b];
        }
        return a;
    }

    (int[] Enter, int[] Exit) NumberTree()
    {
        var children = order.Select(_ => new List<int>()).ToArray();
        for (int b = 1; b < order.Count; b++) children[idom[b]].Add(b);
        var enterTimes = new int[order.Count];
        var exitTimes = new int[order.Count];
        int clock = 0;
        var stack = new Stack<(int Block, int Next)>();
        stack.Push((0, 0));
        enterTimes[0] = clock++;
        while (stack.Count > 0)
        {
            var (block, next) = stack.Pop();
            if (next < children[block].Count)
            {
                stack.Push((block, next + 1));
                int child = children[block][next];
                enterTimes[child] = clock++;
                stack.Push((child, 0));
            }
            else exitTimes[block] = clock++;
        }
        return (enterTimes, exitTimes);
    }
}
