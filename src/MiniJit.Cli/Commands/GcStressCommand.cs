using System.CommandLine;
using System.Diagnostics.CodeAnalysis;

namespace MiniJit.Cli.Commands;

/// <summary><c>minijit gcstress</c>: compiled array, span and by-ref loops on several threads against a thread that
/// forces compacting collections (see <see cref="GcStress"/>); .ci/gc-stress runs it under <c>DOTNET_GCStress=0x1</c>.</summary>
public static class GcStressCommand
{
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The CLI runs on the JIT, where IL can be read.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The CLI runs on the JIT.")]
    public static Command Create()
    {
        var calls = new Option<int>("--calls") { Description = "Calls of each kernel per thread.", DefaultValueFactory = _ => 2_000 };
        var threads = new Option<int>("--threads") { Description = "Threads calling compiled code at once.", DefaultValueFactory = _ => 3 };
        var command = new Command("gcstress", "Run compiled loops over arrays and spans on several threads while another thread forces compacting collections; every result must equal the CLR's.")
        {
            calls, threads,
        };
        command.SetAction(parseResult =>
        {
            int callCount = parseResult.GetValue(calls), threadCount = parseResult.GetValue(threads);
            if (callCount < 1 || threadCount < 1) throw new UserErrorException("--calls and --threads must be at least 1");
            var console = parseResult.InvocationConfiguration.Output;
            var report = GcStress.Run(callCount, threadCount, console);
            foreach (var mismatch in report.Mismatches.Take(20)) console.WriteLine(mismatch);
            if (report.Collections == 0) console.WriteLine("no collection happened during the calls: nothing was tested");
            console.WriteLine(report.Passed ? "passed" : "FAILED");
            return report.Passed ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
