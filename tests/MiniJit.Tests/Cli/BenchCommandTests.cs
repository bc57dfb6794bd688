using MiniJit.Cli;
using MiniJit.Cli.Commands;

namespace MiniJit.Tests.Cli;

/// <summary>Running the suite itself takes minutes and belongs to `minijit bench`, not to the tests; what is tested
/// is that the command finds the benchmark project from inside a clone and refuses politely outside one.</summary>
public class BenchCommandTests
{
    [Fact]
    public void Finds_the_repository_from_inside_a_clone()
    {
        var root = BenchCommand.RepositoryRoot(AppContext.BaseDirectory);
        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "MiniJit.slnx")));
    }

    [Fact]
    public void Bench_alone_explains_itself_instead_of_waiting_for_a_menu_choice()
    {
        var (exitCode, output, error) = CliRunner.Run("bench");
        Assert.Equal(ExitCodes.UserError, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"minijit: {BenchCommand.Usage}", Assert.Single(CliRunner.Lines(error)));
        Assert.Contains("--filter", BenchCommand.Usage);
    }

    [Fact]
    public void Finds_nothing_outside_a_clone()
    {
        var outside = Directory.CreateTempSubdirectory("minijit-bench-test");
        try
        {
            Assert.Null(BenchCommand.RepositoryRoot(outside.FullName));
        }
        finally
        {
            outside.Delete();
        }
    }
}
