using System.Reflection;
using MiniJit.Cil;

namespace MiniJit.Tests.Cil;

/// <summary>Invalid IL is refused with a JitException that names the method, the offset, the opcode and the reason —
/// never compiled into something that reads the wrong slot, and never an exception from inside the compiler. The CLR
/// refuses these methods too (InvalidProgramException), which the tests check first — except two that ECMA-335 calls
/// invalid but RyuJIT tolerates (a stack deeper than MaxStack, an int32 meeting an int64 at a join): MiniJit refuses
/// them rather than guess what they mean.</summary>
public class InvalidIlTests
{
    static void Refused(MethodInfo method, int? offset, string opCode, string reason, bool clrRefusesToo = true)
    {
        if (clrRefusesToo)
        {
            var clr = Assert.Throws<TargetInvocationException>(() =>
                method.Invoke(null, [.. method.GetParameters().Select(p => Activator.CreateInstance(p.ParameterType))]));
            Assert.IsType<InvalidProgramException>(clr.InnerException);
        }

        var e = Assert.Throws<JitException>(() => ClrParity.Parity.Compile(method, null));
        Assert.Equal(offset, e.ILOffset);
        Assert.Equal(opCode, e.OpCode);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void ReadingAnArgumentPastTheLastIsRefused() =>
        Refused(EmittedMethod.Build(typeof(long), [typeof(long), typeof(long)],
                () => new IlWriter().Op(CilOp.Ldarg_2).Op(CilOp.Ret), locals: [typeof(long)]),
            0, "ldarg.2", "argument 2 does not exist: the method has 2");

    [Fact]
    public void StoringToAnArgumentPastTheLastIsRefused() =>
        Refused(EmittedMethod.Build(typeof(long), [typeof(long)],
                () => new IlWriter().Op(CilOp.Ldc_I4_1).Op(CilOp.Starg_S).U8(3).Op(CilOp.Ldarg_0).Op(CilOp.Ret)),
            1, "starg.s", "argument 3 does not exist");

    [Fact]
    public void ReadingALocalPastTheLastIsRefused() =>
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter().Op(CilOp.Ldloc_1).Op(CilOp.Ret), locals: [typeof(int)]),
            0, "ldloc.1", "local 1 does not exist: the method has 1");

    [Fact]
    public void StoringToALocalPastTheLastIsRefused() =>
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Stloc_S).U8(4).Op(CilOp.Ldarg_0).Op(CilOp.Ret), locals: [typeof(int)]),
            1, "stloc.s", "local 4 does not exist");

    [Fact]
    public void AStackDeeperThanMaxStackIsRefused() =>
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                // The local forces the fat header: a tiny one cannot state a MaxStack (it means 8).
                () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Dup).Op(CilOp.Add).Op(CilOp.Ret), maxStack: 1, locals: [typeof(int)]),
            1, "dup", "more than the method's MaxStack of 1", clrRefusesToo: false);

    [Fact]
    public void StackUnderflowIsRefused() =>
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Add).Op(CilOp.Ret)),
            1, "add", "evaluation stack underflow");

    [Fact]
    public void ABranchIntoTheMiddleOfAnInstructionIsRefused() =>
        // br.s +1 lands on the second byte of the 5-byte ldc.i4 that follows it.
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter().Op(CilOp.Br_S).I8(1).Op(CilOp.Ldc_I4).I32(0x2A).Op(CilOp.Ret)),
            0, "br.s", "is inside another instruction");

    [Fact]
    public void ABranchOutOfTheMethodIsRefused() =>
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Brtrue_S).I8(10).Op(CilOp.Ldc_I4_0).Op(CilOp.Ret)),
            1, "brtrue.s", "lies outside the method body");

    [Fact]
    public void FallingOffTheEndIsRefused() =>
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Pop)),
            1, "pop", "control falls off the end of the method");

    [Fact]
    public void Int32AndInt64MeetingAtAJoinAreRefused() =>
        // arg != 0 ? (int)1 : (long)2, then conv.i8 and ret: the join receives an int32 from the branch at IL_0004 and
        // an int64 from the ldc.i8 at IL_0006 falling through; the second path to arrive is reported.
        Refused(EmittedMethod.Build(typeof(long), [typeof(int)],
                () => new IlWriter()
                    .Op(CilOp.Ldarg_0).Op(CilOp.Brfalse_S).I8(3)       // 0, 1
                    .Op(CilOp.Ldc_I4_1).Op(CilOp.Br_S).I8(9)           // 3, 4 → 15
                    .Op(CilOp.Ldc_I8).I64(2)                           // 6
                    .Op(CilOp.Conv_I8).Op(CilOp.Ret)),                 // 15, 16
            6, "ldc.i8", "the evaluation stack differs between the paths into", clrRefusesToo: false);

    [Fact]
    public void ANonEmptyStackAtABlockReachedOnlyBackwardsIsRefused() =>
        // IL_0003 follows an unconditional branch and is reached only by the backward branch at IL_0005, so ECMA-335
        // fixes its stack as empty; the branch arrives with one value.
        Refused(EmittedMethod.Build(typeof(int), [typeof(int)],
                () => new IlWriter()
                    .Op(CilOp.Ldarg_0).Op(CilOp.Br_S).I8(2)            // 0, 1 → 5
                    .Op(CilOp.Ldc_I4_1).Op(CilOp.Ret)                  // 3, 4
                    .Op(CilOp.Br_S).I8(-4)),                           // 5 → 3
            5, "br.s", "the evaluation stack differs between the paths into");
}
