using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.Disassembly;

namespace MiniJit;

/// <summary>
/// MiniJit's front door: compile a C# method to x86-64 and get back a delegate of the same type that runs the
/// native code.
/// <code>
/// var foo = Jit.Compile&lt;Func&lt;long, long, long&gt;&gt;((a, b) =&gt; a * a - b * b);
/// foo(3, 2);                        // 5, computed by machine code MiniJit wrote
/// Console.Write(Jit.Disassemble(foo));
/// </code>
/// </summary>
public static class Jit
{
    /// <summary>Whether this process can run MiniJit's code: x86-64 Linux, where the System V calling convention
    /// it generates is the platform's. Elsewhere <see cref="Compile{TDelegate}(TDelegate, JitOptions?)"/> throws
    /// <see cref="PlatformNotSupportedException"/> and <see cref="Lazy{TDelegate}"/> falls back.</summary>
    public static bool IsSupported { get; } = PlatformError(RuntimeInformation.ProcessArchitecture, OperatingSystem.IsLinux(), RuntimeInformation.OSDescription) is null;

    /// <summary>Raised whenever a <see cref="Lazy{TDelegate}"/> delegate or a <see cref="JitAttribute"/> method falls
    /// back to its managed method, on the thread of the call that tried to compile, with the method and the exception
    /// that stopped compilation.</summary>
    public static event Action<JitFallback>? Fallback;

    /// <summary>Why code generated for System V x86-64 cannot run here, or null if it can. macOS on x86-64 is also
    /// System V, but MiniJit has never run there, so it is not claimed.</summary>
    internal static PlatformNotSupportedException? PlatformError(Architecture architecture, bool isLinux, string osDescription) =>
        architecture == Architecture.X64 && isLinux
            ? null
            : new PlatformNotSupportedException(
                $"MiniJit generates x86-64 code for the System V calling convention and supports only x86-64 Linux; this process runs on {architecture} {osDescription}.");

    /// <summary>The warning a NativeAOT application gets for a way in that compiles IL. At run time the same
    /// calls throw a <see cref="JitException"/> there (<see cref="CilMethod.NoILUnderNativeAot"/>); a lazy delegate
    /// falls back to its managed method.</summary>
    internal const string NeedsIL = "Compiling a method needs its IL, which NativeAOT does not keep; compile an expression tree instead.";

    static void ThrowIfUnsupported()
    {
        if (!IsSupported) throw PlatformError(RuntimeInformation.ProcessArchitecture, OperatingSystem.IsLinux(), RuntimeInformation.OSDescription)!;
    }

    /// <summary>Compiles the method behind <paramref name="method"/> (a static method, or a lambda that captures
    /// nothing) and returns a delegate of the same type bound to native code.</summary>
    /// <exception cref="JitException">The method uses something MiniJit cannot compile; the message says what and where.</exception>
    /// <exception cref="PlatformNotSupportedException">Not x86-64 Linux (see <see cref="IsSupported"/>).</exception>
    /// <remarks>A lambda written in the call converts to both a delegate and an expression tree; it means this
    /// overload (compile the lambda's method). To compile an expression tree, pass an
    /// <c>Expression&lt;TDelegate&gt;</c> value or call <c>CompileNative()</c> on it.</remarks>
    [OverloadResolutionPriority(1)]
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    [RequiresDynamicCode(NeedsIL)]
    public static TDelegate Compile<TDelegate>(TDelegate method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        ThrowIfUnsupported();
        var (info, ignoreThis) = TargetOf(method);
        options ??= JitOptions.Default;
        return Bind<TDelegate>(JitCompiler.Compile(info, ignoreThis, options), options);
    }

