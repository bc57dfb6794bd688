using System.Diagnostics.Tracing;

namespace MiniJit.Tests;

/// <summary>A lazy delegate that cannot compile never degrades silently: the Fallback event fires without any option
/// set, ThrowOnFallback turns the fallback into the exception, and no failure is retried on every call.</summary>
public class LazyFallbackTests
{
    // Each test has its own method, so that fallbacks raised by tests running in parallel are told apart.
    static long HalvesThroughString(long a) => a * "ab".Length / 4;
    static long ThirdsThroughString(long a) => a * "abc".Length / 9;
    static long Plus(long a) => a + 40;
    static long QuartersThroughString(long a) => a * "a".Length / 4;

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
        var lazy = Jit.Lazy<Func<long, long>>(HalvesThroughString);
        var seen = Record(() =>
        {
            Assert.Equal(HalvesThroughString(41), lazy(41));
            Assert.Equal(HalvesThroughString(-9), lazy(-9));
        }, nameof(HalvesThroughString));
        var fallback = Assert.Single(seen);
        var error = Assert.IsType<JitException>(fallback.Error);
        Assert.Equal("ldstr", error.OpCode);
        Assert.StartsWith($"fell back to managed for {typeof(LazyFallbackTests).FullName}.{nameof(HalvesThroughString)}: ", fallback.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_fallback_is_written_to_the_MiniJit_event_source()
    {
        using var listener = new FallbackListener();
        var lazy = Jit.Lazy<Func<long, long>>(QuartersThroughString);
        Assert.Equal(QuartersThroughString(8), lazy(8));
        var (_, reason) = Assert.Single(listener.Events, e => e.Method.EndsWith("." + nameof(QuartersThroughString), StringComparison.Ordinal));
        Assert.Contains("ldstr", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowOnFallback_throws_the_compile_failure_on_every_call_after_compiling_once()
    {
        var lazy = Jit.Lazy<Func<long, long>>(ThirdsThroughString, new JitOptions { ThrowOnFallback = true });
        var seen = Record(() =>
        {
            for (var call = 0; call < 3; call++)
                Assert.Equal("ldstr", Assert.Throws<JitException>(() => lazy(9)).OpCode);
        }, nameof(ThirdsThroughString));
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
