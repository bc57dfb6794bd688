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
/// <see cref="SlotFunction"/> (<see cref="CompiledCode.CreateSlotFunction"/>), which needs no instantiation at all.
/// <para>A signature with an array, a byref (<c>ref</c>, <c>out</c>, <c>in</c>), a pointer or a span, or a pointer result,
/// binds to a <see cref="PinningThunk"/> instead, whose Invoke is emitted for the delegate type (a byref, a pointer or a
/// span cannot be a type argument) and pins every object the code receives the address of for the whole call; how each
/// kind travels is in <see cref="SlotsOf"/>. That needs dynamic code too, so under NativeAOT such signatures are
/// refused.</para>
/// <para>Code that has a direct entry (<see cref="CompiledCode.DirectEntry"/>) binds the most common <c>Func</c> types to a
/// <see cref="DirectThunk"/> instead, which calls it without a frame; those are ordinary classes, so this holds under
/// NativeAOT too.</para>
/// </remarks>
public static class NativeBinding
{
    /// <summary>Thunk classes exist for 0 to this many parameters, one for each argument slot of the frame. A span takes two
    /// slots, so a signature with spans has fewer parameters: the limit is on slots (<see cref="JitFrame.MaxArguments"/>).</summary>
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
    /// <exception cref="JitException">A parameter cannot cross into compiled code (see <see cref="SlotsOf"/>), the return
    /// type is neither a supported primitive nor a pointer, or the parameters take more than
    /// <see cref="JitFrame.MaxArguments"/> argument slots; the message names the delegate type, the parameter and the
    /// reason. Under NativeAOT also a delegate type outside <see cref="AotDelegateTypes"/>.</exception>
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
    /// <see cref="CompiledCode.CreateSlotFunction"/>.</summary>
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
    internal static JitException NotBindableWithoutDynamicCode(Type delegateType) => MemoryKindIn(delegateType) is { } what
        ? new($"{delegateType} cannot be bound to compiled code here: {what}, and such a signature is bound by a thunk whose "
            + "Invoke is emitted at run time (it pins every array, byref and span for the whole call), which needs dynamic code; "
            + "without it (NativeAOT) there is none. Compiled code that takes them comes only from IL, which is not compiled there either.")
        : new($"{delegateType} cannot be bound to compiled code here: without dynamic code (NativeAOT) there is no thunk for its "
            + "signature, because the generic thunks exist only for the delegate types listed in NativeBinding.AotDelegateTypes "
            + "(Func with 0 to 8 parameters of one type T, T being double, float, long or int, returning T or bool). "
            + "Use one of those, or call the code through a SlotFunction (CompiledCode.CreateSlotFunction), which takes any signature.");

