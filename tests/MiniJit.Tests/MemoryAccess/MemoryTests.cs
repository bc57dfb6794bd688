using System.Reflection;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.MemoryAccess;

/// <summary>Arrays, by-refs, pointers, stackalloc and static fields: every memory opcode and element type against the
/// CLR, including null arrays, out-of-range and negative indexes, with the optimizer on and off.</summary>
public unsafe class MemoryTests
{
    static MethodInfo Method(string name) => typeof(MemoryPrograms).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new ArgumentException(name);

    public static readonly TheoryData<Type> ElementTypes =
    [
        typeof(bool), typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(char), typeof(int), typeof(uint),
        typeof(long), typeof(ulong), typeof(float), typeof(double), typeof(nint), typeof(nuint),
    ];

    static IEnumerable<object?[]> ArraysAndIndexes(Type elementType, Func<Array?, int, object?[]> arguments)
    {
        foreach (var array in MemoryParity.Arrays(elementType, seed: 1, 0, 1, 5))
            foreach (int index in MemoryParity.Indexes(array?.Length ?? 3))
                yield return arguments(array, index);
    }

    [Theory, MemberData(nameof(ElementTypes))]
    public void LoadElement(Type t) =>
        MemoryParity.Check(Method(nameof(MemoryPrograms.Load)).MakeGenericMethod(t), ArraysAndIndexes(t, (a, i) => [a, i]));

    [Theory, MemberData(nameof(ElementTypes))]
    public void StoreElement(Type t)
    {
        var value = Values.Convert(-5, t);
        MemoryParity.Check(Method(nameof(MemoryPrograms.Store)).MakeGenericMethod(t), ArraysAndIndexes(t, (a, i) => [a, i, value]));
    }

    [Theory, MemberData(nameof(ElementTypes))]
    public void ArrayLength(Type t) =>
        MemoryParity.Check(Method(nameof(MemoryPrograms.Length)).MakeGenericMethod(t), MemoryParity.Arrays(t, 2, 0, 1, 7).Select(a => new object?[] { a }));

    [Theory, MemberData(nameof(ElementTypes))]
    public void ElementAddress(Type t)
    {
        var value = Values.Convert(200, t);
        MemoryParity.Check(Method(nameof(MemoryPrograms.ThroughElementRef)).MakeGenericMethod(t), ArraysAndIndexes(t, (a, i) => [a, i, value]));
    }

    [Theory, MemberData(nameof(ElementTypes))]
    public void NativeAndLongIndexes(Type t)
    {
        long[] indexes = [0, 1, 4, 5, -1, int.MaxValue + 1L, long.MinValue, uint.MaxValue];
        var arrays = MemoryParity.Arrays(t, 3, 0, 5).ToList();
        MemoryParity.Check(Method(nameof(MemoryPrograms.LoadNativeIndex)).MakeGenericMethod(t),
            arrays.SelectMany(a => indexes.Select(i => new object?[] { a, (nint)i })));
        MemoryParity.Check(Method(nameof(MemoryPrograms.LoadLongIndex)).MakeGenericMethod(t),
            arrays.SelectMany(a => indexes.Select(i => new object?[] { a, i })));
    }

    public static readonly TheoryData<string> ArrayPrograms =
    [
        nameof(MemoryPrograms.Sum), nameof(MemoryPrograms.SumForeach), nameof(MemoryPrograms.Sieve), nameof(MemoryPrograms.SumFloats),
        nameof(MemoryPrograms.Reverse), nameof(MemoryPrograms.PrefixSums), nameof(MemoryPrograms.BubbleSort), nameof(MemoryPrograms.Adler32),
        nameof(MemoryPrograms.MaxIndex), nameof(MemoryPrograms.ConstantIndexes), nameof(MemoryPrograms.LastElement),
        nameof(MemoryPrograms.CallsHelper), nameof(MemoryPrograms.NullCompare), nameof(MemoryPrograms.RefIntoArray), nameof(MemoryPrograms.Fixed),
    ];

    /// <summary>Programs of one array: null, empty, short and longer arrays of random values.</summary>
    [Theory, MemberData(nameof(ArrayPrograms))]
    public void OneArrayPrograms(string name)
    {
        var m = Method(name);
        var element = m.GetParameters()[0].ParameterType.GetElementType()!;
        MemoryParity.Check(m, MemoryParity.Arrays(element, name.Length, 0, 1, 2, 4, 5, 31, 100).Select(a => new object?[] { a }));
    }

