using System.Linq.Expressions;
using MiniJit.Samples.Formula;

namespace MiniJit.Tests.Samples;

/// <summary>The formula sample's parser: the trees it builds must compute what the same formula written in C# computes,
/// bit for bit, and every error must say where and what was expected.</summary>
public class FormulaParserTests
{
    /// <summary>Inputs that exercise signs, zero, fractions, large values and the IEEE special values.</summary>
    static readonly double[] Inputs = [0.0, -0.0, 1, -1, 0.5, -2.25, 3, 7.75, -10, 1e-3, 123456.789, double.NaN, double.PositiveInfinity, double.NegativeInfinity];

    static double Evaluate(string formula, double x = 0, double y = 0) => FormulaParser.ParseXY(formula).Compile()(x, y);

    /// <summary>Checks that the formula computes what <paramref name="expected"/> computes on every pair of
    /// <see cref="Inputs"/>: the same bits, except that any NaN equals any NaN.</summary>
    static void AssertComputes(string formula, Func<double, double, double> expected) =>
        AssertSameBits(formula, FormulaParser.ParseXY(formula).Compile(), "the parsed tree", expected, "C#", Inputs);

    /// <summary>Two ways of computing a formula give the same bits (any NaN equals any NaN) on every pair of inputs.</summary>
    internal static void AssertSameBits(string formula, Func<double, double, double> got, string gotName,
        Func<double, double, double> want, string wantName, double[] inputs)
    {
        foreach (var x in inputs)
            foreach (var y in inputs)
            {
                double wanted = want(x, y), gave = got(x, y);
                if (double.IsNaN(wanted) && double.IsNaN(gave)) continue;
                Assert.True(BitConverter.DoubleToInt64Bits(wanted) == BitConverter.DoubleToInt64Bits(gave),
                    $"{formula} at x = {x:R}, y = {y:R}: {gotName} gives {gave:R}, {wantName} {wanted:R}");
            }
    }

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("2 * 3 ^ 2", 18)]
    [InlineData("10 - 4 - 3", 3)]       // left-associative
    [InlineData("64 / 4 / 2", 8)]
    [InlineData("7 % 4 * 2", 6)]
    [InlineData("1 + 10 % 4", 3)]
    [InlineData("2 ^ 3 ^ 2", 512)]      // right-associative: 2^(3^2), not (2^3)^2 = 64
    [InlineData("(2 ^ 3) ^ 2", 64)]
    [InlineData("-2 ^ 2", -4)]          // as in mathematics: -(2^2)
    [InlineData("(-2) ^ 2", 4)]
    [InlineData("2 ^ -1", 0.5)]
    [InlineData("3 - -2", 5)]
    [InlineData("--3", 3)]
    [InlineData("-3 * -2", 6)]
    [InlineData("if(1 + 2 < 4 * 1, 1, 0)", 1)]  // comparisons bind loosest
    public void Precedence_and_associativity(string formula, double expected) => Assert.Equal(expected, Evaluate(formula));

    [Fact]
    public void Power_builds_a_right_leaning_tree()
    {
        var body = FormulaParser.ParseXY("x ^ y ^ 2").Body;
        var power = Assert.IsAssignableFrom<BinaryExpression>(body);
        Assert.Equal(ExpressionType.Power, power.NodeType);
        Assert.Equal("x", Assert.IsAssignableFrom<ParameterExpression>(power.Left).Name);
        Assert.Equal(ExpressionType.Power, power.Right.NodeType);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("2.5", 2.5)]
    [InlineData(".5", 0.5)]
    [InlineData("3.", 3)]
    [InlineData("1e-3", 1e-3)]
    [InlineData("1E+3", 1000)]
    [InlineData("2.5e2", 250)]
    [InlineData("0.1", 0.1)]
    [InlineData("1e400", double.PositiveInfinity)]
    public void Numbers(string formula, double expected) => Assert.Equal(expected, Evaluate(formula));

    [Fact]
    public void Unary_minus_binds_tighter_than_products_but_looser_than_powers()
    {
        AssertComputes("-x", (x, y) => -x);
        AssertComputes("-x * y", (x, y) => -x * y);
        AssertComputes("-x ^ 2", (x, y) => -Math.Pow(x, 2));
        AssertComputes("x ^ -y", (x, y) => Math.Pow(x, -y));
        AssertComputes("x - -y", (x, y) => x - -y);
    }

    [Fact]
    public void Arithmetic_matches_csharp_on_real_inputs()
    {
        AssertComputes("sin(x) * x + 3 * y", (x, y) => Math.Sin(x) * x + 3 * y);
        AssertComputes("x * x - y * y", (x, y) => x * x - y * y);
        AssertComputes("(x + y) / (x - y)", (x, y) => (x + y) / (x - y));
        AssertComputes("x % y", (x, y) => x % y);
        AssertComputes("x - y - 1 + x * y / 2", (x, y) => x - y - 1 + x * y / 2);
        AssertComputes("x ^ y", Math.Pow);
        AssertComputes("2 ^ x ^ y", (x, y) => Math.Pow(2, Math.Pow(x, y)));
        AssertComputes("1e-3 * x + 2.5", (x, y) => 1e-3 * x + 2.5);
    }

    [Fact]
    public void Functions_are_the_Math_methods()
    {
        AssertComputes("sin(x)", (x, y) => Math.Sin(x));
        AssertComputes("cos(x)", (x, y) => Math.Cos(x));
        AssertComputes("tan(x)", (x, y) => Math.Tan(x));
        AssertComputes("exp(x)", (x, y) => Math.Exp(x));
        AssertComputes("log(x)", (x, y) => Math.Log(x));
        AssertComputes("sqrt(x)", (x, y) => Math.Sqrt(x));
        AssertComputes("abs(x)", (x, y) => Math.Abs(x));
        AssertComputes("floor(x)", (x, y) => Math.Floor(x));
        AssertComputes("ceiling(x)", (x, y) => Math.Ceiling(x));
        AssertComputes("round(x)", (x, y) => Math.Round(x));
        AssertComputes("min(x, y)", Math.Min);
        AssertComputes("max(x, y)", Math.Max);
        AssertComputes("pow(x, y)", Math.Pow);
        AssertComputes("max(sin(x), cos(y)) * sqrt(abs(x * y)) + round(x / 3)",
            (x, y) => Math.Max(Math.Sin(x), Math.Cos(y)) * Math.Sqrt(Math.Abs(x * y)) + Math.Round(x / 3));
        // The calls are to the double overloads, the ones the formula's values have.
        var call = Assert.IsAssignableFrom<MethodCallExpression>(FormulaParser.ParseXY("abs(x)").Body);
        Assert.Equal(typeof(Math).GetMethod(nameof(Math.Abs), [typeof(double)]), call.Method);
    }

    [Fact]
    public void Comparisons_and_if_match_csharp_including_NaN()
    {
        AssertComputes("if(x < y, x, y)", (x, y) => x < y ? x : y);
        AssertComputes("if(x <= y, 1, 2)", (x, y) => x <= y ? 1 : 2);
        AssertComputes("if(x > y, 1, 2)", (x, y) => x > y ? 1 : 2);
        AssertComputes("if(x >= y, 1, 2)", (x, y) => x >= y ? 1 : 2);
        AssertComputes("if(x == y, 1, 2)", (x, y) => x == y ? 1 : 2);
        AssertComputes("if(x != y, 1, 2)", (x, y) => x != y ? 1 : 2);  // NaN != NaN is true
        AssertComputes("if(x + 1 < y * 2, x - y, if(x == 0, -1, y ^ 2))", (x, y) => x + 1 < y * 2 ? x - y : x == 0 ? -1 : Math.Pow(y, 2));
        AssertComputes("if((x < y), 1, 2)", (x, y) => x < y ? 1 : 2);  // a parenthesized comparison is still a condition
        Assert.Equal(ExpressionType.Conditional, FormulaParser.ParseXY("if(x < y, x, y)").Body.NodeType);
    }

    [Fact]
    public void White_space_is_free()
    {
        Assert.Equal(Evaluate("sin(x)*x+3*y", 1.5, 2), Evaluate("  sin ( x ) *\tx +\n3 * y  ", 1.5, 2));
    }

    [Fact]
    public void The_variables_are_the_parameters_in_the_order_given()
    {
        var lambda = FormulaParser.Parse("a * b - c", "c", "b", "a");
        Assert.Equal(typeof(Func<double, double, double, double>), lambda.Type);
        Assert.Equal(["c", "b", "a"], lambda.Parameters.Select(p => p.Name));
        var compiled = ((Expression<Func<double, double, double, double>>)lambda).Compile();
        Assert.Equal(2.0 * 3 - 1, compiled(1, 3, 2));

        Assert.Equal(3.0, ((Expression<Func<double>>)FormulaParser.Parse("1 + 2")).Compile()());
        Assert.Equal(typeof(Func<double, double>), FormulaParser.Parse("t", "t").Type);
        // An unused variable is still a parameter.
        Assert.Equal(2, FormulaParser.Parse("x + 1", "x", "unused").Parameters.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1x")]
    [InlineData("x y")]
    [InlineData("x-1")]
    public void A_variable_name_must_be_an_identifier(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => FormulaParser.Parse("1", name));
        Assert.Contains($"'{name}' is not a variable name", e.Message);
    }

    [Fact]
    public void A_variable_cannot_be_named_twice()
    {
        Assert.Single(FormulaParser.Parse("_a1", "_a1").Parameters);
        Assert.Throws<ArgumentException>(() => FormulaParser.Parse("_a1", "_a1", "_a1"));
    }

    [Fact]
    public void At_most_four_variables()
    {
        Assert.Equal(4, FormulaParser.Parse("a + b + c + d", "a", "b", "c", "d").Parameters.Count);
        var e = Assert.Throws<ArgumentException>(() => FormulaParser.Parse("1", "a", "b", "c", "d", "e"));
        Assert.Contains("at most 4 variables", e.Message);
    }

    [Theory]
    [InlineData("", 0, "a number, a variable, a function call or '('", "the end of the formula")]
    [InlineData("x +", 3, "a number, a variable, a function call or '('", "the end of the formula")]
    [InlineData("x + * y", 4, "a number, a variable, a function call or '('", "'*'")]
    [InlineData("(x + y", 6, "')' or an operator", "the end of the formula")]
    [InlineData("x + y)", 5, "an operator or the end of the formula", "')'")]
    [InlineData("x y", 2, "an operator or the end of the formula", "'y'")]
    [InlineData("x # y", 2, "a number, a variable, a function, an operator or a parenthesis", "'#'")]
    [InlineData("2 * z", 4, "a variable (x, y) or a function call", "'z'")]
    [InlineData("1 + foo(x)", 4, "a function (abs, ceiling, cos, exp, floor, if, log, max, min, pow, round, sin, sqrt, tan)", "'foo'")]
    [InlineData("sin x", 4, "'(' after sin", "'x'")]
    [InlineData("min(x)", 5, "',' and argument 2 of min, which takes 2", "')'")]
    [InlineData("sin(x, y)", 5, "')' (sin takes 1 argument)", "','")]
    [InlineData("pow(x, y, 2)", 8, "')' after the 2 arguments of pow", "','")]
    [InlineData("1e", 2, "the digits of the exponent", "the end of the formula")]
    [InlineData("1e+x", 3, "the digits of the exponent", "'x'")]
    [InlineData("x < y", 0, "a number", "a comparison (a comparison is true or false; use it as the condition of if(condition, a, b))")]
    [InlineData("1 + (x < y)", 4, "a number", "a comparison (a comparison is true or false; use it as the condition of if(condition, a, b))")]
    [InlineData("x < y < 1", 6, "the end of the comparison (comparisons do not chain; nest if(...) instead)", "'<'")]
    [InlineData("if(x, 1, 2)", 3, "a comparison as the condition of if", "a number")]
    [InlineData("if(x < y, 1)", 11, "',' and the value of if when the condition is false", "')'")]
    [InlineData("if(x < y, x < 1, 2)", 10, "a number", "a comparison (a comparison is true or false; use it as the condition of if(condition, a, b))")]
    [InlineData("if(x < y, 1, 2", 14, "')' after the 3 arguments of if", "the end of the formula")]
    public void Errors_say_where_and_what_was_expected(string formula, int position, string expected, string found)
    {
        var e = Assert.Throws<FormulaSyntaxException>(() => FormulaParser.ParseXY(formula));
        Assert.Equal((formula, position, expected, found), (e.Formula, e.Position, e.Expected, e.Found));
        Assert.Equal($"at position {position}: expected {expected}, found {found}", e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }

    [Fact]
    public void A_formula_without_variables_says_so_for_a_name()
    {
        var e = Assert.Throws<FormulaSyntaxException>(() => FormulaParser.Parse("x"));
        Assert.Equal("a number (this formula has no variables)", e.Expected);
    }
}
