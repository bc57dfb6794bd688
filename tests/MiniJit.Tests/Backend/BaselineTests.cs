using System.Reflection;
using MiniJit.Tests.ClrParity;
using MiniJit.Cil;
using MiniJit.Tests.Cil;

namespace MiniJit.Tests.Backend;

/// <summary>Methods the baseline tier translates in one pass (every construct it knows), and some it gives up.</summary>
public static unsafe class BaselinePrograms
{
    public static long Foo(long a, long b) => a * a - b * b;
    public static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
    public static int Gcd(int a, int b) { while (b != 0) { int t = a % b; a = b; b = t; } return a; }
    public static long SumTo(long n) { long s = 0; for (long i = 1; i <= n; i++) s += i; return s; }
    public static int Collatz(long n) { int steps = 0; while (n > 1 && steps < 1000) { n = (n & 1) == 0 ? n >> 1 : 3 * n + 1; steps++; } return steps; }
    public static int Mandelbrot(double cr, double ci)
    {
        double zr = 0, zi = 0;
        int i = 0;
        while (i < 200 && zr * zr + zi * zi <= 4) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; i++; }
        return i;
    }
    public static int Switch(int x) => (x & 7) switch { 0 => 10, 1 => 20, 2 => x * 3, 5 => -x, _ => x >> 2 };
    public static int Checked(int a, int b) => checked(a * b + a - b);
    public static long CheckedUnsigned(ulong a, uint b) => (long)checked(a + b * 3UL);
    public static long Divisions(long a, long b, int c, int d) => a / b + a % b + c / d + c % d + (long)((ulong)a / (ulong)b) + (uint)c % (uint)d;
    public static int Shifts(int a, int s, long b) => (a << s) ^ (a >> (s + 1)) ^ (int)((uint)a >>> s) ^ (int)(b >> s) ^ (int)((ulong)b >>> (s & 7));
    public static byte Narrow(int a, short b, char c, sbyte d) { byte x = (byte)(a + b); x += (byte)c; ushort y = (ushort)(x * d); return (byte)(y ^ (ushort)d); }
    public static bool Compares(int a, long b, double c, float d) => (a < b) ^ (c >= d) ^ (a == (int)b) ^ (c == c + 0.0) ^ (c != d) ^ (d < 0.5f) ^ ((uint)a > 7u);
    public static double Floats(double a, float b, int c, long d) => -a * b + c / (a + 1.5) - d * 0.25 + (float)(b * b) + (double)(float)a;
    public static long Conversions(double a, float b, int c) => (long)a + (int)b + (short)a + (sbyte)b + (byte)a + (ushort)b + (long)(uint)c + (long)(ulong)c + (int)(long)a;
    public static double Calls(double a, int n) => Half(a) + Square(n) + Mix(n, a, n + 1, a * 2, (byte)n, (long)n * 3);
    static double Half(double x) => x / 2;
    static long Square(int n) => (long)n * n;
    static double Mix(int a, double b, long c, double d, byte e, long f) => a + b * c - d + e - f;
    public static int Ternaries(int a, int b) => (a > b ? a : b) + (a < 0 ? -1 : a == 0 ? 0 : 1) * (b != 0 && a % b == 0 ? 2 : 3);
    public static double MathCalls(double x, int n) => Math.Sqrt(Math.Abs(x)) + Math.Sin(x) * Math.Max(n, 3) + (double.IsNaN(x) ? 1 : 0)
        + Math.Abs((long)n) + Math.Round(x) + Math.Min(x, n) + Math.FusedMultiplyAdd(x, x, n) + (float.IsFinite((float)x) ? 2 : 0);
    public static int AbsOfMinValue(int n) => Math.Abs(n);
    public static long ManyArguments(int a, long b, int c, long d, int e, long f, int g, double x) => a + b * c - d + e * f - g + (long)x
        + Eight(a, b, c, d, e, f, g, a + b, x, x * 2, x * 3, x * 4, x * 5, x * 6, x * 7, x * 8, x * 9, (float)x);
    static long Eight(int a, long b, int c, long d, int e, long f, int g, long h, double x1, double x2, double x3, double x4,
        double x5, double x6, double x7, double x8, double x9, float x10) => a - b + c * d - e + f * g - h + (long)(x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10);
    public static double Unsigned(ulong a, uint b) => (double)a + (float)a + b + (float)b;
    public static long CheckedConversions(long a, ulong b, int c) => checked((sbyte)(a & 0x7F) + (byte)(b & 0xFF) + (short)c + (ushort)(c & 0xFFFF) + (int)a + (uint)b + (long)b + (int)(uint)c);
    // C# writes small long and ulong constants as ldc.i4 and a conversion, which the baseline folds.
    public static ulong WideConstants(ulong a, long b) => a + 0xFFFFFFFFUL + 5UL + (ulong)(b * -3L + 100L) + (a > 0x80000000UL ? 1UL : 2UL);
    public static int Deep(int n) => n <= 0 ? 0 : 1 + Deep(n - 1);
    public static int DivideByZero(int a, int b) => a / b;

    // Operations on floating point that the baseline calls helpers for.
    public static double FloatHelpers(double a, float b, int n) => a % n + b % 3.5f + (uint)a + (ulong)b + (long)(nuint)(a * 2)
        + checked((int)(a % 1e9) + (short)(b % 100) + (long)(b % 1e18f) + (byte)(Math.Abs(a) % 255));

    // Math.DivRem and Math.BigMul, whose out argument is the one address the baseline takes.
    public static long WithOuts(int a, long b, ulong c, int d)
    {
        int q = Math.DivRem(a, d, out int r);
        long high = Math.BigMul(b, b + 7, out long low);
        ulong uhigh = Math.BigMul(c, c ^ 0x5555, out ulong ulow);
        long q2 = Math.DivRem(b, 3L, out b);
        return q * 31 + r + high * 17 + low + (long)(uhigh * 13 + ulow) + q2 + b;
    }

    // Arrays of primitives: length, loads and stores of every width, sign and kind, compound assignment, a native int
    // index, null compared and passed on to a callee.
    public static int SumArray(int[] a) { int s = 0; foreach (var x in a) s += x; return s; }
    public static long Kinds(sbyte[] b, ushort[] u, long[] l, double[] d, float[] f, bool[] z, int i)
    {
        l[i] += b[i] * u[i];
        d[i] = f[i] * 2.5 + d[i];
        f[i] = (float)d[i];
        z[i] = !z[i];
        b[i] = (sbyte)(b[i] + 100);
        u[i] = (ushort)(u[i] - 1);
        return l[i] + b.Length + (long)d[(nint)i] + (z[i] ? 1 : 0) + u[i] + b[i];
    }
    public static int Reverse(int[] a)
    {
        for (int i = 0, j = a.Length - 1; i < j; i++, j--) (a[i], a[j]) = (a[j], a[i]);
        return a == null ? -1 : SumArray(a);
    }

    // A pointer, walked and dereferenced (trusted, as in unsafe C#; an exact null throws NullReferenceException).
    public static long SumPointer(long* p, int n)
    {
        long s = 0;
        for (long* end = p + n; p < end; p++) s += *p;
        return s;
    }

    // Static fields: a static readonly one is a constant; the others live at an address that never moves, shared with
    // managed code.
    public static readonly double Scale = 2.5;
    public static long Counter;
    public static long Bump(long by)
    {
        Counter += by;
        return Counter * (long)Scale;
    }

    // Given up by the baseline: a span (memory it does not follow), and a ref local (an address); the caller is translated.
    public static int Sum(int n)
    {
        Span<int> s = stackalloc int[4];
        for (int i = 0; i < s.Length; i++) s[i] = n + i;
        int t = 0;
        foreach (var x in s) t += x;
        return t;
    }
    public static int ThroughRef(int a) { int x = a; ref int r = ref x; r += 3; return x * 2; }
    public static int CallsThroughRef(int a) => ThroughRef(a) + ThroughRef(a / 3) * 2;
}

