using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// Turns the address of an entry stub into an ordinary .NET delegate (<c>Func&lt;...&gt;</c>,
/// <c>Action&lt;...&gt;</c> or any custom delegate type) by binding it to a thunk of the matching shape.
/// </summary>
/// <remarks>
/// Where code can be generated at run time (the JIT: <see cref="RuntimeFeature.IsDynamicCodeSupported"/>), the thunk
/// class is instantiated for the delegate's exact signature with <see cref="Type.MakeGenericType"/>, so every
/// signature binds. Under NativeAOT only the generic instantiations compiled ahead of time exist, so only the
/// delegate types of <see cref="AotDelegateTypes"/> bind there; code of any other signature is called through a
/// <see cref="SlotFunction"/> (<see cref="CreateSlotFunction"/>), which needs no instantiation at all.
/// <para>Code that has a direct entry (<see cref="CompiledCode.DirectEntry"/>) binds the most common <c>Func</c> types to a
/// <see cref="DirectThunk"/> instead, which calls it without a frame; those are ordinary classes, so this holds under
/// NativeAOT too.</para>
/// </remarks>
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

    /// <summary>The delegate types that bind without dynamic code, under NativeAOT: <c>Func</c> with 0 to 8 parameters
    /// of one type T — double, float, long or int — returning T or bool. Other signatures there go through
    /// <see cref="CreateSlotFunction"/>.</summary>
    public static IReadOnlyCollection<Type> AotDelegateTypes => PrecompiledThunks.DelegateTypes;

    /// <summary>Binds a delegate of <paramref name="delegateType"/>, which must be the code's own signature, to compiled
    /// code: through its direct entry when it has one and the type has a direct thunk (the most common signatures; see
    /// <see cref="DirectThunk"/>), otherwise through its entry stub.</summary>
    internal static Delegate CreateDelegate(Type delegateType, CompiledCode code)
    {
        if (code.DirectEntry != 0 && DirectThunks.Find(delegateType) is { } direct)
        {
            CheckInside(code.DirectEntry, code.Memory);
            code.Memory.NoteDelegateBound();
            return direct(code.DirectEntry, code.Memory, code);
        }
        return CreateDelegate(delegateType, code.EntryStub, code.Memory, code, code.Bounded);
    }

    /// <param name="owner">What <c>Jit.CodeOf</c> finds behind the delegate.</param>
    internal static Delegate CreateDelegate(Type delegateType, nint entryStub, ExecutableMemory memory, object owner, bool bounded)
    {
        ArgumentNullException.ThrowIfNull(memory);
        // The AOT analyzer knows this property as the guard of dynamic code, so calling MakeFactory under it needs no
        // suppression; NativeAOT, where it is the constant false, compiles that branch away.
        var create = RuntimeFeature.IsDynamicCodeSupported
            ? Factories.GetOrAdd(delegateType, MakeFactory)
            : PrecompiledThunks.Find(delegateType) ?? throw NotBindableWithoutDynamicCode(delegateType);
        CheckInside(entryStub, memory);
        memory.NoteDelegateBound();
        return create(entryStub, memory, owner, bounded);
    }

    /// <summary>Binds the entry stub at <paramref name="entryStub"/> to a <see cref="SlotFunction"/>: callable with any
    /// signature, without a delegate type for it, under NativeAOT too (see <see cref="SlotFunction"/> for the rules).</summary>
    /// <param name="parameterCount">How many parameters the compiled function has: each call must pass that many slots.</param>
    /// <inheritdoc cref="CreateDelegate{TDelegate}" path="/param[@name='memory']"/>
    /// <inheritdoc cref="CreateDelegate{TDelegate}" path="/param[@name='bounded']"/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="entryStub"/> is not inside <paramref name="memory"/>,
    /// or <paramref name="parameterCount"/> is negative or above <see cref="MaxParameters"/>.</exception>
    public static SlotFunction CreateSlotFunction(nint entryStub, ExecutableMemory memory, int parameterCount, bool bounded = false) =>
        CreateSlotFunction(entryStub, memory, memory, parameterCount, bounded);

    internal static SlotFunction CreateSlotFunction(nint entryStub, ExecutableMemory memory, object owner, int parameterCount, bool bounded)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(parameterCount, MaxParameters);
        CheckInside(entryStub, memory);
        memory.NoteDelegateBound();
        return new SlotThunk(entryStub, memory, owner, bounded, parameterCount).Invoke;
    }

    static void CheckInside(nint entryStub, ExecutableMemory memory)
    {
        if (entryStub < memory.Address || entryStub >= memory.Address + memory.Length)
            throw new ArgumentOutOfRangeException(nameof(entryStub), "the entry stub must lie inside the executable memory");
    }

    /// <summary>What binding a delegate type outside <see cref="AotDelegateTypes"/> throws without dynamic code.</summary>
    internal static JitException NotBindableWithoutDynamicCode(Type delegateType) => new(
        $"{delegateType} cannot be bound to compiled code here: without dynamic code (NativeAOT) there is no thunk for its "
        + "signature, because the generic thunks exist only for the delegate types listed in NativeBinding.AotDelegateTypes "
        + "(Func with 0 to 8 parameters of one type T, T being double, float, long or int, returning T or bool). "
        + "Use one of those, or call the code through a SlotFunction (CompiledCode.CreateSlotFunction), which takes any signature.");

    /// <summary>The factory for each delegate type seen on the JIT path: the reflection that finds the thunk costs more
    /// than the rest of a small compile, and its answer never changes.</summary>
    static readonly ConcurrentDictionary<Type, ThunkFactory> Factories = new();

    /// <summary>The JIT path: the thunk class instantiated for the delegate's exact signature, bound by reflection.</summary>
    [RequiresDynamicCode("Instantiates a generic thunk over the delegate's parameter types, which may be value types no code names.")]
    [UnconditionalSuppressMessage("Trimming", "IL2055", Justification = "The thunk classes' type parameters carry no "
        + "annotations, so any instantiation meets their requirements.")]
    [UnconditionalSuppressMessage("Trimming", "IL2065", Justification = "FrameThunk's DynamicallyAccessedMembers keeps the "
        + "constructor and Invoke of every thunk class, and an instantiation has its definition's members.")]
    static ThunkFactory MakeFactory(Type delegateType)
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
        var constructor = thunkType.GetConstructor([typeof(nint), typeof(ExecutableMemory), typeof(object), typeof(bool)])!;
        var thunkInvoke = thunkType.GetMethod("Invoke")!;
        return (entryStub, memory, owner, bounded) =>
            Delegate.CreateDelegate(delegateType, constructor.Invoke([entryStub, memory, owner, bounded]), thunkInvoke);
    }

    /// <summary>The register class a value of <paramref name="type"/> travels in.</summary>
    /// <exception cref="JitException"><paramref name="type"/> is not a supported primitive.</exception>
    public static ArgumentClass ClassOf(Type type) =>
        type == typeof(double) ? ArgumentClass.Double
        : type == typeof(float) ? ArgumentClass.Single
        : IntegerTypes.Contains(type) || type.IsArray || type.IsByRef || type.IsPointer ? ArgumentClass.Integer
        : throw new JitException($"{type} cannot cross into compiled code: {SupportedTypes}.");

    static bool IsSupported(Type type) => type == typeof(double) || type == typeof(float) || IntegerTypes.Contains(type);

    const string SupportedTypes =
        "only long, ulong, int, uint, short, ushort, sbyte, byte, bool, char, double, float, nint and nuint are supported";

    static void CheckSupported(Type delegateType, string what, Type type)
    {
        if (!IsSupported(type))
            throw new JitException($"{delegateType}: {what} has type {type}, which cannot cross into compiled code; {SupportedTypes}.");
    }

    /// <summary>The Invoke method of a delegate type: its signature.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The trimmer never removes the Invoke method of a "
        + "delegate type it keeps: the runtime needs it to call the delegate.")]
    internal static MethodInfo InvokeMethodOf(Type delegateType)
    {
        if (!delegateType.IsSubclassOf(typeof(MulticastDelegate)) || delegateType.GetMethod("Invoke") is not { } invoke)
            throw new ArgumentException($"{delegateType} is not a delegate type.", nameof(delegateType));
        if (delegateType.ContainsGenericParameters)
            throw new ArgumentException($"{delegateType} is an open generic type.", nameof(delegateType));
        return invoke;
    }
}
