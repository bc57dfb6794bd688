using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// The part of <c>minijit fuzz</c> that runs generated code, in a child process so that a crash takes down only
/// the child. It generates programs <c>first … first + count - 1</c> of a base seed, compiles them with Roslyn
/// (Release and Debug, all in one compilation each), and compares every method that a delegate can call, compiled
/// by MiniJit with the optimizer on and off, with the CLR on edge and random inputs — and requires the [Jit] analyzer
/// to be silent about every such method (<see cref="AnalyzerCheck"/>). It reports on standard output,
/// one line per event, so that the parent knows which program was running if the child dies:
/// <c>start I</c>, <c>mismatch I TEXT</c>, <c>done I METHODS</c>.
/// </summary>
public static class FuzzWorker
{
    public const string Start = "start";
    public const string Mismatch = "mismatch";
    public const string Done = "done";
    /// <summary>Trees only: MiniJit refused the tree with a <see cref="JitException"/>.</summary>
    public const string Unsupported = "unsupported";
    /// <summary>Trees only: MiniJit and the expression interpreter agree, Compile() does not.</summary>
    public const string CompileDisagreement = "compile-disagreement";
    /// <summary>Trees only: the reduced form of the tree of the finding before.</summary>
    public const string Reduced = "reduced";

    const int InputsPerMethod = 40;

    /// <summary>The seed of program <paramref name="index"/> of a run with <paramref name="baseSeed"/>; the test
    /// suite's random programs use the same numbering.</summary>
    public static int ProgramSeed(int baseSeed, int index) => unchecked(baseSeed * 100003 + index);

    public static string Source(int baseSeed, int index, bool scalarOnly = false) =>
        new ProgramGenerator(ProgramSeed(baseSeed, index)) { ScalarOnly = scalarOnly }.Generate(ClassName(index));

    static string ClassName(int index) => $"P{index}";

    public static void Run(int baseSeed, int first, int count, bool scalarOnly, TextWriter output)
    {
        var indexes = Enumerable.Range(first, count).ToList();
        var source = string.Concat(indexes.Select(i => Source(baseSeed, i, scalarOnly)));
        var levels = new[] { OptimizationLevel.Release, OptimizationLevel.Debug }
            .Select(level => (level, ProgramCompiler.Compile(source, $"Fuzz{baseSeed}_{first}_{level}", level))).ToList();
        var analyzerWarnings = AnalyzerCheck.WarningsOnPrograms(source);
        foreach (var index in indexes)
        {
            output.WriteLine($"{Start} {index}");
            output.Flush();
            // Every method compared below compiles, so the [Jit] analyzer must not warn that MiniJit will refuse it.
            foreach (var method in EntryMethods(levels[0].Item2.GetType(ClassName(index))!))
                if (analyzerWarnings.TryGetValue($"{ClassName(index)}.{method.Name}", out var warning))
                    output.WriteLine($"{Mismatch} {index} the [Jit] analyzer warns about {method.Name}, which MiniJit compiles: {warning}".ReplaceLineEndings(" "));
            int methods = 0;
            foreach (var (level, assembly) in levels)
                foreach (var method in EntryMethods(assembly.GetType(ClassName(index))!))
                {
                    methods++;
                    if (Compare(method, ProgramSeed(baseSeed, index)) is { } mismatch)
                        output.WriteLine($"{Mismatch} {index} Roslyn {level}, {mismatch}".ReplaceLineEndings(" "));
                }
            output.WriteLine($"{Done} {index} {methods}");
            output.Flush();
        }
    }

    /// <summary>The methods a delegate can call; the others are reached through their callers and wrappers.</summary>
    static IEnumerable<MethodInfo> EntryMethods(Type type) => type
        .GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
        .Where(m => m.GetParameters().Length <= ProgramGenerator.MaxEntryParameters)
        .OrderBy(m => m.Name, StringComparer.Ordinal);

    /// <summary>The first difference between the CLR and MiniJit (optimized, then not) on the method's inputs: in
    /// the outcome (the value, or the exception type; a struct field by field), or in what an array, span, struct or
    /// by-ref argument holds afterwards.
    /// Each call gets its own copy of the arguments.</summary>
    public static string? Compare(MethodInfo method, int programSeed)
    {
        var delegateType = Expression.GetDelegateType([.. method.GetParameters().Select(p => p.ParameterType), method.ReturnType]);
        var managed = method.CreateDelegate(delegateType);
        var inputs = Inputs(method, new Random(programSeed ^ 0x5EED ^ StableHash(method.Name)));
        foreach (var optimize in new[] { true, false })
        {
            Delegate native;
            try
            {
                native = TargetMethod.Compile(method, new JitOptions { Optimize = optimize, Verify = true });
            }
            catch (Exception e)
            {
                // Roslyn has emitted invalid IL for some valid C# (an unused span made from a ternary's array left the
                // array on the stack): then the CLR refuses the method too, and the generator is what must change.
                var clr = FuzzArguments.Outcome(managed, FuzzArguments.Copy(inputs[0]));
                var note = clr == "throws InvalidProgramException" ? " (the CLR refuses it too: InvalidProgramException, Roslyn emitted invalid IL)" : "";
                return $"{method.Name}, optimize {(optimize ? "on" : "off")}: MiniJit does not compile it: {e.GetType().Name}: {e.Message}{note}";
            }
            foreach (var args in inputs)
            {
                object?[] clrArgs = FuzzArguments.Copy(args), jitArgs = FuzzArguments.Copy(args);
                var expected = FuzzArguments.Outcome(managed, clrArgs);
                var actual = FuzzArguments.Outcome(native, jitArgs);
                var call = $"{method.Name}({string.Join(", ", args.Select(FuzzArguments.Format))}), optimize {(optimize ? "on" : "off")}";
                if (expected != actual) return $"{call}: CLR {expected}, MiniJit {actual}";
                if (FuzzArguments.Difference(clrArgs, jitArgs) is { } difference) return $"{call}: {difference} (both {expected})";
            }
        }
        return null;
    }