public unsafe class BaselineTests
{
    delegate long PointerSum(long* p, int n);

    static MethodInfo Method(string name) => typeof(BaselinePrograms).GetMethod(name)!;

    /// <summary>The stages a compile with the optimizer off explains, as "method: stage".</summary>
    static List<string> Stages(MethodInfo method)
    {
        var stages = new List<string>();
        Parity.Compile(method, new JitOptions { Optimize = false, Explain = s => stages.Add($"{s.Method}: {s.Stage}") });
        return stages;
    }

    public static TheoryData<string> Translated() =>
    [
        nameof(BaselinePrograms.Foo), nameof(BaselinePrograms.Fib), nameof(BaselinePrograms.Gcd), nameof(BaselinePrograms.SumTo),
        nameof(BaselinePrograms.Collatz), nameof(BaselinePrograms.Mandelbrot), nameof(BaselinePrograms.Switch),
        nameof(BaselinePrograms.Checked), nameof(BaselinePrograms.CheckedUnsigned), nameof(BaselinePrograms.Divisions),
        nameof(BaselinePrograms.Shifts), nameof(BaselinePrograms.Narrow), nameof(BaselinePrograms.Compares),
        nameof(BaselinePrograms.Floats), nameof(BaselinePrograms.Conversions), nameof(BaselinePrograms.Calls),
        nameof(BaselinePrograms.Ternaries), nameof(BaselinePrograms.MathCalls), nameof(BaselinePrograms.AbsOfMinValue),
        nameof(BaselinePrograms.ManyArguments), nameof(BaselinePrograms.Unsigned), nameof(BaselinePrograms.CheckedConversions),
        nameof(BaselinePrograms.FloatHelpers), nameof(BaselinePrograms.WithOuts), nameof(BaselinePrograms.WideConstants),
    ];

