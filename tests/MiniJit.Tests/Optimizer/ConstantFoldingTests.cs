using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class ConstantFoldingTests
{
    [Fact]
    public void I32ArithmeticWrapsAndShiftCountsAreMasked() => FileTest.Check(ConstantFolding.Run, """
        function T.Wrap() -> i32 {
        b0:
          v0:i32 = const 2147483647
          v1:i32 = const 1
          v2:i32 = add v0, v1
          v3:i32 = const 33
          v4:i32 = shl v1, v3
          v5:i32 = add v2, v4
          v6:i32 = mul v0, v0
          return v5
        }
        """, """
        function T.Wrap() -> i32 {
        b0:
          v0:i32 = const 2147483647
          v1:i32 = const 1
          v2:i32 = const -2147483648 ; int.MaxValue + 1 wraps
          v3:i32 = const 33
          v4:i32 = const 2           ; 33 & 31 == 1
          v5:i32 = const -2147483646
          v6:i32 = const 1
          return v5
        }
        """, 4);

    [Fact]
    public void DivisionsThatTrapAreLeftForRunTime() => FileTest.Check(ConstantFolding.Run, """
        function T.Div() -> i32 {
        b0:
          v0:i32 = const -2147483648
          v1:i32 = const -1
          v2:i32 = const 0
          v3:i32 = const 7
          v4:i32 = const -2
          v5:i32 = div v0, v1
          v6:i32 = rem v0, v1
          v7:i32 = div v3, v2
          v8:i32 = rem.u v3, v2
          v9:i32 = div v3, v4
          v10:i32 = rem v4, v3
          v11:i32 = div.u v1, v4
          v12:i32 = div.u v0, v1
          return v9
        }
        """, """
        function T.Div() -> i32 {
        b0:
          v0:i32 = const -2147483648
          v1:i32 = const -1
          v2:i32 = const 0
          v3:i32 = const 7
          v4:i32 = const -2
          v5:i32 = div v0, v1        ; MinValue / -1 overflows
          v6:i32 = rem v0, v1
          v7:i32 = div v3, v2        ; division by zero
          v8:i32 = rem.u v3, v2
          v9:i32 = const -3
          v10:i32 = const -2
          v11:i32 = const 1          ; unsigned: 0xFFFFFFFF / 0xFFFFFFFE
          v12:i32 = const 0          ; unsigned: 0x80000000 / 0xFFFFFFFF
          return v9
        }
        """, 4);

    [Fact]
    public void CheckedOperationsFoldOnlyWhenTheyDoNotOverflow() => FileTest.Check(ConstantFolding.Run, """
        function T.Checked() -> i32 {
        b0:
          v0:i32 = const 2147483647
          v1:i32 = const 1
          v2:i32 = const -1
          v3:i32 = add.ovf v0, v1
          v4:i32 = add.ovf.un v0, v1
          v5:i32 = add.ovf.un v2, v1
          v6:i32 = sub.ovf v2, v0
          v7:i32 = sub.ovf.un v1, v2
          v8:i32 = mul.ovf v0, v2
          v9:i32 = mul.ovf.un v0, v1
          v10:i32 = mul.ovf v0, v0
          v11:i32 = conv.ovf.u1 v2
          v12:i32 = conv.ovf.i1 v2
          v13:i64 = conv.ovf.u8 v2
          v14:i64 = conv.ovf.i8.un v2
          v15:i64 = const 4294967295
          v16:i32 = conv.ovf.u4 v15
          v17:i32 = conv.ovf.i4 v15
          return v4
        }
        """, """
        function T.Checked() -> i32 {
        b0:
          v0:i32 = const 2147483647
          v1:i32 = const 1
          v2:i32 = const -1
          v3:i32 = add.ovf v0, v1     ; int.MaxValue + 1 overflows: left to throw at run time
          v4:i32 = const -2147483648  ; but not read unsigned
          v5:i32 = add.ovf.un v2, v1  ; uint.MaxValue + 1
          v6:i32 = const -2147483648  ; -1 - int.MaxValue is exactly int.MinValue
          v7:i32 = sub.ovf.un v1, v2  ; 1 - uint.MaxValue borrows
          v8:i32 = const -2147483647
          v9:i32 = const 2147483647
          v10:i32 = mul.ovf v0, v0
          v11:i32 = conv.ovf.u1 v2
          v12:i32 = const -1
          v13:i64 = conv.ovf.u8 v2    ; -1 is no ulong
          v14:i64 = const 4294967295  ; but 0xFFFFFFFF read unsigned is a long
          v15:i64 = const 4294967295
          v16:i32 = const -1          ; uint.MaxValue, held in an i32
          v17:i32 = conv.ovf.i4 v15
          return v4
        }
        """, 7);

    [Fact]
    public void ExtensionsCompareAndI64() => FileTest.Check(ConstantFolding.Run, """
        function T.Ext() -> i64 {
        b0:
          v0:i32 = const 200
          v1:i32 = sext8 v0
          v2:i32 = const -1
          v3:i32 = zext16 v2
          v4:i64 = zext32 v2
          v5:i64 = sext32 v2
          v6:i32 = lt.u v5, v4
          v7:i32 = lt v5, v4
          v8:i64 = const 4294967297
          v9:i32 = trunc v8
          v10:i64 = const 9223372036854775807
          v11:i64 = add v10, v4
          v12:i64 = shr.u v5, v10
          return v11
        }
        """, """
        function T.Ext() -> i64 {
        b0:
          v0:i32 = const 200
          v1:i32 = const -56
          v2:i32 = const -1
          v3:i32 = const 65535
          v4:i64 = const 4294967295
          v5:i64 = const -1
          v6:i32 = const 0
          v7:i32 = const 1
          v8:i64 = const 4294967297
          v9:i32 = const 1
          v10:i64 = const 9223372036854775807
          v11:i64 = const -9223372032559808514
          v12:i64 = const 1          ; count 63
          return v11
        }
        """, 9);

    [Fact]
    public void BranchOnConstantDropsTheDeadEdgeAndItsPhiOperand() => FileTest.Check(ConstantFolding.Run, """
        function T.Branch(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = const 1
          branch v1, b1, b2
        b1:
          v2:i64 = const 5
          jump b2
        b2:
          v3:i64 = phi b0 v0, b1 v2
          return v3
        }
        """, """
        function T.Branch(i64) -> i64 {
        b0:
          v0:i64 = param 0
          v1:i32 = const 1
          jump b1
        b1:
          v2:i64 = const 5
          jump b2
        b2:
          v3:i64 = const 5           ; the phi lost its b0 operand, leaving one constant
          return v3
        }
        """, 2);

    [Fact]
    public void SwitchOnConstantTakesItsCaseOrTheDefault() => FileTest.Check(ConstantFolding.Run, """
        function T.Switch() -> i32 {
        b0:
          v0:i32 = const 1
          v1:i32 = const -1
          switch v0, b1, b2, default b1
        b1:
          switch v1, b2, b3, default b3
        b2:
          return v0
        b3:
          return v1
        }
        """, """
        function T.Switch() -> i32 {
        b0:
          v0:i32 = const 1
          v1:i32 = const -1
          jump b2
        b1:
          jump b3                    ; -1 is a huge unsigned selector: default
        b2:
          return v0
        b3:
          return v1
        }
        """, 2);

    [Fact]
    public void FloatsFoldOnlyWhenEveryOperandIsAConstant() => FileTest.Check(ConstantFolding.Run, """
        function T.Float(f64) -> f64 {
        b0:
          v0:f64 = param 0
          v1:f64 = const 1.5
          v2:f64 = const 0
          v3:f64 = fadd v1, v1
          v4:f64 = fmul v0, v2     ; x * 0 is NaN or -0.0 for some x: stays
          v5:f64 = fsub v0, v0     ; x - x is NaN for NaN and infinities: stays
          v6:i32 = flt v3, v1
          v7:f64 = fdiv v2, v2     ; 0 / 0 is NaN, exactly
          v8:i64 = ftoi v7         ; NaN converts to 0, as in the CLR
          v9:f32 = fconv v1
          return v4
        }
        """, """
        function T.Float(f64) -> f64 {
        b0:
          v0:f64 = param 0
          v1:f64 = const 1.5
          v2:f64 = const 0
          v3:f64 = const 3
          v4:f64 = fmul v0, v2
          v5:f64 = fsub v0, v0
          v6:i32 = const 0
          v7:f64 = const NaN
          v8:i64 = const 0
          v9:f32 = const 1.5
          return v4
        }
        """, 5);
}
