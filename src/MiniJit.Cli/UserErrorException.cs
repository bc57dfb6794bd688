namespace MiniJit.Cli;

/// <summary>A mistake in what the user asked for. Reported as one line on stderr with exit code
/// <see cref="ExitCodes.UserError"/>, never with a stack trace.</summary>
public sealed class UserErrorException(string message) : Exception(message)
{
    public static int Report(TextWriter stderr, string message)
    {
        stderr.WriteLine($"minijit: {message.ReplaceLineEndings(" ")}");
        return ExitCodes.UserError;
    }
}
