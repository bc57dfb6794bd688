using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;

namespace MiniJit.Tests.ClrParity;

/// <summary>Methods MiniJit must refuse (not supported yet) with a JitException pointing at the offending opcode.</summary>
public static class Unsupported
{
    public static long UsesObject(long a) => a + new object().ToString()!.Length;
    public static int UsesArray(int n) => new int[n & 7].Length;
    public static int UsesString(int a) => "abc".Length + a;
    public static long UsesPopCount(long a) => System.Numerics.BitOperations.PopCount((ulong)a);
    public static long CallsUnsupported(long a) => a + UsesObject(a);
}

public static class SafetyPrograms
{
    public static long DivideAtBottom(long depth, long divisor) => depth == 0 ? 1000 / divisor : DivideAtBottom(depth - 1, divisor) + 1;
    public static int RemainderAtBottom(int depth, int divisor) => depth == 0 ? 1000 % divisor : RemainderAtBottom(depth - 1, divisor) * 2;
    public static long Deep(long n) => n == 0 ? 0 : Deep(n - 1) + 1;
    public static long DeepMutualA(long n) => n == 0 ? 0 : DeepMutualB(n - 1) + 2;
    public static long DeepMutualB(long n) => n == 0 ? 0 : DeepMutualA(n - 1) - 1;
    public static long Square(long x) => x * x + 1;
    public static long LongMinDivide(long a, long b) => a / b;
    public static long LongMinRemainder(long a, long b) => a % b;
    public static int IntMinDivide(int a, int b) => a / b;
    public static int IntMinRemainder(int a, int b) => a % b;
}

