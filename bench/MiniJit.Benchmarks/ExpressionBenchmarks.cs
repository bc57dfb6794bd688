using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FastExpressionCompiler;

namespace MiniJit.Benchmarks;

/// <summary>
/// Expression trees: MiniJit against every other way .NET runs them. <c>Compile()</c> turns the tree into IL for
/// RyuJIT; FastExpressionCompiler's <c>CompileFast()</c> does the same with a much faster tree-to-IL pass (the anchor
/// the targets name); <c>Compile(preferInterpretation: true)</c> is the interpreter, all a NativeAOT app has.
/// <list type="bullet">
/// <item>TreeN_Way: from a tree of about N nodes (the generated long programs of
/// <see cref="GeneratedProgram.ExpressionTrees"/>) to its first result. The trees are built once, outside the
/// measurement.</item>
/// <item>Call_Way: one call of a double formula of about 20 nodes, in a dependent chain as in <see cref="CallBenchmarks"/>;
/// figures are per call.</item>
/// </list>
/// MiniJit is each category's baseline, so BenchmarkDotNet's ratios read as "× MiniJit". Method names are
/// Group_Way; <see cref="Report"/> relies on that.
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
// The suite's three warm-up iterations are not enough here: MiniJit's compiler and FastExpressionCompiler are JIT-compiled
// like any assembly, and on the loaded 2-core machine a tight loop of Tree20 compiles took about 4 s before tiered
// compilation had promoted them (CPU time per MiniJit compile fell from ~140 µs to ~20 µs). The targets are for a warm
// compiler, so each case warms up for 6 s.
[WarmupCount(30)]
public class ExpressionBenchmarks
{
    const long A = 3, B = 5;
    const int Calls = 1_000;

    /// <summary>The per-call formulas by group: Call calls Math.Sin, which compiles to a call of the C library's sin in
    /// every compiler (RyuJIT's Math.Sin is that call too), so all four ways must agree to the bit — and the call to
    /// sin is a floor no compiler goes below; Arith is arithmetic only, where the cost of reaching the code shows.</summary>
    static readonly Dictionary<string, (Expression<Func<double, double, double>> Tree, string Source)> Formulas = new()
    {
        ["Call"] = Quoted((x, y) => Math.Sin(x) * x + 3 * y - x / (y * y + 1)),
        ["Arith"] = Quoted((x, y) => (x * 0.5 - y * 0.25) / (x * x + 1) + (y - x) * 0.125 + x * 0.75),
    };

    /// <summary>The per-call groups, in the report's order.</summary>
    public static IEnumerable<string> FormulaGroups => Formulas.Keys;

    /// <summary>A formula as written here, for the report.</summary>
    public static string FormulaSource(string group) => Formulas[group].Source;

    static (Expression<Func<double, double, double>>, string) Quoted(Expression<Func<double, double, double>> tree,
        [CallerArgumentExpression(nameof(tree))] string source = "") => (tree, source);

    readonly Dictionary<string, Expression<Func<long, long, long>>> trees = [];
    /// <summary>Per formula group, the delegate of each way (MiniJit, ExpressionCompile, CompileFast, ExpressionInterpret).</summary>
    readonly Dictionary<string, Dictionary<string, Func<double, double, double>>> formulas = [];

    /// <summary>The number of nodes an <see cref="ExpressionVisitor"/> visits in <paramref name="tree"/>: every use
    /// of a parameter or variable counts, and so do the lambda and the declarations of its parameters and variables.</summary>
    public static int Nodes(Expression tree)
    {
        var counter = new NodeCounter();
        counter.Visit(tree);
        return counter.Count;
    }

    /// <summary>The node count of a group's tree, by the group's name (TreeN or Call).</summary>
    public static int Nodes(string group) =>
        Nodes(Formulas.TryGetValue(group, out var formula) ? formula.Tree : GeneratedProgram.ExpressionTrees.Single(p => p.Name == group).ToExpression());

    sealed class NodeCounter : ExpressionVisitor
    {
        public int Count { get; private set; }

