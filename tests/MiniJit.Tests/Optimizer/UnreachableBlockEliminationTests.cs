using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class UnreachableBlockEliminationTests
{
    [Fact]
    public void DeadPredecessorLosesItsPhiOperand() => FileTest.Check(UnreachableBlockElimination.Run, """
        function T.Dead(i64) -> i64 {
        b0:
          v0:i64 = param 0
          jump b2
        b1:
          v1:i64 = const 7        ; nothing jumps here
          jump b2
        b2:
          v2:i64 = phi b0 v0, b1 v1
          return v2
        }
        """, """
        function T.Dead(i64) -> i64 {
        b0:
          v0:i64 = param 0
          jump b2
        b2:
          v2:i64 = phi b0 v0
          return v2
        }
        """, 1);

    [Fact]
    public void UnreachableLoopGoesAsAWhole() => FileTest.Check(UnreachableBlockElimination.Run, """
        function T.Loop() -> void {
        b0:
          return
        b1:
          jump b2
        b2:
          jump b1
        }
        """, """
        function T.Loop() -> void {
        b0:
          return
        }
        """, 2);

    [Fact]
    public void ReachableBlocksStay() => FileTest.Check(UnreachableBlockElimination.Run, """
        function T.Live(i32) -> void {
        b0:
          v0:i32 = param 0
          branch v0, b1, b0
        b1:
          return
        }
        """, """
        function T.Live(i32) -> void {
        b0:
          v0:i32 = param 0
          branch v0, b1, b0
        b1:
          return
        }
        """, 0);
}
