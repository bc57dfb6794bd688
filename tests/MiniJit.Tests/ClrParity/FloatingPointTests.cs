using System.Reflection;
using MiniJit.Cil;
using MiniJit.Ir;
using MiniJit.Tests.Cil;

namespace MiniJit.Tests.ClrParity;

public static class FloatPrograms
{
    public static double Sum10(double a, double b, double c, double d, double e, double f, double g, double h, double i, double j) =>
        a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
    public static double CallsWithManyDoubles(double x, long n) =>
        Sum10(x, x + 1, x * 2, n, -x, x / 3, n * 0.5, x - n, 1.5, x) + Sum10(n, n, n, n, n, n, n, n, n, x);
    public static float MixedClasses(int a, float b, long c, double d, uint e, float f) => a * b + c - (float)d * e / f;
    public static double AcrossCalls(double x) => Math.Sin(x) * Math.Cos(x) + Math.Sqrt(Math.Abs(x)) * Math.Exp(-x * x);
    public static double Horner(double x) => ((((0.5 * x - 1.25) * x + 3.0) * x - 0.1) * x + 7.0) * x - 2.0;
    public static int Mandelbrot(double cr, double ci, int limit)
    {
        double zr = 0, zi = 0;
        int n = 0;
        while (n < limit && zr * zr + zi * zi <= 4.0)
        {
            double t = zr * zr - zi * zi + cr;
            zi = 2 * zr * zi + ci;
            zr = t;
            n++;
        }
        return n;
    }
    public static double NewtonSqrt(double a)
    {
        if (!(a > 0)) return 0;
        double x = a;
        for (int i = 0; i < 100 && Math.Abs(x * x - a) > 1e-12 * a; i++) x = 0.5 * (x + a / x);
        return x;
    }
    public static double Recursive(double x, int depth) => depth <= 0 ? x : Recursive(x * 0.5 + 1, depth - 1) + x;
    public static long Swaps(double a, double b, int n)
    {
        for (int i = 0; i < (n & 63); i++) (a, b) = (b, a + b * 0.5);
        return (long)a ^ (long)b;
    }
}

/// <summary>float and double beyond the opcode matrix: calls that pass many doubles (some on the stack), values live
/// across calls (System V saves no xmm register), loops that carry doubles, the opcodes C# never emits (ckfinite,
/// conv.r.un followed by something else), and what the generated code looks like.</summary>
public class FloatingPointTests
{
    static MethodInfo Program(string name) => typeof(FloatPrograms).GetMethod(name)!;

    [Theory]
    [InlineData(nameof(FloatPrograms.CallsWithManyDoubles))]
    [InlineData(nameof(FloatPrograms.MixedClasses))]
    [InlineData(nameof(FloatPrograms.AcrossCalls))]
    [InlineData(nameof(FloatPrograms.Horner))]
    [InlineData(nameof(FloatPrograms.NewtonSqrt))]
    [InlineData(nameof(FloatPrograms.Swaps))]
    public void ProgramsMatchTheClr(string name)
    {
        var m = Program(name);
        Parity.Check(m, Parity.EdgeInputs(m), Values.Vector([.. m.GetParameters().Select(_ => Values.Mixed)]), randomSamples: 200);
    }