    /// <summary>
    /// Compiles <paramref name="method"/> for the hottest callers, who call it through an unmanaged function pointer
    /// instead of a delegate: the returned unit's <see cref="CompiledCode.DirectEntry"/> is the plain System V function of
    /// <typeparamref name="TDelegate"/>'s signature.
    /// <code>
    /// using var code = Jit.CompilePointer&lt;Func&lt;long, long, long&gt;&gt;((a, b) =&gt; a * b + 3);
    /// var f = (delegate* unmanaged[SuppressGCTransition]&lt;long, long, long&gt;)code.DirectEntry;
    /// f(2, 4);                          // 11
    /// </code>
    /// The rules a caller must follow: declare the pointer with exactly the delegate's parameter and result types (a
    /// bool result as int, of which only the low byte counts); keep <paramref name="method"/>'s unit alive and
    /// undisposed while any call may run (the pointer does not keep it alive, <c>using</c> or <see cref="GC.KeepAlive"/>
    /// does). Only code that cannot fail and returns quickly gets such an entry, so the call needs no frame, reports
    /// nothing and may skip the GC transition.
    /// </summary>
    /// <exception cref="JitException">The method cannot be compiled, or its code has no direct entry: it can fail (a
    /// division by a variable, a checked operation, an array access, a call), it loops, or its signature has other types
    /// than long, int, double and float (at most five integer and eight floating-point parameters); the message says which.</exception>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    [RequiresDynamicCode(NeedsIL)]
    public static CompiledCode CompilePointer<TDelegate>(TDelegate method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        ThrowIfUnsupported();
        var (info, ignoreThis) = TargetOf(method);
        var code = JitCompiler.Compile(info, ignoreThis, options ?? JitOptions.Default);
        if (code.DirectEntry != 0) return code;
        code.Dispose();
        var invoke = NativeBinding.InvokeMethodOf(typeof(TDelegate));
        string reason = !DirectEntry.Supports([.. invoke.GetParameters().Select(p => p.ParameterType)], invoke.ReturnType, JitCompiler.Convention)
            ? "its signature has other types than long, int, double and float, or more parameters than registers"
            : !code.Bounded ? "it loops or calls compiled code, so it may run long (it needs the GC transition and a stack check)"
            : "it can fail (a division by a variable, a checked operation, a memory access or a call into the runtime), and a plain function cannot report the exception";
        throw new JitException(info, null, null, $"no direct entry for a function pointer: {reason}; call it through Jit.Compile's delegate instead");
    }

    /// <summary>
    /// Compiles an expression tree to x86-64 and returns a delegate of its type bound to the native code: what
    /// <c>lambda.Compile()</c> returns, computed by machine code MiniJit wrote, without Reflection.Emit — so it
    /// also works in an app published with NativeAOT, where <c>Compile()</c> can only interpret.
    /// <code>
    /// Expression&lt;Func&lt;double, double, double&gt;&gt; e = (x, y) =&gt; x * x + Math.Sin(y);
    /// var f = Jit.Compile(e);           // or e.CompileNative()
    /// f(3, 0);                          // 9
    /// </code>
    /// </summary>
    /// <exception cref="JitException">A node MiniJit cannot compile: the message names the node type, its path in the
    /// tree (for example <c>Body.Right.Arguments[0]</c>) and why.</exception>
    /// <exception cref="PlatformNotSupportedException">Not x86-64 Linux (see <see cref="IsSupported"/>).</exception>
    public static TDelegate Compile<TDelegate>(Expression<TDelegate> lambda, JitOptions? options = null) where TDelegate : Delegate =>
        (TDelegate)Compile((LambdaExpression)lambda, options);

    /// <summary>Compiles an expression tree whose delegate type is known only at run time.</summary>
    /// <inheritdoc cref="Compile{TDelegate}(Expression{TDelegate}, JitOptions?)"/>
    public static Delegate Compile(LambdaExpression lambda, JitOptions? options = null)
    {
        var code = CompileToCode(lambda, options);
        try
        {
            return NativeBinding.CreateDelegate(lambda.Type, code);
        }
        catch
        {
            // A delegate type that cannot be bound here (under NativeAOT, one outside the precompiled set).
            code.Dispose();
            throw;
        }
    }

    /// <summary>Compiles an expression tree without binding a delegate: the unit, to call through
    /// <see cref="CompiledCode.CreateSlotFunction"/> — the way to call a tree of any signature under NativeAOT, where
    /// delegates can be bound only for <see cref="NativeBinding.AotDelegateTypes"/>.</summary>
    /// <inheritdoc cref="Compile{TDelegate}(Expression{TDelegate}, JitOptions?)"/>
    public static CompiledCode CompileToCode(LambdaExpression lambda, JitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        ThrowIfUnsupported();
        return JitCompiler.Compile(lambda, options ?? JitOptions.Default);
    }

