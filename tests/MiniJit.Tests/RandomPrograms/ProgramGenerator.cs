using System.Globalization;
using System.Text;

namespace MiniJit.Tests.RandomPrograms;

/// <summary>Generates random C# programs in MiniJit's supported subset: a class of a few static methods over
/// integer parameters and locals, with arithmetic, bitwise, shift, cast, comparison and ternary expressions,
/// if/else, bounded for loops, switch, early returns, break/continue, and calls to later methods (never
/// recursive). The same seed always gives the same program.</summary>
public sealed class ProgramGenerator
{
    static readonly string[] Arith = ["int", "long", "uint", "ulong"];
    static readonly string[] Storage = ["int", "long", "int", "long", "uint", "ulong", "byte", "sbyte", "short", "ushort", "char"];
    static readonly string[] ParamTypes = ["int", "long", "int", "long", "int", "long", "uint", "ulong", "byte", "short", "char", "bool"];
    static readonly string[] ReturnTypes = ["int", "long", "int", "long", "uint", "ulong", "byte", "sbyte", "short", "ushort", "char", "bool"];

    sealed record Method(string Name, string Return, string[] Params);
    sealed record Variable(string Name, string Type, bool Assignable);

    readonly Random rng;
    readonly List<Method> methods = [];
    readonly StringBuilder sb = new();
    List<Variable> scope = [];
    int counter;
    int indent;
    int currentMethod;

    public ProgramGenerator(int seed) => rng = new Random(seed);

    T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
    bool Chance(int percent) => rng.Next(100) < percent;

    public string Generate(string className)
    {
        int count = rng.Next(1, 5);
        // Method i may call only methods j > i, so there is no recursion; generate signatures first.
        for (int i = 0; i < count; i++)
            methods.Add(new Method($"M{i}", Pick(ReturnTypes), [.. Enumerable.Range(0, rng.Next(1, 5)).Select(_ => Pick(ParamTypes))]));
        sb.Append($"public static class {className}\n{{\n");
        for (int i = count - 1; i >= 0; i--) EmitMethod(i);
        sb.Append("}\n");
        return sb.ToString();
    }

    void Line(string text) => sb.Append(' ', 4 * indent).Append(text).Append('\n');

    void EmitMethod(int index)
    {
        currentMethod = index;
        var m = methods[index];
        counter = 0;
        scope = [.. m.Params.Select((t, i) => new Variable($"p{i}", t, true))];
        indent = 1;
        Line($"public static {m.Return} {m.Name}({string.Join(", ", m.Params.Select((t, i) => $"{t} p{i}"))})");
        Line("{");
        indent++;
        Line("unchecked");
        Line("{");
        indent++;
        int statements = rng.Next(1, 7);
        for (int i = 0; i < statements; i++) Statement(depth: 0, loopDepth: 0, canBreak: false);
        Line($"return {Value(m.Return, 3)};");
        indent--;
        Line("}");
        indent--;
        Line("}");
    }

    void Block(int depth, int loopDepth, bool canBreak, int maxStatements = 3)
    {
        var saved = scope.ToList();
        Line("{");
        indent++;
        int n = rng.Next(1, maxStatements + 1);
        for (int i = 0; i < n; i++) Statement(depth + 1, loopDepth, canBreak);
        indent--;
        Line("}");
        scope = saved;
    }

