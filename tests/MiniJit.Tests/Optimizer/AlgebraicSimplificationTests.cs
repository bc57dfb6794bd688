using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class AlgebraicSimplificationTests
{
    [Fact]
    public void IdentitiesBecomeCopiesAndConstants() => FileTest.Check(AlgebraicSimplification.Run, """
        function T.Identities(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = const 0
          v2:i64 = add v0, v1
          v3:i64 = const 1
          v4:i64 = mul v3, v2
          v5:i64 = sub v4, v0
          v6:i64 = xor v0, v0
          v7:i64 = const -1
          v8:i64 = or v7, v0
          v9:i64 = and v0, v7
          v10:i64 = xor v0, v7
          v11:i64 = sub v1, v0
          v12:i64 = rem v0, v3
          v13:i64 = const 64
          v14:i64 = shl v0, v13
          return v14
        }
        """, """
        function T.Identities(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i64 = const 0
          v2:i64 = copy v0
          v3:i64 = const 1
          v4:i64 = copy v0        ; the constant moved right, then x * 1
          v5:i64 = const 0        ; x - x, seen through the copies
          v6:i64 = const 0
          v7:i64 = const -1
          v8:i64 = const -1
          v9:i64 = copy v0
          v10:i64 = not v0
          v11:i64 = neg v0
          v12:i64 = const 0
          v13:i64 = const 64
          v14:i64 = copy v0       ; a count of 64 is masked to 0
          return v0
        }
        """, 10);

    [Fact]
    public void CheckedIdentitiesThatCannotOverflowBecomeCopiesAndConstants() => FileTest.Check(AlgebraicSimplification.Run, """
        function T.Checked(i32, i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = param 1
          v2:i32 = const 0
          v3:i32 = const 1
          v4:i32 = add.ovf v2, v0
          v5:i32 = add.ovf.un v4, v2
          v6:i32 = sub.ovf.un v5, v2
          v7:i32 = mul.ovf.un v3, v6
          v8:i32 = mul.ovf v7, v2
          v9:i32 = sub.ovf v1, v1
          v10:i32 = sub.ovf v2, v0
          v11:i32 = mul.ovf v0, v1
          v12:i32 = const 2
          v13:i32 = mul.ovf v0, v12
          v14:i32 = add.ovf v0, v3
          return v7
        }
        """, """
        function T.Checked(i32, i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = param 1
          v2:i32 = const 0
          v3:i32 = const 1
          v4:i32 = copy v0
          v5:i32 = copy v0
          v6:i32 = copy v0
          v7:i32 = copy v0
          v8:i32 = const 0
          v9:i32 = const 0
          v10:i32 = sub.ovf v2, v0    ; 0 - int.MinValue overflows: not a negation
          v11:i32 = mul.ovf v0, v1
          v12:i32 = const 2
          v13:i32 = mul.ovf v0, v12   ; not a shift: that would not overflow
          v14:i32 = add.ovf v0, v3
          return v0
        }
        """, 6);

    [Fact]
    public void CheckedNarrowingNeedsNoExtensionAfterIt() => FileTest.Check(AlgebraicSimplification.Run, """
        function T.Narrow(i64) -> i32 {
        b0:
          v0:i64 = param 0
          v1:i32 = conv.ovf.u1 v0
          v2:i32 = zext8 v1
          v3:i32 = sext16 v1
          v4:i32 = sext8 v1
          v5:i32 = conv.ovf.i2.un v0
          v6:i32 = sext16 v5
          v7:i32 = zext16 v5
          v8:i32 = add v2, v3
          v9:i32 = add v4, v6
          v10:i32 = add v8, v9
          v11:i32 = add v10, v7
          return v11
        }
        """, """
        function T.Narrow(i64) -> i32 {
        b0:
          v0:i64 = param 0
          v1:i32 = conv.ovf.u1 v0
          v2:i32 = copy v1
          v3:i32 = copy v1
          v4:i32 = sext8 v1           ; 200 is a byte, but no sbyte
          v5:i32 = conv.ovf.i2.un v0
          v6:i32 = copy v5
          v7:i32 = zext16 v5          ; the rule goes by the target's range, which has negative values
          v8:i32 = add v1, v1
          v9:i32 = add v4, v5
          v10:i32 = add v8, v9
          v11:i32 = add v10, v7
          return v11
        }
        """, 3);

    [Fact]
    public void PowersOfTwoBecomeShiftsAndMasks() => FileTest.Check(AlgebraicSimplification.Run, """
        function T.Pow2(i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = const 8
          v2:i32 = mul v0, v1
          v3:i32 = div.u v0, v1
          v4:i32 = rem.u v0, v1
          v5:i32 = div v0, v1
          v6:i32 = const -2147483648
          v7:i32 = mul v0, v6
          return v7
        }
        """, """
        function T.Pow2(i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = const 8
          v8:i32 = const 3
          v2:i32 = shl v0, v8
          v9:i32 = const 3
          v3:i32 = shr.u v0, v9
          v10:i32 = const 7
          v4:i32 = and v0, v10
          v5:i32 = div v0, v1     ; signed division rounds toward zero: not a shift
          v6:i32 = const -2147483648
          v11:i32 = const 31      ; 0x80000000 is 2^31 unsigned
          v7:i32 = shl v0, v11
          return v7
        }
        """, 4);

    [Fact]
    public void InversesExtensionsAndComparisons() => FileTest.Check(AlgebraicSimplification.Run, """
        function T.Unary(i32, i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = param 1
          v2:i32 = neg v0
          v3:i32 = neg v2
          v4:i32 = not v3
          v5:i32 = not v4
          v6:i32 = zext8 v5
          v7:i32 = sext16 v6
          v8:i64 = sext32 v7
          v9:i32 = trunc v8
          v10:i32 = lt v0, v1
          v11:i32 = const 0
          v12:i32 = eq v10, v11
          v13:i32 = ne v12, v11
          v14:i32 = le.u v9, v9
          v15:i32 = gt v11, v0
          v16:i32 = add v13, v15
          return v16
        }
        """, """
        function T.Unary(i32, i32) -> i32 {
        b0:
          v0:i32 = param 0
          v1:i32 = param 1
          v2:i32 = neg v0
          v3:i32 = copy v0
          v4:i32 = not v0
          v5:i32 = copy v0
          v6:i32 = zext8 v0
          v7:i32 = copy v6        ; 0..255 is already a sign-extended 16-bit value
          v8:i64 = sext32 v6
          v9:i32 = copy v6
          v10:i32 = lt v0, v1
          v11:i32 = const 0
          v12:i32 = ge v0, v1     ; (a < b) == 0 is a >= b
          v13:i32 = copy v12
          v14:i32 = const 1
          v15:i32 = lt v0, v11    ; constant moved right
          v16:i32 = add v12, v15
          return v16
        }
        """, 8);

    [Fact]
    public void FloatsAreNotSimplified() => FileTest.Check(AlgebraicSimplification.Run, """
        function T.Float(f64) -> i32 {
        b0:
          v0:f64 = param 0
          v1:f64 = const 0
          v2:f64 = fadd v0, v1    ; -0.0 + 0.0 is +0.0
          v3:i32 = feq v0, v0     ; false for NaN
          return v3
        }
        """, """
        function T.Float(f64) -> i32 {
        b0:
          v0:f64 = param 0
          v1:f64 = const 0
          v2:f64 = fadd v0, v1
          v3:i32 = feq v0, v0
          return v3
        }
        """, 0);
}
