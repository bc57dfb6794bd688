using System.Globalization;
using System.Text;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// Generates random C# programs in MiniJit's supported subset, shaped like real code: a class of static methods
/// with up to ten parameters of every integer type, <c>double</c> and <c>float</c> (some methods take mostly
/// floating-point parameters, so that more than eight travel in xmm registers and the rest on the stack); arithmetic,
/// bitwise, shift, cast, comparison and ternary expressions; if/else, switch on every integer type, early returns,
/// break/continue; for, while and do-while loops (nested, with small constant or masked bounds so every program ends)
/// that carry values around the back edge the way real loops do — rotated, swapped, shifted by one
/// (<c>(a, b) = (b, a + b)</c>, <c>t = a + b; a = b; b = t;</c>, <c>x = y++</c>) — sometimes used after the loop and
/// sometimes not; calls from each method to later ones, and at most one method that calls itself on a depth parameter
/// that every call decreases.
/// <para>Floating point: + - * / % and negation, every comparison and its negation (<c>!(a &lt; b)</c>, the unordered
/// CIL forms), conversions both ways between every integer type and float/double (unchecked, and
/// <c>checked((int)…)</c> on operands biased so that some fit and some overflow), float ↔ double, the math library
/// (<c>Math.Sqrt</c>, <c>Math.Sin</c>, <c>MathF.Pow</c>, …), literals such as <c>-0d</c>, <c>1E+300d</c>,
/// <c>double.NaN</c> and <c>float.Epsilon</c>, and loop-carried accumulators (sums, products, Newton iterations, Horner
/// polynomials). A floating-point test may join a loop's test, but only beside its integer counter, so no NaN or
/// zero step can make a loop endless.</para>
/// Checked arithmetic and casts, and the integer Math helpers (Abs, Sign, Clamp, Max, Min, BigMul), appear too; and
/// in some programs memory (arrays, spans, by-refs: ProgramGenerator.Memory.cs) and structs the program declares
/// (ProgramGenerator.Structs.cs). The same seed always gives the same program.
/// </summary>
public sealed partial class ProgramGenerator
{
    /// <summary>The most parameters a method may have to be called through a delegate (MiniJit's entry boundary);
    /// a method with more gets a wrapper of this many parameters, named <c>…Entry</c>, that calls it.</summary>
    public const int MaxEntryParameters = 8;

    /// <summary>The deepest recursion: a recursive method returns at once when its depth is above this.</summary>
    const int MaxRecursionDepth = 6;