    static readonly Dictionary<string, (Func<double, double, double> Double, Func<float, float, float> Single)> MathLibrary = new()
    {
        ["Sin"] = ((a, _) => Math.Sin(a), (a, _) => MathF.Sin(a)),
        ["Cos"] = ((a, _) => Math.Cos(a), (a, _) => MathF.Cos(a)),
        ["Tan"] = ((a, _) => Math.Tan(a), (a, _) => MathF.Tan(a)),
        ["Asin"] = ((a, _) => Math.Asin(a), (a, _) => MathF.Asin(a)),
        ["Acos"] = ((a, _) => Math.Acos(a), (a, _) => MathF.Acos(a)),
        ["Atan"] = ((a, _) => Math.Atan(a), (a, _) => MathF.Atan(a)),
        ["Sinh"] = ((a, _) => Math.Sinh(a), (a, _) => MathF.Sinh(a)),
        ["Cosh"] = ((a, _) => Math.Cosh(a), (a, _) => MathF.Cosh(a)),
        ["Tanh"] = ((a, _) => Math.Tanh(a), (a, _) => MathF.Tanh(a)),
        ["Exp"] = ((a, _) => Math.Exp(a), (a, _) => MathF.Exp(a)),
        ["Log"] = ((a, _) => Math.Log(a), (a, _) => MathF.Log(a)),
        ["Log10"] = ((a, _) => Math.Log10(a), (a, _) => MathF.Log10(a)),
        ["Log2"] = ((a, _) => Math.Log2(a), (a, _) => MathF.Log2(a)),
        ["Cbrt"] = ((a, _) => Math.Cbrt(a), (a, _) => MathF.Cbrt(a)),
        ["Atan2"] = ((a, b) => Math.Atan2(a, b), (a, b) => MathF.Atan2(a, b)),
        ["Pow"] = ((a, b) => Math.Pow(a, b), (a, b) => MathF.Pow(a, b)),
        ["Rem"] = ((a, b) => a % b, (a, b) => a % b),
    };

    public static TheoryData<string> MathLibraryFunctions() => [.. MathLibrary.Keys];

