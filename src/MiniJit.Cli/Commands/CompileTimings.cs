using System.Globalization;
using System.Reflection;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit explain … --timings</c>: where one compile spends its time and memory, stage by stage. The method is
/// compiled <c>--repeat</c> times (after at least as many warm-up compiles, for <c>--warmup</c> seconds or more, so that
/// MiniJit's own code has reached RyuJIT's tier 1) with
/// <see cref="JitOptions.Timing"/> collecting each stage; the table gives each stage's median time and allocation per
/// compile, in pipeline order. The verifier is off, as in a Release build's default.
/// </summary>
static class CompileTimings
{
    public static void Print(MethodInfo method, bool optimize, int repeat, double warmUpSeconds, TextWriter output)
    {
        var perCompile = new List<Dictionary<string, (double Microseconds, long Bytes)>>();
        var order = new List<string>();
        Dictionary<string, (double, long)>? current = null;
        var options = new JitOptions
        {
            Optimize = optimize,
            Verify = false,
            Timing = stage =>
            {
                if (current is null) return;
                if (!current.TryGetValue(stage.Stage, out var sum) && !order.Contains(stage.Stage)) order.Add(stage.Stage);
                current[stage.Stage] = (sum.Item1 + stage.Time.TotalMicroseconds, sum.Item2 + stage.BytesAllocated);
            },
        };
        // Warm-up, not recorded: MiniJit's own code must reach RyuJIT's tier 1, which takes a few hundred calls of each
        // method and the background recompilation's delay, so it goes on for some seconds (--warmup).
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < repeat || warmUp.Elapsed.TotalSeconds < warmUpSeconds; i++) TargetMethod.Compile(method, options);
        for (int i = 0; i < repeat; i++)
        {
            current = [];
            TargetMethod.Compile(method, options);
            perCompile.Add(current);
        }

        output.WriteLine($"=== {CilImporterName(method)}: compile timings, median of {repeat} compiles ({(optimize ? "optimizer on" : "optimizer off")}) ===");
        output.WriteLine($"{"stage",-32} {"µs",9} {"bytes",10}");
        double totalTime = 0;
        long totalBytes = 0;
        foreach (var stage in order)
        {
            double time = Median(perCompile.Select(c => c.GetValueOrDefault(stage).Microseconds));
            long bytes = (long)Median(perCompile.Select(c => (double)c.GetValueOrDefault(stage).Bytes));
            totalTime += time;
            totalBytes += bytes;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{stage,-32} {time,9:F2} {bytes,10}"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"sum of the medians",-32} {totalTime,9:F2} {totalBytes,10}"));
        double wholeTime = Median(perCompile.Select(c => c.Values.Sum(v => v.Microseconds)));
        long wholeBytes = (long)Median(perCompile.Select(c => (double)c.Values.Sum(v => v.Bytes)));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"median compile",-32} {wholeTime,9:F2} {wholeBytes,10}"));
        output.WriteLine();
    }

    static string CilImporterName(MethodInfo method) => $"{method.DeclaringType?.Name}.{method.Name}";

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