    static readonly string[] Arith = ["int", "long", "uint", "ulong"];
    static readonly string[] Floats = ["double", "float"];
    static readonly string[] Integers = ["int", "long", "uint", "ulong", "short", "ushort", "byte", "sbyte", "char"];
    static readonly string[] Storage = ["int", "long", "int", "long", "uint", "ulong", "byte", "sbyte", "short", "ushort", "char", "double", "double", "float"];
    static readonly string[] ParamTypes = ["int", "long", "int", "long", "uint", "ulong", "short", "ushort", "byte", "sbyte", "char", "bool", "double", "double", "float"];
    static readonly string[] FloatHeavyParamTypes = ["double", "double", "double", "float", "float", "double", "float", "double", "float", "int"];
    static readonly string[] ReturnTypes = ["int", "long", "int", "long", "uint", "ulong", "byte", "sbyte", "short", "ushort", "char", "bool", "double", "double", "float"];
    static readonly string[] OneOperandMath = ["Sqrt", "Abs", "Floor", "Ceiling", "Truncate", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Exp", "Log", "Log10", "Log2", "Cbrt"];
    static readonly string[] TwoOperandMath = ["Min", "Max", "CopySign", "Atan2", "Pow"];
    static readonly string[] Rounding = ["Floor", "Ceiling", "Truncate", "Round"];

    /// <param name="Recursive">Calls itself; its first parameter <c>p0</c> (an int) is the remaining depth.</param>
    sealed record Method(string Name, string Return, string[] Params, bool Recursive);

    /// <param name="Element">For an array or span (a buffer): its element type; null for a value.</param>
    /// <param name="Kind">What kind of buffer it is.</param>
    /// <param name="Struct">For a value of a struct type the program declares: that type; null otherwise.</param>
    sealed record Variable(string Name, string Type, bool Assignable, string? Element = null, BufferKind Kind = BufferKind.None, StructType? Struct = null)
    {
        public bool IsBuffer => Element is not null;
        public bool IsStruct => Struct is not null;
        /// <summary>A value of a primitive type: neither a buffer nor a struct.</summary>
        public bool IsScalar => !IsBuffer && !IsStruct;
        /// <summary>An array or a Span: its elements can be written and referenced.</summary>
        public bool Writable => Kind is BufferKind.Array or BufferKind.Span;
    }

    readonly Random rng;
    readonly List<Method> methods = [];
    readonly StringBuilder sb = new();
    List<Variable> scope = [];
    int counter;
    /// <summary>Above zero while generating text that will be written more than once (Horner's x): no `out`
    /// declaration may appear in it, since C# refuses a name declared twice.</summary>
    int repeatedText;
    int indent;
    int currentMethod;
    int recursiveCallsLeft;

    public ProgramGenerator(int seed) => rng = new Random(seed);

    /// <summary>Scalar variables only: no arrays, spans, pointers, by-refs or structs (the choices are still drawn, so
    /// a seed's other choices stay as they are). Most such methods are what the baseline tier translates in one pass.</summary>
    public bool ScalarOnly { get; init; }

    T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
    bool Chance(int percent) => rng.Next(100) < percent;

    static bool IsFloat(string type) => type is "double" or "float";

    public string Generate(string className)
    {
        this.className = className;
        int count = rng.Next(1, 6);
        ChooseMemory();
        ChooseStructs(className);
        int recursive = Chance(40) ? rng.Next(count) : -1;
        // Method i may call only methods j > i (and itself if it is the recursive one), so every call chain ends;
        // generate the signatures first.
        for (int i = 0; i < count; i++)
        {
            int parameterCount = Chance(25) ? rng.Next(5, 11) : rng.Next(1, 5);
            var pool = ParamTypes;
            if (parameterCount >= 5 && Chance(40))
            {
                // Mostly floating point: past eight such parameters they go on the stack, not in xmm registers.
                pool = FloatHeavyParamTypes;
                if (Chance(50)) parameterCount = rng.Next(9, 11);
            }
            List<string> types = [.. Enumerable.Range(0, parameterCount).Select(_ => Pick(pool))];
            if (i == recursive) types[0] = "int";
            var returns = structs && Chance(30) ? Pick(structTypes).Name : Pick(ReturnTypes);
            if (structs && Chance(60)) types = WithStructParameters(types, i == recursive);
            if (memory && Chance(80)) types = WithMemoryParameters(types, i == recursive);
            if (structs) types = FitEntrySlots(types, returns, i == recursive);
            methods.Add(new Method($"M{i}", returns, [.. types], i == recursive));
        }
        sb.Append($"public static class {className}\n{{\n");
        for (int i = count - 1; i >= 0; i--) EmitMethod(i);
        foreach (var m in methods.Where(m => m.Params.Length > MaxEntryParameters)) EmitEntryWrapper(m);
        indent = 1;
        foreach (var (type, name, isReadonly, value) in staticFields) Line($"internal static {(isReadonly ? "readonly " : "")}{type} {name} = {value};");
        staticsDeclared = true;
        sb.Append("}\n");
        foreach (var s in structTypes) EmitStruct(s);
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
        scope = [.. m.Params.Select((t, i) => ParameterVariable($"p{i}", t, !(m.Recursive && i == 0)))];
        facts.Clear();
        indent = 1;
        Line($"public static {m.Return} {m.Name}({ParameterList(m.Params)})");
        Line("{");
        indent++;
        Line("unchecked");
        Line("{");
        indent++;
        AssignOutParameters(m);
        if (m.Recursive)
        {
            // Generated before any recursive call site may be, so the base case never recurses.
            int saved = recursiveCallsLeft;
            recursiveCallsLeft = 0;
            // Two tests, not one with ||: the first one alone, right at the entry, gives the base-case shape that
            // shrink-wrapping looks for (a return before any call), whenever its value calls nothing.
            Line($"if (p0 <= 0) return {Value(m.Return, 2)};");
            Line($"if (p0 > {MaxRecursionDepth}) return {Value(m.Return, 2)};");
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
        // An out parameter is passed on, never read: it is unassigned until the call.
        scope = [.. outer.Select((t, i) => ParameterVariable($"p{i}", t, false)).Where((_, i) => !IsOut(outer[i]))];
        facts.Clear();
        // After a span on the evaluation stack, arguments must not branch (MiniJit follows spans only within a block).
        bool afterSpan = outer.Any(IsSpanType);
        var args = m.Params.Select((t, i) => i < MaxEntryParameters ? PassThrough(t, $"p{i}") : afterSpan ? Simple(t) : Value(t, 1));
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

    List<Variable> Assignable() => [.. Scalars().Where(v => v.Assignable && v.Type != "bool")];

    void Statement(int depth, int loopDepth, bool canBreak)
    {
        if (memory && Chance(Buffers().Count > 0 ? 30 : 6) && MemoryStatement(depth, loopDepth, canBreak)) return;
        if (structs && Chance(StructPaths().Count > 0 ? 25 : 8) && StructStatement(depth, loopDepth)) return;
        int roll = rng.Next(108);
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
        else if (roll < 29 && assignable.Any(v => Arith.Contains(v.Type) || IsFloat(v.Type)))
        {
            var v = Pick(assignable.Where(v => Arith.Contains(v.Type) || IsFloat(v.Type)).ToList());
            var op = IsFloat(v.Type) ? Pick(new[] { "+=", "-=", "*=", "/=", "%=", "+=", "*=" }) : Pick(new[] { "+=", "-=", "*=", "^=", "|=", "&=" });
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
            Loop(depth, loopDepth, []);
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
        else if (roll >= 100 && loopDepth < 3)
        {
            AccumulatorLoop(depth, loopDepth);
        }
        else
        {
            var t = Chance(70) ? Pick(Arith) : Pick(Floats);
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
            case 5 when IsFloat(t): Line($"{x.Name} = ({t})({y.Name} - {x.Name}); {y.Name} = ({t})({y.Name} * {FloatLiteral(0.5, t)} + ({Var(t)}));"); break;
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
        List<Action<string>> rotations = [.. Enumerable.Range(0, rng.Next(1, 3)).Select(_ => (Action<string>)(_ =>
        {
            var x = Pick(carried);
            var y = Pick(carried.Where(v => v != x).ToList());
            Rotate(x, y);
        }))];
        Loop(depth, loopDepth, rotations);
        if (Chance(50)) scope = before;
    }

    /// <summary>Floating-point values a loop accumulates, the way numeric code does: a sum, a product, a Newton
    /// iteration for a square root, a Horner polynomial, a sum and a sum of squares. The loop is counted like
    /// any other; its test may also look at an accumulator, beside the counter.</summary>
    void AccumulatorLoop(int depth, int loopDepth)
    {
        var t = Chance(70) ? "double" : "float";
        var math = t == "float" ? "System.MathF" : "System.Math";
        string L(double value) => FloatLiteral(value, t);
        var before = scope.ToList();
        List<Variable> accumulators = [];
        List<Action<string>> steps = [];
        Variable Declare(string initial)
        {
            var v = new Variable($"v{counter++}", t, true);
            Line($"{t} {v.Name} = {initial};");
            accumulators.Add(v);
            return v;
        }
        for (int k = rng.Next(1, 3); k > 0; k--)
        {
            switch (rng.Next(5))
            {
                case 0:
                    var sum = Declare(Chance(70) ? L(0) : FExpr(t, 1, loopDepth));
                    steps.Add(i => Line(Chance(50)
                        ? $"{sum.Name} += {FExpr(t, 2, loopDepth + 1)};"
                        : $"{sum.Name} += ({t}){i} * {FExpr(t, 1, loopDepth + 1)};"));
                    break;
                case 1:
                    var product = Declare(Chance(70) ? L(1) : FExpr(t, 1, loopDepth));
                    steps.Add(_ => Line($"{product.Name} *= {FExpr(t, 2, loopDepth + 1)};"));
                    break;
                case 2:
                    // x = (x + a / x) / 2 converges to sqrt(a), or to NaN, or it stays 0 or infinite.
                    var a = Declare(FExpr(t, 2, loopDepth));
                    var x = Declare(Chance(50) ? L(1) : $"{a.Name} * {L(0.5)} + {L(1)}");
                    steps.Add(_ =>
                    {
                        Line($"{x.Name} = {L(0.5)} * ({x.Name} + {a.Name} / {x.Name});");
                        if (Chance(50)) Line($"if ({math}.Abs({x.Name} * {x.Name} - {a.Name}) < {L(Pick(new[] { 1e-9, 1e-3, 0.5 }))}) break;");
                    });
                    break;
                case 3:
                    var point = Chance(50) && scope.Any(v => v.Type == t) ? Pick(scope.Where(v => v.Type == t).ToList()).Name : Declare(FExpr(t, 2, loopDepth)).Name;
                    var horner = Declare(FConstant(t));
                    steps.Add(i => Line($"{horner.Name} = {horner.Name} * {point} + {(Chance(50) ? FConstant(t) : $"({t}){i}")};"));
                    break;
                default:
                    var total = Declare(L(0));
                    var squares = Declare(L(0));
                    steps.Add(_ =>
                    {
                        var sample = $"v{counter++}";
                        Line($"{t} {sample} = {FExpr(t, 2, loopDepth + 1)};");
                        Line($"{total.Name} += {sample}; {squares.Name} += {sample} * {sample};");
                    });
                    break;
            }
        }
        scope.AddRange(accumulators);
        var acc = Pick(accumulators).Name;
        string? test = rng.Next(6) switch
        {
            0 => $"{acc} < {FConstant(t)}",
            1 => $"!({acc} >= {L(Pick(new[] { 1e6, 100, 0, 1e300 }))})",
            2 => $"{math}.Abs({acc}) <= {L(Pick(new[] { 1e9, 1e30, 2 }))}",
            3 => $"{acc} == {acc}",
            _ => null,
        };
        Loop(depth, loopDepth, steps, test, maxBound: 12);
        if (Chance(25)) scope = before;
    }

    /// <summary>A for, while or do-while loop with a small bound. <paramref name="perIteration"/> run in the body
    /// (given the counter's name) besides its random statements. <paramref name="test"/> joins the counter's test
    /// with &amp;&amp;, so the loop stays bounded whatever it is.</summary>
    void Loop(int depth, int loopDepth, List<Action<string>> perIteration, string? test = null, int maxBound = 6)
    {
        var i = $"i{counter++}";
        var bound = Chance(60) ? rng.Next(0, maxBound + 1).ToString(CultureInfo.InvariantCulture) : $"(int)({Var("int")} & 7)";
        var counterVariable = new Variable(i, "int", false);
        scope.Add(counterVariable);
        if (test is null && Chance(10)) test = Cond(1, loopDepth + 1);
        var and = test is null ? "" : $" && {test}";
        switch (rng.Next(4))
        {
            case 0:
                Line($"for (int {i} = 0; {i} < {bound}{and}; {i}++)");
                LoopBody(depth, loopDepth, perIteration, i, "");
                scope.Remove(counterVariable);
                break;
            case 1:
                // The test at the top; the count goes first in the body, so continue cannot skip it.
                Line($"int {i} = 0;");
                Line($"while ({i} < {bound}{and})");
                LoopBody(depth, loopDepth, perIteration, i, $"{i}++;");
                break;
            case 2:
                Line($"int {i} = 0;");
                Line($"while ({i}++ < {bound}{and})");
                LoopBody(depth, loopDepth, perIteration, i, "");
                break;
            default:
                // The test at the bottom: the body runs at least once.
                Line($"int {i} = 0;");
                Line("do");
                LoopBody(depth, loopDepth, perIteration, i, "");
                Line($"while (++{i} < {bound}{and});");
                break;
        }
    }

    void LoopBody(int depth, int loopDepth, List<Action<string>> perIteration, string counterName, string first)
    {
        var saved = scope.ToList();
        Line("{");
        indent++;
        if (first != "") Line(first);
        int statements = rng.Next(perIteration.Count > 0 ? 0 : 1, 5);
        // The per-iteration steps before, between and after the other statements.
        var order = perIteration.Concat(Enumerable.Repeat<Action<string>?>(null, statements)).OrderBy(_ => rng.Next()).ToList();
        foreach (var step in order)
        {
            if (step is not null) step(counterName);
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
    string Value(string type, int depth, int loopDepth = 0)
    {
        if (StructOf(type) is { } s) return StructValue(s, depth, loopDepth);
        if (type == "bool") return Cond(depth, loopDepth);
        if (IsFloat(type))
            return rng.Next(10) switch
            {
                < 7 => FExpr(type, depth, loopDepth),
                < 9 => $"({type})({Expr(Pick(Arith), depth, loopDepth)})",
                _ => $"({type})({FExpr(OtherFloat(type), depth, loopDepth)})",
            };
        if (Chance(12)) return FloatToInteger(type, depth, loopDepth);
        return Arith.Contains(type) && Chance(50) ? Expr(type, depth, loopDepth) : $"({type})({Expr(Pick(Arith), depth, loopDepth)})";
    }

    static string OtherFloat(string type) => type == "double" ? "float" : "double";

    string Var(string type)
    {
        var candidates = Scalars().Where(v => v.Type != "bool").ToList();
        if (candidates.Count == 0)
        {
            // Only bool values: still not a constant, so that a divisor built from it is not a constant zero.
            if (Scalars().FirstOrDefault(v => v.Type == "bool") is not { } flag) return $"({type}){rng.Next(1, 100)}";
            return $"({flag.Name} ? {Constant(type)} : {Constant(type)})";
        }
        // A floating-point value is more often taken from a floating-point variable.
        if (IsFloat(type) && Chance(60) && candidates.Where(v => IsFloat(v.Type)).ToList() is { Count: > 0 } floats) candidates = floats;
        var v = Pick(candidates);
        return v.Type == type ? v.Name : $"({type}){v.Name}";
    }

    /// <summary>The static fields the methods read, declared after them in the class: plain ones (read at their
    /// address) and static readonly ones (constants to compiled code). None is ever written: a write would carry state
    /// from the CLR's call into MiniJit's and break the comparison.</summary>
    readonly List<(string Type, string Name, bool Readonly, string Value)> staticFields = [];

    /// <summary>The program's class, which qualifies its static fields (the structs' methods read them too).</summary>
    string className = "";

    /// <summary>Set once the class is closed: the structs after it read only the fields already declared.</summary>
    bool staticsDeclared;

    /// <summary>A static field of <paramref name="type"/>: one already declared, or a new one (a constant once the
    /// class is closed and no field of the type exists).</summary>
    string StaticRead(string type)
    {
        if (staticsDeclared && !staticFields.Any(f => f.Type == type)) return Constant(type);
        var existing = staticFields.Where(f => f.Type == type).ToList();
        if (existing.Count > 0 && (staticsDeclared || staticFields.Count >= 6 || Chance(50))) return $"{className}.{Pick(existing).Name}";
        string name = $"S{staticFields.Count}";
        staticFields.Add((type, name, Chance(50), Constant(type)));
        return $"{className}.{name}";
    }

    string Constant(string type)
    {
        if (IsFloat(type)) return FConstant(type);
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

    /// <summary>A literal of type double or float: round-trip digits and a suffix (<c>0.5d</c>, <c>(-0d)</c>,
    /// <c>1E+300d</c>, <c>3.4E+38f</c>); a value that <paramref name="type"/> cannot hold as digits is named
    /// (<c>float.PositiveInfinity</c>).</summary>
    static string FloatLiteral(double value, string type)
    {
        double rounded = type == "float" ? (float)value : value;
        if (double.IsNaN(rounded)) return $"{type}.NaN";
        if (double.IsInfinity(rounded)) return rounded > 0 ? $"{type}.PositiveInfinity" : $"{type}.NegativeInfinity";
        string text = type == "float"
            ? ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f"
            : value.ToString("R", CultureInfo.InvariantCulture) + "d";
        return text.StartsWith('-') ? $"({text})" : text;
    }

    static readonly double[] SpecialDoubles =
    [
        0.5, -0.0, 0.0, 1.0, -1.0, 2.0, 0.1, 1.0 / 3.0, 1e300, -1e300, 1e-300, 1e-310, 1e10, -1e15, 255.5, -128.5, 65535.5,
        2147483647.5, 2147483648.0, -2147483649.0, 4294967296.0, 9223372036854775808.0, -9223372036854775808.0,
        18446744073709551616.0, 9007199254740993.0, 1.5, -2.5, 3.5,
    ];

    static readonly double[] SpecialFloats =
    [
        0.5, -0.0, 0.0, 1.0, -1.0, 2.0, 0.1, 1.0 / 3.0, 1e30, -1e30, 1e-30, 1e-40, 1e10, 16777217.0, 255.5, -128.5, 65535.5,
        2147483648.0, -2147483904.0, 4294967296.0, 9223372036854775808.0, 18446744073709551616.0, 1.5, -2.5, 3.5,
    ];

    /// <summary>A floating-point constant: a named one (NaN, the infinities, Epsilon, the extremes), a value at a
    /// conversion or rounding boundary, a quarter, or random digits of any magnitude.</summary>
    string FConstant(string type)
    {
        bool single = type == "float";
        switch (rng.Next(8))
        {
            case 0:
                return $"{type}.{Pick(new[] { "NaN", "PositiveInfinity", "NegativeInfinity", "Epsilon", "MaxValue", "MinValue", "NaN", "Epsilon" })}";
            case 1:
            case 2:
                return FloatLiteral(Pick(single ? SpecialFloats : SpecialDoubles), type);
            case 3:
            case 4:
                return FloatLiteral(rng.Next(-40, 41) / 4.0, type);
            case 5:
                return FloatLiteral(Math.Round(rng.NextDouble() * 2000 - 1000, rng.Next(0, 4)), type);
            case 6:
                // Any finite value, subnormals included.
                double bits = single ? BitConverter.Int32BitsToSingle(rng.Next(int.MinValue, int.MaxValue)) : BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue));
                return double.IsFinite(bits) ? FloatLiteral(bits, type) : $"{type}.NaN";
            default:
                return single ? Pick(new[] { "System.MathF.PI", "System.MathF.E" }) : Pick(new[] { "System.Math.PI", "System.Math.E" });
        }
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
        if (IsFloat(type)) return FExpr(type, depth, loopDepth);
        if (memory && Chance(depth <= 0 ? 12 : 6) && ElementExpr(type) is { } element) return element;
        if (structs && Chance(8) && StructRead(type, depth, loopDepth) is { } read) return read;
        if (depth <= 0 || Chance(20)) return Chance(65) ? Var(type) : Chance(15) ? StaticRead(type) : Constant(type);
        bool signed = type is "int" or "long";
        int roll = rng.Next(100);
        if (roll < 26) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "+", "-", "*", "&", "|", "^" })} {Expr(type, depth - 1, loopDepth)})";
        if (roll < 34) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "/", "%" })} {Divisor(type, depth - 1, loopDepth)})";
        if (roll < 42) return $"({Expr(type, depth - 1, loopDepth)} {Pick(new[] { "<<", ">>", ">>>" })} {ShiftCount(depth - 1, loopDepth)})";
        if (roll < 48) return signed && Chance(50) ? $"(-{Expr(type, depth - 1, loopDepth)})" : $"(~{Expr(type, depth - 1, loopDepth)})";
        if (roll < 58)
        {
            var narrow = Pick(Integers);
            return $"({type})({narrow})({Expr(Pick(Arith), depth - 1, loopDepth)})";
        }
        if (roll < 64)
        {
            // From floating point, straight to this type or through a narrower one.
            var through = Chance(60) ? type : Pick(Integers);
            var converted = FloatToInteger(through, depth - 1, loopDepth);
            return through == type ? converted : $"({type}){converted}";
        }
        if (roll < 72) return $"({Cond(depth - 1, loopDepth)} ? {Expr(type, depth - 1, loopDepth)} : {Expr(type, depth - 1, loopDepth)})";
        if (roll < 80) return IntegerMathCall(type, depth, loopDepth);
        if (roll < 88) return Checked(type, depth, loopDepth);
        // Calls stay out of loops, so that the work a program does stays small however its calls nest.
        if (roll < 93 && loopDepth == 0 && Call(depth) is { } call) return CallResult(call, type);
        return Var(type);
    }

    /// <summary>A call of a later method (or of this one, while it may still recurse), or null when there is
    /// nothing to call.</summary>
    (Method Callee, string Text)? Call(int depth, string? returning = null)
    {
        if (Callee(returning) is not { } callee) return null;
        List<string> args = [];
        bool afterSpan = false;
        for (int i = 0; i < callee.Params.Length; i++)
        {
            var p = callee.Params[i];
            if (callee == methods[currentMethod] && i == 0) args.Add($"p0 - {rng.Next(1, 3)}");
            else if (Argument(p, Math.Min(depth - 1, 1), afterSpan) is { } argument) args.Add(argument);
            else return null;  // nothing in scope to pass by reference
            afterSpan |= IsSpanType(p);
        }
        return (callee, $"{callee.Name}({string.Join(", ", args)})");
    }

    string CallResult((Method Callee, string Text) call, string type) =>
        StructOf(call.Callee.Return) is { } s ? FieldOfValue(call.Text, s, type)
        : call.Callee.Return == "bool" ? $"({call.Text} ? {Expr(type, 0)} : {Expr(type, 0)})" : $"({type}){call.Text}";

    /// <summary>
    /// Library calls: plain IL (Sign, BigMul), runtime intrinsics compiled from their IL (Max and Min, on every
    /// integer type), and throw helpers that run in managed code (Abs of MinValue throws OverflowException; Clamp with
    /// min &gt; max throws ArgumentException through a generic helper).
    /// </summary>
    string IntegerMathCall(string type, int depth, int loopDepth)
    {
        bool signed = type is "int" or "long";
        var operand = Expr(type, depth - 1, loopDepth);
        switch (rng.Next(repeatedText > 0 ? 5 : 8))
        {
            case 5:
                {
                    // An out argument: the call writes a variable declared right there.
                    var t = Pick(new[] { "int", "long" });
                    var remainder = $"o{counter++}";
                    return $"({type})(System.Math.DivRem(({t})({operand}), ({t}){Divisor(t, depth - 1, loopDepth)}, out {t} {remainder}) + {remainder})";
                }
            case 6:
                {
                    var t = Pick(new[] { "long", "ulong" });
                    var low = $"o{counter++}";
                    return $"({type})(System.Math.BigMul(({t})({operand}), ({t})({Expr(t, depth - 1, loopDepth)}), out {t} {low}) ^ {low})";
                }
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

    /// <summary>A later method, or this one while it may still recurse (that returns <paramref name="returning"/>,
    /// when given); null when there is nothing to call.</summary>
    Method? Callee(string? returning = null)
    {
        bool Fits(Method m) => returning is null || m.Return == returning;
        if (recursiveCallsLeft > 0 && Chance(40) && Fits(methods[currentMethod]))
        {
            recursiveCallsLeft--;
            return methods[currentMethod];
        }
        var later = methods.Skip(currentMethod + 1).Where(Fits).ToList();
        return later.Count > 0 ? Pick(later) : null;
    }

    /// <summary>An expression of type double or float.</summary>
    string FExpr(string type, int depth, int loopDepth = 0)
    {
        if (memory && Chance(depth <= 0 ? 12 : 6) && ElementExpr(type) is { } element) return element;
        if (structs && Chance(8) && StructRead(type, depth, loopDepth) is { } read) return read;
        if (depth <= 0 || Chance(20)) return Chance(65) ? Var(type) : FConstant(type);
        int roll = rng.Next(100);
        if (roll < 28) return $"({FExpr(type, depth - 1, loopDepth)} {Pick(new[] { "+", "-", "*", "/", "+", "*" })} {FExpr(type, depth - 1, loopDepth)})";
        if (roll < 33) return $"({FExpr(type, depth - 1, loopDepth)} % {FExpr(type, depth - 1, loopDepth)})";
        if (roll < 38) return $"(-{FExpr(type, depth - 1, loopDepth)})";
        if (roll < 46)
        {
            // From an integer: C#'s implicit conversion in mixed arithmetic, or a cast (through a narrower type).
            var from = Pick(Arith);
            return rng.Next(3) switch
            {
                0 => $"({type})({FExpr(type, depth - 1, loopDepth)} {Pick(new[] { "+", "-", "*", "/" })} {Expr(from, depth - 1, loopDepth)})",
                1 => $"({type})({Pick(Integers)})({Expr(from, depth - 1, loopDepth)})",
                _ => $"({type})({Expr(from, depth - 1, loopDepth)})",
            };
        }
        if (roll < 51)
        {
            // float <-> double, and mixed arithmetic, where the float widens.
            var other = OtherFloat(type);
            return Chance(50)
                ? $"({type})({FExpr(other, depth - 1, loopDepth)})"
                : $"({type})({FExpr(type, depth - 1, loopDepth)} {Pick(new[] { "+", "-", "*", "/" })} {FExpr(other, depth - 1, loopDepth)})";
        }
        if (roll < 61) return $"({Cond(depth - 1, loopDepth)} ? {FExpr(type, depth - 1, loopDepth)} : {FExpr(type, depth - 1, loopDepth)})";
        if (roll < 80) return MathCall(type, depth - 1, loopDepth);
        if (roll < 84)
        {
            // A polynomial by Horner's rule.
            repeatedText++;
            var x = FExpr(type, depth - 1, loopDepth);
            repeatedText--;
            var text = FConstant(type);
            for (int k = rng.Next(2, 5); k > 0; k--) text = $"({text} * {x} + {FConstant(type)})";
            return text;
        }
        if (roll < 90 && loopDepth == 0 && Call(depth) is { } call) return CallResult(call, type);
        return Var(type);
    }

    /// <summary>A call of the math library: Math.X on doubles, MathF.X on floats, and sometimes Math.X on a float
    /// (which widens to double) converted back.</summary>
    string MathCall(string type, int depth, int loopDepth)
    {
        var math = type == "float" ? "System.MathF" : "System.Math";
        string cast = "", operandType = type;
        if (type == "float" && Chance(20))
        {
            (math, cast) = ("System.Math", "(float)");
            operandType = Chance(50) ? "float" : "double";
        }
        string Operand() => FExpr(operandType, depth, loopDepth);
        int roll = rng.Next(100);
        if (roll < 60) return $"{cast}{math}.{Pick(OneOperandMath)}({Operand()})";
        if (roll < 92) return $"{cast}{math}.{Pick(TwoOperandMath)}({Operand()}, {Operand()})";
        return $"{cast}{math}.FusedMultiplyAdd({Operand()}, {Operand()}, {Operand()})";
    }

    /// <summary>A floating-point expression that is not a constant (a checked conversion of a constant that does not
    /// fit is a compile-time error).</summary>
    string FNonConstant(string type, int depth, int loopDepth) => rng.Next(3) switch
    {
        0 => Var(type),
        1 => $"({Var(type)} {Pick(new[] { "+", "-", "*", "/" })} {FExpr(type, depth, loopDepth)})",
        _ => $"{(type == "float" ? "System.MathF" : "System.Math")}.{Pick(OneOperandMath)}({Var(type)})",
    };

    /// <summary>Modulus that keeps a finite value inside the type, and the type's bounds as doubles.</summary>
    static (double Modulus, double Low, double High) IntegerRange(string type) => type switch
    {
        "sbyte" => (100, -128, 127),
        "byte" => (200, 0, 255),
        "short" => (30000, -32768, 32767),
        "ushort" or "char" => (60000, 0, 65535),
        "int" => (1e9, -2147483648.0, 2147483647.0),
        "uint" => (4e9, 0, 4294967295.0),
        "long" => (9e18, -9223372036854775808.0, 9223372036854775808.0),
        _ => (1.8e19, 0, 18446744073709551616.0),
    };

    /// <summary>A floating-point value converted to the integer type <paramref name="target"/>: unchecked (the CLR
    /// saturates, NaN gives 0), or checked, which throws OverflowException for NaN and values out of range. A checked
    /// operand is biased so that both happen: raw (NaN and huge inputs overflow), reduced into the type's range (only
    /// NaN and the infinities overflow), or near one of its bounds (about half overflow).</summary>
    string FloatToInteger(string target, int depth, int loopDepth)
    {
        var type = Chance(70) ? "double" : "float";
        var math = type == "float" ? "System.MathF" : "System.Math";
        if (Chance(35))
        {
            var (modulus, low, high) = IntegerRange(target);
            var x = FNonConstant(type, Math.Max(depth - 1, 0), loopDepth);
            bool unsigned = low == 0;
            // Inside unchecked(…), so checked applies to the conversion only, never to integer arithmetic inside.
            var operand = rng.Next(10) switch
            {
                < 3 => x,
                < 7 when unsigned => $"{math}.Abs({x} % {FloatLiteral(modulus, type)})",
                < 7 => $"({x} % {FloatLiteral(modulus, type)})",
                _ => $"({x} % {FloatLiteral(target is "long" or "ulong" ? 4096 : 4, "double")} + {FloatLiteral(Chance(50) ? high : low, "double")})",
            };
            return $"checked(({target})unchecked({operand}))";
        }
        return Chance(35)
            ? $"({target}){math}.{Pick(Rounding)}({FExpr(type, depth, loopDepth)})"
            : $"({target})({FExpr(type, depth, loopDepth)})";
    }

    string Cond(int depth, int loopDepth)
    {
        if (memory && Chance(8) && MemoryCond() is { } test) return test;
        if (structs && Chance(6) && StructRead("bool", depth, loopDepth) is { } read) return read;
        var bools = Scalars().Where(v => v.Type == "bool").ToList();
        int roll = rng.Next(100);
        if (depth <= 0 || roll < 55)
        {
            if (bools.Count > 0 && Chance(15)) return Pick(bools).Name;
            if (Chance(35)) return FloatCond(Math.Max(depth - 1, 0), loopDepth);
            var t = Pick(Arith);
            return $"({Expr(t, Math.Max(depth - 1, 0), loopDepth)} {Pick(new[] { "==", "!=", "<", "<=", ">", ">=" })} {Expr(t, Math.Max(depth - 1, 0), loopDepth)})";
        }
        if (roll < 80) return $"({Cond(depth - 1, loopDepth)} {Pick(new[] { "&&", "||", "==", "!=", "&", "|", "^" })} {Cond(depth - 1, loopDepth)})";
        return $"!{Cond(depth - 1, loopDepth)}";
    }

    /// <summary>A floating-point comparison: ordered, or negated (<c>!(a &lt; b)</c> is true on NaN: the unordered
    /// CIL forms), between two floats, two doubles or one of each; or a NaN test.</summary>
    string FloatCond(int depth, int loopDepth)
    {
        var t = Chance(65) ? "double" : "float";
        var a = FExpr(t, depth, loopDepth);
        if (Chance(8)) return $"{t}.{Pick(new[] { "IsNaN", "IsFinite" })}({a})";
        var b = FExpr(Chance(20) ? OtherFloat(t) : t, depth, loopDepth);
        var op = Pick(new[] { "==", "!=", "<", "<=", ">", ">=" });
        return Chance(30) ? $"!({a} {op} {b})" : $"({a} {op} {b})";
    }
}
