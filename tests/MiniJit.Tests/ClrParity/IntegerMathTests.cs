namespace MiniJit.Tests.ClrParity;

public static class IntegerMathPrograms
{
    public static int DivRemOut(int a, int b) => Math.DivRem(a, b, out int remainder) + remainder;
    public static long BigMulOut(long a, long b) => Math.BigMul(a, b, out long low) ^ low;
    public static long DivRemOutLong(long a, long b) => Math.DivRem(a, b, out long remainder) * 3 + remainder;
    public static ulong BigMulOutUnsigned(ulong a, ulong b) => Math.BigMul(a, b, out ulong low) ^ (low >> 1);
    public static int DivRemIntoParameter(int a, int b) { int q = Math.DivRem(a, b, out a); return q - a; }
    public static int AddressForAnythingElse(int a) => Interlocked.Increment(ref a);
    public static int DivRemTuple(int a, int b)
    {
        var (quotient, remainder) = Math.DivRem(a, b);
        return quotient + remainder;
    }
    public static long BigMulWide(long a, long b) => (long)(Math.BigMul(a, b) >> 64);
    public static long MaxOfMin(long a, long b, long c) => Math.Max(Math.Min(a, b), c);
}

/// <summary>The integer Math helpers beyond the opcode matrix (which compares Abs, Min, Max, Clamp, Sign and BigMul of
/// every integer type with the CLR): Min and Max are runtime intrinsics whose IL is compiled all the same; DivRem and
/// BigMul with an out argument write that variable directly; the overloads that need structs, and any other address
/// taken, are refused, saying why.</summary>
public class IntegerMathTests
{
    [Fact]
    public void MinAndMaxCompileAsCalleesAndAsTheMethodItself()
    {
        var m = typeof(IntegerMathPrograms).GetMethod(nameof(IntegerMathPrograms.MaxOfMin))!;
        Parity.Check(m, Parity.EdgeInputs(m), Values.Vector([Values.Mixed, Values.Mixed, Values.Mixed]), randomSamples: 100);
        var max = Jit.Compile<Func<ulong, ulong, ulong>>(Math.Max);
        Assert.Equal(ulong.MaxValue, max(ulong.MaxValue, 1));
        var min = Jit.Compile<Func<nint, nint, nint>>(Math.Min);
        Assert.Equal(-1, min(-1, 1));
    }

    /// <summary>Calls of the floating-point Max are MiniJit's own code; as the method compiled itself, its IL is only
    /// the runtime's fallback, and it is refused.</summary>
    [Fact]
    public void FloatingPointMaxAsTheMethodItselfIsRefused()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<double, double, double>>(Math.Max));
        Assert.Contains("it is a runtime intrinsic", e.Reason);
    }

    [Theory]
    [InlineData(nameof(IntegerMathPrograms.DivRemOut))]
    [InlineData(nameof(IntegerMathPrograms.BigMulOut))]
    [InlineData(nameof(IntegerMathPrograms.DivRemOutLong))]
    [InlineData(nameof(IntegerMathPrograms.BigMulOutUnsigned))]
    [InlineData(nameof(IntegerMathPrograms.DivRemIntoParameter))]
    public void OutArgumentsOfDivRemAndBigMulMatchTheClr(string name)
    {
        var m = typeof(IntegerMathPrograms).GetMethod(name)!;
        Parity.Check(m, Parity.EdgeInputs(m), Values.Vector([Values.Mixed, Values.Mixed]), randomSamples: 200);
    }

    /// <summary>For a local numbered past 255 Roslyn writes the long ldloca and pads it with nops before the call
    /// (random program 5200291).</summary>
    [Fact]
    public void TheLongFormWithItsNopsIsAnOutArgumentToo()
    {
        var locals = string.Join(" ", Enumerable.Range(0, 300).Select(i => $"long x{i} = a * {i + 1} + b; s += x{i} * x{i};"));
        var source = $"public static class L {{ public static long F(long a, long b) {{ long s = 0; {locals} " +
            "return s + System.Math.DivRem(a, b, out long r) + r; } }";
        foreach (var level in new[] { Microsoft.CodeAnalysis.OptimizationLevel.Debug, Microsoft.CodeAnalysis.OptimizationLevel.Release })
        {
            var m = MiniJit.Cli.Fuzzing.ProgramCompiler.Compile(source, $"ManyLocals{level}", level).GetType("L")!.GetMethod("F")!;
            Parity.Check(m, [[7L, 2L], [long.MinValue, -1L], [5L, 0L]], Values.Vector([Values.Mixed, Values.Mixed]), randomSamples: 20);
        }
    }

    [Fact]
    public void InterlockedOperationsAreRefusedAtTheCall()
    {
        // The address of the argument is fine (it lives in the frame); the atomic operation is a runtime intrinsic.
        var e = Assert.Throws<JitException>(() => Parity.Compile(typeof(IntegerMathPrograms).GetMethod(nameof(IntegerMathPrograms.AddressForAnythingElse))!, null));
        Assert.Equal("call", e.OpCode);
        Assert.Contains("Interlocked.Increment", e.Message);
    }

    [Theory]
    // A tuple is a generic struct, which MiniJit does not compile; Int128 is a struct of two ulongs, which it does,
    // but its operators are runtime intrinsics.
    [InlineData(nameof(IntegerMathPrograms.DivRemTuple), "return type ValueTuple`2 is not supported (ValueTuple`2 is a generic struct")]
    [InlineData(nameof(IntegerMathPrograms.BigMulWide), "call to System.Int128.op_RightShift: it is a runtime intrinsic")]
    public void WideResultsAreRefusedAtTheCall(string name, string reason)
    {
        var e = Assert.Throws<JitException>(() => Parity.Compile(typeof(IntegerMathPrograms).GetMethod(name)!, null));
        Assert.Equal("call", e.OpCode);
        Assert.Contains(reason, e.Reason);
    }
}
