using System.Reflection;
using MiniJit.Cil;
using MiniJit.Tests.Cil;

namespace MiniJit.Tests.ClrParity;

/// <summary>The <c>tail.</c> prefix (which C# never emits, F# does): a tail-recursive method runs in constant stack on
/// the CLR, so it must under MiniJit too — it used to be dropped, and a million-deep recursion overflowed.</summary>
public class TailCallTests
{
    /// <summary>static long Sum(long n, long acc) => n == 0 ? acc : tail. Sum(n - 1, acc + n) — the sum 1 + … + n.</summary>
    static MethodInfo TailRecursiveSum(bool withTailPrefix)
    {
        var il = new IlWriter()
            .Op(CilOp.Ldarg_0).Op(CilOp.Brtrue_S).I8(2)                          // IL_0000, IL_0001 → IL_0005
            .Op(CilOp.Ldarg_1).Op(CilOp.Ret)                                     // IL_0003
            .Op(CilOp.Ldarg_0).Op(CilOp.Ldc_I4_1).Op(CilOp.Conv_I8).Op(CilOp.Sub)  // IL_0005: n - 1
            .Op(CilOp.Ldarg_1).Op(CilOp.Ldarg_0).Op(CilOp.Add);                  // acc + n
        if (withTailPrefix) il.Op(CilOp.Tail);
        il.Op(CilOp.Call).I32(EmittedMethod.Token(0)).Op(CilOp.Ret);
        return EmittedMethod.Build(new EmittedBody("Sum", typeof(long), [typeof(long), typeof(long)], il.ToArray()))[0];
    }

    [Fact]
    public void AMillionDeepSelfTailRecursionReturnsTheClrsValue()
    {
        var sum = TailRecursiveSum(withTailPrefix: true);
        var expected = (long)sum.Invoke(null, [1_000_000L, 0L])!;
        Assert.Equal(500_000_500_000L, expected);
        foreach (var optimize in Parity.OptimizeSettings)
        {
            var compiled = (Func<long, long, long>)Parity.Compile(sum, new JitOptions { Optimize = optimize });
            Assert.Equal(expected, compiled(1_000_000, 0));
            Assert.Equal(50_000_005_000_000L, compiled(10_000_000, 0));
        }
    }

    [Fact]
    public void ASelfTailCallAgreesWithTheClrOnEdgeValues()
    {
        var sum = TailRecursiveSum(withTailPrefix: true);
        // Negative n counts down through long.MinValue and wraps: too long to run, so only n >= 0.
        Parity.Check(sum, [[0L, 0L], [1L, -1L], [5L, long.MaxValue], [1000L, long.MinValue]], Values.Vector([Values.Bounded(0, 2000), Values.Mixed]), randomSamples: 30);
    }

    [Fact]
    public void WithoutThePrefixTheSameRecursionStillReportsTheStackLimit()
    {
        var compiled = (Func<long, long, long>)Parity.Compile(TailRecursiveSum(withTailPrefix: false), null);
        Assert.Throws<InsufficientExecutionStackException>(() => compiled(1_000_000, 0));
        Assert.Equal(55, compiled(10, 0));
    }

    [Fact]
    public void ATailCallToAnotherMethodIsRefused()
    {
        var methods = EmittedMethod.Build(
            new EmittedBody("Caller", typeof(long), [typeof(long)],
                new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Tail).Op(CilOp.Call).I32(EmittedMethod.Token(1)).Op(CilOp.Ret).ToArray()),
            new EmittedBody("Callee", typeof(long), [typeof(long)], new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Ret).ToArray()));
        Assert.Equal(7L, methods[0].Invoke(null, [7L]));
        var e = Assert.Throws<JitException>(() => Parity.Compile(methods[0], null));
        Assert.Equal(3, e.ILOffset);
        Assert.Equal("call", e.OpCode);
        Assert.Contains("tail. call to Emitted.EmittedType.Callee: MiniJit honors tail. only for a method calling itself", e.Reason);
    }

    [Fact]
    public void TailNotFollowedByCallAndRetIsRefused()
    {
        var method = EmittedMethod.Build(typeof(long), [typeof(long)],
            () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Tail).Op(CilOp.Call).I32(EmittedMethod.Token(0)).Op(CilOp.Pop).Op(CilOp.Ldarg_0).Op(CilOp.Ret));
        var e = Assert.Throws<JitException>(() => Parity.Compile(method, null));
        Assert.Equal(1, e.ILOffset);
        Assert.Contains("tail. must be followed by call and then ret", e.Reason);
    }
}
