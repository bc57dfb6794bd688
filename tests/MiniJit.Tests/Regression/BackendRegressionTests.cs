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

    /// <summary>The prologue moves every parameter into place at once, so d must not get the register of c, whose last
    /// read (its zero-extension) comes before d's param instruction: liveness starts both at the entry
    /// (random programs 72, 80, 89 and 111).</summary>
    public static long ParametersArriveTogether(char a, long b, char c, int d)
    {
        long t = d + 1;
        long q = b / (a | 1);
        return q + t + a + b + c;
    }

    [Fact]
    public void ParametersAreLiveFromTheEntry() => Check(nameof(ParametersArriveTogether), ['\ua31d', 1803574730L, '\ud9d4', -3]);

    /// <summary>b lives across the division and the variable shift, so it takes rdi, and the frame pointer, read
    /// last by the division, lands in rax. The division used to load the dividend into rax before its checks, whose
    /// error stub then passed garbage as the frame: the process crashed instead of throwing DivideByZeroException
    /// (random program seed 200086, found once the liveness fix above changed the allocation order).</summary>
    public static long FrameLastReadByDivision(long a, uint b, short c) => (~(long)b >> ((int)a % ((int)c | (int)b))) + b;

    [Fact]
    public void DivisionChecksComeBeforeRaxIsLoaded() =>
        Check(nameof(FrameLastReadByDivision), [4294967294L, 0u, (short)0], [long.MinValue, uint.MaxValue, (short)-1]);
}
