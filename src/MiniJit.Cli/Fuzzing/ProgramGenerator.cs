using System.Globalization;
using System.Text;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// Generates random C# programs in MiniJit's supported subset, shaped like real code: a class of static methods
/// with up to ten parameters of every integer type; arithmetic, bitwise, shift, cast, comparison and ternary
/// expressions, checked arithmetic and casts, and the integer Math helpers; if/else, switch on every integer type,
/// early returns, break/continue; for, while and do-while loops
/// (nested, with small constant or masked bounds so every program ends) that carry values around the back edge the
/// way real loops do — rotated, swapped, shifted by one (<c>(a, b) = (b, a + b)</c>, <c>t = a + b; a = b; b = t;</c>,
/// <c>x = y++</c>) — sometimes used after the loop and sometimes not; calls from each method to later ones, and at
/// most one method that calls itself on a depth parameter that every call decreases. The same seed always gives the
/// same program.
/// </summary>
public sealed class ProgramGenerator
{
    /// <summary>The most parameters a method may have to be called through a delegate (MiniJit's entry boundary);
    /// a method with more gets a wrapper of this many parameters, named <c>…Entry</c>, that calls it.</summary>
    public const int MaxEntryParameters = 8;

    /// <summary>The deepest recursion: a recursive method returns at once when its depth is above this.</summary>
    const int MaxRecursionDepth = 6;

    static readonly string[] Arith = ["int", "long", "uint", "ulong"];
    static readonly string[] Integers = ["int", "long", "uint", "ulong", "short", "ushort", "byte", "sbyte", "char"];
    static readonly string[] Storage = ["int", "long", "int", "long", "uint", "ulong", "byte", "sbyte", "short", "ushort", "char"];
    static readonly string[] ParamTypes = ["int", "long", "int", "long", "uint", "ulong", "short", "ushort", "byte", "sbyte", "char", "bool"];
    static readonly string[] ReturnTypes = ["int", "long", "int", "long", "uint", "ulong", "byte", "sbyte", "short", "ushort", "char", "bool"];

    /// <param name="Recursive">Calls itself; its first parameter <c>p0</c> (an int) is the remaining depth.</param>
    sealed record Method(string Name, string Return, string[] Params, bool Recursive);
    sealed record Variable(string Name, string Type, bool Assignable);

    readonly Random rng;
    readonly List<Method> methods = [];
    readonly StringBuilder sb = new();
    List<Variable> scope = [];
    int counter;
    int indent;
    int currentMethod;
    int recursiveCallsLeft;

    public ProgramGenerator(int seed) => rng = new Random(seed);

    T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
    bool Chance(int percent) => rng.Next(100) < percent;

    public string Generate(string className)
    {
        int count = rng.Next(1, 6);
        int recursive = Chance(40) ? rng.Next(count) : -1;
        // Method i may call only methods j > i (and itself if it is the recursive one), so every call chain ends;
        // generate the signatures first.
        for (int i = 0; i < count; i++)
        {
            int parameterCount = Chance(25) ? rng.Next(5, 11) : rng.Next(1, 5);
            string[] types = [.. Enumerable.Range(0, parameterCount).Select(_ => Pick(ParamTypes))];
            if (i == recursive) types[0] = "int";
            methods.Add(new Method($"M{i}", Pick(ReturnTypes), types, i == recursive));
        }
        sb.Append($"public static class {className}\n{{\n");
        for (int i = count - 1; i >= 0; i--) EmitMethod(i);
        foreach (var m in methods.Where(m => m.Params.Length > MaxEntryParameters)) EmitEntryWrapper(m);
        sb.Append("}\n");
        return sb.ToString();
    }

    void Line(string text) => sb.Append(' ', 4 * indent).Append(text).Append('\n');

    static string ParameterList(IEnumerable<string> types) => string.Join(", ", types.Select((t, i) => $"{t} p{i}"));

