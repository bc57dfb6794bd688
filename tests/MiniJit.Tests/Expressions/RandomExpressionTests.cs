using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using MiniJit.Cli.Fuzzing;
using Xunit.Abstractions;

namespace MiniJit.Tests.Expressions;

/// <summary>Random expression trees from <see cref="ExpressionGenerator"/>, compiled by MiniJit (optimized and not)
/// and by <see cref="LambdaExpression.Compile()"/>, and compared over edge and random inputs (see
/// <see cref="ExpressionFuzz"/>). Reproduce with the environment variables MINIJIT_TREE_SEED (base seed, default 1)
/// and MINIJIT_TREE_COUNT (trees per run, default 2000); tree i has seed base * 100003 + i, as in
/// <c>minijit fuzz --trees</c>, and a failure message prints that seed, the inputs, both results, the reduced tree
/// and the whole tree. A tree on which the expression interpreter sides with MiniJit against Compile() is not a
/// failure (Compile() has bugs too): it is listed in the test output.</summary>
public class RandomExpressionTests(ITestOutputHelper output)
{
    static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    public static readonly int BaseSeed = Env("MINIJIT_TREE_SEED", 1);
    public static readonly int Count = Env("MINIJIT_TREE_COUNT", 2000);

    /// <summary>Trees per test case: a failure names its chunk, and the chunks show progress.</summary>
    const int ChunkSize = 100;

    public static TheoryData<int> Chunks() => [.. Enumerable.Range(0, (Count + ChunkSize - 1) / ChunkSize)];

