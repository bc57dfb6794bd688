using System.Globalization;

namespace MiniJit.Cli.Fuzzing;

/// <summary>What a buffer variable is: an array, a <c>Span&lt;T&gt;</c> or a <c>ReadOnlySpan&lt;T&gt;</c>.</summary>
enum BufferKind { None, Array, Span, ReadOnlySpan }

/// <summary>
/// Memory: in about two programs of five, methods take arrays (<c>int[]</c>, <c>long[]</c>, <c>double[]</c>,
/// <c>byte[]</c> and a few other element types), <c>Span&lt;T&gt;</c> and <c>ReadOnlySpan&lt;T&gt;</c> parameters and
/// <c>ref</c>/<c>in</c> parameters, and their bodies read and write elements (<c>a[i] = …</c>, <c>a[i] += …</c>,
/// <c>a[i]++</c>), read <c>Length</c> and <c>IsEmpty</c>, loop over buffers (forward, backward, with strides, two
/// pointers, two buffers at once, <c>foreach</c>), make spans (from arrays, <c>AsSpan</c>, <c>new Span</c>,
/// <c>Slice</c>, a constant <c>stackalloc</c> outside loops), take ref locals to elements and to locals, and pass
/// arrays, spans and references to the other methods.
/// <para>Indexes are usually in range — a loop's counter over the buffer it bounds, a constant below a length an
/// enclosing <c>if</c> checked, or <c>(int)((uint)x % (uint)a.Length)</c> behind <c>a.Length &gt; 0</c> — and
/// sometimes not (<c>x &amp; 7</c>, <c>x % 5</c>, <c>a.Length - 1</c>, any value), so IndexOutOfRangeException and,
/// for slices, ArgumentOutOfRangeException turn up, and NullReferenceException for the null arrays the harness
/// passes.</para>
/// <para>MiniJit follows a span only within one basic block of the evaluation stack, so whatever is evaluated while
/// a span (or a span variable's address) is on the stack — an index into a span, the arguments of <c>Slice</c>, the
/// arguments after a span argument — has no branch: it comes from <see cref="SimpleInt"/> and <see cref="Simple"/>.
/// The generated programs have no <c>using</c> directive (they are concatenated), so <c>AsSpan</c> is called as
/// <c>System.MemoryExtensions.AsSpan(a, …)</c>.</para>
/// </summary>
public sealed partial class ProgramGenerator
{
    static readonly string[] ElementTypes = ["int", "int", "long", "double", "byte", "int", "long", "double", "byte", "short", "uint", "float", "bool", "char"];
    static readonly string[] RefTypes = ["int", "long", "double", "int", "uint", "short", "byte", "float"];

    /// <summary>This program uses memory.</summary>
    bool memory;
    /// <summary>The element types of this program's buffers: few, so that calls find arguments of the right type.</summary>
    string[] elementPool = [];

    /// <summary>An index known to be in range of a buffer (a loop counter over it, a constant below a checked
    /// length), while the loop or the checked block lasts.</summary>
    sealed record Fact(string Buffer, string Index);
    readonly List<Fact> facts = [];

    void ChooseMemory()
    {
        memory = Chance(40) && !ScalarOnly;
        if (!memory) return;
        elementPool = [.. Enumerable.Range(0, rng.Next(1, 4)).Select(_ => Pick(ElementTypes)).Distinct()];
    }

    static bool IsSpanType(string type) => type.StartsWith("System.Span<", StringComparison.Ordinal) || type.StartsWith("System.ReadOnlySpan<", StringComparison.Ordinal);

    static string SpanType(BufferKind kind, string element) => kind == BufferKind.Span ? $"System.Span<{element}>" : $"System.ReadOnlySpan<{element}>";

