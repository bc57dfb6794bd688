using System.Collections.Concurrent;
using System.Reflection;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// Turns the address of an entry stub into an ordinary .NET delegate (<c>Func&lt;...&gt;</c>,
/// <c>Action&lt;...&gt;</c> or any custom delegate type) by binding it to a thunk of the matching shape.
/// </summary>
public static class NativeBinding
{
    /// <summary>Thunk classes exist for 0 to this many parameters, one for each argument slot of the frame.</summary>
    public const int MaxParameters = JitFrame.MaxArguments;

    static readonly Type[] FuncThunks =
    [
        typeof(FuncThunk<>), typeof(FuncThunk<,>), typeof(FuncThunk<,,>), typeof(FuncThunk<,,,>),
        typeof(FuncThunk<,,,,>), typeof(FuncThunk<,,,,,>), typeof(FuncThunk<,,,,,,>), typeof(FuncThunk<,,,,,,,>),
        typeof(FuncThunk<,,,,,,,,>),
    ];

    static readonly Type[] ActionThunks =
    [
        typeof(ActionThunk), typeof(ActionThunk<>), typeof(ActionThunk<,>), typeof(ActionThunk<,,>),
        typeof(ActionThunk<,,,>), typeof(ActionThunk<,,,,>), typeof(ActionThunk<,,,,,>), typeof(ActionThunk<,,,,,,>),
        typeof(ActionThunk<,,,,,,,>),
    ];

    /// <summary>Primitive types whose bits fit one 8-byte slot and one register.</summary>
    static readonly HashSet<Type> IntegerTypes =
    [
        typeof(long), typeof(ulong), typeof(int), typeof(uint), typeof(short), typeof(ushort),
        typeof(sbyte), typeof(byte), typeof(bool), typeof(char), typeof(nint), typeof(nuint),
    ];

    /// <summary>Creates a <typeparamref name="TDelegate"/> that calls the entry stub at
    /// <paramref name="entryStub"/>.</summary>
    /// <param name="memory">The executable memory holding the entry stub. The delegate keeps it alive; once it is
    /// disposed, calling the delegate throws <see cref="ObjectDisposedException"/>.</param>
    /// <exception cref="JitException">A parameter or the return type is not a supported primitive, or there are
    /// more than <see cref="MaxParameters"/> parameters.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entryStub"/> is not inside <paramref name="memory"/>.</exception>
    /// <param name="bounded">The code returns quickly (one function, no loops, no calls): it may be called without the
    /// GC transition. Never pass true for code that can run long.</param>
    public static TDelegate CreateDelegate<TDelegate>(nint entryStub, ExecutableMemory memory, bool bounded = false) where TDelegate : Delegate =>
        (TDelegate)CreateDelegate(typeof(TDelegate), entryStub, memory, memory, bounded);

    /// <inheritdoc cref="CreateDelegate{TDelegate}"/>
    public static Delegate CreateDelegate(Type delegateType, nint entryStub, ExecutableMemory memory, bool bounded = false) =>
        CreateDelegate(delegateType, entryStub, memory, memory, bounded);

    /// <param name="owner">What <c>Jit.CodeOf</c> finds behind the delegate.</param>
    internal static Delegate CreateDelegate(Type delegateType, nint entryStub, ExecutableMemory memory, object owner, bool bounded)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var (constructor, invoke) = Thunks.GetOrAdd(delegateType, ThunkFor);
        if (entryStub < memory.Address || entryStub >= memory.Address + memory.Length)
            throw new ArgumentOutOfRangeException(nameof(entryStub), "the entry stub must lie inside the executable memory");
        memory.NoteDelegateBound();
        var thunk = constructor.Invoke([entryStub, memory, owner, bounded]);
        return Delegate.CreateDelegate(delegateType, thunk, invoke);
    }

    /// <summary>The thunk class and its Invoke for each delegate type seen: the reflection that finds them costs more
    /// than the rest of a small compile, and its answer never changes.</summary>
    static readonly ConcurrentDictionary<Type, (ConstructorInfo Constructor, MethodInfo Invoke)> Thunks = new();

    static (ConstructorInfo, MethodInfo) ThunkFor(Type delegateType)
    {
        var invoke = InvokeMethodOf(delegateType);
        var parameters = invoke.GetParameters();
        if (parameters.Length > MaxParameters)
            throw new JitException($"{delegateType}: {parameters.Length} parameters; compiled code takes at most {MaxParameters}.");

        var typeArguments = new List<Type>();
        foreach (var parameter in parameters)
        {
            CheckSupported(delegateType, $"parameter '{parameter.Name}'", parameter.ParameterType);
            typeArguments.Add(parameter.ParameterType);
        }

        Type thunkType;
        if (invoke.ReturnType == typeof(void))
        {
            thunkType = ActionThunks[parameters.Length];
        }
        else
        {
            CheckSupported(delegateType, "the return type", invoke.ReturnType);
            typeArguments.Add(invoke.ReturnType);
            thunkType = FuncThunks[parameters.Length];
        }
        if (typeArguments.Count > 0) thunkType = thunkType.MakeGenericType([.. typeArguments]);
        return (thunkType.GetConstructor([typeof(nint), typeof(ExecutableMemory), typeof(object), typeof(bool)])!, thunkType.GetMethod("Invoke")!);
    }

    /// <summary>The register class a value of <paramref name="type"/> travels in.</summary>
    /// <exception cref="JitException"><paramref name="type"/> is not a supported primitive.</exception>
    public static ArgumentClass ClassOf(Type type) =>
        type == typeof(double) ? ArgumentClass.Double
        : type == typeof(float) ? ArgumentClass.Single
        : IntegerTypes.Contains(type) ? ArgumentClass.Integer
        : throw new JitException($"{type} cannot cross into compiled code: {SupportedTypes}.");

    static bool IsSupported(Type type) => type == typeof(double) || type == typeof(float) || IntegerTypes.Contains(type);

    const string SupportedTypes =
        "only long, ulong, int, uint, short, ushort, sbyte, byte, bool, char, double, float, nint and nuint are supported";

    static void CheckSupported(Type delegateType, string what, Type type)
    {
        if (!IsSupported(type))
            throw new JitException($"{delegateType}: {what} has type {type}, which cannot cross into compiled code; {SupportedTypes}.");
    }

    static MethodInfo InvokeMethodOf(Type delegateType)
    {
        if (!delegateType.IsSubclassOf(typeof(MulticastDelegate)) || delegateType.GetMethod("Invoke") is not { } invoke)
            throw new ArgumentException($"{delegateType} is not a delegate type.", nameof(delegateType));
        if (delegateType.ContainsGenericParameters)
            throw new ArgumentException($"{delegateType} is an open generic type.", nameof(delegateType));
        return invoke;
    }
}
