using System.Reflection;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.MemoryAccess;

/// <summary>
/// The parity oracle for methods that read and write memory: the CLR and MiniJit (optimizer on and off) each run on
/// their own copies of the same arguments, and must agree on the outcome (the value, or the exception type) and on
/// what every array and by-ref argument holds afterwards.
/// </summary>
public static class MemoryParity
{
    public static void Check(MethodInfo m, IEnumerable<object?[]> inputs)
    {
        var failures = new List<string>();
        var cases = inputs.ToList();
        foreach (var optimize in Parity.OptimizeSettings)
        {
            Delegate native;
            try
            {
                native = Parity.Compile(m, new JitOptions { Optimize = optimize, Verify = true });
            }
            catch (Exception e)
            {
                failures.Add($"Optimize={optimize}: compiling {m.Name} threw {e.GetType().Name}: {e.Message}");
                continue;
            }
            var managed = m.CreateDelegate(Parity.DelegateTypeOf(m));
            foreach (var input in cases)
            {
                object?[] clrArgs = Copy(input), jitArgs = Copy(input);
                var expected = Parity.Run(managed, clrArgs);
                var actual = Parity.Run(native, jitArgs);
                if (!Equals(expected, actual))
                    failures.Add($"Optimize={optimize}: {Describe(m, input)}: CLR {expected}, MiniJit {actual}");
                for (int i = 0; i < input.Length; i++)
                    if (!SameContents(clrArgs[i], jitArgs[i]))
                        failures.Add($"Optimize={optimize}: {Describe(m, input)}: argument {i} afterwards: CLR {Show(clrArgs[i])}, MiniJit {Show(jitArgs[i])}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>Compiling <paramref name="m"/> fails with a message that gives <paramref name="reason"/>, and (unless
    /// <paramref name="opcode"/> is empty) with a JitException at that opcode.</summary>
    public static void CheckRefused(MethodInfo m, string opcode, string reason)
    {
        var e = Assert.ThrowsAny<Exception>(() => Parity.Compile(m, null));
        Assert.Contains(reason, e.Message);
        if (opcode.Length > 0) Assert.Equal(opcode, Assert.IsType<JitException>(e).OpCode);
    }

    public static object?[] Copy(object?[] input) => [.. input.Select(a => a is Array array ? array.Clone() : a)];

    static bool SameContents(object? a, object? b)
    {
        if (a is Array x && b is Array y)
        {
            if (x.Length != y.Length) return false;
            for (int i = 0; i < x.Length; i++)
                if (!Equals(new Outcome(x.GetValue(i), null), new Outcome(y.GetValue(i), null))) return false;
            return true;
        }
        return Equals(new Outcome(a, null), new Outcome(b, null));
    }

    static string Show(object? value) => value is Array array
        ? $"[{string.Join(", ", array.Cast<object?>().Take(16).Select(Outcome.Format))}{(array.Length > 16 ? ", …" : "")}]"
        : Outcome.Format(value);

    static string Describe(MethodInfo m, object?[] args) => $"{m.Name}({string.Join(", ", args.Select(Show))})";

    /// <summary>Arrays of <paramref name="elementType"/>: null, empty, one element, and a few lengths of random values
    /// (drawn from the edge values, converted as a C# unchecked cast does).</summary>
    public static IEnumerable<Array?> Arrays(Type elementType, int seed, params int[] lengths)
    {
        var random = new Random(seed);
        yield return null;
        foreach (int length in lengths)
        {
            var array = Array.CreateInstance(elementType, length);
            for (int i = 0; i < length; i++)
            {
                var edges = Values.EdgesFor(elementType);
                long raw = random.Next(3) == 0 ? edges[random.Next(edges.Length)] : random.NextInt64(-1000, 1000);
                array.SetValue(Values.Convert(raw, elementType), i);
            }
            yield return array;
        }
    }

    /// <summary>Indexes that hit and miss an array of <paramref name="length"/>: both ends, just outside, far outside.</summary>
    public static IEnumerable<int> Indexes(int length) =>
        new[] { 0, 1, length / 2, length - 1, length, length + 1, -1, int.MinValue, int.MaxValue }.Distinct();
}