    /// <summary>Compiles a static method found by reflection (public or not).</summary>
    /// <inheritdoc cref="Compile{TDelegate}(TDelegate, JitOptions?)"/>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    [RequiresDynamicCode(NeedsIL)]
    public static TDelegate Compile<TDelegate>(MethodInfo method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        ThrowIfUnsupported();
        if (!method.IsStatic)
            throw new JitException(method, null, null, "instance methods are not supported; pass a static method or a non-capturing lambda");
        CheckSignature(typeof(TDelegate), method);
        options ??= JitOptions.Default;
        return Bind<TDelegate>(JitCompiler.Compile(method, ignoreThis: false, options), options);
    }

    /// <summary>
    /// The seed's <c>@jit</c> decorator: a delegate that compiles <paramref name="method"/> on its first call and
    /// from then on calls the native code. If compilation fails for any reason, it never silently degrades: it raises
    /// <see cref="Fallback"/>, writes the reason to <see cref="JitOptions.Log"/>, and then either calls the managed
    /// method (the default) or, with <see cref="JitOptions.ThrowOnFallback"/>, throws the failure. Either way it
    /// compiles only once: concurrent first calls wait for one compilation, and a failure is remembered.
    /// </summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    [RequiresDynamicCode(NeedsIL)]
    public static TDelegate Lazy<TDelegate>(TDelegate method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        var state = new JitOnFirstCall<TDelegate>(method, options);
        // (args) => state.Resolve()(args): an expression tree builds a forwarder of any delegate type without
        // Reflection.Emit in our code; it costs one extra delegate call per call.
        var invoke = NativeBinding.InvokeMethodOf(typeof(TDelegate));
        if (invoke.GetParameters().FirstOrDefault(p => p.ParameterType.IsPointer || p.ParameterType.IsByRefLike) is { } unsupported)
            throw new ArgumentException($"Jit.Lazy cannot wrap {typeof(TDelegate).Name}: its parameter '{unsupported.Name}' is a "
                + $"{(unsupported.ParameterType.IsPointer ? "pointer" : "span")}, which the expression tree that forwards each call cannot take. "
                + "Use Jit.Compile, which binds any supported signature.", nameof(method));
        var parameters = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var resolve = Expression.Property(Expression.Constant(state), typeof(JitOnFirstCall<TDelegate>).GetProperty(nameof(JitOnFirstCall<TDelegate>.Target))!);
        var forwarder = Expression.Lambda<TDelegate>(Expression.Invoke(resolve, parameters), parameters).Compile();
        LazyStates.Add(forwarder, state);
        return forwarder;
    }

    /// <summary>
    /// What the stubs of <see cref="JitAttribute"/> methods call through (the generator writes this call; it is public
    /// for that code): <paramref name="method"/> compiled on its first call, as <see cref="Lazy{TDelegate}"/> does,
    /// and recorded so that <see cref="CodeOf"/> and <see cref="Disassemble"/> find the machine code from a plain
    /// delegate to the method (<c>Jit.Disassemble(SumSquares)</c>).
    /// </summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    [RequiresDynamicCode(NeedsIL)]
    public static JitOnFirstCall<TDelegate> OnFirstCall<TDelegate>(TDelegate method, JitOptions? options = null) where TDelegate : Delegate
    {
        var state = new JitOnFirstCall<TDelegate>(method, options);
        AttributedMethods[method.Method] = state;
        return state;
    }

    /// <summary>The [Jit] methods whose stubs have been set up in this process, by method.</summary>
    static readonly System.Collections.Concurrent.ConcurrentDictionary<MethodInfo, ICompiledOnFirstCall> AttributedMethods = new();

    internal static void ReportFallback(JitFallback fallback, JitOptions options)
    {
        options.Log?.Invoke(fallback.ToString());
        JitEventSource.Log.Fallback(JitException.MethodName(fallback.Method), fallback.Error.Message);
        Fallback?.Invoke(fallback);
    }

    /// <summary>The machine code behind a delegate from <see cref="Compile{TDelegate}(TDelegate, JitOptions?)"/>, from
    /// <see cref="Lazy{TDelegate}"/> once it has been called, or to a <see cref="JitAttribute"/> method once a call has
    /// compiled it: one line per instruction (address, bytes, Intel syntax).</summary>
    public static string Disassemble(Delegate compiled) => CodeOf(compiled).Disassemble();

    /// <summary>The machine code behind a compiled delegate as data, one record per instruction (address, bytes,
    /// mnemonic, operands, the function it belongs to): what <see cref="Disassemble"/> prints, for tools.</summary>
    public static IReadOnlyList<DisassembledInstruction> DisassembleInstructions(Delegate compiled) => CodeOf(compiled).DisassembleInstructions();