    /// <summary>The C library's functions are the CLR's, so the bits agree on every input — NaNs included, sign and
    /// payload, since CopySign and BitConverter can see them: 20,000 pairs per function and width, half of them random
    /// IEEE bits (every magnitude, NaNs, subnormals), half ordinary values.</summary>
    [Theory]
    [MemberData(nameof(MathLibraryFunctions))]
    public void TheMathLibraryGivesTheClrsBits(string name)
    {
        var (managedDouble, managedSingle) = MathLibrary[name];
        var (compiledDouble, compiledSingle) = (Jit.Compile(managedDouble), Jit.Compile(managedSingle));
        Assert.Contains("call r11", Jit.Disassemble(compiledDouble));  // a call into the C library, not a managed method
        var random = new Random(17);
        double Next() => random.Next(2) == 0 ? BitConverter.Int64BitsToDouble(random.NextInt64()) : (random.NextDouble() - 0.5) * 40;
        for (int i = 0; i < 20_000; i++)
        {
            double a = Next(), b = Next();
            double expected = managedDouble(a, b), actual = compiledDouble(a, b);
            if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(actual))
                Assert.Fail($"Math.{name}({a:R}, {b:R}): CLR {BitConverter.DoubleToInt64Bits(expected):x16}, MiniJit {BitConverter.DoubleToInt64Bits(actual):x16}");
            float fa = (float)a, fb = (float)b;
            float expectedSingle = managedSingle(fa, fb), actualSingle = compiledSingle(fa, fb);
            if (BitConverter.SingleToInt32Bits(expectedSingle) != BitConverter.SingleToInt32Bits(actualSingle))
                Assert.Fail($"MathF.{name}({fa:R}, {fb:R}): CLR {BitConverter.SingleToInt32Bits(expectedSingle):x8}, MiniJit {BitConverter.SingleToInt32Bits(actualSingle):x8}");
        }
    }

    /// <summary>The CLR's Math.Log and Log2 answer +NaN for a negative number where glibc answers -NaN; CopySign shows
    /// the difference (random program 5200611).</summary>
    [Fact]
    public void TheLogOfANegativeNumberIsThePositiveNaNTheClrGives()
    {
        var log = Jit.Compile<Func<double, double>>(x => Math.CopySign(1.0, Math.Log(x)) + Math.CopySign(2.0, Math.Log2(x)));
        foreach (var x in new[] { -440.28, -1.0, double.NegativeInfinity, -double.Epsilon, -0.0, 0.0, 2.0, double.NaN, -double.NaN })
            Assert.Equal(Math.CopySign(1.0, Math.Log(x)) + Math.CopySign(2.0, Math.Log2(x)), log(x));
        var unoptimized = Jit.Compile<Func<double, double>>(x => Math.CopySign(1.0, Math.Log(x)), new JitOptions { Optimize = false });
        Assert.Equal(1.0, unoptimized(-3.0));
    }

    [Fact]
    public void AFunctionTheCLibraryLacksIsAJitException()
    {
        var e = Assert.Throws<JitException>(() => MiniJit.Binding.CMathLibrary.AddressOf("no_such_function"));
        Assert.Contains("no_such_function", e.Message);
        Assert.Equal(MiniJit.Binding.CMathLibrary.AddressOf("sin"), MiniJit.Binding.CMathLibrary.AddressOf("sin"));
    }

    [Fact]
    public void MandelbrotMatchesTheClr()
    {
        var m = Program(nameof(FloatPrograms.Mandelbrot));
        var points = from r in new[] { -2.0, -1.5, -0.75, -0.1, 0.25, 0.3, 0.5, double.NaN }
                     from i in new[] { -1.0, -0.5, 0.0, 0.1, 0.65, double.PositiveInfinity }
                     select new object?[] { r, i, 500 };
        Parity.Check(m, points, Values.Vector([Values.Mixed, Values.Mixed, Values.Bounded(0, 300)]), randomSamples: 100);
    }

    [Fact]
    public void RecursionWithDoublesMatchesTheClr()
    {
        var m = Program(nameof(FloatPrograms.Recursive));
        Parity.Check(m, [[1.5, 10], [-0.0, 3], [double.NaN, 2], [1e308, 50]], Values.Vector([Values.Mixed, Values.Bounded(-2, 100)]), randomSamples: 100);
    }

    static object?[][] DoubleInputs => [.. Values.FloatEdges.Select(raw => new object?[] { Values.Convert(raw, typeof(double)) })];

    [Fact]
    public void CkfiniteThrowsOverflowExceptionForNaNAndInfinitiesOnly()
    {
        foreach (var type in new[] { typeof(double), typeof(float) })
        {
            var m = EmittedMethod.Build(type, [type], () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Ckfinite).Op(CilOp.Ret));
            // ECMA-335 asks for an ArithmeticException; the CLR throws the more specific OverflowException.
            Assert.Throws<OverflowException>(() => Invoke(m, type == typeof(double) ? double.NaN : (object)float.NaN));
            Parity.Check(m, Values.FloatEdges.Select(raw => new object?[] { Values.Convert(raw, type) }), Values.Vector([Values.Mixed]), randomSamples: 50);
        }
    }

    static object? Invoke(MethodInfo m, object value)
    {
        try
        {
            return m.Invoke(null, [value]);
        }
        catch (TargetInvocationException e)
        {
            throw e.InnerException!;
        }
    }

    /// <summary>conv.r.un reads the integer unsigned; only when conv.r4 follows at once does the CLR convert in one
    /// rounding step, so each shape is checked: alone, into float, and into float through a local (two roundings).</summary>
    [Theory]
    [InlineData(typeof(long), false, false)]
    [InlineData(typeof(long), true, false)]
    [InlineData(typeof(long), true, true)]
    [InlineData(typeof(int), false, false)]
    [InlineData(typeof(int), true, false)]
    public void UnsignedConversionsMatchTheClr(Type from, bool toFloat, bool throughLocal)
    {
        var il = new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Conv_R_Un);
        if (throughLocal) il.Op(CilOp.Stloc_0).Op(CilOp.Ldloc_0);
        if (toFloat) il.Op(CilOp.Conv_R4);
        il.Op(CilOp.Ret);
        var m = EmittedMethod.Build(toFloat ? typeof(float) : typeof(double), [from], () => il, locals: throughLocal ? [typeof(double)] : null);
        ulong[] hard = [0x8000_0080_0000_0001, 0x2000_0020_0000_0001, ulong.MaxValue, 9007199254740993, 0x8000_0000_0000_0000, 1];
        Parity.Check(m, [.. Parity.EdgeInputs(m), .. hard.Select(u => new object?[] { Values.Convert((long)u, from) })],
            Values.Vector([Values.Mixed]), randomSamples: 200);
    }

    /// <summary>The .un checked conversions from floating point behave as the signed ones (C# never emits them).</summary>
    [Theory]
    [InlineData(CilOp.Conv_Ovf_I4_Un, typeof(int))]
    [InlineData(CilOp.Conv_Ovf_U8_Un, typeof(ulong))]
    [InlineData(CilOp.Conv_Ovf_U1_Un, typeof(byte))]
    public void CheckedUnsignedConversionsFromDoubleMatchTheClr(CilOp op, Type to)
    {
        var m = EmittedMethod.Build(to, [typeof(double)], () => new IlWriter().Op(CilOp.Ldarg_0).Op(op).Op(CilOp.Ret));
        Parity.Check(m, DoubleInputs, Values.Vector([Values.Mixed]), randomSamples: 100);
    }

    /// <summary>CIL's F type covers both widths: adding a float constant to a double widens it, as RyuJIT does.</summary>
    [Fact]
    public void MixedWidthsOnTheStackWiden()
    {
        var m = EmittedMethod.Build(typeof(double), [typeof(double)],
            () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Ldc_R4).F32(0.1f).Op(CilOp.Add).Op(CilOp.Ret));
        Parity.Check(m, DoubleInputs, Values.Vector([Values.Mixed]), randomSamples: 50);
    }

    [Fact]
    public void FloatingPointOnIntegerOnlyOpcodesIsInvalidIl()
    {
        var m = EmittedMethod.Build(typeof(double), [typeof(double)], () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Not).Op(CilOp.Ret));
        var e = Assert.Throws<JitException>(() => Parity.Compile(m, null));
        Assert.Equal("not", e.OpCode);
        Assert.Contains("needs an integer operand", e.Reason);
    }

    [Fact]
    public void MathRoundWithAModeComputedAtRunTimeIsRefused()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<double, int, double>>((x, mode) => Math.Round(x, (MidpointRounding)mode)));
        Assert.Contains("rounding mode computed at run time", e.Reason);
    }

    [Fact]
    public void ConstantsComeFromTheConstantPoolAndResultsStayInXmmRegisters()
    {
        var horner = Jit.Compile<Func<double, double>>(FloatPrograms.Horner);
        var text = Jit.Disassemble(horner);
        Assert.Contains("mulsd", text);
        Assert.Matches(@"(addsd|subsd|mulsd) xmm\d+, \[0x[0-9a-f]+\]  ; 3\n", text);  // read from the pool, shown with its value
        Assert.Contains("constant pool:", text);
        Assert.DoesNotContain("movabs", text);  // no constant travels through an integer register
        Assert.Equal(FloatPrograms.Horner(1.7), horner(1.7));
    }

    [Fact]
    public void ConversionsAndSqrtClearTheirDestinationFirst()
    {
        var text = Jit.Disassemble(Jit.Compile<Func<long, double>>(n => Math.Sqrt(n) + n));
        int convert = text.IndexOf("cvtsi2sd", StringComparison.Ordinal), clear = text.IndexOf("xorps", StringComparison.Ordinal);
        Assert.True(clear >= 0 && clear < convert, text);
    }

    [Fact]
    public void FusedMultiplyAddIsOneInstructionWithFma3()
    {
        var fma = Jit.Compile<Func<double, double, double, double>>((a, b, c) => Math.FusedMultiplyAdd(a, b, c));
        Assert.Contains(System.Runtime.Intrinsics.X86.Fma.IsSupported ? "vfmadd213sd" : "call", Jit.Disassemble(fma));
        Assert.Equal(Math.FusedMultiplyAdd(0.1, 10, -1), fma(0.1, 10, -1));  // 5.551115123125783E-17, not the 0 of two roundings
    }

    /// <summary>Managed code leaves the upper ymm halves dirty, and every legacy SSE instruction would then wait on
    /// them: the delegate path ran the Horner kernel 5× slower than the raw pointer until the entry stub cleared them.</summary>
    [Fact]
    public void TheEntryStubClearsTheUpperYmmHalves()
    {
        var text = Jit.Disassemble(Jit.Compile<Func<double, double>>(FloatPrograms.Horner));
        var stub = text[text.IndexOf("entry stub:", StringComparison.Ordinal)..];
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported) Assert.Contains("vzeroupper", stub.Split('\n')[1]);
        else Assert.DoesNotContain("vzeroupper", stub);
        // Integer code has no SSE instruction to slow down.
        Assert.DoesNotContain("vzeroupper", Jit.Disassemble(Jit.Compile<Func<long, long>>(x => x * 3)));
    }

    [Fact]
    public void ExplainShowsAFloatingPointMethodEndToEnd()
    {
        var stages = new List<StageOutput>();
        Jit.Compile<Func<double, double>>(FloatPrograms.Horner, new JitOptions { Explain = stages.Add });
        Assert.Contains(stages, s => s.Stage == "IR" && s.Text.Contains("fmul") && s.Text.Contains(":f64"));
        Assert.Contains(stages, s => s.Stage == "live intervals and locations" && s.Text.Contains("xmm"));
        Assert.Contains(stages, s => s.Stage.StartsWith("machine code", StringComparison.Ordinal) && s.Text.Contains("mulsd"));
    }
}

