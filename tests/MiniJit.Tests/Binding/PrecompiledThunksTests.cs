using System.Linq.Expressions;
using MiniJit.Binding;

namespace MiniJit.Tests.Binding;

using MiniJit.Assembler;

/// <summary>
/// The delegate types bound without dynamic code (the NativeAOT path). Under the JIT, NativeBinding never takes that
/// path, so these tests call the precompiled factories directly: each delegate type is bound to hand-written code
/// that returns one argument, or that argument's sign bit, and called with values whose bits must survive exactly
/// (-0.0, NaN payloads, infinities, the extremes of each integer type).
/// </summary>
public class PrecompiledThunksTests
{
    static readonly Type[] ElementTypes = [typeof(double), typeof(float), typeof(long), typeof(int)];

    public static TheoryData<Type> AotDelegateTypes() => [.. NativeBinding.AotDelegateTypes];

    [Fact]
    public void The_set_is_every_arity_of_one_type_returning_that_type_or_bool()
    {
        var expected = new HashSet<Type>();
        foreach (var element in ElementTypes)
            for (var arity = 0; arity <= NativeBinding.MaxParameters; arity++)
                foreach (var result in (Type[])[element, typeof(bool)])
                    expected.Add(Expression.GetFuncType([.. Enumerable.Repeat(element, arity), result]));

        Assert.Equal(69, expected.Count);
        Assert.True(expected.SetEquals(NativeBinding.AotDelegateTypes));
    }

    [Theory]
    [MemberData(nameof(AotDelegateTypes))]
    public void Every_listed_type_binds_and_passes_every_argument_bit_for_bit(Type delegateType)
    {
        var invoke = delegateType.GetMethod("Invoke")!;
        var arity = invoke.GetParameters().Length;
        var element = arity == 0 ? invoke.ReturnType : invoke.GetParameters()[0].ParameterType;
        var predicate = invoke.ReturnType == typeof(bool);
        if (arity == 0)
        {
            var constant = Bind(delegateType, ConstantBody(element, predicate), arity, bounded: true);
            Assert.Equal(Bits(predicate ? true : Samples(element).Negative[0]), Bits(constant.DynamicInvoke()!));
            return;
        }
        var (positive, negative) = Samples(element);
        for (var k = 0; k < arity; k++)
        {
            // Argument k is the only negative one; every other position holds a different positive value.
            var arguments = positive.Take(arity).ToArray();
            arguments[k] = negative[k % negative.Length];
            // Both call paths: with the GC transition, and without it (bounded code).
            var bounded = k % 2 == 0;
            if (predicate)
            {
                var signOf = Bind(delegateType, SignBitBody(element, k), arity, bounded);
                Assert.True((bool)signOf.DynamicInvoke(arguments)!, $"{delegateType}: argument {k} arrived without its sign");
                Assert.False((bool)signOf.DynamicInvoke(positive.Take(arity).ToArray())!, $"{delegateType}: argument {k} arrived negative");
            }
            else
            {
                var identity = Bind(delegateType, IdentityBody(element, k), arity, bounded);
                Assert.Equal(Bits(arguments[k]), Bits(identity.DynamicInvoke(arguments)!));
            }
        }
    }

    [Theory]
    [MemberData(nameof(AotDelegateTypes))]
    public void The_thunk_is_the_one_the_JIT_path_makes(Type delegateType)
    {
        var unit = CompiledUnit.Build([], null, (asm, _) => asm.Ret());
        var precompiled = PrecompiledThunks.Find(delegateType)!(unit.Entry, unit.Memory, unit.Memory, bounded: false);
        var reflected = NativeBinding.CreateDelegate(delegateType, unit.Entry, unit.Memory);
        Assert.Equal(delegateType, precompiled.GetType());
        Assert.Equal(reflected.Target!.GetType(), precompiled.Target!.GetType());
        Assert.Equal(reflected.Method, precompiled.Method);
    }

    [Theory]
    [InlineData(typeof(Func<int, double>))]
    [InlineData(typeof(Func<double, long>))]
    [InlineData(typeof(Func<ulong, ulong>))]
    [InlineData(typeof(Action<double>))]
    [InlineData(typeof(Formula))]
    public void Other_delegate_types_are_not_in_the_set(Type delegateType) => Assert.Null(PrecompiledThunks.Find(delegateType));

    /// <summary>The same signature as Func&lt;double, double&gt;, but lookup is by exact delegate type.</summary>
    delegate double Formula(double x);

