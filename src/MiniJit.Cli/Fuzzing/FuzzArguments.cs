using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.ExceptionServices;

namespace MiniJit.Cli.Fuzzing;

/// <summary>A span argument: <paramref name="Length"/> elements of <paramref name="Array"/> from
/// <paramref name="Start"/>, or the empty span when the array is null. The harness makes the span at the call, from
/// this, so that each side of a comparison gets a span over its own copy of the array.</summary>
public sealed record SpanArgument(Array? Array, int Start, int Length);

/// <summary>
/// Arguments of memory types for <c>minijit fuzz</c> and the random-program tests: arrays (null, empty, short and
/// longer, of edge and random values), spans over whole arrays and slices, by-ref values; copies that keep which
/// arguments share an array; calls through delegates whose signatures have spans (which <c>DynamicInvoke</c> cannot
/// pass); and the comparison of what every array and by-ref argument holds after a call.
/// </summary>
public static class FuzzArguments
{
    /// <summary>Whether <paramref name="type"/> is a Span&lt;T&gt; or ReadOnlySpan&lt;T&gt;.</summary>
    public static bool IsSpan(Type type) => type.IsGenericType
        && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>));

    /// <summary>Whether a parameter of <paramref name="type"/> needs this class: an array, a span or a by-ref.</summary>
    public static bool IsMemory(Type type) => type.IsArray || type.IsByRef || IsSpan(type);

    /// <summary>One argument vector for <paramref name="parameters"/>: <paramref name="primitive"/> makes a value of
    /// a primitive type (a by-ref's target too); arrays and spans are random, and a later array or span of an element
    /// type seen before shares the earlier array a quarter of the time (aliasing).</summary>
    public static object?[] Make(ParameterInfo[] parameters, Random random, Func<ParameterInfo, Type, object> primitive)
    {
        var args = new object?[parameters.Length];
        var arrays = new List<Array>();
        for (int i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type.IsByRef) args[i] = primitive(parameters[i], type.GetElementType()!);
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
        var edges = element == typeof(double) || element == typeof(float) ? FuzzWorker.FloatEdges : FuzzWorker.Edges;
        for (int i = 0; i < length; i++)
        {
            long raw = random.Next(3) switch
            {
                0 => edges[random.Next(edges.Length)],
                1 => random.Next(-100, 100),
                _ => random.Next(4) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : random.Next(-1000, 1000),
            };
            array.SetValue(FuzzWorker.Convert(raw, element), i);
        }
        arrays.Add(array);
        return array;
    }

    static SpanArgument SpanOf(Type element, Random random, List<Array> arrays)
    {
        var array = ArrayOf(element, random, arrays);
        if (array is null) return new SpanArgument(null, 0, 0);
        if (random.Next(2) == 0) return new SpanArgument(array, 0, array.Length);
        int start = random.Next(array.Length + 1);
        return new SpanArgument(array, start, random.Next(array.Length - start + 1));
    }

    /// <summary>A deep copy: every array is cloned once, so arguments that shared an array still share its clone.</summary>
    public static object?[] Copy(object?[] args)
    {
        var clones = new Dictionary<Array, Array>(ReferenceEqualityComparer.Instance);
        Array Clone(Array a) => clones.TryGetValue(a, out var c) ? c : clones[a] = (Array)a.Clone();
        return [.. args.Select(a => a switch
        {
            Array array => Clone(array),
            SpanArgument { Array: { } array } span => span with { Array = Clone(array) },
            _ => a,
        })];
    }

    /// <summary>The first argument whose contents differ after the two calls (arrays element by element, the array
    /// under a span whole, by-ref values), as text; null when all agree. Floating-point values are compared bit for
    /// bit, except that any NaN equals any NaN.</summary>
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
        _ => Equals(a, b),
    };

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
