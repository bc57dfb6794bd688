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

    public static int Checked(int x, ulong y)
    {
        if (x < 0) Fail(x + 1, DayOfWeek.Friday, y);
        return x * 2;
    }
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
        }
    }
}
