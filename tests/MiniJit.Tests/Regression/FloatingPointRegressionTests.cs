using System.Reflection;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.Regression;

/// <summary>Floating-point bugs found by the random programs, each reduced to a small method and compared with the
/// CLR (optimized and not) on the inputs that exposed it plus the edge values.</summary>
public class FloatingPointRegressionTests
{
    static void Check(string name, params object?[][] inputs)
    {
        var m = typeof(FloatingPointRegressionTests).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        Parity.Check(m, inputs.Concat(Parity.EdgeInputs(m)), random: null!, randomSamples: 0);
    }

    /// <summary>Math has float overloads of Min and Max besides MathF's (which call them); only the double ones were
    /// in the intrinsic table, so <c>Math.Max(a, b)</c> on floats was refused as a runtime intrinsic (random program
    /// seed 100021).</summary>
    public static float MathMinMaxOnFloats(float a, float b) => Math.Max(a, b) - Math.Min(a, -b);

    [Fact]
    public void MathMinAndMaxHaveFloatOverloads() =>
        Check(nameof(MathMinMaxOnFloats), [float.NaN, 1f], [0f, -0f], [-0f, 0f], [2.5f, float.NegativeInfinity]);

    /// <summary>When both operands are NaN, SSE returns the first; the CLR puts a constant operand of + and * second, so
    /// <c>double.NaN * x</c> gives x's NaN, and CopySign shows its sign. Unoptimized MiniJit computed NaN * x in that
    /// order and returned the constant's (negative) NaN (random program seed 2, program 130).</summary>
    public static double NaNConstantFirst(double x) => Math.CopySign(1.0, double.NaN * x) + 10 * Math.CopySign(1.0, double.NaN + x);

    [Fact]
    public void ANaNConstantGoesSecond()
    {
        double positive = BitConverter.Int64BitsToDouble(0x7FF8000000000000), negative = BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8000000000000));
        Check(nameof(NaNConstantFirst), [positive], [negative], [1.5]);
    }
}
