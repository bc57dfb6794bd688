using MiniJit.Cli;

namespace MiniJit.Tests.Cli;

/// <summary>Runs the minijit command line in-process with captured output, as the tests' one way in.</summary>
static class CliRunner
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = MiniJitCli.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
