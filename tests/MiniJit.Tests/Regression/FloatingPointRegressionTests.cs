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
}
