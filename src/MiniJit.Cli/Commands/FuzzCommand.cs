using System.CommandLine;
using MiniJit.Cli.Fuzzing;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit fuzz [--programs N] [--seed S] [--out DIR]</c>: generates random C# programs, compiles them with
/// Roslyn and checks MiniJit (optimizer on and off) against the CLR, and the [Jit] analyzer against MiniJit (no
/// warning on a method that compiles), each batch in a child process; see
/// <see cref="FuzzRunner"/>; <c>--scalar</c> leaves memory and structs out of the programs. With <c>--trees N [--weights SHAPE=W,…]</c> it checks random expression trees instead
/// (see <see cref="ExpressionFuzz"/>), in child processes the same way. <c>--worker</c> is how the parent starts
/// those children.
/// </summary>
public static class FuzzCommand
{
    const int ProgramsPerChild = 25;
    /// <summary>A tree costs far less than a program (no Roslyn), so a child runs more of them.</summary>
    const int TreesPerChild = 500;

    public static Command Create()
    {
        var programs = new Option<int>("--programs") { Description = "How many programs to generate and check.", DefaultValueFactory = _ => 200 };
        var trees = new Option<int?>("--trees") { Description = "Check this many random expression trees (MiniJit's expression compiler against Expression.Compile()) instead of programs." };
        var weights = new Option<string>("--weights")
        {
            Description = $"With --trees: how often each shape appears, as SHAPE=WEIGHT,… changing the defaults (0 turns a shape off). Shapes: {string.Join(", ", Enum.GetNames<TreeShape>())}.",
            HelpName = "SHAPES",
        };
        var scalar = new Option<bool>("--scalar") { Description = "Programs of scalar variables only (no arrays, spans, pointers or structs): mostly methods the baseline tier (optimizer off) translates in one pass." };
        var seed = new Option<int>("--seed") { Description = "The base seed; program (or tree) I has seed S * 100003 + I, as in the test suite.", DefaultValueFactory = _ => 1 };
        var first = new Option<int>("--first") { Description = "The index of the first program or tree (to rerun one: --first I --programs 1).", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out")
        {
            Description = "Where each failing program's (or tree's) source, seed and mismatch are saved.",
            HelpName = "DIR",
            DefaultValueFactory = _ => "fuzz-out",
        };
        var batch = new Option<int?>("--batch") { Description = $"Programs per child process (and per Roslyn compilation), {ProgramsPerChild} unless given; trees per child process, {TreesPerChild} unless given." };
        var worker = new Option<bool>("--worker") { Description = "Run the programs in this process and report line by line (used by fuzz itself).", Hidden = true };
        var fuzz = new Command("fuzz", "Check MiniJit against the CLR on random generated programs or expression trees, isolating crashes in child processes.")
        {
            programs, trees, weights, scalar, seed, first, output, batch, worker,
        };
        fuzz.SetAction(parseResult =>
        {
            var treeCount = parseResult.GetValue(trees);
            if (treeCount is not null && parseResult.GetResult(programs) is { Implicit: false })
                throw new UserErrorException("--programs and --trees do not go together: a run checks programs or trees");
            var shapes = parseResult.GetValue(weights);
            if (treeCount is null && shapes is not null) throw new UserErrorException("--weights goes with --trees");
            bool scalarOnly = parseResult.GetValue(scalar);
            if (treeCount is not null && scalarOnly) throw new UserErrorException("--scalar goes with --programs");
            var target = treeCount is not null ? FuzzTarget.Trees(Weights(shapes)) : scalarOnly ? FuzzTarget.ScalarPrograms : FuzzTarget.Programs;
            int count = treeCount ?? parseResult.GetValue(programs);
            int firstIndex = parseResult.GetValue(first);
            int batchSize = parseResult.GetValue(batch) ?? (treeCount is null ? ProgramsPerChild : TreesPerChild);
            if (count < 1) throw new UserErrorException($"{target.CountOption} must be at least 1, not {count}");
            if (firstIndex < 0) throw new UserErrorException($"--first must not be negative, not {firstIndex}");
            if (batchSize < 1) throw new UserErrorException($"--batch must be at least 1, not {batchSize}");
            var console = parseResult.InvocationConfiguration.Output;
            int baseSeed = parseResult.GetValue(seed);
            if (parseResult.GetValue(worker))
            {
                if (treeCount is null) FuzzWorker.Run(baseSeed, firstIndex, count, scalarOnly, console);
                else ExpressionFuzz.Run(baseSeed, firstIndex, count, Weights(shapes), console);
                return ExitCodes.Success;
            }
            return new FuzzRunner(baseSeed, parseResult.GetValue(output)!, console, target).Run(firstIndex, count, batchSize);
        });
        return fuzz;
    }

    static ExpressionWeights Weights(string? text)
    {
        try
        {
            return text is null ? ExpressionWeights.Default : ExpressionWeights.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UserErrorException($"--weights: {e.Message}");
        }
    }
}