    /// <summary>One or two buffers and sometimes a ref or in parameter, among the first eight parameters (a wrapper
    /// for a method of more parameters can make values, not buffers).</summary>
    List<string> WithMemoryParameters(List<string> types, bool recursive)
    {
        int first = recursive ? 1 : 0;
        types = [.. types];
        void Insert(string type) => types.Insert(rng.Next(first, Math.Min(types.Count, MaxEntryParameters - 1) + 1), type);
        for (int k = rng.Next(1, 3); k > 0; k--)
        {
            var element = Pick(elementPool);
            Insert(rng.Next(10) switch
            {
                < 6 => $"{element}[]",
                < 8 => $"System.ReadOnlySpan<{element}>",
                _ => $"System.Span<{element}>",
            });
        }
        if (Chance(30)) Insert($"{(Chance(80) ? "ref" : "in")} {Pick(RefTypes)}");
        // A later insertion may have pushed an earlier one past the eighth place: move it back.
        static bool IsMemory(string t) => t.EndsWith("[]", StringComparison.Ordinal) || IsSpanType(t) || t.Contains(' ', StringComparison.Ordinal);
        while (types.FindLastIndex(IsMemory) is var last && last >= MaxEntryParameters)
        {
            var moved = types[last];
            types.RemoveAt(last);
            types.Insert(rng.Next(first, MaxEntryParameters), moved);
        }
        // A span takes two of the delegate's eight argument slots: a method called through a delegate (or through a
        // wrapper of eight parameters) must fit.
        string ToArray(string t) => IsSpanType(t) ? $"{t[(t.IndexOf('<') + 1)..^1]}[]" : t;
        if (types.Count > MaxEntryParameters) types = [.. types.Select(ToArray)];
        var final = types;
        while (types.Count + types.Count(IsSpanType) > MaxEntryParameters)
        {
            var primitives = Enumerable.Range(first, types.Count - first).Where(k => !IsMemory(final[k])).ToList();
            if (primitives.Count > 1) types.RemoveAt(Pick(primitives));
            else types[types.FindIndex(IsSpanType)] = ToArray(types[types.FindIndex(IsSpanType)]);
        }
        return types;
    }

    Variable ParameterVariable(string name, string type, bool assignable)
    {
        if (type.EndsWith("[]", StringComparison.Ordinal)) return new Variable(name, type, false, type[..^2], BufferKind.Array);
        if (IsSpanType(type))
        {
            int open = type.IndexOf('<');
            var kind = type.StartsWith("System.Span<", StringComparison.Ordinal) ? BufferKind.Span : BufferKind.ReadOnlySpan;
            return new Variable(name, type, false, type[(open + 1)..^1], kind);
        }
        if (type.StartsWith("ref ", StringComparison.Ordinal)) return StructVariable(new Variable(name, type[4..], true));
        if (IsOut(type)) return StructVariable(new Variable(name, type[4..], true));
        if (type.StartsWith("in ", StringComparison.Ordinal)) return StructVariable(new Variable(name, type[3..], false));
        return StructVariable(new Variable(name, type, assignable));
    }

    /// <summary>A wrapper's parameter passed on to the method it wraps.</summary>
    static string PassThrough(string type, string name) =>
        type.StartsWith("ref ", StringComparison.Ordinal) ? $"ref {name}" : IsOut(type) ? $"out {name}" : name;

    List<Variable> Buffers() => [.. scope.Where(v => v.IsBuffer)];

    /// <summary>An argument for a parameter of <paramref name="type"/>, or null when nothing in scope can be passed
    /// by reference. After a span argument (<paramref name="afterSpan"/>), nothing may branch.</summary>
    string? Argument(string type, int depth, bool afterSpan)
    {
        if (IsStructParameter(type)) return StructArgument(type, depth, afterSpan);
        var buffers = Buffers();
        if (type.EndsWith("[]", StringComparison.Ordinal))
        {
            var arrays = buffers.Where(b => b.Kind == BufferKind.Array && b.Type == type).ToList();
            if (arrays.Count == 0) return Chance(30) ? "null" : null;
            return Chance(4) ? $"({type})null" : Pick(arrays).Name;
        }
        if (IsSpanType(type))
        {
            var target = ParameterVariable("_", type, false);
            var sources = buffers.Where(b => b.Element == target.Element && (target.Kind == BufferKind.ReadOnlySpan || b.Writable)).ToList();
            if (sources.Count == 0) return Chance(30) ? $"({target.Element}[])null" : null;
            var source = Pick(sources);
            return rng.Next(10) switch
            {
                < 7 => source.Name,
                < 9 when source.Kind != BufferKind.Array => $"{source.Name}.Slice({SimpleInt()} & 3)",
                _ when source.Kind == BufferKind.Array => $"System.MemoryExtensions.AsSpan({source.Name}, {SimpleInt()} & 3)",
                _ => source.Name,
            };
        }
        if (type.StartsWith("ref ", StringComparison.Ordinal))
        {
            var t = type[4..];
            var variables = Assignable().Where(v => v.Type == t).ToList();
            var elements = buffers.Where(b => b.Writable && b.Element == t).ToList();
            if (elements.Count > 0 && (variables.Count == 0 || Chance(40)))
            {
                var b = Pick(elements);
                return $"ref {b.Name}[{UnguardedIndex(b)}]";
            }
            return variables.Count > 0 ? $"ref {Pick(variables).Name}" : null;
        }
        if (type.StartsWith("in ", StringComparison.Ordinal)) type = type[3..];
        return afterSpan ? Simple(type) : Value(type, depth);
    }

