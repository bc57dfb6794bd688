using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MiniJit.Binding;
using MiniJit.CodeMemory;
using MiniJit.Ir;

namespace MiniJit.Tests.Binding;

/// <summary>
/// Arrays, byrefs, pointers and spans crossing into compiled code through a <see cref="PinningThunk"/>. The CIL front end
/// does not import them yet, so the code is written as IR (one IR parameter per argument slot, see
/// <see cref="NativeBinding.SlotsOf"/>) and compiled by the whole pipeline behind an entry stub for the delegate's types.
/// </summary>
public unsafe class PinningThunkTests
{
    /// <summary>Compiles <paramref name="ir"/> for <typeparamref name="TDelegate"/>'s signature and binds it.</summary>
    internal static TDelegate Compile<TDelegate>(string ir) where TDelegate : Delegate
    {
        var invoke = typeof(TDelegate).GetMethod("Invoke")!;
        var code = JitCompiler.Compile(IrParser.Parse(ir), [.. invoke.GetParameters().Select(p => p.ParameterType)], invoke.ReturnType,
            new JitOptions { Verify = true });
        return (TDelegate)NativeBinding.CreateDelegate(typeof(TDelegate), code);
    }

    /// <summary>A lone `ret`: somewhere valid to point an entry stub at when only the delegate type is under test.</summary>
    static readonly ExecutableMemory Ret = ExecutableMemory.Create([0xC3]);

    /// <summary>The int32 length of the array whose address is parameter 0.</summary>
    const string ArrayLength = """
        function T.Length(i64) -> i32 {
        b0:
          v0:i64 = param 0
          v1:i64 = const 8
          v2:i64 = add v0, v1
          v3:i32 = load 4, v2
          return v3
        }
        """;

    /// <summary>The elements of the int[] whose address is parameter 0, summed (wrapping) parameter 1 times over: a loop long
    /// enough, with many rounds, for collections to happen while it runs.</summary>
    internal const string ArraySum = """
        function T.Sum(i64, i32) -> i32 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i64 = const 8
          v3:i64 = add v0, v2
          v4:i32 = load 4, v3          ; the length
          v5:i64 = const 16
          v6:i64 = add v0, v5          ; &a[0]
          v7:i32 = const 0
          v8:i32 = const 1
          v9:i64 = const 4
          jump b1
        b1:
          v10:i32 = phi b0 v7, b4 v20  ; the round
          v11:i32 = phi b0 v7, b4 v14  ; the sum so far
          v12:i32 = lt v10, v1
          branch v12, b2, b5
        b2:
          jump b3
        b3:
          v13:i32 = phi b2 v7, b6 v18  ; i
          v14:i32 = phi b2 v11, b6 v17
          v15:i32 = lt v13, v4
          branch v15, b6, b4
        b6:
          v16:i64 = zext32 v13
          v19:i64 = mul v16, v9
          v21:i64 = add v6, v19
          v22:i32 = load 4, v21
          v17:i32 = add v14, v22
          v18:i32 = add v13, v8
          jump b3
        b4:
          v20:i32 = add v10, v8
          jump b1
        b5:
          return v11
        }
        """;

    /// <summary>What <see cref="ArraySum"/> computes, over parameter 1 ints starting at the address in parameter 0 (a span's
    /// two slots, or a byref and a count).</summary>
    internal const string ElementSum = """
        function T.Sum(i64, i32, i32) -> i32 {
        b0:
          v6:i64 = param 0
          v4:i32 = param 1
          v1:i32 = param 2
          v7:i32 = const 0
          v8:i32 = const 1
          v9:i64 = const 4
          jump b1
        b1:
          v10:i32 = phi b0 v7, b4 v20
          v11:i32 = phi b0 v7, b4 v14
          v12:i32 = lt v10, v1
          branch v12, b2, b5
        b2:
          jump b3
        b3:
          v13:i32 = phi b2 v7, b6 v18
          v14:i32 = phi b2 v11, b6 v17
          v15:i32 = lt v13, v4
          branch v15, b6, b4
        b6:
          v16:i64 = zext32 v13
          v19:i64 = mul v16, v9
          v21:i64 = add v6, v19
          v22:i32 = load 4, v21
          v17:i32 = add v14, v22
          v18:i32 = add v13, v8
          jump b3
        b4:
          v20:i32 = add v10, v8
          jump b1
        b5:
          return v11
        }
        """;