    void EmitMethod(int index)
    {
        currentMethod = index;
        var m = methods[index];
        counter = 0;
        recursiveCallsLeft = m.Recursive ? 2 : 0;
        // The depth parameter is read but never assigned, so every recursive call really passes less.
        scope = [.. m.Params.Select((t, i) => new Variable($"p{i}", t, !(m.Recursive && i == 0)))];
        indent = 1;
        Line($"public static {m.Return} {m.Name}({ParameterList(m.Params)})");
        Line("{");
        indent++;
        Line("unchecked");
        Line("{");
        indent++;
        if (m.Recursive)
        {
            // Generated before any recursive call site may be, so the base case never recurses.
            int saved = recursiveCallsLeft;
            recursiveCallsLeft = 0;
            Line($"if (p0 <= 0 || p0 > {MaxRecursionDepth}) return {Value(m.Return, 2)};");
            recursiveCallsLeft = saved;
        }
        int statements = rng.Next(1, 11);
        for (int i = 0; i < statements; i++) Statement(depth: 0, loopDepth: 0, canBreak: false);
        Line($"return {Value(m.Return, 3)};");
        indent--;
        Line("}");
        indent--;
        Line("}");
    }

    /// <summary>A method with more parameters than a delegate can carry is tested through this: the first
    /// parameters come from the caller, the rest are computed from them.</summary>
    void EmitEntryWrapper(Method m)
    {
        currentMethod = methods.Count;
        recursiveCallsLeft = 0;
        var outer = m.Params[..MaxEntryParameters];
        scope = [.. outer.Select((t, i) => new Variable($"p{i}", t, false))];
        var args = m.Params.Select((t, i) => i < MaxEntryParameters ? $"p{i}" : Value(t, 1));
        indent = 1;
        Line($"public static {m.Return} {m.Name}Entry({ParameterList(outer)})");
        indent++;
        Line($"=> unchecked({m.Name}({string.Join(", ", args)}));");
        indent--;
    }

    void Block(int depth, int loopDepth, bool canBreak, int maxStatements = 4)
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

    List<Variable> Assignable() => [.. scope.Where(v => v.Assignable && v.Type != "bool")];

