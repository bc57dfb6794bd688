using System.Linq.Expressions;
using MiniJit.Binding;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.Binding;

/// <summary>
/// Delegates that call the direct entry (<see cref="DirectThunk"/>): for each signature, values whose bits must
/// survive (-0.0, NaN payloads, infinities, integer extremes) give what <c>Expression.Compile()</c> gives and exactly
/// what the frame path gives for the same code; the path is taken only for code that cannot fail and returns soon.
/// </summary>
public class DirectThunkTests
{
    public static TheoryData<Type> DirectDelegateTypes() => [.. DirectThunks.DelegateTypes];

    [Fact]
    public void The_direct_signatures_are_the_most_common_ones()
    {
        Type[] expected =
        [
            typeof(Func<double, double>), typeof(Func<double, double, double>), typeof(Func<double, double, double, double>),
            typeof(Func<double, double, double, double, double>), typeof(Func<double, bool>), typeof(Func<double, double, bool>),
            typeof(Func<float, float>), typeof(Func<float, float, float>),
            typeof(Func<long, long>), typeof(Func<long, long, long>), typeof(Func<long, long, long, long>),
            typeof(Func<long, bool>), typeof(Func<long, long, bool>),
            typeof(Func<int, int>), typeof(Func<int, int, int>), typeof(Func<int, int, bool>),
        ];
        Assert.True(expected.ToHashSet().SetEquals(DirectThunks.DelegateTypes));
    }

    [Theory]
    [MemberData(nameof(DirectDelegateTypes))]
    public void Each_factory_makes_its_own_delegate_type(Type delegateType)
    {
        var code = Jit.CompileToCode(Trees(delegateType)[0]);
        var bound = DirectThunks.Find(delegateType)!(code.DirectEntry, code.Memory, code);
        Assert.Equal(delegateType, bound.GetType());
        Assert.IsAssignableFrom<DirectThunk>(bound.Target);
    }

    [Theory]
    [MemberData(nameof(DirectDelegateTypes))]
    public void Every_argument_arrives_bit_for_bit(Type delegateType)
    {
        var (element, arity, predicate) = Shape(delegateType);
        if (predicate) return;  // a bool result cannot carry an argument back; the comparisons below test those
        for (var k = 0; k < arity; k++)
        {
            var parameters = Parameters(element, arity);
            var identity = Jit.Compile(Expression.Lambda(delegateType, parameters[k], parameters));
            Assert.IsAssignableFrom<DirectThunk>(identity.Target);
            foreach (var arguments in Arguments(element, arity))
                Assert.Equal(Bits(arguments[k]), Bits(identity.DynamicInvoke(arguments)!));
        }
    }

    [Theory]
    [MemberData(nameof(DirectDelegateTypes))]
    public void Results_match_Compile_and_are_the_frame_paths_bit_for_bit(Type delegateType)
    {
        var (element, arity, _) = Shape(delegateType);
        foreach (var tree in Trees(delegateType))
        {
            var native = Jit.Compile(tree);
            Assert.IsAssignableFrom<DirectThunk>(native.Target);
            var managed = tree.Compile();
            // The same machine code, entered through the entry stub with a frame.
            var throughFrame = Jit.CodeOf(native).CreateSlotFunction();
            foreach (var arguments in Arguments(element, arity))
            {
                var result = native.DynamicInvoke(arguments)!;
                var expected = managed.DynamicInvoke(arguments)!;
                Assert.True(new Outcome(expected, null).Equals(new Outcome(result, null)),
                    $"{tree} with ({string.Join(", ", arguments.Select(Outcome.Format))}): {Outcome.Format(result)}, Compile() gives {Outcome.Format(expected)}");
                var slot = throughFrame([.. arguments.Select(a => Bits(a))]);
                Assert.Equal(Bits(FromSlot(tree.ReturnType, slot)), Bits(result));
            }
        }
    }

    /// <summary>The units without a direct entry whose delegate type has a direct thunk.</summary>
    public static TheoryData<string, LambdaExpression> WithoutDirectEntryOfDirectTypes()
    {
        var data = new TheoryData<string, LambdaExpression>();
        foreach (var row in DirectEntryTests.WithoutDirectEntry())
            if (row[1] is LambdaExpression lambda && DirectThunks.Find(lambda.Type) is not null) data.Add((string)row[0], lambda);
        return data;
    }

    [Theory]
    [MemberData(nameof(WithoutDirectEntryOfDirectTypes))]
    public void Code_that_may_fail_or_run_long_goes_through_the_frame(string what, LambdaExpression lambda) =>
        Assert.True(Jit.Compile(lambda).Target is FrameThunk, what);