    [Theory]
    [MemberData(nameof(Chunks))]
    public void MatchesCompile(int chunk)
    {
        var failures = new StringBuilder();
        for (int index = chunk * ChunkSize; index < Math.Min(Count, (chunk + 1) * ChunkSize); index++)
        {
            int seed = ExpressionFuzz.TreeSeed(BaseSeed, index);
            var tree = ExpressionFuzz.Tree(BaseSeed, index);
            foreach (var finding in ExpressionFuzz.Check(tree, ExpressionFuzz.Inputs(tree, seed), ExpressionFuzz.Subjects, out _))
            {
                if (finding.Kind == ExpressionFuzz.FindingKind.CompileDisagreement)
                {
                    output.WriteLine($"tree {index} (seed {seed}): {finding.Text}");
                    continue;
                }
                var (reduced, shown) = ExpressionFuzz.Reduce(tree, finding);
                failures.Append($"Tree seed {seed} (MINIJIT_TREE_SEED={BaseSeed}, index {index}), {finding.Kind}: {finding.Text}\n")
                    .Append($"Reduced: {ExpressionFuzz.Report(reduced, shown)}\n")
                    .Append($"The whole tree:\n{ExpressionFuzz.Describe(tree)}\n\n");
            }
        }
        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void GeneratorIsDeterministic()
    {
        for (int seed = 0; seed < 50; seed++)
            Assert.Equal(ExpressionFuzz.Describe(new ExpressionGenerator(seed).Generate()), ExpressionFuzz.Describe(new ExpressionGenerator(seed).Generate()));
    }

    [Fact]
    public void Tree_seeds_are_numbered_as_programs_are()
    {
        Assert.Equal(FuzzWorker.ProgramSeed(7, 4), ExpressionFuzz.TreeSeed(7, 4));
        Assert.Equal(ExpressionFuzz.Describe(new ExpressionGenerator(100003 * 7 + 4).Generate()) + "\n", ExpressionFuzz.Source(7, 4));
    }

    /// <summary>What the generator makes, counted over three thousand trees: node types, and the details that matter
    /// to a compiler (a constant of type object, a jump of each kind, a conversion to each narrow type, …).</summary>
    static readonly Lazy<Dictionary<string, int>> Census = new(() =>
    {
        var census = new CensusVisitor();
        for (int seed = 0; seed < 3000; seed++) census.Visit(new ExpressionGenerator(seed).Generate());
        return census.Counts;
    });

    public static TheoryData<string> NodeTypes() =>
    [
        .. new[]
        {
            ExpressionType.Constant, ExpressionType.Parameter, ExpressionType.Default, ExpressionType.Unbox,
            ExpressionType.Add, ExpressionType.Subtract, ExpressionType.Multiply, ExpressionType.Divide, ExpressionType.Modulo,
            ExpressionType.AddChecked, ExpressionType.SubtractChecked, ExpressionType.MultiplyChecked,
            ExpressionType.And, ExpressionType.Or, ExpressionType.ExclusiveOr, ExpressionType.LeftShift, ExpressionType.RightShift,
            ExpressionType.Equal, ExpressionType.NotEqual, ExpressionType.LessThan, ExpressionType.LessThanOrEqual,
            ExpressionType.GreaterThan, ExpressionType.GreaterThanOrEqual, ExpressionType.Power, ExpressionType.AndAlso, ExpressionType.OrElse,
            ExpressionType.Not, ExpressionType.Negate, ExpressionType.NegateChecked, ExpressionType.UnaryPlus, ExpressionType.OnesComplement,
            ExpressionType.Increment, ExpressionType.Decrement, ExpressionType.Conditional, ExpressionType.Convert, ExpressionType.ConvertChecked,
            ExpressionType.Call, ExpressionType.Invoke, ExpressionType.Lambda, ExpressionType.Block, ExpressionType.Assign,
            ExpressionType.AddAssign, ExpressionType.SubtractAssign, ExpressionType.MultiplyAssign, ExpressionType.DivideAssign,
            ExpressionType.ModuloAssign, ExpressionType.AndAssign, ExpressionType.OrAssign, ExpressionType.ExclusiveOrAssign,
            ExpressionType.LeftShiftAssign, ExpressionType.RightShiftAssign, ExpressionType.PowerAssign,
            ExpressionType.AddAssignChecked, ExpressionType.SubtractAssignChecked, ExpressionType.MultiplyAssignChecked,
            ExpressionType.PreIncrementAssign, ExpressionType.PostIncrementAssign, ExpressionType.PreDecrementAssign, ExpressionType.PostDecrementAssign,
            ExpressionType.Loop, ExpressionType.Goto, ExpressionType.Label, ExpressionType.Switch, ExpressionType.MemberAccess,
        }.Select(t => t.ToString()),
        .. ExpressionGenerator.NarrowTypes.Select(t => $"Convert to {t.Name}"),
        .. ExpressionGenerator.ValueTypes.Select(t => $"{t.Name} parameter"),
        .. ExpressionGenerator.ValueTypes.Select(t => $"returns {t.Name}"),
        "Constant of type object", "Constant NaN", "Constant -0.0", "Constant +Infinity", "Constant -Infinity",
        "Constant Int32.MinValue", "Constant Int64.MaxValue",
        "Goto Return", "Goto Break", "Goto Continue", "Goto Goto", "a jump as an operand",
        "Switch without default", "Switch on Int64", "Block with variables", "Loop in a loop", "Loop with a value",
        "Not on Int32", "Not on Boolean", "And on Boolean", "a nested lambda reading an outer variable",
        "Call Math.Sqrt", "Call Math.Abs", "Call Math.Min", "Call Math.Max", "Call Math.Floor", "Call Math.Ceiling",
        "Call Math.Round", "Call Math.Sin", "Call Math.Cos", "Call Math.Exp", "Call Math.Log", "Call Math.Pow",
        "Call Math.Atan2", "Call Math.Truncate", "Call Math.Sign", "Call Math.Clamp", "Call MathF.Sqrt", "Call MathF.Pow",
    ];

    [Theory]
    [MemberData(nameof(NodeTypes))]
    public void GeneratorProducesEveryNodeType(string nodeType)
    {
        Assert.True(Census.Value.GetValueOrDefault(nodeType) > 0, $"no {nodeType} in 3000 trees");
    }

    /// <summary>Counts what <see cref="RandomExpressionTests.NodeTypes"/> lists.</summary>
    sealed class CensusVisitor : ExpressionVisitor
    {
        public Dictionary<string, int> Counts { get; } = [];
        int loops;
        readonly Stack<HashSet<ParameterExpression>> lambdaParameters = [];

        void Count(string key) => Counts[key] = Counts.GetValueOrDefault(key) + 1;

        public override Expression? Visit(Expression? node)
        {
            if (node is null) return null;
            Count(node.NodeType.ToString());
            switch (node)
            {
                case ConstantExpression { Value: var value } c:
                    if (c.Type == typeof(object)) Count("Constant of type object");
                    if (value is double.NaN or float.NaN) Count("Constant NaN");
                    if (value is double d && d == 0 && double.IsNegative(d)) Count("Constant -0.0");
                    if (value is double.PositiveInfinity or float.PositiveInfinity) Count("Constant +Infinity");
                    if (value is double.NegativeInfinity or float.NegativeInfinity) Count("Constant -Infinity");
                    if (value is int.MinValue) Count("Constant Int32.MinValue");
                    if (value is long.MaxValue) Count("Constant Int64.MaxValue");
                    break;
                case GotoExpression g:
                    Count($"Goto {g.Kind}");
                    if (g.Type != typeof(void)) Count("a jump as an operand");
                    break;
                case SwitchExpression s:
                    if (s.DefaultBody is null) Count("Switch without default");
                    Count($"Switch on {s.SwitchValue.Type.Name}");
                    break;
                case BlockExpression { Variables.Count: > 0 }:
                    Count("Block with variables");
                    break;
                case MethodCallExpression m:
                    Count($"Call {m.Method.DeclaringType!.Name}.{m.Method.Name}");
                    break;
                case UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked } u:
                    Count($"Convert to {u.Type.Name}");
                    break;
                case UnaryExpression { NodeType: ExpressionType.Not } u:
                    Count($"Not on {u.Type.Name}");
                    break;
                case BinaryExpression { NodeType: ExpressionType.And } b:
                    Count($"And on {b.Type.Name}");
                    break;
                case ParameterExpression p when lambdaParameters.Count > 1 && !lambdaParameters.Peek().Contains(p) && lambdaParameters.Skip(1).Any(outer => outer.Contains(p)):
                    Count("a nested lambda reading an outer variable");
                    break;
                case LoopExpression loop:
                    if (loops > 0) Count("Loop in a loop");
                    if (loop.Type != typeof(void)) Count("Loop with a value");
                    loops++;
                    base.Visit(node);
                    loops--;
                    return node;
                case LambdaExpression lambda:
                    if (lambdaParameters.Count == 0)
                    {
                        foreach (var p in lambda.Parameters) Count($"{p.Type.Name} parameter");
                        Count($"returns {lambda.ReturnType.Name}");
                    }
                    lambdaParameters.Push([.. lambda.Parameters]);
                    base.Visit(node);
                    lambdaParameters.Pop();
                    return node;
            }
            return base.Visit(node);
        }
    }
}
