using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MiniJit.Benchmarks;

/// <summary>
/// The struct kernels, measured like <see cref="MemoryKernelBenchmarks"/>: RyuJIT tier 1 (the baseline), RyuJIT
/// MinOpts, MiniJit's delegate and MiniJit with the optimizer off; every MiniJit variant must compute what RyuJIT
/// computes before anything is measured.
/// </summary>
[Config(typeof(KernelConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class StructKernelBenchmarks : KernelBenchmarksBase
{
    const int GridSize = 32, ValueCount = 10_000;

    readonly double[] values = [.. Enumerable.Range(0, ValueCount).Select(i => Math.Sin(i) * 10)];

    Compiled<Func<int, int>> mandelbrotCode = null!;
    Compiled<Func<double[], double>> varianceCode = null!;

    [GlobalSetup(Targets = [nameof(ComplexMandelbrot_MiniJitDelegate), nameof(ComplexMandelbrot_MiniJitUnoptimized)])]
    public void SetupMandelbrot()
    {
        mandelbrotCode = Compile<Func<int, int>>(StructKernels.ComplexMandelbrot);
        Check("ComplexMandelbrot", ComplexMandelbrot_Managed(), ComplexMandelbrot_MiniJitDelegate(), ComplexMandelbrot_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(Variance_MiniJitDelegate), nameof(Variance_MiniJitUnoptimized)])]
    public void SetupVariance()
    {
        varianceCode = Compile<Func<double[], double>>(StructKernels.Variance);
        Check("Variance", Variance_Managed(), Variance_MiniJitDelegate(), Variance_MiniJitUnoptimized());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ComplexMandelbrot")] public int ComplexMandelbrot_Managed() => StructKernels.ComplexMandelbrot(GridSize);
    [Benchmark, BenchmarkCategory("ComplexMandelbrot")] public int ComplexMandelbrot_MiniJitDelegate() => mandelbrotCode.Delegate(GridSize);
    [Benchmark, BenchmarkCategory("ComplexMandelbrot")] public int ComplexMandelbrot_MiniJitUnoptimized() => mandelbrotCode.Unoptimized(GridSize);

    [Benchmark(Baseline = true), BenchmarkCategory("Variance")] public double Variance_Managed() => StructKernels.Variance(values);
    [Benchmark, BenchmarkCategory("Variance")] public double Variance_MiniJitDelegate() => varianceCode.Delegate(values);
    [Benchmark, BenchmarkCategory("Variance")] public double Variance_MiniJitUnoptimized() => varianceCode.Unoptimized(values);
}
