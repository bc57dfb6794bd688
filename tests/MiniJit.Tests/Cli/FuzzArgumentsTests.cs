using System.Linq.Expressions;
using System.Reflection;
using MiniJit.Cli.Fuzzing;

namespace MiniJit.Tests.Cli;

/// <summary>The fuzzer's memory arguments: copies keep aliasing, the comparison afterwards sees every difference (and
/// no NaN-payload one), and delegates with span and by-ref parameters are called with the arguments written back.</summary>
public class FuzzArgumentsTests
{
    [Fact]
    public void A_copy_clones_every_array_once_and_keeps_which_arguments_share_one()
    {
        int[] shared = [1, 2, 3];
        object?[] args = [shared, new SpanArgument(shared, 1, 2), 5L, null, new SpanArgument(null, 0, 0)];
        var copy = FuzzArguments.Copy(args);
        var array = Assert.IsType<int[]>(copy[0]);
        Assert.NotSame(shared, array);
        Assert.Equal(shared, array);
        Assert.Same(array, Assert.IsType<SpanArgument>(copy[1]).Array);
        Assert.Equal((1, 2), (((SpanArgument)copy[1]!).Start, ((SpanArgument)copy[1]!).Length));
        Assert.Equal(5L, copy[2]);
        Assert.Null(copy[3]);
        Assert.Null(((SpanArgument)copy[4]!).Array);
    }

    [Fact]
    public void The_comparison_sees_elements_by_refs_and_the_whole_array_under_a_span()
    {
        Assert.Null(FuzzArguments.Difference([new[] { 1, 2 }, 3L, null], [new[] { 1, 2 }, 3L, null]));
        Assert.Contains("argument 0 afterwards: CLR Int32[2] {1, 2}, MiniJit Int32[2] {1, 3}",
            FuzzArguments.Difference([new[] { 1, 2 }], [new[] { 1, 3 }]));
        Assert.NotNull(FuzzArguments.Difference([3L], [4L]));
        Assert.NotNull(FuzzArguments.Difference([new int[2]], [new int[3]]));
        Assert.NotNull(FuzzArguments.Difference([null], [new int[0]]));
        // A span's array outside the span's range counts too: a write there is a wrong write.
        Assert.NotNull(FuzzArguments.Difference([new SpanArgument(new[] { 1, 2, 3 }, 0, 1)], [new SpanArgument(new[] { 1, 2, 4 }, 0, 1)]));
        // Floating point: bits, except that NaNs are all equal.
        Assert.Null(FuzzArguments.Difference([new[] { double.NaN, 1.5 }], [new[] { -double.NaN, 1.5 }]));
        Assert.NotNull(FuzzArguments.Difference([new[] { 0.0 }], [new[] { -0.0 }]));
        Assert.NotNull(FuzzArguments.Difference([new[] { 0f }], [new[] { -0f }]));
        Assert.Null(FuzzArguments.Difference([float.NaN], [BitConverter.Int32BitsToSingle(-1)]));
    }

    static int Spans(ReadOnlySpan<int> read, Span<long> write, ref double total, in short bias)
    {
        for (int i = 0; i < read.Length && i < write.Length; i++) write[i] += read[i] + bias;
        total += read.Length;
        return write.Length;
    }

    static void Writes(byte[] data, ref int count) { data[0] = 9; count++; }

    [Fact]
    public void Delegates_with_spans_and_by_refs_are_called_with_spans_made_at_the_call_and_refs_written_back()
    {
        var method = typeof(FuzzArgumentsTests).GetMethod(nameof(Spans), BindingFlags.NonPublic | BindingFlags.Static)!;
        var type = Expression.GetDelegateType([.. method.GetParameters().Select(p => p.ParameterType), method.ReturnType]);
        long[] longs = [10, 20, 30, 40];
        foreach (var target in new[] { method.CreateDelegate(type), MiniJit.Cli.TargetMethod.Compile(method, new JitOptions { Verify = true }) })
        {
            object?[] args = [new SpanArgument(new[] { 1, 2, 3 }, 1, 2), new SpanArgument(longs, 1, 3), 0.5, (short)100];
            Assert.Equal(3, FuzzArguments.Invoke(target, args));
            Assert.Equal(2.5, args[2]);
            Assert.Equal<long>([10, 122, 133, 40], longs);
            Assert.Equal("0 (Int32)", FuzzArguments.Outcome(target, [new SpanArgument(null, 0, 0), new SpanArgument(null, 0, 0), 0.0, (short)0]));
            longs = [10, 20, 30, 40];
        }

        var writes = typeof(FuzzArgumentsTests).GetMethod(nameof(Writes), BindingFlags.NonPublic | BindingFlags.Static)!;
        var action = writes.CreateDelegate(Expression.GetDelegateType([.. writes.GetParameters().Select(p => p.ParameterType), typeof(void)]));
        object?[] more = [new byte[1], 4];
        Assert.Equal(" ()", FuzzArguments.Outcome(action, more));  // void
        Assert.Equal((byte)9, ((byte[])more[0]!)[0]);
        Assert.Equal(5, more[1]);
        Assert.Equal("throws NullReferenceException", FuzzArguments.Outcome(action, [null, 0]));
    }

