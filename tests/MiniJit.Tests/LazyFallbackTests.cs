using System.Diagnostics.Tracing;

namespace MiniJit.Tests;

/// <summary>A lazy delegate that cannot compile never degrades silently: the Fallback event fires without any option
/// set, ThrowOnFallback turns the fallback into the exception, and no failure is retried on every call.</summary>
public class LazyFallbackTests
{
    // Each test has its own method, so that fallbacks raised by tests running in parallel are told apart.
    static long HalvesThroughDouble(long a) => (long)(a * 0.5);
    static long ThirdsThroughDouble(long a) => (long)(a / 3.0);
    static long Plus(long a) => a + 40;
    static long QuartersThroughDouble(long a) => (long)(a * 0.25);

    /// <summary>What a tool such as dotnet-trace would see: the "MiniJit" event source's Fallback events.</summary>
    sealed class FallbackListener : EventListener
    {
        readonly List<(string Method, string Reason)> events = [];

        public (string Method, string Reason)[] Events { get { lock (events) return [.. events]; } }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "MiniJit") EnableEvents(source, EventLevel.Warning);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName == "Fallback") lock (events) events.Add(((string)e.Payload![0]!, (string)e.Payload[1]!));
        }
    }

    static List<JitFallback> Record(Action run, string method)
    {
        var seen = new List<JitFallback>();
        void Handler(JitFallback f) { if (f.Method.Name == method) lock (seen) seen.Add(f); }
        Jit.Fallback += Handler;
        try { run(); }
        finally { Jit.Fallback -= Handler; }
        return seen;
    }

    [Fact]
    public void A_fallback_raises_the_Fallback_event_with_no_options_set()
    {
        var lazy = Jit.Lazy<Func<long, long>>(HalvesThroughDouble);
        var seen = Record(() =>
        {
            Assert.Equal(HalvesThroughDouble(41), lazy(41));
            Assert.Equal(HalvesThroughDouble(-9), lazy(-9));
        }, nameof(HalvesThroughDouble));
        var fallback = Assert.Single(seen);
        var error = Assert.IsType<JitException>(fallback.Error);
        Assert.Equal("conv.r8", error.OpCode);
        Assert.StartsWith($"fell back to managed for {typeof(LazyFallbackTests).FullName}.{nameof(HalvesThroughDouble)}: ", fallback.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fallback_is_written_to_the_MiniJit_event_source()
    {
        using var listener = new FallbackListener();
        var lazy = Jit.Lazy<Func<long, long>>(QuartersThroughDouble);
        Assert.Equal(QuartersThroughDouble(8), lazy(8));
        var (_, reason) = Assert.Single(listener.Events, e => e.Method.EndsWith("." + nameof(QuartersThroughDouble), StringComparison.Ordinal));
        Assert.Contains("conv.r8", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowOnFallback_throws_the_compile_failure_on_every_call_after_compiling_once()
    {
        var lazy = Jit.Lazy<Func<long, long>>(ThirdsThroughDouble, new JitOptions { ThrowOnFallback = true });
        var seen = Record(() =>
        {
            for (var call = 0; call < 3; call++)
                Assert.Equal("conv.r8", Assert.Throws<JitException>(() => lazy(9)).OpCode);
        }, nameof(ThirdsThroughDouble));
        Assert.Single(seen);
        Assert.Contains("could not compile", Assert.Throws<InvalidOperationException>(() => Jit.CodeOf(lazy)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_that_is_not_a_JitException_is_surfaced_once_and_not_retried()
    {
        var attempts = 0;
        var options = new JitOptions { Explain = _ => { Interlocked.Increment(ref attempts); throw new InvalidOperationException("explain failed"); } };
        var lazy = Jit.Lazy<Func<long, long>>(Plus, options);
        var seen = Record(() =>
        {
            for (long x = 0; x < 5; x++) Assert.Equal(Plus(x), lazy(x));
        }, nameof(Plus));
        Assert.Equal(1, attempts);
        Assert.IsType<InvalidOperationException>(Assert.Single(seen).Error);
    }
}
