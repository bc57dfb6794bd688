using System.Runtime.CompilerServices;
using MiniJit.Binding;

namespace MiniJit.Tests.Binding;

using MiniJit.Assembler;
using MiniJit.CodeMemory;

public class NativeBindingTests
{
    /// <summary>A lone `ret`: somewhere valid to point an entry stub at when only the delegate type is under test.</summary>
    static readonly ExecutableMemory Ret = ExecutableMemory.Create([0xC3]);

    delegate long Combine(long a, long b);
    delegate long ByReference(ref string a);
    delegate void Nothing();

    static T Identity<T>() where T : Delegate => CompiledUnit.Compile<T>((asm, _) =>
    {
        asm.Mov(Register.Rax, Register.Rsi);
        asm.Ret();
    });

    [Fact]
    public void Small_integer_types_round_trip()
    {
        Assert.Equal(-5, Identity<Func<sbyte, sbyte>>()(-5));
        Assert.Equal(250, Identity<Func<byte, byte>>()(250));
        Assert.Equal(short.MinValue, Identity<Func<short, short>>()(short.MinValue));
        Assert.Equal(ushort.MaxValue, Identity<Func<ushort, ushort>>()(ushort.MaxValue));
        Assert.Equal(-123456, Identity<Func<int, int>>()(-123456));
        Assert.Equal(uint.MaxValue, Identity<Func<uint, uint>>()(uint.MaxValue));
        Assert.Equal(ulong.MaxValue, Identity<Func<ulong, ulong>>()(ulong.MaxValue));
        Assert.Equal((nint)(-7), Identity<Func<nint, nint>>()(-7));
        Assert.Equal(nuint.MaxValue, Identity<Func<nuint, nuint>>()(nuint.MaxValue));
        Assert.True(Identity<Func<bool, bool>>()(true));
        Assert.Equal('λ', Identity<Func<char, char>>()('λ'));
    }

    [Fact]
    public void Small_types_arrive_zero_padded()
    {
        // The whole 64-bit register is returned as a long: the upper bits must be zero, not sign copies.
        Assert.Equal(0xFB, Identity<Func<sbyte, long>>()(-5));
        Assert.Equal(0xFFFF_FFFF, Identity<Func<int, long>>()(-1));
    }

    [Fact]
    public void Thirty_two_bit_arithmetic_wraps()
    {
        var add = CompiledUnit.Compile<Func<int, int, int>>((asm, _) =>
        {
            asm.Mov(Register.Eax, Register.Esi);
            asm.Add(Register.Eax, Register.Edx);
            asm.Ret();
        });
        Assert.Equal(int.MinValue, add(int.MaxValue, 1));
    }

    [Fact]
    public void Bool_and_char_results()
    {
        var not = CompiledUnit.Compile<Func<bool, bool>>((asm, _) =>
        {
            asm.Mov(Register.Eax, Register.Esi);
            asm.Xor(Register.Eax, 1);
            asm.Ret();
        });
        var next = CompiledUnit.Compile<Func<char, char>>((asm, _) =>
        {
            asm.Lea(Register.Eax, Memory.Dword(Register.Rsi, 1));
            asm.Ret();
        });
        Assert.False(not(true));
        Assert.True(not(false));
        Assert.Equal('b', next('a'));
    }

    [Fact]
    public void Float_and_double_convert_in_both_directions()
    {
        var widen = CompiledUnit.Compile<Func<float, double>>((asm, _) =>
        {
            asm.Cvtss2sd(Register.Xmm0, Register.Xmm0);
            asm.Ret();
        });
        var narrow = CompiledUnit.Compile<Func<double, float>>((asm, _) =>
        {
            asm.Cvtsd2ss(Register.Xmm0, Register.Xmm0);
            asm.Ret();
        });
        Assert.Equal(0.1f, widen(0.1f));
        Assert.Equal(0.1f, narrow(0.1));
    }

    [Fact]
    public void Custom_delegate_types_bind()
    {
        var add = CompiledUnit.Compile<Combine>((asm, _) =>
        {
            asm.Lea(Register.Rax, Memory.Qword(Register.Rsi, Register.Rdx));
            asm.Ret();
        });
        Assert.Equal(42, add(40, 2));
    }

    [Fact]
    public void Non_generic_overload_binds_the_given_type()
    {
        var unit = CompiledUnit.Build([ArgumentClass.Integer], ArgumentClass.Integer, (asm, _) =>
        {
            asm.Lea(Register.Rax, Memory.Qword(Register.Rsi, 1));
            asm.Ret();
        });
        var increment = NativeBinding.CreateDelegate(typeof(Func<long, long>), unit.Entry, unit.Memory);
        Assert.Equal(8L, increment.DynamicInvoke(7L));
    }

