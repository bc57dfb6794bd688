using System.Linq.Expressions;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// Shrinks a failing expression tree to a small one that still fails, so that a report shows the bug and little
/// else. Greedy: it tries, node by node, to put something smaller in a node's place (an operand of the same type,
/// the type's default, an empty statement; a block without one of its statements or unused variables), keeps the
/// first change after which the tree is still valid and still fails, and starts over until no change helps.
/// </summary>
/// <remarks>
/// The control of a generated loop (its counter's start, its exit test, its count) is never changed, only removed
/// with the whole loop, so that no reduced tree can loop forever.
/// </remarks>
public static class ExpressionReducer
{
    public const int MaxAttempts = 3000;

    /// <param name="fails">Whether a tree still shows the failure; called only on trees that
    /// <see cref="LambdaExpression.Compile()"/> accepts.</param>
    public static LambdaExpression Reduce(LambdaExpression tree, Func<LambdaExpression, bool> fails)
    {
        int attempts = 0;
        bool progress = true;
        while (progress && attempts < MaxAttempts)
        {
            progress = false;
            foreach (var candidate in Candidates(tree))
            {
                if (++attempts > MaxAttempts) break;
                if (!Compiles(candidate) || !fails(candidate)) continue;
                tree = candidate;
                progress = true;
                break;
            }
        }
        return tree;
    }

    /// <summary>A change can leave a variable outside its block or a goto without its label: the oracle refuses
    /// such a tree, and so does the reducer.</summary>
    static bool Compiles(LambdaExpression tree)
    {
        try
        {
            tree.Compile();
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or InvalidProgramException)
        {
            return false;
        }
    }

    /// <summary>Every tree that differs from <paramref name="tree"/> in one place, smaller there; lazily, in the
    /// order of the nodes (so the biggest changes, near the root, come first).</summary>
    static IEnumerable<LambdaExpression> Candidates(LambdaExpression tree)
    {
        var nodes = new NodeLister().List(tree);
        var loopControl = LoopControl(nodes);
        // A case's test values stay constants (of the switch value's type, and distinct).
        var caseTests = nodes.OfType<SwitchExpression>().SelectMany(s => s.Cases.SelectMany(c => c.TestValues)).ToHashSet();
        // Node 0 is the lambda itself, which stays.
        for (int i = 1; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (loopControl.Contains(node) || caseTests.Contains(node) || node is ParameterExpression) continue;
            foreach (var smaller in Smaller(node, loopControl))
                yield return new Replacer(i, smaller).Visit(tree) as LambdaExpression ?? throw new InvalidOperationException("the root, a lambda, is never replaced");
        }
    }

    static IEnumerable<Expression> Smaller(Expression node, HashSet<Expression> loopControl)
    {
        if (node.Type == typeof(void))
        {
            if (node is not DefaultExpression) yield return Expression.Empty();
        }
        else
        {
            foreach (var child in Children(node).Where(c => c.Type == node.Type)) yield return child;
            if (node is not DefaultExpression) yield return Expression.Default(node.Type);
        }
        if (node is SwitchExpression { Cases.Count: > 1 } switchNode)
        {
            for (int c = switchNode.Cases.Count - 1; c >= 0; c--)
                yield return switchNode.Update(switchNode.SwitchValue, switchNode.Cases.Where((_, k) => k != c), switchNode.DefaultBody);
        }
        if (node is BlockExpression block)
        {
            // Without one statement (never its last expression, which is its value, nor a loop's control).
            for (int s = block.Expressions.Count - 2; s >= 0; s--)
                if (!loopControl.Contains(block.Expressions[s]))
                    yield return Expression.Block(block.Type, block.Variables, block.Expressions.Where((_, k) => k != s));
            var used = new NodeLister().List(Expression.Block(block.Expressions)).OfType<ParameterExpression>().ToHashSet();
            if (block.Variables.Any(v => !used.Contains(v)))
                yield return Expression.Block(block.Type, block.Variables.Where(used.Contains), block.Expressions);
        }
    }

    static IEnumerable<Expression> Children(Expression node) => node switch
    {
        BinaryExpression b => [b.Left, b.Right],
        UnaryExpression u => [u.Operand],
        ConditionalExpression c => [c.IfTrue, c.IfFalse],
        BlockExpression b => [b.Result],
        MethodCallExpression m => m.Arguments,
        InvocationExpression i => [.. i.Arguments, ((LambdaExpression)i.Expression).Body],
        SwitchExpression s => [.. s.Cases.Select(c => c.Body), .. s.DefaultBody is null ? [] : new[] { s.DefaultBody }],
        LabelExpression l => l.DefaultValue is null ? [] : [l.DefaultValue],
        GotoExpression g => g.Value is null ? [] : [g.Value],
        _ => [],
    };

    /// <summary>The nodes that keep generated loops bounded: each loop's body block, its exit (the first
    /// expression of the body: an IfThen whose test and break stay, though the value the break carries may shrink),
    /// its count (the second expression) and its counter's start (the first expression of the block around the
    /// loop).</summary>
    static HashSet<Expression> LoopControl(List<Expression> nodes)
    {
        var lister = new NodeLister();
        var control = new HashSet<Expression>();
        foreach (var node in nodes)
        {
            if (node is LoopExpression { Body: BlockExpression body } && body.Expressions is [ConditionalExpression exit, var step, ..])
            {
                control.UnionWith([body, exit, exit.IfTrue, .. lister.List(exit.Test), .. lister.List(step)]);
            }
            if (node is BlockExpression { Variables.Count: 1, Expressions: [BinaryExpression { NodeType: ExpressionType.Assign } start, LoopExpression] })
                control.UnionWith(lister.List(start));
        }
        return control;
    }

    /// <summary>All the nodes of a tree in the order <see cref="ExpressionVisitor"/> visits them.</summary>
    sealed class NodeLister : ExpressionVisitor
    {
        List<Expression> nodes = [];

        public List<Expression> List(Expression tree)
        {
            nodes = [];
            Visit(tree);
            return nodes;
        }

        public override Expression? Visit(Expression? node)
        {
            if (node is not null) nodes.Add(node);
            return base.Visit(node);
        }
    }

    /// <summary>Puts <paramref name="replacement"/> in the place of the node that <see cref="NodeLister"/> lists at
    /// <paramref name="index"/>.</summary>
    sealed class Replacer(int index, Expression replacement) : ExpressionVisitor
    {
        int next;

        public override Expression? Visit(Expression? node)
        {
            if (node is null) return null;
            return next++ == index ? replacement : base.Visit(node);
        }
    }
}