    void Statement(int depth, int loopDepth, bool canBreak)
    {
        int roll = rng.Next(100);
        var assignable = Assignable();
        // Deep down only straight-line statements, so the nesting (and the generator's recursion) stays bounded.
        if (depth >= 3) roll = assignable.Count > 0 ? rng.Next(35) : 0;
        if (roll < 14)
        {
            var t = Pick(Storage);
            var name = $"v{counter++}";
            Line($"{t} {name} = {Value(t, 3, loopDepth)};");
            scope.Add(new Variable(name, t, true));
        }
        else if (roll < 24 && assignable.Count > 0)
        {
            var v = Pick(assignable);
            Line($"{v.Name} = {Value(v.Type, 3, loopDepth)};");
        }
        else if (roll < 29 && assignable.Any(v => Arith.Contains(v.Type)))
        {
            var v = Pick(assignable.Where(v => Arith.Contains(v.Type)).ToList());
            var op = Pick(new[] { "+=", "-=", "*=", "^=", "|=", "&=" });
            Line($"{v.Name} {op} {Expr(v.Type, 2, loopDepth)};");
        }
        else if (roll < 35 && loopDepth > 0 && SameTypePairs(assignable) is { Count: > 0 } pairs)
        {
            // Values the enclosing loops carry around their back edges, reshuffled.
            var (x, y) = Pick(pairs);
            Rotate(x, y);
        }
        else if (roll < 46)
        {
            Line($"if ({Cond(2, loopDepth)})");
            Block(depth, loopDepth, canBreak);
            if (Chance(50))
            {
                Line("else");
                Block(depth, loopDepth, canBreak);
            }
        }
        else if (roll < 54 && loopDepth < 3)
        {
            Loop(depth, loopDepth, carried: []);
        }
        else if (roll < 64 && loopDepth < 3)
        {
            LoopCarryingValues(depth, loopDepth);
        }
        else if (roll < 74)
        {
            Switch(depth, loopDepth);
        }
        else if (roll < 82)
        {
            Line($"if ({Cond(2, loopDepth)}) return {Value(methods[currentMethod].Return, 2, loopDepth)};");
        }
        else if (canBreak && roll < 90)
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

    static List<(Variable, Variable)> SameTypePairs(List<Variable> variables) =>
        [.. variables.SelectMany((x, i) => variables.Skip(i + 1).Where(y => y.Type == x.Type).Select(y => (x, y)))];

    /// <summary>One of the ways real loops move values from one iteration to the next.</summary>
    void Rotate(Variable x, Variable y)
    {
        if (Chance(50)) (x, y) = (y, x);
        string t = x.Type;
        switch (rng.Next(7))
        {
            case 0: Line($"({x.Name}, {y.Name}) = ({y.Name}, ({t})({x.Name} + {y.Name}));"); break;
            case 1:
                var temp = $"v{counter++}";
                Line($"{t} {temp} = ({t})({x.Name} + {y.Name}); {x.Name} = {y.Name}; {y.Name} = {temp};");
                break;
            case 2: Line($"{x.Name} = {y.Name}; {y.Name}++;"); break;
            case 3: Line($"{x.Name} = {y.Name}++;"); break;
            case 4: Line($"({x.Name}, {y.Name}) = ({y.Name}, {x.Name});"); break;
            case 5: Line($"{x.Name} = ({t})({y.Name} - {x.Name}); {y.Name} = ({t})({y.Name} ^ ({Var(t)}));"); break;
            default: Line($"{x.Name} = ++{y.Name};"); break;
        }
    }

    /// <summary>Declares two or three variables of one type, runs a loop that reshuffles them every iteration
    /// (besides whatever else its body does), and afterwards keeps them in scope only sometimes: a value can be
    /// live around the back edge yet dead after the loop.</summary>
    void LoopCarryingValues(int depth, int loopDepth)
    {
        var t = Pick(Storage);
        List<Variable> carried = [];
        for (int i = rng.Next(2, 4); i > 0; i--)
        {
            var v = new Variable($"v{counter++}", t, true);
            Line($"{t} {v.Name} = {Value(t, 1, loopDepth)};");
            carried.Add(v);
        }
        var before = scope.ToList();
        scope.AddRange(carried);
        Loop(depth, loopDepth, carried);
        if (Chance(50)) scope = before;
    }

    /// <summary>A for, while or do-while loop with a small bound. <paramref name="carried"/> are rotated in the
    /// body besides its random statements.</summary>
    void Loop(int depth, int loopDepth, List<Variable> carried)
    {
        var i = $"i{counter++}";
        var bound = Chance(60) ? rng.Next(0, 7).ToString(CultureInfo.InvariantCulture) : $"(int)({Var("int")} & 7)";
        var counterVariable = new Variable(i, "int", false);
        switch (rng.Next(4))
        {
            case 0:
                Line($"for (int {i} = 0; {i} < {bound}; {i}++)");
                scope.Add(counterVariable);
                LoopBody(depth, loopDepth, carried, "");
                scope.Remove(counterVariable);
                break;
            case 1:
                // The test at the top; the count goes first in the body, so continue cannot skip it.
                Line($"int {i} = 0;");
                Line($"while ({i} < {bound})");
                scope.Add(counterVariable);
                LoopBody(depth, loopDepth, carried, $"{i}++;");
                break;
            case 2:
                Line($"int {i} = 0;");
                Line($"while ({i}++ < {bound})");
                scope.Add(counterVariable);
                LoopBody(depth, loopDepth, carried, "");
                break;
            default:
                // The test at the bottom: the body runs at least once.
                Line($"int {i} = 0;");
                Line("do");
                scope.Add(counterVariable);
                LoopBody(depth, loopDepth, carried, "");
                Line($"while (++{i} < {bound});");
                break;
        }
    }

    void LoopBody(int depth, int loopDepth, List<Variable> carried, string first)
    {
        var saved = scope.ToList();
        Line("{");
        indent++;
        if (first != "") Line(first);
        int statements = rng.Next(carried.Count > 0 ? 0 : 1, 5);
        int rotations = carried.Count > 0 ? rng.Next(1, 3) : 0;
        // Rotations before, between and after the other statements.
        var order = Enumerable.Repeat(true, rotations).Concat(Enumerable.Repeat(false, statements)).OrderBy(_ => rng.Next()).ToList();
        foreach (var rotate in order)
        {
            if (rotate)
            {
                var x = Pick(carried);
                var y = Pick(carried.Where(v => v != x).ToList());
                Rotate(x, y);
            }
            else Statement(depth + 1, loopDepth + 1, canBreak: true);
        }
        indent--;
        Line("}");
        scope = saved;
    }

    /// <summary>A switch on a value of any integer type, with case labels in that type.</summary>
    void Switch(int depth, int loopDepth)
    {
        var t = Pick(Integers);
        var scrutinee = Chance(50) ? $"({t})({Expr("int", 2, loopDepth)} & 7)" : Value(t, 2, loopDepth);
        Line($"switch ({scrutinee})");
        Line("{");
        indent++;
        var labels = CaseLabels(t).Where(_ => Chance(50)).ToList();
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

    /// <summary>0–7 and the type's extremes, written as constants of <paramref name="type"/>.</summary>
    static IEnumerable<string> CaseLabels(string type)
    {
        IEnumerable<string> extremes = type switch
        {
            "int" => ["int.MinValue", "int.MaxValue", "-1"],
            "long" => ["long.MinValue", "long.MaxValue", "-1"],
            "uint" => ["uint.MaxValue"],
            "ulong" => ["ulong.MaxValue", "0x100000000"],
            "short" => ["short.MinValue", "short.MaxValue", "-1"],
            "ushort" => ["ushort.MaxValue"],
            "byte" => ["byte.MaxValue"],
            "sbyte" => ["sbyte.MinValue", "sbyte.MaxValue", "-1"],
            _ => ["char.MaxValue"],
        };
        var small = Enumerable.Range(0, 8).Select(i => type == "char" ? $"(char){i}" : i.ToString(CultureInfo.InvariantCulture));
        return small.Concat(extremes);
    }

    /// <summary>An expression of any storage or return type, converted to <paramref name="type"/>.</summary>
    string Value(string type, int depth, int loopDepth = 0) =>
        type == "bool" ? Cond(depth, loopDepth) : Arith.Contains(type) && Chance(50) ? Expr(type, depth, loopDepth) : $"({type})({Expr(Pick(Arith), depth, loopDepth)})";

    string Var(string type)
    {
        var candidates = scope.Where(v => v.Type != "bool").ToList();
        if (candidates.Count == 0)
        {
            // Only bool parameters: still not a constant, so that a divisor built from it is not a constant zero.
            var flag = scope.First(v => v.Type == "bool").Name;
            return $"({flag} ? {Constant(type)} : {Constant(type)})";
        }
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
        if (roll < 28) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "+", "-", "*", "&", "|", "^" })} {Expr(type, depth - 1, loopDepth)})";
        if (roll < 37) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "/", "%" })} {Divisor(type, depth - 1, loopDepth)})";
        if (roll < 46) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "<<", ">>", ">>>" })} {ShiftCount(depth - 1, loopDepth)})";
        if (roll < 52) return signed && Chance(50) ? $"(-{Expr(type, depth - 1, loopDepth)})" : $"(~{Expr(type, depth - 1, loopDepth)})";
        if (roll < 65)
        {
            var narrow = Pick(Integers);
            return $"({type})({narrow})({Expr(Pick(Arith), depth - 1, loopDepth)})";
        }
        if (roll < 76) return $"({Cond(depth - 1, loopDepth)} ? {Expr(type, depth - 1, loopDepth)} : {Expr(type, depth - 1, loopDepth)})";
        if (roll < 84) return MathCall(type, depth, loopDepth);
        if (roll < 92) return Checked(type, depth, loopDepth);
        // Calls stay out of loops, so that the work a program does stays small however its calls nest.
        if (roll < 96 && loopDepth == 0 && Callee() is { } callee)
        {
            var args = callee.Params.Select((p, i) => callee == methods[currentMethod] && i == 0
                ? $"p0 - {rng.Next(1, 3)}"
                : Value(p, Math.Min(depth - 1, 1)));
            var call = $"{callee.Name}({string.Join(", ", args)})";
            return callee.Return == "bool" ? $"({call} ? {Expr(type, 0)} : {Expr(type, 0)})" : $"({type}){call}";
        }
        return Var(type);
    }

    /// <summary>
    /// Library calls: plain IL (Sign, BigMul), runtime intrinsics compiled from their IL (Max and Min, on every
    /// integer type), and throw helpers that run in managed code (Abs of MinValue throws OverflowException; Clamp with
    /// min &gt; max throws ArgumentException through a generic helper).
    /// </summary>
    string MathCall(string type, int depth, int loopDepth)
    {
        bool signed = type is "int" or "long";
        var operand = Expr(type, depth - 1, loopDepth);
        switch (rng.Next(6))
        {
            case 0 when signed: return $"System.Math.Abs({operand})";
            case 1 when signed: return $"({type})System.Math.Sign({operand})";
            case 2 or 3:
                var narrow = Pick(Integers.Where(t => t != "char").ToList());
                return $"({type})System.Math.{Pick(new[] { "Max", "Min" })}(({narrow})({operand}), ({narrow})({Expr(Pick(Arith), depth - 1, loopDepth)}))";
            case 4:
                var factor = Pick(new[] { "int", "uint" });
                return $"({type})System.Math.BigMul(({factor})({operand}), ({factor})({Expr(factor, depth - 1, loopDepth)}))";
            default: return $"System.Math.Clamp({operand}, {Expr(type, 0)}, {Expr(type, 0)})";
        }
    }

    /// <summary>
    /// A checked operation (add.ovf, sub.ovf, mul.ovf, their .un forms) or checked cast (conv.ovf.*, .un from the
    /// unsigned types). Only that operation is checked: its operands are computed in an unchecked context, or a checked
    /// context would reach into them all. One operand is a variable, since C# refuses a constant expression that
    /// overflows. Random values overflow nearly always, so half of the operands are small (a remainder by a constant),
    /// and both the value and the OverflowException turn up.
    /// </summary>
    string Checked(string type, int depth, int loopDepth)
    {
        if (Chance(50))
        {
            var (x, y) = (CheckedOperand(Var(type)), CheckedOperand(Expr(type, depth - 1, loopDepth)));
            if (Chance(50)) (x, y) = (y, x);
            return $"checked({x} {Pick(new[] { "+", "-", "*" })} {y})";
        }
        var target = Pick(Integers);
        return $"({type})checked(({target}){CheckedOperand(Var(Pick(Arith)))})";
    }

    /// <summary><paramref name="operand"/> in an unchecked context, half the time made small. The bound is an int
    /// constant, which C# converts to the operand's type, so the remainder keeps that type.</summary>
    string CheckedOperand(string operand) =>
        Chance(50) ? $"unchecked({operand})" : $"unchecked({operand} % {Pick(new[] { 16, 256, 1000, 46341, 65536 })})";

    /// <summary>A later method, or this one while it may still recurse; null when there is nothing to call.</summary>
    Method? Callee()
    {
        if (recursiveCallsLeft > 0 && Chance(40))
        {
            recursiveCallsLeft--;
            return methods[currentMethod];
        }
        return currentMethod + 1 < methods.Count ? methods[rng.Next(currentMethod + 1, methods.Count)] : null;
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