        public override Expression? Visit(Expression? node)
        {
            if (node is not null) Count++;
            return base.Visit(node);
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        foreach (var program in GeneratedProgram.ExpressionTrees)
        {
            var tree = program.ToExpression();
            trees[program.Name] = tree;
            // By default CompileFast quietly falls back to Compile() on a tree it cannot handle, which would measure
            // the wrong compiler; the benchmark asks for null instead, and this makes sure it never gets it.
            if (tree.CompileFast(ifFastFailedReturnNull: true) is null)
                throw new InvalidOperationException($"{program.Name}: FastExpressionCompiler cannot compile the tree");
            var expected = ExpressionCompile(program.Name);
            long[] actual = [RunMiniJit(program.Name), CompileFast(program.Name), ExpressionInterpret(program.Name)];
            if (actual.Any(a => a != expected))
                throw new InvalidOperationException($"{program.Name}: results {string.Join(", ", actual)} differ from Compile()'s {expected}");
            Console.WriteLine($"// {program.Name}: {Nodes(tree)} expression nodes");
        }

        foreach (var (group, (formula, _)) in Formulas)
        {
            formulas[group] = new()
            {
                ["MiniJit"] = Jit.Compile(formula),
                ["ExpressionCompile"] = formula.Compile(),
                ["CompileFast"] = formula.CompileFast(ifFastFailedReturnNull: true)
                    ?? throw new InvalidOperationException($"FastExpressionCompiler cannot compile the {group} formula"),
                ["ExpressionInterpret"] = formula.Compile(preferInterpretation: true),
            };
            // A thousand dependent calls: a difference in any bit of any intermediate result would very likely show.
            var chains = formulas[group].Values.Select(Chain).ToArray();
            if (chains.Select(BitConverter.DoubleToInt64Bits).Distinct().Count() != 1)
                throw new InvalidOperationException($"the {group} formula's results differ: {string.Join(", ", chains.Select(c => c.ToString("R")))}");
            Console.WriteLine($"// {group}: a formula of {Nodes(formula)} expression nodes");
        }
    }

    long RunMiniJit(string size)
    {
        var compiled = Jit.Compile(trees[size]);
        var result = compiled(A, B);
        // As a program compiling trees by the thousand should, and as CompileBenchmarks does: each unit holds pages
        // of the code arena until it is freed (with a delegate bound, once the collector has seen the last call leave).
        Jit.CodeOf(compiled).Dispose();
        return result;
    }

    long ExpressionCompile(string size) => trees[size].Compile()(A, B);
    long ExpressionInterpret(string size) => trees[size].Compile(preferInterpretation: true)(A, B);
    long CompileFast(string size) => trees[size].CompileFast(ifFastFailedReturnNull: true)!(A, B);

    [Benchmark(Baseline = true), BenchmarkCategory("Tree20")] public long Tree20_MiniJit() => RunMiniJit("Tree20");
    [Benchmark, BenchmarkCategory("Tree20")] public long Tree20_ExpressionCompile() => ExpressionCompile("Tree20");
    [Benchmark, BenchmarkCategory("Tree20")] public long Tree20_CompileFast() => CompileFast("Tree20");
    [Benchmark, BenchmarkCategory("Tree20")] public long Tree20_ExpressionInterpret() => ExpressionInterpret("Tree20");

    [Benchmark(Baseline = true), BenchmarkCategory("Tree200")] public long Tree200_MiniJit() => RunMiniJit("Tree200");
    [Benchmark, BenchmarkCategory("Tree200")] public long Tree200_ExpressionCompile() => ExpressionCompile("Tree200");
    [Benchmark, BenchmarkCategory("Tree200")] public long Tree200_CompileFast() => CompileFast("Tree200");
    [Benchmark, BenchmarkCategory("Tree200")] public long Tree200_ExpressionInterpret() => ExpressionInterpret("Tree200");

    [Benchmark(Baseline = true), BenchmarkCategory("Tree2000")] public long Tree2000_MiniJit() => RunMiniJit("Tree2000");
    [Benchmark, BenchmarkCategory("Tree2000")] public long Tree2000_ExpressionCompile() => ExpressionCompile("Tree2000");
    [Benchmark, BenchmarkCategory("Tree2000")] public long Tree2000_CompileFast() => CompileFast("Tree2000");
    [Benchmark, BenchmarkCategory("Tree2000")] public long Tree2000_ExpressionInterpret() => ExpressionInterpret("Tree2000");

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls), BenchmarkCategory("Call")] public double Call_MiniJit() => Chain(formulas["Call"]["MiniJit"]);
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Call")] public double Call_ExpressionCompile() => Chain(formulas["Call"]["ExpressionCompile"]);
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Call")] public double Call_CompileFast() => Chain(formulas["Call"]["CompileFast"]);
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Call")] public double Call_ExpressionInterpret() => Chain(formulas["Call"]["ExpressionInterpret"]);

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls), BenchmarkCategory("Arith")] public double Arith_MiniJit() => Chain(formulas["Arith"]["MiniJit"]);
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Arith")] public double Arith_ExpressionCompile() => Chain(formulas["Arith"]["ExpressionCompile"]);
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Arith")] public double Arith_CompileFast() => Chain(formulas["Arith"]["CompileFast"]);
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Arith")] public double Arith_ExpressionInterpret() => Chain(formulas["Arith"]["ExpressionInterpret"]);

    /// <summary>Each call takes the last one's result, so calls cannot overlap and the time is per call. One loop
    /// for all four, so that they differ only in the delegate.</summary>
    static double Chain(Func<double, double, double> formula)
    {
        double x = 0;
        for (var i = 0; i < Calls; i++) x = formula(x, i);
        return x;
    }
}
