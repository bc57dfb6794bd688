using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Tracing;

namespace MiniJit;

/// <summary>The "MiniJit" event source: compiles and fallbacks show up in dotnet-trace, dotnet-monitor or any
/// EventListener, and dotnet-counters shows its counters (methods compiled, bytes of machine code, compile time),
/// without a line of code in the application.</summary>
[EventSource(Name = "MiniJit")]
sealed class JitEventSource : EventSource
{
    public static readonly JitEventSource Log = new();

    long methodsCompiled, codeBytes, compileTicks;   // ticks of 100 ns
    PollingCounter? methodsCounter, codeCounter;
    IncrementingPollingCounter? compileRate, compileTime;

    /// <summary>A <see cref="Jit.Lazy{TDelegate}"/> delegate or a <see cref="JitAttribute"/> method could not compile
    /// <paramref name="method"/> and runs it managed.</summary>
    [Event(1, Level = EventLevel.Warning, Message = "fell back to managed for {0}: {1}")]
    public void Fallback(string method, string reason) => WriteEvent(1, method, reason);

    /// <summary>A unit was compiled: its root method (or lambda), the bytes of IL of the methods compiled from IL into it,
    /// the bytes of machine code, how long it took and whether the optimizer ran.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The payload is a string and primitives, which trimming cannot break.")]
    [Event(2, Level = EventLevel.Informational, Message = "compiled {0}: {1} bytes of IL to {2} bytes of code in {3} µs (optimized: {4})")]
    public unsafe void MethodCompiled(string method, int ilSize, int codeSize, double microseconds, bool optimized)
    {
        // WriteEventCore with the payload laid out by hand: the object[] overload boxes and is not trimming-safe.
        int optimizedFlag = optimized ? 1 : 0;   // an event's bool is four bytes
        fixed (char* name = method)
        {
            var data = stackalloc EventData[5];
            data[0] = new EventData { DataPointer = (nint)name, Size = (method.Length + 1) * sizeof(char) };
            data[1] = new EventData { DataPointer = (nint)(&ilSize), Size = sizeof(int) };
            data[2] = new EventData { DataPointer = (nint)(&codeSize), Size = sizeof(int) };
            data[3] = new EventData { DataPointer = (nint)(&microseconds), Size = sizeof(double) };
            data[4] = new EventData { DataPointer = (nint)(&optimizedFlag), Size = sizeof(int) };
            WriteEventCore(2, 5, data);
        }
    }

    /// <summary>Counts a compile for the counters, and writes <see cref="MethodCompiled"/> when someone listens.</summary>
    [NonEvent]
    public void Compiled(string method, int ilSize, int codeSize, TimeSpan time, bool optimized)
    {
        Interlocked.Increment(ref methodsCompiled);
        Interlocked.Add(ref codeBytes, codeSize);
        Interlocked.Add(ref compileTicks, time.Ticks);
        if (IsEnabled(EventLevel.Informational, EventKeywords.All)) MethodCompiled(method, ilSize, codeSize, time.TotalMicroseconds, optimized);
    }

    protected override void OnEventCommand(EventCommandEventArgs command)
    {
        if (command.Command != EventCommand.Enable) return;
        // Created once someone listens, as the runtime's own counters are.
        methodsCounter ??= new PollingCounter("methods-compiled", this, () => Interlocked.Read(ref methodsCompiled)) { DisplayName = "Methods compiled" };
        compileRate ??= new IncrementingPollingCounter("methods-compiled-rate", this, () => Interlocked.Read(ref methodsCompiled))
        {
            DisplayName = "Methods compiled",
            DisplayRateTimeScale = TimeSpan.FromSeconds(1),
        };
        codeCounter ??= new PollingCounter("code-bytes", this, () => Interlocked.Read(ref codeBytes)) { DisplayName = "Machine code", DisplayUnits = "B" };
        compileTime ??= new IncrementingPollingCounter("compile-time", this, () => Interlocked.Read(ref compileTicks) / (double)TimeSpan.TicksPerMillisecond)
        {
            DisplayName = "Time spent compiling",
            DisplayUnits = "ms",
            DisplayRateTimeScale = TimeSpan.FromSeconds(1),
        };
    }
}
