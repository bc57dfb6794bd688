using MiniJit.Cil;

namespace MiniJit.Tests.Cil;

public class CilPrinterTests
{
    static CilMethod Sample(string name) => CilMethod.FromMethod(typeof(CilSamples).GetMethod(name)!);

    static readonly int s_fib = typeof(CilSamples).GetMethod(nameof(CilSamples.Fib))!.MetadataToken;
    static readonly int s_count = typeof(Counter).GetField(nameof(Counter.Count))!.MetadataToken;
    static readonly int s_value = typeof(Counter).GetField(nameof(Counter.Value))!.MetadataToken;
    static readonly int s_ctor = typeof(Counter).GetConstructor([typeof(int)])!.MetadataToken;
    static readonly int s_point = typeof(Point).MetadataToken;
    const int CalliSignature = 0x11000001;

    // Built by hand so that the expected text does not depend on how the C# compiler lays out IL.
    static CilInstruction[] HandWritten(int stringToken) => CilReader.Decode(new IlWriter()
        .Op(CilOp.Ldarg_0)
        .Op(CilOp.Ldc_I4_S).I8(10)
        .Op(CilOp.Bge_S).I8(5)
        .Op(CilOp.Call).I32(s_fib)
        .Op(CilOp.Switch).I32(2).I32(0).I32(5)
        .Op(CilOp.Ldc_R4).F32(0.25f)
        .Op(CilOp.Ldc_R8).F64(2.5)
        .Op(CilOp.Ldstr).I32(stringToken)
        .Op(CilOp.Ldsfld).I32(s_count)
        .Op(CilOp.Newobj).I32(s_ctor)
        .Op(CilOp.Ldfld).I32(s_value)
        .Op(CilOp.Box).I32(s_point)
        .Op(CilOp.Ldc_I8).I64(-1)
        .Op(CilOp.Ldloc_S).U8(3)
        .Op(CilOp.Unaligned).U8(4)
        .Op(CilOp.Ldarg).U16(300)
        .Op(CilOp.Calli).I32(CalliSignature)
        .Op(CilOp.Ldtoken).I32(s_point)
        .Op(CilOp.Tail)
        .Op(CilOp.Call).I32(s_fib)
        .Op(CilOp.Ret)
        .ToArray());

    static string Expected(string fib, string stringText, string count, string ctor, string value, string point) =>
        $"""
        IL_0000: ldarg.0
        IL_0001: ldc.i4.s 10
        IL_0003: bge.s IL_000a
        IL_0005: call {fib}
        IL_000a: switch (IL_0017, IL_001c)
        IL_0017: ldc.r4 0.25
        IL_001c: ldc.r8 2.5
        IL_0025: ldstr {stringText}
        IL_002a: ldsfld {count}
        IL_002f: newobj {ctor}
        IL_0034: ldfld {value}
        IL_0039: box {point}
        IL_003e: ldc.i8 -1
        IL_0047: ldloc.s 3
        IL_0049: unaligned. 4
        IL_004c: ldarg 300
        IL_0050: calli 0x11000001
        IL_0055: ldtoken {point}
        IL_005a: tail.
        IL_005c: call {fib}
        IL_0061: ret

        """.ReplaceLineEndings("\n");

    [Fact]
    public void Prints_hand_written_IL_with_tokens_resolved()
    {
        var method = Sample(nameof(CilSamples.Escaped));
        var text = CilPrinter.Print(HandWritten(method.Decode()[0].Token), method);
        var expected = Expected(
            fib: "Int64 CilSamples::Fib(Int64)",
            stringText: "\"say \\\"hi\\\"\\n\\\\\"",
            count: "Int32 Counter::Count",
            ctor: "Void Counter::.ctor(Int32)",
            value: "Int32 Counter::Value",
            point: "Point");
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Prints_tokens_in_hex_without_a_module()
    {
        const int stringToken = 0x70000001;
        var text = CilPrinter.Print(HandWritten(stringToken));
        var expected = Expected(Hex(s_fib), Hex(stringToken), Hex(s_count), Hex(s_ctor), Hex(s_value), Hex(s_point));
        Assert.Equal(expected, text);
    }

    static string Hex(int token) => $"0x{token:X8}";

    [Fact]
    public void Falls_back_to_hex_for_a_token_that_does_not_resolve()
    {
        var method = Sample(nameof(CilSamples.Add));
        var code = CilReader.Decode(new IlWriter().Op(CilOp.Call).I32(0x0A7FFFFF).Op(CilOp.Ret).ToArray());
        Assert.Equal("IL_0000: call 0x0A7FFFFF", CilPrinter.Format(code[0], method));
    }

    [Fact]
    public void Prints_a_method_with_its_header()
    {
        // An expression-bodied method compiles to the same IL in Debug and Release.
        var expected = """
            .method static Int32 CilSamples::Add(Int32 a, Int32 b)
            .maxstack 8
            IL_0000: ldarg.0
            IL_0001: ldarg.1
            IL_0002: add
            IL_0003: ret

            """.ReplaceLineEndings("\n");
        Assert.Equal(expected, CilPrinter.Print(Sample(nameof(CilSamples.Add))));
    }

    [Fact]
    public void Header_lists_locals_and_exception_clauses()
    {
        var lines = CilPrinter.Print(Sample(nameof(CilSamples.Guarded))).Split('\n');
        Assert.Equal(".method static Int32 CilSamples::Guarded(Int32[] values)", lines[0]);
        Assert.StartsWith(".locals init (Int32 V_0", lines[2]);
        Assert.Equal("// 2 exception clause(s)", lines[3]);
        // The offset depends on the configuration the tests are built in (Debug adds nops), the operand does not.
        Assert.Contains(lines, line => line.StartsWith("IL_00", StringComparison.Ordinal) && line.EndsWith(": ldsfld Int32 Counter::Count", StringComparison.Ordinal));
    }

    [Fact]
    public void Prints_generic_instantiations_readably()
    {
        var wrap = typeof(CilSamples).GetMethod(nameof(CilSamples.Wrap))!.MakeGenericMethod(typeof(int));
        var text = CilPrinter.Print(CilMethod.FromMethod(wrap));
        Assert.StartsWith(".method static List<Int32> CilSamples::Wrap<Int32>(Int32 value)\n", text);
        Assert.Contains(": newobj Void List<Int32>::.ctor(Int32)\n", text);
    }

    [Fact]
    public void Instruction_ToString_is_its_printed_line()
    {
        var code = CilReader.Decode(new IlWriter().Op(CilOp.Ldc_I4).I32(-7).Op(CilOp.Ret).ToArray());
        Assert.Equal("IL_0000: ldc.i4 -7", code[0].ToString());
    }

    [Theory]
    [InlineData(typeof(int[,]), "Int32[,]")]
    [InlineData(typeof(Dictionary<string, List<int>>), "Dictionary<String, List<Int32>>")]
    [InlineData(typeof(int*), "Int32*")]
    public void Type_names_are_short_and_readable(Type type, string expected) =>
        Assert.Equal(expected, CilPrinter.TypeName(type));
}
