using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MiniJit.Benchmarks;

/// <summary>
/// Call overhead: a leaf (a, b) => a + b called in a loop, each call depending on the last, through every way of
/// reaching it; figures are per call. For context, the expression interpreter (what NativeAOT apps get from
/// Expression.Compile) runs the same leaf and the Gcd kernel. Method names are Group_Way; <see cref="Report"/> relies on that.
/// </summary>
[Config(typeof(SuiteConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class CallBenchmarks
{
    const int Calls = 1_000;

    // Bound to the NoInlining method: with a lambda, dynamic PGO inlines the delegate's target behind a guard and the
    // "call" costs 0.4 ns, which is no call at all.
    readonly Func<long, long, long> managedFunc = Add;
    Func<long, long, long> miniJit = null!, interpretedLeaf = null!, miniJitGcd = null!, interpretedGcd = null!;
    readonly Func<double, double, double> managedDoubleFunc = AddDoubles;
    Func<double, double, double> miniJitDoubles = null!;
    nint entryStub;
    CompiledCode pointerCode = null!;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static long Add(long a, long b) => a + b;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static double AddDoubles(double a, double b) => a + b;

    [GlobalSetup]
    public void Setup()
    {
        miniJit = Jit.Compile(managedFunc);
        entryStub = Jit.CodeOf(miniJit).EntryStub;
        pointerCode = Jit.CompilePointer(managedFunc);
        Expression<Func<long, long, long>> leaf = (a, b) => a + b;
        interpretedLeaf = leaf.Compile(preferInterpretation: true);
        miniJitGcd = Jit.Compile<Func<long, long, long>>(Kernels.Gcd);
        miniJitDoubles = Jit.Compile(managedDoubleFunc);
        if (LeafDouble_ManagedFunc() != LeafDouble_MiniJitDelegate())
            throw new InvalidOperationException("the double leaf disagrees");
        interpretedGcd = GcdExpression().Compile(preferInterpretation: true);

        long[] leaves = [Leaf_ManagedDirect(), Leaf_ManagedFunc(), Leaf_MiniJitDelegate(), Leaf_MiniJitPointer(), Leaf_MiniJitFunctionPointer(), Leaf_ExpressionInterpret()];
        long[] gcds = [Gcd_Managed(), Gcd_MiniJitDelegate(), Gcd_ExpressionInterpret()];
        if (leaves.Distinct().Count() != 1 || gcds.Distinct().Count() != 1)
            throw new InvalidOperationException($"results disagree: leaf {string.Join(", ", leaves)}; gcd {string.Join(", ", gcds)}");
    }

    /// <summary><see cref="Kernels.Gcd"/> as an expression tree.</summary>
    static Expression<Func<long, long, long>> GcdExpression()
    {
        var a = Expression.Parameter(typeof(long), "a");
        var b = Expression.Parameter(typeof(long), "b");
        var t = Expression.Variable(typeof(long), "t");
        var done = Expression.Label("done");
        var loop = Expression.Loop(
            Expression.IfThenElse(
                Expression.NotEqual(b, Expression.Constant(0L)),
                Expression.Block(Expression.Assign(t, Expression.Modulo(a, b)), Expression.Assign(a, b), Expression.Assign(b, t)),
                Expression.Break(done)),
            done);
        return Expression.Lambda<Func<long, long, long>>(Expression.Block([t], loop, a), a, b);
    }

    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Leaf")]
    public long Leaf_ManagedDirect()
    {
        long sum = 0;
        for (var i = 0; i < Calls; i++) sum = Add(sum, i);
        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls), BenchmarkCategory("Leaf")]
    public long Leaf_ManagedFunc()
    {
        var f = managedFunc;
        long sum = 0;
        for (var i = 0; i < Calls; i++) sum = f(sum, i);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Leaf")]
    public long Leaf_MiniJitDelegate()
    {
        var f = miniJit;
        long sum = 0;
        for (var i = 0; i < Calls; i++) sum = f(sum, i);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Leaf")]
    public long Leaf_MiniJitPointer()
    {
        var entry = entryStub;
        long sum = 0;
        for (var i = 0; i < Calls; i++) sum = NativeCall.Invoke(entry, sum, i);
        return sum;
    }

    /// <summary>The code's direct entry through a typed unmanaged function pointer (<see cref="Jit.CompilePointer"/>): no
    /// delegate, no thunk, no frame, no GC transition.</summary>
    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Leaf")]
    public unsafe long Leaf_MiniJitFunctionPointer()
    {
        var f = (delegate* unmanaged[SuppressGCTransition]<long, long, long>)pointerCode.DirectEntry;
        long sum = 0;
        for (var i = 0; i < Calls; i++) sum = f(sum, i);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("Leaf")]
    public long Leaf_ExpressionInterpret()
    {
        var f = interpretedLeaf;
        long sum = 0;
        for (var i = 0; i < Calls; i++) sum = f(sum, i);
        return sum;
    }

    /// <summary>Doubles cross the delegate boundary as the bits of the thunk's argument slots and come back in
    /// xmm0 through the frame: this measures what that costs against a managed delegate.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Calls), BenchmarkCategory("LeafDouble")]
    public double LeafDouble_ManagedFunc()
    {
        var f = managedDoubleFunc;
        double sum = 0;
        for (var i = 0; i < Calls; i++) sum = f(sum, i);
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Calls), BenchmarkCategory("LeafDouble")]
    public double LeafDouble_MiniJitDelegate()
    {
        var f = miniJitDoubles;
        double sum = 0;
        for (var i = 0; i < Calls; i++) sum = f(sum, i);
        return sum;
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Gcd")] public long Gcd_Managed() => Kernels.Gcd(Kernels.GcdWorstA, Kernels.GcdWorstB);
    [Benchmark, BenchmarkCategory("Gcd")] public long Gcd_MiniJitDelegate() => miniJitGcd(Kernels.GcdWorstA, Kernels.GcdWorstB);
    [Benchmark, BenchmarkCategory("Gcd")] public long Gcd_ExpressionInterpret() => interpretedGcd(Kernels.GcdWorstA, Kernels.GcdWorstB);
}