    internal delegate int SumSpanRounds(ReadOnlySpan<int> s, int rounds);
    internal delegate int SumRefRounds(ref int first, int count, int rounds);

    [Fact]
    public void Spans_and_byrefs_reach_every_element()
    {
        var span = Compile<SumSpanRounds>(ElementSum);
        var byRef = Compile<SumRefRounds>(ElementSum);
        var a = Enumerable.Range(1, 100).ToArray();
        Assert.Equal(ManagedSum(a, 2), span(a, 2));
        Assert.Equal(ManagedSum(a[10..30], 3), span(a.AsSpan(10, 20), 3));
        Assert.Equal(0, span([], 3));
        Assert.Equal(ManagedSum(a[5..], 1), byRef(ref a[5], 95, 1));
    }

    /// <summary>Parameter 0 as it arrived, as a long: the raw slot.</summary>
    const string RawSlot = """
        function T.Raw(i64) -> i64 {
        b0:
          v0:i64 = param 0
          return v0
        }
        """;

    /// <summary>The <paramref name="width"/>-byte value (zero-extended) at the address in parameter 0.</summary>
    static string ReadAt(int width, string type = "i32") => $$"""
        function T.Read(i64) -> {{type}} {
        b0:
          v0:i64 = param 0
          v1:{{type}} = load {{width}}, v0
          return v1
        }
        """;

    internal delegate int SumRounds(int[] a, int rounds);

    internal static int ManagedSum(int[] a, int rounds)
    {
        int sum = 0;
        for (var r = 0; r < rounds; r++)
            foreach (var x in a) sum = unchecked(sum + x);
        return sum;
    }

    [Fact]
    public void An_int_array_arrives_as_the_address_of_its_object()
    {
        var length = Compile<Func<int[], int>>(ArrayLength);
        var sum = Compile<SumRounds>(ArraySum);
        int[][] arrays = [[], [7], [1, 2, 3, 4, 5], [.. Enumerable.Range(-500, 1000)], [int.MaxValue, 1]];
        foreach (var a in arrays)
        {
            Assert.Equal(a.Length, length(a));
            Assert.Equal(ManagedSum(a, 1), sum(a, 1));
            Assert.Equal(ManagedSum(a, 3), sum(a, 3));
        }
        Assert.IsType<PinningThunk>(length.Target);
    }

    [Fact]
    public void The_slot_is_the_object_address_and_null_is_zero()
    {
        var raw = Compile<Func<int[]?, long>>(RawSlot);
        var isNull = Compile<Func<int[]?, bool>>("""
            function T.IsNull(i64) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 0
              v2:i32 = eq v0, v1
              return v2
            }
            """);
        Assert.Equal(0, raw(null));
        Assert.True(isNull(null));
        Assert.False(isNull([]));
        var a = new int[10];
        fixed (int* elements = a)
            Assert.Equal((long)elements - MiniJit.Ir.ArrayLayout.DataOffset, raw(a));
    }

    [Fact]
    public void The_array_data_offset_is_the_runtimes()
    {
        var a = new long[3];
        fixed (long* elements = a)
        {
            var objectAddress = Unsafe.As<long[], nint>(ref a);
            Assert.Equal(MiniJit.Ir.ArrayLayout.DataOffset, (nint)elements - objectAddress);
            Assert.Equal(3, *(int*)(objectAddress + 8));
        }
    }

    enum Color : short { Red = 1, Green = 2, Blue = -3 }

    [Fact]
    public void Arrays_of_every_primitive_and_of_enums_bind()
    {
        Assert.Equal(3, Compile<Func<byte[], int>>(ArrayLength)([1, 2, 3]));
        Assert.Equal(2, Compile<Func<bool[], int>>(ArrayLength)([true, false]));
        Assert.Equal(4, Compile<Func<char[], int>>(ArrayLength)("abcd".ToCharArray()));
        Assert.Equal(1, Compile<Func<nuint[], int>>(ArrayLength)([5]));
        Assert.Equal(3, Compile<Func<Color[], int>>(ArrayLength)([Color.Red, Color.Green, Color.Blue]));
        // Element 0 read in place: 16 bytes past the object's address.
        var firstDouble = Compile<Func<double[], double>>("""
            function T.First(i64) -> f64 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 16
              v2:i64 = add v0, v1
              v3:f64 = load 8, v2
              return v3
            }
            """);
        Assert.Equal(Math.PI, firstDouble([Math.PI, 2]));
        var firstColor = Compile<Func<Color[], short>>("""
            function T.First(i64) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 16
              v2:i64 = add v0, v1
              v3:i32 = load 2, v2
              return v3
            }
            """);
        Assert.Equal((short)Color.Blue, firstColor([Color.Blue, Color.Red]));
    }

