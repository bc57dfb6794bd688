using System.Numerics;
using CsCheck;
using MiniJit.Ir;

namespace MiniJit.Tests.Ir;

/// <summary>The checked operations' meaning (<see cref="CheckedArithmetic"/>, which the interpreter and constant
/// folding use) checked against C#'s own checked arithmetic and the BCL's checked conversions, operand by operand.</summary>
public class CheckedArithmeticTests
{
    /// <summary>Values near every boundary as often as random ones: uniform 64-bit values overflow almost always.</summary>
    static readonly Gen<long> Operand = Gen.Frequency(
        (2, (IGen<long>)Gen.Long),
        (2, Gen.Long[-300, 300]),
        (2, Gen.Int.Select(i => (long)i)),
        (1, Gen.Int[0, 62].Select(k => 1L << k)),
        (1, Gen.OneOf<long>(int.MinValue, int.MaxValue, uint.MaxValue, long.MinValue, long.MaxValue, -1, 0, 3037000499, 46341, 65536)));

    static long? Clr(Func<long> operation)
    {
        try
        {
            return operation();
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>The operands are cast outside the checked expressions: a checked cast of -1 to uint would throw.</summary>
    static long? ClrArithmetic(Op op, IrType type, long a, long b)
    {
        int i = (int)a, j = (int)b;
        uint ui = (uint)a, uj = (uint)b;
        ulong ua = (ulong)a, ub = (ulong)b;
        return (op, type) switch
        {
            (Op.AddOvf, IrType.I32) => Clr(() => checked(i + j)),
            (Op.SubOvf, IrType.I32) => Clr(() => checked(i - j)),
            (Op.MulOvf, IrType.I32) => Clr(() => checked(i * j)),
            (Op.AddOvfUn, IrType.I32) => Clr(() => (int)checked(ui + uj)),
            (Op.SubOvfUn, IrType.I32) => Clr(() => (int)checked(ui - uj)),
            (Op.MulOvfUn, IrType.I32) => Clr(() => (int)checked(ui * uj)),
            (Op.AddOvf, _) => Clr(() => checked(a + b)),
            (Op.SubOvf, _) => Clr(() => checked(a - b)),
            (Op.MulOvf, _) => Clr(() => checked(a * b)),
            (Op.AddOvfUn, _) => Clr(() => (long)checked(ua + ub)),
            (Op.SubOvfUn, _) => Clr(() => (long)checked(ua - ub)),
            _ => Clr(() => (long)checked(ua * ub)),
        };
    }

    static readonly Op[] Arithmetic = [Op.AddOvf, Op.AddOvfUn, Op.SubOvf, Op.SubOvfUn, Op.MulOvf, Op.MulOvfUn];

    static readonly Op[] Conversions =
    [
        Op.ConvOvfI1, Op.ConvOvfU1, Op.ConvOvfI2, Op.ConvOvfU2, Op.ConvOvfI4, Op.ConvOvfU4, Op.ConvOvfU8,
        Op.ConvOvfI1Un, Op.ConvOvfU1Un, Op.ConvOvfI2Un, Op.ConvOvfU2Un, Op.ConvOvfI4Un, Op.ConvOvfU4Un, Op.ConvOvfI8Un,
    ];

    /// <summary>The BCL's checked conversion of the operand (read as its op says) to the op's target, as the IR
    /// holds the result: targets up to 32 bits in an i32.</summary>
    static long? ClrConversion(Op op, IrType type, long bits)
    {
        bool unsigned = CheckedArithmetic.ConversionOf(op)!.Value.UnsignedSource;
        return (type, unsigned) switch
        {
            (IrType.I32, false) => Clr(() => Convert(op, (int)bits)),
            (IrType.I32, true) => Clr(() => Convert(op, (uint)bits)),
            (_, false) => Clr(() => Convert(op, bits)),
            _ => Clr(() => Convert(op, (ulong)bits)),
        };
    }

    static long Convert<T>(Op op, T value) where T : IBinaryInteger<T> => op switch
    {
        Op.ConvOvfI1 or Op.ConvOvfI1Un => sbyte.CreateChecked(value),
        Op.ConvOvfU1 or Op.ConvOvfU1Un => byte.CreateChecked(value),
        Op.ConvOvfI2 or Op.ConvOvfI2Un => short.CreateChecked(value),
        Op.ConvOvfU2 or Op.ConvOvfU2Un => ushort.CreateChecked(value),
        Op.ConvOvfI4 or Op.ConvOvfI4Un => int.CreateChecked(value),
        Op.ConvOvfU4 or Op.ConvOvfU4Un => (int)uint.CreateChecked(value),
        Op.ConvOvfU8 => (long)ulong.CreateChecked(value),
        _ => long.CreateChecked(value),
    };

    [Fact]
    public void ArithmeticMatchesCSharpChecked() => Gen.Select(Operand, Operand).Sample((a, b) =>
    {
        foreach (var type in new[] { IrType.I32, IrType.I64 })
            foreach (var op in Arithmetic)
            {
                long x = type.Normalize(a), y = type.Normalize(b);
                Assert.True(ClrArithmetic(op, type, x, y) == CheckedArithmetic.Evaluate(op, type, x, y), $"{op.Name()} {type.Name()} {x}, {y}");
            }
    }, iter: 20_000);

    [Fact]
    public void ConversionsMatchTheBclsCheckedConversions() => Operand.Sample(a =>
    {
        foreach (var type in new[] { IrType.I32, IrType.I64 })
            foreach (var op in Conversions)
            {
                long x = type.Normalize(a);
                Assert.True(ClrConversion(op, type, x) == CheckedArithmetic.Evaluate(op, type, x), $"{op.Name()} of {type.Name()} {x}");
            }
    }, iter: 20_000);

    [Theory]
    [InlineData("conv.ovf.i4", "i32", true)]      // every int32 is an int32
    [InlineData("conv.ovf.u4.un", "i32", true)]   // and every uint32 a uint32
    [InlineData("conv.ovf.i8.un", "i32", true)]   // a uint32 fits int64
    [InlineData("conv.ovf.u4", "i32", false)]     // -1
    [InlineData("conv.ovf.i4.un", "i32", false)]  // 0xFFFFFFFF
    [InlineData("conv.ovf.u8", "i64", false)]
    [InlineData("conv.ovf.i8.un", "i64", false)]
    [InlineData("conv.ovf.u4.un", "i64", false)]
    public void OnlyWideEnoughTargetsNeverOverflow(string op, string source, bool never)
    {
        Assert.True(OpTable.TryParse(op, out var parsed));
        Assert.Equal(never, CheckedArithmetic.NeverOverflows(CheckedArithmetic.ConversionOf(parsed)!.Value, IrTypes.Parse(source)));
    }

    [Fact]
    public void TheInterpreterThrowsTheClrsOverflowException()
    {
        var function = IrParser.Parse("""
            function T.Narrow(i64, i64) -> i32 {
            b0:
              v0:i64 = param 0
              v1:i64 = param 1
              v2:i64 = mul.ovf.un v0, v1
              v3:i32 = conv.ovf.u1 v2
              return v3
            }
            """);
        IrVerifier.Check(function);
        Assert.Equal(200, IrInterpreter.Run(function, [10, 20]));
        Assert.Throws<OverflowException>(() => IrInterpreter.Run(function, [16, 16]));        // 256 is no byte
        Assert.Throws<OverflowException>(() => IrInterpreter.Run(function, [-1, 2]));         // 2^65 - 2 is no ulong
        Assert.Equal(0, IrInterpreter.Run(function, [-1, 0]));
    }

    [Fact]
    public void TheVerifierChecksOperandAndResultTypes()
    {
        var function = IrParser.Parse("""
            function T.Bad(i64, i32) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i32 = param 1
              v2:i64 = add.ovf v0, v1
              v3:i64 = conv.ovf.u2 v0
              v4:i32 = conv.ovf.u8 v1
              return v2
            }
            """);
        var problems = IrVerifier.Verify(function);
        Assert.Contains(problems, p => p.Contains("add.ovf") && p.Contains("operand v1 is i32, the result is i64"));
        Assert.Contains(problems, p => p.Contains("conv.ovf.u2") && p.Contains("result must be i32"));
        Assert.Contains(problems, p => p.Contains("conv.ovf.u8") && p.Contains("result must be i64"));
    }
}
