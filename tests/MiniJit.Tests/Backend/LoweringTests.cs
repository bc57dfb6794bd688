using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.Tests.Backend;

/// <summary>Filetests for x64 lowering: IR text in, lowered IR text out.</summary>
public class LoweringTests
{
    [Fact]
    public void An_edge_from_a_branch_into_a_block_with_phis_gets_a_block_of_its_own()
    {
        var lowered = X64Lowering.Lower(IrParser.Parse("""
            function T.Edge(i32) -> i32 {
            b0:
              v0:i32 = param 0
              branch v0, b1, b2
            b1:
              v1:i32 = const 1
              jump b2
            b2:
              v2:i32 = phi b0 v0, b1 v1
              return v2
            }
            """));
        Assert.Equal("""
            function T.Edge(i32) -> i32 {
            b0:
              v0:i32 = param 0
              branch v0, b1, b3
            b1:
              v1:i32 = const 1
              jump b2
            b2:
              v2:i32 = phi b3 v0, b1 v1
              return v2
            b3:
              jump b2
            }

            """, IrPrinter.Print(lowered.Function));
        IrVerifier.Check(lowered.Function);
        // The edge block is laid out just before its target, so its jump falls through.
        Assert.Equal(["b0", "b1", "b3", "b2"], lowered.Layout.Select(b => b.Name));
    }

    [Fact]
    public void Division_needs_the_frame_and_constants_become_immediates()
    {
        var lowered = X64Lowering.Lower(IrParser.Parse("""
            function T.Div(i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 7
              v2:i64 = const 10000000000
              v3:i64 = div v0, v1
              v4:i64 = add v3, v2
              return v4
            }
            """));
        Assert.Equal("""
            function T.Div(i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 7
              v2:i64 = const 10000000000
              v3:i64 = div v0, v1
              v4:i64 = add v3, v2
              return v4
            }

            """, IrPrinter.Print(lowered.Function));
        Assert.True(lowered.NeedsFrame);          // its error stubs read the frame register
        Assert.True(lowered.Immediate[1]);    // fits in 32 bits: an immediate operand
        Assert.False(lowered.Immediate[2]);   // needs a register (mov r64, imm64)
        Assert.False(lowered.HasCalls);
    }

    [Fact]
    public void A_compare_used_only_by_the_next_branch_is_fused_and_one_used_twice_is_not()
    {
        var lowered = X64Lowering.Lower(IrParser.Parse("""
            function T.Cmp(i64, i64) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i64 = param 1
              v2:i32 = lt v0, v1
              branch v2, b1, b2
            b1:
              v3:i32 = eq v0, v1
              branch v3, b2, b3
            b2:
              v4:i32 = const 1
              return v4
            b3:
              v5:i32 = gt v0, v1
              return v5
            }
            """));
        Assert.True(lowered.Fused[2]);
        Assert.True(lowered.Fused[3]);
        Assert.False(lowered.Fused[5]);  // returned, so it must be materialized as 0 or 1
    }
}
