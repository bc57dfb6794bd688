using System.Globalization;
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
public class KernelBenchmarks : KernelBenchmarksBase
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

    Compiled<Func<long, long>> diffOfSquares = null!, polynomial = null!, collatz = null!, sumLoop = null!;
    Compiled<Func<int, int>> fib = null!, countPrimes = null!;
    Compiled<Func<long, long, long>> gcd = null!;
    Compiled<Func<ulong, int, ulong>> xorShift = null!;

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

/// <summary>
/// The floating-point kernels, measured exactly like <see cref="KernelBenchmarks"/> (same jobs, same variants, same
/// Kernel_Variant names, which <see cref="Report"/> puts in the same table and chart) but in a class of their own,
/// and with one setup per kernel that only its MiniJit variants run: a kernel MiniJit cannot compile yet fails
/// alone, and RyuJIT's baselines (tier 1 and MinOpts) are measured whatever MiniJit does with doubles. Double
/// results are compared bit for bit: MiniJit must compute exactly what the CLR computes.
/// </summary>
[Config(typeof(KernelConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class FloatKernelBenchmarks : KernelBenchmarksBase
{
    // Inputs chosen so that one call takes roughly 10–100 µs on RyuJIT tier 1.
    const int MandelbrotWidth = 32, MandelbrotHeight = 24, MandelbrotIterations = 100;
    const int HornerN = 5_000;
    const double HornerStep = 1e-3;
    const int NewtonN = 1_000;
    const int TrapezoidN = 2_000;

    Compiled<Func<int, int, int, int>> mandelbrot = null!;
    Compiled<Func<int, double, double>> horner = null!;
    Compiled<Func<int, double>> newtonSqrt = null!, trapezoid = null!;

    [GlobalSetup(Targets = [nameof(Mandelbrot_MiniJitDelegate), nameof(Mandelbrot_MiniJitPointer), nameof(Mandelbrot_MiniJitUnoptimized)])]
    public void SetupMandelbrot()
    {
        mandelbrot = Compile<Func<int, int, int, int>>(Kernels.Mandelbrot);
        Check("Mandelbrot", Mandelbrot_Managed(), Mandelbrot_MiniJitDelegate(), Mandelbrot_MiniJitPointer(), Mandelbrot_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(Horner_MiniJitDelegate), nameof(Horner_MiniJitPointer), nameof(Horner_MiniJitUnoptimized)])]
    public void SetupHorner()
    {
        horner = Compile<Func<int, double, double>>(Kernels.Horner);
        Check("Horner", Horner_Managed(), Horner_MiniJitDelegate(), Horner_MiniJitPointer(), Horner_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(NewtonSqrt_MiniJitDelegate), nameof(NewtonSqrt_MiniJitPointer), nameof(NewtonSqrt_MiniJitUnoptimized)])]
    public void SetupNewtonSqrt()
    {
        newtonSqrt = Compile<Func<int, double>>(Kernels.NewtonSqrt);
        Check("NewtonSqrt", NewtonSqrt_Managed(), NewtonSqrt_MiniJitDelegate(), NewtonSqrt_MiniJitPointer(), NewtonSqrt_MiniJitUnoptimized());
    }

    [GlobalSetup(Targets = [nameof(Trapezoid_MiniJitDelegate), nameof(Trapezoid_MiniJitPointer), nameof(Trapezoid_MiniJitUnoptimized)])]
    public void SetupTrapezoid()
    {
        trapezoid = Compile<Func<int, double>>(Kernels.Trapezoid);
        Check("Trapezoid", Trapezoid_Managed(), Trapezoid_MiniJitDelegate(), Trapezoid_MiniJitPointer(), Trapezoid_MiniJitUnoptimized());
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Mandelbrot")] public int Mandelbrot_Managed() => Kernels.Mandelbrot(MandelbrotWidth, MandelbrotHeight, MandelbrotIterations);
    [Benchmark, BenchmarkCategory("Mandelbrot")] public int Mandelbrot_MiniJitDelegate() => mandelbrot.Delegate(MandelbrotWidth, MandelbrotHeight, MandelbrotIterations);
    [Benchmark, BenchmarkCategory("Mandelbrot")] public int Mandelbrot_MiniJitPointer() => (int)NativeCall.Invoke(mandelbrot.EntryStub, MandelbrotWidth, MandelbrotHeight, MandelbrotIterations);
    [Benchmark, BenchmarkCategory("Mandelbrot")] public int Mandelbrot_MiniJitUnoptimized() => mandelbrot.Unoptimized(MandelbrotWidth, MandelbrotHeight, MandelbrotIterations);

    [Benchmark(Baseline = true), BenchmarkCategory("Horner")] public double Horner_Managed() => Kernels.Horner(HornerN, HornerStep);
    [Benchmark, BenchmarkCategory("Horner")] public double Horner_MiniJitDelegate() => horner.Delegate(HornerN, HornerStep);
    [Benchmark, BenchmarkCategory("Horner")] public double Horner_MiniJitPointer() => NativeCall.InvokeDouble(horner.EntryStub, HornerN, NativeCall.Slot(HornerStep));
    [Benchmark, BenchmarkCategory("Horner")] public double Horner_MiniJitUnoptimized() => horner.Unoptimized(HornerN, HornerStep);

    [Benchmark(Baseline = true), BenchmarkCategory("NewtonSqrt")] public double NewtonSqrt_Managed() => Kernels.NewtonSqrt(NewtonN);
    [Benchmark, BenchmarkCategory("NewtonSqrt")] public double NewtonSqrt_MiniJitDelegate() => newtonSqrt.Delegate(NewtonN);
    [Benchmark, BenchmarkCategory("NewtonSqrt")] public double NewtonSqrt_MiniJitPointer() => NativeCall.InvokeDouble(newtonSqrt.EntryStub, NewtonN);
    [Benchmark, BenchmarkCategory("NewtonSqrt")] public double NewtonSqrt_MiniJitUnoptimized() => newtonSqrt.Unoptimized(NewtonN);

    [Benchmark(Baseline = true), BenchmarkCategory("Trapezoid")] public double Trapezoid_Managed() => Kernels.Trapezoid(TrapezoidN);
    [Benchmark, BenchmarkCategory("Trapezoid")] public double Trapezoid_MiniJitDelegate() => trapezoid.Delegate(TrapezoidN);
    [Benchmark, BenchmarkCategory("Trapezoid")] public double Trapezoid_MiniJitPointer() => NativeCall.InvokeDouble(trapezoid.EntryStub, TrapezoidN);
    [Benchmark, BenchmarkCategory("Trapezoid")] public double Trapezoid_MiniJitUnoptimized() => trapezoid.Unoptimized(TrapezoidN);
}

/// <summary>What the kernel classes share: a kernel compiled every way MiniJit runs it, and the check that every
/// MiniJit variant agrees with RyuJIT before anything is measured.</summary>
public abstract class KernelBenchmarksBase
{
    static readonly JitOptions Unoptimized = new() { Optimize = false };

    /// <summary>A kernel compiled by MiniJit twice (optimized and not), with the optimized code's entry stub.</summary>
    protected sealed record Compiled<T>(T Delegate, nint EntryStub, T Unoptimized) where T : Delegate;

    protected static Compiled<T> Compile<T>(T method) where T : Delegate
    {
        var optimized = Jit.Compile(method);
        return new(optimized, Jit.CodeOf(optimized).EntryStub, Jit.Compile(method, Unoptimized));
    }

    protected static void Check<T>(string kernel, T expected, params T[] actual) where T : IEquatable<T>
    {
        if (actual.Any(a => !a.Equals(expected)))
            throw new InvalidOperationException($"{kernel}: MiniJit computed {string.Join(" / ", actual)} (delegate / pointer / unoptimized), RyuJIT {expected}");
    }

    /// <summary>Bit for bit: double's Equals would take 0.0 for -0.0 and any NaN for any other.</summary>
    protected static void Check(string kernel, double expected, params double[] actual)
    {
        static string Show(double value) => $"{value.ToString("R", CultureInfo.InvariantCulture)} (0x{BitConverter.DoubleToInt64Bits(value):X16})";
        if (actual.Any(a => BitConverter.DoubleToInt64Bits(a) != BitConverter.DoubleToInt64Bits(expected)))
            throw new InvalidOperationException($"{kernel}: MiniJit computed {string.Join(" / ", actual.Select(Show))} (delegate / pointer / unoptimized), RyuJIT {Show(expected)}");
    }
}