    [Fact]
    public void Failures_still_throw_through_the_frame_path()
    {
        var divide = Jit.Compile<Func<long, long, long>>((x, y) => x / y);
        var add = Jit.Compile<Func<int, int, int>>((x, y) => checked(x + y));
        Assert.IsAssignableFrom<FrameThunk>(divide.Target);
        Assert.IsAssignableFrom<FrameThunk>(add.Target);
        Assert.Equal(-3, divide(7, -2));
        Assert.Throws<DivideByZeroException>(() => divide(1, 0));
        Assert.Throws<OverflowException>(() => add(int.MaxValue, 1));
    }

    delegate double Formula(double x);

    [Fact]
    public void Code_with_a_direct_entry_binds_other_delegate_types_through_the_frame()
    {
        var toLong = Jit.Compile<Func<double, long>>(x => (long)x);
        var formula = Jit.Compile((Expression<Formula>)(x => x * 2));
        Assert.NotEqual(0, Jit.CodeOf(toLong).DirectEntry);
        Assert.NotEqual(0, Jit.CodeOf(formula).DirectEntry);
        Assert.IsAssignableFrom<FrameThunk>(toLong.Target);
        Assert.IsAssignableFrom<FrameThunk>(formula.Target);
        Assert.Equal(-2, toLong(-2.5));
        Assert.Equal(5.0, formula(2.5));
    }

    [Fact]
    public void Compiled_methods_and_lazy_delegates_take_the_direct_path_too()
    {
        var scale = Jit.Compile<Func<long, long>>(x => x * 7);
        var lazy = Jit.Lazy<Func<double, double>>(x => x / 4);
        Assert.IsAssignableFrom<DirectThunk>(scale.Target);
        Assert.Equal(-7, scale(-1));
        Assert.Equal(0.625, lazy(2.5));
        Assert.NotEqual(0, Jit.CodeOf(lazy).DirectEntry);
    }

    [Fact]
    public void CodeOf_and_Disassemble_find_the_unit_behind_a_direct_delegate()
    {
        Expression<Func<double, double, double>> tree = (x, y) => x * y + 3;
        var f = Jit.Compile(tree);
        var code = Jit.CodeOf(f);
        Assert.Equal(code.DirectEntry, code.Address + code.Symbols.Single(s => s.Value == "direct entry").Key);
        Assert.Contains("direct entry:", Jit.Disassemble(f));
    }

    [Fact]
    public void Calls_after_dispose_throw_ObjectDisposedException()
    {
        var product = Jit.Compile<Func<double, double, double>>((x, y) => x * y);
        var negative = Jit.Compile<Func<long, bool>>(x => x < 0);
        Assert.Equal(6.0, product(2, 3));
        Assert.True(negative(-1));
        Jit.CodeOf(product).Dispose();
        Jit.CodeOf(negative).Dispose();
        Assert.Throws<ObjectDisposedException>(() => product(2, 3));
        Assert.Throws<ObjectDisposedException>(() => negative(-1));
    }