    /// <summary>An int expression without a branch (a span may be on the evaluation stack): variables, small
    /// constants, + and ^.</summary>
    string SimpleInt()
    {
        var values = Scalars().Where(v => v.Type != "bool").ToList();
        string Leaf() => values.Count > 0 && Chance(80)
            ? Pick(values) is var v && v.Type == "int" ? v.Name : $"(int){Pick(values).Name}"
            : rng.Next(-2, 20) is var c && c < 0 ? $"({c})" : c.ToString(CultureInfo.InvariantCulture);
        return rng.Next(7) switch
        {
            0 => $"({Leaf()} + {Leaf()})",
            1 => $"({Leaf()} ^ {Leaf()})",
            2 => $"({Leaf()} & {Leaf()})",
            3 => $"({Leaf()} - {Leaf()})",
            _ => Leaf(),
        };
    }

    /// <summary>A value of <paramref name="type"/> without a branch.</summary>
    string Simple(string type)
    {
        if (StructOf(type) is { } s) return SimpleStruct(s);
        if (type == "bool")
        {
            var bools = Scalars().Where(v => v.Type == "bool").ToList();
            return bools.Count > 0 && Chance(50) ? Pick(bools).Name : $"({SimpleInt()} < {SimpleInt()})";
        }
        var values = Scalars().Where(v => v.Type != "bool").ToList();
        if (values.Count > 0 && Chance(80))
        {
            var v = Pick(values);
            return v.Type == type ? v.Name : $"({type}){v.Name}";
        }
        return IsFloat(type) ? FConstant(type) : $"({type}){rng.Next(0, 100)}";
    }

    /// <summary>A constant of an element type (for the other arm of a guarded read).</summary>
    string ElementConstant(string element) => element switch
    {
        "bool" => Chance(50) ? "true" : "false",
        "double" or "float" => FConstant(element),
        _ => $"({element}){rng.Next(0, 10)}",
    };

    /// <summary>An index into <paramref name="b"/> and the condition under which it is in range (null when it is
    /// in range anyway, or when it is deliberately arbitrary).</summary>
    (string Index, string? Guard) IndexInto(Variable b)
    {
        var known = facts.Where(f => f.Buffer == b.Name).ToList();
        int roll = rng.Next(100);
        if (known.Count > 0 && roll < 45) return (Pick(known).Index, null);
        if (roll < 72) return ($"(int)((uint){SimpleInt()} % (uint){b.Name}.Length)", $"{b.Name}.Length > 0");
        if (roll < 86)
        {
            // The checks real code writes before an index that may be anything: the upper bound only (a negative
            // index still throws), both bounds, or both at once as one unsigned comparison.
            var index = IndexValue();
            return (index, rng.Next(4) switch
            {
                0 or 1 => $"{index} < {b.Name}.Length",
                2 => $"(uint){index} < (uint){b.Name}.Length",
                _ => $"{index} >= 0 && {index} < {b.Name}.Length",
            });
        }
        return (UnguardedIndex(b), null);
    }

    /// <summary>An int index that may be anything, written so that a guard and the access read the same value: an
    /// int variable, or the and of two.</summary>
    string IndexValue()
    {
        var ints = Scalars().Where(v => v.Type == "int").ToList();
        if (ints.Count == 0) return $"({SimpleInt()})";
        var v = Pick(ints).Name;
        return Chance(30) ? $"({v} & {Pick(ints).Name})" : v;
    }

    /// <summary>An index with no guard: in range when a fact says so, otherwise often out of range (negative too).</summary>
    string UnguardedIndex(Variable b)
    {
        var known = facts.Where(f => f.Buffer == b.Name).ToList();
        if (known.Count > 0 && Chance(60)) return Pick(known).Index;
        return rng.Next(8) switch
        {
            0 or 1 => $"({SimpleInt()} & 7)",
            2 => $"({SimpleInt()} & 1)",
            3 => $"({SimpleInt()} % 5)",
            4 => $"{b.Name}.Length - 1",
            5 => SimpleInt(),
            6 when b.Kind == BufferKind.Array => $"(long)({SimpleInt()} & 15)",
            7 when b.Kind == BufferKind.Array => $"(uint)({SimpleInt()} & 15)",
            _ => $"({SimpleInt()} & 3)",
        };
    }

    /// <summary>An element of <paramref name="b"/> as an expression of its element type: guarded by a ternary when
    /// the index needs it.</summary>
    string ElementRead(Variable b)
    {
        var (index, guard) = IndexInto(b);
        return guard is null ? $"{b.Name}[{index}]" : $"({guard} ? {b.Name}[{index}] : {ElementConstant(b.Element!)})";
    }

