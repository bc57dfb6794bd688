using System.Diagnostics;

namespace MiniJit;

/// <summary>How long one stage of one compile took and how many bytes it allocated (on the compiling thread).
/// <see cref="JitOptions.Timing"/> receives one per stage, in order; a stage that runs for every function of a unit
/// (import, each optimizer pass, allocation, …) is reported once per function.</summary>
public readonly record struct StageTiming(string Stage, TimeSpan Time, long BytesAllocated);

/// <summary>Measures a compile stage by stage: each <see cref="Lap"/> reports the time and allocation since the one
/// before. The compiler holds a null clock when nobody asked for timings, so measuring costs nothing then.</summary>
sealed class StageClock(Action<StageTiming> sink)
{
    long ticks = Stopwatch.GetTimestamp();
    long bytes = GC.GetAllocatedBytesForCurrentThread();

    public static StageClock? For(JitOptions options) => options.Timing is { } sink ? new StageClock(sink) : null;

    /// <summary>Ends the stage <paramref name="stage"/>, which began at the previous lap (or when the clock was made).</summary>
    public void Lap(string stage)
    {
        long nowTicks = Stopwatch.GetTimestamp(), nowBytes = GC.GetAllocatedBytesForCurrentThread();
        sink(new StageTiming(stage, Stopwatch.GetElapsedTime(ticks, nowTicks), nowBytes - bytes));
        // The sink's own work is not part of the next stage.
        ticks = Stopwatch.GetTimestamp();
        bytes = GC.GetAllocatedBytesForCurrentThread();
    }
}
