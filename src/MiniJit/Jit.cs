using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using MiniJit.Binding;

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
    /// <summary>Compiles the method behind <paramref name="method"/> (a static method, or a lambda that captures
    /// nothing) and returns a delegate of the same type bound to native code.</summary>
    /// <exception cref="JitException">The method uses something MiniJit cannot compile; the message says what and where.</exception>
    public static TDelegate Compile<TDelegate>(TDelegate method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        var (info, ignoreThis) = TargetOf(method);
        return Bind<TDelegate>(JitCompiler.Compile(info, ignoreThis, options ?? JitOptions.Default));
    }

    /// <summary>Compiles a static method found by reflection (public or not).</summary>
    public static TDelegate Compile<TDelegate>(MethodInfo method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        if (!method.IsStatic)
            throw new JitException(method, null, null, "instance methods are not supported; pass a static method or a non-capturing lambda");
        CheckSignature(typeof(TDelegate), method);
        return Bind<TDelegate>(JitCompiler.Compile(method, ignoreThis: false, options ?? JitOptions.Default));
    }

    /// <summary>
    /// The seed's <c>@jit</c> decorator: a delegate that compiles <paramref name="method"/> on its first call and
    /// from then on calls the native code. If compilation fails, it calls the managed method instead and reports
    /// why through <see cref="JitOptions.Log"/> — never silently. Concurrent first calls compile once.
    /// </summary>
    public static TDelegate Lazy<TDelegate>(TDelegate method, JitOptions? options = null) where TDelegate : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        var state = new LazyCompilation<TDelegate>(method, options ?? JitOptions.Default);
        // (args) => state.Resolve()(args): an expression tree builds a forwarder of any delegate type without
        // Reflection.Emit in our code; it costs one extra delegate call per call.
        var invoke = typeof(TDelegate).GetMethod("Invoke")!;
        var parameters = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType, p.Name)).ToArray();
        var resolve = Expression.Call(Expression.Constant(state), typeof(LazyCompilation<TDelegate>).GetMethod(nameof(LazyCompilation<TDelegate>.Resolve))!);
        var forwarder = Expression.Lambda<TDelegate>(Expression.Invoke(resolve, parameters), parameters).Compile();
        LazyStates.Add(forwarder, state);
        return forwarder;
    }

    /// <summary>The machine code behind a delegate from <see cref="Compile{TDelegate}(TDelegate, JitOptions?)"/>, or
    /// from <see cref="Lazy{TDelegate}"/> once it has been called: one line per instruction (address, bytes, Intel syntax).</summary>
    public static string Disassemble(Delegate compiled) => CodeOf(compiled).Disassemble();

    /// <summary>The compiled unit behind a delegate, to inspect it or to free its memory early.</summary>
    public static CompiledCode CodeOf(Delegate compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        if (LazyStates.TryGetValue(compiled, out var lazy))
            return lazy.Compiled is { } inner
                ? CodeOf(inner)
                : throw new InvalidOperationException(lazy.FellBack
                    ? "this lazy delegate fell back to the managed method; there is no machine code"
                    : "this lazy delegate has not been called yet, so it is not compiled");
        return compiled.Target is Thunk { Owner: CompiledCode code }
            ? code
            : throw new ArgumentException("the delegate was not produced by Jit.Compile or Jit.Lazy", nameof(compiled));
    }

    static readonly ConditionalWeakTable<Delegate, ILazyCompilation> LazyStates = [];

    static TDelegate Bind<TDelegate>(CompiledCode code) where TDelegate : Delegate =>
        (TDelegate)NativeBinding.CreateDelegate(typeof(TDelegate), code.EntryStub, code.Memory, code, code.Bounded);

    /// <summary>What to compile for a delegate. A C# lambda is an instance method of a compiler-generated class;
    /// when it captures nothing, that class has no fields and `this` is never read, so it can be ignored.</summary>
    static (MethodInfo Method, bool IgnoreThis) TargetOf(Delegate method)
    {
        if (method.GetInvocationList().Length > 1)
            throw new JitException(method.Method, null, null, "a multicast delegate cannot be compiled; pass one method");
        var info = method.Method;
        if (info.IsStatic) return (info, false);
        var target = method.Target!;
        var captured = target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (captured.Length > 0)
            throw new JitException(info, null, null,
                $"the lambda captures {string.Join(", ", captured.Select(f => $"'{f.Name}'"))}; only lambdas that capture nothing can be compiled");
        if (!target.GetType().IsDefined(typeof(CompilerGeneratedAttribute)))
            throw new JitException(info, null, null, "instance methods are not supported; pass a static method or a non-capturing lambda");
        return (info, true);
    }

    static void CheckSignature(Type delegateType, MethodInfo method)
    {
        var invoke = delegateType.GetMethod("Invoke")!;
        var expected = invoke.GetParameters().Select(p => p.ParameterType);
        if (invoke.ReturnType != method.ReturnType || !expected.SequenceEqual(method.GetParameters().Select(p => p.ParameterType)))
            throw new ArgumentException($"{JitException.MethodName(method)} does not match the signature of {delegateType.Name}");
    }

    interface ILazyCompilation
    {
        Delegate? Compiled { get; }
        bool FellBack { get; }
    }

    /// <summary>The state behind a lazy delegate: the managed method until the first call, then the compiled one
    /// (or, if compiling failed, the managed method for good).</summary>
    sealed class LazyCompilation<TDelegate>(TDelegate managed, JitOptions options) : ILazyCompilation where TDelegate : Delegate
    {
        readonly Lock gate = new();
        volatile TDelegate? resolved;
        TDelegate? compiled;

        public Delegate? Compiled => compiled;
        public bool FellBack { get; private set; }

        public TDelegate Resolve() => resolved ?? CompileOnce();

        TDelegate CompileOnce()
        {
            lock (gate)
            {
                if (resolved is not null) return resolved;
                try
                {
                    compiled = Jit.Compile(managed, options);
                    resolved = compiled;
                }
                catch (JitException e)
                {
                    options.Log?.Invoke($"fell back to managed for {JitException.MethodName(managed.Method)}: {e.Message}");
                    FellBack = true;
                    resolved = managed;
                }
                return resolved;
            }
        }
    }
}
