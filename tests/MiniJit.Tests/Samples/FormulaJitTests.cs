using MiniJit.Samples.Formula;

namespace MiniJit.Tests.Samples;

/// <summary>What the formula sample checks on its grid, here on awkward inputs: MiniJit's code for a parsed
/// formula gives the interpreter's bits, for every operator and function of the language.</summary>
public class FormulaJitTests
{
    static readonly double[] Inputs = [0.0, -0.0, 1, -1, 0.5, -2.25, 3, 7.75, -10, 1e-3, 1e300, double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    [Theory]
    [InlineData("sin(x) * x + 3 * y")]
    [InlineData("x % y - x / y")]
    [InlineData("x ^ y + 2 ^ -x ^ 2")]
    [InlineData("if(x < y, x, y) + if(x <= y, 1, 2) + if(x > y, 3, 4) + if(x >= y, 5, 6)")]
    [InlineData("if(x == y, 1, 0) + if(x != y, 10, 20)")]
    [InlineData("if(x >= y, tan(x), exp(y)) + if(x <= 0, log(-x), sqrt(x))")]
    [InlineData("abs(x) + floor(y) - ceiling(x) * round(y / 3)")]
    [InlineData("min(x, y) - max(x, y) * pow(x, y) + cos(-y)")]
    public void Compiled_formulas_match_the_interpreter_bit_for_bit(string formula)
    {
        var expression = FormulaParser.ParseXY(formula);
        FormulaParserTests.AssertSameBits(formula, Jit.Compile(expression), "MiniJit", expression.Compile(preferInterpretation: true), "the interpreter", Inputs);
    }
}