/// <summary>The IR's floating-point operations: their text form round-trips and the interpreter gives the CLR's values.</summary>
public class FloatingPointIrTests
{
    const string Text = """
        function T.F(f64, i64) -> f64 {
        b0:
          v0:f64 = param 0
          v1:i64 = param 1
          v2:f64 = itof v1
          v3:f64 = fadd v0, v2
          v4:f64 = call.c sin(v3)
          v5:i32 = ftoi.ovf 16, v3
          v6:f32 = fconv v3
          v7:f64 = fconv v6
          v8:f64 = fmax v7, v4
          v9:i32 = fle.u v8, v0
          branch v9, b1, b2
        b1:
          return v8
        b2:
          v10:f64 = fneg v8
          return v10
        }
        """;

    [Fact]
    public void TextRoundTrips()
    {
        var function = IrParser.Parse(Text);
        IrVerifier.Check(function);
        Assert.Equal(IrPrinter.Print(function), IrPrinter.Print(IrParser.Parse(IrPrinter.Print(function))));
        Assert.Contains("ftoi.ovf 16, v3", IrPrinter.Print(function));
        Assert.Contains("call.c sin(v3)", IrPrinter.Print(function));
    }

    [Theory]
    [InlineData(0.5, 3)]
    [InlineData(-7.25, 2)]
    [InlineData(100.25, -1)]
    public void InterpreterComputesWhatCSharpDoes(double x, long n)
    {
        var function = IrParser.Parse(Text);
        double v3 = x + n, v4 = Math.Sin(v3), v8 = Math.Max((double)(float)v3, v4);
        double expected = !(v8 > x) ? v8 : -v8;
        var bits = IrInterpreter.Run(function, [BitConverter.DoubleToInt64Bits(x), n])!.Value;
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), bits);
    }

    [Fact]
    public void CheckedConversionOutOfRangeThrowsInTheInterpreter()
    {
        var function = IrParser.Parse(Text);
        Assert.Throws<OverflowException>(() => IrInterpreter.Run(function, [BitConverter.DoubleToInt64Bits(1e10), 0]));
        Assert.Throws<OverflowException>(() => IrInterpreter.Run(function, [BitConverter.DoubleToInt64Bits(double.NaN), 0]));
    }

    [Fact]
    public void VerifierRefusesMixedClasses()
    {
        var function = IrParser.Parse("""
            function T.Bad(f64) -> f64 {
            b0:
              v0:f64 = param 0
              v1:f64 = add v0, v0
              v2:i32 = feq v0, v1
              return v1
            }
            """);
        var e = Assert.Throws<InvalidOperationException>(() => IrVerifier.Check(function));
        Assert.Contains("needs an integer type", e.Message);
    }
}
