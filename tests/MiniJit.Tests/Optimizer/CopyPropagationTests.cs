using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class CopyPropagationTests
{
    [Fact]
    public void ChainsOfCopiesCollapseToTheSource() => FileTest.Check(CopyPropagation.Run, """
        function T.Copies(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = copy v0
          v2:i64 = copy v1
          v3:i64 = add v2, v1
          return v3
        }
        """, """
        function T.Copies(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v3:i64 = add v0, v0
          return v3
        }
        """, 2);

    [Fact]
    public void LoopPhiThatOnlySeesItselfIsItsEntryValue() => FileTest.Check(CopyPropagation.Run, """
        function T.Loop(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          jump b1
        b1:
          v2:i64 = phi b0 v0, b1 v3
          v3:i64 = copy v2
          branch v1, b1, b2
        b2:
          return v3
        }
        """, """
        function T.Loop(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          jump b1
        b1:
          branch v1, b1, b2
        b2:
          return v0
        }
        """, 2);

    [Fact]
    public void PhisOfDistinctValuesStay() => FileTest.Check(CopyPropagation.Run, """
        function T.Diamond(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i64 = copy v0
          branch v1, b1, b2
        b1:
          v3:i64 = neg v0
          jump b3
        b2:
          jump b3
        b3:
          v4:i64 = phi b1 v3, b2 v2
          v5:i64 = phi b1 v0, b2 v2   ; both operands are v0 once the copy is gone
          v6:i64 = add v4, v5
          return v6
        }
        """, """
        function T.Diamond(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          branch v1, b1, b2
        b1:
          v3:i64 = neg v0
          jump b3
        b2:
          jump b3
        b3:
          v4:i64 = phi b1 v3, b2 v0
          v6:i64 = add v4, v0
          return v6
        }
        """, 2);
}
