using System.Diagnostics;
using System.Runtime.CompilerServices;
using MiniJit.Tests.CodeMemory;

namespace MiniJit.Tests;

/// <summary>What happens to delegates when their code is disposed or collected: they throw, and their pages are
/// never run again. Reads /proc/self/maps and counts on page reuse, so it runs alone.</summary>
[Collection(nameof(ProcessMemoryMap))]
public class CompiledCodeDisposeTests
{
    static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void Calls_after_dispose_throw_ObjectDisposedException()
    {
        var increment = Jit.Compile<Func<long, long>>(x => x + 1);
        Assert.Equal(6, increment(5));
        Jit.CodeOf(increment).Dispose();
        Assert.Throws<ObjectDisposedException>(() => increment(5));
        Jit.CodeOf(increment).Dispose();
        Assert.Throws<ObjectDisposedException>(() => increment(5));
        Assert.Throws<ObjectDisposedException>(() => Jit.Disassemble(increment));
    }

    [Fact]
    public void A_lazy_delegate_throws_after_its_code_is_disposed()
    {
        var lazy = Jit.Lazy<Func<long, long>>(x => x * 5);
        Assert.Equal(35, lazy(7));
        Jit.CodeOf(lazy).Dispose();
        Assert.Throws<ObjectDisposedException>(() => lazy(7));
    }

    [Fact]
    public void A_unit_that_reuses_the_pages_of_disposed_code_is_never_run_by_the_old_delegate()
    {
        var increment = Jit.Compile<Func<long, long>>(x => x + 1);
        var address = Jit.CodeOf(increment).Address;
        Assert.Equal(6, increment(5));
        Jit.CodeOf(increment).Dispose();
        Collect();

        // First fit: compiling enough new units reaches the freed pages (lower holes fill first).
        var sevens = new List<Func<long, long>>();
        while (sevens.Count < 1024 && (sevens.Count == 0 || Jit.CodeOf(sevens[^1]).Address != address))
            sevens.Add(Jit.Compile<Func<long, long>>(x => 7));
        Assert.Equal(address, Jit.CodeOf(sevens[^1]).Address);
        Assert.Equal(7, sevens[^1](5));

        Assert.Throws<ObjectDisposedException>(() => increment(5));
        sevens.ForEach(s => Jit.CodeOf(s).Dispose());
    }

    [Fact]
    public void Disposed_code_never_runs_again_once_the_collector_has_seen_no_call_hold_it()
    {
        if (!OperatingSystem.IsLinux()) return;
        var square = Jit.Compile<Func<long, long>>(x => x * x);
        var (address, length) = (Jit.CodeOf(square).Address, Jit.CodeOf(square).Size);
        Assert.Equal(49, square(7));
        Assert.False(ExecutableMemoryTests.NeverRunsAgain(address, length));
        Jit.CodeOf(square).Dispose();
        Collect();
        Assert.True(ExecutableMemoryTests.NeverRunsAgain(address, length));
        GC.KeepAlive(square);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static (nint Address, int Length) CompileCallAndForget()
    {
        var cube = Jit.Compile<Func<long, long>>(x => x * x * x);
        Assert.Equal(-27, cube(-3));
        return (Jit.CodeOf(cube).Address, Jit.CodeOf(cube).Size);
    }

    [Fact]
    public void A_collected_delegate_gives_its_pages_back()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (address, length) = CompileCallAndForget();
        Collect();
        Assert.True(ExecutableMemoryTests.NeverRunsAgain(address, length));
    }
}

/// <summary>Dispose racing with calls on other threads, in a child process: if a call ran freed pages the process
/// would die, and here that fails the test instead of killing the test host.</summary>
public class DisposeRaceTests
{
    /// <param name="codeMemory">The child's code memory: two views of shared pages (the default on Linux), or pages
    /// that flip protection (the fallback, forced through the environment variable).</param>
    [Theory]
    [InlineData("")]
    [InlineData("mprotect")]
    public async Task Eight_threads_calling_while_units_are_disposed_get_right_results_or_ObjectDisposedException(string codeMemory)
    {
        var host = Path.Combine(AppContext.BaseDirectory, "MiniJit.DisposeRace.dll");
        var start = new ProcessStartInfo("dotnet", [host, "2000"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment[MiniJit.CodeMemory.PageAllocator.ModeVariable] = codeMemory;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = (await process.StandardOutput.ReadToEndAsync()).Trim();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {output} {await error}");
        // "ok <correct calls> <ObjectDisposedExceptions>": both outcomes must actually have happened.
        var fields = output.Split(' ');
        Assert.Equal("ok", fields[0]);
        Assert.True(long.Parse(fields[1]) > 0 && long.Parse(fields[2]) > 0, output);
    }
}
