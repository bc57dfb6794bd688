using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace MiniJit.Tests;

/// <summary>What profilers and tracing tools see of MiniJit: the "MiniJit" event source's compile events and
/// counters, and the perf map.</summary>
public class ToolVisibilityTests
{
    static long Polynomial(long x) => ((3 * x + 2) * x - 7) * x + 11;
    static long Cubed(long x) => x * x * x;

    /// <summary>What dotnet-trace and dotnet-counters would see.</summary>
    sealed class Listener : EventListener
    {
        readonly List<EventWrittenEventArgs> events = [];

        public EventWrittenEventArgs[] Events { get { lock (events) return [.. events]; } }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "MiniJit")
                EnableEvents(source, EventLevel.Informational, EventKeywords.All, new Dictionary<string, string?> { ["EventCounterIntervalSec"] = "1" });
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            lock (events) events.Add(e);
        }
    }

    [Fact]
    public void Each_compile_is_an_event_with_its_method_sizes_time_and_tier()
    {
        using var listener = new Listener();
        var optimized = Jit.CodeOf(Jit.Compile<Func<long, long>>(Polynomial));
        var baseline = Jit.CodeOf(Jit.Compile<Func<long, long>>(Polynomial, new JitOptions { Optimize = false }));
        var compiles = listener.Events.Where(e => e.EventName == "MethodCompiled" && ((string)e.Payload![0]!).EndsWith(".Polynomial", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, compiles.Count);
        Assert.Equal(["method", "ilSize", "codeSize", "microseconds", "optimized"], compiles[0].PayloadNames);
        int ilSize = typeof(ToolVisibilityTests).GetMethod(nameof(Polynomial), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .GetMethodBody()!.GetILAsByteArray()!.Length;
        Assert.Equal((ilSize, optimized.Size, true), ((int)compiles[0].Payload![1]!, (int)compiles[0].Payload![2]!, (bool)compiles[0].Payload![4]!));
        Assert.Equal((ilSize, baseline.Size, false), ((int)compiles[1].Payload![1]!, (int)compiles[1].Payload![2]!, (bool)compiles[1].Payload![4]!));
        Assert.True((double)compiles[0].Payload![3]! > 0);
    }

    [Fact]
    public void The_counters_count_methods_code_and_compile_time()
    {
        using var listener = new Listener();
        Jit.Compile<Func<long, long>>(Cubed);
        // Counters report once a second (EventCounterIntervalSec above); the limit only keeps a broken counter from hanging.
        var clock = Stopwatch.StartNew();
        var seen = new Dictionary<string, double>();
        while (seen.Count < 4)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"counters seen: {string.Join(", ", seen.Keys)}");
            foreach (var e in listener.Events.Where(e => e.EventName == "EventCounters"))
                if (e.Payload![0] is IDictionary<string, object> counter && counter["Name"] is string name)
                    seen[name] = System.Convert.ToDouble(counter.TryGetValue("Mean", out var mean) ? mean : counter["Increment"], CultureInfo.InvariantCulture);
            Thread.Sleep(50);
        }
        Assert.True(seen["methods-compiled"] >= 1);
        Assert.True(seen["code-bytes"] >= Jit.CodeOf(Jit.Compile<Func<long, long>>(Cubed)).Size);
        Assert.Contains("methods-compiled-rate", seen.Keys);
        Assert.Contains("compile-time", seen.Keys);
    }

    [Fact]
    public void The_perf_map_names_every_compiled_function()
    {
        var code = Jit.CodeOf(Jit.Compile<Func<long, long>>(Polynomial, new JitOptions { PerfMap = true }));
        var lines = File.ReadAllLines(PerfMap.PathOfThisProcess);
        var starts = code.Symbols.Keys.Order().ToList();
        for (int i = 0; i < starts.Count; i++)
        {
            int size = (i + 1 < starts.Count ? starts[i + 1] : code.CodeLength) - starts[i];
            Assert.Contains($"{code.Address + starts[i]:x} {size:x} {code.Symbols[starts[i]]} [MiniJit]", lines);
        }
        Assert.Contains(lines, line => line.EndsWith(".Polynomial [MiniJit]", StringComparison.Ordinal));
    }

    [Fact]
    public void With_the_runtimes_variable_the_map_has_MiniJits_functions_beside_the_runtimes()
    {
        // A child process, since the variable is read at startup: the CLI compiles and runs a method there.
        var folder = Directory.CreateTempSubdirectory("minijit-perfmap-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "MiniJit.Cli.dll"), "run",
                typeof(ToolVisibilityTests).Assembly.Location, "CliSamples.Square", "7"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["DOTNET_PerfMapEnabled"] = "3";
            start.Environment["DOTNET_PerfMapJitDumpPath"] = folder;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, output);
            var lines = File.ReadAllLines(Path.Combine(folder, $"perf-{process.Id}.map"));
            Assert.Contains(lines, line => line.EndsWith(" CliSamples.Square [MiniJit]", StringComparison.Ordinal));
            Assert.Contains(lines, line => line.EndsWith(" entry stub [MiniJit]", StringComparison.Ordinal));
            Assert.Contains(lines, line => line.Contains("MiniJit.JitCompiler::", StringComparison.Ordinal));   // the runtime's own lines, intact
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("0", false)]
    [InlineData("1", true)]
    [InlineData("2", false)]   // jitdump only
    [InlineData("3", true)]
    public void The_runtimes_variable_turns_the_perf_map_on(string? value, bool enabled) => Assert.Equal(enabled, PerfMap.EnabledBy(value));
}
