using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Runs the optimization passes in order, and the whole list again until a round changes nothing: one pass often
/// opens work for another (folding a branch leaves an unreachable block, which leaves a phi with one operand, which
/// copy propagation removes, which lets a constant reach further).
/// </summary>
/// <remarks>The namespace is MiniJit.Optimization, not the folder's name, so that <c>Optimizer.Run</c> names this
/// class rather than a namespace.</remarks>
public static class Optimizer
{
    /// <summary>The pass list, in running order. Each pass returns how many instructions or blocks it changed.</summary>
    static readonly (string Name, Func<Function, int> Run)[] Passes =
    [
        ("scalar-replacement", ScalarReplacement.Run),
        ("constant-folding", ConstantFolding.Run),
        ("algebraic-simplification", AlgebraicSimplification.Run),
        ("division-by-constant", DivisionByConstant.Run),
        ("copy-propagation", CopyPropagation.Run),
        ("common-subexpressions", CommonSubexpressions.Run),
        ("loop-invariant-code-motion", LoopInvariantCodeMotion.Run),
        ("bounds-check-elimination", BoundsCheckElimination.Run),
        // After elimination, so that only the checks it could not remove are moved; the next round removes them.
        ("loop-test-strengthening", LoopTestStrengthening.Run),
        ("dead-code-elimination", DeadCodeElimination.Run),
        ("unreachable-block-elimination", UnreachableBlockElimination.Run),
        ("jump-threading", JumpThreading.Run),
    ];

    /// <summary>The pass of that name (as <c>minijit explain</c> and the filetests name it), or null.</summary>
    public static Func<Function, int>? PassNamed(string name)
    {
        foreach (var (passName, run) in Passes)
            if (passName == name) return run;
        return null;
    }

    /// <summary>The passes' names, in running order.</summary>
    public static IEnumerable<string> PassNames => Passes.Select(p => p.Name);

    /// <summary>Every pass only shrinks or simplifies the function, so rounds stop on their own; the cap guards
    /// against a pass bug turning a compile into an endless loop.</summary>
    const int MaxRounds = 20;

    /// <summary>
    /// Optimizes <paramref name="function"/> in place. <paramref name="afterEachPass"/> sees each pass's name, the
    /// function after it, and its count (how <c>minijit explain</c> shows the IR evolving). Returns each pass's total.
    /// </summary>
    public static List<(string Pass, int Count)> Run(Function function, Action<string, Function, int>? afterEachPass = null)
    {
        var totals = new int[Passes.Length];
        for (int round = 0; round < MaxRounds; round++)
        {
            bool changed = false;
            for (int i = 0; i < Passes.Length; i++)
            {
                int count = Passes[i].Run(function);
                totals[i] += count;
                changed |= count > 0;
                afterEachPass?.Invoke(Passes[i].Name, function, count);
            }
            if (!changed) break;
        }
        var result = new List<(string Pass, int Count)>(Passes.Length);
        for (int i = 0; i < Passes.Length; i++) result.Add((Passes[i].Name, totals[i]));
        return result;
    }
}