    [Theory]
    [MemberData(nameof(Translated))]
    public void TranslatesInOnePassAndMatchesTheClr(string name)
    {
        var method = Method(name);
        var stages = Stages(method);
        Assert.Contains(stages, s => s.EndsWith(": baseline: homes and frame", StringComparison.Ordinal));
        // No IR for the program's own methods (a math intrinsic is a small function compiled through the IR).
        Assert.DoesNotContain(stages, s => s.StartsWith("BaselinePrograms.", StringComparison.Ordinal) && s.EndsWith(": IR", StringComparison.Ordinal));
        // Fib and SumTo take time growing with their argument: small ones only.
        var small = Values.Bounded(-3, 25);
        bool bounded = name is nameof(BaselinePrograms.Fib) or nameof(BaselinePrograms.SumTo);
        var inputs = bounded ? new long[] { -1, 0, 1, 2, 20 }.Select(n => Values.Convert([n], method.GetParameters())) : Parity.EdgeInputs(method);
        Parity.Check(method, inputs, Values.Vector([.. method.GetParameters().Select(_ => bounded ? small : Values.Mixed)]), randomSamples: 300);
    }

    [Fact]
    public void TheHomesGoToTheMostUsedVariables()
    {
        var stages = new List<StageOutput>();
        Jit.Compile<Func<long, long>>(Method(nameof(BaselinePrograms.SumTo)), new JitOptions { Optimize = false, Explain = stages.Add });
        var homes = stages.Single(s => s.Stage == "baseline: homes and frame").Text;
        // n, s and i are all read in the loop: each gets a callee-saved register (there are five); nothing else is used.
        Assert.Matches(@"arg0 Int64 -> (rbx|r12|r13|r14)\n", homes);
        Assert.Matches(@"loc0 Int64 -> (rbx|r12|r13|r14)\n", homes);
        Assert.Matches(@"loc1 Int64 -> (rbx|r12|r13|r14)\n", homes);
        Assert.Contains("frame", homes);
    }