    [Fact]
    public void Calls_on_several_threads_stay_right_while_compacting_collections_run()
    {
        var doubles = Jit.Compile<Func<double, double, double>>((x, y) => x * y + 3);
        var longs = Jit.Compile<Func<long, long, long>>((x, y) => x * y + 3);
        Assert.IsAssignableFrom<DirectThunk>(doubles.Target);
        Assert.IsAssignableFrom<DirectThunk>(longs.Target);
        // For a second: the callers call and allocate, the collector compacts the heap, mostly young objects (cheap
        // collections, so the callers still get to run in between), now and then everything.
        var stop = false;
        var collections = 0;
        long calls = 0;
        string? failure = null;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(++collections % 10 == 0 ? 2 : 0, GCCollectionMode.Forced, blocking: true, compacting: true);
                // Back-to-back collections can starve the callers on a loaded 2-core machine (CI once saw 1,665
                // collections and no call in the second); a pause lets them run between collections.
                Thread.Sleep(1);
            }
        });
        var callers = Enumerable.Range(0, 4).Select(id => new Thread(() =>
        {
            var garbage = new List<object>();
            for (long i = 0; !Volatile.Read(ref stop); i++)
            {
                double x = id + i * 0.5;
                if (doubles(x, 2) != x * 2 + 3) failure ??= $"doubles({x}, 2) = {doubles(x, 2)}";
                if (longs(i, id) != i * id + 3) failure ??= $"longs({i}, {id}) = {longs(i, id)}";
                Interlocked.Add(ref calls, 2);
                if (i % 64 == 0) garbage.Add(new byte[128]);
                if (garbage.Count > 1000) garbage.Clear();
            }
        })).ToList();
        collector.Start();
        callers.ForEach(t => t.Start());
        // At least a second, and until the callers have made calls while collections ran (at most 30 s, however
        // loaded the machine): the test counts work done, not time.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1)
               || (Interlocked.Read(ref calls) < 10_000 || Volatile.Read(ref collections) < 10) && watch.Elapsed < TimeSpan.FromSeconds(30))
            Thread.Sleep(10);
        Volatile.Write(ref stop, true);
        callers.ForEach(t => t.Join());
        collector.Join();
        Assert.Null(failure);
        Assert.True(collections > 0 && calls > 0, $"{collections} collections, {calls} calls");
    }

    /// <summary>A Func type's parameter type (all are the same), arity, and whether it returns bool.</summary>
    static (Type Element, int Arity, bool Predicate) Shape(Type delegateType)
    {
        var types = delegateType.GetGenericArguments();
        return (types[0], types.Length - 1, types[^1] == typeof(bool));
    }

    static ParameterExpression[] Parameters(Type element, int arity) =>
        [.. Enumerable.Range(0, arity).Select(i => Expression.Parameter(element, $"a{i}"))];

    /// <summary>Trees of the delegate type that cannot fail: arithmetic for a numeric result, comparisons for a bool.</summary>
    static List<LambdaExpression> Trees(Type delegateType)
    {
        var (element, arity, predicate) = Shape(delegateType);
        var p = Parameters(element, arity);
        var zero = Expression.Constant(Convert.ChangeType(0, element), element);
        var three = Expression.Constant(Convert.ChangeType(3, element), element);
        var last = arity == 1 ? zero : (Expression)p[^1];
        // a0 * a0 + 3, a0 * a1 + 3, (a0 * a1 - a2) + 3, ((a0 * a1 - a2) * a3) + 3
        Expression arithmetic = arity == 1 ? Expression.Multiply(p[0], p[0]) : p[0];
        for (var i = 1; i < arity; i++)
            arithmetic = i % 2 == 1 ? Expression.Multiply(arithmetic, p[i]) : Expression.Subtract(arithmetic, p[i]);
        List<Expression> bodies = predicate
            ? [Expression.LessThan(p[0], last), Expression.Equal(p[0], arity == 1 ? p[0] : last), Expression.GreaterThanOrEqual(p[0], last)]
            : [Expression.Add(arithmetic, three)];
        if (element == typeof(double) && !predicate)
            bodies.Add(Expression.Subtract(Expression.Call(typeof(Math).GetMethod(nameof(Math.Max), [element, element])!, p[0], p[^1]),
                Expression.Call(typeof(Math).GetMethod(nameof(Math.Sin), [element])!, p[0])));
        return [.. bodies.Select(body => Expression.Lambda(delegateType, body, p))];
    }

    static readonly double[] Doubles =
    [
        0.0, -0.0, 1.5, -2.25, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.Epsilon,
        BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234), BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0042)),
        BitConverter.Int64BitsToDouble(0x7FF0_0000_0000_0001),  // a signalling NaN: register moves keep it signalling
    ];

    static readonly float[] Floats =
    [
        0.0f, -0.0f, 1.5f, -2.25f, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.Epsilon,
        BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC0_0042)),
        BitConverter.Int32BitsToSingle(0x7F80_0001),
    ];

    static readonly long[] Longs = [0, 1, -1, 3, long.MaxValue, long.MinValue, 0x1234_5678_9ABC_DEF0, -0x7FFF_FFFF, 1L << 32];
    static readonly int[] Ints = [0, 1, -1, 3, int.MaxValue, int.MinValue, 0x1234_5678, -0x7FFF, 1 << 16];

    /// <summary>Every pair of the edge values (every single one for one parameter); for three or four parameters, a fixed
    /// sample of combinations.</summary>
    static IEnumerable<object[]> Arguments(Type element, int arity)
    {
        object[] values = element == typeof(double) ? [.. Doubles.Cast<object>()]
            : element == typeof(float) ? [.. Floats.Cast<object>()]
            : element == typeof(long) ? [.. Longs.Cast<object>()]
            : [.. Ints.Cast<object>()];
        if (arity == 1) return values.Select(v => new[] { v });
        if (arity == 2) return values.SelectMany(a => values.Select(b => new[] { a, b }));
        var random = new Random(arity);
        return Enumerable.Range(0, 200).Select(_ => Enumerable.Range(0, arity).Select(_ => values[random.Next(values.Length)]).ToArray());
    }

    /// <summary>A value's bits as its slot holds them, so that NaN payloads and the sign of zero are compared too.</summary>
    static long Bits(object value) => value switch
    {
        double d => Slots.From(d),
        float f => Slots.From(f),
        long l => Slots.From(l),
        int i => Slots.From(i),
        bool b => Slots.From(b),
        _ => throw new ArgumentException($"no bits for {value.GetType()}"),
    };

    static object FromSlot(Type type, long slot) =>
        type == typeof(double) ? Slots.To<double>(slot)
        : type == typeof(float) ? Slots.To<float>(slot)
        : type == typeof(long) ? Slots.To<long>(slot)
        : type == typeof(int) ? Slots.To<int>(slot)
        : Slots.To<bool>(slot);
}
