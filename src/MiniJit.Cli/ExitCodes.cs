namespace MiniJit.Cli;

public static class ExitCodes
{
    public const int Success = 0;
    /// <summary>A check inside a command failed (for example a demo computed a wrong result).</summary>
    public const int Failure = 1;
    /// <summary>The command line or the input it names is wrong; nothing was run.</summary>
    public const int UserError = 2;
}