public class SafetyTests
{
    static Outcome Of<T>(Func<T> f)
    {
        try { return new Outcome(f(), null); }
        catch (Exception e) { return new Outcome(null, e.GetType()); }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void DivisionByZeroDeepInACallChainThrowsAndTheNextCallWorks(bool optimize)
    {
        var native = MiniJit.Jit.Compile<Func<long, long, long>>(SafetyPrograms.DivideAtBottom, new JitOptions { Optimize = optimize });
        var nativeRem = MiniJit.Jit.Compile<Func<int, int, int>>(SafetyPrograms.RemainderAtBottom, new JitOptions { Optimize = optimize });
        for (int round = 0; round < 3; round++)
        {
            Assert.Equal(Of(() => SafetyPrograms.DivideAtBottom(200, 0)), Of(() => native(200, 0)));
            Assert.Equal(typeof(DivideByZeroException), Of(() => native(200, 0)).Exception);
            Assert.Equal(Of(() => SafetyPrograms.DivideAtBottom(200, 7)), Of(() => native(200, 7)));
            Assert.Equal(Of(() => SafetyPrograms.RemainderAtBottom(20, 0)), Of(() => nativeRem(20, 0)));
            Assert.Equal(Of(() => SafetyPrograms.RemainderAtBottom(20, 13)), Of(() => nativeRem(20, 13)));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MinValueDividedByMinusOneDoesWhatTheClrDoes(bool optimize)
    {
        var options = new JitOptions { Optimize = optimize };
        var ld = MiniJit.Jit.Compile<Func<long, long, long>>(SafetyPrograms.LongMinDivide, options);
        var lr = MiniJit.Jit.Compile<Func<long, long, long>>(SafetyPrograms.LongMinRemainder, options);
        var id = MiniJit.Jit.Compile<Func<int, int, int>>(SafetyPrograms.IntMinDivide, options);
        var ir = MiniJit.Jit.Compile<Func<int, int, int>>(SafetyPrograms.IntMinRemainder, options);
        Assert.Equal(Of(() => SafetyPrograms.LongMinDivide(long.MinValue, -1)), Of(() => ld(long.MinValue, -1)));
        Assert.Equal(Of(() => SafetyPrograms.LongMinRemainder(long.MinValue, -1)), Of(() => lr(long.MinValue, -1)));
        Assert.Equal(Of(() => SafetyPrograms.IntMinDivide(int.MinValue, -1)), Of(() => id(int.MinValue, -1)));
        Assert.Equal(Of(() => SafetyPrograms.IntMinRemainder(int.MinValue, -1)), Of(() => ir(int.MinValue, -1)));
        // And the process still computes afterwards.
        Assert.Equal(Of(() => SafetyPrograms.LongMinDivide(long.MinValue, 3)), Of(() => ld(long.MinValue, 3)));
        Assert.Equal(Of(() => SafetyPrograms.IntMinRemainder(int.MinValue, 3)), Of(() => ir(int.MinValue, 3)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunawayRecursionThrowsInsufficientExecutionStackAndTheProcessSurvives(bool optimize)
    {
        var options = new JitOptions { Optimize = optimize };
        var deep = MiniJit.Jit.Compile<Func<long, long>>(SafetyPrograms.Deep, options);
        var mutual = MiniJit.Jit.Compile<Func<long, long>>(SafetyPrograms.DeepMutualA, options);
        // The CLR itself would die of a stack overflow here, so it cannot be the oracle for the deep call;
        // the design requires InsufficientExecutionStackException.
        Assert.Throws<InsufficientExecutionStackException>(() => deep(1_000_000));
        Assert.Equal(SafetyPrograms.Deep(1000), deep(1000));
        Assert.Throws<InsufficientExecutionStackException>(() => deep(1_000_000));
        Assert.Throws<InsufficientExecutionStackException>(() => mutual(1_000_001));
        Assert.Equal(SafetyPrograms.DeepMutualA(999), mutual(999));
    }

    [Fact]
    public void CapturingLambdaIsRejectedNamingTheCapturedVariable()
    {
        long capturedOffset = Environment.TickCount64 % 10;
        var e = Assert.Throws<JitException>(() => MiniJit.Jit.Compile<Func<long, long>>(x => x + capturedOffset));
        Assert.Contains(nameof(capturedOffset), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonCapturingLambdaCompiles()
    {
        Func<long, long, long> managed = (a, b) => a * a - b * b;
        var native = MiniJit.Jit.Compile(managed);
        foreach (var (a, b) in new (long, long)[] { (0, 0), (3, 4), (-7, 2), (long.MaxValue, long.MinValue), (123456789, -987654321) })
            Assert.Equal(managed(a, b), native(a, b));
    }

    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The opcode at an IL offset of a method, read from its body.</summary>
    static OpCode OpCodeAt(MethodInfo m, int offset)
    {
        var il = m.GetMethodBody()!.GetILAsByteArray()!;
        short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
        return OpCodesByValue[value];
    }

    [Theory]
    [InlineData(nameof(Unsupported.UsesObject), "newobj")]
    [InlineData(nameof(Unsupported.UsesArray), "newarr")]
    [InlineData(nameof(Unsupported.UsesString), "ldstr")]
    public void UnsupportedOpcodeIsRejectedWithMethodOffsetAndOpcode(string name, string expectedOpcodePrefix)
    {
        var m = typeof(Unsupported).GetMethod(name)!;
        foreach (var optimize in Parity.OptimizeSettings)
        {
            var e = Assert.Throws<JitException>(() => Parity.Compile(m, new JitOptions { Optimize = optimize }));
            Assert.Equal(m, e.Method);
            Assert.NotNull(e.ILOffset);
            Assert.NotNull(e.OpCode);
            var actual = OpCodeAt(m, e.ILOffset.Value);
            Assert.Equal(actual.Name, e.OpCode, ignoreCase: true);
            Assert.StartsWith(expectedOpcodePrefix, actual.Name!, StringComparison.Ordinal);
            Assert.Contains(m.Name, e.Message, StringComparison.Ordinal);
            Assert.Contains(e.OpCode!, e.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"{e.ILOffset.Value:x4}", e.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [InlineData(nameof(Unsupported.UsesPopCount), "System.Numerics.BitOperations")]
    [InlineData(nameof(Unsupported.CallsUnsupported), nameof(Unsupported.UsesObject))]
    public void UnsupportedCalleeIsRejected(string name, string mentioned)
    {
        var m = typeof(Unsupported).GetMethod(name)!;
        var e = Assert.Throws<JitException>(() => Parity.Compile(m, null));
        Assert.Contains(mentioned, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DisassemblyOfDifferenceOfSquaresUsesImulAndNoPushOrPop()
    {
        var native = MiniJit.Jit.Compile<Func<long, long, long>>((a, b) => a * a - b * b);
        var text = MiniJit.Jit.Disassemble(native);
        // The text has labelled sections ("entry stub:", "error exit:", then one per compiled method); the shared
        // entry stub saves callee-saved registers by design, the method's own code must not need to.
        var methodLines = MethodSections(text);
        Assert.True(methodLines.Count >= 2, text);
        Assert.Contains(methodLines, l => Regex.IsMatch(l, @"\bimul\b"));
        Assert.DoesNotContain(methodLines, l => Regex.IsMatch(l, @"\b(push|pop)\b"));
        Assert.Equal(-7L, native(3, 4));
    }

    /// <summary>The instruction lines of the compiled methods' sections, without the binding's entry stub and error exit.</summary>
    static List<string> MethodSections(string text)
    {
        var result = new List<string>();
        bool inMethod = true;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var t = line.Trim();
            if (t.EndsWith(':') && !t.StartsWith("0x", StringComparison.Ordinal))
                inMethod = t is not ("entry stub:" or "error exit:");
            else if (inMethod)
                result.Add(t);
        }
        return result;
    }

    [Fact]
    public void DisassemblyWithoutOptimizationStillDisassembles()
    {
        var native = MiniJit.Jit.Compile<Func<long, long, long>>(Programs.DifferenceOfSquares, new JitOptions { Optimize = false });
        var text = MiniJit.Jit.Disassemble(native);
        Assert.Contains(text.Split('\n'), l => Regex.IsMatch(l, @"\bimul\b"));
        Assert.Equal(Programs.DifferenceOfSquares(12, -5), native(12, -5));
    }
}

public class LazyTests
{
    sealed class Log
    {
        readonly List<string> lines = [];
        public void Add(string line) { lock (lines) lines.Add(line); }
        public string[] Lines { get { lock (lines) return [.. lines]; } }
        public int Count(string word) => Lines.Count(l => Regex.IsMatch(l, $@"\b{word}\b", RegexOptions.IgnoreCase));
        public override string ToString() => string.Join("\n", Lines);
    }

    [Fact]
    public void FirstCallCompilesLaterCallsRunNativeCode()
    {
        var log = new Log();
        var lazy = MiniJit.Jit.Lazy<Func<long, long>>(SafetyPrograms.Square, new JitOptions { Log = log.Add });
        Assert.Equal(0, log.Count("compiled"));
        Assert.Equal(SafetyPrograms.Square(12345), lazy(12345));
        Assert.True(log.Count("compiling") >= 1, log.ToString());
        Assert.True(log.Count("compiled") == 1, log.ToString());
        int linesAfterFirstCall = log.Lines.Length;
        var disassembly = MiniJit.Jit.Disassemble(lazy);
        Assert.Contains(disassembly.Split('\n'), l => Regex.IsMatch(l, @"\bimul\b"));
        for (long x = -50; x < 50; x++) Assert.Equal(SafetyPrograms.Square(x), lazy(x));
        Assert.True(log.Lines.Length == linesAfterFirstCall, $"later calls logged again:\n{log}");
    }

    [Fact]
    public void UncompilableMethodFallsBackToManagedAndLogsWhy()
    {
        var log = new Log();
        var lazy = MiniJit.Jit.Lazy<Func<long, long>>(Unsupported.UsesObject, new JitOptions { Log = log.Add });
        Assert.Equal(Unsupported.UsesObject(41), lazy(41));
        Assert.Equal(Unsupported.UsesObject(-9), lazy(-9));
        Assert.Contains(log.Lines, l => l.Contains(nameof(Unsupported.UsesObject), StringComparison.Ordinal) && l.Contains("newobj", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void ConcurrentFirstCallsCompileOnce()
    {
        for (int round = 0; round < 5; round++)
        {
            var log = new Log();
            var lazy = MiniJit.Jit.Lazy<Func<long, long>>(SafetyPrograms.Square, new JitOptions { Log = log.Add });
            const int threads = 8;
            using var barrier = new Barrier(threads);
            var results = new long[threads];
            var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
            {
                barrier.SignalAndWait();
                results[i] = lazy(i * 1000 + round);
            })).ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
            for (int i = 0; i < threads; i++) Assert.Equal(SafetyPrograms.Square(i * 1000 + round), results[i]);
            Assert.True(log.Count("compiled") == 1, $"round {round}: expected one 'compiled' line:\n{log}");
        }
    }
}
