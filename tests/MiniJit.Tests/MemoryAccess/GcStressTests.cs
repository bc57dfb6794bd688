using MiniJit.Cli;

namespace MiniJit.Tests.MemoryAccess;

/// <summary>The GC rule: compiled loops over arrays, spans and by-refs on three threads, while another thread forces
/// compacting collections. A fixed number of calls, never a time; .ci/gc-stress repeats it under DOTNET_GCStress.</summary>
[Collection(GcStressCollection.Name)]
public class GcStressTests
{
    [Fact]
    public void CompiledLoopsAgreeWithTheClrWhileTheHeapIsCompacted()
    {
        var report = GcStress.Run(callsPerThread: 200, threads: 2);
        Assert.Empty(report.Mismatches);
        Assert.Equal(200 * 2 * 4, report.Calls);
        Assert.True(report.Collections > 0, "no compacting collection happened while the compiled code ran");
    }
}

/// <summary>The tests that force compacting collections without pause run alone: every collection of the test
/// process's heap (hundreds of megabytes of other tests' objects) would slow all tests running beside them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GcStressCollection
{
    public const string Name = "GC stress";
}
