using System.Reflection;

namespace MiniJit.Tests.ClrParity;

/// <summary>
/// Shrink-wrapping: a base case that returns before any call runs with no frame, and the prologue starts the calling
/// side. These recursive methods put every shape of it against the CLR: a base case that can throw (from code with no
/// frame yet), one with a loop, floating point, several parameters, a nested branch, and recursion deep enough that
/// the stack guard, now on the calling side only, must still stop it.
/// </summary>
public class ShrinkWrappingTests
{
    static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    static long BaseCaseDivides(long n, long d) => n < 3 ? 1000 / d + n : BaseCaseDivides(n - 1, d) + n % 7;

    static long BaseCaseLoops(long n)
    {
        if (n < 10)
        {
            long sum = 0;
            for (long i = 0; i < n; i++) sum += i * i;
            return sum;
        }
        return BaseCaseLoops(n / 2) + BaseCaseLoops(n - 10) + 1;
    }

    static double Halving(double x, long n) => n <= 0 ? x * 0.5 : Halving(x + 1.5, n - 1) * 0.25 + x;

    static long FiveArguments(long a, long b, long c, long d, long e) => a <= 0 ? b - c + d * e : FiveArguments(a - 1, c, d, e, b) ^ a;

    static long SevenArguments(long a, long b, long c, long d, long e, long f, long g) =>
        a <= 0 ? b - c + d * e - f + g : SevenArguments(a - 1, c, d, e, f, g, b) ^ a;

    static int Ackermann(int m, int n) => m == 0 ? n + 1 : n == 0 ? Ackermann(m - 1, 1) : Ackermann(m - 1, Ackermann(m, n - 1));

    static long Depth(long n) => n == 0 ? 0 : Depth(n - 1) + 1;

    static MethodInfo Method(string name) => typeof(ShrinkWrappingTests).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;

    [Theory]
    [InlineData(nameof(Fib), 0, 25)]
    [InlineData(nameof(BaseCaseDivides), -5, 40)]
    [InlineData(nameof(BaseCaseLoops), -3, 200)]
    [InlineData(nameof(Halving), -2, 30)]
    [InlineData(nameof(FiveArguments), -2, 30)]
    [InlineData(nameof(SevenArguments), -2, 30)]
    [InlineData(nameof(Depth), 0, 3000)]
    public void Recursive_methods_with_a_frameless_base_case_return_what_the_clr_returns(string name, long min, long max)
    {
        var method = Method(name);
        var first = Values.Bounded(min, max);
        var rest = method.GetParameters().Skip(1).Select(p => p.ParameterType == typeof(double) ? Values.Mixed : Values.Bounded(-3, 3));
        object?[] Smallest() => [.. method.GetParameters().Select((p, i) => Values.Convert(i == 0 ? min : 0, p.ParameterType))];
        Parity.Check(method, [Smallest()], Values.Vector([first, .. rest]), randomSamples: 40);
    }

    [Fact]
    public void Ackermann_agrees_with_the_clr()
    {
        var method = Method(nameof(Ackermann));
        Parity.Check(method, [[0, 0], [1, 5], [2, 3], [3, 3]], Values.Vector([Values.Bounded(0, 2), Values.Bounded(0, 6)]), randomSamples: 20);
    }

    [Fact]
    public void Fibonaccis_base_case_runs_before_the_stack_guard_and_the_pushes()
    {
        var fib = Jit.Compile<Func<long, long>>(Method(nameof(Fib)));
        var firstInstruction = Jit.Disassemble(fib).Split('\n').First(line => line.StartsWith("0x", StringComparison.Ordinal));
        Assert.Contains("cmp ", firstInstruction);
        Assert.Equal(6765, fib(20));
    }

    [Fact]
    public void Runaway_recursion_still_stops_at_the_stack_guard()
    {
        var depth = Jit.Compile<Func<long, long>>(Method(nameof(Depth)));
        Assert.Equal(1000, depth(1000));
        Assert.Throws<InsufficientExecutionStackException>(() => depth(100_000_000));
        Assert.Equal(2000, depth(2000));
    }
}
