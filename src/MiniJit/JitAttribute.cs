namespace MiniJit;

/// <summary>
/// Runs a static method as MiniJit's machine code: the seed's <c>@jit</c> decorator, for C#.
/// <code>
/// [Jit]
/// static long SumSquares(long n) { long s = 0; for (long i = 1; i &lt;= n; i++) s += i * i; return s; }
///
/// SumSquares(1000);   // compiled to x86-64 on this first call, machine code from then on
/// </code>
/// The MiniJit package's source generator finds every call to such a method in the project and redirects it (a C#
/// interceptor) to a stub that compiles the method once, on its first call (concurrent first calls wait for one
/// compile), and then calls the native code. Calls from other assemblies, through delegates or through reflection run the
/// managed method, which returns the same results. A method MiniJit cannot compile runs its managed body: the
/// fallback raises <see cref="Jit.Fallback"/> and the event source's <c>Fallback</c> event, or with
/// <see cref="ThrowOnFallback"/> throws the compile error. The analyzer reports at build time what it can see will not
/// compile (MJIT001–MJIT005). In a project published with NativeAOT (<c>PublishAot</c>) the method is already native
/// code, and no call is redirected.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class JitAttribute : Attribute
{
    /// <summary><see cref="JitOptions.Optimize"/>: off compiles on the one-pass baseline tier.</summary>
    public bool Optimize { get; set; } = true;

    /// <summary><see cref="JitOptions.Tiered"/>: start on the baseline tier, optimize once the method is hot.</summary>
    public bool Tiered { get; set; }

    /// <summary><see cref="JitOptions.ThrowOnFallback"/>: a method that cannot be compiled throws the compile error on
    /// every call instead of running its managed body.</summary>
    public bool ThrowOnFallback { get; set; }
}

/// <summary>Marks a stub the <see cref="JitAttribute"/> generator wrote: every call to the method named here was
/// redirected to the stub. When MiniJit compiles a method that calls a stub, it compiles a call to the method itself
/// (whose native code it builds into the same unit) instead of the stub's managed trampoline.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class JitStubAttribute(Type declaringType, string methodName) : Attribute
{
    /// <summary>The class that declares the [Jit] method.</summary>
    public Type DeclaringType { get; } = declaringType;

    /// <summary>The [Jit] method's name; its parameters are the stub's.</summary>
    public string MethodName { get; } = methodName;
}