    /// <summary>An element or a length, as a value of <paramref name="type"/>; null when no buffer is in scope.</summary>
    string? ElementExpr(string type)
    {
        var buffers = Buffers();
        if (buffers.Count == 0) return null;
        var b = Pick(buffers);
        if (b.Element == "bool" && Chance(60)) return $"({ElementRead(b)} ? {Simple(type)} : {Simple(type)})";
        if (b.Element == "bool" || Chance(15)) return type == "int" ? $"{b.Name}.Length" : $"({type}){b.Name}.Length";
        var element = ElementRead(b);
        return b.Element == type ? element : $"({type}){element}";
    }

    /// <summary>A condition on memory: a bool element, IsEmpty, a length, a null test.</summary>
    string? MemoryCond()
    {
        var buffers = Buffers();
        if (buffers.Count == 0) return null;
        var b = Pick(buffers);
        if (b.Element == "bool" && Chance(70)) return ElementRead(b);
        return rng.Next(4) switch
        {
            0 when b.Kind != BufferKind.Array => $"{b.Name}.IsEmpty",
            1 when b.Kind == BufferKind.Array => $"({b.Name} {(Chance(50) ? "==" : "!=")} null)",
            _ => $"({b.Name}.Length {Pick(new[] { ">", "<=", "==", "!=" })} {rng.Next(0, 6)})",
        };
    }

    /// <summary>A statement that reads or writes memory, or false when none applies here.</summary>
    bool MemoryStatement(int depth, int loopDepth, bool canBreak)
    {
        var buffers = Buffers();
        var writable = buffers.Where(b => b.Writable).ToList();
        int roll = rng.Next(100);
        // Deep down only straight-line statements.
        if (depth >= 3) roll = rng.Next(40);
        if (buffers.Count == 0) roll = Chance(60) ? 50 : 42;
        if (roll < 16 && writable.Count > 0)
        {
            var b = Pick(writable);
            var (index, guard) = IndexInto(b);
            GuardedLine(guard, $"{b.Name}[{index}] = {Value(b.Element!, 2, loopDepth)};");
            return true;
        }
        if (roll < 28 && writable.Count > 0)
        {
            var b = Pick(writable);
            var (index, guard) = IndexInto(b);
            GuardedLine(guard, $"{CompoundAssignment($"{b.Name}[{index}]", b.Element!, loopDepth)};");
            return true;
        }
        if (roll < 32 && writable.Count > 0)
        {
            // Two elements swapped.
            var b = Pick(writable);
            var (i, guardI) = IndexInto(b);
            var j = UnguardedIndex(b);
            GuardedLine(guardI, $"({b.Name}[{i}], {b.Name}[{j}]) = ({b.Name}[{j}], {b.Name}[{i}]);");
            return true;
        }
        if (roll < 40 && buffers.Count > 0)
        {
            RefToElement(depth, loopDepth, canBreak, Pick(buffers));
            return true;
        }
        if (roll < 45)
            return RefToLocal(loopDepth);
        if (roll < 60 && depth < 3)
            return SpanLocal(loopDepth, buffers);
        if (roll < 77 && depth < 3 && loopDepth < 2 && buffers.Count > 0)
        {
            BufferLoop(depth, loopDepth, buffers);
            return true;
        }
        if (roll < 82 && depth < 3 && loopDepth < 3 && buffers.Count > 0)
        {
            CursorLoop(depth, loopDepth, Pick(buffers));
            return true;
        }
        if (roll < 90 && depth < 3 && buffers.Count > 0)
        {
            // A block that knows a length: constant indexes below it are in range.
            var b = Pick(buffers);
            int k = rng.Next(0, 4);
            var nonNull = b.Kind == BufferKind.Array && Chance(40) ? $"{b.Name} != null && " : "";
            Line($"if ({nonNull}{b.Name}.Length > {k})");
            int known = facts.Count;
            for (int c = 0; c <= k; c++) facts.Add(new Fact(b.Name, c.ToString(CultureInfo.InvariantCulture)));
            facts.Add(new Fact(b.Name, $"{b.Name}.Length - 1"));
            Block(depth, loopDepth, canBreak);
            facts.RemoveRange(known, facts.Count - known);
            return true;
        }
        if (roll < 94 && buffers.Count > 0)
        {
            // An array in a local: one of two (or the same twice), chosen at run time.
            var arrays = buffers.Where(b => b.Kind == BufferKind.Array).ToList();
            if (arrays.Count == 0) return false;
            var x = Pick(arrays);
            var others = arrays.Where(a => a.Type == x.Type).ToList();
            var name = $"a{counter++}";
            Line($"{x.Type} {name} = {(Chance(70) ? $"{Cond(1, loopDepth)} ? {x.Name} : {Pick(others).Name}" : x.Name)};");
            scope.Add(x with { Name = name });
            return true;
        }
        if (buffers.Count > 0)
        {
            var b = Pick(buffers);
            var name = $"v{counter++}";
            if (b.Element == "bool" || Chance(40))
            {
                Line($"int {name} = {b.Name}.Length;");
                scope.Add(new Variable(name, "int", true));
            }
            else if (b.Writable && Chance(40) && b.Element is not ("double" or "float"))
            {
                // The value before or after an increment.
                var (index, guard) = IndexInto(b);
                if (guard is not null) return false;
                Line($"{b.Element} {name} = {(Chance(50) ? $"{b.Name}[{index}]++" : $"--{b.Name}[{index}]")};");
                scope.Add(new Variable(name, b.Element!, true));
            }
            else
            {
                Line($"{b.Element} {name} = {ElementRead(b)};");
                scope.Add(new Variable(name, b.Element!, true));
            }
            return true;
        }
        return false;
    }

