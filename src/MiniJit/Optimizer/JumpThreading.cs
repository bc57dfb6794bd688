using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Simplifies the control-flow graph in two ways, until neither applies:
/// <list type="bullet">
/// <item>A block that holds nothing but <c>jump X</c> is bypassed: its predecessors jump straight to X, and once no
/// one jumps to it, it is deleted.</item>
/// <item>A block whose only successor has it as only predecessor absorbs that successor: the two always run back
/// to back, so one block will do.</item>
/// </list>
/// Returns the number of edges redirected plus the number of blocks merged away.
/// </summary>
public static class JumpThreading
{
    public static int Run(Function function)
    {
        int total = 0;
        for (int changed; (changed = BypassForwarders(function) + MergeChains(function)) > 0;) total += changed;
        return total;
    }

    static bool IsForwarder(Function function, Block block) =>
        block != function.Entry && block.Instrs is [{ Op: Op.Jump } jump] && jump.Targets[0] != block;

    static int BypassForwarders(Function function)
    {
        HashSet<Block>? removed = null;
        int redirected = 0;
        foreach (var block in function.Blocks)
        {
            if (!IsForwarder(function, block)) continue;
            var target = block.Succs[0];
            foreach (var pred in block.Preds.ToArray())
                if (CanRedirect(pred, target))
                {
                    Redirect(pred, block, target);
                    redirected++;
                }
            if (block.Preds.Count > 0) continue;
            Function.RemoveEdge(block, target);
            (removed ??= []).Add(block);
        }
        if (removed is not null) function.Blocks.RemoveAll(removed.Contains);
        return redirected;
    }

    /// <summary>
    /// A phi has one operand per predecessor, so when the target has phis and the predecessor already jumps to it
    /// directly, the two paths may carry different values and cannot share one edge.
    /// </summary>
    static bool CanRedirect(Block pred, Block target) => UseLists.PhiCount(target) == 0 || !target.Preds.Contains(pred);

    /// <summary>
    /// Points pred's terminator at target instead of the forwarder. The forwarder defines nothing, so each of
    /// target's phis receives over the new edge the same value it received from the forwarder.
    /// </summary>
    static void Redirect(Block pred, Block forwarder, Block target)
    {
        var targets = pred.Terminator!.Targets;
        for (int i = 0; i < targets.Length; i++)
            if (targets[i] == forwarder) targets[i] = target;
        forwarder.Preds.Remove(pred);
        if (target.Preds.Contains(pred)) return;
        int from = target.Preds.IndexOf(forwarder);
        target.Preds.Add(pred);
        for (int i = 0, phis = UseLists.PhiCount(target); i < phis; i++)
        {
            var phi = target.Instrs[i];
            phi.Args = [.. phi.Args, phi.Args[from]];
        }
    }

    /// <summary>
    /// Merges each block with its successor while the pair is a straight line. Reverse postorder puts the head of a
    /// chain first, so it absorbs the whole chain and every instruction moves once.
    /// </summary>
    static int MergeChains(Function function)
    {
        // Usually there is no such pair (every pass round ends with a call that finds none): check before ordering.
        bool any = false;
        foreach (var block in function.Blocks) any |= CanAbsorbSuccessor(function, block);
        if (!any) return 0;
        var removed = new HashSet<Block>();
        foreach (var block in function.ReversePostorder())
        {
            if (removed.Contains(block)) continue;
            while (CanAbsorbSuccessor(function, block))
            {
                var next = block.Succs[0];
                block.Instrs.RemoveAt(block.Instrs.Count - 1);
                // With a single predecessor, a phi has one operand: it is just a copy of it.
                for (int i = 0, phis = UseLists.PhiCount(next); i < phis; i++) next.Instrs[i].BecomeCopy(next.Instrs[i].Args[0]);
                block.Instrs.AddRange(next.Instrs);
                // A successor lists each predecessor once, so a target that next names twice is updated once.
                foreach (var succ in next.Succs)
                    if (succ.Preds.IndexOf(next) is var index and >= 0) succ.Preds[index] = block;
                removed.Add(next);
            }
        }
        function.Blocks.RemoveAll(removed.Contains);
        return removed.Count;
    }

    /// <summary>The block ends in a jump to a block that only it reaches (and that is neither itself nor the entry).</summary>
    static bool CanAbsorbSuccessor(Function function, Block block) =>
        block.Terminator is { Op: Op.Jump } jump && jump.Targets[0] is var next &&
        next != block && next != function.Entry && next.Preds.Count == 1;
}
