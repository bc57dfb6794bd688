using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using MiniJit.Cli.Fuzzing;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.RandomPrograms;

/// <summary>Random programs from <see cref="ProgramGenerator"/>, compiled by Roslyn (Debug and Release), then every
/// method compiled by MiniJit (optimized and not) and compared with the CLR over edge and random inputs.
/// Reproduce with the environment variables MINIJIT_RANDOM_SEED (base seed, default 1) and
/// MINIJIT_RANDOM_COUNT (programs per run, default 150); program i has seed base * 100003 + i, and a
/// failure message prints that seed and the whole generated source.</summary>
public class RandomProgramTests
{
    static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    public static readonly int BaseSeed = Env("MINIJIT_RANDOM_SEED", 1);
    public static readonly int Count = Env("MINIJIT_RANDOM_COUNT", 150);

    public static int SeedOf(int index) => unchecked(BaseSeed * 100003 + index);

    static readonly Lazy<string[]> Sources = new(() =>
        [.. Enumerable.Range(0, Count).Select(i => new ProgramGenerator(SeedOf(i)).Generate($"P{i}"))]);

    static readonly Dictionary<OptimizationLevel, Lazy<Assembly>> Assemblies = new()
    {
        [OptimizationLevel.Debug] = new(() => CompileAll(OptimizationLevel.Debug)),
        [OptimizationLevel.Release] = new(() => CompileAll(OptimizationLevel.Release)),
    };

    static Assembly CompileAll(OptimizationLevel level)
    {
        var all = new StringBuilder();
        foreach (var s in Sources.Value) all.Append(s);
        return ProgramCompiler.Compile(all.ToString(), $"RandomPrograms{level}", level);
    }

    public static TheoryData<int> Indexes() => [.. Enumerable.Range(0, Count)];

    [Theory]
    [MemberData(nameof(Indexes))]
    public void MatchesClr(int index)
    {
        int seed = SeedOf(index);
        var source = Sources.Value[index];
        var inputs = new Random(seed ^ 0x5EED);
        foreach (var level in new[] { OptimizationLevel.Release, OptimizationLevel.Debug })
        {
            var type = Assemblies[level].Value.GetType($"P{index}")!;
            // Methods with more parameters than a delegate carries are tested through their callers and wrappers.
            foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
                         .Where(m => m.GetParameters().Length <= ProgramGenerator.MaxEntryParameters).OrderBy(m => m.Name))
            {
                var ps = m.GetParameters();
                var fixedInputs = Enumerable.Range(0, 40).Select(_ => Values.Convert([.. ps.Select(_ => RandomValue(inputs))], ps)).ToList();
                Parity.Check(m, fixedInputs, random: null!, randomSamples: 0,
                    context: $"Random program seed {seed} (MINIJIT_RANDOM_SEED={BaseSeed}, index {index}), Roslyn {level}, method {m.Name}:\n{source}");
            }
        }
    }

    static long RandomValue(Random r) => r.Next(4) switch
    {
        0 => r.NextInt64(long.MinValue, long.MaxValue),
        1 => r.Next(-20, 20),
        2 => r.Next(int.MinValue, int.MaxValue),
        _ => Values.Edges[r.Next(Values.Edges.Length)],
    };

    [Fact]
    public void GeneratorIsDeterministic()
    {
        for (int seed = 0; seed < 20; seed++)
            Assert.Equal(new ProgramGenerator(seed).Generate("X"), new ProgramGenerator(seed).Generate("X"));
    }
}