    delegate int ReadRef(ref int x);
    delegate int ReadIn(in int x);
    delegate int ReadOut(out int x);
    delegate long ReadLong(ref long x);
    delegate int ReadByte(ref byte x);
    delegate double ReadDouble(ref double x);

    sealed class Box
    {
        public long Before = 1;
        public int Value;
    }

    [Fact]
    public void Byrefs_arrive_as_the_address_of_their_target()
    {
        var read = Compile<ReadRef>(ReadAt(4));
        int local = 42;
        Assert.Equal(42, read(ref local));
        local = -1;
        Assert.Equal(-1, read(ref local));

        var readIn = Compile<ReadIn>(ReadAt(4));
        Assert.Equal(7, readIn(7));
        var readOut = Compile<ReadOut>(ReadAt(4));
        int target = 1234;
        Assert.Equal(1234, readOut(out target));

        var array = new[] { 10, 20, 30, 40, 50 };
        Assert.Equal(40, read(ref array[3]));
        var box = new Box { Value = 99 };
        Assert.Equal(99, read(ref box.Value));

        long big = long.MinValue + 5;
        Assert.Equal(big, Compile<ReadLong>(ReadAt(8, "i64"))(ref big));
        var bytes = new byte[] { 0, 200 };
        Assert.Equal(200, Compile<ReadByte>(ReadAt(1))(ref bytes[1]));
        double d = -2.5;
        Assert.Equal(-2.5, Compile<ReadDouble>(ReadAt(8, "f64"))(ref d));
    }

    [Fact]
    public void A_byref_into_a_heap_object_is_the_address_inside_it()
    {
        var raw = Compile<ReadRef>("""
            function T.Raw(i64) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 4095
              v2:i64 = and v0, v1
              v3:i32 = trunc v2
              return v3
            }
            """);
        var box = new Box();
        fixed (int* value = &box.Value)
            Assert.Equal((int)((nint)value & 4095), raw(ref box.Value));
    }

    delegate long SumPointer(int* p, int n);
    delegate int* Advance(int* p);
    delegate long SumVoid(void* p, int n);

    const string PointerSum = """
        function T.Sum(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i32 = const 0
          v3:i64 = const 0
          v4:i32 = const 1
          v5:i64 = const 4
          jump b1
        b1:
          v6:i32 = phi b0 v2, b2 v12
          v7:i64 = phi b0 v3, b2 v13
          v8:i32 = lt v6, v1
          branch v8, b2, b3
        b2:
          v9:i64 = zext32 v6
          v10:i64 = mul v9, v5
          v11:i64 = add v0, v10
          v14:i32 = load 4, v11
          v15:i64 = sext32 v14
          v13:i64 = add v7, v15
          v12:i32 = add v6, v4
          jump b1
        b3:
          return v7
        }
        """;

    [Fact]
    public void Pointers_pass_as_they_are()
    {
        var sum = Compile<SumPointer>(PointerSum);
        int* stack = stackalloc int[] { 1, -2, 3, 40, int.MaxValue };
        Assert.Equal(1 - 2 + 3 + 40 + (long)int.MaxValue, sum(stack, 5));
        Assert.Equal(0, sum(stack, 0));
        var heap = Enumerable.Range(1, 100).ToArray();
        fixed (int* p = heap) Assert.Equal(5050, sum(p, 100));
        var untyped = Compile<SumVoid>(PointerSum);
        Assert.Equal(2, untyped(stack, 3));

        var advance = Compile<Advance>("""
            function T.Advance(i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 8
              v2:i64 = add v0, v1
              return v2
            }
            """);
        Assert.True(stack + 2 == advance(stack));
        Assert.True(advance(null) == (int*)8);
    }

    delegate int SpanLength(ReadOnlySpan<byte> s);
    delegate byte* ReturnsPointer(long x);
    delegate int FirstOfSpan(Span<int> s);

    /// <summary>Parameter 0 and 1 are a span's address and length: its first element, or -1 when it is empty.</summary>
    const string FirstOrMinusOne = """
        function T.First(i64, i32) -> i32 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i32 = const 0
          v3:i32 = eq v1, v2
          branch v3, b1, b2
        b1:
          v4:i32 = const -1
          return v4
        b2:
          v5:i32 = load 4, v0
          return v5
        }
        """;

