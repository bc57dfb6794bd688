using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace MiniJit.Tests.ClrParity;

public static class ThrowHelperPrograms
{
    public static int Abs(int x) => Math.Abs(x);
    public static long AbsLong(long x) => Math.Abs(x);

    [DoesNotReturn]
    static void Fail(int code, DayOfWeek day, ulong wide) =>
        throw new ArgumentOutOfRangeException(nameof(code), code, $"bad {day} {wide}");

    [DoesNotReturn]
    static void FailWithMany(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j, int k, int l, int m, int n, int o, int p, int q) =>
        throw new InvalidOperationException($"{a + q}");

    public static int TooManyHelperArguments(int x)
    {
        if (x < 0) FailWithMany(x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x);
        return x;
    }

    [DoesNotReturn]
    static void FailWithFloats(double x, float y, int code) =>
        throw new ArgumentOutOfRangeException(nameof(x), x, $"{y:R} {code} {BitConverter.DoubleToInt64Bits(x):x16}");

    public static double FloatArguments(double x, float y)
    {
        if (!(x >= 0)) FailWithFloats(x * 2, y - 0.5f, 7);
        return x + y;
    }

    public static int Checked(int x, ulong y)
    {
        if (x < 0) Fail(x + 1, DayOfWeek.Friday, y);
        return x * 2;
    }

    /// <summary>A throw helper without [DoesNotReturn]: its body has no ret, only a throw.</summary>
    static long Unmarked(long value, bool wide) =>
        throw new ArgumentOutOfRangeException(nameof(value), value, wide ? "too wide" : "negative");

    public static long Halve(long x) => x >= 0 ? x / 2 : x < -1000 ? Unmarked(x, true) : Unmarked(x, false);

    [DoesNotReturn]
    static long Marked(long value) => throw new ArgumentOutOfRangeException(nameof(value), value, "marked");

    /// <summary>The block after each helper call (<c>br</c> to the join) is unreachable; importing it as if it were
    /// entered with an empty stack used to clash with the real path into the join.</summary>
    public static long HalveMarked(long x) => x >= 0 ? x / 2 : x < -1000 ? Marked(x) : Marked(-x);
}

/// <summary>Calls to methods that never return ([DoesNotReturn] throw helpers) end the compiled code; the helper then
/// runs in managed code, so the caller sees exactly the CLR's exception and message. Math.Abs(int) used to be refused
/// because its overflow helper builds a string.</summary>
public class ThrowHelperTests
{
    static MethodInfo Method(string name) => typeof(ThrowHelperPrograms).GetMethod(name)!;

    [Theory]
    [InlineData(nameof(ThrowHelperPrograms.Abs))]
    [InlineData(nameof(ThrowHelperPrograms.AbsLong))]
    [InlineData(nameof(ThrowHelperPrograms.Checked))]
    [InlineData(nameof(ThrowHelperPrograms.Halve))]
    [InlineData(nameof(ThrowHelperPrograms.HalveMarked))]
    public void AgreesWithTheClr(string name) =>
        Parity.Check(Method(name), Parity.EdgeInputs(Method(name)),
            Values.Vector([.. Method(name).GetParameters().Select(_ => Values.Mixed)]), randomSamples: 100);

    [Fact]
    public void AHelperWithMoreArgumentsThanTheFrameHoldsIsRefused()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<int, int>>(ThrowHelperPrograms.TooManyHelperArguments));
        Assert.Equal("call", e.OpCode);
        Assert.Contains($"FailWithMany: a method that never returns gets its arguments through the frame, which holds {MiniJit.Binding.JitFrame.MaxArguments}", e.Reason);
    }

    [Fact]
    public void TheExceptionAndItsMessageAreTheClrs()
    {
        foreach (var optimize in Parity.OptimizeSettings)
        {
            var options = new JitOptions { Optimize = optimize };
            var abs = Jit.Compile<Func<int, int>>(ThrowHelperPrograms.Abs, options);
            Assert.Equal(5, abs(-5));
            var clrOverflow = Assert.Throws<OverflowException>(() => Math.Abs(int.MinValue));
            Assert.Equal(clrOverflow.Message, Assert.Throws<OverflowException>(() => abs(int.MinValue)).Message);

            var check = Jit.Compile<Func<int, ulong, int>>(ThrowHelperPrograms.Checked, options);
            Assert.Equal(14, check(7, 0));
            var clr = Assert.Throws<ArgumentOutOfRangeException>(() => ThrowHelperPrograms.Checked(-9, ulong.MaxValue));
            var jit = Assert.Throws<ArgumentOutOfRangeException>(() => check(-9, ulong.MaxValue));
            Assert.Equal(clr.Message, jit.Message);
            Assert.Equal(-8, jit.ActualValue);

            // Floating-point arguments reach the helper through the frame's slots with every bit, -0.0 and NaN included.
            var floats = Jit.Compile<Func<double, float, double>>(ThrowHelperPrograms.FloatArguments, options);
            Assert.Equal(3.5, floats(1.5, 2f));
            foreach (var (x, y) in new[] { (-1.25, 0.1f), (double.NaN, float.NegativeInfinity), (double.NegativeInfinity, -0f) })
                Assert.Equal(Assert.Throws<ArgumentOutOfRangeException>(() => ThrowHelperPrograms.FloatArguments(x, y)).Message,
                    Assert.Throws<ArgumentOutOfRangeException>(() => floats(x, y)).Message);

            var halve = Jit.Compile<Func<long, long>>(ThrowHelperPrograms.Halve, options);
            Assert.Equal(21, halve(42));
            foreach (var x in new[] { -5L, -5000L })
                Assert.Equal(Assert.Throws<ArgumentOutOfRangeException>(() => ThrowHelperPrograms.Halve(x)).Message,
                    Assert.Throws<ArgumentOutOfRangeException>(() => halve(x)).Message);
        }
    }
}
