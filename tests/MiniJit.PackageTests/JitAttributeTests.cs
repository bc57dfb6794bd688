using System.Diagnostics.Tracing;
using System.Reflection;

namespace MiniJit.PackageTests;

/// <summary>
/// [Jit] from the package: every call to a [Jit] method in this project goes through a stub the package's generator
/// wrote, which compiles the method on its first call. The oracle is the managed method itself, reached through a
/// delegate (converting a method group to a delegate is not a call, so it is not redirected).
/// </summary>
public class JitAttributeTests
{
    static readonly Random Random = new(13);

    static long[] Longs(int count, long min, long max) => [.. Enumerable.Range(0, count).Select(_ => Random.NextInt64(min, max))];

    [Fact]
    public void Calls_run_native_code_that_returns_what_the_CLR_returns()
    {
        Func<long, long> sumSquares = Kernels.SumSquares;
        Func<long, int> collatz = Kernels.Collatz;
        Func<double, double, double, double, double> horner = Kernels.Horner;
        foreach (long n in Longs(50, -5, 3000))
        {
            Assert.Equal(sumSquares(n), Kernels.SumSquares(n));
            Assert.Equal(collatz(n), Kernels.Collatz(n));
            double x = n / 7.0;
            Assert.Equal(horner(x, 0.5, -2, 3), Kernels.Horner(x, 0.5, -2, 3));
        }
        // The code the calls ran: compiled, by MiniJit, into executable memory.
        foreach (Delegate method in new Delegate[] { sumSquares, collatz, horner })
        {
            var code = Jit.CodeOf(method);
            Assert.True(code.Size > 0);
            Assert.Contains(Jit.DisassembleInstructions(method), i => i.Mnemonic == "ret");
        }
        Assert.Contains("SumSquares", Jit.Disassemble(Kernels.SumSquares));
    }

    [Fact]
    public void Arrays_spans_and_out_parameters_cross_into_the_native_code()
    {
        double[] a = [.. Longs(100, -1000, 1000).Select(v => v / 8.0)], b = [.. Longs(100, -1000, 1000).Select(v => v / 3.0)];
        Func<double[], double[], double> dot = Kernels.Dot;
        Assert.Equal(dot(a, b), Kernels.Dot(a, b));
        int[] values = [.. Longs(77, int.MinValue, int.MaxValue).Select(v => (int)v)];
        Assert.Equal(values.Sum(v => (long)v), Kernels.SumSpan(values));
        Assert.Equal(0, Kernels.SumSpan([]));
        Kernels.MinMax(9, -4, out long min, out long max);
        Assert.Equal((-4L, 9L), (min, max));
        Assert.True(Jit.CodeOf(dot).Size > 0);
    }

    [Fact]
    public void Failures_the_CLR_detects_throw_the_same_exceptions()
    {
        Func<int, int, int> divide = Kernels.Divide;
        Func<long, long, long> multiply = Kernels.Checked;
        foreach (var (a, b) in new[] { (7, 2), (1, 0), (int.MinValue, -1), (-9, 4) })
            Assert.Equal(Outcome(() => divide(a, b)), Outcome(() => Kernels.Divide(a, b)));
        foreach (var (a, b) in new[] { (3L, 4L), (long.MaxValue, 2L), (long.MinValue, -1L), (-1L << 40, 1L << 30) })
            Assert.Equal(Outcome(() => multiply(a, b)), Outcome(() => Kernels.Checked(a, b)));
        Assert.True(Jit.CodeOf(divide).Size > 0);
    }

    static string Outcome<T>(Func<T> run)
    {
        try { return $"= {run()}"; }
        catch (Exception e) { return e.GetType().Name; }
    }

    [Fact]
    public void A_recursive_method_and_a_helper_that_calls_a_Jit_method_compile_through_the_stubs()
    {
        long[] fib = new long[30];
        for (int i = 0; i < fib.Length; i++) fib[i] = i < 2 ? i : fib[i - 1] + fib[i - 2];
        for (int i = 0; i < fib.Length; i++) Assert.Equal(fib[i], Kernels.Fib(i));
        for (long x = -20; x <= 20; x++) Assert.Equal(2 * x * x + 1, Kernels.ThroughHelper(x));
        // Compiled, not fallen back: the calls to the stubs inside them were compiled as calls to the methods.
        Assert.True(Jit.CodeOf(Kernels.Fib).Size > 0);
        Assert.True(Jit.CodeOf(Kernels.ThroughHelper).Size > 0);
    }

