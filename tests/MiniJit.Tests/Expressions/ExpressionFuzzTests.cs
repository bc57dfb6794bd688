using System.Linq.Expressions;
using MiniJit.Cli.Fuzzing;

namespace MiniJit.Tests.Expressions;

/// <summary>The tree fuzzer's own parts: the comparison, the weights and the reducer, checked on a compiler that is
/// wrong on purpose.</summary>
public class ExpressionFuzzTests
{
    static ExpressionFuzz.Outcome Value(object value) => new(value, null);

    [Fact]
    public void Floating_point_results_compare_bit_for_bit_but_any_NaN_equals_any_NaN()
    {
        Assert.True(Value(double.NaN).Same(Value(BitConverter.Int64BitsToDouble(-1))));
        Assert.True(Value(float.NaN).Same(Value(-float.NaN)));
        Assert.False(Value(0.0).Same(Value(-0.0)));
        Assert.False(Value(0f).Same(Value(-0f)));
        Assert.False(Value(1).Same(Value(1L)));
        Assert.True(new ExpressionFuzz.Outcome(null, typeof(OverflowException)).Same(new(null, typeof(OverflowException))));
        Assert.False(new ExpressionFuzz.Outcome(null, typeof(OverflowException)).Same(new(null, typeof(DivideByZeroException))));
    }

    [Fact]
    public void Weights_read_as_changes_to_the_defaults()
    {
        var weights = ExpressionWeights.Parse("Loop=0, invoke=5");
        Assert.Equal(0, weights[TreeShape.Loop]);
        Assert.Equal(5, weights[TreeShape.Invoke]);
        Assert.Equal("Invoke=5,Loop=0", weights.ToString());
        Assert.Equal("", ExpressionWeights.Default.ToString());
        Assert.Throws<FormatException>(() => ExpressionWeights.Parse("Nope=1"));
        Assert.Throws<FormatException>(() => ExpressionWeights.Parse("Loop=-1"));
    }

    [Fact]
    public void A_shape_of_weight_zero_is_never_generated()
    {
        var weights = ExpressionWeights.Parse("Loop=0,Switch=0");
        for (int seed = 0; seed < 200; seed++)
        {
            var text = ExpressionFuzz.Describe(new ExpressionGenerator(seed, weights).Generate());
            Assert.DoesNotContain(".Loop", text);
            Assert.DoesNotContain(".Switch", text);
        }
    }

    /// <summary>Compiles every Multiply as an Add: wrong wherever a product is not a sum.</summary>
    static readonly ExpressionFuzz.Subject MultiplyAsAdd = new("multiply-as-add", tree => ((LambdaExpression)new MultiplyToAdd().Visit(tree)!).Compile());

    sealed class MultiplyToAdd : ExpressionVisitor
    {
        protected override Expression VisitBinary(BinaryExpression node) =>
            node.NodeType == ExpressionType.Multiply ? Expression.Add(Visit(node.Left)!, Visit(node.Right)!) : base.VisitBinary(node);
    }

    static int Size(Expression tree)
    {
        int nodes = 0;
        new Counter(() => nodes++).Visit(tree);
        return nodes;
    }

    sealed class Counter(Action count) : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node)
        {
            if (node is not null) count();
            return base.Visit(node);
        }
    }

    [Fact]
    public void A_failing_tree_reduces_to_a_smaller_one_that_fails_the_same_way()
    {
        int reducedTrees = 0;
        for (int index = 0; index < 300 && reducedTrees < 5; index++)
        {
            var tree = ExpressionFuzz.Tree(11, index);
            var inputs = ExpressionFuzz.Inputs(tree, ExpressionFuzz.TreeSeed(11, index));
            if (ExpressionFuzz.Check(tree, inputs, [MultiplyAsAdd], out _) is not [var finding]) continue;
            var (reduced, shown) = ExpressionFuzz.Reduce(tree, finding);
            reducedTrees++;
            Assert.Equal(ExpressionFuzz.FindingKind.Mismatch, shown.Kind);
            Assert.Contains(" * ", ExpressionFuzz.Describe(reduced));
            Assert.True(Size(reduced) < Size(tree), $"not reduced:\n{ExpressionFuzz.Describe(reduced)}");
            Assert.NotEmpty(ExpressionFuzz.Check(reduced, [finding.Args!], [MultiplyAsAdd], out _));
        }
        Assert.Equal(5, reducedTrees);
    }
}