    void Statement(int depth, int loopDepth, bool canBreak)
    {
        int roll = rng.Next(100);
        var assignable = scope.Where(v => v.Assignable && v.Type != "bool").ToList();
        // Deep down only straight-line statements, so the nesting (and the generator's recursion) stays bounded.
        if (depth >= 3) roll = assignable.Count > 0 ? rng.Next(35) : 0;
        if (roll < 20)
        {
            var t = Pick(Storage);
            var name = $"v{counter++}";
            Line($"{t} {name} = {Value(t, 3, loopDepth)};");
            scope.Add(new Variable(name, t, true));
        }
        else if (roll < 35 && assignable.Count > 0)
        {
            var v = Pick(assignable);
            Line($"{v.Name} = {Value(v.Type, 3, loopDepth)};");
        }
        else if (roll < 45 && assignable.Any(v => Arith.Contains(v.Type)))
        {
            var v = Pick(assignable.Where(v => Arith.Contains(v.Type)).ToList());
            var op = Pick(new[] { "+=", "-=", "*=", "^=", "|=", "&=" });
            Line($"{v.Name} {op} {Expr(v.Type, 2, loopDepth)};");
        }
        else if (roll < 60)
        {
            Line($"if ({Cond(2, loopDepth)})");
            Block(depth, loopDepth, canBreak);
            if (Chance(50))
            {
                Line("else");
                Block(depth, loopDepth, canBreak);
            }
        }
        else if (roll < 72 && loopDepth < 2)
        {
            var i = $"i{counter++}";
            var bound = Chance(60) ? rng.Next(0, 7).ToString(CultureInfo.InvariantCulture) : $"(int)({Var("int")} & 7)";
            Line($"for (int {i} = 0; {i} < {bound}; {i}++)");
            scope.Add(new Variable(i, "int", false));
            Block(depth, loopDepth + 1, canBreak: true, maxStatements: 4);
            scope.RemoveAt(scope.Count - 1);
        }
        else if (roll < 82)
        {
            Line($"switch ((int)({Expr("int", 2, loopDepth)} & 7))");
            Line("{");
            indent++;
            var labels = Enumerable.Range(0, 8).Where(_ => Chance(50)).ToList();
            foreach (var group in labels.Chunk(rng.Next(1, 3)))
            {
                foreach (var l in group) Line($"case {l}:");
                indent++;
                if (Chance(25))
                {
                    Line($"return {Value(methods[currentMethod].Return, 2, loopDepth)};");
                }
                else
                {
                    var saved = scope.ToList();
                    int n = rng.Next(1, 3);
                    for (int s = 0; s < n; s++) Statement(depth + 2, loopDepth, canBreak: false);
                    scope = saved;
                    Line("break;");
                }
                indent--;
            }
            Line("default:");
            indent++;
            Line(Chance(30) ? $"return {Value(methods[currentMethod].Return, 2, loopDepth)};" : "break;");
            indent--;
            indent--;
            Line("}");
        }
        else if (roll < 90)
        {
            Line($"if ({Cond(2, loopDepth)}) return {Value(methods[currentMethod].Return, 2, loopDepth)};");
        }
        else if (canBreak)
        {
            Line($"if ({Cond(1, loopDepth)}) {(Chance(50) ? "break" : "continue")};");
        }
        else
        {
            var t = Pick(Arith);
            var name = $"v{counter++}";
            Line($"{t} {name} = {Expr(t, 3, loopDepth)};");
            scope.Add(new Variable(name, t, true));
        }
    }

    /// <summary>An expression of any storage or return type, converted to <paramref name="type"/>.</summary>
    string Value(string type, int depth, int loopDepth = 0) =>
        type == "bool" ? Cond(depth, loopDepth) : Arith.Contains(type) && Chance(50) ? Expr(type, depth, loopDepth) : $"({type})({Expr(Pick(Arith), depth, loopDepth)})";

    string Var(string type)
    {
        var candidates = scope.Where(v => v.Type != "bool").ToList();
        if (candidates.Count == 0) return $"(p0 ? {Constant(type)} : {Constant(type)})";
        var v = Pick(candidates);
        return v.Type == type ? v.Name : $"({type}){v.Name}";
    }

