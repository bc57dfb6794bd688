using System.CommandLine;
using MiniJit.Cli.Fuzzing;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit fuzz [--programs N] [--seed S] [--out DIR]</c>: generates random C# programs, compiles them with
/// Roslyn and checks MiniJit (optimizer on and off) against the CLR, each batch in a child process; see
/// <see cref="FuzzRunner"/>. <c>--worker</c> is how the parent starts those children.
/// </summary>
public static class FuzzCommand
{
    public static Command Create()
    {
        var programs = new Option<int>("--programs") { Description = "How many programs to generate and check.", DefaultValueFactory = _ => 200 };
        var seed = new Option<int>("--seed") { Description = "The base seed; program I has seed S * 100003 + I, as in the test suite.", DefaultValueFactory = _ => 1 };
        var first = new Option<int>("--first") { Description = "The index of the first program (to rerun one: --first I --programs 1).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out")
        {
            Description = "Where each failing program's source, seed and mismatch are saved.",
            HelpName = "DIR",
            DefaultValueFactory = _ => "fuzz-out",
        };
        var batch = new Option<int>("--batch") { Description = "Programs per child process (and per Roslyn compilation).", DefaultValueFactory = _ => 25 };
        var worker = new Option<bool>("--worker") { Description = "Run the programs in this process and report line by line (used by fuzz itself).", Hidden = true };
        var fuzz = new Command("fuzz", "Check MiniJit against the CLR on random generated programs, isolating crashes in child processes.")
        {
            programs, seed, first, output, batch, worker,
        };
        fuzz.SetAction(parseResult =>
        {
            int count = parseResult.GetValue(programs);
            int firstIndex = parseResult.GetValue(first);
            int batchSize = parseResult.GetValue(batch);
            if (count < 1) throw new UserErrorException($"--programs must be at least 1, not {count}");
            if (firstIndex < 0) throw new UserErrorException($"--first must not be negative, not {firstIndex}");
            if (batchSize < 1) throw new UserErrorException($"--batch must be at least 1, not {batchSize}");
            var console = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(worker))
            {
                FuzzWorker.Run(parseResult.GetValue(seed), firstIndex, count, console);
                return ExitCodes.Success;
            }
            return new FuzzRunner(parseResult.GetValue(seed), parseResult.GetValue(output)!, console).Run(firstIndex, count, batchSize);
        });
        return fuzz;
    }
}
