using System.Diagnostics;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using MiniJit.Cli.Fuzzing;

namespace MiniJit.Tests.ClrParity;

/// <summary>
/// Frames far larger than the stack guard's margin: a recursion with 10,000 values live across its self-call (an
/// 80 KB frame with the optimizer on or off), and a leaf with 1,000 values live at once (8 KB, more than a page)
/// called from a recursion. Before the guard accounted for the frame, these killed the process; now they throw
/// InsufficientExecutionStackException on small and large thread stacks and on the main thread, and the next call
/// works.
/// </summary>
public class StackGuardTests
{
    const int LiveAcrossCall = 10_000, LiveInLeaf = 1_000;

    static readonly Lazy<byte[]> Image = new(() => ProgramCompiler.Emit(Source(), "BigFrames", OptimizationLevel.Release));
    static readonly Lazy<Type> Programs = new(() => Assembly.Load(Image.Value).GetType("BigFrames")!);

    /// <summary>Values n * k + i, all summed after the point where the last is defined, so all are live there.</summary>
    static string Values(int count, string after)
    {
        var text = new StringBuilder();
        for (int i = 0; i < count; i++) text.Append($"        long v{i} = n * {2 * i + 3} + {i};\n");
        text.Append(after);
        text.Append($"        long s = v{count - 1};\n");
        for (int i = count - 2; i >= 0; i--) text.Append($"        s ^= v{i} + s;\n");
        return text.ToString();
    }

    static string Source() => $$"""
        public static class BigFrames
        {
            public static long Deep(long n)
            {
                if (n <= 0) return 1;
        {{Values(LiveAcrossCall, "        long r = Deep(n - 1);\n")}}
                return s + r;
            }

            public static long Leaf(long n)
            {
        {{Values(LiveInLeaf, "")}}
                return s;
            }

            public static long CallsLeaf(long n) => n <= 0 ? 0 : (Leaf(n) & 7) + CallsLeaf(n - 1);
        }
        """;

    static Func<long, long> Compile(string name, bool optimize) =>
        Jit.Compile<Func<long, long>>(Programs.Value.GetMethod(name)!, new JitOptions { Optimize = optimize, Verify = true });

    static Func<long, long> Managed(string name) => Programs.Value.GetMethod(name)!.CreateDelegate<Func<long, long>>();

    /// <summary>Runs on a thread of its own with the given stack, rethrowing what failed there.</summary>
    static void OnThread(int stackBytes, Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try { action(); }
            catch (Exception e) { failure = e; }
        }, stackBytes);
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Exception("on the thread", failure);
    }

    [Theory]
    [InlineData(true, 256 * 1024)]
    [InlineData(false, 256 * 1024)]
    [InlineData(true, 2 * 1024 * 1024)]
    [InlineData(false, 2 * 1024 * 1024)]
    public void A_recursion_with_ten_thousand_values_live_across_its_call_throws_then_works(bool optimize, int stackBytes)
    {
        var deep = Compile("Deep", optimize);
        var callsLeaf = Compile("CallsLeaf", optimize);
        OnThread(stackBytes, () =>
        {
            Assert.Throws<InsufficientExecutionStackException>(() => deep(1_000_000));
            Assert.Equal(Managed("Deep")(1), deep(1));
            Assert.Throws<InsufficientExecutionStackException>(() => callsLeaf(1_000_000));
            Assert.Equal(Managed("CallsLeaf")(20), callsLeaf(20));
            Assert.Throws<InsufficientExecutionStackException>(() => deep(1_000_000));
        });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_frames_stay_small_enough_for_ordinary_depths(bool optimize)
    {
        // Shared spill slots: 10,000 values live at once need 10,000 slots, but not one slot per value ever spilled.
        Assert.Equal(Managed("Deep")(3), Compile("Deep", optimize)(3));
        Assert.Equal(Managed("Leaf")(-12345), Compile("Leaf", optimize)(-12345));
    }

    [Theory]
    [InlineData("Deep", "")]
    [InlineData("CallsLeaf", "")]
    [InlineData("Deep", "--no-opt")]
    public async Task On_the_main_thread_the_process_survives(string method, string flag)
    {
        // `minijit run` calls the compiled code on its process's main thread, whose stack grows on demand.
        var file = Path.Combine(Path.GetTempPath(), $"BigFrames-{Environment.ProcessId}-{method}{flag}.dll");
        File.WriteAllBytes(file, Image.Value);
        try
        {
            var cli = Path.Combine(AppContext.BaseDirectory, "MiniJit.Cli.dll");
            string[] args = [cli, "run", file, $"BigFrames.{method}", "1000000", .. flag == "" ? Array.Empty<string>() : [flag]];
            var start = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = await process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 1, $"exit code {process.ExitCode}: {await output} {error}");
            Assert.Contains("InsufficientExecutionStackException", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
