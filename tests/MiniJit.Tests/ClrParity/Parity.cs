using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.ExceptionServices;
using CsCheck;

namespace MiniJit.Tests.ClrParity;

/// <summary>What a call did: returned a value or threw an exception of some type. Floating-point values are equal
/// when their bits are (so 0.0 is not -0.0), except that any NaN equals any NaN.</summary>
public readonly record struct Outcome(object? Value, Type? Exception)
{
    public bool Equals(Outcome other) => Exception == other.Exception && (Value, other.Value) switch
    {
        (double a, double b) => double.IsNaN(a) ? double.IsNaN(b) : BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b),
        (float a, float b) => float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b),
        var (a, b) => Equals(a, b),
    };

    public override int GetHashCode() => HashCode.Combine(Exception, Value is double or float ? 0 : Value?.GetHashCode());

    public override string ToString() =>
        Exception is not null ? $"throws {Exception.Name}" : Value is null ? "null" : $"{Format(Value)} ({Value.GetType().Name})";

    public static string Format(object? v) => v switch
    {
        null => "null",
        char c => $"'\\u{(int)c:x4}'",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        float f => f.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}

/// <summary>Input values: the full 64-bit range mixed with small values and edge values, truncated to each
/// parameter's type the way a C# unchecked cast does.</summary>
public static class Values
{
    public static readonly long[] Edges =
    [
        0, 1, -1, 2, -2, 3, 7, -7, 8, 31, 32, 33, 63, 64, 65, 100, -128, 127, 128, 255, 256, -32768, 32767, 65535, 65536,
        int.MinValue, int.MaxValue, (long)int.MinValue - 1, uint.MaxValue, (long)uint.MaxValue + 1,
        long.MinValue, long.MaxValue, long.MinValue + 1, 0x5555_5555_5555_5555, unchecked((long)0xAAAA_AAAA_AAAA_AAAAUL),
    ];

    /// <summary>Raw inputs that become the floating-point edge cases; <c>minijit fuzz</c> uses them too.</summary>
    public static readonly long[] FloatEdges = MiniJit.Cli.Fuzzing.FuzzWorker.FloatEdges;

    /// <summary>The edge values of a parameter of <paramref name="type"/>.</summary>
    public static long[] EdgesFor(Type type) => type == typeof(double) || type == typeof(float) ? FloatEdges : Edges;

    public static readonly Gen<long> Mixed = Gen.Frequency(
        (4, (IGen<long>)Gen.Long),
        (3, Gen.Long[-300, 300]),
        (2, Gen.Int.Select(i => (long)i)),
        (3, Gen.OneOf(Edges)),
        // For a floating-point parameter: its edge cases, and ordinary doubles of moderate size.
        (2, Gen.OneOf(FloatEdges)),
        (2, Gen.Double[-1e4, 1e4].Select(BitConverter.DoubleToInt64Bits)));

    /// <summary>Values in [min, max]: uniform, plus the bounds and the edge values that fall inside.</summary>
    public static Gen<long> Bounded(long min, long max)
    {
        long[] edges = [.. Edges.Where(e => e >= min && e <= max).Append(min).Append(max).Distinct()];
        return Gen.Frequency((3, (IGen<long>)Gen.Long[min, max]), (1, Gen.OneOf(edges)));
    }

    public static object Convert(long raw, Type t) => MiniJit.Cli.Fuzzing.FuzzWorker.Convert(raw, t);

    public static object?[] Convert(long[] raw, ParameterInfo[] ps) => [.. ps.Select((p, i) => Convert(raw[i], p.ParameterType))];

    /// <summary>One generator of raw argument vectors from one generator per parameter.</summary>
    public static Gen<long[]> Vector(IReadOnlyList<Gen<long>> perParameter) =>
        perParameter.Aggregate(Gen.Const(Array.Empty<long>()), (acc, g) => Gen.Select(acc, g, (a, x) => (long[])[.. a, x]));
}

/// <summary>The parity oracle: the CLR runs the managed method, MiniJit runs its compiled version, both on the same
/// inputs; results must be equal or both must throw the same exception type. Both optimizer settings are checked.</summary>
public static class Parity
{
    public static readonly bool[] OptimizeSettings = [true, false];

    public static Type DelegateTypeOf(MethodInfo m) =>
        Expression.GetDelegateType([.. m.GetParameters().Select(p => p.ParameterType), m.ReturnType]);