    [Fact]
    public void Made_arguments_cover_null_empty_short_long_shared_and_sliced()
    {
        var parameters = typeof(FuzzArgumentsTests).GetMethod(nameof(Spans), BindingFlags.NonPublic | BindingFlags.Static)!.GetParameters();
        var random = new Random(1);
        var made = Enumerable.Range(0, 400).Select(_ => FuzzArguments.Make(parameters, random, (_, t) => FuzzWorker.Convert(7, t))).ToList();
        var spans = made.Select(a => (SpanArgument)a[0]!).ToList();
        Assert.Contains(spans, s => s.Array is null);
        Assert.Contains(spans, s => s.Array is { Length: 0 });
        Assert.Contains(spans, s => s.Array is { Length: > 0 and < 5 });
        Assert.Contains(spans, s => s.Array is { Length: > 16 });
        Assert.Contains(spans, s => s.Array is { } a && s.Length < a.Length);
        Assert.All(spans, s => Assert.True(s.Start >= 0 && s.Start + s.Length <= (s.Array?.Length ?? 0)));
        Assert.All(made, a => Assert.Equal(7.0 / 4, a[2]));
        var arrays = new[] { typeof(int[]), typeof(int[]) }.Select((t, i) => (ParameterInfo)new FakeParameter(t, i)).ToArray();
        var pairs = Enumerable.Range(0, 200).Select(_ => FuzzArguments.Make(arrays, random, (_, t) => 0)).ToList();
        Assert.Contains(pairs, p => p[0] is not null && ReferenceEquals(p[0], p[1]));
    }

    [Fact]
    public void A_method_the_CLR_refuses_too_is_reported_as_Roslyn_emitting_invalid_IL()
    {
        // Roslyn (Release) drops the unused span's conversion but not the array under it: ret with two values.
        const string source = """
            public static class InvalidIl
            {
                public static int UnusedSpanOfTernary(int[] p, int k)
                {
                    int[] a = k > 17 ? p : p;
                    System.ReadOnlySpan<int> s = a;
                    return k;
                }
            }
            """;
        var method = ProgramCompiler.Compile(source, "InvalidIl", Microsoft.CodeAnalysis.OptimizationLevel.Release).GetType("InvalidIl")!.GetMethod("UnusedSpanOfTernary")!;
        Assert.Contains("the CLR refuses it too: InvalidProgramException, Roslyn emitted invalid IL", FuzzWorker.Compare(method, 1));
    }

    public struct Pair { public double A; public long B; }
    public struct Outer { public int X; public Pair Inner; public float Y; }

    static Outer Structs(Outer o, ref Pair p, in Pair q, out Pair r, ReadOnlySpan<int> s)
    {
        r = new Pair { A = -q.A, B = s.Length };
        p.B += o.X;
        o.Inner.A *= 2;
        return o;
    }

    static Pair WithoutSpans(Pair p, ref Outer o)
    {
        o.Inner = p;
        return new Pair { A = p.A + 1, B = o.X };
    }

