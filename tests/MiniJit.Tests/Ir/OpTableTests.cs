using MiniJit.Ir;
using MiniJit.Optimization;

namespace MiniJit.Tests.Ir;

/// <summary>The op table is the one description of every op; these check that it is complete and that folding reads it.</summary>
public class OpTableTests
{
    [Fact]
    public void Every_op_has_one_row_with_a_unique_name()
    {
        var ops = Enum.GetValues<Op>();
        Assert.All(ops, op => Assert.False(string.IsNullOrEmpty(op.Name()), $"{op} has no row"));
        Assert.Equal(ops.Length, ops.Select(op => op.Name()).Distinct().Count());
        Assert.All(ops, op => Assert.True(OpTable.TryParse(op.Name(), out var parsed) && parsed == op));
    }

    /// <summary>The ops that depend on more than their operands, and only those, have no rule (see <see cref="OpInfo.Rule"/>).</summary>
    [Fact]
    public void Every_op_that_computes_from_its_operands_has_a_rule()
    {
        Op[] withoutRule = [Op.Param, Op.Phi, Op.FrameAddress, Op.Call, Op.CallNative, Op.SecondResult, Op.EnsureTypeInitialized,
            Op.Jump, Op.Branch, Op.Switch, Op.ThrowViaHelper, Op.Return];
        foreach (var op in Enum.GetValues<Op>())
            Assert.True(withoutRule.Contains(op) == (op.Info().Rule is null), $"{op}: rule {(op.Info().Rule is null ? "missing" : "unexpected")}");
        Assert.All(withoutRule, op => Assert.Throws<NotSupportedException>(() => op.Evaluate(new OpInput(IrType.I64, IrType.I64, 0, 1))));
    }

    [Theory]
    [InlineData("fsign", "f64", 2.5, 1L)]
    [InlineData("fsign", "f32", -0.5, -1L)]
    [InlineData("ftoi.ovf 16,", "f64", -32768.9, -32768L)]
    public void A_throwing_float_op_folds_when_its_constant_does_not_throw(string op, string type, double operand, long expected)
    {
        string constant = operand.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        var function = IrParser.Parse($$"""
            function T.F() -> i32 {
            b0:
              v0:{{type}} = const {{constant}}
              v1:i32 = {{op}} v0
              return v1
            }
            """);
        Assert.Equal(1, ConstantFolding.Run(function));
        Assert.Equal(Op.Const, function.Entry.Instrs[1].Op);
        Assert.Equal(expected, function.Entry.Instrs[1].Imm);
    }

    [Theory]
    [InlineData("fsign v0", "NaN")]
    [InlineData("ftoi.ovf 16, v0", "40000")]
    [InlineData("ckfinite v0", "Infinity")]
    [InlineData("div v1, v2", "0")]
    [InlineData("add.ovf v3, v3", "0")]
    public void An_op_that_throws_on_its_constants_stays_to_throw_at_run_time(string instruction, string operand)
    {
        string type = instruction.StartsWith("ckfinite") ? "f64" : instruction.StartsWith("div") || instruction.StartsWith("add") ? "i64" : "i32";
        var function = IrParser.Parse($$"""
            function T.F() -> {{type}} {
            b0:
              v0:f64 = const {{operand}}
              v1:i64 = const 7
              v2:i64 = const 0
              v3:i64 = const {{long.MaxValue}}
              v4:{{type}} = {{instruction}}
              return v4
            }
            """);
        ConstantFolding.Run(function);
        Assert.Contains(function.Entry.Instrs, i => i.Result == 4 && i.Op != Op.Const);
    }
}
