using CsCheck;
using System.Reflection;

namespace MiniJit.Tests.ClrParity;

/// <summary>Every program in <see cref="Programs"/>, compiled by MiniJit (optimized and not), against the CLR.</summary>
public class ProgramParityTests
{
    public static TheoryData<string> ProgramNames() =>
        [.. typeof(Programs).GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(ProgramNames))]
    public void MatchesClr(string name)
    {
        var m = typeof(Programs).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        var ps = m.GetParameters();
        var bounds = m.GetCustomAttribute<InputsAttribute>()?.Bounds;
        Gen<long>[] gens = [.. ps.Select((_, i) => bounds is null ? Values.Mixed : Values.Bounded(bounds[2 * i], bounds[2 * i + 1]))];
        long[][] edges = [.. ps.Select((_, i) => bounds is null
            ? Values.Edges
            : [.. Values.Edges.Where(e => e >= bounds[2 * i] && e <= bounds[2 * i + 1]).Append(bounds[2 * i]).Append(bounds[2 * i + 1])])];
        Parity.Check(m, Parity.EdgeInputs(m, edges), Values.Vector(gens), randomSamples: 200);
    }
}
