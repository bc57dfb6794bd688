using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace MiniJit.Samples.Formula;

/// <summary>
/// Turns a formula over doubles into an expression tree, so that it can be compiled (by MiniJit, by
/// <c>Expression.Compile()</c>) or interpreted. The language:
/// <code>
/// formula    := comparison                          (the whole text)
/// comparison := additive [ ('&lt;' | '&lt;=' | '&gt;' | '&gt;=' | '==' | '!=') additive ]
/// additive   := term { ('+' | '-') term }
/// term       := unary { ('*' | '/' | '%') unary }
/// unary      := '-' unary | power
/// power      := primary [ '^' unary ]               (right-associative: 2^3^2 = 2^9)
/// primary    := number | variable | function '(' arguments ')' | 'if' '(' comparison ',' comparison ',' comparison ')'
///             | '(' comparison ')'
/// </code>
/// As in mathematics, <c>-x^2</c> is <c>-(x^2)</c> and <c>2^-1</c> is 0.5. A comparison gives true or false, not a
/// number: it is only allowed where a condition is expected (the first argument of <c>if</c>), and the formula as a
/// whole must be a number. Comparisons do not chain (<c>a &lt; b &lt; c</c> is an error).
/// </summary>
/// <remarks>This file stands alone (it needs nothing from the sample's Program) so that other programs can link it.</remarks>
public static class FormulaParser
{
    /// <summary>The functions a formula can call, each a <see cref="Math"/> method over doubles.</summary>
    static readonly Dictionary<string, MethodInfo> Functions = new()
    {
        ["sin"] = MathMethod(nameof(Math.Sin), 1),
        ["cos"] = MathMethod(nameof(Math.Cos), 1),
        ["tan"] = MathMethod(nameof(Math.Tan), 1),
        ["exp"] = MathMethod(nameof(Math.Exp), 1),
        ["log"] = MathMethod(nameof(Math.Log), 1),
        ["sqrt"] = MathMethod(nameof(Math.Sqrt), 1),
        ["abs"] = MathMethod(nameof(Math.Abs), 1),
        ["floor"] = MathMethod(nameof(Math.Floor), 1),
        ["ceiling"] = MathMethod(nameof(Math.Ceiling), 1),
        ["round"] = MathMethod(nameof(Math.Round), 1),
        ["min"] = MathMethod(nameof(Math.Min), 2),
        ["max"] = MathMethod(nameof(Math.Max), 2),
        ["pow"] = MathMethod(nameof(Math.Pow), 2),
    };

    /// <summary>The overload of a Math method that takes <paramref name="arity"/> doubles (Abs, Round, Min and Max
    /// have overloads for other types too). <c>typeof(Math)</c> is a constant, so the trimmer and NativeAOT keep
    /// Math's public methods for this lookup without a warning.</summary>
    static MethodInfo MathMethod(string name, int arity) =>
        typeof(Math).GetMethod(name, Enumerable.Repeat(typeof(double), arity).ToArray())
        ?? throw new MissingMethodException(nameof(Math), name);

    /// <summary>The delegate types of formulas over 0, 1, 2, 3 and 4 variables. They are named here rather than
    /// made with <c>Expression.GetFuncType</c>, which needs dynamic code (NativeAOT has none).</summary>
    static readonly Type[] DelegateTypes =
    [
        typeof(Func<double>),
        typeof(Func<double, double>),
        typeof(Func<double, double, double>),
        typeof(Func<double, double, double, double>),
        typeof(Func<double, double, double, double, double>),
    ];

    /// <summary>
    /// Parses <paramref name="text"/> into a lambda whose parameters are <paramref name="variables"/> (at most 4), in
    /// that order, all doubles, returning a double: with variables x and y, an <c>Expression&lt;Func&lt;double, double,
    /// double&gt;&gt;</c>. A variable the formula does not use is still a parameter.
    /// </summary>
    /// <exception cref="FormulaSyntaxException">The text is not a formula over these variables; the exception says
    /// where and what was expected.</exception>
    /// <exception cref="ArgumentException">A variable name is not an identifier or is given twice, or there are more
    /// than 4.</exception>
    public static LambdaExpression Parse(string text, params string[] variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (variables.Length >= DelegateTypes.Length)
            throw new ArgumentException($"a formula has at most {DelegateTypes.Length - 1} variables, not {variables.Length}", nameof(variables));
        foreach (var variable in variables)
            if (variable.Length == 0 || Lexer.IdentifierLength(variable, 0) != variable.Length)
                throw new ArgumentException($"'{variable}' is not a variable name (a letter or '_', then letters, digits or '_')", nameof(variables));
        if (variables.Distinct().Count() != variables.Length)
            throw new ArgumentException($"a variable is named twice in {string.Join(", ", variables)}", nameof(variables));

        var parameters = variables.Select(name => Expression.Parameter(typeof(double), name)).ToArray();
        return Expression.Lambda(DelegateTypes[variables.Length], Body(text, parameters), "formula", parameters);
    }

