using System.Numerics;
using System.Reflection;
using System.Runtime.Intrinsics.X86;

namespace MiniJit.Tests.ClrParity;

public static class IntrinsicPrograms
{
    public static int PopCountOf255() => BitOperations.PopCount(255u);
    public static bool HasPopcnt() => Popcnt.IsSupported;
    public static bool HasPopcnt64() => Popcnt.X64.IsSupported;
    public static long Features(long x) => (Lzcnt.IsSupported ? 1 : 0) + (Bmi1.IsSupported ? 2 : 0) + (Avx512F.IsSupported ? 4 : 0) + x;
    public static uint PopcntDirectly(uint x) => Popcnt.IsSupported ? Popcnt.PopCount(x) : 0;
}

/// <summary>Methods the runtime's JIT treats as intrinsics: the hardware <c>IsSupported</c> checks become the running
/// CPU's answer; every other intrinsic is refused, because its IL is only a fallback (Popcnt.IsSupported's IL calls
/// itself: compiling it turned BitOperations.PopCount(255u) into an InsufficientExecutionStackException).</summary>
public class IntrinsicTests
{
    static MethodInfo Method(string name) => typeof(IntrinsicPrograms).GetMethod(name)!;

    [Theory]
    [InlineData(nameof(IntrinsicPrograms.HasPopcnt))]
    [InlineData(nameof(IntrinsicPrograms.HasPopcnt64))]
    public void IsSupportedIsTheRunningCpusAnswer(string name)
    {
        foreach (var optimize in Parity.OptimizeSettings)
        {
            var compiled = (Func<bool>)Parity.Compile(Method(name), new JitOptions { Optimize = optimize });
            Assert.Equal(Method(name).Invoke(null, null), compiled());
        }
    }

    [Fact]
    public void SeveralIsSupportedChecksFoldIntoOneComputation() =>
        Parity.Check(Method(nameof(IntrinsicPrograms.Features)), Parity.EdgeInputs(Method(nameof(IntrinsicPrograms.Features))),
            Values.Vector([Values.Mixed]), randomSamples: 50);

    [Fact]
    public void AnIntrinsicCalleeIsRefusedWhereItIsCalled()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<int>>(IntrinsicPrograms.PopCountOf255));
        Assert.Equal(nameof(IntrinsicPrograms.PopCountOf255), e.Method!.Name);
        Assert.Equal("call", e.OpCode);
        Assert.Contains("System.Numerics.BitOperations.PopCount: it is a runtime intrinsic", e.Reason);
    }

    [Fact]
    public void AMethodOfAnIntrinsicClassIsRefused()
    {
        // Popcnt.PopCount carries no attribute itself: its class does.
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<uint, uint>>(IntrinsicPrograms.PopcntDirectly));
        Assert.Contains("System.Runtime.Intrinsics.X86.Popcnt.PopCount: it is a runtime intrinsic", e.Reason);
    }

    [Fact]
    public void AnIntrinsicAsTheRootIsRefused()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<uint, int>>(BitOperations.PopCount));
        Assert.Equal("PopCount", e.Method!.Name);
        Assert.Contains("it is a runtime intrinsic", e.Reason);
    }
}
