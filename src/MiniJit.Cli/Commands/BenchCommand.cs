using System.CommandLine;
using System.Diagnostics;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit bench [ARGS…]</c>: runs the BenchmarkDotNet suite in bench/MiniJit.Benchmarks (in Release, as
/// benchmarks must be), passing ARGS on (a filter such as <c>--filter *Kernel*</c>, or <c>report</c>). The suite is
/// a project of the repository rather than part of this tool, so that installing minijit does not bring
/// BenchmarkDotNet along; the command therefore works from inside a clone.
/// </summary>
public static class BenchCommand
{
    const string ProjectPath = "bench/MiniJit.Benchmarks/MiniJit.Benchmarks.csproj";

    public static Command Create()
    {
        var arguments = new Argument<string[]>("ARGS")
        {
            Description = "Passed to the benchmark runner: e.g. --filter *Kernel* (BenchmarkDotNet's options), or report.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var bench = new Command("bench", "Run the benchmark suite (MiniJit against RyuJIT, Expression.Compile and the interpreter).")
        {
            arguments,
        };
        // Let options such as --filter through to BenchmarkDotNet instead of parsing them here.
        bench.TreatUnmatchedTokensAsErrors = false;
        bench.SetAction(parseResult => Run([.. parseResult.GetValue(arguments) ?? [], .. parseResult.UnmatchedTokens]));
        return bench;
    }

    /// <summary>What <c>minijit bench</c> without arguments says: BenchmarkDotNet itself would open an interactive
    /// menu, which waits for a keypress that a script never sends.</summary>
    public const string Usage =
        "bench needs to know what to run: minijit bench --filter '*' (everything, some minutes), --filter '*Kernel*' (one class), --list flat (the names), or report (the chart from the last run)";

    static int Run(string[] args)
    {
        if (args.Length == 0) throw new UserErrorException(Usage);
        var root = RepositoryRoot(Environment.CurrentDirectory)
            ?? throw new UserErrorException($"run 'minijit bench' inside a MiniJit clone: no {ProjectPath} above {Environment.CurrentDirectory}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root };
        foreach (var arg in (string[])["run", "-c", "Release", "--project", ProjectPath, "--", .. args]) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new UserErrorException("could not start 'dotnet'");
        process.WaitForExit();
        return process.ExitCode;
    }

    /// <summary>The nearest folder at or above <paramref name="directory"/> that holds the benchmark project.</summary>
    public static string? RepositoryRoot(string directory)
    {
        for (var folder = new DirectoryInfo(directory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, ProjectPath))) return folder.FullName;
        return null;
    }
}
