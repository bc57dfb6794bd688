using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using MiniJit.Cil;

namespace MiniJit;

/// <summary>
/// A method compiled on its first call: what <see cref="Jit.Lazy{TDelegate}"/> and the stubs of <see cref="JitAttribute"/>
/// methods call through. <see cref="Target"/> is the managed method until the first call, then the compiled one — or, if
/// compiling failed, the managed method for good (or, with <see cref="JitOptions.ThrowOnFallback"/>, the failure for good).
/// It never silently degrades: a failure raises <see cref="Jit.Fallback"/>, writes the reason to
/// <see cref="JitOptions.Log"/> and to the event source. It compiles only once: concurrent first calls wait for one
/// compile, and a failure is remembered.
/// </summary>
[RequiresUnreferencedCode(CilMethod.ReadsIL)]
[RequiresDynamicCode(Jit.NeedsIL)]
public sealed class JitOnFirstCall<TDelegate> : ICompiledOnFirstCall where TDelegate : Delegate
{
    readonly TDelegate managed;
    readonly JitOptions options;
    readonly Lock gate = new();
    volatile TDelegate? resolved;
    TDelegate? compiled;
    ExceptionDispatchInfo? failure;

    /// <summary>Prepares <paramref name="managed"/> (a static method, or a lambda that captures nothing) for compiling
    /// on the first read of <see cref="Target"/>.</summary>
    public JitOnFirstCall(TDelegate managed, JitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(managed);
        this.managed = managed;
        this.options = options ?? JitOptions.Default;
    }

    /// <summary>What a call runs: compiles on the first read, then returns the same delegate every time.</summary>
    public TDelegate Target => resolved ?? CompileOnce();

    /// <summary>The compiled delegate, or null before the first call and after a failed compile.</summary>
    public TDelegate? Compiled => compiled;

    Delegate? ICompiledOnFirstCall.Compiled => compiled;

    /// <summary>Whether the compile was tried and failed (the calls then run the managed method, or throw).</summary>
    public bool CompileFailed { get; private set; }

    TDelegate CompileOnce()
    {
        lock (gate)
        {
            failure?.Throw();
            if (resolved is not null) return resolved;
            try
            {
                compiled = Jit.Compile(managed, options);
                resolved = compiled;
                return resolved;
            }
            // Not only JitException: a failure of the platform or of the memory calls would fail again on every call,
            // so it is remembered and surfaced the same way.
            catch (Exception e)
            {
                CompileFailed = true;
                if (options.ThrowOnFallback) failure = ExceptionDispatchInfo.Capture(e);
                else resolved = managed;
                Jit.ReportFallback(new JitFallback(managed.Method, e), options);
                failure?.Throw();
                return managed;
            }
        }
    }
}

/// <summary>What <see cref="Jit.CodeOf"/> needs of a <see cref="JitOnFirstCall{TDelegate}"/> of any delegate type.</summary>
interface ICompiledOnFirstCall
{
    Delegate? Compiled { get; }
    bool CompileFailed { get; }
}