    [Fact]
    public void Structs_are_made_with_random_fields_and_nested_structs_by_value_and_by_ref()
    {
        var parameters = typeof(FuzzArgumentsTests).GetMethod(nameof(Structs), BindingFlags.NonPublic | BindingFlags.Static)!.GetParameters();
        var random = new Random(2);
        var made = Enumerable.Range(0, 100).Select(_ => FuzzArguments.Make(parameters, random, (_, t) => FuzzWorker.Convert(7, t))).ToList();
        Assert.All(made, a => Assert.IsType<Outer>(a[0]));
        Assert.All(made, a => Assert.IsType<Pair>(a[1]));
        Assert.All(made, a => Assert.IsType<Pair>(a[3]));
        Assert.True(made.Select(a => ((Outer)a[0]!).Inner.B).Distinct().Count() > 10);
        Assert.True(made.Select(a => ((Outer)a[0]!).Y).Distinct().Count() > 10);
        Assert.Contains(made, a => double.IsNaN(((Pair)a[1]!).A) || double.IsInfinity(((Pair)a[1]!).A));
        Assert.True(FuzzArguments.NeedsHarness(typeof(FuzzArgumentsTests).GetMethod(nameof(WithoutSpans), BindingFlags.NonPublic | BindingFlags.Static)!));
        Assert.False(FuzzArguments.IsStruct(typeof(int)));
        Assert.False(FuzzArguments.IsStruct(typeof(void)));
        Assert.False(FuzzArguments.IsStruct(typeof(Span<int>)));
    }

    [Fact]
    public void Structs_are_copied_compared_field_by_field_and_printed()
    {
        object?[] args = [new Outer { X = 1, Inner = new Pair { A = 0.0, B = 2 }, Y = float.NaN }];
        var copy = FuzzArguments.Copy(args);
        Assert.NotSame(args[0], copy[0]);
        Assert.Equal(args[0], copy[0]);
        Assert.Null(FuzzArguments.Difference(args, copy));
        // -0.0 is not 0.0 (which ValueType.Equals would say), but any NaN is any NaN.
        object?[] negativeZero = [new Outer { X = 1, Inner = new Pair { A = -0.0, B = 2 }, Y = float.NaN }];
        Assert.Contains("argument 0 afterwards: CLR {X = 1, Inner = {A = 0, B = 2}, Y = NaN}, MiniJit {X = 1, Inner = {A = -0, B = 2}, Y = NaN}",
            FuzzArguments.Difference(args, negativeZero));
        Assert.Null(FuzzArguments.Difference(args, [new Outer { X = 1, Inner = new Pair { A = 0.0, B = 2 }, Y = -float.NaN }]));
        Assert.NotNull(FuzzArguments.Difference(args, [new Outer { X = 1, Inner = new Pair { A = 0.0, B = 3 }, Y = float.NaN }]));
    }

    [Fact]
    public void Delegates_with_structs_return_them_field_by_field_and_write_by_ref_structs_back()
    {
        var method = typeof(FuzzArgumentsTests).GetMethod(nameof(Structs), BindingFlags.NonPublic | BindingFlags.Static)!;
        var type = Expression.GetDelegateType([.. method.GetParameters().Select(p => p.ParameterType), method.ReturnType]);
        foreach (var target in new[] { method.CreateDelegate(type), MiniJit.Cli.TargetMethod.Compile(method, new JitOptions { Verify = true }) })
        {
            object?[] args = [new Outer { X = 5, Inner = new Pair { A = 1.5, B = 1 }, Y = -0f }, new Pair { B = 10 }, new Pair { A = 2 }, default(Pair), new SpanArgument(new[] { 1, 2, 3 }, 0, 2)];
            Assert.Equal("{X = 5, Inner = {A = 3, B = 1}, Y = -0} (Outer)", FuzzArguments.Outcome(target, args));
            Assert.Equal(15, ((Pair)args[1]!).B);
            Assert.Equal(new Pair { A = -2, B = 2 }, args[3]);
        }

        // Without a span: DynamicInvoke, which writes the by-ref struct back too.
        var plain = typeof(FuzzArgumentsTests).GetMethod(nameof(WithoutSpans), BindingFlags.NonPublic | BindingFlags.Static)!;
        var plainType = Expression.GetDelegateType([.. plain.GetParameters().Select(p => p.ParameterType), plain.ReturnType]);
        foreach (var call in new[] { plain.CreateDelegate(plainType), MiniJit.Cli.TargetMethod.Compile(plain, new JitOptions { Verify = true }) })
        {
            object?[] more = [new Pair { A = 0.5, B = 3 }, new Outer { X = 4 }];
            Assert.Equal("{A = 1.5, B = 4} (Pair)", FuzzArguments.Outcome(call, more));
            Assert.Equal(new Pair { A = 0.5, B = 3 }, ((Outer)more[1]!).Inner);
        }
    }

    sealed class FakeParameter : ParameterInfo
    {
        public FakeParameter(Type type, int position) => (ClassImpl, PositionImpl) = (type, position);
    }
}