    /// <summary>The common case, typed: a formula over <c>x</c> and <c>y</c>, as <c>(x, y) =&gt; formula</c>.</summary>
    /// <inheritdoc cref="Parse(string, string[])"/>
    public static Expression<Func<double, double, double>> ParseXY(string text) =>
        (Expression<Func<double, double, double>>)Parse(text, "x", "y");

    static Expression Body(string text, ParameterExpression[] parameters)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text, Lexer.Tokenize(text), parameters).Formula();
    }

    enum TokenKind { Number, Identifier, Symbol, End }

    /// <summary>One token: <see cref="Position"/> is the 0-based index of its first character in the text.</summary>
    readonly record struct Token(TokenKind Kind, string Text, int Position)
    {
        /// <summary>How an error message names this token.</summary>
        public string Description => Kind == TokenKind.End ? "the end of the formula" : $"'{Text}'";

        public bool Is(string symbol) => Kind == TokenKind.Symbol && Text == symbol;
    }

    /// <summary>Splits the text into numbers, identifiers and symbols, skipping white space.</summary>
    static class Lexer
    {
        static readonly string[] Symbols = ["<=", ">=", "==", "!=", "<", ">", "+", "-", "*", "/", "%", "^", "(", ")", ","];

        public static List<Token> Tokenize(string text)
        {
            var tokens = new List<Token>();
            var i = 0;
            while (true)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
                if (i == text.Length) break;
                var length = NumberLength(text, i);
                var kind = TokenKind.Number;
                if (length == 0)
                {
                    length = IdentifierLength(text, i);
                    kind = TokenKind.Identifier;
                }
                if (length == 0)
                {
                    // The two-character symbols come first in the list, so "<=" is not read as "<" then "=".
                    length = Symbols.FirstOrDefault(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0)?.Length ?? 0;
                    kind = TokenKind.Symbol;
                }
                if (length == 0)
                    throw new FormulaSyntaxException(text, i, "a number, a variable, a function, an operator or a parenthesis", $"'{text[i]}'");
                tokens.Add(new Token(kind, text.Substring(i, length), i));
                i += length;
            }
            tokens.Add(new Token(TokenKind.End, "", text.Length));
            return tokens;
        }

        /// <summary>The length of the number at <paramref name="start"/> (1, 2.5, .5, 1e-3), or 0 if none starts there.</summary>
        static int NumberLength(string text, int start)
        {
            var i = Digits(text, start);
            var digits = i - start;
            if (i < text.Length && text[i] == '.')
            {
                var afterPoint = Digits(text, i + 1);
                digits += afterPoint - (i + 1);
                i = afterPoint;
            }
            if (digits == 0) return 0;  // a lone '.' is not a number
            if (i < text.Length && text[i] is 'e' or 'E')
            {
                var exponent = i + 1;
                if (exponent < text.Length && text[exponent] is '+' or '-') exponent++;
                var end = Digits(text, exponent);
                if (end == exponent)
                    throw new FormulaSyntaxException(text, exponent, "the digits of the exponent",
                        exponent < text.Length ? $"'{text[exponent]}'" : "the end of the formula");
                i = end;
            }
            return i - start;
        }

        static int Digits(string text, int i)
        {
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            return i;
        }

        /// <summary>The length of the identifier at <paramref name="start"/>, or 0 if none starts there.</summary>
        public static int IdentifierLength(string text, int start)
        {
            if (start >= text.Length || !(char.IsAsciiLetter(text[start]) || text[start] == '_')) return 0;
            var i = start + 1;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
            return i - start;
        }
    }

    /// <summary>A recursive-descent parser: one method per rule of the grammar above, each returning the tree of what
    /// it read. Numbers are double expressions, comparisons bool expressions.</summary>
    sealed class Parser(string text, List<Token> tokens, ParameterExpression[] parameters)
    {
        int next;

        Token Current => tokens[next];

        Token Advance() => tokens[next++];

        void Expect(string symbol, string expected)
        {
            if (!Current.Is(symbol)) throw Error(Current, expected);
            Advance();
        }

        FormulaSyntaxException Error(Token at, string expected) => new(text, at.Position, expected, at.Description);

        /// <summary>The whole text: a number-valued formula and nothing after it.</summary>
        public Expression Formula()
        {
            var body = Number(Comparison());
            if (Current.Kind != TokenKind.End) throw Error(Current, "an operator or the end of the formula");
            return body;
        }

        /// <summary>Checks that what <see cref="Parsed"/> holds is a number, not a comparison.</summary>
        Expression Number(Parsed parsed) =>
            parsed.Tree.Type == typeof(double)
                ? parsed.Tree
                : throw new FormulaSyntaxException(text, parsed.Start.Position, "a number",
                    "a comparison (a comparison is true or false; use it as the condition of if(condition, a, b))");

        Parsed Comparison()
        {
            var left = Additive();
            var compare = ComparisonOperator(Current);
            if (compare is null) return left;
            Advance();
            var right = Additive();
            if (ComparisonOperator(Current) is not null)
                throw Error(Current, "the end of the comparison (comparisons do not chain; nest if(...) instead)");
            return left with { Tree = compare(Number(left), Number(right)) };
        }

        static Func<Expression, Expression, Expression>? ComparisonOperator(Token token) => token.Kind != TokenKind.Symbol ? null : token.Text switch
        {
            "<" => Expression.LessThan,
            "<=" => Expression.LessThanOrEqual,
            ">" => Expression.GreaterThan,
            ">=" => Expression.GreaterThanOrEqual,
            "==" => Expression.Equal,
            "!=" => Expression.NotEqual,
            _ => null,
        };

        Parsed Additive()
        {
            var left = Term();
            while (Current.Is("+") || Current.Is("-"))
            {
                var add = Advance().Text == "+";
                var right = Term();
                left = left with { Tree = add ? Expression.Add(Number(left), Number(right)) : Expression.Subtract(Number(left), Number(right)) };
            }
            return left;
        }

        Parsed Term()
        {
            var left = Unary();
            while (Current.Is("*") || Current.Is("/") || Current.Is("%"))
            {
                var op = Advance().Text;
                var right = Unary();
                var (l, r) = (Number(left), Number(right));
                left = left with { Tree = op switch { "*" => Expression.Multiply(l, r), "/" => Expression.Divide(l, r), _ => Expression.Modulo(l, r) } };
            }
            return left;
        }

        Parsed Unary()
        {
            if (!Current.Is("-")) return Power();
            var minus = Advance();
            return new Parsed(Expression.Negate(Number(Unary())), minus);
        }

        Parsed Power()
        {
            var @base = Primary();
            if (!Current.Is("^")) return @base;
            Advance();
            // The exponent is a whole unary expression, itself possibly a power: that makes ^ right-associative and
            // lets 2^-1 mean 2^(-1).
            var exponent = Unary();
            return @base with { Tree = Expression.Power(Number(@base), Number(exponent)) };
        }

        Parsed Primary()
        {
            var start = Current;
            switch (start.Kind)
            {
                case TokenKind.Number:
                    Advance();
                    return new Parsed(Expression.Constant(double.Parse(start.Text, NumberStyles.Float, CultureInfo.InvariantCulture)), start);
                case TokenKind.Identifier:
                    Advance();
                    return new Parsed(Current.Is("(") ? Call(start) : Variable(start), start);
                case TokenKind.Symbol when start.Is("("):
                    Advance();
                    var inner = Comparison();
                    Expect(")", "')' or an operator");
                    return inner with { Start = start };
                default:
                    throw Error(start, "a number, a variable, a function call or '('");
            }
        }

        Expression Variable(Token name)
        {
            if (parameters.FirstOrDefault(p => p.Name == name.Text) is { } parameter) return parameter;
            if (name.Text == "if" || Functions.ContainsKey(name.Text)) throw Error(Current, $"'(' after {name.Text}");
            throw Error(name, parameters.Length == 0
                ? "a number (this formula has no variables)"
                : $"a variable ({string.Join(", ", parameters.Select(p => p.Name))}) or a function call");
        }

        /// <summary>A call: <paramref name="name"/> has been read and the current token is its '('.</summary>
        Expression Call(Token name)
        {
            Advance();
            if (name.Text == "if")
            {
                var condition = Comparison();
                if (condition.Tree.Type != typeof(bool))
                    throw new FormulaSyntaxException(text, condition.Start.Position, "a comparison as the condition of if", "a number");
                Expect(",", "',' after the condition of if");
                var whenTrue = Number(Comparison());
                Expect(",", "',' and the value of if when the condition is false");
                var whenFalse = Number(Comparison());
                Expect(")", "')' after the 3 arguments of if");
                return Expression.Condition(condition.Tree, whenTrue, whenFalse);
            }
            if (!Functions.TryGetValue(name.Text, out var method))
                throw Error(name, $"a function ({string.Join(", ", Functions.Keys.Append("if").Order())})");
            var arity = method.GetParameters().Length;
            var arguments = new Expression[arity];
            for (var i = 0; i < arity; i++)
            {
                if (i > 0) Expect(",", $"',' and argument {i + 1} of {name.Text}, which takes {arity}");
                arguments[i] = Number(Comparison());
            }
            Expect(")", arity == 1 ? $"')' ({name.Text} takes 1 argument)" : $"')' after the {arity} arguments of {name.Text}");
            return Expression.Call(method, arguments);
        }
    }

    /// <summary>A parsed piece of the formula and its first token, where an error about the piece as a whole points.</summary>
    readonly record struct Parsed(Expression Tree, Token Start);
}

/// <summary>A formula that does not parse: <see cref="Position"/> is the 0-based index in <see cref="Formula"/> where
/// the parser found <see cref="Found"/> but expected <see cref="Expected"/>.</summary>
public sealed class FormulaSyntaxException(string formula, int position, string expected, string found)
    : FormatException($"at position {position}: expected {expected}, found {found}")
{
    public string Formula { get; } = formula;
    public int Position { get; } = position;
    public string Expected { get; } = expected;
    public string Found { get; } = found;
}
