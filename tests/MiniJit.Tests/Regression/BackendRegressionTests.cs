using System.Reflection;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.Regression;

/// <summary>Back-end bugs found by the random programs, each reduced to a small method and compared with the CLR
/// (optimized and not) on the inputs that exposed it plus the edge values.</summary>
public class BackendRegressionTests
{
    static void Check(string name, params object?[][] inputs)
    {
        var m = typeof(BackendRegressionTests).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        Parity.Check(m, inputs.Concat(Parity.EdgeInputs(m)), random: null!, randomSamples: 0);
    }

    /// <summary>The prologue moves every parameter into place at once, so a parameter read late (c) must not get the
    /// register of one whose last read comes before c's param instruction (b): liveness starts both at the entry.</summary>
    public static long ParametersArriveTogether(char a, long b, char c, int d)
    {
        long t = d + 1;
        long q = b / (a | 1);
        return q + t + a + b + c;
    }

    [Fact]
    public void ParametersAreLiveFromTheEntry() => Check(nameof(ParametersArriveTogether), ['\ua31d', 1803574730L, '\ud9d4', -3]);
}
