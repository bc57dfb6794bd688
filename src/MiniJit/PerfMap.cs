using System.Globalization;
using System.Text;

namespace MiniJit;

/// <summary>
/// The perf map: one line per compiled function, <c>START SIZE NAME</c> in hex, appended to <c>/tmp/perf-PID.map</c>,
/// the file Linux <c>perf</c> (and other profilers) read to name code that has no symbol file. The .NET runtime writes
/// its own methods to the same file when <c>DOTNET_PerfMapEnabled</c> is set, so with that variable MiniJit's
/// functions appear beside them (see <see cref="JitOptions.PerfMap"/>).
/// </summary>
static class PerfMap
{
    /// <summary>What the runtime's variable turns on (1: perf map and jitdump; 3: perf map only; 2: jitdump only).</summary>
    public static bool EnabledBy(string? variable) => variable is "1" or "3";

    public static readonly bool EnabledByEnvironment = EnabledBy(Environment.GetEnvironmentVariable("DOTNET_PerfMapEnabled"));

    /// <summary>Where the map goes: the runtime's own choice of directory (<c>DOTNET_PerfMapJitDumpPath</c>, else /tmp).</summary>
    public static string PathOfThisProcess =>
        Path.Combine(Environment.GetEnvironmentVariable("DOTNET_PerfMapJitDumpPath") is { Length: > 0 } directory ? directory : "/tmp",
            $"perf-{Environment.ProcessId}.map");

    static readonly Lock Gate = new();

    /// <summary>Lines kept until the process exits, when the runtime writes the map too (see <see cref="Append"/>).</summary>
    static StringBuilder? atExit;

    /// <summary>Adds a line for every function and stub of <paramref name="code"/> (each runs to the next one's start;
    /// the last to the end of the instructions). When the runtime writes the map too (<c>DOTNET_PerfMapEnabled</c>), it
    /// writes at its own position in the file and would overwrite lines appended meanwhile, so MiniJit's lines are kept
    /// and appended as the process exits, after the runtime's; profilers read the map after the run. Otherwise the file
    /// is MiniJit's alone and each line is appended at once.</summary>
    public static void Append(CompiledCode code)
    {
        var starts = code.Symbols.Keys.Order().ToList();
        var text = new StringBuilder();
        for (int i = 0; i < starts.Count; i++)
        {
            int end = i + 1 < starts.Count ? starts[i + 1] : code.CodeLength;
            text.Append((code.Address + starts[i]).ToString("x", CultureInfo.InvariantCulture)).Append(' ')
                .Append((end - starts[i]).ToString("x", CultureInfo.InvariantCulture)).Append(' ')
                .Append(code.Symbols[starts[i]]).Append(" [MiniJit]\n");
        }
        lock (Gate)
        {
            if (!EnabledByEnvironment)
            {
                File.AppendAllText(PathOfThisProcess, text.ToString());
                return;
            }
            if (atExit is null)
            {
                atExit = new StringBuilder();
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    lock (Gate) File.AppendAllText(PathOfThisProcess, atExit.ToString());
                };
            }
            atExit.Append(text);
        }
    }
}