    static Delegate Bind(Type delegateType, Action<X64Assembler, Label> body, int arity, bool bounded)
    {
        var invoke = delegateType.GetMethod("Invoke")!;
        var parameters = invoke.GetParameters().Select(p => NativeBinding.ClassOf(p.ParameterType)).ToArray();
        var unit = CompiledUnit.Build(parameters, NativeBinding.ClassOf(invoke.ReturnType), body);
        Assert.Equal(arity, parameters.Length);
        return PrecompiledThunks.Find(delegateType)!(unit.Entry, unit.Memory, unit.Memory, bounded);
    }

    /// <summary>Positive values, one per position, and negative ones (sign bit set) to put at the position under test.</summary>
    static (object[] Positive, object[] Negative) Samples(Type element) => element switch
    {
        _ when element == typeof(double) =>
        (
            [1.5, 0.0, double.PositiveInfinity, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234), double.Epsilon, double.MaxValue, 3.25, 1e-300],
            [-0.0, BitConverter.Int64BitsToDouble(unchecked((long)0xFFF8_0000_0000_0042)), double.NegativeInfinity, -1.0]
        ),
        _ when element == typeof(float) =>
        (
            [1.5f, 0.0f, float.PositiveInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234), float.Epsilon, float.MaxValue, 3.25f, 1e-30f],
            [-0.0f, float.NaN, float.NegativeInfinity, -1.0f]
        ),
        _ when element == typeof(long) =>
        (
            [1L, 0L, long.MaxValue, 42L, 7L, 1L << 40, 3L, 0x7FFF_FFFFL],
            [-1L, long.MinValue, -42L, -(1L << 40)]
        ),
        _ => ([1, 0, int.MaxValue, 42, 7, 1 << 20, 3, 0xFFFF], [-1, int.MinValue, -42, -(1 << 20)]),
    };

    /// <summary>A value's bits, so that NaN payloads and the sign of zero are compared too.</summary>
    static long Bits(object value) => value switch
    {
        double d => BitConverter.DoubleToInt64Bits(d),
        float f => BitConverter.SingleToInt32Bits(f),
        long l => l,
        int i => i,
        bool b => b ? 1 : 0,
        _ => throw new ArgumentException($"no bits for {value.GetType()}"),
    };

    /// <summary>Returns the first negative sample (or true): for the delegates without parameters.</summary>
    static Action<X64Assembler, Label> ConstantBody(Type element, bool predicate) => (asm, _) =>
    {
        if (predicate) asm.Mov(Register.Eax, 1);
        else
        {
            asm.Mov(Register.Rax, Bits(Samples(element).Negative[0]));
            if (element == typeof(double)) asm.Movq(Register.Xmm0, Register.Rax);
            if (element == typeof(float)) asm.Movd(Register.Xmm0, Register.Eax);
        }
        asm.Ret();
    };

    static Action<X64Assembler, Label> IdentityBody(Type element, int k) => (asm, _) =>
    {
        if (element == typeof(double) || element == typeof(float)) asm.Movaps(Register.Xmm0, Register.XmmRegister(k));
        else LoadInteger(asm, k);
        asm.Ret();
    };

    /// <summary>rax = 1 when argument k has its sign bit set, else 0.</summary>
    static Action<X64Assembler, Label> SignBitBody(Type element, int k) => (asm, _) =>
    {
        if (element == typeof(double)) asm.Movq(Register.Rax, Register.XmmRegister(k));
        else if (element == typeof(float)) asm.Movd(Register.Eax, Register.XmmRegister(k));
        else LoadInteger(asm, k);
        if (element == typeof(double) || element == typeof(long)) asm.Shr(Register.Rax, 63);
        else asm.Shr(Register.Eax, 31);
        asm.Ret();
    };

    /// <summary>rax = integer argument k of a function whose arguments are all integers: the System V registers after
    /// the frame pointer's rdi, then the stack, the first stack argument just above the return address.</summary>
    static void LoadInteger(X64Assembler asm, int k)
    {
        Register[] registers = [Register.Rsi, Register.Rdx, Register.Rcx, Register.R8, Register.R9];
        if (k < registers.Length) asm.Mov(Register.Rax, registers[k]);
        else asm.Mov(Register.Rax, Memory.Qword(Register.Rsp, 8 * (k - registers.Length + 1)));
    }
}
