using System.Linq.Expressions;
using System.Runtime.Intrinsics.X86;
using MiniJit.Assembler;
using MiniJit.CodeGeneration;
using MiniJit.Lowering;

namespace MiniJit.Tests.Binding;

/// <summary>
/// The direct entry (<see cref="CompiledCode.DirectEntry"/>): which units have one, what it contains, and that it is
/// the plain System V function of the unit's signature — called here through raw function pointers, the way the direct
/// thunks call it, including with the garbage the platform allows in the upper half of an int argument.
/// </summary>
public unsafe class DirectEntryTests
{
    static CompiledCode CodeFor<TDelegate>(Expression<TDelegate> lambda) => Jit.CompileToCode(lambda);

    [Fact]
    public void Bounded_code_that_cannot_fail_has_one_named_in_the_disassembly()
    {
        using var code = CodeFor<Func<double, double, double>>((x, y) => x * y + 3);
        Assert.InRange(code.DirectEntry, code.Address, code.Address + code.CodeLength - 1);
        Assert.Equal("direct entry", code.Symbols[(int)(code.DirectEntry - code.Address)]);
        Assert.Contains("direct entry:", code.Disassemble());
    }

    [Fact]
    public void Floating_point_code_is_entered_through_vzeroupper_and_integer_code_is_not()
    {
        using var doubles = CodeFor<Func<double, double>>(x => x + 1);
        using var longs = CodeFor<Func<long, long>>(x => x + 1);
        byte[] vzeroupper = [0xC5, 0xF8, 0x77];
        Assert.Equal(Avx.IsSupported, new ReadOnlySpan<byte>((void*)doubles.DirectEntry, 3).SequenceEqual(vzeroupper));
        Assert.False(new ReadOnlySpan<byte>((void*)longs.DirectEntry, 3).SequenceEqual(vzeroupper));
    }

    [Fact]
    public void Doubles_arrive_and_return_in_xmm_registers()
    {
        using var code = CodeFor<Func<double, double, double>>((x, y) => x * y + 3);
        var f = (delegate* unmanaged<double, double, double>)code.DirectEntry;
        Assert.Equal(9.0, f(2, 3));
        Assert.Equal(double.NegativeInfinity, f(double.MaxValue, -double.MaxValue));
        Assert.True(double.IsNaN(f(double.NaN, 1)));
    }

    [Fact]
    public void Integer_arguments_move_up_past_the_frame_pointers_register()
    {
        // Five integers fill rsi to r9 in the compiled function; each weight tells whether it got the right one.
        using var code = CodeFor<Func<long, long, long, long, long, long>>((a, b, c, d, e) => a + 10 * b + 100 * c + 1000 * d + 10000 * e);
        Assert.NotEqual(0, code.DirectEntry);
        var f = (delegate* unmanaged<long, long, long, long, long, long>)code.DirectEntry;
        Assert.Equal(54321, f(1, 2, 3, 4, 5));
        Assert.Equal(long.MinValue + 10, f(long.MinValue, 1, 0, 0, 0));
    }

    [Fact]
    public void Mixed_arguments_keep_their_order_in_each_register_class()
    {
        using var code = CodeFor<Func<long, double, int, float, double>>((a, b, c, d) => a * 1000.0 + b * 100 + c * 10 + d);
        var f = (delegate* unmanaged<long, double, int, float, double>)code.DirectEntry;
        Assert.Equal(1234.0, f(1, 2, 3, 4));
        Assert.Equal(-1000.0 - 200 - 30 - 4, f(-1, -2, -3, -4));
    }

    [Fact]
    public void An_int_moves_as_32_bits_which_clears_the_upper_half_and_a_long_as_64()
    {
        using var ints = CodeFor<Func<int, int, int>>((x, y) => x + y);
        using var longs = CodeFor<Func<long, long, long>>((x, y) => x + y);
        static string DirectEntryOf(CompiledCode code) => code.Disassemble().Split("direct entry:")[1];
        Assert.Contains("mov esi, edi", DirectEntryOf(ints));
        Assert.Contains("mov edx, esi", DirectEntryOf(ints));
        Assert.Contains("mov rsi, rdi", DirectEntryOf(longs));
        Assert.Contains("mov rdx, rsi", DirectEntryOf(longs));
    }

    [Fact]
    public void An_int_argument_reaches_the_code_without_the_garbage_the_platform_allows_above_it()
    {
        // System V leaves the upper half of an int argument's register unspecified; declaring the pointer's parameters
        // long puts deliberate garbage there. The code must see only the low half, zero-extended as the frame path has it.
        using var widen = CodeFor<Func<int, long>>(x => x);
        using var widenUnsigned = CodeFor<Func<int, long>>(x => (long)(uint)x);
        using var compare = CodeFor<Func<int, int, bool>>((x, y) => x < y);
        using var shift = CodeFor<Func<int, int, int>>((x, y) => (x >> 1) + y);
        const long Garbage = unchecked((long)0xDEAD_BEEF_0000_0000);
        Assert.Equal(-5, ((delegate* unmanaged<long, long>)widen.DirectEntry)(Garbage | 0xFFFF_FFFB));
        Assert.Equal(0xFFFF_FFFB, ((delegate* unmanaged<long, long>)widenUnsigned.DirectEntry)(Garbage | 0xFFFF_FFFB));
        // As 64-bit values the first is the greater; as ints, -1 < 0.
        Assert.Equal(1, (byte)((delegate* unmanaged<long, long, int>)compare.DirectEntry)(Garbage | 0xFFFF_FFFF, long.MinValue));
        Assert.Equal(-1 + 7, ((delegate* unmanaged<long, long, int>)shift.DirectEntry)(Garbage | 0xFFFF_FFFE, Garbage | 7));
    }

