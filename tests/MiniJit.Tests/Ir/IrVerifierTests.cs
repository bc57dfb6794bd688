using MiniJit.Ir;

namespace MiniJit.Tests.Ir;

public class IrVerifierTests
{
    const string Valid = """
        function T.Max(i64, i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = param 1
          v2:i32 = lt v0, v1
          branch v2, b1, b2
        b1:
          jump b2
        b2:
          v3:i64 = phi b0 v0, b1 v1
          v4:i64 = sext32 v2
          v5:i64 = add v3, v4
          return v5
        }
        """;

    static string Problems(string text) => Problems(IrParser.Parse(text));

    static string Problems(Function function) => string.Join("\n", IrVerifier.Verify(function));

    [Fact]
    public void AValidFunctionHasNoProblems()
    {
        var function = IrParser.Parse(Valid);
        Assert.Empty(IrVerifier.Verify(function));
        IrVerifier.Check(function);
    }

    [Fact]
    public void UseNotDominatedByItsDefinition()
    {
        Assert.Contains("b2: 'return v1': v1 is used where its definition does not dominate", Problems("""
            function T.F(i32) -> i32 {
            b0:
              v0:i32 = param 0
              branch v0, b1, b2
            b1:
              v1:i32 = const 1
              jump b2
            b2:
              return v1
            }
            """));
        Assert.Contains("v2 is used where its definition does not dominate", Problems("""
            function T.G() -> i32 {
            b0:
              v1:i32 = add v2, v2
              v2:i32 = const 1
              return v1
            }
            """));
    }

    [Fact]
    public void PhiUseMustBeDominatedAtThePredecessorsEnd() => Assert.Contains("v6 is used where its definition does not dominate",
        Problems("""
            function T.F(i32) -> i32 {
            b0:
              v0:i32 = param 0
              branch v0, b1, b2
            b1:
              v6:i32 = const 1
              jump b2
            b2:
              v3:i32 = phi b0 v6, b1 v6
              return v3
            }
            """));

    [Fact]
    public void PhiWithTheWrongNumberOfOperands()
    {
        var function = IrParser.Parse(Valid);
        function.Blocks[2].Instrs[0].Args = [0];
        Assert.Contains("phi has 1 operands but the block has 2 predecessors", Problems(function));
    }

    [Fact]
    public void PredecessorsThatDoNotMatchTheTerminators()
    {
        var function = IrParser.Parse(Valid);
        function.Blocks[1].Preds.Add(function.Blocks[2]);
        Assert.Contains("b1: predecessors [b0, b2] but jumped to from [b0]", Problems(function));
    }

    [Fact]
    public void TypeMismatches()
    {
        var problems = Problems(Valid.Replace("v4:i64 = sext32 v2", "v4:i64 = sext32 v0").Replace("branch v2", "branch v0")
            .Replace("return v5", "return v2"));
        Assert.Contains("operand must be i32", problems);
        Assert.Contains("branch condition must be an i32", problems);
        Assert.Contains("function returns i64", problems);
        Assert.Contains("operand v4 is i32, the result is i64", Problems(Valid.Replace("v4:i64 = sext32 v2", "v4:i32 = copy v2")));
        Assert.Contains("compares i64 with i32", Problems(Valid.Replace("lt v0, v1", "lt v0, v2")));
    }

    [Fact]
    public void BlockShapeProblems()
    {
        Assert.Contains("b2: does not end with a terminator", Problems(Valid.Replace("  return v5\n", "")));
        Assert.Contains("terminator before the end of the block", Problems(Valid.Replace("  return v5\n", "  return v5\n  return v5\n")));
        Assert.Contains("phi after a non-phi instruction", Problems(Valid.Replace("v3:i64 = phi b0 v0, b1 v1\n  v4:i64 = sext32 v2",
            "v4:i64 = sext32 v2\n  v3:i64 = phi b0 v0, b1 v1")));
        var empty = IrParser.Parse(Valid);
        empty.Blocks[1].Instrs.Clear();
        Assert.Contains("b1: empty block", Problems(empty));
    }

    [Fact]
    public void ValuesDefinedTwiceOrNever()
    {
        Assert.Contains("v3 is defined more than once", Problems(Valid.Replace("v4:i64 = sext32", "v3:i64 = sext32")));
        Assert.Contains("v8 is never defined", Problems(Valid.Replace("add v3, v4", "add v3, v8")));
    }

    [Fact]
    public void CheckThrowsWithEveryProblem()
    {
        var error = Assert.Throws<InvalidOperationException>(() => IrVerifier.Check(IrParser.Parse(Valid.Replace("lt v0, v1", "lt v0, v2"))));
        Assert.Contains("invalid IR in T.Max", error.Message);
        Assert.Contains("compares i64 with i32", error.Message);
    }
}
