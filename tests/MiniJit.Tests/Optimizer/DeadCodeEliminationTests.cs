using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class DeadCodeEliminationTests
{
    [Fact]
    public void UnusedChainsGoButEffectsAndPossibleTrapsStay() => FileTest.Check(DeadCodeElimination.Run, """
        function T.Dead(i64, i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = param 1
          v2:i64 = mul v0, v0
          v3:i64 = add v2, v1     ; dead, and so is v2 after it
          v4:i64 = div v0, v1     ; may divide by zero: stays
          v5:i64 = const 3
          v6:i64 = rem v0, v5     ; cannot trap: goes
          v7:i64 = const -1
          v8:i64 = div v0, v7     ; MinValue / -1 traps: stays
          v9:i64 = call T.Effect(v0)
          return v0
        }
        """, """
        function T.Dead(i64, i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = param 1
          v4:i64 = div v0, v1
          v7:i64 = const -1
          v8:i64 = div v0, v7
          v9:i64 = call T.Effect(v0)
          return v0
        }
        """, 4);

    [Fact]
    public void AnUnusedCheckedOperationStaysBecauseItMayOverflow() => FileTest.Check(DeadCodeElimination.Run, """
        function T.Checked(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i64 = mul.ovf v0, v0
          v3:i32 = conv.ovf.u2.un v1
          v4:i64 = add v0, v0
          return v0
        }
        """, """
        function T.Checked(i64, i32) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = param 1
          v2:i64 = mul.ovf v0, v0
          v3:i32 = conv.ovf.u2.un v1
          return v0
        }
        """, 1);

    [Fact]
    public void UnusedPhisAndParamsGo() => FileTest.Check(DeadCodeElimination.Run, """
        function T.Phi(i32, i64) -> void {
        b0:
          v0:i32 = param 0
          v1:i64 = param 1
          branch v0, b1, b2
        b1:
          v2:i64 = neg v1
          jump b2
        b2:
          v3:i64 = phi b0 v1, b1 v2
          v4:i64 = add v3, v3
          return
        }
        """, """
        function T.Phi(i32, i64) -> void {
        b0:
          v0:i32 = param 0
          branch v0, b1, b2
        b1:
          jump b2
        b2:
          return
        }
        """, 4);

    [Fact]
    public void LiveCodeIsUntouched() => FileTest.Check(DeadCodeElimination.Run, """
        function T.Live(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = mul v0, v0
          return v1
        }
        """, """
        function T.Live(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = mul v0, v0
          return v1
        }
        """, 0);
}