    /// <summary>"parameter 'a' is an array" when the delegate's signature has a parameter or result only a
    /// <see cref="PinningThunk"/> binds; otherwise null.</summary>
    static string? MemoryKindIn(Type delegateType)
    {
        if (!delegateType.IsSubclassOf(typeof(MulticastDelegate)) || delegateType.ContainsGenericParameters) return null;
        var invoke = InvokeMethodOf(delegateType);
        foreach (var parameter in invoke.GetParameters())
            if (KindOf(parameter.ParameterType, out _) is { } kind and not ParameterKind.Primitive)
                return $"parameter '{parameter.Name}' is {kind switch
                {
                    ParameterKind.Array => "an array",
                    ParameterKind.ByRef => "a byref",
                    ParameterKind.Pointer => "a pointer",
                    ParameterKind.Struct => "a struct",
                    _ => "a span",
                }}";
        return invoke.ReturnType.IsPointer ? "it returns a pointer" : IsStruct(invoke.ReturnType) ? "it returns a struct" : null;
    }

    /// <summary>The factory for each delegate type seen on the JIT path: the reflection that finds the thunk costs more
    /// than the rest of a small compile, and its answer never changes.</summary>
    static readonly ConcurrentDictionary<Type, ThunkFactory> Factories = new();

    /// <summary>The JIT path: the thunk class instantiated for the delegate's exact signature, bound by reflection; or, for
    /// a signature with an array, a byref, a pointer or a span, a <see cref="PinningThunk"/> with an Invoke emitted for it.</summary>
    [RequiresDynamicCode("Instantiates a generic thunk over the delegate's parameter types, which may be value types no code names.")]
    [UnconditionalSuppressMessage("Trimming", "IL2055", Justification = "The thunk classes' type parameters carry no "
        + "annotations, so any instantiation meets their requirements.")]
    [UnconditionalSuppressMessage("Trimming", "IL2065", Justification = "FrameThunk's DynamicallyAccessedMembers keeps the "
        + "constructor and Invoke of every thunk class, and an instantiation has its definition's members.")]
    static ThunkFactory MakeFactory(Type delegateType)
    {
        var invoke = InvokeMethodOf(delegateType);
        var parameters = invoke.GetParameters();
        var kinds = KindsOf(delegateType, invoke);
        if (NeedsPinningThunk(kinds, invoke.ReturnType)) return PinningThunk.MakeFactory(delegateType, invoke, kinds);

        // Only primitives from here on: the generic thunks, exactly as before memory parameters existed.
        var typeArguments = new List<Type>();
        foreach (var parameter in parameters) typeArguments.Add(parameter.ParameterType);
        Type thunkType;
        if (invoke.ReturnType == typeof(void))
        {
            thunkType = ActionThunks[parameters.Length];
        }
        else
        {
            typeArguments.Add(invoke.ReturnType);
            thunkType = FuncThunks[parameters.Length];
        }
        if (typeArguments.Count > 0) thunkType = thunkType.MakeGenericType([.. typeArguments]);
        var constructor = thunkType.GetConstructor([typeof(nint), typeof(ExecutableMemory), typeof(object), typeof(bool)])!;
        var thunkInvoke = thunkType.GetMethod("Invoke")!;
        return (entryStub, memory, owner, bounded) =>
            Delegate.CreateDelegate(delegateType, constructor.Invoke([entryStub, memory, owner, bounded]), thunkInvoke);
    }

    /// <summary>The kind of each parameter of a delegate's signature, after checking that every parameter and the return
    /// type can cross into compiled code and that the parameters fit the frame's argument slots.</summary>
    /// <exception cref="JitException">They do not; the message names the delegate type, the parameter and the reason.</exception>
    internal static ParameterKind[] KindsOf(Type delegateType, MethodInfo invoke)
    {
        var parameters = invoke.GetParameters();
        var kinds = new ParameterKind[parameters.Length];
        var slots = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            kinds[i] = KindOf(type, out var refusal)
                ?? throw new JitException($"{delegateType}: parameter '{parameters[i].Name}' has type {type}, which cannot cross into compiled code; {refusal}.");
            slots += SlotCountOf(type);
        }
        if (IsStruct(invoke.ReturnType)) slots += ResultBufferSlots(invoke.ReturnType);
        if (slots > JitFrame.MaxArguments)
            throw new JitException(slots == parameters.Length
                ? $"{delegateType}: {parameters.Length} parameters; compiled code takes at most {MaxParameters}."
                : $"{delegateType}: its {parameters.Length} parameters take {slots} argument slots (a span takes two, its address and its "
                  + $"length; a struct one per eightbyte; a struct result too large for a register one more, its buffer); compiled code takes at most {JitFrame.MaxArguments}.");
        if (invoke.ReturnType != typeof(void) && ResultRefusal(invoke.ReturnType) is { } reason)
            throw new JitException($"{delegateType}: the return type is {invoke.ReturnType}, which cannot come back from compiled code; {reason}.");
        return kinds;
    }

    /// <summary>Whether a signature needs a <see cref="PinningThunk"/>: a parameter other than a primitive, or a pointer
    /// result. The generic thunks cannot take those (a byref, a pointer or a span cannot be a type argument), and only
    /// the pinning thunk pins what the code reads.</summary>
    internal static bool NeedsPinningThunk(ParameterKind[] kinds, Type returnType) =>
        returnType.IsPointer || IsStruct(returnType) || kinds.Any(kind => kind != ParameterKind.Primitive);

    /// <summary>The register class a value of <paramref name="type"/> travels in, for a type that takes one argument slot:
    /// a primitive, or (as an address, in an integer register) a one-dimensional array of primitives, a byref to a
    /// primitive or a pointer. A span takes two slots: see <see cref="SlotsOf"/>.</summary>
    /// <exception cref="JitException"><paramref name="type"/> cannot cross into compiled code, or it is a span.</exception>
    public static ArgumentClass ClassOf(Type type)
    {
        if (type == typeof(double)) return ArgumentClass.Double;
        if (type == typeof(float)) return ArgumentClass.Single;
        return KindOf(type, out var refusal) switch
        {
            null => throw new JitException($"{type} cannot cross into compiled code: {refusal}."),
            ParameterKind.Span or ParameterKind.Struct => throw new JitException(
                $"{type} may take more than one argument slot (a span: the address of its first element and its length; a struct: "
                + "one per eightbyte), so it has no one class; use NativeBinding.SlotsOf."),
            _ => ArgumentClass.Integer,
        };
    }

    /// <summary>The argument slots a parameter of <paramref name="type"/> occupies in the frame, in order, with the register
    /// class each is loaded into: one for a primitive, an array (the object's address, or 0 for null), a byref (the
    /// target's address) or a pointer; two for a <c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c>, the address of its
    /// first element and then its length (an int32, zero-padded); for a struct, one per eightbyte (its bytes) when it
    /// travels in registers, else one for the address of a copy (<see cref="StructShape"/>). The compiled function takes
    /// one parameter per slot.</summary>
    /// <exception cref="JitException"><paramref name="type"/> cannot cross into compiled code; the message says why.</exception>
    public static IReadOnlyList<ArgumentClass> SlotsOf(Type type) => KindOf(type, out var refusal) switch
    {
        null => throw new JitException($"{type} cannot cross into compiled code: {refusal}."),
        ParameterKind.Primitive => type == typeof(double) ? DoubleSlot : type == typeof(float) ? SingleSlot : IntegerSlot,
        ParameterKind.Span => SpanSlots,
        ParameterKind.Struct => ShapeOf(type).Slots,
        _ => IntegerSlot,
    };

    /// <summary>The slots before the parameters for a result of <paramref name="returnType"/>: one for a struct that
    /// comes back through a buffer (its address), else none.</summary>
    public static IReadOnlyList<ArgumentClass> ResultBufferSlotsOf(Type returnType) =>
        ResultBufferSlots(returnType) == 1 ? IntegerSlot : [];

    static int ResultBufferSlots(Type returnType) => IsStruct(returnType) && ShapeOf(returnType).ResultClasses is null ? 1 : 0;

    static bool IsStruct(Type type) => StructShape.IsSupported(type, out _);

    /// <summary>A struct's shape. Binding a struct needs the pinning thunk, which needs dynamic code: without it (NativeAOT)
    /// the binding is refused before any shape is asked for, and no compiled code takes structs there (it comes only from IL).</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reached only where structs can be bound or compiled, which needs dynamic code.")]
    static StructShape ShapeOf(Type type) => RuntimeFeature.IsDynamicCodeSupported
        ? StructShape.Of(type)
        : throw new JitException($"{type} is a struct, which crosses into compiled code only where code can be generated at run time (not under NativeAOT).");

    static readonly ArgumentClass[] IntegerSlot = [ArgumentClass.Integer];
    static readonly ArgumentClass[] DoubleSlot = [ArgumentClass.Double];
    static readonly ArgumentClass[] SingleSlot = [ArgumentClass.Single];
    static readonly ArgumentClass[] SpanSlots = [ArgumentClass.Integer, ArgumentClass.Integer];

    /// <summary>How many argument slots a parameter of <paramref name="type"/> takes (two for a span, else one), without
    /// checking that it can cross at all: for counting before anything is compiled.</summary>
    internal static int SlotCountOf(Type type) => IsSpan(type, out _) ? 2 : IsStruct(type) ? ShapeOf(type).Slots.Count : 1;

    /// <summary>The register class the result of <paramref name="type"/> comes back in, or null for void: a primitive
    /// or a pointer (an integer). Arrays, byrefs and spans cannot be returned; a struct may come back in two registers or
    /// through a buffer, so it has no one class (see <see cref="ResultSlotsOf"/>).</summary>
    /// <exception cref="JitException"><paramref name="type"/> cannot come back from compiled code, or is a struct; the
    /// message says why.</exception>
    public static ArgumentClass? ResultClassOf(Type type) =>
        IsStruct(type) ? throw new JitException($"{type} is a struct, which comes back in its eightbytes' registers or through a buffer; use NativeBinding.ResultSlotsOf.")
        : ResultSlotsOf(type) is [var only] ? only : null;

    /// <summary>The register classes the result of <paramref name="type"/> comes back in: none for void (or for a struct
    /// that comes back through a buffer, <see cref="ResultBufferSlotsOf"/>), one for a primitive or a pointer, and one
    /// per eightbyte for a struct in registers (rax or xmm0, then rdx or xmm1; see <see cref="StructShape"/>).</summary>
    /// <exception cref="JitException"><paramref name="type"/> cannot come back from compiled code; the message says why.</exception>
    public static IReadOnlyList<ArgumentClass> ResultSlotsOf(Type type) =>
        type == typeof(void) ? []
        : ResultRefusal(type) is { } refusal ? throw new JitException($"{type} cannot come back from compiled code: {refusal}.")
        : type.IsPointer ? IntegerSlot
        : IsStruct(type) ? ShapeOf(type).ResultClasses ?? []
        : [ClassOf(type)];

    /// <summary>Why a result of <paramref name="type"/> cannot come back, or null when it can.</summary>
    static string? ResultRefusal(Type type) =>
        type.IsPointer || IsSupported(type) || IsStruct(type) ? null
        : type.IsArray || type.IsByRef || IsSpan(type, out _)
            ? "compiled code cannot return an array, a byref or a span: what it would hand back points into memory that is pinned "
              + "only while the call runs (and an object reference the GC would have to track); only primitives and pointers come back"
        : KindOf(type, out var refusal) is null ? refusal : SupportedTypes;

    /// <summary>How a parameter of <paramref name="type"/> crosses into compiled code, or null (with the reason in
    /// <paramref name="refusal"/>) when it cannot.</summary>
    internal static ParameterKind? KindOf(Type type, out string? refusal)
    {
        refusal = null;
        if (IsSupported(type)) return ParameterKind.Primitive;
        if (type.IsPointer) return ParameterKind.Pointer;
        if (type.IsByRef)
        {
            var target = type.GetElementType()!;
            if (IsElementType(target) || IsStruct(target)) return ParameterKind.ByRef;
            refusal = $"a byref (ref, out or in) must point to a primitive, an enum of one or a struct of primitive fields, not to {target}";
            return null;
        }
        if (type.IsArray)
        {
            var element = type.GetElementType()!;
            if (!type.IsSZArray)
                refusal = "multi-dimensional arrays (and arrays with a lower bound) are not supported; only one-dimensional arrays of primitives";
            else if (!element.IsValueType)
                refusal = "arrays of references are not supported: compiled code has no GC information, so the references in "
                    + "the array could not be followed; only arrays of primitives (or of enums) are";
            else if (!IsElementType(element))
                refusal = $"arrays of {element} are not supported; only arrays of primitives (or of enums)";
            else return ParameterKind.Array;
            return null;
        }
        if (IsSpan(type, out var spanElement))
        {
            if (IsElementType(spanElement)) return ParameterKind.Span;
            refusal = $"spans of {spanElement} are not supported; only spans of primitives (or of enums)";
            return null;
        }
        if (type.IsValueType && !type.IsEnum && !type.IsPrimitive)
        {
            if (StructShape.IsSupported(type, out var structRefusal)) return ParameterKind.Struct;
            refusal = structRefusal + "; " + SupportedTypes;
            return null;
        }
        refusal = SupportedTypes;
        return null;
    }

    /// <summary>What arrays, byrefs and spans may hold: a primitive, or an enum (whose values are its underlying integer).</summary>
    static bool IsElementType(Type type) => IsSupported(type) || type.IsEnum;

    static bool IsSpan(Type type, out Type element)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() is var definition
            && (definition == typeof(Span<>) || definition == typeof(ReadOnlySpan<>)))
        {
            element = type.GetGenericArguments()[0];
            return true;
        }
        element = typeof(void);
        return false;
    }

    static bool IsSupported(Type type) => type == typeof(double) || type == typeof(float) || IntegerTypes.Contains(type);

    const string SupportedTypes =
        "only long, ulong, int, uint, short, ushort, sbyte, byte, bool, char, double, float, nint and nuint are supported, and as "
        + "parameters one-dimensional arrays of those (or of enums), byrefs (ref, out, in) to them, pointers, and Span<T> and "
        + "ReadOnlySpan<T> of them; and structs of such fields (not generic, without references)";

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