    [Fact]
    public void A_span_takes_two_slots_its_first_element_and_its_length()
    {
        var length = Compile<SpanLength>("""
            function T.Length(i64, i32) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i32 = param 1
              return v1
            }
            """);
        Assert.Equal(0, length(default));
        Assert.Equal(0, length([]));
        Assert.Equal(3, length([1, 2, 3]));
        Assert.Equal(11, length("hello world"u8));
        var bytes = new byte[100];
        Assert.Equal(40, length(bytes.AsSpan(10, 40)));

        var first = Compile<FirstOfSpan>(FirstOrMinusOne);
        var array = new[] { 5, 6, 7, 8, 9 };
        Assert.Equal(5, first(array));
        Assert.Equal(7, first(array.AsSpan(2, 3)));
        Assert.Equal(-1, first(array.AsSpan(5)));
        Assert.Equal(-1, first(default));
        Span<int> onStack = stackalloc int[] { -42, 1 };
        Assert.Equal(-42, first(onStack));
    }

    delegate long Mixed(double d, int[] a, Span<byte> s, ref long r, sbyte b, float f);

    [Fact]
    public void Slots_follow_the_parameters_in_order_with_primitives_zero_padded()
    {
        // Slots: d (xmm0), a, s's address, s's length, r, b, f (xmm1). Returns the length of a, plus s's length times
        // 100, plus *r times 10,000, plus b (as it arrived, zero-padded) times 1,000,000.
        var mixed = Compile<Mixed>("""
            function T.Mixed(f64, i64, i64, i32, i64, i64, f32) -> i64 {
            b0:
              v0:f64 = param 0
              v1:i64 = param 1
              v2:i64 = param 2
              v3:i32 = param 3
              v4:i64 = param 4
              v5:i64 = param 5
              v6:f32 = param 6
              v7:i64 = const 8
              v8:i64 = add v1, v7
              v9:i32 = load 4, v8
              v10:i64 = zext32 v9
              v11:i64 = zext32 v3
              v12:i64 = const 100
              v13:i64 = mul v11, v12
              v14:i64 = load 8, v4
              v15:i64 = const 10000
              v16:i64 = mul v14, v15
              v17:i64 = const 1000000
              v18:i64 = mul v5, v17
              v19:i64 = add v10, v13
              v20:i64 = add v19, v16
              v21:i64 = add v20, v18
              return v21
            }
            """);
        long r = 3;
        Assert.Equal(5 + 7 * 100 + 3 * 10_000 + 0xFBL * 1_000_000, mixed(1.5, new int[5], new byte[7], ref r, -5, 2.5f));
        Assert.Equal(7, Jit.CodeOf(mixed).SlotCount);
        Assert.Equal(6, Jit.CodeOf(mixed).ParameterCount);
    }

    [Fact]
    public void Floating_point_parameters_and_results_keep_their_bits()
    {
        var pick = Compile<Func<int[], double, float, float>>("""
            function T.Pick(i64, f64, f32) -> f32 {
            b0:
              v0:i64 = param 0
              v1:f64 = param 1
              v2:f32 = param 2
              return v2
            }
            """);
        Assert.Equal(-0.1f, pick([], 3.0, -0.1f));
        var bits = Compile<Func<int[], double, double>>("""
            function T.Pick(i64, f64) -> f64 {
            b0:
              v0:i64 = param 0
              v1:f64 = param 1
              return v1
            }
            """);
        Assert.Equal(double.Epsilon, bits([], double.Epsilon));
    }

    [Fact]
    public void Failures_reach_the_caller_as_exceptions_and_dispose_stops_calls()
    {
        // 1000 / a.Length: an empty array divides by zero.
        var divide = Compile<Func<int[], int>>("""
            function T.Divide(i64) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 8
              v2:i64 = add v0, v1
              v3:i32 = load 4, v2
              v4:i32 = const 1000
              v5:i32 = div v4, v3
              return v5
            }
            """);
        Assert.Equal(250, divide(new int[4]));
        Assert.Throws<DivideByZeroException>(() => divide([]));
        Jit.CodeOf(divide).Dispose();
        Assert.Throws<ObjectDisposedException>(() => divide(new int[4]));
    }