    /// <summary>string.GetHashCode differs between processes; a rerun in a child must see the same inputs.</summary>
    static int StableHash(string text) => text.Aggregate(17, (hash, c) => unchecked(hash * 31 + c));

    static List<object?[]> Inputs(MethodInfo method, Random random)
    {
        var parameters = method.GetParameters();
        return [.. Enumerable.Range(0, InputsPerMethod).Select(i => FuzzArguments.Make(parameters, random,
            (p, type) => Convert(i < Edges.Length ? Edges[(i + p.Position) % Edges.Length] : RandomValue(random), type)))];
    }

    /// <summary>Raw inputs at the edges of every integer type (and a few doubles' bits: as integers, large values).</summary>
    public static readonly long[] Edges =
    [
        0, 1, -1, 2, 3, 7, -7, 8, 31, 32, 63, 64, 127, 128, 255, 256, -32768, 65535, 65536,
        int.MinValue, int.MaxValue, uint.MaxValue, long.MinValue, long.MaxValue,
        // As doubles: NaN, the infinities, 2^31, 2^63 and 1e300 (as integers, just large values).
        BitConverter.DoubleToInt64Bits(double.NaN), BitConverter.DoubleToInt64Bits(double.PositiveInfinity),
        BitConverter.DoubleToInt64Bits(double.NegativeInfinity), BitConverter.DoubleToInt64Bits(2147483648.0),
        BitConverter.DoubleToInt64Bits(9223372036854775808.0), BitConverter.DoubleToInt64Bits(1e300),
    ];

    /// <summary>Raw inputs that become the floating-point edge cases (see <see cref="DoubleFrom"/>): zeros, ties,
    /// NaN, infinities, subnormals, the extremes of float and double, and every conversion boundary (±2^31, 2^32,
    /// ±2^63, 2^64, with their neighbours).</summary>
    public static readonly long[] FloatEdges =
    [
        0, 1, 2, 4, -4, 6, 10, -10, 14, -14, 3, -2, 400, -513,
        .. new double[]
        {
            -0.0, double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.Epsilon, -double.Epsilon,
            BitConverter.Int64BitsToDouble(0x000F_FFFF_FFFF_FFFF), double.MaxValue, double.MinValue, float.MaxValue, float.MinValue,
            float.Epsilon, 1e-310, 0.1, -0.7, 1e300, -1e300, 2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0,
            -2147483648.5, -2147483649.0, 4294967295.0, 4294967295.5, 4294967296.0, 9223372036854775807.0,
            9223372036854774784.0, -9223372036854775808.0, -9223372036854777856.0, 18446744073709551615.0,
            18446744073709549568.0, 255.5, 256.0, -128.5, -129.0, 32767.5, 65535.9, 65536.0, 1.0 / 3.0, Math.PI,
        }.Select(BitConverter.DoubleToInt64Bits),
    ];

    static long RandomValue(Random r) => r.Next(4) switch
    {
        0 => r.NextInt64(long.MinValue, long.MaxValue),
        1 => r.Next(-20, 20),
        2 => r.Next(int.MinValue, int.MaxValue),
        _ => Edges[r.Next(Edges.Length)],
    };

    /// <summary><paramref name="raw"/> truncated to <paramref name="type"/> as an unchecked C# cast does (a bool is
    /// the lowest bit). The test suite makes its inputs with this too.</summary>
    public static object Convert(long raw, Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Int64 => raw,
        TypeCode.Int32 => (int)raw,
        TypeCode.UInt32 => (uint)raw,
        TypeCode.UInt64 => (ulong)raw,
        TypeCode.Int16 => (short)raw,
        TypeCode.UInt16 => (ushort)raw,
        TypeCode.Byte => (byte)raw,
        TypeCode.SByte => (sbyte)raw,
        TypeCode.Char => (char)raw,
        TypeCode.Boolean => (raw & 1) != 0,
        TypeCode.Double => DoubleFrom(raw),
        TypeCode.Single => (float)DoubleFrom(raw),
        _ when type == typeof(nint) => (nint)raw,
        _ when type == typeof(nuint) => (nuint)(ulong)raw,
        _ => throw new NotSupportedException($"no inputs of type {type}"),
    };

    /// <summary>A double from raw input: small raw values are quarters (0.25, 2.5, -3, …: rounding ties, exact
    /// integers, ordinary arithmetic); any other is read as IEEE bits, which reaches NaNs, infinities, subnormals and
    /// every magnitude. A float parameter takes the double rounded to float.</summary>
    public static double DoubleFrom(long raw) => raw is >= -(1 << 20) and <= 1 << 20 ? raw / 4.0 : BitConverter.Int64BitsToDouble(raw);

    /// <summary>A value as the reports print it (a struct field by field).</summary>
    public static string Format(object? value) => value switch
    {
        char c => $"(char){(int)c}",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        not null when FuzzArguments.IsStruct(value.GetType()) => FuzzArguments.FormatStruct(value),
        _ => $"{value}",
    };
}
