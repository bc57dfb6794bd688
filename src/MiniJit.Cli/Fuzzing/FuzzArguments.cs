using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace MiniJit.Cli.Fuzzing;

/// <summary>A span argument: <paramref name="Length"/> elements of <paramref name="Array"/> from
/// <paramref name="Start"/>, or the empty span when the array is null. The harness makes the span at the call, from
/// this, so that each side of a comparison gets a span over its own copy of the array.</summary>
public sealed record SpanArgument(Array? Array, int Start, int Length);

/// <summary>
/// Arguments of memory and struct types for <c>minijit fuzz</c> and the random-program tests: arrays (null, empty,
/// short and longer, of edge and random values), spans over whole arrays and slices, by-ref values, structs (boxed,
/// every field an edge or random value); copies that keep which arguments share an array; calls through delegates
/// whose signatures have spans (which <c>DynamicInvoke</c> cannot pass); and the comparison of what every array,
/// struct and by-ref argument holds after a call, field by field.
/// </summary>
public static class FuzzArguments
{
    /// <summary>Whether <paramref name="type"/> is a Span&lt;T&gt; or ReadOnlySpan&lt;T&gt;.</summary>
    public static bool IsSpan(Type type) => type.IsGenericType
        && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>));

    /// <summary>Whether a parameter of <paramref name="type"/> needs this class: an array, a span or a by-ref.</summary>
    public static bool IsMemory(Type type) => type.IsArray || type.IsByRef || IsSpan(type);

    /// <summary>Whether <paramref name="type"/> is a struct of a generated program: a value type that is neither
    /// primitive, an enum, a span nor void.</summary>
    public static bool IsStruct(Type type) =>
        type.IsValueType && !type.IsPrimitive && !type.IsEnum && !IsSpan(type) && type != typeof(void);

    /// <summary>Whether calling <paramref name="method"/> needs this class: a parameter of a memory or struct type,
    /// or a struct result (compared field by field).</summary>
    public static bool NeedsHarness(MethodInfo method) =>
        IsStruct(method.ReturnType) || method.GetParameters().Any(p => IsMemory(p.ParameterType) || IsStruct(p.ParameterType));

    /// <summary>A struct's instance fields, in declaration order.</summary>
    public static IEnumerable<FieldInfo> Fields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken);

    /// <summary>One argument vector for <paramref name="parameters"/>: <paramref name="primitive"/> makes a value of
    /// a primitive type (a by-ref's target too); arrays, spans and structs (a by-ref's target too) are random, and a
    /// later array or span of an element type seen before shares the earlier array a quarter of the time (aliasing).</summary>
    public static object?[] Make(ParameterInfo[] parameters, Random random, Func<ParameterInfo, Type, object> primitive)
    {
        var args = new object?[parameters.Length];
        var arrays = new List<Array>();
        for (int i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type.IsByRef && IsStruct(type.GetElementType()!)) args[i] = StructOf(type.GetElementType()!, random);
            else if (type.IsByRef) args[i] = primitive(parameters[i], type.GetElementType()!);
            else if (IsStruct(type)) args[i] = StructOf(type, random);
            else if (type.IsArray) args[i] = ArrayOf(type.GetElementType()!, random, arrays);
            else if (IsSpan(type)) args[i] = SpanOf(type.GetGenericArguments()[0], random, arrays);
            else args[i] = primitive(parameters[i], type);
        }
        return args;
    }

    static Array? ArrayOf(Type element, Random random, List<Array> arrays)
    {
        var shared = arrays.Where(a => a.GetType().GetElementType() == element).ToList();
        if (shared.Count > 0 && random.Next(4) == 0) return shared[random.Next(shared.Count)];
        if (random.Next(100) < 7) return null;
        int length = random.Next(100) switch
        {
            < 8 => 0,
            < 38 => random.Next(1, 5),
            < 78 => random.Next(5, 17),
            _ => random.Next(17, 41),
        };
        var array = Array.CreateInstance(element, length);
        for (int i = 0; i < length; i++) array.SetValue(RandomValue(element, random), i);
        arrays.Add(array);
        return array;
    }

    /// <summary>An array element or a struct field: an edge value of its type, a small one or any.</summary>
    static object RandomValue(Type type, Random random)
    {
        var edges = type == typeof(double) || type == typeof(float) ? FuzzWorker.FloatEdges : FuzzWorker.Edges;
        long raw = random.Next(3) switch
        {
            0 => edges[random.Next(edges.Length)],
            1 => random.Next(-100, 100),
            _ => random.Next(4) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.Next(-1000, 1000),
        };
        return FuzzWorker.Convert(raw, type);
    }

    /// <summary>A boxed struct whose every field (a nested struct's too) is random, as array elements are.</summary>
    static object StructOf(Type type, Random random)
    {
        var value = Activator.CreateInstance(type)!;
        foreach (var field in Fields(type))
            field.SetValue(value, IsStruct(field.FieldType) ? StructOf(field.FieldType, random) : RandomValue(field.FieldType, random));
        return value;
    }

    static SpanArgument SpanOf(Type element, Random random, List<Array> arrays)
    {
        var array = ArrayOf(element, random, arrays);
        if (array is null) return new SpanArgument(null, 0, 0);
        if (random.Next(2) == 0) return new SpanArgument(array, 0, array.Length);
        int start = random.Next(array.Length + 1);
        return new SpanArgument(array, start, random.Next(array.Length - start + 1));
    }

    /// <summary>A deep copy: every array is cloned once, so arguments that shared an array still share its clone; a
    /// boxed struct is copied too, since a call may write a by-ref argument into its box.</summary>
    public static object?[] Copy(object?[] args)
    {
        var clones = new Dictionary<Array, Array>(ReferenceEqualityComparer.Instance);
        Array Clone(Array a) => clones.TryGetValue(a, out var c) ? c : clones[a] = (Array)a.Clone();
        return [.. args.Select(a => a switch
        {
            Array array => Clone(array),
            SpanArgument { Array: { } array } span => span with { Array = Clone(array) },
            not null when IsStruct(a.GetType()) => RuntimeHelpers.GetObjectValue(a),
            _ => a,
        })];
    }

    /// <summary>The first argument whose contents differ after the two calls (arrays element by element, the array
    /// under a span whole, structs field by field, by-ref values), as text; null when all agree. Floating-point
    /// values are compared bit for bit, except that any NaN equals any NaN.</summary>
    public static string? Difference(object?[] expected, object?[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            var (x, y) = (Contents(expected[i]), Contents(actual[i]));
            bool same = (x, y) switch
            {
                (Array a, Array b) => a.Length == b.Length && Enumerable.Range(0, a.Length).All(k => SameValue(a.GetValue(k), b.GetValue(k))),
                (Array, _) or (_, Array) => false,
                var (a, b) => SameValue(a, b),
            };
            if (!same) return $"argument {i} afterwards: CLR {Format(expected[i])}, MiniJit {Format(actual[i])}";
        }
        return null;
    }

    static object? Contents(object? arg) => arg is SpanArgument span ? span.Array : arg;

    static bool SameValue(object? a, object? b) => (a, b) switch
    {
        (double x, double y) => double.IsNaN(x) ? double.IsNaN(y) : BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
        (float x, float y) => float.IsNaN(x) ? float.IsNaN(y) : BitConverter.SingleToInt32Bits(x) == BitConverter.SingleToInt32Bits(y),
        // Not ValueType.Equals: it takes 0.0 and -0.0 for the same.
        (not null, not null) when IsStruct(a.GetType()) && a.GetType() == b.GetType() => Fields(a.GetType()).All(f => SameValue(f.GetValue(a), f.GetValue(b))),
        _ => Equals(a, b),
    };

    /// <summary>A struct as text, field by field (<c>{F0 = 1, F1 = {F0 = -0}}</c>): what the comparison of results
    /// compares, so floating-point fields count bit for bit (but every NaN prints the same).</summary>
    public static string FormatStruct(object value) =>
        $"{{{string.Join(", ", Fields(value.GetType()).Select(f => $"{f.Name} = {FuzzWorker.Format(f.GetValue(value))}"))}}}";

    /// <summary>An argument as text: values as <see cref="FuzzWorker"/> prints them, arrays as
    /// <c>int[3] {1, 2, 3}</c> (the first 24 elements), spans as the array and the range.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        Array array => $"{array.GetType().GetElementType()!.Name}[{array.Length}] {{{string.Join(", ", array.Cast<object?>().Take(24).Select(FuzzWorker.Format))}{(array.Length > 24 ? ", …" : "")}}}",
        SpanArgument { Array: null } => "span of null",
        SpanArgument span => $"span [{span.Start}..{span.Start + span.Length}] of {Format(span.Array)}",
        _ => FuzzWorker.Format(value),
    };

    /// <summary>Calls <paramref name="target"/> with <paramref name="args"/>, writing by-ref arguments back into the
    /// array as <c>DynamicInvoke</c> does. Exceptions come out as themselves, not wrapped.</summary>
    public static object? Invoke(Delegate target, object?[] args)
    {
        var type = target.GetType();
        if (!type.GetMethod("Invoke")!.GetParameters().Any(p => IsSpan(p.ParameterType)))
        {
            try
            {
                return target.DynamicInvoke(args);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
        return Invokers.GetOrAdd(type, BuildInvoker)(target, args);
    }

    static readonly ConcurrentDictionary<Type, Func<Delegate, object?[], object?>> Invokers = new();

    /// <summary>A method that unpacks the arguments (making spans from <see cref="SpanArgument"/>s and by-refs to
    /// locals), calls the delegate, writes the by-ref locals back and boxes the result.</summary>
    static Func<Delegate, object?[], object?> BuildInvoker(Type delegateType)
    {
        var invoke = delegateType.GetMethod("Invoke")!;
        var parameters = invoke.GetParameters();
        var method = new DynamicMethod($"Invoke{delegateType.Name}", typeof(object), [typeof(Delegate), typeof(object?[])], typeof(FuzzArguments).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        var locals = new LocalBuilder?[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            if (!parameters[i].ParameterType.IsByRef) continue;
            var element = parameters[i].ParameterType.GetElementType()!;
            locals[i] = il.DeclareLocal(element);
            LoadArgument(il, i);
            il.Emit(OpCodes.Unbox_Any, element);
            il.Emit(OpCodes.Stloc, locals[i]!);
        }
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Castclass, delegateType);
        for (int i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (locals[i] is { } local)
            {
                il.Emit(OpCodes.Ldloca, local);
                continue;
            }
            LoadArgument(il, i);
            if (IsSpan(type))
            {
                var maker = type.GetGenericTypeDefinition() == typeof(Span<>) ? nameof(MakeSpan) : nameof(MakeReadOnlySpan);
                il.Emit(OpCodes.Call, typeof(FuzzArguments).GetMethod(maker, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type.GetGenericArguments()[0]));
            }
            else
            {
                il.Emit(OpCodes.Unbox_Any, type);
            }
        }
        il.Emit(OpCodes.Callvirt, invoke);
        if (invoke.ReturnType == typeof(void)) il.Emit(OpCodes.Ldnull);
        else il.Emit(OpCodes.Box, invoke.ReturnType);
        var result = il.DeclareLocal(typeof(object));
        il.Emit(OpCodes.Stloc, result);
        for (int i = 0; i < parameters.Length; i++)
        {
            if (locals[i] is not { } local) continue;
            il.Emit(OpCodes.Ldarg_1);
            il.Emit(OpCodes.Ldc_I4, i);
            il.Emit(OpCodes.Ldloc, local);
            il.Emit(OpCodes.Box, local.LocalType);
            il.Emit(OpCodes.Stelem_Ref);
        }
        il.Emit(OpCodes.Ldloc, result);
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<Delegate, object?[], object?>>();
    }

    static void LoadArgument(ILGenerator il, int index)
    {
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Ldc_I4, index);
        il.Emit(OpCodes.Ldelem_Ref);
    }

    static Span<T> MakeSpan<T>(object? argument) =>
        argument is SpanArgument { Array: T[] array } span ? array.AsSpan(span.Start, span.Length) : default;

    static ReadOnlySpan<T> MakeReadOnlySpan<T>(object? argument) => MakeSpan<T>(argument);

    /// <summary>The text <see cref="FuzzWorker"/> compares: the value and its type, or the exception type.</summary>
    public static string Outcome(Delegate target, object?[] args)
    {
        try
        {
            var value = Invoke(target, args);
            return $"{FuzzWorker.Format(value)} ({value?.GetType().Name})";
        }
        catch (Exception e)
        {
            return $"throws {e.GetType().Name}";
        }
    }
}
