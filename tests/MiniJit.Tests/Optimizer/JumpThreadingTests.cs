using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class JumpThreadingTests
{
    [Fact]
    public void EmptyBlocksAreBypassed() => FileTest.Check(JumpThreading.Run, """
        function T.Bypass(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          branch v1, b1, b2
        b1:
          jump b3
        b2:
          jump b3
        b3:
          return v0
        }
        """, """
        function T.Bypass(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          branch v1, b3, b3
        b3:
          return v0
        }
        """, 2);

    [Fact]
    public void BypassKeepsPhiOperandsInStep() => FileTest.Check(JumpThreading.Run, """
        function T.Phi(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          branch v1, b1, b2
        b1:
          jump b3
        b2:
          v2:i64 = neg v0
          jump b3
        b3:
          v3:i64 = phi b1 v0, b2 v2
          return v3
        }
        """, """
        function T.Phi(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          branch v1, b3, b2
        b2:
          v2:i64 = neg v0
          jump b3
        b3:
          v3:i64 = phi b2 v2, b0 v0 ; b0 now brings what b1 brought
          return v3
        }
        """, 1);

    [Fact]
    public void NoBypassWhenThePredecessorAlreadyFeedsThePhi() => FileTest.Check(JumpThreading.Run, """
        function T.Keep(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i64 = neg v0
          branch v1, b1, b2
        b1:
          jump b2
        b2:
          v3:i64 = phi b0 v0, b1 v2
          return v3
        }
        """, """
        function T.Keep(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i64 = neg v0
          branch v1, b1, b2
        b1:
          jump b2
        b2:
          v3:i64 = phi b0 v0, b1 v2
          return v3
        }
        """, 0);

    [Fact]
    public void StraightLineChainsMerge() => FileTest.Check(JumpThreading.Run, """
        function T.Chain(i64) -> i64 {
        b0:
          v0:i64 = param 0
          jump b1
        b1:
          v1:i64 = phi b0 v0
          v2:i64 = add v1, v1
          jump b2
        b2:
          return v2
        }
        """, """
        function T.Chain(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = copy v0
          v2:i64 = add v1, v1
          return v2
        }
        """, 2);
}