    /// <summary>The compiled unit behind a delegate, to inspect it or to free its memory early: a delegate from
    /// <see cref="Compile{TDelegate}(TDelegate, JitOptions?)"/> or <see cref="Lazy{TDelegate}"/>, or any delegate to a
    /// <see cref="JitAttribute"/> method (the unit its redirected calls run).</summary>
    public static CompiledCode CodeOf(Delegate compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        if (LazyStates.TryGetValue(compiled, out var lazy))
            return CompiledCodeOf(lazy, "this lazy delegate");
        if (compiled.Target is Thunk { Owner: CompiledCode code }) return code;
        if (compiled.Target is null && AttributedMethods.TryGetValue(compiled.Method, out var attributed))
            return CompiledCodeOf(attributed, $"[Jit] method {JitException.MethodName(compiled.Method)}");
        throw new ArgumentException("the delegate was not produced by Jit.Compile or Jit.Lazy, and its method is not a [Jit] method "
            + "whose calls have been redirected (the MiniJit package's generator does that in the project that calls it)", nameof(compiled));
    }

    static CompiledCode CompiledCodeOf(ICompiledOnFirstCall state, string what) =>
        state.Compiled is { } inner
            ? CodeOf(inner)
            : throw new InvalidOperationException(state.CompileFailed
                ? $"{what} could not compile its method; there is no machine code"
                : $"{what} has not been called yet, so it is not compiled");

    static readonly ConditionalWeakTable<Delegate, ICompiledOnFirstCall> LazyStates = [];

    static TDelegate Bind<TDelegate>(CompiledCode code, JitOptions options) where TDelegate : Delegate
    {
        var clock = StageClock.For(options);
        var bound = (TDelegate)NativeBinding.CreateDelegate(typeof(TDelegate), code);
        clock?.Lap("bind");
        return bound;
    }

    /// <summary>What to compile for a delegate. A C# lambda is an instance method of a compiler-generated class;
    /// when it uses none of that class's fields, `this` is never needed and can be ignored (the importer rejects any
    /// other use of it).</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    static (MethodInfo Method, bool IgnoreThis) TargetOf(Delegate method)
    {
        if (method.GetInvocationList().Length > 1)
            throw new JitException(method.Method, null, null, "a multicast delegate cannot be compiled; pass one method");
        var info = method.Method;
        var target = method.Target;
        if (info.IsStatic && target is null) return (info, false);
        if (info.IsStatic)
            throw new JitException(info, null, null, "the delegate is closed over its first argument; only the method's own parameters can be passed to compiled code");
        if (target is null)
            throw new JitException(info, null, null, "an open instance delegate passes `this` as an argument; instance methods are not supported");
        var captured = FieldsUsed(info, target.GetType());
        if (captured.Count > 0)
            throw new JitException(info, null, null,
                $"the lambda captures {string.Join(", ", captured.Select(f => $"'{f}'"))}; only lambdas that capture nothing can be compiled");
        if (!target.GetType().IsDefined(typeof(CompilerGeneratedAttribute)))
            throw new JitException(info, null, null, "instance methods are not supported; pass a static method or a non-capturing lambda");
        return (info, true);
    }

    /// <summary>The fields of <paramref name="closure"/> that <paramref name="method"/>'s IL loads, stores or takes
    /// the address of, in order of first use: the variables the lambda really captures (a closure class is shared by
    /// every lambda of a scope, so it may hold variables this one never touches).</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    static List<string> FieldsUsed(MethodInfo method, Type closure)
    {
        var il = CilMethod.FromMethod(method);
        return CilReader.Decode(il.IL, method)
            .Where(i => i.Op is CilOp.Ldfld or CilOp.Ldflda or CilOp.Stfld)
            .Select(i => il.ResolveField(i.Token, i))
            .Where(f => f.DeclaringType == closure)
            .Select(f => f.Name)
            .Distinct()
            .ToList();
    }

    static void CheckSignature(Type delegateType, MethodInfo method)
    {
        var invoke = NativeBinding.InvokeMethodOf(delegateType);
        var expected = invoke.GetParameters().Select(p => p.ParameterType);
        if (invoke.ReturnType != method.ReturnType || !expected.SequenceEqual(method.GetParameters().Select(p => p.ParameterType)))
            throw new ArgumentException($"{JitException.MethodName(method)} does not match the signature of {delegateType.Name}");
    }
}
