using MiniJit.Cli;
using MiniJit.Cli.Fuzzing;
using static MiniJit.Tests.Cli.CliRunner;

namespace MiniJit.Tests.Cli;

public class FuzzCommandTests
{
    [Fact]
    public void Fuzz_runs_programs_in_child_processes_and_summarizes()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"minijit-fuzz-{Guid.NewGuid():N}");
        try
        {
            // Seed 2's first programs agree with the CLR: a clean run saves nothing and exits with success. One
            // child, since each pays for starting Roslyn.
            var (exitCode, output, error) = Run("fuzz", "--programs", "3", "--seed", "2", "--batch", "3", "--out", folder);
            Assert.Equal("", error);
            var lines = Lines(output);
            Assert.Equal($"fuzz: programs 0..2 of seed 2, 3 per child; failures go to {folder}", lines[0]);
            Assert.StartsWith("3/3 programs, 0 mismatches, 0 crashes, 0 CLR disagreements", lines[1]);
            Assert.Matches(@"^fuzz: 3 programs run, [1-9][0-9]* methods compared; 0 mismatches, 0 crashes, 0 CLR disagreements \(seed 2, [0-9]+ s\)$", lines[^1]);
            Assert.Equal(ExitCodes.Success, exitCode);
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_worker_reports_each_program_as_it_starts_and_ends()
    {
        var (exitCode, output, _) = Run("fuzz", "--worker", "--seed", "3", "--first", "1", "--programs", "2");
        Assert.Equal(ExitCodes.Success, exitCode);
        var lines = Lines(output);
        Assert.Equal("start 1", lines[0]);
        Assert.Matches(@"^done 1 [1-9][0-9]*$", lines[1]);
        Assert.Equal("start 2", lines[2]);
        Assert.Matches(@"^done 2 [1-9][0-9]*$", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public void Program_seeds_are_numbered_as_in_the_test_suite()
    {
        Assert.Equal(100003 * 7 + 4, FuzzWorker.ProgramSeed(7, 4));
        Assert.Equal(new ProgramGenerator(FuzzWorker.ProgramSeed(7, 4)).Generate("P4"), FuzzWorker.Source(7, 4));
    }

    [Fact]
    public void Scalar_programs_have_no_memory_and_no_structs()
    {
        var scalar = string.Concat(Enumerable.Range(0, 30).Select(i => FuzzWorker.Source(3, i, scalarOnly: true)));
        var all = string.Concat(Enumerable.Range(0, 30).Select(i => FuzzWorker.Source(3, i)));
        foreach (var marker in new[] { "[]", "Span<", "struct ", "ref " })
        {
            Assert.DoesNotContain(marker, scalar);
            Assert.Contains(marker, all);
        }
    }

    [Fact]
    public void Fuzz_trees_runs_expression_trees_in_child_processes_and_summarizes()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"minijit-fuzz-{Guid.NewGuid():N}");
        try
        {
            // Seed 2's first trees agree with Compile(): a clean run saves nothing and exits with success. Two
            // children, to see the batches add up.
            var (exitCode, output, error) = Run("fuzz", "--trees", "30", "--seed", "2", "--batch", "15", "--out", folder);
            Assert.Equal("", error);
            var lines = Lines(output);
            Assert.Equal($"fuzz: trees 0..29 of seed 2, 15 per child; failures go to {folder}", lines[0]);
            Assert.StartsWith("15/30 trees, 0 mismatches, 0 crashes, 0 CLR disagreements", lines[1]);
            Assert.StartsWith("30/30 trees, 0 mismatches, 0 crashes, 0 CLR disagreements", lines[2]);
            Assert.Matches(@"^fuzz: 30 trees run, [1-9][0-9]* calls compared; 0 mismatches, 0 crashes, 0 CLR disagreements \(seed 2, [0-9]+ s\)$", lines[^1]);
            Assert.Equal(ExitCodes.Success, exitCode);
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_tree_worker_reports_each_tree_as_it_starts_and_ends()
    {
        var (exitCode, output, _) = Run("fuzz", "--worker", "--trees", "2", "--seed", "3", "--first", "1", "--weights", "Loop=0");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Matches(@"^start 1\ndone 1 [1-9][0-9]*\nstart 2\ndone 2 [1-9][0-9]*$", string.Join("\n", Lines(output)));
    }

    [Theory]
    [InlineData("--trees", "0")]
    [InlineData("--trees", "3", "--programs", "3")]
    [InlineData("--weights", "Loop=0")]
    [InlineData("--trees", "3", "--weights", "Nope=1")]
    [InlineData("--trees", "3", "--weights", "Loop=x")]
    public void Wrong_tree_options_are_one_line_and_exit_code_2(params string[] options)
    {
        var (exitCode, _, error) = Run(["fuzz", .. options]);
        Assert.Equal(ExitCodes.UserError, exitCode);
        Assert.StartsWith("minijit: ", Assert.Single(Lines(error)));
    }

    [Theory]
    [InlineData("--programs", "0")]
    [InlineData("--first", "-1")]
    [InlineData("--batch", "0")]
    [InlineData("--seed", "x")]
    public void Wrong_numbers_are_one_line_and_exit_code_2(string option, string value)
    {
        var (exitCode, _, error) = Run("fuzz", option, value);
        Assert.Equal(ExitCodes.UserError, exitCode);
        Assert.StartsWith("minijit: ", Assert.Single(Lines(error)));
    }
}
