using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Removes bounds checks that cannot fail. <c>checkbounds i, n</c> fails unless 0 &lt;= i &lt; n; it goes when the
/// conditions of the branches that dominate it prove both halves:
/// <list type="bullet">
/// <item>i &lt; n: a dominating branch took the edge on which <c>i &lt; n</c> holds (or <c>i &lt; m</c> and
/// <c>m &lt;= n</c>, <c>m == n</c> — one step of transitivity), or an unsigned <c>i &lt; n</c>, which proves the
/// whole check at once; a constant i below a constant that a dominating check of the same length already passed;</item>
/// <item>0 &lt;= i: i is a non-negative constant, a length, a zero-extended value, or a loop counter that starts
/// non-negative and only steps up by one while it is below some bound (so it can never wrap around).</item>
/// </list>
/// That covers <c>for (int i = 0; i &lt; a.Length; i++) … a[i] …</c> and spans of one length (design notes: RyuJIT's
/// range check phase and HotSpot's range-check elimination do this and much more).
/// </summary>
public static class BoundsCheckElimination
{
    /// <summary>A branch condition known to hold: <c>X op Y</c> for an integer comparison op.</summary>
    readonly record struct Fact(Op Op, int X, int Y);

    /// <summary>What the non-negativity proof reads: definitions, their blocks, the answers found so far, and the order
    /// they were found in (to take back the ones that rested on a hypothesis that failed).</summary>
    sealed record Context(DominatorTree Tree, Instr?[] Defs, Block?[] BlockOf, Dictionary<int, bool> Known, List<int> Found);

    public static int Run(Function function)
    {
        List<(Block Block, Instr Check)>? checks = null;
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                if (instr.Op == Op.CheckBounds) (checks ??= []).Add((block, instr));
        if (checks is null) return 0;

        var tree = new DominatorTree(function);
        var defs = function.Definitions();
        var blockOf = new Block?[function.ValueCount];
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                if (instr.HasResult) blockOf[instr.Result] = block;
        var context = new Context(tree, defs, blockOf, [], []);
        var removed = new HashSet<Instr>();
        foreach (var (block, check) in checks)
        {
            if (!tree.IsReachable(block)) continue;
            var facts = FactsAt(block, tree, defs);
            int index = check.Args[0], length = check.Args[1];
            bool below = facts.Any(f => Proves(f, index, length, facts, unsigned: true))
                || IsNonNegative(index, context) && facts.Any(f => Proves(f, index, length, facts, unsigned: false))
                || ConstantBelowCheckedLength(check, block, index, length, defs, tree);
            if (below) removed.Add(check);
        }
        UseLists.RemoveAll(function, removed);
        return removed.Count;
    }

    /// <summary>The conditions known to hold in <paramref name="block"/>: for each dominator entered from a single
    /// predecessor that ends in a branch, the branch's comparison (or its negation on the false edge).</summary>
    static List<Fact> FactsAt(Block block, DominatorTree tree, Instr?[] defs)
    {
        var facts = new List<Fact>();
        for (Block? at = block; at is not null; at = tree.ImmediateDominator(at))
        {
            if (at.Preds.Count != 1 || at.Preds[0].Terminator is not { Op: Op.Branch } branch) continue;
            if (branch.Targets[0] == branch.Targets[1] || defs[branch.Args[0]] is not { } compare) continue;
            if (!compare.Op.Is(OpFlags.Compare) || !compare.Type.IsInteger() || defs[compare.Args[0]] is { Type: IrType.F32 or IrType.F64 }) continue;
            var op = branch.Targets[0] == at ? compare.Op : compare.Op.Negate();
            facts.Add(new Fact(op, compare.Args[0], compare.Args[1]));
        }
        return facts;
    }

