using MiniJit.Ir;
using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

public class DivisionByConstantTests
{
    [Fact]
    public void The_interpreter_s_multiply_high_is_the_upper_half_of_the_exact_product()
    {
        var random = new Random(99);
        for (int i = 0; i < 2000; i++)
        {
            long a = random.NextInt64(long.MinValue, long.MaxValue), b = i % 7 == 0 ? long.MinValue : random.NextInt64(long.MinValue, long.MaxValue);
            Assert.Equal((long)((Int128)a * b >> 64), Op.MulHigh.Evaluate(new OpInput(IrType.I64, IrType.I64, 0, a, b)));
            int x = (int)a, y = (int)b;
            Assert.Equal((int)((long)x * y >> 32), Op.MulHigh.Evaluate(new OpInput(IrType.I32, IrType.I32, 0, x, y)));
        }
    }

    /// <summary>The reference interpreter divides exactly as C# does; the rewritten IR must agree for every kind of
    /// dividend, MinValue and the values next to each multiple of the divisor included.</summary>
    [Theory]
    [InlineData("i32", "div", 2)]
    [InlineData("i32", "rem", 2)]
    [InlineData("i32", "div", 1024)]
    [InlineData("i32", "rem", 1073741824)]
    [InlineData("i64", "div", 8)]
    [InlineData("i64", "rem", 8)]
    [InlineData("i64", "div", 4611686018427387904)]
    [InlineData("i64", "rem", 65536)]
    [InlineData("i32", "div", 3)]
    [InlineData("i32", "rem", 7)]
    [InlineData("i32", "div", 10)]
    [InlineData("i32", "rem", 10)]
    [InlineData("i32", "div", 641)]
    [InlineData("i32", "div", -3)]
    [InlineData("i32", "rem", -10)]
    [InlineData("i32", "div", -2)]
    [InlineData("i32", "div", -1024)]
    [InlineData("i32", "div", 2147483647)]
    [InlineData("i32", "rem", 1000000007)]
    [InlineData("i64", "div", 3)]
    [InlineData("i64", "rem", 10)]
    [InlineData("i64", "div", 7)]
    [InlineData("i64", "div", 1000000007)]
    [InlineData("i64", "rem", -5)]
    [InlineData("i64", "div", -4)]
    [InlineData("i64", "div", 9223372036854775807)]
    [InlineData("i64", "div", -9223372036854775807)]
    [InlineData("i32", "div.u", 3)]
    [InlineData("i32", "rem.u", 3)]
    [InlineData("i32", "div.u", 7)]
    [InlineData("i32", "rem.u", 10)]
    [InlineData("i32", "rem.u", 65521)]
    [InlineData("i32", "div.u", 641)]
    [InlineData("i32", "rem.u", 1000000007)]
    [InlineData("i32", "div.u", 2147483647)]
    [InlineData("i32", "div.u", -2147483647)]
    [InlineData("i32", "rem.u", -3)]
    [InlineData("i32", "div.u", -1)]
    public void Rewritten_division_matches_the_interpreter(string type, string op, long divisor)
    {
        string text = $$"""
            function T.F({{type}}) -> {{type}} {
            b0:
              v0:{{type}} = param 0
              v1:{{type}} = const {{divisor}}
              v2:{{type}} = {{op}} v0, v1
              return v2
            }
            """;
        var original = IrParser.Parse(text);
        var rewritten = IrParser.Parse(text);
        Assert.Equal(1, DivisionByConstant.Run(rewritten));
        IrVerifier.Check(rewritten);
        bool is32 = type == "i32";
        var inputs = new List<long> { 0, 1, -1, divisor, -divisor, divisor - 1, 1 - divisor, divisor + 1, -divisor - 1,
            is32 ? int.MinValue : long.MinValue, is32 ? int.MaxValue : long.MaxValue, is32 ? int.MinValue + 1 : long.MinValue + 1 };
        // Unsigned: the multiples of the divisor read as unsigned, and both sides of each.
        for (long k = 1; k < 5; k++)
            foreach (long delta in (long[])[-1, 0, 1])
                inputs.Add(is32 ? (int)(uint)((ulong)(uint)divisor * (ulong)k + (ulong)delta) : divisor * k + delta);
        var random = new Random(1234);
        for (int i = 0; i < 5000; i++) inputs.Add(is32 ? random.Next(int.MinValue, int.MaxValue) : random.NextInt64(long.MinValue, long.MaxValue));
        foreach (var x in inputs)
            Assert.Equal(IrInterpreter.Run(original, [x]), IrInterpreter.Run(rewritten, [x]));
    }

    [Fact]
    public void Unsigned_64_bit_division_keeps_div()
    {
        var function = IrParser.Parse("""
            function T.F(i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 10
              v2:i64 = div.u v0, v1
              return v2
            }
            """);
        Assert.Equal(0, DivisionByConstant.Run(function));
    }
}
