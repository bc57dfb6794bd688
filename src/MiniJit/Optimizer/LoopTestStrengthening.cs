using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Moves the bounds check that opens a loop's body into the loop's test. In
/// <c>for (int j = start; j &lt; a.Length; j += i) a[j] = …</c> the test is signed and the check unsigned, so the check
/// can fail only for a j that wrapped around to a negative number (<c>j += i</c> past <c>int.MaxValue</c>), which the
/// signed test lets through; and since the index is not a counter stepping by one, bounds-check elimination cannot
/// prove it non-negative. So the test becomes unsigned, <c>(uint)j &lt; (uint)a.Length</c>: it leaves the loop exactly
/// when the old test did or when the check would have failed. On that exit a negative j throws the check's
/// IndexOutOfRangeException (in a block of its own, off the loop), any other j leaves as before. The body then starts
/// under a test that proves its check, and bounds-check elimination removes it: the sieve's inner loop loses its check.
/// </summary>
/// <remarks>
/// The two programs do the same thing only if nothing in the body before the check can be seen: only pure
/// instructions may precede it. The length must be one (never negative: an array's length), or the unsigned test would
/// not mean what the signed one did.
/// </remarks>
public static class LoopTestStrengthening
{
    public static int Run(Function function)
    {
        // It runs in every round of the optimizer: a function without a bounds check costs one scan.
        if (!function.Blocks.Any(b => b.Instrs.Any(i => i.Op == Op.CheckBounds))) return 0;
        var defs = function.Definitions();
        var uses = function.UseCounts();
        int changed = 0;
        foreach (var header in function.Blocks.ToList())
        {
            if (header.Terminator is not { Op: Op.Branch } branch || branch.Targets[0] == branch.Targets[1]
                || defs[branch.Args[0]] is not { } compare || uses[compare.Result] != 1
                || !compare.Op.Is(OpFlags.Compare) || !function.ValueTypes[compare.Args[0]].IsInteger()) continue;
            for (int taken = 0; taken < 2; taken++)
            {
                // The condition on the edge into the body, as j < length (signed).
                var body = branch.Targets[taken];
                var op = taken == 0 ? compare.Op : compare.Op.Negate();
                var (index, length) = op == Op.Lt ? (compare.Args[0], compare.Args[1]) : op == Op.Gt ? (compare.Args[1], compare.Args[0]) : (-1, -1);
                if (index < 0 || function.ValueTypes[index] != IrType.I32 || defs[length] is not { Op: Op.ArrayLength }
                    || body.Preds.Count != 1 || FirstCheck(body, index, length) is not { } check) continue;
                compare.Op = taken == 0 ? Op.LtU : Op.GeU;
                compare.Args = [index, length];
                branch.Targets[1 - taken] = NegativeIndexExit(function, header, branch.Targets[1 - taken], check);
                changed++;
                break;
            }
        }
        return changed;
    }

    /// <summary>The check of index &lt; length that <paramref name="body"/> starts with, after pure instructions only.</summary>
    static Instr? FirstCheck(Block body, int index, int length)
    {
        foreach (var instr in body.Instrs)
        {
            if (instr is { Op: Op.CheckBounds } check && check.Args[0] == index && check.Args[1] == length) return check;
            if (!instr.Op.Is(OpFlags.Pure) && instr.Op != Op.Phi) return null;
        }
        return null;
    }

    /// <summary>The new way out of the loop: <c>if (j &lt; 0) checkbounds j, length</c> (which then fails), then on to
    /// <paramref name="exit"/>. Returns its first block, which takes the header's place among exit's predecessors.</summary>
    static Block NegativeIndexExit(Function function, Block header, Block exit, Instr check)
    {
        var test = function.NewBlock();
        var fail = function.NewBlock();
        test.Preds.Add(header);
        int zero = function.AppendConst(test, IrType.I32, 0).Result;
        int negative = function.Append(test, Op.Lt, IrType.I32, check.Args[0], zero).Result;
        function.Terminate(test, Op.Branch, [negative], fail, exit);
        var failing = function.Append(fail, Op.CheckBounds, IrType.Void, check.Args[0], check.Args[1]);
        failing.ILOffset = check.ILOffset;
        function.Terminate(fail, Op.Jump, [], exit);
        // exit's new predecessors (test, then fail, added by Terminate) bring what header brought; then header goes.
        int at = exit.Preds.IndexOf(header);
        foreach (var phi in exit.Phis) phi.Args = [.. phi.Args, phi.Args[at], phi.Args[at]];
        Function.RemoveEdge(header, exit);
        return test;
    }
}
