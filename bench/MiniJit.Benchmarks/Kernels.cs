namespace MiniJit.Benchmarks;

/// <summary>
/// The kernel suite of performance-targets.md that MiniJit can compile today, as plain C# static methods: RyuJIT and
/// MiniJit compile exactly these bodies. Kernels whose natural form is a single tiny expression (a*a - b*b, the
/// polynomial) run it over a range of inputs inside the method, so that one call does microseconds of work and the
/// figure measures the code, not the cost of crossing into it (that is <see cref="CallBenchmarks"/>'s job).
/// The floating-point kernels (Mandelbrot, Horner, NewtonSqrt, Trapezoid) are measured by
/// <see cref="FloatKernelBenchmarks"/>, so that while MiniJit refuses doubles only they fail.
/// </summary>
public static class Kernels
{
    /// <summary>Σ a*a - b*b over a = i, b = n - i.</summary>
    public static long DiffOfSquares(long n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++)
        {
            var a = i;
            var b = n - i;
            sum += a * a - b * b;
        }
        return sum;
    }

    /// <summary>Σ p(x) for x in [0, n), p of degree 8 evaluated by Horner's rule (wrapping on overflow).</summary>
    public static long Polynomial(long n)
    {
        long sum = 0;
        for (long x = 0; x < n; x++)
            sum += (((((((3 * x - 7) * x + 11) * x - 13) * x + 17) * x - 19) * x + 23) * x - 29) * x + 31;
        return sum;
    }

    public static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    /// <summary>F(91) and F(90): consecutive Fibonacci numbers are Euclid's worst case, one step per index.</summary>
    public const long GcdWorstA = 4_660_046_610_375_530_309, GcdWorstB = 2_880_067_194_370_816_120;

    /// <summary>Euclid with %.</summary>
    public static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            var t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /// <summary>Total Collatz steps to reach 1 from every start in [1, limit).</summary>
    public static long Collatz(long limit)
    {
        long steps = 0;
        for (long start = 1; start < limit; start++)
        {
            var n = start;
            while (n != 1)
            {
                n = (n & 1) == 0 ? n >> 1 : 3 * n + 1;
                steps++;
            }
        }
        return steps;
    }

    /// <summary>Primes below <paramref name="limit"/>, by trial division.</summary>
    public static int CountPrimes(int limit)
    {
        var count = 0;
        for (var n = 2; n < limit; n++)
        {
            var prime = true;
            for (var d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }
            if (prime) count++;
        }
        return count;
    }

    public static long SumLoop(long n)
    {
        long sum = 0;
        for (long i = 0; i < n; i++) sum += i;
        return sum;
    }

    /// <summary>The state of Marsaglia's xorshift64 generator after <paramref name="steps"/> steps.</summary>
    public static ulong XorShift(ulong seed, int steps)
    {
        var x = seed;
        for (var i = 0; i < steps; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        return x;
    }

    /// <summary>
    /// Total escape-time iterations over a <paramref name="width"/> × <paramref name="height"/> grid of points c of
    /// [-2, 1] × [-1.2, 1.2]: z ← z² + c from z = 0 until |z|² &gt; 4 or <paramref name="maxIterations"/> steps.
    /// </summary>
    public static int Mandelbrot(int width, int height, int maxIterations)
    {
        var total = 0;
        for (var py = 0; py < height; py++)
        {
            var ci = -1.2 + 2.4 * py / height;
            for (var px = 0; px < width; px++)
            {
                var cr = -2.0 + 3.0 * px / width;
                double zr = 0, zi = 0;
                var iterations = 0;
                while (iterations < maxIterations)
                {
                    var zr2 = zr * zr;
                    var zi2 = zi * zi;
                    if (zr2 + zi2 > 4.0) break;
                    zi = 2.0 * zr * zi + ci;
                    zr = zr2 - zi2 + cr;
                    iterations++;
                }
                total += iterations;
            }
        }
        return total;
    }

    /// <summary>Σ p(x) for x = i * <paramref name="step"/>, i in [0, n), p of degree 8 evaluated by Horner's rule.</summary>
    public static double Horner(int n, double step)
    {
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            var x = i * step;
            sum += (((((((0.5 * x - 1.25) * x + 2.0) * x - 0.75) * x + 3.5) * x - 1.5) * x + 0.25) * x - 2.0) * x + 1.0;
        }
        return sum;
    }

    /// <summary>Σ √a for a in [1, n], each by Newton's method from x = a until |x² - a| ≤ 10⁻¹² a.</summary>
    public static double NewtonSqrt(int n)
    {
        var sum = 0.0;
        for (var i = 1; i <= n; i++)
        {
            double a = i;
            var x = a;
            while (true)
            {
                var error = x * x - a;
                if (error < 0) error = -error;
                if (error <= 1e-12 * a) break;
                x = 0.5 * (x + a / x);
            }
            sum += x;
        }
        return sum;
    }

    /// <summary>∫ sin over [0, π] (exactly 2) by the trapezoid rule with <paramref name="n"/> intervals.</summary>
    public static double Trapezoid(int n)
    {
        double a = 0, b = Math.PI;
        var h = (b - a) / n;
        var sum = 0.5 * (Math.Sin(a) + Math.Sin(b));
        for (var i = 1; i < n; i++)
            sum += Math.Sin(a + i * h);
        return sum * h;
    }
}
