using MiniJit.Ir;

namespace MiniJit.Tests.Ir;

public class IrParserTests
{
    const string Example = """
        function Program.Foo(i64, i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = param 1
          v2:i64 = mul v0, v0
          v3:i64 = const -5
          v4:i32 = lt v0, v1
          branch v4, b1, b2
        b1:
          v5:i64 = phi b0 v0, b2 v3
          v6:i64 = call Program.Fib(v5)
          return v6
        b2:
          switch v4, b1, b2, default b3
        b3:
          v8:f64 = const 0.1
          v9:f32 = const 0.10000000149011612
          call Program.Log(v8, v9)
          return v2
        }

        """;

    [Fact]
    public void PrintingAParsedFunctionGivesTheSameText()
    {
        var function = IrParser.Parse(Example);
        Assert.Equal(Example, IrPrinter.Print(function));
        Assert.Equal([function.Blocks[0], function.Blocks[2]], function.Blocks[1].Preds);
        Assert.Equal(IrType.Void, function.ValueTypes[7]);
        Assert.Equal("Program.Fib", function.Blocks[1].Instrs[1].Callee!.Name);
    }

    [Fact]
    public void PhiOperandsFollowThePredecessorOrderAndCommentsAreIgnored()
    {
        var function = IrParser.Parse("""
            ; a loop counting down
            function T.Loop(i32) -> i32 {
            b0:
              v0:i32 = param 0
              jump b1
            b1:
              v1:i32 = phi b1 v2, b0 v0   ; written back-edge first
              v2:i32 = add v1, v1
              branch v2, b1, b2
            b2:
              return v1
            }
            """);
        Assert.Equal("  v1:i32 = phi b0 v0, b1 v2", IrPrinter.Print(function).Split('\n')[5]);
        Assert.Equal(3, function.NewBlock().Id);
    }

    [Theory]
    [InlineData("func T() -> void {\n}", 1, "expected 'function")]
    [InlineData("function T() -> void {\nb0:\n  return\n", 3, "expected '}'")]
    [InlineData("function T() -> void {\nb0:\n  v0:i32 = frob v1\n  return\n}", 3, "unknown operation 'frob'")]
    [InlineData("function T() -> void {\nb0:\n  jump b7\n}", 3, "unknown block 'b7'")]
    [InlineData("function T() -> void {\nb0:\n  v0:i33 = const 1\n  return\n}", 3, "unknown IR type 'i33'")]
    [InlineData("function T() -> void {\n  return\n}", 2, "before the first block")]
    [InlineData("function T() -> void {\nb0:\n  v0:i32 = const x\n  return\n}", 3, "expected an integer")]
    [InlineData("function T() -> void {\nb0:\n  v0:i32 = add v1, 7\n  return\n}", 3, "found '7'")]
    [InlineData("function T() -> void {\nb0:\n  jump b1\nb1:\n  v0:i32 = phi b0 v1, b0 v2\n  return\n}", 5, "each predecessor once")]
    [InlineData("function T() -> void {\nb0:\n  return\nb0:\n  return\n}", 4, "defined twice")]
    public void MalformedTextIsReportedWithItsLine(string text, int line, string message)
    {
        var error = Assert.Throws<FormatException>(() => IrParser.Parse(text));
        Assert.StartsWith($"IR line {line}: ", error.Message);
        Assert.Contains(message, error.Message);
    }
}

/// <summary>A struct of two eightbytes comes back in two registers: a function returns two values, and the caller reads
/// the second with result2 right after the call.</summary>
public class TwoResultTests
{
    const string TwoResults = """
        function Pair.Make(i64, f64) -> i64, f64 {
        b0:
          v0:i64 = param 0
          v1:f64 = param 1
          v2:i64 = call Pair.Other(v0, v1)
          v3:f64 = result2 v2
          return v2, v3
        }

        """;

    [Fact]
    public void PrintsParsesAndVerifies()
    {
        var function = IrParser.Parse(TwoResults);
        Assert.Equal(TwoResults, IrPrinter.Print(function));
        Assert.Equal(IrType.F64, function.SecondReturnType);
        IrVerifier.Check(function);
    }

    [Theory]
    // result2 must sit right after its call, whose result it names.
    [InlineData("v3:f64 = result2 v2", "v9:i64 = const 1\n  v3:f64 = result2 v2", "result2 must follow the call whose result is its operand")]
    [InlineData("v3:f64 = result2 v2", "v3:f64 = result2 v0", "result2 must follow the call whose result is its operand")]
    // return gives exactly the function's results.
    [InlineData("return v2, v3", "return v2", "function returns i64, f64")]
    [InlineData("-> i64, f64", "-> i64", "function returns i64")]
    public void MisuseIsReported(string from, string to, string problem)
    {
        var e = Assert.Throws<InvalidOperationException>(() => IrVerifier.Check(IrParser.Parse(TwoResults.Replace(from, to))));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void TheSystemVRegistersOfTwoResultsFollowTheirClasses()
    {
        var cc = MiniJit.Lowering.CallingConvention.SystemV;
        Assert.Equal([MiniJit.Assembler.Register.Rax, MiniJit.Assembler.Register.Rdx], cc.ResultRegisters(IrType.I64, IrType.I64));
        Assert.Equal([MiniJit.Assembler.Register.Xmm0, MiniJit.Assembler.Register.Xmm1], cc.ResultRegisters(IrType.F64, IrType.F64));
        Assert.Equal([MiniJit.Assembler.Register.Rax, MiniJit.Assembler.Register.Xmm0], cc.ResultRegisters(IrType.I64, IrType.F64));
        Assert.Equal([MiniJit.Assembler.Register.Xmm0, MiniJit.Assembler.Register.Rax], cc.ResultRegisters(IrType.F64, IrType.I64));
    }
}
