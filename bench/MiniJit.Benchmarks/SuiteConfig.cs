using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace MiniJit.Benchmarks;

/// <summary>
/// One job for the whole suite, sized so that a full run stays under ten minutes on the shared 2-core machine:
/// few iterations (the noise there is ±20% anyway) but enough to report a median. The brief JSON export is what
/// <see cref="Report"/> reads.
/// </summary>
class SuiteConfig : ManualConfig
{
    public const string Tier1JobId = "Tier1";

    public SuiteConfig()
    {
        AddJob(Quick.WithId(Tier1JobId));
        AddExporter(JsonExporter.Brief);
    }

    protected static Job Quick { get; } = Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(9)
        .WithIterationTime(TimeInterval.FromMilliseconds(200));
}

/// <summary>
/// Adds RyuJIT's unoptimized code: a second process with tiering off and MinOpts forced, so every method is
/// compiled once, as tier 0 would compile it, and never rejitted (tier 0 proper would be replaced by tier 1 or
/// on-stack replacement during warm-up). Only the managed methods run there: the MiniJit variants would just
/// measure a MinOpts-compiled thunk.
/// </summary>
sealed class KernelConfig : SuiteConfig
{
    public const string MinOptsJobId = "MinOpts";

    public KernelConfig()
    {
        AddJob(Quick.WithId(MinOptsJobId).WithEnvironmentVariables(
            new EnvironmentVariable("DOTNET_TieredCompilation", "0"),
            new EnvironmentVariable("DOTNET_JITMinOpts", "1")));
        AddFilter(new SimpleFilter(b => b.Job.Id != MinOptsJobId || b.Descriptor.Baseline));
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByJob);
    }
}