    /// <summary><paramref name="statement"/>, behind <c>if (guard)</c> when there is one.</summary>
    void GuardedLine(string? guard, string statement) => Line(guard is null ? statement : $"if ({guard}) {statement}");

    /// <summary><c>x op= value</c>, <c>x++</c> and the like on an lvalue of <paramref name="type"/>; narrow operands
    /// are cast, since C# converts the result back but not the operand.</summary>
    string CompoundAssignment(string target, string type, int loopDepth)
    {
        if (type == "bool") return $"{target} {Pick(new[] { "&=", "|=", "^=" })} {Cond(1, loopDepth)}";
        if (Chance(25)) return Pick(new[] { $"{target}++", $"++{target}", $"{target}--", $"--{target}" });
        if (IsFloat(type)) return $"{target} {Pick(new[] { "+=", "-=", "*=", "/=", "+=" })} {FExpr(type, 2, loopDepth)}";
        if (Chance(10)) return $"{target} {Pick(new[] { "<<=", ">>=", ">>>=" })} {rng.Next(0, 40)}";
        var op = Pick(new[] { "+=", "-=", "*=", "^=", "|=", "&=", "+=" });
        return Arith.Contains(type) ? $"{target} {op} {Expr(type, 2, loopDepth)}" : $"{target} {op} ({type})({Expr(Pick(Arith), 2, loopDepth)})";
    }

    /// <summary><c>ref T r = ref b[i];</c> (or <c>ref readonly</c> into a ReadOnlySpan), used right away and then
    /// as any other variable; inside <c>if (b.Length &gt; 0) { … }</c> when the index needs the guard.</summary>
    void RefToElement(int depth, int loopDepth, bool canBreak, Variable b)
    {
        var (index, guard) = IndexInto(b);
        var name = $"r{counter++}";
        var readOnly = !b.Writable;
        var declaration = $"ref {(readOnly ? "readonly " : "")}{b.Element} {name} = ref {b.Name}[{index}];";
        var variable = new Variable(name, b.Element!, !readOnly);
        if (guard is not null && depth < 3)
        {
            Line($"if ({guard})");
            Line("{");
            indent++;
            var saved = scope.ToList();
            Line(declaration);
            scope.Add(variable);
            if (!readOnly) Line($"{CompoundAssignment(name, b.Element!, loopDepth)};");
            for (int n = rng.Next(0, 3); n > 0; n--) Statement(depth + 1, loopDepth, canBreak);
            scope = saved;
            indent--;
            Line("}");
            return;
        }
        if (guard is not null) index = UnguardedIndex(b);
        Line($"ref {(readOnly ? "readonly " : "")}{b.Element} {name} = ref {b.Name}[{index}];");
        scope.Add(variable);
        if (!readOnly) Line($"{CompoundAssignment(name, b.Element!, loopDepth)};");
    }

    /// <summary>An address-taken local or parameter: <c>ref T r = ref x;</c> or <c>ref (c ? ref x : ref y)</c>.</summary>
    bool RefToLocal(int loopDepth)
    {
        var candidates = Assignable();
        if (candidates.Count == 0) return false;
        var x = Pick(candidates);
        var name = $"r{counter++}";
        var pairs = candidates.Where(y => y.Type == x.Type && y != x).ToList();
        var target = pairs.Count > 0 && Chance(50) ? $"({Cond(1, loopDepth)} ? ref {x.Name} : ref {Pick(pairs).Name})" : x.Name;
        Line($"ref {x.Type} {name} = ref {target};");
        Line($"{CompoundAssignment(name, x.Type, loopDepth)};");
        scope.Add(new Variable(name, x.Type, true));
        return true;
    }

