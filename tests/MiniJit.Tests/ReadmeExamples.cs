namespace MiniJit.Tests;

/// <summary>The examples README.md shows, exactly as written there, compiled and compared with the CLR — so the
/// README cannot promise what MiniJit does not do.</summary>
public class ReadmeExamples
{
    static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    static long Gcd(long a, long b) { while (b != 0) (a, b) = (b, a % b); return a; }

    static int CollatzSteps(long n)
    {
        if (n < 1) return -1;
        int steps = 0;
        while (n != 1) { n = (n & 1) == 0 ? n / 2 : 3 * n + 1; steps++; }
        return steps;
    }

    static bool IsEven(uint n) => n == 0 || IsOdd(n - 1);
    static bool IsOdd(uint n) => n != 0 && IsEven(n - 1);

    static int State(int input) => input switch { 0 => 10, 1 => 20, 2 => 30, 3 => 5, _ => -1 };

    [Fact]
    public void The_opening_example_returns_5()
    {
        var foo = Jit.Compile<Func<long, long, long>>((a, b) => a * a - b * b);
        Assert.Equal(5, foo(3, 2));
        Assert.Contains("imul", Jit.Disassemble(foo));
    }

    [Fact]
    public void The_examples_of_what_compiles_match_the_clr()
    {
        var fib = Jit.Compile<Func<long, long>>(Fib);
        var gcd = Jit.Compile<Func<long, long, long>>(Gcd);
        var collatz = Jit.Compile<Func<long, int>>(CollatzSteps);
        var isEven = Jit.Compile<Func<uint, bool>>(IsEven);
        var state = Jit.Compile<Func<int, int>>(State);
        for (long n = -3; n <= 25; n++) Assert.Equal(Fib(n), fib(n));
        foreach (var (a, b) in new[] { (0L, 0L), (12L, 18L), (-12L, 18L), (1071L, 462L), (long.MaxValue, 6L), (7L, 0L) })
            Assert.Equal(Gcd(a, b), gcd(a, b));
        foreach (var n in new[] { -5L, 0, 1, 2, 3, 27, 97, 871, 1_000_000_007 }) Assert.Equal(CollatzSteps(n), collatz(n));
        for (uint n = 0; n < 200; n++) Assert.Equal(IsEven(n), isEven(n));
        for (int i = -3; i < 7; i++) Assert.Equal(State(i), state(i));
    }
}