    [Fact]
    public void A_float_argument_is_read_from_the_low_32_bits_of_its_register()
    {
        // The entry leaves floating-point arguments as they arrive, with whatever the caller left above the float; passing
        // a double puts deliberate garbage there (the high half of a negative NaN).
        static double WithGarbage(float f) =>
            BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_1234_0000_0000) | (uint)BitConverter.SingleToInt32Bits(f));
        static float LowHalf(double d) => BitConverter.Int32BitsToSingle((int)BitConverter.DoubleToInt64Bits(d));
        using var twice = CodeFor<Func<float, float>>(x => x * 2);
        using var negative = CodeFor<Func<float, bool>>(x => x < 0);
        using var widen = CodeFor<Func<float, double>>(x => x);
        Assert.Equal(3.0f, LowHalf(((delegate* unmanaged<double, double>)twice.DirectEntry)(WithGarbage(1.5f))));
        Assert.Equal(0, (byte)((delegate* unmanaged<double, int>)negative.DirectEntry)(WithGarbage(1.5f)));
        Assert.Equal(1.5, ((delegate* unmanaged<double, double>)widen.DirectEntry)(WithGarbage(1.5f)));
    }

    [Fact]
    public void A_bool_result_is_the_low_byte_of_rax()
    {
        using var code = CodeFor<Func<double, double, bool>>((x, y) => x < y);
        var f = (delegate* unmanaged<double, double, int>)code.DirectEntry;
        Assert.Equal(1, (byte)f(1, 2));
        Assert.Equal(0, (byte)f(2, 1));
        Assert.Equal(0, (byte)f(double.NaN, 1));
    }

    [Fact]
    public void Calls_into_the_C_math_library_keep_it()
    {
        using var code = CodeFor<Func<double, double>>(x => Math.Sin(x) + Math.Exp(x));
        Assert.True(code.Bounded);
        var f = (delegate* unmanaged<double, double>)code.DirectEntry;
        foreach (var x in (double[])[0.5, -3, 700, double.NegativeInfinity, -0.0])
            Assert.Equal(BitConverter.DoubleToInt64Bits(Math.Sin(x) + Math.Exp(x)), BitConverter.DoubleToInt64Bits(f(x)));
        Assert.True(double.IsNaN(f(double.NaN)));
    }

    public static long Twice(long x) => 2 * x;

    public static TheoryData<string, LambdaExpression> WithoutDirectEntry()
    {
        var x = Expression.Parameter(typeof(long), "x");
        var y = Expression.Parameter(typeof(long), "y");
        var i = Expression.Variable(typeof(long), "i");
        var done = Expression.Label("done");
        var sixLongs = Enumerable.Range(0, 6).Select(k => Expression.Parameter(typeof(long), $"p{k}")).ToArray();
        var s = Expression.Parameter(typeof(short), "s");
        var u = Expression.Parameter(typeof(ulong), "u");
        return new()
        {
            { "a division", Expression.Lambda<Func<long, long, long>>(Expression.Divide(x, y), x, y) },
            { "a checked addition", Expression.Lambda<Func<long, long, long>>(Expression.AddChecked(x, y), x, y) },
            { "a call of compiled code", Expression.Lambda<Func<long, long>>(Expression.Call(typeof(DirectEntryTests).GetMethod(nameof(Twice))!, x), x) },
            {
                "a loop", Expression.Lambda<Func<long, long>>(Expression.Block([i],
                    Expression.Loop(Expression.IfThenElse(Expression.LessThan(i, x), Expression.PreIncrementAssign(i), Expression.Break(done)), done),
                    i), x)
            },
            { "no result", Expression.Lambda<Action<long>>(Expression.Empty(), x) },
            { "a short parameter", Expression.Lambda<Func<short, int>>(Expression.Convert(s, typeof(int)), s) },
            { "a ulong parameter", Expression.Lambda<Func<ulong, ulong>>(u, u) },
            { "a sixth integer, which the compiled function takes on the stack", Expression.Lambda<Func<long, long, long, long, long, long, long>>(
                sixLongs.Skip(1).Aggregate((Expression)sixLongs[0], Expression.Add), sixLongs) },
        };
    }

    [Theory]
    [MemberData(nameof(WithoutDirectEntry))]
    public void Code_that_may_fail_or_run_long_or_has_another_signature_has_none(string what, LambdaExpression lambda)
    {
        using var code = Jit.CompileToCode(lambda);
        Assert.True(code.DirectEntry == 0, what);
        Assert.DoesNotContain("direct entry", code.Disassemble());
    }

    [Fact]
    public void Verification_rejects_code_that_cannot_fail_yet_reads_the_frame_or_an_unsaved_callee_saved_register()
    {
        var cc = CallingConvention.SystemV;
        List<MachineInstr> readsFrame = [new(MOp.Mov, Register.Rax, Memory.Qword(Register.R15, 0)), new(MOp.Ret)];
        List<MachineInstr> usesRbx = [new(MOp.Mov, Register.Ebx, Register.Esi), new(MOp.Ret)];
        List<MachineInstr> savesRbx = [new(MOp.Push, Register.Rbx), new(MOp.Mov, Register.Ebx, Register.Esi), new(MOp.Pop, Register.Rbx), new(MOp.Ret)];
        Assert.Throws<InvalidOperationException>(() => JitCompiler.CheckRunsWithoutFrame("f", readsFrame, [], cc));
        Assert.Throws<InvalidOperationException>(() => JitCompiler.CheckRunsWithoutFrame("f", usesRbx, [], cc));
        JitCompiler.CheckRunsWithoutFrame("f", savesRbx, [Register.Rbx], cc);
    }
}
