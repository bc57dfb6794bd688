using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MiniJit.Benchmarks;

/// <summary>
/// The memory kernels (arrays and spans), measured like <see cref="KernelBenchmarks"/>: RyuJIT tier 1 (the baseline),
/// RyuJIT MinOpts, MiniJit's delegate and MiniJit with the optimizer off. There is no raw-pointer column: an array
/// crosses into compiled code only through a thunk, which pins it. Each kernel has its own setup, and every MiniJit
/// variant must compute what RyuJIT computes before anything is measured.
/// </summary>
[Config(typeof(KernelConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class MemoryKernelBenchmarks : KernelBenchmarksBase
{
    // Inputs chosen so that one call takes roughly 10–200 µs on RyuJIT tier 1.
    const int SieveLength = 100_000, MatrixSize = 32, DotLength = 10_000, BytesLength = 20_000;

    readonly bool[] sieve = new bool[SieveLength];
    readonly int[] a = Matrix(1), b = Matrix(2), c = new int[MatrixSize * MatrixSize];
    readonly double[] x = Vector(3), y = Vector(4);
    readonly byte[] bytes = Bytes(5);
    readonly int[] counts = new int[256];

    static int[] Matrix(int seed) { var random = new Random(seed); return [.. Enumerable.Range(0, MatrixSize * MatrixSize).Select(_ => random.Next(-100, 100))]; }
    static double[] Vector(int seed) { var random = new Random(seed); return [.. Enumerable.Range(0, DotLength).Select(_ => random.NextDouble() - 0.5)]; }
    static byte[] Bytes(int seed) { var bytes = new byte[BytesLength]; new Random(seed).NextBytes(bytes); return bytes; }

    Compiled<Func<bool[], int>> sieveCode = null!;
    Compiled<Action<int[], int[], int[], int>> matMulCode = null!;
    Compiled<Func<double[], double[], double>> dotCode = null!;
    Compiled<MemoryKernels.Checksum> adlerCode = null!;
    Compiled<Action<byte[], int[]>> histogramCode = null!;

    [GlobalSetup(Targets = [nameof(Sieve_MiniJitDelegate), nameof(Sieve_MiniJitUnoptimized)])]
    public void SetupSieve()
    {
        sieveCode = Compile<Func<bool[], int>>(MemoryKernels.Sieve);
        Check("Sieve", Sieve_Managed(), Sieve_MiniJitDelegate(), Sieve_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(MatMul_MiniJitDelegate), nameof(MatMul_MiniJitUnoptimized)])]
    public void SetupMatMul()
    {
        matMulCode = Compile<Action<int[], int[], int[], int>>(MemoryKernels.MatMul);
        Check("MatMul", MatMul_Managed(), MatMul_MiniJitDelegate(), MatMul_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(Dot_MiniJitDelegate), nameof(Dot_MiniJitUnoptimized)])]
    public void SetupDot()
    {
        dotCode = Compile<Func<double[], double[], double>>(MemoryKernels.Dot);
        Check("Dot", Dot_Managed(), Dot_MiniJitDelegate(), Dot_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(Adler32_MiniJitDelegate), nameof(Adler32_MiniJitUnoptimized)])]
    public void SetupAdler32()
    {
        adlerCode = Compile<MemoryKernels.Checksum>(MemoryKernels.Adler32);
        Check("Adler32", Adler32_Managed(), Adler32_MiniJitDelegate(), Adler32_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(Histogram_MiniJitDelegate), nameof(Histogram_MiniJitUnoptimized)])]
    public void SetupHistogram()
    {
        histogramCode = Compile<Action<byte[], int[]>>(MemoryKernels.Histogram);
        Check("Histogram", Histogram_Managed(), Histogram_MiniJitDelegate(), Histogram_MiniJitUnoptimized());
    }

    // The sieve marks its array, so each call starts from a cleared one (the clearing is part of every variant).
    [Benchmark(Baseline = true), BenchmarkCategory("Sieve")] public int Sieve_Managed() { Array.Clear(sieve); return MemoryKernels.Sieve(sieve); }
    [Benchmark, BenchmarkCategory("Sieve")] public int Sieve_MiniJitDelegate() { Array.Clear(sieve); return sieveCode.Delegate(sieve); }
    [Benchmark, BenchmarkCategory("Sieve")] public int Sieve_MiniJitUnoptimized() { Array.Clear(sieve); return sieveCode.Unoptimized(sieve); }

    // The matrix kernels return a checksum of c, so that the check compares results.
    [Benchmark(Baseline = true), BenchmarkCategory("MatMul")] public long MatMul_Managed() { MemoryKernels.MatMul(a, b, c, MatrixSize); return Checksum(c); }
    [Benchmark, BenchmarkCategory("MatMul")] public long MatMul_MiniJitDelegate() { matMulCode.Delegate(a, b, c, MatrixSize); return Checksum(c); }
    [Benchmark, BenchmarkCategory("MatMul")] public long MatMul_MiniJitUnoptimized() { matMulCode.Unoptimized(a, b, c, MatrixSize); return Checksum(c); }

    [Benchmark(Baseline = true), BenchmarkCategory("Dot")] public double Dot_Managed() => MemoryKernels.Dot(x, y);
    [Benchmark, BenchmarkCategory("Dot")] public double Dot_MiniJitDelegate() => dotCode.Delegate(x, y);
    [Benchmark, BenchmarkCategory("Dot")] public double Dot_MiniJitUnoptimized() => dotCode.Unoptimized(x, y);

    [Benchmark(Baseline = true), BenchmarkCategory("Adler32")] public uint Adler32_Managed() => MemoryKernels.Adler32(bytes);
    [Benchmark, BenchmarkCategory("Adler32")] public uint Adler32_MiniJitDelegate() => adlerCode.Delegate(bytes);
    [Benchmark, BenchmarkCategory("Adler32")] public uint Adler32_MiniJitUnoptimized() => adlerCode.Unoptimized(bytes);

    [Benchmark(Baseline = true), BenchmarkCategory("Histogram")] public long Histogram_Managed() { Array.Clear(counts); MemoryKernels.Histogram(bytes, counts); return Checksum(counts); }
    [Benchmark, BenchmarkCategory("Histogram")] public long Histogram_MiniJitDelegate() { Array.Clear(counts); histogramCode.Delegate(bytes, counts); return Checksum(counts); }
    [Benchmark, BenchmarkCategory("Histogram")] public long Histogram_MiniJitUnoptimized() { Array.Clear(counts); histogramCode.Unoptimized(bytes, counts); return Checksum(counts); }

    static long Checksum(int[] values)
    {
        long sum = 0;
        for (int i = 0; i < values.Length; i++) sum = sum * 31 + values[i];
        return sum;
    }
}