    string Constant(string type)
    {
        long v = rng.Next(6) switch
        {
            0 => rng.Next(-3, 4),
            1 => rng.Next(-1000, 1000),
            2 => Pick(new long[] { int.MinValue, int.MaxValue, uint.MaxValue, long.MinValue, long.MaxValue, 255, 65535, -128, 1L << 32 }),
            3 => rng.NextInt64(long.MinValue, long.MaxValue),
            4 => rng.Next(),
            _ => rng.Next(0, 65),
        };
        string text = type switch
        {
            "int" => ((int)v).ToString(CultureInfo.InvariantCulture),
            "uint" => ((uint)v).ToString(CultureInfo.InvariantCulture) + "u",
            "long" => v.ToString(CultureInfo.InvariantCulture) + "L",
            "ulong" => ((ulong)v).ToString(CultureInfo.InvariantCulture) + "UL",
            _ => throw new ArgumentException(type),
        };
        if (text == "-9223372036854775808L") return "long.MinValue";
        return text.StartsWith('-') ? $"({text})" : text;
    }

    /// <summary>A non-constant divisor of type <paramref name="type"/> (a constant zero divisor would not compile).</summary>
    string Divisor(string type, int depth, int loopDepth) => rng.Next(5) switch
    {
        0 => Var(type),
        1 => $"({Var(type)} | 1)",
        2 => $"({Expr(type, depth, loopDepth)} | {Var(type)})",
        3 => Pick(new[] { "2", "3", "7", "10", "16", "1000" }) + (type switch { "uint" => "u", "ulong" => "UL", "long" => "L", _ => "" }),
        _ => $"(({Var(type)} & 15) + 1)",
    };

    string ShiftCount(int depth, int loopDepth) =>
        Chance(60) ? rng.Next(0, 70).ToString(CultureInfo.InvariantCulture) : $"(int)({Expr("int", depth, loopDepth)})";

    string Expr(string type, int depth, int loopDepth = 0)
    {
        if (depth <= 0 || Chance(20)) return Chance(65) ? Var(type) : Constant(type);
        bool signed = type is "int" or "long";
        int roll = rng.Next(100);
        if (roll < 30) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "+", "-", "*", "&", "|", "^" })} {Expr(type, depth - 1, loopDepth)})";
        if (roll < 40) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "/", "%" })} {Divisor(type, depth - 1, loopDepth)})";
        if (roll < 50) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "<<", ">>", ">>>" })} {ShiftCount(depth - 1, loopDepth)})";
        if (roll < 57) return signed && Chance(50) ? $"(-{Expr(type, depth - 1, loopDepth)})" : $"(~{Expr(type, depth - 1, loopDepth)})";
        if (roll < 72)
        {
            var narrow = Pick(new[] { "byte", "sbyte", "short", "ushort", "char", "int", "uint", "long", "ulong" });
            return $"({type})({narrow})({Expr(Pick(Arith), depth - 1, loopDepth)})";
        }
        if (roll < 84) return $"({Cond(depth - 1, loopDepth)} ? {Expr(type, depth - 1, loopDepth)} : {Expr(type, depth - 1, loopDepth)})";
        if (roll < 92 && loopDepth == 0 && currentMethod + 1 < methods.Count)
        {
            var callee = methods[rng.Next(currentMethod + 1, methods.Count)];
            var args = string.Join(", ", callee.Params.Select(p => Value(p, Math.Min(depth - 1, 1))));
            return callee.Return == "bool"
                ? $"({callee.Name}({args}) ? {Expr(type, 0)} : {Expr(type, 0)})"
                : $"({type}){callee.Name}({args})";
        }
        return Var(type);
    }

    string Cond(int depth, int loopDepth)
    {
        var bools = scope.Where(v => v.Type == "bool").ToList();
        int roll = rng.Next(100);
        if (depth <= 0 || roll < 55)
        {
            if (bools.Count > 0 && Chance(15)) return Pick(bools).Name;
            var t = Pick(Arith);
            return $"({Expr(t, Math.Max(depth - 1, 0), loopDepth)} {Pick(new[] { "==", "!=", "<", "<=", ">", ">=" })} {Expr(t, Math.Max(depth - 1, 0), loopDepth)})";
        }
        if (roll < 80) return $"({Cond(depth - 1, loopDepth)} {Pick(new[] { "&&", "||", "==", "!=", "&", "|", "^" })} {Cond(depth - 1, loopDepth)})";
        return $"!{Cond(depth - 1, loopDepth)}";
    }
}
