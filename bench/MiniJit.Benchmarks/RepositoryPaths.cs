namespace MiniJit.Benchmarks;

/// <summary>Where the suite's checked-in files live, found from the current directory so every mode works from the
/// repository root or from anywhere below it.</summary>
static class RepositoryPaths
{
    public static string Bench { get; } = FindBench();

    static string FindBench()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var bench = Path.Combine(dir.FullName, "bench");
            if (File.Exists(Path.Combine(bench, "MiniJit.Benchmarks", "MiniJit.Benchmarks.csproj"))) return bench;
        }
        throw new InvalidOperationException("run this from the MiniJit repository (no bench/MiniJit.Benchmarks above the current directory)");
    }
}
