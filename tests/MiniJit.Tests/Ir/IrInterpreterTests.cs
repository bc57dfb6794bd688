using CsCheck;
using MiniJit.Ir;

namespace MiniJit.Tests.Ir;

/// <summary>The op table's rules are the interpreter's and folding's semantics and the oracle of the optimizer tests, so they are checked against C# itself.</summary>
public class IrInterpreterTests
{
    [Fact]
    public void I32OperationsMatchCSharpInt() => Gen.Select(Gen.Int, Gen.Int).Sample((x, y) =>
    {
        long B(Op op) => op.Evaluate(new OpInput(IrType.I32, IrType.I32, 0, x, y));
        Assert.Equal(x + y, B(Op.Add));
        Assert.Equal(x - y, B(Op.Sub));
        Assert.Equal(x * y, B(Op.Mul));
        Assert.Equal(x << y, B(Op.Shl));
        Assert.Equal(x >> y, B(Op.Shr));
        Assert.Equal((int)((uint)x >> y), B(Op.ShrU));
        Assert.Equal(x ^ y, B(Op.Xor));
        Assert.Equal((uint)x < (uint)y ? 1 : 0, B(Op.LtU));
        Assert.Equal(x <= y ? 1 : 0, B(Op.Le));
        if (y != 0 && !(x == int.MinValue && y == -1))
        {
            Assert.Equal(x / y, B(Op.Div));
            Assert.Equal(x % y, B(Op.Rem));
        }
        if (y != 0) Assert.Equal((int)((uint)x % (uint)y), B(Op.RemU));
        Assert.Equal(-x, Op.Neg.Evaluate(new OpInput(IrType.I32, IrType.I32, 0, x)));
        Assert.Equal((sbyte)x, Op.SignExtend8.Evaluate(new OpInput(IrType.I32, IrType.I32, 0, x)));
        Assert.Equal((uint)x, Op.ZeroExtend32.Evaluate(new OpInput(IrType.I64, IrType.I32, 0, x)));
    });

    [Fact]
    public void I64OperationsMatchCSharpLong() => Gen.Select(Gen.Long, Gen.Long).Sample((x, y) =>
    {
        long B(Op op) => op.Evaluate(new OpInput(IrType.I64, IrType.I64, 0, x, y));
        Assert.Equal(x * y, B(Op.Mul));
        Assert.Equal(x << (int)y, B(Op.Shl));
        Assert.Equal((long)((ulong)x >> (int)y), B(Op.ShrU));
        Assert.Equal((ulong)x >= (ulong)y ? 1 : 0, B(Op.GeU));
        if (y != 0) Assert.Equal((long)((ulong)x / (ulong)y), B(Op.DivU));
        Assert.Equal((int)x, Op.Truncate.Evaluate(new OpInput(IrType.I32, IrType.I64, 0, x)));
    });

    [Fact]
    public void TrappingDivisionsThrowLikeTheClr()
    {
        Assert.Throws<DivideByZeroException>(() => Op.RemU.Evaluate(new OpInput(IrType.I32, IrType.I32, 0, 5, 0)));
        Assert.Throws<OverflowException>(() => Op.Div.Evaluate(new OpInput(IrType.I32, IrType.I32, 0, int.MinValue, -1)));
        Assert.Throws<OverflowException>(() => Op.Rem.Evaluate(new OpInput(IrType.I64, IrType.I64, 0, long.MinValue, -1)));
        Assert.Equal(2147483648L, Op.Div.Evaluate(new OpInput(IrType.I64, IrType.I64, 0, int.MinValue, -1)));
    }

    [Fact]
    public void RunsLoopsWithPhis()
    {
        var function = IrParser.Parse("""
            function T.Sum(i32) -> i32 {
            b0:
              v0:i32 = param 0
              v1:i32 = const 0
              v2:i32 = const 1
              jump b1
            b1:
              v3:i32 = phi b0 v0, b1 v5
              v4:i32 = phi b0 v1, b1 v6
              v5:i32 = sub v3, v2
              v6:i32 = add v4, v3
              branch v5, b1, b2
            b2:
              return v6
            }
            """);
        Assert.Equal(55, IrInterpreter.Run(function, [10]));
    }
}
