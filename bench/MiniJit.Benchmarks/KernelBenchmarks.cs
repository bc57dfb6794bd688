using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace MiniJit.Benchmarks;

/// <summary>
/// Code speed: each kernel run by RyuJIT tier 1 (the baseline), RyuJIT MinOpts (a second job, see
/// <see cref="KernelConfig"/>), MiniJit through its delegate, MiniJit through a raw pointer to its entry stub, and
/// MiniJit with the optimizer off. Method names are Kernel_Variant; <see cref="Report"/> relies on that.
/// </summary>
[Config(typeof(KernelConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class KernelBenchmarks
{
    // Inputs chosen so that one call takes roughly 1–100 µs on RyuJIT tier 1.
    const long DiffOfSquaresN = 20_000;
    const long PolynomialN = 5_000;
    const int FibN = 20;
    const long CollatzLimit = 1_000;
    const int PrimesLimit = 2_000;
    const long SumN = 50_000;
    const ulong XorShiftSeed = 88_172_645_463_325_252;
    const int XorShiftSteps = 20_000;

    static readonly JitOptions Unoptimized = new() { Optimize = false };

    Compiled<Func<long, long>> diffOfSquares = null!, polynomial = null!, collatz = null!, sumLoop = null!;
    Compiled<Func<int, int>> fib = null!, countPrimes = null!;
    Compiled<Func<long, long, long>> gcd = null!;
    Compiled<Func<ulong, int, ulong>> xorShift = null!;

    /// <summary>A kernel compiled by MiniJit twice (optimized and not), with the optimized code's entry stub.</summary>
    sealed record Compiled<T>(T Delegate, nint EntryStub, T Unoptimized) where T : Delegate;

    static Compiled<T> Compile<T>(T method) where T : Delegate
    {
        var optimized = Jit.Compile(method);
        return new(optimized, Jit.CodeOf(optimized).EntryStub, Jit.Compile(method, Unoptimized));
    }

    [GlobalSetup]
    public void Setup()
    {
        diffOfSquares = Compile<Func<long, long>>(Kernels.DiffOfSquares);
        polynomial = Compile<Func<long, long>>(Kernels.Polynomial);
        fib = Compile<Func<int, int>>(Kernels.Fib);
        gcd = Compile<Func<long, long, long>>(Kernels.Gcd);
        collatz = Compile<Func<long, long>>(Kernels.Collatz);
        countPrimes = Compile<Func<int, int>>(Kernels.CountPrimes);
        sumLoop = Compile<Func<long, long>>(Kernels.SumLoop);
        xorShift = Compile<Func<ulong, int, ulong>>(Kernels.XorShift);

        // A benchmark of wrong code is worthless: every MiniJit variant must agree with RyuJIT before anything runs.
        Check("DiffOfSquares", DiffOfSquares_Managed(), DiffOfSquares_MiniJitDelegate(), DiffOfSquares_MiniJitPointer(), DiffOfSquares_MiniJitUnoptimized());
        Check("Polynomial", Polynomial_Managed(), Polynomial_MiniJitDelegate(), Polynomial_MiniJitPointer(), Polynomial_MiniJitUnoptimized());
        Check("Fib", Fib_Managed(), Fib_MiniJitDelegate(), Fib_MiniJitPointer(), Fib_MiniJitUnoptimized());
        Check("Gcd", Gcd_Managed(), Gcd_MiniJitDelegate(), Gcd_MiniJitPointer(), Gcd_MiniJitUnoptimized());
        Check("Collatz", Collatz_Managed(), Collatz_MiniJitDelegate(), Collatz_MiniJitPointer(), Collatz_MiniJitUnoptimized());
        Check("CountPrimes", CountPrimes_Managed(), CountPrimes_MiniJitDelegate(), CountPrimes_MiniJitPointer(), CountPrimes_MiniJitUnoptimized());
        Check("SumLoop", SumLoop_Managed(), SumLoop_MiniJitDelegate(), SumLoop_MiniJitPointer(), SumLoop_MiniJitUnoptimized());
        Check("XorShift", XorShift_Managed(), XorShift_MiniJitDelegate(), XorShift_MiniJitPointer(), XorShift_MiniJitUnoptimized());
    }

    static void Check<T>(string kernel, T expected, params T[] actual) where T : IEquatable<T>
    {
        if (actual.Any(a => !a.Equals(expected)))
            throw new InvalidOperationException($"{kernel}: MiniJit computed {string.Join(" / ", actual)} (delegate / pointer / unoptimized), RyuJIT {expected}");
    }

    [Benchmark(Baseline = true), BenchmarkCategory("DiffOfSquares")] public long DiffOfSquares_Managed() => Kernels.DiffOfSquares(DiffOfSquaresN);
    [Benchmark, BenchmarkCategory("DiffOfSquares")] public long DiffOfSquares_MiniJitDelegate() => diffOfSquares.Delegate(DiffOfSquaresN);
    [Benchmark, BenchmarkCategory("DiffOfSquares")] public long DiffOfSquares_MiniJitPointer() => NativeCall.Invoke(diffOfSquares.EntryStub, DiffOfSquaresN);
    [Benchmark, BenchmarkCategory("DiffOfSquares")] public long DiffOfSquares_MiniJitUnoptimized() => diffOfSquares.Unoptimized(DiffOfSquaresN);

    [Benchmark(Baseline = true), BenchmarkCategory("Polynomial")] public long Polynomial_Managed() => Kernels.Polynomial(PolynomialN);
    [Benchmark, BenchmarkCategory("Polynomial")] public long Polynomial_MiniJitDelegate() => polynomial.Delegate(PolynomialN);
    [Benchmark, BenchmarkCategory("Polynomial")] public long Polynomial_MiniJitPointer() => NativeCall.Invoke(polynomial.EntryStub, PolynomialN);
    [Benchmark, BenchmarkCategory("Polynomial")] public long Polynomial_MiniJitUnoptimized() => polynomial.Unoptimized(PolynomialN);

    [Benchmark(Baseline = true), BenchmarkCategory("Fib")] public int Fib_Managed() => Kernels.Fib(FibN);
    [Benchmark, BenchmarkCategory("Fib")] public int Fib_MiniJitDelegate() => fib.Delegate(FibN);
    [Benchmark, BenchmarkCategory("Fib")] public int Fib_MiniJitPointer() => (int)NativeCall.Invoke(fib.EntryStub, FibN);
    [Benchmark, BenchmarkCategory("Fib")] public int Fib_MiniJitUnoptimized() => fib.Unoptimized(FibN);

    [Benchmark(Baseline = true), BenchmarkCategory("Gcd")] public long Gcd_Managed() => Kernels.Gcd(Kernels.GcdWorstA, Kernels.GcdWorstB);
    [Benchmark, BenchmarkCategory("Gcd")] public long Gcd_MiniJitDelegate() => gcd.Delegate(Kernels.GcdWorstA, Kernels.GcdWorstB);
    [Benchmark, BenchmarkCategory("Gcd")] public long Gcd_MiniJitPointer() => NativeCall.Invoke(gcd.EntryStub, Kernels.GcdWorstA, Kernels.GcdWorstB);
    [Benchmark, BenchmarkCategory("Gcd")] public long Gcd_MiniJitUnoptimized() => gcd.Unoptimized(Kernels.GcdWorstA, Kernels.GcdWorstB);

    [Benchmark(Baseline = true), BenchmarkCategory("Collatz")] public long Collatz_Managed() => Kernels.Collatz(CollatzLimit);
    [Benchmark, BenchmarkCategory("Collatz")] public long Collatz_MiniJitDelegate() => collatz.Delegate(CollatzLimit);
    [Benchmark, BenchmarkCategory("Collatz")] public long Collatz_MiniJitPointer() => NativeCall.Invoke(collatz.EntryStub, CollatzLimit);
    [Benchmark, BenchmarkCategory("Collatz")] public long Collatz_MiniJitUnoptimized() => collatz.Unoptimized(CollatzLimit);

    [Benchmark(Baseline = true), BenchmarkCategory("CountPrimes")] public int CountPrimes_Managed() => Kernels.CountPrimes(PrimesLimit);
    [Benchmark, BenchmarkCategory("CountPrimes")] public int CountPrimes_MiniJitDelegate() => countPrimes.Delegate(PrimesLimit);
    [Benchmark, BenchmarkCategory("CountPrimes")] public int CountPrimes_MiniJitPointer() => (int)NativeCall.Invoke(countPrimes.EntryStub, PrimesLimit);
    [Benchmark, BenchmarkCategory("CountPrimes")] public int CountPrimes_MiniJitUnoptimized() => countPrimes.Unoptimized(PrimesLimit);

    [Benchmark(Baseline = true), BenchmarkCategory("SumLoop")] public long SumLoop_Managed() => Kernels.SumLoop(SumN);
    [Benchmark, BenchmarkCategory("SumLoop")] public long SumLoop_MiniJitDelegate() => sumLoop.Delegate(SumN);
    [Benchmark, BenchmarkCategory("SumLoop")] public long SumLoop_MiniJitPointer() => NativeCall.Invoke(sumLoop.EntryStub, SumN);
    [Benchmark, BenchmarkCategory("SumLoop")] public long SumLoop_MiniJitUnoptimized() => sumLoop.Unoptimized(SumN);

    [Benchmark(Baseline = true), BenchmarkCategory("XorShift")] public ulong XorShift_Managed() => Kernels.XorShift(XorShiftSeed, XorShiftSteps);
    [Benchmark, BenchmarkCategory("XorShift")] public ulong XorShift_MiniJitDelegate() => xorShift.Delegate(XorShiftSeed, XorShiftSteps);
    [Benchmark, BenchmarkCategory("XorShift")] public ulong XorShift_MiniJitPointer() => (ulong)NativeCall.Invoke(xorShift.EntryStub, (long)XorShiftSeed, XorShiftSteps);
    [Benchmark, BenchmarkCategory("XorShift")] public ulong XorShift_MiniJitUnoptimized() => xorShift.Unoptimized(XorShiftSeed, XorShiftSteps);
}