    [Fact]
    public void ErrorsSurfaceAsTheClrsExceptions()
    {
        var divide = Jit.Compile<Func<int, int, int>>(Method(nameof(BaselinePrograms.DivideByZero)), new JitOptions { Optimize = false });
        Assert.Throws<DivideByZeroException>(() => divide(1, 0));
        Assert.Throws<OverflowException>(() => divide(int.MinValue, -1));
        Assert.Equal(int.MaxValue, divide(int.MinValue + 1, -1));
        var check = Jit.Compile<Func<int, int, int>>(Method(nameof(BaselinePrograms.Checked)), new JitOptions { Optimize = false });
        Assert.Throws<OverflowException>(() => check(65536, 65536));
        var deep = Jit.Compile<Func<int, int>>(Method(nameof(BaselinePrograms.Deep)), new JitOptions { Optimize = false });
        Assert.Equal(1000, deep(1000));
        Assert.Throws<InsufficientExecutionStackException>(() => deep(100_000_000));
        Assert.Equal(7, deep(7));   // the thread and the code still work after the overflow
    }

    [Fact]
    public void AMethodItDoesNotTranslateGoesThroughTheIr()
    {
        var log = new List<string>();
        var sum = Jit.Compile<Func<int, int>>(Method(nameof(BaselinePrograms.Sum)), new JitOptions { Optimize = false, Log = log.Add });
        Assert.Equal(BaselinePrograms.Sum(5), sum(5));
        Assert.Contains(log, line => line.Contains("baseline: BaselinePrograms.Sum goes through the IR: a local has type Span`1"));
    }

    /// <summary>Arrays in one pass: each method is translated (no IR), and every outcome — the value, or the exception
    /// for a null array or an index out of range, negative or past the end — and every array afterwards is the CLR's.</summary>
    [Fact]
    public void ArraysAreTranslatedWithTheClrsChecks()
    {
        foreach (var name in new[] { nameof(BaselinePrograms.SumArray), nameof(BaselinePrograms.Kinds), nameof(BaselinePrograms.Reverse), nameof(BaselinePrograms.SumPointer) })
        {
            var stages = Stages(Method(name));
            Assert.Contains($"BaselinePrograms.{name}: baseline: homes and frame", stages);
            Assert.DoesNotContain(stages, s => s.StartsWith("BaselinePrograms.", StringComparison.Ordinal) && s.EndsWith(": IR", StringComparison.Ordinal));
        }
        var options = new JitOptions { Optimize = false };
        var sumArray = Jit.Compile<Func<int[], int>>(Method(nameof(BaselinePrograms.SumArray)), options);
        var reverse = Jit.Compile<Func<int[], int>>(Method(nameof(BaselinePrograms.Reverse)), options);
        var kinds = Jit.Compile<Func<sbyte[], ushort[], long[], double[], float[], bool[], int, long>>(Method(nameof(BaselinePrograms.Kinds)), options);
        var random = new Random(12);
        foreach (int length in new[] { 0, 1, 2, 7, 64 })
        {
            int[] ints = [.. Enumerable.Range(0, length).Select(_ => random.Next(int.MinValue, int.MaxValue))];
            Assert.Equal(Outcome(() => BaselinePrograms.SumArray(ints)), Outcome(() => sumArray(ints)));
            int[] mine = [.. ints], theirs = [.. ints];
            Assert.Equal(Outcome(() => BaselinePrograms.Reverse(theirs)), Outcome(() => reverse(mine)));
            Assert.Equal(theirs, mine);
            foreach (int i in new[] { 0, length / 2, length - 1, length, -1, int.MinValue, int.MaxValue })
            {
                (sbyte[], ushort[], long[], double[], float[], bool[]) Arrays(int seed)
                {
                    var r = new Random(seed);
                    return ([.. Enumerable.Range(0, length).Select(_ => (sbyte)r.Next())], [.. Enumerable.Range(0, length).Select(_ => (ushort)r.Next())],
                        [.. Enumerable.Range(0, length).Select(_ => r.NextInt64())], [.. Enumerable.Range(0, length).Select(_ => r.NextDouble() * 1e6 - 5e5)],
                        [.. Enumerable.Range(0, length).Select(_ => (float)(r.NextDouble() * 100))], [.. Enumerable.Range(0, length).Select(_ => r.Next(2) == 1)]);
                }
                var (b1, u1, l1, d1, f1, z1) = Arrays(length * 31 + i);
                var (b2, u2, l2, d2, f2, z2) = Arrays(length * 31 + i);
                Assert.Equal(Outcome(() => BaselinePrograms.Kinds(b1, u1, l1, d1, f1, z1, i)), Outcome(() => kinds(b2, u2, l2, d2, f2, z2, i)));
                Assert.Equal(b1, b2);
                Assert.Equal(u1, u2);
                Assert.Equal(l1, l2);
                Assert.Equal(z1, z2);
                Assert.Equal(d1.Select(BitConverter.DoubleToInt64Bits), d2.Select(BitConverter.DoubleToInt64Bits));
                Assert.Equal(f1.Select(BitConverter.SingleToInt32Bits), f2.Select(BitConverter.SingleToInt32Bits));
            }
        }
        var sumPointer = Jit.Compile<PointerSum>(Method(nameof(BaselinePrograms.SumPointer)), options);
        long[] values = [3, -9, long.MaxValue, 12];
        fixed (long* p = values)
            for (int n = 0; n <= values.Length; n++) Assert.Equal(BaselinePrograms.SumPointer(p, n), sumPointer(p, n));
        Assert.Equal(0, sumPointer(null, 0));
        Assert.Throws<NullReferenceException>(() => sumPointer(null, 1));
        Assert.Equal(Outcome(() => BaselinePrograms.SumArray(null!)), Outcome(() => sumArray(null!)));
        Assert.Equal(Outcome(() => BaselinePrograms.Reverse(null!)), Outcome(() => reverse(null!)));
        Assert.Equal(Outcome(() => BaselinePrograms.Kinds([1], [1], null!, [1], [1], [true], 0)), Outcome(() => kinds([1], [1], null!, [1], [1], [true], 0)));
    }