    /// <summary>A span local: over an array (whole, or a range in range or not), a slice of another span, or a
    /// constant stackalloc (outside loops: each pass would need new memory).</summary>
    bool SpanLocal(int loopDepth, List<Variable> buffers)
    {
        var name = $"s{counter++}";
        if (buffers.Count == 0 || (loopDepth == 0 && Chance(25)))
        {
            if (loopDepth > 0) return false;
            var element = memory && elementPool.Length > 0 && Chance(70) ? Pick(elementPool) : Pick(ElementTypes);
            Line($"System.Span<{element}> {name} = stackalloc {element}[{rng.Next(1, 17)}];");
            scope.Add(new Variable(name, $"System.Span<{element}>", false, element, BufferKind.Span));
            KeepSpanLocal(name);
            return true;
        }
        var b = Pick(buffers);
        var kind = b.Kind == BufferKind.ReadOnlySpan || Chance(35) ? BufferKind.ReadOnlySpan : BufferKind.Span;
        var type = SpanType(kind, b.Element!);
        string source;
        if (b.Kind == BufferKind.Array && Chance(30))
        {
            source = Chance(80) ? b.Name : $"new {type}({b.Name})";
        }
        else if (Chance(65))
        {
            // A range that is in range: start in [0, Length], length in [0, Length - start].
            var start = $"v{counter++}";
            Line($"int {start} = (int)((uint){SimpleInt()} % (uint)({b.Name}.Length + 1));");
            scope.Add(new Variable(start, "int", false));
            var length = $"(int)((uint){SimpleInt()} % (uint)({b.Name}.Length - {start} + 1))";
            source = RangeOf(b, type, start, Chance(70) ? length : null);
        }
        else
        {
            // Anything: ArgumentOutOfRangeException when it does not fit.
            source = RangeOf(b, type, Chance(50) ? $"({SimpleInt()} & 7)" : SimpleInt(), Chance(60) ? $"({SimpleInt()} & 7)" : null);
        }
        Line($"{type} {name} = {source};");
        scope.Add(new Variable(name, type, false, b.Element, kind));
        KeepSpanLocal(name);
        return true;
    }

    /// <summary>Reads the new span local's length at once. Roslyn (Release) keeps a span local that is read only once
    /// on the evaluation stack, across the branches of the statements in between, which MiniJit refuses (see
    /// MemoryRegressionTests.ASpanLocalThatRoslynKeepsOnTheStackCompiles); a second read keeps it in its local.</summary>
    void KeepSpanLocal(string name)
    {
        var length = $"v{counter++}";
        Line($"int {length} = {name}.Length;");
        scope.Add(new Variable(length, "int", true));
    }

    /// <summary>The elements of <paramref name="b"/> from <paramref name="start"/> (<paramref name="length"/> of them,
    /// or to the end).</summary>
    string RangeOf(Variable b, string type, string start, string? length)
    {
        var rest = length is null ? start : $"{start}, {length}";
        if (b.Kind != BufferKind.Array) return $"{b.Name}.Slice({rest})";
        if (length is not null && Chance(30)) return $"new {type}({b.Name}, {rest})";
        return $"System.MemoryExtensions.AsSpan({b.Name}, {rest})";
    }

    /// <summary>A cursor into a buffer carried around a loop: each pass derives indexes from it, reads (or writes) the
    /// elements behind a check (often of the upper bound only), then moves the cursor to one of them or resets it to
    /// anything, negative values included. The check's lower half must stay: the cursor's value at the loop's head is
    /// a phi of values that may be negative.</summary>
    void CursorLoop(int depth, int loopDepth, Variable b)
    {
        var cursor = $"c{counter++}";
        var total = $"v{counter++}";
        Line($"int {cursor} = {(Chance(50) ? "0" : SimpleInt())}, {total} = 0;");
        var before = scope.ToList();
        var cursorVariable = new Variable(cursor, "int", false);
        scope.Add(cursorVariable);
        List<Action<string>> steps =
        [
            _ =>
            {
                List<string> indexes = [];
                for (int k = Chance(70) ? 2 : 1; k > 0; k--)
                {
                    var index = $"u{counter++}";
                    Line($"int {index} = {cursor} {Pick(new[] { "&", "&", "&", "+", "-", "^", "|" })} {SimpleInt()};");
                    var guard = rng.Next(4) switch
                    {
                        0 or 1 => $"{index} < {b.Name}.Length",
                        2 => $"(uint){index} < (uint){b.Name}.Length",
                        _ => $"{index} >= 0 && {index} < {b.Name}.Length",
                    };
                    Line(b.Writable && Chance(30)
                        ? $"if ({guard}) {b.Name}[{index}] = {Value(b.Element!, 1, loopDepth + 1)};"
                        : b.Element == "bool" ? $"if ({guard} && {b.Name}[{index}]) {total}++;" : $"if ({guard}) {total} += (int){b.Name}[{index}];");
                    indexes.Add(index);
                }
                // Two arms with work of their own: each is a block, and the cursor's phi takes the kept index first.
                Line($"if ({Cond(1, loopDepth + 1)}) {{ {cursor} = {(Chance(70) ? indexes[^1] : indexes[0])}; {total}++; }} else {{ {cursor} = {SimpleInt()}; {total}--; }}");
            },
        ];
        Loop(depth, loopDepth, steps);
        scope = [.. before, new Variable(total, "int", true)];
    }

