using MiniJit.Binding;

namespace MiniJit.Tests.Binding;

using MiniJit.Assembler;

public class ErrorExitTests
{
    /// <summary>Func&lt;long, long&gt; that reports its argument as a status when it is not zero.</summary>
    static Func<long, long> StatusReporter() => CompiledUnit.Compile<Func<long, long>>((asm, errorExit) =>
    {
        asm.Test(Register.Rsi, Register.Rsi);
        asm.Jcc(Condition.NE, errorExit); // rsi already holds the status
        asm.Mov(Register.Eax, 7);
        asm.Ret();
    });

    [Theory]
    [InlineData(JitStatus.DivideByZero, typeof(DivideByZeroException))]
    [InlineData(JitStatus.Overflow, typeof(OverflowException))]
    [InlineData(JitStatus.IndexOutOfRange, typeof(IndexOutOfRangeException))]
    [InlineData(JitStatus.StackOverflow, typeof(InsufficientExecutionStackException))]
    [InlineData(JitStatus.NullReference, typeof(NullReferenceException))]
    [InlineData(JitStatus.Arithmetic, typeof(ArithmeticException))]
    [InlineData((JitStatus)99, typeof(JitException))]
    public void Each_status_becomes_its_exception(JitStatus status, Type exception)
    {
        var reporter = StatusReporter();
        Assert.Throws(exception, () => reporter((long)status));
        Assert.Equal(7, reporter(0));
    }

    [Fact]
    public void Error_exit_unwinds_nested_native_frames_and_restores_callee_saved_registers()
    {
        // The body trashes every callee-saved register, pushes junk, calls a helper that pushes more and
        // fails there. Only the entry stub's saved rsp can bring the managed caller back intact.
        var failDeep = CompiledUnit.Compile<Func<long, long>>((asm, errorExit) =>
        {
            var helper = asm.CreateLabel("helper");
            foreach (var register in new[] { Register.Rbx, Register.Rbp, Register.R12, Register.R13, Register.R14, Register.R15 })
                asm.Mov(register, 0x0BAD_0BAD);
            asm.Push(Register.Rax);
            asm.Push(Register.Rax);
            asm.Push(Register.Rax);
            asm.Call(helper);
            asm.Ud2(); // never reached
            asm.Bind(helper);
            asm.Push(Register.Rbx);
            asm.Test(Register.Rsi, Register.Rsi);
            var fail = asm.CreateLabel();
            asm.Jcc(Condition.NE, fail);
            // Success path: unwind normally.
            asm.Pop(Register.Rbx);
            asm.Add(Register.Rsp, 8 * 4); // helper's return address and the three junk slots
            asm.Mov(Register.Eax, 1);
            asm.Ret();
            asm.Bind(fail);
            asm.Mov(Register.Esi, (long)JitStatus.DivideByZero);
            asm.Jmp(errorExit);
        });

        // Had the exit skipped a register or a pop, the managed caller would crash or misbehave from here on.
        Assert.Throws<DivideByZeroException>(() => failDeep(1));
        Assert.Throws<DivideByZeroException>(() => failDeep(1));
        Assert.Equal(1, failDeep(0));
    }

    [Fact]
    public void Status_is_reset_between_calls()
    {
        var reporter = StatusReporter();
        for (var i = 0; i < 3; i++)
        {
            Assert.Throws<OverflowException>(() => reporter((long)JitStatus.Overflow));
            Assert.Equal(7, reporter(0));
        }
    }
}
