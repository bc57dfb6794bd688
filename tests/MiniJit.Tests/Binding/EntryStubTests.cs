using MiniJit.Binding;

namespace MiniJit.Tests.Binding;

using MiniJit.Assembler;

public class EntryStubTests
{
    const ArgumentClass I = ArgumentClass.Integer, D = ArgumentClass.Double, S = ArgumentClass.Single;

    [Fact]
    public void Integer_arguments_follow_the_hidden_frame_pointer()
    {
        var add = CompiledUnit.Compile<Func<long, long, long>>((asm, _) =>
        {
            asm.Lea(Register.Rax, Memory.Qword(Register.Rsi, Register.Rdx)); // rdi is the frame
            asm.Ret();
        });
        Assert.Equal(5, add(2, 3));
        Assert.Equal(long.MinValue, add(long.MaxValue, 1));
    }

    [Fact]
    public void Double_arguments_and_result_use_xmm_registers()
    {
        var add = CompiledUnit.Compile<Func<double, double, double>>((asm, _) =>
        {
            asm.Addsd(Register.Xmm0, Register.Xmm1);
            asm.Ret();
        });
        Assert.Equal(4.0, add(1.5, 2.5));
        Assert.True(double.IsNaN(add(double.NaN, 1)));
    }

    [Fact]
    public void Single_arguments_and_result_use_movss()
    {
        var add = CompiledUnit.Compile<Func<float, float, float>>((asm, _) =>
        {
            asm.Addss(Register.Xmm0, Register.Xmm1);
            asm.Ret();
        });
        Assert.Equal(3.75f, add(1.5f, 2.25f));
    }

    [Fact]
    public void Integer_and_float_registers_are_counted_separately()
    {
        // f(long a, double b, long c, double d): a in rsi, b in xmm0, c in rdx, d in xmm1.
        var integers = CompiledUnit.Compile<Func<long, double, long, double, long>>((asm, _) =>
        {
            asm.Mov(Register.Rax, Register.Rsi);
            asm.Sub(Register.Rax, Register.Rdx);
            asm.Ret();
        });
        var doubles = CompiledUnit.Compile<Func<long, double, long, double, double>>((asm, _) =>
        {
            asm.Subsd(Register.Xmm0, Register.Xmm1);
            asm.Ret();
        });
        Assert.Equal(7, integers(10, 99.0, 3, 98.0));
        Assert.Equal(0.5, doubles(10, 2.0, 3, 1.5));
    }

    [Fact]
    public void Eight_integer_arguments_put_three_on_the_stack_with_alignment_padding()
    {
        // rsi, rdx, rcx, r8, r9 take arguments 1–5; 6, 7, 8 sit above the return address in order.
        var sum = CompiledUnit.Compile<Func<long, long, long, long, long, long, long, long, long>>((asm, errorExit) =>
        {
            CompiledUnit.EmitAlignmentCheck(asm, errorExit);
            EmitSum(asm, 3);
            asm.Ret();
        });
        Assert.Equal(1 + 20 + 300 + 4000 + 50000 + 600000 + 7000000 + 80000000,
            sum(1, 20, 300, 4000, 50000, 600000, 7000000, 80000000));
        // Order matters: weigh the stack arguments differently.
        var sixth = CompiledUnit.Compile<Func<long, long, long, long, long, long, long, long, long>>((asm, _) =>
        {
            asm.Mov(Register.Rax, Memory.Qword(Register.Rsp, 8));
            asm.Ret();
        });
        Assert.Equal(6, sixth(1, 2, 3, 4, 5, 6, 7, 8));
    }

    [Fact]
    public void Eight_integer_arguments_put_three_on_the_stack()
    {
        var unit = CompiledUnit.Build([I, I, I, I, I, I, I, I], I, (asm, errorExit) =>
        {
            CompiledUnit.EmitAlignmentCheck(asm, errorExit);
            EmitSum(asm, 3);
            asm.Ret();
        });
        Assert.Equal(11111111, unit.CallRaw(1, 10, 100, 1000, 10000, 100000, 1000000, 10000000));
    }

    [Fact]
    public void Eight_doubles_fill_xmm0_to_xmm7()
    {
        var unit = CompiledUnit.Build([D, D, D, D, D, D, D, D], D, (asm, errorExit) =>
        {
            CompiledUnit.EmitAlignmentCheck(asm, errorExit);
            for (var i = 1; i < 8; i++) asm.Addsd(Register.Xmm0, Register.XmmRegister(i));
            asm.Ret();
        });
        var arguments = Enumerable.Range(1, 8).Select(i => BitConverter.DoubleToInt64Bits(i * 0.5)).ToArray();
        Assert.Equal(18.0, BitConverter.Int64BitsToDouble(unit.CallRaw(arguments)));
    }

    [Fact]
    public void Floats_do_not_use_up_integer_registers()
    {
        // Five integers fit in registers even with two doubles among them: nothing goes on the stack.
        var unit = CompiledUnit.Build([D, I, I, D, I, I, I], I, (asm, _) =>
        {
            asm.Mov(Register.Rax, Register.R9);
            asm.Ret();
        });
        Assert.Equal(7, unit.CallRaw(0, 2, 3, 0, 5, 6, 7));
    }

    [Fact]
    public void Singles_load_and_store_four_bytes()
    {
        var unit = CompiledUnit.Build([S], S, (asm, _) =>
        {
            asm.Addss(Register.Xmm0, Register.Xmm0);
            asm.Ret();
        });
        var bits = (uint)BitConverter.SingleToInt32Bits(1.25f) | unchecked((long)0xDEAD_BEEF_0000_0000);
        Assert.Equal(BitConverter.SingleToInt32Bits(2.5f), unit.CallRaw(bits)); // upper half of Result untouched (0)
    }

    [Fact]
    public void The_frame_carries_the_stack_limit()
    {
        var limit = CompiledUnit.Compile<Func<nint>>((asm, _) =>
        {
            asm.Mov(Register.Rax, Memory.Qword(Register.Rdi, JitFrame.StackLimitOffset));
            asm.Ret();
        });
        Assert.Equal(NativeStack.Limit, limit());
    }

    [Fact]
    public void More_arguments_than_frame_slots_are_rejected()
    {
        var asm = new X64Assembler();
        var parameters = Enumerable.Repeat(I, JitFrame.MaxArguments + 1).ToArray();
        Assert.Throws<JitException>(() => EntryStub.Emit(asm, asm.CreateLabel(), parameters, null, Lowering.CallingConvention.SystemV));
    }

    /// <summary>rax = rsi + rdx + rcx + r8 + r9 + the given number of stack arguments.</summary>
    static void EmitSum(X64Assembler asm, int stackArguments)
    {
        asm.Lea(Register.Rax, Memory.Qword(Register.Rsi, Register.Rdx));
        asm.Add(Register.Rax, Register.Rcx);
        asm.Add(Register.Rax, Register.R8);
        asm.Add(Register.Rax, Register.R9);
        for (var i = 0; i < stackArguments; i++) asm.Add(Register.Rax, Memory.Qword(Register.Rsp, 8 + 8 * i));
    }
}
