using MiniJit;

namespace MiniJit.PackageTests;

/// <summary>The [Jit] methods the tests call. Each test uses its own methods where it watches compiles or fallbacks,
/// so that tests running in parallel do not see each other's first calls.</summary>
static class Kernels
{
    [Jit]
    public static long SumSquares(long n)
    {
        long s = 0;
        for (long i = 1; i <= n; i++) s += i * i;
        return s;
    }

    [Jit]
    public static int Collatz(long n)
    {
        int steps = 0;
        while (n > 1) { n = (n & 1) == 0 ? n / 2 : 3 * n + 1; steps++; }
        return steps;
    }

    [Jit]
    public static double Horner(double x, double a, double b, double c) => ((a * x + b) * x + c) * x - 1.5;

    [Jit]
    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    [Jit]
    public static long SumSpan(ReadOnlySpan<int> values)
    {
        long s = 0;
        foreach (int v in values) s += v;
        return s;
    }

    [Jit]
    public static void MinMax(long a, long b, out long min, out long max)
    {
        min = Math.Min(a, b);
        max = Math.Max(a, b);
    }

    [Jit]
    public static int Divide(int a, int b) => a / b;

    [Jit]
    public static long Checked(long a, long b) => checked(a * b);

    /// <summary>Recursive: its own calls are redirected to its stub too, and MiniJit compiles them as calls to itself.</summary>
    [Jit(Optimize = false)]
    public static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    /// <summary>Calls a plain helper that calls a [Jit] method: the helper's call goes to a stub as well.</summary>
    [Jit]
    public static long ThroughHelper(long x) => Helper(x) + 1;

    static long Helper(long x) => Squared(x) * 2;

    [Jit]
    public static long Squared(long x) => x * x;

    /// <summary>Private: the stub finds it by reflection.</summary>
    [Jit]
    static long Hidden(long x) => x * 7 - 3;

    public static long CallHidden(long x) => Hidden(x);

    [Jit(Tiered = true)]
    public static long Tiered(long x) => x * 3 + 1;

    [Jit]
    public static long FirstCallRace(long x) => x ^ 0x5555;

#pragma warning disable MJIT004 // MiniJit refuses strings: these two run managed, which is what their tests check
    [Jit]
    public static int FallsBack(int n) => "four".Length + n;

    [Jit(ThrowOnFallback = true)]
    public static int Throws(int n) => "three".Length + n;
#pragma warning restore MJIT004
}