    [Fact]
    public void StridedLoopsThrowWhereTheClrDoes()
    {
        var arrays = MemoryParity.Arrays(typeof(int), 7, 0, 1, 9).ToList();
        int[] starts = [-3, -1, 0, 1, 4, 8], steps = [1, 2, 3, -1, -2];
        MemoryParity.Check(Method(nameof(MemoryPrograms.StridedStore)),
            arrays.SelectMany(a => starts.SelectMany(s => steps.Select(d => new object?[] { a, s, d }))));
    }

    [Fact]
    public void TwoArrayPrograms()
    {
        var doubles = MemoryParity.Arrays(typeof(double), 5, 0, 3, 10).ToList();
        MemoryParity.Check(Method(nameof(MemoryPrograms.Dot)), doubles.SelectMany(a => doubles.Select(b => new object?[] { a, b })));
        var longs = MemoryParity.Arrays(typeof(ulong), 6, 0, 3, 10).ToList();
        MemoryParity.Check(Method(nameof(MemoryPrograms.Copy)), longs.SelectMany(a => longs.Select(b => new object?[] { a, b })));
        var bytes = MemoryParity.Arrays(typeof(byte), 7, 0, 50).ToList();
        MemoryParity.Check(Method(nameof(MemoryPrograms.Histogram)),
            bytes.SelectMany(d => new[] { null, new int[256], new int[100] }.Select(c => new object?[] { d, c })));
        MemoryParity.Check(Method(nameof(MemoryPrograms.ArrayInLocal)),
            [[new[] { 1, 2 }, new[] { 3 }, true], [new[] { 1, 2 }, new[] { 3 }, false], [null, new int[0], false], [new int[0], null, true]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.CountChars)), [["hello world".ToCharArray(), 'o'], [null, 'x'], [Array.Empty<char>(), 'a']]);
    }

    [Fact]
    public void MatrixMultiply()
    {
        var random = new Random(8);
        int[] Matrix(int n) => [.. Enumerable.Range(0, n * n).Select(_ => random.Next(-100, 100))];
        MemoryParity.Check(Method(nameof(MemoryPrograms.MatMul)),
        [
            [Matrix(3), Matrix(3), new int[9], 3], [Matrix(5), Matrix(5), new int[25], 5],
            [Matrix(3), Matrix(3), new int[8], 3], [Matrix(2), Matrix(3), new int[9], 3], [null, Matrix(1), new int[1], 1],
        ]);
    }

    [Fact]
    public void BinarySearchFindsAndMisses()
    {
        int[] sorted = [-50, -3, 0, 4, 4, 9, 1000];
        MemoryParity.Check(Method(nameof(MemoryPrograms.BinarySearch)),
            new[] { -51, -50, -3, 1, 4, 9, 999, 1000, 1001 }.Select(v => new object?[] { sorted, v }).Append([null, 1]).Append([Array.Empty<int>(), 1]));
    }

    [Fact]
    public void ByRefParameters()
    {
        MemoryParity.Check(Method(nameof(MemoryPrograms.Swap)), [[1, 2], [int.MinValue, 0]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.Increment)), [[1L], [long.MaxValue]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.TryDivide)), [[7, 2, 0], [7, 0, 99], [int.MinValue, -1, 5], [-9, 4, 0]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.ReadIn)), [[1.5, 2.0], [double.NaN, 0.0], [-0.0, 3.0]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.AddressTakenLocal)), [[7], [-1], [int.MaxValue]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.AddressTakenParameter)), [[7, 3], [3, 7], [int.MaxValue, 0]]);
    }

    delegate long SumPointer(int* p, int n);
    delegate void FillPointer(byte* p, int n, byte value);
    delegate double ReadDoublePointer(double* p, int i);

    [Fact]
    public void Pointers()
    {
        int* ints = stackalloc int[5] { 1, -2, 3, int.MaxValue, int.MinValue };
        double* doubles = stackalloc double[3] { 1.5, -0.0, double.NaN };
        foreach (var optimize in Parity.OptimizeSettings)
        {
            var options = new JitOptions { Optimize = optimize, Verify = true };
            var sum = Jit.Compile<SumPointer>(MemoryPrograms.SumPointer, options);
            Assert.Equal(MemoryPrograms.SumPointer(ints, 5), sum(ints, 5));
            Assert.Equal(0, sum(null, 0));
            Assert.Throws<NullReferenceException>(() => sum(null, 1));

            var fill = Jit.Compile<FillPointer>(MemoryPrograms.FillPointer, options);
            var bytes = new byte[10];
            fixed (byte* p = bytes) fill(p + 2, 5, 0xAB);
            Assert.Equal([0, 0, 0xAB, 0xAB, 0xAB, 0xAB, 0xAB, 0, 0, 0], bytes);

            var read = Jit.Compile<ReadDoublePointer>(MemoryPrograms.ReadDoublePointer, options);
            for (int i = 0; i < 3; i++) Assert.Equal(BitConverter.DoubleToInt64Bits(doubles[i]), BitConverter.DoubleToInt64Bits(read(doubles, i)));
        }
    }

    [Fact]
    public void Spans()
    {
        var ints = MemoryParity.Arrays(typeof(int), 11, 0, 1, 5, 12).ToList();
        MemoryParity.Check(Method(nameof(MemoryPrograms.SpanSum)), ints.Select(a => new object?[] { a }));
        MemoryParity.Check(Method(nameof(MemoryPrograms.Pinned)), ints.Select(a => new object?[] { a }));
        MemoryParity.Check(Method(nameof(MemoryPrograms.GetReference)), ints.Where(a => a is not null).Select(a => new object?[] { a }));
        MemoryParity.Check(Method(nameof(MemoryPrograms.UnsafeHelpers)), ints.Where(a => a is { Length: > 2 }).Select(a => new object?[] { a }));
        int[] starts = [0, 1, 3, 5, 6, -1, int.MaxValue, int.MinValue];
        MemoryParity.Check(Method(nameof(MemoryPrograms.SliceFrom)), ints.SelectMany(a => starts.Select(s => new object?[] { a, s })));
        MemoryParity.Check(Method(nameof(MemoryPrograms.SpanIndex)), ints.SelectMany(a => starts.Select(s => new object?[] { a, s })));
        var longs = MemoryParity.Arrays(typeof(long), 12, 0, 5).ToList();
        foreach (var name in new[] { nameof(MemoryPrograms.SpanSlices) })
            MemoryParity.Check(Method(name), longs.SelectMany(a => starts.SelectMany(s => starts.Select(l => new object?[] { a, s, l }))));
        foreach (var name in new[] { nameof(MemoryPrograms.SliceTwice), nameof(MemoryPrograms.SpanConstructor) })
            MemoryParity.Check(Method(name), ints.SelectMany(a => starts.SelectMany(s => starts.Select(l => new object?[] { a, s, l }))));
        MemoryParity.Check(Method(nameof(MemoryPrograms.StackAllocSpan)), [[0], [7], [int.MaxValue]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.SpanHelper)), MemoryParity.Arrays(typeof(double), 13, 0, 1, 9).Select(a => new object?[] { a }));
    }

    public delegate uint Checksum(ReadOnlySpan<byte> data);
    public delegate int SpanFirst(Span<int> data);

    static uint Adler(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        foreach (byte x in data) { a = (a + x) % 65521; b = (b + a) % 65521; }
        return (b << 16) | a;
    }

    static int FirstTimesLength(Span<int> data) { data[0]++; return data[0] * data.Length; }

    [Fact]
    public void SpanParameters()
    {
        Span<byte> stack = stackalloc byte[3] { 1, 2, 3 };
        foreach (var optimize in Parity.OptimizeSettings)
        {
            var options = new JitOptions { Optimize = optimize, Verify = true };
            var adler = Jit.Compile<Checksum>(Adler, options);
            var bytes = new byte[1000];
            new Random(3).NextBytes(bytes);
            Assert.Equal(Adler(bytes), adler(bytes));
            Assert.Equal(Adler(bytes.AsSpan(10, 500)), adler(bytes.AsSpan(10, 500)));
            Assert.Equal(1u, adler([]));
            Assert.Equal(Adler(stack), adler(stack));

            var first = Jit.Compile<SpanFirst>(FirstTimesLength, options);
            int[] values = [5, 6, 7];
            Assert.Equal(18, first(values));
            Assert.Equal(6, values[0]);
            Assert.Equal(14, first(values.AsSpan(1, 2)));
            Assert.Equal(7, values[1]);
            Assert.Throws<IndexOutOfRangeException>(() => first(Span<int>.Empty));
        }
    }

    [Fact]
    public void StackAllocAndSizeOf()
    {
        MemoryParity.Check(Method(nameof(MemoryPrograms.StackAlloc)), [[0], [3], [-7], [int.MaxValue]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.StackAllocZeroed)), [[]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.StackAllocLarge)), [[0], [12345]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.InitBlock)), [[new[] { 1, 2, 3, 4, 5 }, 1], [new[] { 7, 8, 9 }, 2]]);
        MemoryParity.Check(Method(nameof(MemoryPrograms.SizeOfs)), [[]]);
    }

    [Fact]
    public void StaticFields()
    {
        var next = Jit.Compile<Func<int>>(MemoryPrograms.NextCount);
        int before = MemoryPrograms.Counter;
        Assert.Equal(before + 1, next());
        Assert.Equal(before + 2, next());
        Assert.Equal(before + 2, MemoryPrograms.Counter);  // the compiled code wrote the CLR's field

        var scaled = Jit.Compile<Func<double, double>>(MemoryPrograms.Scaled);
        MemoryPrograms.Scale = 4;  // a plain static is read at each call
        Assert.Equal(10.0, scaled(2.5));

        var modulo = Jit.Compile<Func<long, long>>(MemoryPrograms.ModLimit);
        Assert.Equal(MemoryPrograms.ModLimit(5_000_000_123), modulo(5_000_000_123));
        var stages = new List<StageOutput>();
        Jit.Compile<Func<long, long>>(MemoryPrograms.ModLimit, new JitOptions { Explain = stages.Add });
        Assert.DoesNotContain("load", stages.Single(s => s.Stage == "IR").Text);  // static readonly: a constant

        var throughAddress = Jit.Compile<Func<int>>(MemoryPrograms.ThroughStaticAddress);
        int counter = MemoryPrograms.Counter;
        Assert.Equal(counter + 10, throughAddress());
        Assert.Equal(counter + 10, MemoryPrograms.Counter);
    }

    [Theory]
    [InlineData(nameof(MemoryPrograms.NewArray), "newarr", "not supported")]
    [InlineData(nameof(MemoryPrograms.Strings), "ldarg.0", "has type String[], which is not supported (only arrays of primitives: native code cannot hold object references")]
    [InlineData(nameof(MemoryPrograms.Objects), "ldarg.0", "has type Object[], which is not supported")]
    [InlineData(nameof(MemoryPrograms.TwoDimensional), "ldarg.0", "has type Int32[,], which is not supported")]
    [InlineData(nameof(MemoryPrograms.StackAllocVariable), "localloc", "stackalloc of a size computed at run time is not supported")]
    [InlineData(nameof(MemoryPrograms.StackAllocInLoop), "localloc", "stackalloc inside a loop is not supported")]
    [InlineData(nameof(MemoryPrograms.ReadThreadStatic), "ldsfld", "[ThreadStatic], which is not supported")]
    [InlineData(nameof(MemoryPrograms.CounterRef), "", "cannot come back from compiled code")]
    [InlineData(nameof(MemoryPrograms.StructConstructed), "ldsfld", "static field TimeSpan.Zero has type TimeSpan: only static fields of primitive types are supported")]
    public void RefusedWithTheReason(string name, string opcode, string reason) => MemoryParity.CheckRefused(Method(name), opcode, reason);

    [Fact]
    public void StaticOfATypeWithAStaticConstructorIsRefused()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<int>>(MemoryPrograms.ReadPrecise));
        Assert.Equal("ldsfld", e.OpCode);
        Assert.Contains("static constructor", e.Reason);
    }

    [Fact]
    public void AStaticConstructorCheckAfterAWriteIsRefused()
    {
        // The type-initializer check restarts the code, which would increment a[0] twice.
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<int[], int>>(PreciseHelper.WriteThenCall));
        Assert.Contains("could repeat those writes", e.Reason);
    }

    [Fact]
    public void LazyCompilesArraysAndByRefsAndRefusesPointersAndSpans()
    {
        var sum = Jit.Lazy<Func<int[], int>>(MemoryPrograms.Sum);
        Assert.Equal(6, sum([1, 2, 3]));
        Assert.NotEmpty(Jit.Disassemble(sum));  // compiled on the first call
        var swap = Jit.Lazy<SwapInts>(MemoryPrograms.Swap);
        int a = 1, b = 2;
        swap(ref a, ref b);
        Assert.Equal((2, 1), (a, b));
        Assert.Contains("is a pointer", Assert.Throws<ArgumentException>(() => Jit.Lazy<SumPointer>(MemoryPrograms.SumPointer)).Message);
        Assert.Contains("is a span", Assert.Throws<ArgumentException>(() => Jit.Lazy<Checksum>(Adler)).Message);
    }

    delegate void SwapInts(ref int a, ref int b);
}
