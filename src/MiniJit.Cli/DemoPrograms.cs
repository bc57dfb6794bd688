namespace MiniJit.Cli;

/// <summary>The built-in examples that <c>minijit demo jit</c> and <c>minijit explain --demo</c> compile: the
/// seed's straight-line <c>foo</c>, a recursive call, a loop, and a loop over doubles (xmm registers, the constant
/// pool), so that every stage has something to show.</summary>
public static class DemoPrograms
{
    /// <summary>The C# text of <see cref="Foo"/>, for the demo to show what it compiles.</summary>
    public const string FooSource = "static long Foo(long a, long b) => a * a - b * b;";

    public static long Foo(long a, long b) => a * a - b * b;

    public static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    public static long SumTo(long n)
    {
        long sum = 0;
        for (long i = 1; i <= n; i++) sum += i;
        return sum;
    }

    /// <summary>The C# text of <see cref="SumOfSquares"/>.</summary>
    public const string SumOfSquaresSource = "[Jit] static long SumOfSquares(long n) { long s = 0; for (long i = 1; i <= n; i++) s += i * i; return s; }";

    /// <summary>The decorator as C# writes it: the [Jit] generator redirects <c>minijit demo jit</c>'s calls of it to
    /// a stub that compiles it on the first call.</summary>
    [Jit]
    public static long SumOfSquares(long n)
    {
        long s = 0;
        for (long i = 1; i <= n; i++) s += i * i;
        return s;
    }

    /// <summary>Newton's method for the square root.</summary>
    public static double NewtonSqrt(double a)
    {
        double x = a > 1 ? a : 1;
        for (int i = 0; i < 30; i++) x = 0.5 * (x + a / x);
        return x;
    }
}
