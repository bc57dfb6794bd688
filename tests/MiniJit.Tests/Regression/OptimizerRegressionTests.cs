using MiniJit.Optimization;
using MiniJit.Tests.Optimizer;

namespace MiniJit.Tests.Regression;

/// <summary>Optimizer bugs found by the random programs, reduced to filetests: input IR, one pass, expected IR.</summary>
public class OptimizerRegressionTests
{
    /// <summary>A phi that folds to a constant must not stay in front of the block's other phis (random programs 87
    /// and 143: the verifier reported "phi after a non-phi instruction").</summary>
    [Fact]
    public void FoldedPhiMovesBehindTheOtherPhis() => FileTest.Check(ConstantFolding.Run, """
        function T.Phis(i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = const 7
          branch v0, b1, b2
        b1:
          v2:i32 = const 7
          jump b2
        b2:
          v3:i32 = phi b0 v1, b1 v2
          v4:i32 = phi b0 v0, b1 v2
          v5:i32 = add v3, v4
          return v5
        }
        """, """
        function T.Phis(i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = const 7
          branch v0, b1, b2
        b1:
          v2:i32 = const 7
          jump b2
        b2:
          v4:i32 = phi b0 v0, b1 v2
          v3:i32 = const 7           ; both operands are 7
          v5:i32 = add v3, v4
          return v5
        }
        """, 1);
}
