using MiniJit.Cli;

namespace MiniJit.Tests.MemoryAccess;

/// <summary>The GC rule: compiled loops over arrays, spans and by-refs on three threads, while another thread forces
/// compacting collections. A fixed number of calls, never a time; .ci/gc-stress repeats it under DOTNET_GCStress.</summary>
public class GcStressTests
{
    [Fact]
    public void CompiledLoopsAgreeWithTheClrWhileTheHeapIsCompacted()
    {
        var report = GcStress.Run(callsPerThread: 600, threads: 3);
        Assert.Empty(report.Mismatches);
        Assert.Equal(600 * 3 * 4, report.Calls);
        Assert.True(report.Collections > 0, "no compacting collection happened while the compiled code ran");
    }
}