    static readonly MethodInfo CompileMethodInfo = typeof(MiniJit.Jit).GetMethods(BindingFlags.Public | BindingFlags.Static)
        .Single(m => m.Name == nameof(MiniJit.Jit.Compile) && m.IsGenericMethodDefinition
                     && m.GetParameters() is [{ ParameterType: var p0 }, ..] && p0 == typeof(MethodInfo));

    /// <summary><c>Jit.Compile&lt;TDelegate&gt;(MethodInfo, JitOptions)</c> with TDelegate chosen at run time.</summary>
    public static Delegate Compile(MethodInfo m, JitOptions? options)
    {
        try
        {
            return (Delegate)CompileMethodInfo.MakeGenericMethod(DelegateTypeOf(m)).Invoke(null, [m, options])!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    public static Outcome Run(Delegate d, object?[] args)
    {
        try
        {
            return new Outcome(d.DynamicInvoke(args), null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            return new Outcome(null, e.InnerException.GetType());
        }
    }

    public static string Call(MethodInfo m, object?[] args) => $"{m.Name}({string.Join(", ", args.Select(Outcome.Format))})";

    /// <summary>Compiles <paramref name="m"/> under both settings and compares with the CLR on the given inputs plus
    /// <paramref name="randomSamples"/> random ones (CsCheck; its failure message carries the seed).</summary>
    public static void Check(MethodInfo m, IEnumerable<object?[]> fixedInputs, Gen<long[]> random, int randomSamples, string? context = null)
    {
        var managed = m.CreateDelegate(DelegateTypeOf(m));
        var ps = m.GetParameters();
        var fixedList = fixedInputs.ToList();
        var failures = new List<string>();
        foreach (var optimize in OptimizeSettings)
        {
            Delegate native;
            try
            {
                native = Compile(m, new JitOptions { Optimize = optimize, Verify = true });
            }
            catch (Exception e)
            {
                failures.Add($"Optimize={optimize}: compiling {m.Name} threw {e.GetType().Name}: {e.Message}");
                continue;
            }
            string? Compare(object?[] args)
            {
                var expected = Run(managed, args);
                var actual = Run(native, args);
                return Equals(expected, actual) ? null : $"Optimize={optimize}: {Call(m, args)}: CLR {expected}, MiniJit {actual}";
            }
            var mismatch = fixedList.Select(Compare).FirstOrDefault(r => r is not null);
            if (mismatch is not null)
            {
                failures.Add(mismatch);
                continue;
            }
            if (randomSamples <= 0) continue;
            try
            {
                random.Sample(raw =>
                {
                    var r = Compare(Values.Convert(raw, ps));
                    if (r is not null) throw new Exception(r);
                }, iter: randomSamples, threads: 1, print: raw => Call(m, Values.Convert(raw, ps)));
            }
            catch (Exception e)
            {
                failures.Add($"Optimize={optimize}: random inputs: {e.Message}");
            }
        }
        if (failures.Count > 0)
            Assert.Fail(string.Join("\n", failures) + (context is null ? "" : "\n" + context));
    }

    /// <summary>Edge values for every parameter: the full cross product for up to two parameters, otherwise the
    /// diagonal and one-edge-per-position vectors. Deduplicated after truncation to the parameter types.</summary>
    public static IEnumerable<object?[]> EdgeInputs(MethodInfo m, IReadOnlyList<long[]>? perParameterEdges = null)
    {
        var ps = m.GetParameters();
        var edges = perParameterEdges ?? [.. ps.Select(p => Values.EdgesFor(p.ParameterType))];
        var seen = new HashSet<string>();
        IEnumerable<long[]> raws = ps.Length switch
        {
            0 => [[]],
            1 => edges[0].Select(a => (long[])[a]),
            2 => edges[0].SelectMany(a => edges[1].Select(b => (long[])[a, b])),
            _ => Enumerable.Range(0, edges.Max(e => e.Length)).SelectMany(i => (IEnumerable<long[]>)
            [
                [.. edges.Select(e => e[i % e.Length])],
                [.. edges.Select((e, j) => e[(i + j) % e.Length])],
            ]),
        };
        foreach (var raw in raws)
        {
            var args = Values.Convert(raw, ps);
            if (seen.Add(string.Join(",", args.Select(Outcome.Format)))) yield return args;
        }
    }
}