    /// <summary>A loop over a buffer, the way real code walks arrays: forward, from 1, backward, with a stride, from
    /// both ends, over two buffers, or foreach; its counters index the buffer in range while the loop lasts, and it
    /// sums, counts, finds the largest, writes or accumulates prefix sums besides its other statements.</summary>
    void BufferLoop(int depth, int loopDepth, List<Variable> buffers)
    {
        // Inside a loop over a buffer, often the inner loop of a sort over the same one.
        var enclosing = facts.Where(f => f.Index.StartsWith('i') && !f.Index.Contains(' ', StringComparison.Ordinal)
            && buffers.Any(b => b.Name == f.Buffer)).ToList();
        int shape = enclosing.Count > 0 && Chance(30) ? 15 : rng.Next(18);
        // One enclosing loop's buffer, picked once (picking inside the search could miss every buffer).
        var b = shape == 15 && enclosing.Count > 0 && Pick(enclosing).Buffer is var wanted ? buffers.First(x => x.Name == wanted) : Pick(buffers);
        var n = b.Name;
        var i = $"i{counter++}";
        var outer = scope.ToList();
        int knownFacts = facts.Count;
        List<Variable> accumulators = [];
        // The counters and what they index are in scope only inside the loop, after the accumulators are declared.
        List<Fact> loopFacts = [];
        List<Variable> loopVariables = [];
        List<Action<string>> steps = [];
        string? element = null;   // foreach: the element variable
        string header;
        string first = "";
        switch (shape)
        {
            case 0 or 1 or 2:
                header = $"for (int {i} = 0; {i} < {n}.Length; {i}++)";
                loopFacts.Add(new Fact(n, i));
                loopFacts.Add(new Fact(n, $"{n}.Length - 1 - {i}"));
                break;
            case 3:
                header = $"for (int {i} = 1; {i} < {n}.Length; {i}++)";
                loopFacts.Add(new Fact(n, i));
                loopFacts.Add(new Fact(n, $"{i} - 1"));
                if (b.Writable && b.Element != "bool")
                    steps.Add(_ => Line(b.Element is "int" or "long" or "uint" or "double" or "float"
                        ? $"{n}[{i}] {Pick(new[] { "+=", "-=", "*=" })} {n}[{i} - 1];"
                        : $"{n}[{i}] += {n}[{i} - 1];"));
                break;
            case 4:
                header = $"for (int {i} = {n}.Length - 1; {i} >= 0; {i}--)";
                loopFacts.Add(new Fact(n, i));
                break;
            case 5:
                header = Chance(50)
                    ? $"for (int {i} = {rng.Next(0, 3)}; {i} < {n}.Length; {i} += {rng.Next(2, 5)})"
                    : $"for (int {i} = {n}.Length - 1; {i} >= 0; {i} -= {rng.Next(2, 4)})";
                loopFacts.Add(new Fact(n, i));
                break;
            case 6:
                {
                    var j = $"j{counter++}";
                    header = $"for (int {i} = 0, {j} = {n}.Length - 1; {i} < {j}; {i}++, {j}--)";
                    loopFacts.Add(new Fact(n, i));
                    loopFacts.Add(new Fact(n, j));
                    loopVariables.Add(new Variable(j, "int", false));
                    if (b.Writable && Chance(60)) steps.Add(_ => Line($"({n}[{i}], {n}[{j}]) = ({n}[{j}], {n}[{i}]);"));
                    break;
                }
            case 7:
                {
                    var other = Pick(buffers);
                    header = $"for (int {i} = 0; {i} < {n}.Length && {i} < {other.Name}.Length; {i}++)";
                    loopFacts.Add(new Fact(n, i));
                    loopFacts.Add(new Fact(other.Name, i));
                    break;
                }
            case 8:
                header = $"for (int {i} = 0; {i} < {n}.Length - 1; {i}++)";
                loopFacts.Add(new Fact(n, i));
                loopFacts.Add(new Fact(n, $"{i} + 1"));
                break;
            case 11:
                // A start that may be negative: only the upper bound is known.
                header = $"for (int {i} = {SimpleInt()} % {rng.Next(2, 5)}; {i} < {n}.Length; {i}++)";
                loopFacts.Add(new Fact(n, i));
                break;
            case 12:
                header = Chance(50) ? $"for (int {i} = 0; {i} <= {n}.Length - 1; {i}++)" : $"for (int {i} = {n}.Length; {i}-- > 0;)";
                loopFacts.Add(new Fact(n, i));
                break;
            case 13:
                // One past the end: the last pass throws.
                header = $"for (int {i} = 0; {i} <= {n}.Length; {i}++)";
                loopFacts.Add(new Fact(n, i));
                break;
            case 14:
                {
                    // Bounded by another buffer's length.
                    var other = Pick(buffers);
                    header = $"for (int {i} = 0; {i} < {other.Name}.Length; {i}++)";
                    loopFacts.Add(new Fact(n, i));
                    loopFacts.Add(new Fact(other.Name, i));
                    break;
                }
            case 15 when facts.FirstOrDefault(f => f.Buffer == n && f.Index.StartsWith('i') && !f.Index.Contains(' ', StringComparison.Ordinal)) is { } outerCounter:
                // The inner loop of a sort: from the outer counter on.
                header = $"for (int {i} = {outerCounter.Index} + 1; {i} < {n}.Length; {i}++)";
                loopFacts.Add(new Fact(n, i));
                loopFacts.Add(new Fact(n, outerCounter.Index));
                if (b.Writable && b.Element != "bool" && Chance(60))
                    steps.Add(_ => Line($"if ({n}[{i}] < {n}[{outerCounter.Index}]) ({n}[{i}], {n}[{outerCounter.Index}]) = ({n}[{outerCounter.Index}], {n}[{i}]);"));
                break;
            case 9 or 10 or 15:
                element = $"e{counter++}";
                header = $"foreach (var {element} in {n})";
                loopVariables.Add(new Variable(element, b.Element!, false));
                break;
            case 16:
                {
                    // Counting down to zero at the top of the body.
                    Line($"int {i} = {n}.Length;");
                    header = $"while ({i} > 0)";
                    first = $"{i}--;";
                    loopFacts.Add(new Fact(n, i));
                    break;
                }
            default:
                {
                    // The count first, so continue cannot skip it.
                    Line($"int {i} = 0;");
                    header = $"while ({i} < {n}.Length)";
                    first = $"{i}++;";
                    loopFacts.Add(new Fact(n, $"{i} - 1"));
                    break;
                }
        }
        if (element is null) loopVariables.Add(new Variable(i, "int", false));
        // What the loop computes: an accumulator declared before it, or writes into the buffer.
        string Current() => element ?? $"{n}[{Pick(loopFacts.Where(f => f.Buffer == n).ToList()).Index}]";
        for (int k = rng.Next(1, 3); k > 0; k--)
        {
            if (b.Writable && element is null && Chance(35))
            {
                steps.Add(_ =>
                {
                    var target = Current();
                    Line(Chance(50) ? $"{target} = {Value(b.Element!, 2, loopDepth + 1)};" : $"{CompoundAssignment(target, b.Element!, loopDepth + 1)};");
                });
                continue;
            }
            var accumulator = $"v{counter++}";
            if (b.Element == "bool")
            {
                Line($"int {accumulator} = 0;");
                steps.Add(_ => Line($"if ({Current()}) {accumulator}++;"));
                accumulators.Add(new Variable(accumulator, "int", true));
                continue;
            }
            var t = IsFloat(b.Element!) ? b.Element! : Pick(Arith);
            Line($"{t} {accumulator} = {(Chance(60) ? (IsFloat(t) ? FloatLiteral(0, t) : "0") : Value(t, 1, loopDepth))};");
            accumulators.Add(new Variable(accumulator, t, true));
            switch (rng.Next(4))
            {
                case 0 when !IsFloat(t):
                    steps.Add(_ => Line($"{accumulator} = {accumulator} * 31 + ({t}){Current()};"));
                    break;
                case 1:
                    steps.Add(_ =>
                    {
                        var value = Current();
                        Line($"if (({t}){value} > {accumulator}) {accumulator} = ({t}){value};");
                    });
                    break;
                case 2 when !IsFloat(t):
                    steps.Add(_ => Line($"{accumulator} ^= ({t}){Current()};"));
                    break;
                default:
                    steps.Add(_ => Line($"{accumulator} += ({t}){Current()};"));
                    break;
            }
        }
        scope.AddRange(accumulators);
        scope.AddRange(loopVariables);
        facts.AddRange(loopFacts);
        Line(header);
        LoopBody(depth, loopDepth, steps, i, first);
        facts.RemoveRange(knownFacts, facts.Count - knownFacts);
        // The accumulators outlive the loop; its counters do not.
        scope = [.. outer, .. accumulators];
    }
}