    /// <summary>Whether <paramref name="fact"/>, maybe with one more fact, gives index &lt; length (signed, or
    /// unsigned when <paramref name="unsigned"/>).</summary>
    static bool Proves(Fact fact, int index, int length, List<Fact> facts, bool unsigned)
    {
        var (lt, le) = unsigned ? (Op.LtU, Op.LeU) : (Op.Lt, Op.Le);
        // index < m, written either way round.
        int? bound = fact.Op == lt && fact.X == index ? fact.Y
            : fact.Op == lt.Swap() && fact.Y == index ? fact.X
            : null;
        if (bound is not int m) return false;
        if (m == length) return true;
        // m <= length or m == length.
        foreach (var other in facts)
            if (other.Op == le && other.X == m && other.Y == length || other.Op == le.Swap() && other.X == length && other.Y == m
                || other.Op == Op.Eq && (other.X == m && other.Y == length || other.X == length && other.Y == m))
                return true;
        return false;
    }

    /// <summary>A constant index below one that a dominating check of the same length passed.</summary>
    static bool ConstantBelowCheckedLength(Instr check, Block block, int index, int length, Instr?[] defs, DominatorTree tree)
    {
        if (defs[index] is not { Op: Op.Const } constant || constant.Imm < 0) return false;
        for (Block? at = block; at is not null; at = tree.ImmediateDominator(at))
            foreach (var other in at.Instrs)
            {
                if (other == check) break;
                if (other.Op == Op.CheckBounds && other.Args[1] == length && defs[other.Args[0]] is { Op: Op.Const } passed
                    && passed.Imm >= constant.Imm && passed.Type == constant.Type)
                    return true;
            }
        return false;
    }

    /// <summary>Whether a value is never negative as a signed integer. A phi is assumed non-negative while its operands
    /// are examined (induction: the start is, and each step keeps it so).</summary>
    /// <remarks>Answers found while a phi's hypothesis stands may rest on it; if the phi turns out not to be
    /// non-negative, every answer found since the hypothesis was made is taken back (fuzzing found a check removed on
    /// such a stale answer: <c>MemoryRegressionTests.ABoundsCheckIsNotRemovedOnAHypothesisThatFailed</c>).</remarks>
    static bool IsNonNegative(int value, Context context)
    {
        if (context.Known.TryGetValue(value, out bool answer)) return answer;
        if (context.Defs[value] is not { } def) return false;
        int mark = context.Found.Count;
        if (def.Op == Op.Phi) Remember(value, true, context);  // the induction hypothesis
        answer = def.Op switch
        {
            Op.Const => def.Imm >= 0,
            Op.ArrayLength or Op.ZeroExtend8 or Op.ZeroExtend16 => true,
            Op.And => IsNonNegative(def.Args[0], context) || IsNonNegative(def.Args[1], context),
            Op.Phi => def.Args.All(arg => arg == value || IsNonNegative(arg, context) || StepsUpByOneBelowABound(arg, value, context)),
            _ => false,
        };
        if (!answer && def.Op == Op.Phi)
        {
            for (int i = mark; i < context.Found.Count; i++) context.Known.Remove(context.Found[i]);
            context.Found.RemoveRange(mark, context.Found.Count - mark);
        }
        Remember(value, answer, context);
        return answer;
    }

    static void Remember(int value, bool answer, Context context)
    {
        if (!context.Known.ContainsKey(value)) context.Found.Add(value);
        context.Known[value] = answer;
    }

    /// <summary><paramref name="step"/> is <c>phi + 1</c>, computed where <c>phi &lt; X</c> holds for some X: then it is at
    /// most X, so it never wraps past the largest integer.</summary>
    static bool StepsUpByOneBelowABound(int step, int phi, Context context)
    {
        if (context.Defs[step] is not { Op: Op.Add } add || context.BlockOf[step] is not { } block) return false;
        int other = add.Args[0] == phi ? add.Args[1] : add.Args[1] == phi ? add.Args[0] : -1;
        if (other < 0 || context.Defs[other] is not { Op: Op.Const, Imm: 1 } || !context.Tree.IsReachable(block)) return false;
        return FactsAt(block, context.Tree, context.Defs).Any(f => f.Op == Op.Lt && f.X == phi || f.Op == Op.Gt && f.Y == phi);
    }
}