    [Fact]
    public void Primitive_signatures_keep_the_generic_thunks_and_the_emitted_invoke_is_shared()
    {
        var add = NativeBinding.CreateDelegate<Func<long, long>>(Ret.Address, Ret);
        Assert.IsType<FuncThunk<long, long>>(add.Target);
        var first = NativeBinding.CreateDelegate<ReadRef>(Ret.Address, Ret);
        var second = NativeBinding.CreateDelegate<ReadRef>(Ret.Address, Ret);
        Assert.IsType<PinningThunk>(first.Target);
        Assert.NotSame(first.Target, second.Target);
        Assert.Same(first.Method, second.Method);
    }

    [Fact]
    public void A_slot_function_takes_a_span_as_two_slots()
    {
        var code = JitCompiler.Compile(IrParser.Parse(FirstOrMinusOne), [typeof(ReadOnlySpan<int>)], typeof(int), new JitOptions());
        Assert.Equal(1, code.ParameterCount);
        Assert.Equal(2, code.SlotCount);
        var call = code.CreateSlotFunction();
        var values = new[] { 17, 18 };
        fixed (int* p = values) Assert.Equal(17, Slots.To<int>(call((long)p, 2)));
        Assert.Throws<ArgumentException>(() => call(0));
    }

    delegate int FiveSpans(Span<int> a, Span<int> b, Span<int> c, Span<int> d, Span<int> e);
    delegate int FourSpans(Span<int> a, Span<int> b, Span<int> c, ReadOnlySpan<byte> d);
    delegate ref int RefReturn(ref int x);
    delegate int TakesStruct(Named p);
    delegate int TakesRefToArray(ref int[] a);
    delegate int TakesNestedArray(int[][] a);
    delegate int TakesRefToSpan(ref Span<int> s);
    record struct Pair(int A, int B);
    record struct Named(string Name, int Value);
    record struct TwoDoubles(double A, double B);
    record struct LongDouble(long A, double B);
    record struct ThreeFloats(float A, float B, float C);
    record struct ThreeDoubles(double A, double B, double C);

    [Theory]
    [InlineData(typeof(FiveSpans), "10 argument slots")]
    [InlineData(typeof(Func<object[], int>), "parameter 'arg' has type System.Object[]", "arrays of references are not supported")]
    [InlineData(typeof(Func<string[], int>), "System.String[]", "arrays of references are not supported")]
    [InlineData(typeof(TakesNestedArray), "System.Int32[][]", "arrays of references are not supported")]
    [InlineData(typeof(Func<int[,], int>), "System.Int32[,]", "multi-dimensional arrays")]
    [InlineData(typeof(Func<Pair[], int>), "Pair[]", "only arrays of primitives")]
    [InlineData(typeof(TakesStruct), "parameter 'p' has type MiniJit.Tests.Binding.PinningThunkTests+Named", "holds a reference (String)")]
    [InlineData(typeof(Func<Span<object>, int>), "System.Span`1[System.Object]", "spans of System.Object are not supported")]
    [InlineData(typeof(TakesRefToArray), "System.Int32[]&", "a byref (ref, out or in) must point to a primitive")]
    [InlineData(typeof(TakesRefToSpan), "System.Span`1[System.Int32]&", "a byref (ref, out or in) must point to a primitive")]
    [InlineData(typeof(RefReturn), "the return type is System.Int32&", "cannot return an array, a byref or a span")]
    [InlineData(typeof(Func<int[]>), "the return type is System.Int32[]", "cannot return an array, a byref or a span")]
    [InlineData(typeof(Func<int, Span<int>>), "the return type is System.Span`1[System.Int32]", "cannot return an array, a byref or a span")]
    public void Unsupported_signatures_are_refused_with_the_type_the_parameter_and_the_reason(Type delegateType, params string[] parts)
    {
        var error = Assert.Throws<JitException>(() => NativeBinding.CreateDelegate(delegateType, Ret.Address, Ret));
        Assert.StartsWith(delegateType.ToString() + ":", error.Message);
        foreach (var part in parts) Assert.Contains(part, error.Message);
    }

    [Fact]
    public void Eight_slots_bind_but_the_compiler_refuses_more()
    {
        NativeBinding.CreateDelegate(typeof(FourSpans), Ret.Address, Ret);
        var error = Assert.Throws<JitException>(() => JitCompiler.Compile(IrParser.Parse(RawSlot), [.. typeof(FiveSpans).GetMethod("Invoke")!
            .GetParameters().Select(p => p.ParameterType)], typeof(int), new JitOptions()));
        Assert.Contains("5 parameters in 10 argument slots", error.Message);
    }