    [Fact]
    public void A_private_method_is_compiled_too()
    {
        for (long x = -5; x <= 5; x++) Assert.Equal(x * 7 - 3, Kernels.CallHidden(x));
        var hidden = typeof(Kernels).GetMethod("Hidden", BindingFlags.Static | BindingFlags.NonPublic)!.CreateDelegate<Func<long, long>>();
        Assert.True(Jit.CodeOf(hidden).Size > 0);
    }

    [Fact]
    public void Tiered_starts_on_the_baseline_and_is_optimized_once_hot()
    {
        long sum = 0;
        for (long x = 0; x < 200; x++) sum += Kernels.Tiered(x);
        Assert.Equal(Enumerable.Range(0, 200).Sum(x => 3L * x + 1), sum);
        var code = Jit.CodeOf(Kernels.Tiered);
        for (var deadline = DateTime.UtcNow.AddSeconds(20); code.Optimized is null && DateTime.UtcNow < deadline; Thread.Sleep(10))
            Kernels.Tiered(1);
        Assert.NotNull(code.Optimized);
        Assert.Equal(31, Kernels.Tiered(10));
    }

    [Fact]
    public void Concurrent_first_calls_compile_once()
    {
        using var listener = new CompileListener();
        const int threads = 8;
        using var start = new Barrier(threads);
        var results = new long[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            results[t] = Kernels.FirstCallRace(t);
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(Enumerable.Range(0, threads).Select(t => (long)t ^ 0x5555), results);
        Assert.Single(listener.Compiled, name => name.EndsWith(".FirstCallRace", StringComparison.Ordinal));
    }

    [Fact]
    public void A_method_MiniJit_cannot_compile_runs_managed_and_says_so()
    {
        var seen = new List<JitFallback>();
        void Record(JitFallback f) { if (f.Method.Name == nameof(Kernels.FallsBack)) lock (seen) seen.Add(f); }
        Jit.Fallback += Record;
        try
        {
            Assert.Equal(4 + 5, Kernels.FallsBack(5));
            Assert.Equal(4 - 1, Kernels.FallsBack(-1));
        }
        finally { Jit.Fallback -= Record; }
        var fallback = Assert.Single(seen);
        Assert.Equal("ldstr", Assert.IsType<JitException>(fallback.Error).OpCode);
        Assert.Throws<InvalidOperationException>(() => Jit.CodeOf(Kernels.FallsBack));
    }

    [Fact]
    public void ThrowOnFallback_throws_the_compile_error_on_every_call()
    {
        Assert.Equal("ldstr", Assert.Throws<JitException>(() => Kernels.Throws(1)).OpCode);
        Assert.Equal("ldstr", Assert.Throws<JitException>(() => Kernels.Throws(2)).OpCode);
    }

    [Fact]
    public void The_package_generator_wrote_one_stub_per_called_method()
    {
        var stubs = typeof(Kernels).Assembly.GetTypes()
            .Where(t => t.Namespace == "MiniJit.Generated")
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public))
            .Select(m => m.GetCustomAttribute<JitStubAttribute>())
            .OfType<JitStubAttribute>()
            .Select(s => s.MethodName)
            .Order()
            .ToList();
        var jitMethods = typeof(Kernels).GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.IsDefined(typeof(JitAttribute)))
            .Select(m => m.Name)
            .Order()
            .ToList();
        Assert.Equal(jitMethods, stubs);
    }

    /// <summary>The MiniJit event source's compile events, by method name.</summary>
    sealed class CompileListener : EventListener
    {
        readonly List<string> compiled = [];

        public string[] Compiled { get { lock (compiled) return [.. compiled]; } }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "MiniJit") EnableEvents(source, EventLevel.Informational);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == "MethodCompiled") lock (compiled) compiled.Add((string)e.Payload![0]!);
        }
    }
}
