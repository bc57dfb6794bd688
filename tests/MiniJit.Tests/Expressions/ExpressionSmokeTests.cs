using System.Linq.Expressions;

namespace MiniJit.Tests.Expressions;

public class ExpressionSmokeTests
{
    [Fact]
    public void FormulaOverDoubles()
    {
        Expression<Func<double, double, double>> e = (x, y) => x * x + Math.Sin(y) - 3 * y / (x + 1);
        var f = Jit.Compile(e);
        var g = e.Compile();
        foreach (var x in new[] { 0.0, 1.5, -2, double.NaN, 1e300 })
            foreach (var y in new[] { 0.0, -0.0, 2.5, double.PositiveInfinity })
                Assert.Equal(BitConverter.DoubleToInt64Bits(g(x, y)), BitConverter.DoubleToInt64Bits(f(x, y)));
    }
}