    [Fact]
    public void Actions_run_and_report_errors()
    {
        var requireNonZero = CompiledUnit.Compile<Action<long>>((asm, errorExit) =>
        {
            var ok = asm.CreateLabel();
            asm.Test(Register.Rsi, Register.Rsi);
            asm.Jcc(Condition.NE, ok);
            asm.Mov(Register.Esi, (long)JitStatus.DivideByZero);
            asm.Jmp(errorExit);
            asm.Bind(ok);
            asm.Ret();
        });
        requireNonZero(1);
        Assert.Throws<DivideByZeroException>(() => requireNonZero(0));
        CompiledUnit.Compile<Nothing>((asm, _) => asm.Ret())();
    }

    [Fact]
    public void All_arities_bind()
    {
        // Returns the number of arguments by reading the last one, which each call sets to its arity.
        Assert.Equal(0, CompiledUnit.Compile<Func<long>>((asm, _) => { asm.Xor(Register.Eax, Register.Eax); asm.Ret(); })());
        Assert.Equal(1, Identity<Func<long, long>>()(1));
        Assert.Equal(8, CompiledUnit.Compile<Func<long, long, long, long, long, long, long, long, long>>((asm, _) =>
        {
            asm.Mov(Register.Rax, Memory.Qword(Register.Rsp, 24));
            asm.Ret();
        })(1, 2, 3, 4, 5, 6, 7, 8));
        CompiledUnit.Compile<Action<long, long, long, long, long, long, long, long>>((asm, _) => asm.Ret())(1, 2, 3, 4, 5, 6, 7, 8);
    }

    [Theory]
    [InlineData(typeof(Func<string, long>), "System.String")]
    [InlineData(typeof(Func<decimal>), "System.Decimal")]
    [InlineData(typeof(ByReference), "System.String&")]
    [InlineData(typeof(Func<object>), "System.Object")]
    public void Unsupported_types_are_named(Type delegateType, string typeName)
    {
        var error = Assert.Throws<JitException>(() => NativeBinding.CreateDelegate(delegateType, Ret.Address, Ret));
        Assert.Contains(typeName, error.Message);
    }

    [Fact]
    public void Too_many_parameters_are_rejected()
    {
        Assert.Throws<JitException>(() =>
            NativeBinding.CreateDelegate<Func<long, long, long, long, long, long, long, long, long, long>>(Ret.Address, Ret));
    }

    [Fact]
    public void Only_closed_delegate_types_are_accepted()
    {
        Assert.Throws<ArgumentException>(() => NativeBinding.CreateDelegate(typeof(string), Ret.Address, Ret));
        Assert.Throws<ArgumentException>(() => NativeBinding.CreateDelegate(typeof(Func<,>), Ret.Address, Ret));
    }

    [Fact]
    public void An_entry_stub_outside_the_memory_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeBinding.CreateDelegate<Action>(Ret.Address + 1, Ret));
        Assert.Throws<ArgumentOutOfRangeException>(() => NativeBinding.CreateDelegate<Action>(Ret.Address - 1, Ret));
        NativeBinding.CreateDelegate<Action>(Ret.Address, Ret)();
    }

    [Theory]
    [InlineData(typeof(long), ArgumentClass.Integer)]
    [InlineData(typeof(bool), ArgumentClass.Integer)]
    [InlineData(typeof(char), ArgumentClass.Integer)]
    [InlineData(typeof(nuint), ArgumentClass.Integer)]
    [InlineData(typeof(double), ArgumentClass.Double)]
    [InlineData(typeof(float), ArgumentClass.Single)]
    public void ClassOf_picks_the_register_file(Type type, ArgumentClass expected) =>
        Assert.Equal(expected, NativeBinding.ClassOf(type));

    [Fact]
    public void ClassOf_rejects_other_types() => Assert.Throws<JitException>(() => NativeBinding.ClassOf(typeof(string)));

    [Fact]
    public void The_delegate_keeps_the_code_alive()
    {
        var (add, memory) = CompileAdderAndForgetTheUnit();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.True(memory.IsAlive);
        Assert.Equal(5, add(2, 3));
        GC.KeepAlive(add);
    }

    [Fact]
    public void Dropping_the_delegate_releases_the_code()
    {
        var memory = CompileAdderAndForgetTheDelegate();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(memory.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static (Func<long, long, long>, WeakReference) CompileAdderAndForgetTheUnit()
    {
        var unit = CompiledUnit.Build([ArgumentClass.Integer, ArgumentClass.Integer], ArgumentClass.Integer, (asm, _) =>
        {
            asm.Lea(Register.Rax, Memory.Qword(Register.Rsi, Register.Rdx));
            asm.Ret();
        });
        return (unit.Bind<Func<long, long, long>>(), new WeakReference(unit.Memory));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference CompileAdderAndForgetTheDelegate()
    {
        var (add, memory) = CompileAdderAndForgetTheUnit();
        Assert.Equal(3, add(1, 2));
        return memory;
    }
}