    [Fact]
    public void SlotsOf_and_ClassOf_describe_each_kind()
    {
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(long)));
        Assert.Equal([ArgumentClass.Double], NativeBinding.SlotsOf(typeof(double)));
        Assert.Equal([ArgumentClass.Single], NativeBinding.SlotsOf(typeof(float)));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(double[])));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(double).MakeByRefType()));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(double*)));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(void*)));
        Assert.Equal([ArgumentClass.Integer, ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(Span<double>)));
        Assert.Equal([ArgumentClass.Integer, ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(ReadOnlySpan<Color>)));
        Assert.Equal(ArgumentClass.Integer, NativeBinding.ClassOf(typeof(float[])));
        Assert.Equal(ArgumentClass.Integer, NativeBinding.ClassOf(typeof(int*)));
        Assert.Contains("more than one argument slot", Assert.Throws<JitException>(() => NativeBinding.ClassOf(typeof(Span<int>))).Message);
        // Structs by the System V classification: an eightbyte of floating-point fields only is SSE, any other INTEGER;
        // more than 16 bytes travel as the address of a copy, and results of more than 8 through a buffer.
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(Pair)));
        Assert.Equal([ArgumentClass.Double, ArgumentClass.Double], NativeBinding.SlotsOf(typeof(TwoDoubles)));
        Assert.Equal([ArgumentClass.Integer, ArgumentClass.Double], NativeBinding.SlotsOf(typeof(LongDouble)));
        Assert.Equal([ArgumentClass.Double, ArgumentClass.Double], NativeBinding.SlotsOf(typeof(ThreeFloats)));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.SlotsOf(typeof(ThreeDoubles)));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.ResultSlotsOf(typeof(Pair)));
        Assert.Empty(NativeBinding.ResultBufferSlotsOf(typeof(Pair)));
        Assert.Equal([ArgumentClass.Integer, ArgumentClass.Double], NativeBinding.ResultSlotsOf(typeof(LongDouble)));
        Assert.Empty(NativeBinding.ResultBufferSlotsOf(typeof(LongDouble)));
        Assert.Empty(NativeBinding.ResultSlotsOf(typeof(ThreeDoubles)));
        Assert.Equal([ArgumentClass.Integer], NativeBinding.ResultBufferSlotsOf(typeof(ThreeDoubles)));
        Assert.Contains("ResultSlotsOf", Assert.Throws<JitException>(() => NativeBinding.ResultClassOf(typeof(Pair))).Message);
        Assert.Contains("holds a reference", Assert.Throws<JitException>(() => NativeBinding.SlotsOf(typeof(Named))).Message);
        Assert.Contains("arrays of references", Assert.Throws<JitException>(() => NativeBinding.SlotsOf(typeof(object[]))).Message);
        Assert.Null(NativeBinding.ResultClassOf(typeof(void)));
        Assert.Equal(ArgumentClass.Integer, NativeBinding.ResultClassOf(typeof(byte*)));
        Assert.Equal(ArgumentClass.Double, NativeBinding.ResultClassOf(typeof(double)));
        Assert.Throws<JitException>(() => NativeBinding.ResultClassOf(typeof(int[])));
        // Enums cross only inside arrays, byrefs and spans, as before.
        Assert.Throws<JitException>(() => NativeBinding.SlotsOf(typeof(Color)));
    }

    [Fact]
    public void Without_dynamic_code_such_a_signature_is_refused_with_why()
    {
        var error = NativeBinding.NotBindableWithoutDynamicCode(typeof(ReadRef));
        Assert.StartsWith("MiniJit.Tests.Binding.PinningThunkTests+ReadRef cannot be bound to compiled code here: parameter 'x' is a byref", error.Message);
        Assert.Contains("dynamic code", error.Message);
        Assert.Contains("NativeAOT", error.Message);
        Assert.Contains("is a span", NativeBinding.NotBindableWithoutDynamicCode(typeof(SpanLength)).Message);
        Assert.Contains("it returns a pointer", NativeBinding.NotBindableWithoutDynamicCode(typeof(ReturnsPointer)).Message);
        // A primitive signature outside the precompiled set still gets the advice for those.
        Assert.Contains("AotDelegateTypes", NativeBinding.NotBindableWithoutDynamicCode(typeof(Func<nint, IntPtr>)).Message);
    }
}
