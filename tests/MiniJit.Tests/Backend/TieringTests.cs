using System.Diagnostics;

namespace MiniJit.Tests.Backend;

/// <summary>Tiered compilation: baseline code first, optimized code swapped in after a number of calls.</summary>
public class TieringTests
{
    static readonly JitOptions Tiered = new() { Tiered = true, TierUpCalls = 5 };

    /// <summary>Waits for the tiering timer to swap the optimized code in (it looks every 20 ms; the compile takes
    /// milliseconds). The limit only keeps a broken tier-up from hanging the suite.</summary>
    static CompiledCode WaitForTierUp(CompiledCode code)
    {
        var clock = Stopwatch.StartNew();
        while (code.Optimized is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"{code.Name} did not tier up");
            Thread.Sleep(5);
        }
        return code.Optimized;
    }

    [Fact]
    public void A_tiered_method_starts_on_the_baseline_and_moves_to_optimized_code()
    {
        var log = new List<string>();
        var fib = Jit.Compile<Func<int, int>>(BaselinePrograms.Fib, new JitOptions { Tiered = true, TierUpCalls = 5, Log = line => { lock (log) log.Add(line); } });
        var code = Jit.CodeOf(fib);
        Assert.Null(code.Optimized);
        lock (log) Assert.Contains(log, line => line.StartsWith("compiled ", StringComparison.Ordinal) && line.Contains("Fib"));
        for (int n = 0; n < 10; n++) Assert.Equal(BaselinePrograms.Fib(n), fib(n));
        var optimized = WaitForTierUp(code);
        Assert.NotEqual(code.Disassemble(), optimized.Disassemble());
        for (int n = -2; n < 25; n++) Assert.Equal(BaselinePrograms.Fib(n), fib(n));
        lock (log) Assert.Contains(log, line => line.StartsWith("tiering: ", StringComparison.Ordinal) && line.EndsWith("Fib now runs optimized code", StringComparison.Ordinal));
    }

    [Fact]
    public void Bounded_code_tiers_up_through_its_direct_entry()
    {
        var foo = Jit.Compile<Func<long, long, long>>(BaselinePrograms.Foo, Tiered);
        var code = Jit.CodeOf(foo);
        Assert.NotEqual(0, code.DirectEntry);
        for (int i = 0; i < 10; i++) Assert.Equal(BaselinePrograms.Foo(i, 3), foo(i, 3));
        WaitForTierUp(code);
        Assert.Equal(BaselinePrograms.Foo(long.MaxValue, -7), foo(long.MaxValue, -7));
    }

    [Fact]
    public void Calls_running_while_the_code_is_swapped_all_finish_with_the_right_result()
    {
        var gcd = Jit.Compile<Func<int, int, int>>(BaselinePrograms.Gcd, new JitOptions { Tiered = true, TierUpCalls = 2000 });
        var code = Jit.CodeOf(gcd);
        int wrong = 0;
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            while (code.Optimized is null || random.Next(2000) != 0)
            {
                int a = random.Next(1, 1_000_000), b = random.Next(1, 1_000_000);
                if (gcd(a, b) != BaselinePrograms.Gcd(a, b)) Interlocked.Increment(ref wrong);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, wrong);
        Assert.NotNull(code.Optimized);
    }

    [Fact]
    public void Errors_surface_the_same_on_both_tiers()
    {
        var divide = Jit.Compile<Func<int, int, int>>(BaselinePrograms.DivideByZero, Tiered);
        var code = Jit.CodeOf(divide);
        for (int i = 0; i < 10; i++) Assert.Throws<DivideByZeroException>(() => divide(i, 0));
        WaitForTierUp(code);
        Assert.Throws<DivideByZeroException>(() => divide(1, 0));
        Assert.Throws<OverflowException>(() => divide(int.MinValue, -1));
        Assert.Equal(-3, divide(7, -2));
    }

    [Fact]
    public void A_method_the_baseline_gives_up_tiers_up_from_its_unoptimized_ir_code()
    {
        var sum = Jit.Compile<Func<int, int>>(BaselinePrograms.Sum, Tiered);
        for (int i = 0; i < 10; i++) Assert.Equal(BaselinePrograms.Sum(i), sum(i));
        WaitForTierUp(Jit.CodeOf(sum));
        Assert.Equal(BaselinePrograms.Sum(100), sum(100));
    }

    [Fact]
    public void With_the_optimizer_off_tiered_code_stays_on_the_baseline()
    {
        var fib = Jit.Compile<Func<int, int>>(BaselinePrograms.Fib, new JitOptions { Tiered = true, Optimize = false, TierUpCalls = 1 });
        for (int n = 0; n < 20; n++) Assert.Equal(BaselinePrograms.Fib(n), fib(n));
        Thread.Sleep(100);   // five looks of the tiering timer, had it been watching
        Assert.Null(Jit.CodeOf(fib).Optimized);
    }

    [Fact]
    public void Disposed_tiered_code_never_runs_again_whenever_the_tier_up_comes()
    {
        // Disposed at once, or after a tier-up that may be under way: the timer must cope with both.
        foreach (int wait in new[] { 0, 50 })
        {
            var fib = Jit.Compile<Func<int, int>>(BaselinePrograms.Fib, Tiered);
            var code = Jit.CodeOf(fib);
            for (int n = 0; n < 10; n++) fib(n);
            Thread.Sleep(wait);
            code.Dispose();
            Thread.Sleep(100);
            Assert.Throws<ObjectDisposedException>(() => fib(3));
        }
    }
}