    [Fact]
    public void StaticFieldsAreTranslatedAndShareTheManagedStorage()
    {
        Assert.Contains("BaselinePrograms.Bump: baseline: homes and frame", Stages(Method(nameof(BaselinePrograms.Bump))));
        var bump = Jit.Compile<Func<long, long>>(Method(nameof(BaselinePrograms.Bump)), new JitOptions { Optimize = false });
        BaselinePrograms.Counter = 0;
        Assert.Equal(6, bump(3));
        Assert.Equal(14, BaselinePrograms.Bump(4));   // the managed method sees what the compiled one wrote, and back
        Assert.Equal(16, bump(1));
        Assert.Equal(8, BaselinePrograms.Counter);
    }

    static string Outcome<T>(Func<T> run)
    {
        try { return $"= {run()}"; }
        catch (Exception e) { return e.GetType().Name; }
    }

    [Fact]
    public void AUnitMixesBaselineAndIrCode()
    {
        // The caller is translated by the baseline; the callee takes an address for a ref local, so it is compiled
        // through the IR, into the same unit, and called with the same convention.
        var method = Method(nameof(BaselinePrograms.CallsThroughRef));
        var stages = Stages(method);
        Assert.Contains("BaselinePrograms.CallsThroughRef: baseline: homes and frame", stages);
        Assert.Contains("BaselinePrograms.ThroughRef: baseline", stages);
        Assert.Contains("BaselinePrograms.ThroughRef: IR", stages);
        Parity.Check(method, Parity.EdgeInputs(method), Values.Vector([Values.Mixed]), randomSamples: 300);
    }

    [Fact]
    public void InvalidIlMetWhileTranslatingIsRewoundAndRefusedWithTheImportersReason()
    {
        // int32 + float64 passes the scan (each instruction is one the baseline knows) and is found out while
        // translating: the half-made code is dropped and the IR path says what is wrong.
        var method = EmittedMethod.Build(typeof(double), [], () => new IlWriter().Op(CilOp.Ldc_I4_1).Op(CilOp.Ldc_R8).F64(1.5).Op(CilOp.Add).Op(CilOp.Ret));
        var log = new List<string>();
        var error = Assert.Throws<JitException>(() => Parity.Compile(method, new JitOptions { Optimize = false, Log = log.Add }));
        Assert.Contains("cannot be combined", error.Message);
        Assert.Contains(log, line => line.Contains("goes through the IR: an integer and a floating-point operand (invalid IL)"));
    }
}
