using MiniJit.Cli.Fuzzing;
using MiniJit.Tests.RandomPrograms;

namespace MiniJit.Tests.Generator;

/// <summary>The analyzer on the fuzzer's random programs with [Jit] on every method: MiniJit compiles all of them (the
/// random-program tests compare them with the CLR) except those whose parameters exceed a delegate's argument slots,
/// so the analyzer must warn about exactly those — no false alarm on the whole language the generator writes. (`minijit
/// fuzz` checks the same on every program it runs, in one direction: no warning on a method it compares.)</summary>
public class AnalyzerOnRandomProgramsTests
{
    const int Programs = 10;

    public static TheoryData<int, bool> Cases()
    {
        var cases = new TheoryData<int, bool>();
        for (int i = 0; i < Programs; i++)
        {
            cases.Add(i, false);
            cases.Add(i, true);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_analyzer_warns_exactly_where_MiniJit_refuses(int index, bool scalarOnly)
    {
        var source = AnalyzerCheck.WithJitOnEveryMethod(FuzzWorker.Source(RandomProgramTests.BaseSeed, index, scalarOnly));
        var disagreements = GeneratorFileTests.Disagreements(GeneratorFileTests.Compile(source));
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements) + "\n" + source);
    }
}
