using MiniJit.Ir;
using MiniJit.RegisterAllocation;

namespace MiniJit.Lowering;

/// <summary>Where a shrink-wrapped function's prologue goes: at the start of <see cref="Slow"/>, the entry block's
/// successor that leads to the calls; the entry block and the <see cref="Fast"/> blocks (its other successor and
/// everything reachable from there) run before any prologue and return without an epilogue.</summary>
public sealed record ShrinkWrap(Block Slow, HashSet<Block> Fast);

/// <summary>
/// Shrink-wrapping in its most useful form for recursive code: when the entry block branches either to a path that
/// returns without calling anything (Fibonacci's <c>if (n &lt; 2) return n;</c>) or to the code that calls, the
/// prologue — stack guard, pushes of callee-saved registers, the frame — moves to the start of the calling side, and
/// the base case runs with no frame at all (Chow, "Minimizing register usage penalty at procedure calls", PLDI 1988,
/// restricted to the entry's two successors).
/// </summary>
/// <remarks>
/// <para>The values the entry block defines and the slow side reads are split before allocation: the slow side reads
/// a copy made at its start (a constant is made again there instead). So a parameter lives only up to that copy and can
/// stay in a caller-saved register, the one it arrived in, while the copy that must survive the calls gets a
/// callee-saved register from the allocator — saved by the prologue that now runs right before the copy.</para>
/// <para>Preparing is not deciding: the emitter shrink-wraps only if the allocation keeps every value of the entry
/// block and the fast side in caller-saved registers (<see cref="AllocationFits"/>); otherwise it emits the usual
/// prologue, and the copies cost a move.</para>
/// </remarks>
public static class ShrinkWrapping
{
    /// <summary>Splits the entry's values for shrink-wrapping and says where the prologue would go, or returns null
    /// (and changes nothing) when the function does not have the shape.</summary>
    public static ShrinkWrap? Prepare(Function function)
    {
        var entry = function.Entry;
        if (entry.Terminator is not { Op: Op.Branch } branch || branch.Targets[0] == branch.Targets[1] || !NeedsNoFrame(entry))
            return null;
        for (int side = 0; side < 2; side++)
        {
            var slow = branch.Targets[1 - side];
            // The copies go first in the slow block, so it must have no phis (with one predecessor it rarely does).
            if (slow.Preds is not [var only] || only != entry || slow.Phis.Any()) continue;
            var slowSide = ReachableFrom(slow);
            if (slowSide.Contains(entry) || !slowSide.Any(b => b.Instrs.Any(i => i.Op is Op.Call or Op.CallNative))) continue;
            // Both sides may end in one return block (a C# method compiled in Debug returns through one): the fast
            // side gets a copy of it, as long as that block only returns.
            var fast = ReachableFrom(branch.Targets[side]);
            var shared = fast.Where(slowSide.Contains).ToList();
            if (fast.Contains(entry) || !shared.All(OnlyReturns)) continue;
            fast.ExceptWith(shared);
            if (!fast.All(b => NeedsNoFrame(b) && b.Preds.All(p => p == entry || fast.Contains(p)))) continue;
            foreach (var join in shared) GiveTheFastSideItsOwnReturn(function, join, slowSide);
            SplitEntryValues(function, entry, slow, slowSide);
            return new ShrinkWrap(slow, ReachableFrom(branch.Targets[side]));
        }
        return null;
    }

    /// <summary>Whether every value the entry block and the fast side touch is in a caller-saved register or needs no
    /// location (an immediate, a fused comparison): then that code writes nothing the prologue would have to save
    /// first, and reads no stack slot, since there is no frame yet. Parameters must also arrive in registers.</summary>
    public static bool AllocationFits(ShrinkWrap wrap, LoweredFunction lowered, Allocation allocation, CallingConvention convention)
    {
        var function = lowered.Function;
        var arrival = convention.AssignArguments(function.ParamTypes.Select(t => t.IsFloat()).ToArray(), reservedIntegers: 1);
        if (arrival.Any(register => register is null)) return false;
        bool Fits(int value) => allocation.Locations[value] switch
        {
            { Kind: LocationKind.Register } location => !convention.IsCalleeSaved(location.Register),
            { Kind: LocationKind.Stack } => false,
            _ => true,
        };
        foreach (var block in wrap.Fast.Append(function.Entry))
            foreach (var instr in block.Instrs)
                if (instr.HasResult && !Fits(instr.Result) || instr.Args.Any(arg => !Fits(arg))) return false;
        return true;
    }

    /// <summary>No call (calls need an aligned stack and save registers), no frame slot and no throw helper (which
    /// reaches managed code through the frame's return path).</summary>
    static bool NeedsNoFrame(Block block) =>
        block.Instrs.All(i => i.Op is not (Op.Call or Op.CallNative or Op.FrameAddress or Op.ThrowViaHelper or Op.EnsureTypeInitialized));

    static bool OnlyReturns(Block block) =>
        block.Terminator is { Op: Op.Return } && block.Instrs.Take(block.Instrs.Count - 1).All(i => i.Op == Op.Phi);

    /// <summary>Each predecessor of <paramref name="join"/> outside the slow side jumps to a new block instead, which
    /// returns what the join would have returned coming from there.</summary>
    static void GiveTheFastSideItsOwnReturn(Function function, Block join, HashSet<Block> slowSide)
    {
        var returned = join.Terminator!.Args;
        foreach (var pred in join.Preds.Where(p => !slowSide.Contains(p)).ToList())
        {
            int edge = join.Preds.IndexOf(pred);
            int ValueFrom(int value) => join.Phis.FirstOrDefault(phi => phi.Result == value) is { } phi ? phi.Args[edge] : value;
            var copy = function.NewBlock();
            copy.Instrs.Add(new Instr(Op.Return, IrType.Void, -1, [.. returned.Select(ValueFrom)]));
            copy.Preds.Add(pred);
            var targets = pred.Terminator!.Targets;
            for (int i = 0; i < targets.Length; i++)
                if (targets[i] == join) targets[i] = copy;
            Function.RemoveEdge(pred, join);
        }
    }

    static HashSet<Block> ReachableFrom(Block start)
    {
        var seen = new HashSet<Block> { start };
        var work = new Stack<Block>([start]);
        while (work.TryPop(out var block))
            foreach (var succ in block.Succs)
                if (seen.Add(succ)) work.Push(succ);
        return seen;
    }

    /// <summary>Each value the entry defines and the slow side reads is read there through a copy made at the slow
    /// side's start (a constant is made again instead).</summary>
    static void SplitEntryValues(Function function, Block entry, Block slow, HashSet<Block> slowSide)
    {
        var renamed = new Dictionary<int, int>();
        var copies = new List<Instr>();
        foreach (var instr in entry.Instrs)
        {
            if (!instr.HasResult || !slowSide.Any(b => b.Instrs.Any(i => i.Args.Contains(instr.Result)))) continue;
            int copy = function.NewValue(instr.Type);
            copies.Add(instr.Op == Op.Const
                ? new Instr(Op.Const, instr.Type, copy, []) { Imm = instr.Imm }
                : new Instr(Op.Copy, instr.Type, copy, [instr.Result]));
            renamed[instr.Result] = copy;
        }
        foreach (var block in slowSide)
            foreach (var instr in block.Instrs)
                for (int i = 0; i < instr.Args.Length; i++)
                    if (renamed.TryGetValue(instr.Args[i], out int copy)) instr.Args[i] = copy;
        slow.Instrs.InsertRange(0, copies);
    }
}
