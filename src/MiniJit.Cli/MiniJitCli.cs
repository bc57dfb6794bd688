using System.CommandLine;
using MiniJit.Cli.Commands;

namespace MiniJit.Cli;

/// <summary>
/// Builds the command tree and runs it. To add a command, write a class under Commands/ with a static
/// <c>Create()</c> that returns a configured <see cref="Command"/> and list it in <see cref="CreateRootCommand"/>.
/// Commands write to <c>parseResult.InvocationConfiguration.Output</c> and report mistakes in their input by
/// throwing <see cref="UserErrorException"/>.
/// </summary>
public static class MiniJitCli
{
    public static RootCommand CreateRootCommand() => new("MiniJit: a just-in-time compiler from CIL to x86-64, from scratch.")
    {
        DemoCommand.Create(),
        ExplainCommand.Create(),
        RunCommand.Create(),
        FuzzCommand.Create(),
        BenchCommand.Create(),
        GcStressCommand.Create(),
    };

    /// <summary>Parses <paramref name="args"/> and runs the chosen command.</summary>
    /// <returns>The command's exit code; <see cref="ExitCodes.UserError"/> when the input was wrong.</returns>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        // Plain `minijit` shows what it can do rather than complaining that no command was given.
        var parseResult = CreateRootCommand().Parse(args.Length == 0 ? ["--help"] : args);
        if (parseResult.Errors.Count > 0) return UserErrorException.Report(stderr, parseResult.Errors[0].Message);
        try
        {
            return parseResult.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                // A bug in MiniJit should show its stack trace; only UserErrorException is turned into one line.
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (UserErrorException error)
        {
            return UserErrorException.Report(stderr, error.Message);
        }
    }
}
