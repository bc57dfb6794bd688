using BenchmarkDotNet.Running;
using MiniJit.Benchmarks;

// `generate` rewrites GeneratedMethods.cs, `report` turns the last run's exports into bench/README.md's results
// and the chart; anything else goes to BenchmarkDotNet (a filter such as `--filter *Kernel*`, or nothing for the menu).
switch (args)
{
    case ["generate"]:
        GeneratedProgram.WriteFile(Path.Combine(RepositoryPaths.Bench, "MiniJit.Benchmarks", "GeneratedMethods.cs"));
        break;
    case ["report"]:
        Report.Write();
        break;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        break;
}
