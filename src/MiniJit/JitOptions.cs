using MiniJit.Ir;

namespace MiniJit;

/// <summary>What one compilation stage produced for one method: its printed form, and the IR itself for the IR stages.</summary>
public sealed record StageOutput(string Method, string Stage, string Text, Function? Ir = null);

/// <summary>How <see cref="Jit"/> compiles. All settings are optional.</summary>
public sealed class JitOptions
{
    /// <summary>Receives the seed's progress lines: "compiling X", "compiled X: n bytes in t µs" and, from
    /// <see cref="Jit.Lazy{TDelegate}"/>, "fell back to managed for X: reason".</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Makes a <see cref="Jit.Lazy{TDelegate}"/> delegate (or a <see cref="JitAttribute"/> method) throw the compile failure (on the first call and
    /// every call after it) instead of falling back to the managed method. <see cref="Jit.Fallback"/> is raised
    /// either way.</summary>
    public bool ThrowOnFallback { get; init; }

    /// <summary>Runs the optimizing pipeline (SSA IR, the optimizer, linear-scan allocation, the peephole pass). Off, the
    /// baseline tier translates CIL to machine code in one pass, several times faster (see README, "Tiers"); a method it
    /// does not translate goes through the IR without the optimizer.</summary>
    public bool Optimize { get; init; } = true;

    /// <summary>Tiered compilation: a method's code starts on the baseline tier (compiled in one pass, as with
    /// <see cref="Optimize"/> off) and, once it has been called <see cref="TierUpCalls"/> times, is compiled again with
    /// the optimizer on a background thread and swapped in; calls already running finish on the code they started on.
    /// With <see cref="Optimize"/> off there is nothing to tier up to, and the code stays on the baseline. Expression
    /// trees are compiled optimized at once (the baseline tier translates CIL). <see cref="CompiledCode.Optimized"/>
    /// tells when the swap has happened; <see cref="Log"/> is told too, from the background thread.</summary>
    public bool Tiered { get; init; }

    /// <summary>Appends every compiled function to the perf map, <c>/tmp/perf-PID.map</c>, so that <c>perf</c> and other
    /// profilers name MiniJit's code. On by default when the runtime's own variable asks for a perf map
    /// (<c>DOTNET_PerfMapEnabled=1</c> or <c>3</c>); the runtime then writes its methods to the same file.</summary>
    public bool PerfMap { get; init; } = MiniJit.PerfMap.EnabledByEnvironment;

    /// <summary>With <see cref="Tiered"/>: calls on the baseline tier before the method is optimized (30, as the CLR's
    /// call counting). The count is checked every 20 ms, so a method called in a tight loop is swapped a little later.</summary>
    public int TierUpCalls { get; init; } = 30;

    /// <summary>Checks the IR with the verifier after import and after every optimization pass, and proves the
    /// register allocation with <see cref="RegisterAllocation.AllocationChecker"/>. On by default in Debug builds of
    /// MiniJit (so every test checks every pass), off in Release, where compile time matters.</summary>
    public bool Verify { get; init; } = IsDebugBuild;

#if DEBUG
    const bool IsDebugBuild = true;
#else
    const bool IsDebugBuild = false;
#endif

    /// <summary>Receives what each stage produced, in order — the IL, the IR after import and after each pass that
    /// changed something, the lowered IR, live intervals and locations, machine code, and the disassembly of the
    /// whole unit. `minijit explain` prints these.</summary>
    public Action<StageOutput>? Explain { get; init; }

    /// <summary>Receives, stage by stage, how long a compile took and what it allocated: reading the IL, import, each
    /// optimizer pass, lowering, liveness, allocation, emission, the peephole pass, encoding, assembly, executable
    /// memory and binding (<c>minijit explain --timings</c> prints them). Leave <see cref="Explain"/> unset while
    /// measuring: printing each stage costs far more than the stage.</summary>
    public Action<StageTiming>? Timing { get; init; }

    internal static readonly JitOptions Default = new();

    /// <summary>These options with the optimizer on or off and without tiering; <paramref name="quiet"/> drops the
    /// per-stage callbacks (a compile on the tiering thread should not print stages in the middle of the caller's).</summary>
    internal JitOptions Untiered(bool optimize, bool quiet = false) => new()
    {
        Log = Log,
        ThrowOnFallback = ThrowOnFallback,
        Optimize = optimize,
        Verify = Verify,
        Explain = quiet ? null : Explain,
        Timing = quiet ? null : Timing,
        PerfMap = PerfMap,
    };
}
