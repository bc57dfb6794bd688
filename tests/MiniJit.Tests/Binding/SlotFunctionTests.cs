using MiniJit.Binding;

namespace MiniJit.Tests.Binding;

using MiniJit.Assembler;

/// <summary>The function-pointer path: code of any signature called with argument slots, no delegate type needed.</summary>
public class SlotFunctionTests
{
    /// <summary>A mixed signature no delegate binds under NativeAOT: (long, double, float, int, double, bool, long, char).</summary>
    static readonly ArgumentClass[] Mixed =
    [
        ArgumentClass.Integer, ArgumentClass.Double, ArgumentClass.Single, ArgumentClass.Integer,
        ArgumentClass.Double, ArgumentClass.Integer, ArgumentClass.Integer, ArgumentClass.Integer,
    ];

    static long[] MixedArguments() =>
    [
        Slots.From(long.MinValue), Slots.From(-0.0), Slots.From(float.NaN), Slots.From(-7),
        Slots.From(BitConverter.Int64BitsToDouble(0x7FF0_0000_0000_0001)), Slots.From(true), Slots.From(0x1234_5678_9ABC_DEF0L), Slots.From('λ'),
    ];

    [Fact]
    public void Every_argument_of_a_mixed_signature_arrives_bit_for_bit()
    {
        // The System V places of Mixed (rdi holds the frame): integers in rsi, rdx, rcx, r8, r9, then the stack;
        // floating point in xmm0, xmm1, xmm2.
        (Register Register, ArgumentClass Class)[] places =
        [
            (Register.Rsi, ArgumentClass.Integer), (Register.Xmm0, ArgumentClass.Double), (Register.Xmm1, ArgumentClass.Single),
            (Register.Rdx, ArgumentClass.Integer), (Register.Xmm2, ArgumentClass.Double), (Register.Rcx, ArgumentClass.Integer),
            (Register.R8, ArgumentClass.Integer), (Register.R9, ArgumentClass.Integer),
        ];
        var arguments = MixedArguments();
        for (var k = 0; k < places.Length; k++)
        {
            var (register, argumentClass) = places[k];
            var unit = CompiledUnit.Build(Mixed, argumentClass, (asm, _) =>
            {
                if (register.IsXmm) asm.Movaps(Register.Xmm0, register);
                else asm.Mov(Register.Rax, register);
                asm.Ret();
            });
            var function = NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, Mixed.Length);
            var result = function(arguments);
            // A float result fills only the low 4 bytes of the result slot.
            Assert.Equal(arguments[k], argumentClass == ArgumentClass.Single ? Slots.From(Slots.To<float>(result)) : result);
        }
    }

    [Fact]
    public void Typed_values_round_trip_through_compiled_code()
    {
        var unit = CompiledUnit.Build([ArgumentClass.Double, ArgumentClass.Double], ArgumentClass.Double, (asm, _) =>
        {
            asm.Addsd(Register.Xmm0, Register.Xmm1);
            asm.Ret();
        });
        var add = NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, 2, bounded: true);
        Assert.Equal(4.25, Slots.To<double>(add(Slots.From(3.0), Slots.From(1.25))));
        Assert.True(double.IsNaN(Slots.To<double>(add(Slots.From(double.PositiveInfinity), Slots.From(double.NegativeInfinity)))));
        Assert.Equal(long.MinValue, add(Slots.From(-0.0), Slots.From(-0.0)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Another_number_of_slots_is_refused(int count)
    {
        var unit = CompiledUnit.Build([ArgumentClass.Integer, ArgumentClass.Integer], ArgumentClass.Integer, (asm, _) => asm.Ret());
        var function = NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, 2);
        var error = Assert.Throws<ArgumentException>(() => function(new long[count]));
        Assert.Contains("takes 2 arguments", error.Message);
    }

    [Fact]
    public void A_status_becomes_the_CLR_exception()
    {
        var unit = CompiledUnit.Build([ArgumentClass.Integer], ArgumentClass.Integer, (asm, errorExit) =>
        {
            asm.Test(Register.Rsi, Register.Rsi);
            asm.Jcc(Condition.NE, errorExit); // rsi already holds the status
            asm.Mov(Register.Eax, 7);
            asm.Ret();
        });
        var function = NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, 1);
        Assert.Equal(7, function(0));
        Assert.Throws<DivideByZeroException>(() => function((long)JitStatus.DivideByZero));
        Assert.Throws<OverflowException>(() => function((long)JitStatus.Overflow));
    }

    [Fact]
    public void Calls_after_dispose_throw_ObjectDisposedException()
    {
        var unit = CompiledUnit.Build([], ArgumentClass.Integer, (asm, _) => asm.Ret());
        var function = NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, 0);
        function();
        unit.Memory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => function());
    }

    [Fact]
    public void Creation_checks_the_entry_and_the_count()
    {
        var unit = CompiledUnit.Build([], null, (asm, _) => asm.Ret());
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeBinding.CreateSlotFunction(unit.Memory.Address - 1, unit.Memory, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeBinding.CreateSlotFunction(unit.Entry, unit.Memory, NativeBinding.MaxParameters + 1));
    }

    [Fact]
    public void Compiled_code_gives_a_slot_function_that_leads_back_to_it()
    {
        var compiled = Jit.Compile<Func<int, double, double>>((n, x) => n * x - 0.5);
        var code = Jit.CodeOf(compiled);
        var function = code.CreateSlotFunction();
        Assert.Equal(compiled(3, 1.5), Slots.To<double>(function(Slots.From(3), Slots.From(1.5))));
        Assert.Same(code, Jit.CodeOf(function));
    }

    [Fact]
    public void Slots_hold_the_bits_zero_padded()
    {
        Assert.Equal(0xFFFF_FFFFL, Slots.From(-1));
        Assert.Equal(-1L, Slots.From(-1L));
        Assert.Equal(0xFFL, Slots.From((sbyte)-1));
        Assert.Equal(1L, Slots.From(true));
        Assert.Equal(0x3BBL, Slots.From('λ'));
        Assert.Equal(long.MinValue, Slots.From(-0.0));
        Assert.Equal((long)(uint)BitConverter.SingleToInt32Bits(float.NaN), Slots.From(float.NaN));
        Assert.Equal(0x7FF8_0000_0000_0042L, Slots.From(BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0042)));
    }

    [Fact]
    public void Slots_read_back_every_supported_type()
    {
        Assert.Equal(-5, Slots.To<sbyte>(Slots.From((sbyte)-5)));
        Assert.Equal(ushort.MaxValue, Slots.To<ushort>(Slots.From(ushort.MaxValue)));
        Assert.Equal(uint.MaxValue, Slots.To<uint>(Slots.From(uint.MaxValue)));
        Assert.Equal(ulong.MaxValue, Slots.To<ulong>(Slots.From(ulong.MaxValue)));
        Assert.Equal((nint)(-3), Slots.To<nint>(Slots.From((nint)(-3))));
        Assert.Equal(nuint.MaxValue, Slots.To<nuint>(Slots.From(nuint.MaxValue)));
        Assert.Equal(short.MinValue, Slots.To<short>(Slots.From(short.MinValue)));
        Assert.Equal((byte)200, Slots.To<byte>(Slots.From((byte)200)));
        Assert.True(Slots.To<bool>(Slots.From(true)));
        Assert.Equal('λ', Slots.To<char>(Slots.From('λ')));
        Assert.Equal(-0.0f, Slots.To<float>(Slots.From(-0.0f)));
        Assert.True(float.IsNegative(Slots.To<float>(Slots.From(-0.0f))));
        // Only the low bytes count: whatever is above them in a result slot is ignored.
        Assert.Equal(-1, Slots.To<int>(unchecked((long)0xDEAD_BEEF_FFFF_FFFF)));
        Assert.Equal(1.5f, Slots.To<float>(unchecked((long)0xDEAD_BEEF_0000_0000) | (uint)BitConverter.SingleToInt32Bits(1.5f)));
    }

    [Fact]
    public void Types_that_do_not_fit_a_slot_are_refused()
    {
        // decimal and Guid are 16 bytes: written into an 8-byte slot they would overrun it.
        Assert.Contains("System.Decimal", Assert.Throws<JitException>(() => Slots.From(1m)).Message);
        Assert.Contains("System.Guid", Assert.Throws<JitException>(() => Slots.To<Guid>(0)).Message);
        Assert.Throws<JitException>(() => Slots.From(DateTime.MinValue));
    }
}
