namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// Structs: in about one program of three, the program declares one to three struct types of its own, after its
/// class, named after it (<c>P7_S0</c>: the programs of a batch share one compilation). Their fields are primitives
/// and structs declared before them (nesting), from 1 to 48 bytes, in the shapes that matter to the System V ABI: one
/// eightbyte of integers, of floats, or of both; two eightbytes (16 bytes: two doubles, a long and a double, …); and
/// more than 16 bytes, which travel in memory. Each may have a constructor that takes every field, <c>readonly</c>
/// methods and get-only properties that compute a value from the fields, methods that write fields of <c>this</c>
/// (returning void or a value), and a <c>Combine</c> that makes a new struct from this one and another.
/// <para>The static methods take structs by value and as <c>ref</c>, <c>in</c> and <c>out</c> parameters, and
/// return them. Their bodies declare struct locals (<c>default(S)</c>, <c>new S()</c>, <c>new S(a, b)</c>,
/// <c>new S { F0 = … }</c>, conditionals, calls), copy them and mutate the copy, assign whole structs, swap them,
/// call the members, take ref locals to them, and carry a struct accumulator around a loop. Every primitive field of
/// a struct variable in scope, at any depth (<c>s.F1.F0</c>), is a variable like any other (see <see cref="Scalars"/>):
/// the rest of the generator reads it, assigns it, compounds it, passes it to calls, by reference too, and takes
/// ref locals to it.</para>
/// <para>Not generated, since MiniJit does not compile them: reference fields, arrays of structs, static fields of
/// struct type, generic structs, ref returns, pointers to structs, boxing, virtual calls (ToString, Equals,
/// GetHashCode, interfaces), record structs.</para>
/// </summary>
public sealed partial class ProgramGenerator
{
    /// <summary>A field of a generated struct: a primitive, or a struct declared before this one.</summary>
    sealed record StructField(string Name, string Type);

    /// <summary>What an instance member of a generated struct does.</summary>
    enum MemberKind
    {
        /// <summary>A <c>readonly</c> method: a value computed from the fields and its parameters.</summary>
        ReadOnlyMethod,
        /// <summary>A get-only property (sometimes <c>readonly</c>).</summary>
        Property,
        /// <summary>A method that writes fields of <c>this</c>, returning void or a value.</summary>
        Mutator,
        /// <summary>A <c>readonly</c> method that makes a new struct of this type from this one and another.</summary>
        Combine,
    }

    /// <param name="Return">A primitive type, <c>void</c> (a mutator) or the struct itself (Combine).</param>
    /// <param name="Params">Primitive types; Combine's one parameter is the struct, by value or <c>in</c>.</param>
    sealed record StructMember(string Name, MemberKind Kind, string Return, string[] Params);

    /// <param name="HasConstructor">Declares a constructor that takes every field, in order.</param>
    sealed record StructType(string Name, List<StructField> Fields, bool HasConstructor, List<StructMember> Members)
    {
        public IEnumerable<StructMember> Of(MemberKind kind) => Members.Where(m => m.Kind == kind);
    }

    /// <summary>Field lists of the sizes and register classes that matter to the System V ABI: one eightbyte of
    /// integers, of floats or of both; two eightbytes (16 bytes) of each class; more than 16 bytes (in memory).</summary>
    static readonly string[][] StructShapes =
    [
        ["int"], ["int", "int"], ["int", "float"], ["float", "float"], ["float", "float", "float"],
        ["double", "double"], ["long", "double"], ["double", "long"], ["double", "double", "double"], ["long", "long", "long", "long"],
        ["byte"], ["bool", "short"], ["char", "int"], ["long", "int"], ["float", "double"], ["uint", "ulong"], ["double"], ["long"],
        ["byte", "byte", "byte"], ["int", "int", "int", "int"], ["double", "double", "double", "double", "double", "double"],
    ];

    static readonly string[] FieldTypes = ["int", "long", "double", "float", "byte", "short", "uint", "ulong", "bool", "char"];

    /// <summary>The largest struct generated, in bytes.</summary>
    const int MaxStructSize = 48;

    /// <summary>This program declares structs.</summary>
    bool structs;
    readonly List<StructType> structTypes = [];
    /// <summary>While the members of a struct are generated: that struct. They call members of the structs declared
    /// before it only, so that no call chain of members comes back (Combine on its own parameter, or a member of S1 that
    /// calls one of S0 that calls one of S1, would recurse forever).</summary>
    StructType? generating;

    void ChooseStructs(string className)
    {
        structs = Chance(33) && !ScalarOnly;
        if (!structs) return;
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            List<string> types = Chance(65) ? [.. Pick(StructShapes)] : [.. Enumerable.Range(0, rng.Next(1, 5)).Select(_ => Pick(FieldTypes))];
            // A struct declared before this one, as a field: copied, compared and addressed as part of this one.
            if (structTypes.Count > 0 && Chance(50) && Pick(structTypes) is var inner && Layout([.. types, inner.Name]).Size <= MaxStructSize)
                types.Insert(rng.Next(types.Count + 1), inner.Name);
            var s = new StructType($"{className}_S{structTypes.Count}", [.. types.Select((t, i) => new StructField($"F{i}", t))], Chance(60), []);
            AddMembers(s);
            structTypes.Add(s);
        }
    }

    void AddMembers(StructType s)
    {
        int n = 0;
        string[] Parameters() => [.. Enumerable.Range(0, rng.Next(0, 3)).Select(_ => Pick(ParamTypes))];
        for (int k = rng.Next(0, 3); k > 0; k--) s.Members.Add(new($"Read{n++}", MemberKind.ReadOnlyMethod, Pick(ReturnTypes), Parameters()));
        if (Chance(50)) s.Members.Add(new($"Prop{n++}", MemberKind.Property, Pick(ReturnTypes), []));
        for (int k = rng.Next(0, 3); k > 0; k--) s.Members.Add(new($"Mutate{n++}", MemberKind.Mutator, Chance(50) ? "void" : Pick(ReturnTypes), Parameters()));
        if (Chance(40)) s.Members.Add(new($"Combine{n++}", MemberKind.Combine, s.Name, [Chance(50) ? $"in {s.Name}" : s.Name]));
    }

    StructType? StructOf(string type) => structTypes.FirstOrDefault(s => s.Name == type);

    static bool IsOut(string type) => type.StartsWith("out ", StringComparison.Ordinal);

    /// <summary>A parameter's type without its <c>ref</c>, <c>in</c> or <c>out</c>.</summary>
    static string Bare(string type) => type.IndexOf(' ', StringComparison.Ordinal) is var space and >= 0 ? type[(space + 1)..] : type;

    bool IsStructParameter(string type) => StructOf(Bare(type)) is not null;

    /// <summary><paramref name="v"/>, knowing its struct type when it has one.</summary>
    Variable StructVariable(Variable v) => StructOf(v.Type) is { } s ? v with { Struct = s } : v;

    /// <summary>The size and alignment of a struct of <paramref name="fieldTypes"/> as the CLR lays it out: each field
    /// at a multiple of its alignment, the whole a multiple of the largest.</summary>
    (int Size, int Align) Layout(IEnumerable<string> fieldTypes)
    {
        int size = 0, align = 1;
        foreach (var t in fieldTypes)
        {
            var (fieldSize, fieldAlign) = StructOf(t) is { } nested ? Layout(nested.Fields.Select(f => f.Type)) : (PrimitiveSize(t), PrimitiveSize(t));
            size = (size + fieldAlign - 1) / fieldAlign * fieldAlign + fieldSize;
            align = Math.Max(align, fieldAlign);
        }
        return ((size + align - 1) / align * align, align);
    }

    static int PrimitiveSize(string type) => type switch
    {
        "bool" or "byte" or "sbyte" => 1,
        "short" or "ushort" or "char" => 2,
        "int" or "uint" or "float" => 4,
        _ => 8,
    };

    int SizeOf(StructType s) => Layout(s.Fields.Select(f => f.Type)).Size;

    /// <summary>The argument slots a parameter takes at MiniJit's delegate boundary: two for a span; for a struct of
    /// at most 16 bytes one per eightbyte (it travels in registers), for a larger one one (the address of a copy).</summary>
    int EntrySlots(string type) => IsSpanType(type) ? 2 : StructOf(type) is { } s && SizeOf(s) is var size ? (size <= 16 ? (size + 7) / 8 : 1) : 1;

    /// <summary>A struct result larger than 8 bytes comes back through a buffer whose address takes a slot.</summary>
    int ResultSlots(string type) => StructOf(type) is { } s && SizeOf(s) > 8 ? 1 : 0;

    /// <summary>One or two struct parameters: by value (anywhere: a wrapper can make one), or <c>ref</c>, <c>in</c>
    /// or <c>out</c> among the first eight (a wrapper cannot make a reference).</summary>
    List<string> WithStructParameters(List<string> types, bool recursive)
    {
        int first = recursive ? 1 : 0;
        types = [.. types];
        for (int k = rng.Next(1, 3); k > 0; k--)
        {
            var s = Pick(structTypes).Name;
            var type = rng.Next(20) switch { < 10 => s, < 14 => $"ref {s}", < 17 => $"in {s}", _ => $"out {s}" };
            int last = type == s ? types.Count : Math.Min(types.Count, MaxEntryParameters - 1);
            types.Insert(rng.Next(first, last + 1), type);
        }
        static bool IsReference(string t) => t.Contains(' ', StringComparison.Ordinal);
        while (types.FindLastIndex(IsReference) is var late && late >= MaxEntryParameters)
        {
            var moved = types[late];
            types.RemoveAt(late);
            types.Insert(rng.Next(first, MaxEntryParameters), moved);
        }
        return types;
    }

    /// <summary>Makes the first eight parameters (those a delegate or a wrapper passes) and a struct result fit the
    /// delegate boundary's eight slots: drops plain values (keeping one), or passes a struct <c>in</c> instead.</summary>
    List<string> FitEntrySlots(List<string> types, string returns, bool recursive)
    {
        int first = recursive ? 1 : 0;
        types = [.. types];
        bool IsValue(string t) => !t.Contains(' ', StringComparison.Ordinal) && !t.EndsWith("[]", StringComparison.Ordinal) && !IsSpanType(t);
        while (types.Take(MaxEntryParameters).Sum(EntrySlots) + ResultSlots(returns) > MaxEntryParameters)
        {
            var primitives = Enumerable.Range(first, Math.Min(types.Count, MaxEntryParameters) - first).Where(k => IsValue(types[k]) && !IsStructParameter(types[k])).ToList();
            int large = types.Take(MaxEntryParameters).ToList().FindIndex(t => IsStructParameter(t) && IsValue(t) && EntrySlots(t) > 1);
            if (primitives.Count > 0 && types.Count(IsValue) > 1) types.RemoveAt(Pick(primitives));
            else if (large >= 0) types[large] = $"in {types[large]}";
            else
            {
                int span = types.FindIndex(IsSpanType);
                types[span] = $"{types[span][(types[span].IndexOf('<') + 1)..^1]}[]";
            }
        }
        return types;
    }

    /// <summary>Every struct-typed place in scope: the struct variables and, at any depth, their struct fields
    /// (<c>s.F1</c>), writable when the variable is.</summary>
    List<Variable> StructPaths() => [.. scope.Where(v => v.IsStruct).SelectMany(Paths).Where(v => v.IsStruct)];

    /// <summary>The values a statement or expression can use as plain variables: the scalar variables in scope and
    /// every primitive field, at any depth, of the struct variables (<c>s.F1.F0</c>).</summary>
    IEnumerable<Variable> Scalars() => scope.SelectMany(v => v.IsStruct ? Paths(v).Where(p => p.IsScalar) : v.IsScalar ? [v] : []);

    /// <summary><paramref name="v"/> and, when it is a struct, each of its fields and theirs.</summary>
    IEnumerable<Variable> Paths(Variable v)
    {
        yield return v;
        if (v.Struct is null) yield break;
        foreach (var f in v.Struct.Fields)
            foreach (var p in Paths(StructVariable(new Variable($"{v.Name}.{f.Name}", f.Type, v.Assignable))))
                yield return p;
    }

    /// <summary>The primitive fields of <paramref name="s"/> at any depth, as paths from a value of it (<c>F1.F0</c>).</summary>
    IEnumerable<(string Path, string Type)> Leaves(StructType s) => s.Fields.SelectMany(f => StructOf(f.Type) is { } nested
        ? Leaves(nested).Select(l => ($"{f.Name}.{l.Path}", l.Type))
        : [(f.Name, f.Type)]);

    /// <summary>Whether the code being generated may call members of <paramref name="s"/> (see <see cref="generating"/>).</summary>
    bool MayCallMembersOf(StructType s) => generating is null || structTypes.IndexOf(s) < structTypes.IndexOf(generating);

    /// <summary>The members that may be called on <paramref name="v"/>: mutators only on a writable place.</summary>
    List<StructMember> CallableMembers(Variable v, Func<StructMember, bool> which) =>
        v.Struct is not { } s || !MayCallMembersOf(s) ? [] : [.. s.Members.Where(m => which(m) && (m.Kind != MemberKind.Mutator || v.Assignable))];

    /// <summary><c>Name(arguments)</c>, or the name of a property.</summary>
    string MemberCall(StructMember m, int depth, int loopDepth) => m.Kind == MemberKind.Property
        ? m.Name
        : $"{m.Name}({string.Join(", ", m.Params.Select(p => IsStructParameter(p) ? StructArgument(p, depth, false, loopDepth)! : Value(p, depth, loopDepth)))})";

    /// <summary>An expression of primitive type <paramref name="from"/> as a value of <paramref name="to"/>: cast,
    /// compared (to bool), or chosen between (from bool).</summary>
    string As(string expression, string from, string to)
    {
        if (from == to) return expression;
        var op = Pick(new[] { "==", "!=", "<", "<=", ">", ">=" });
        if (to == "bool")
            return IsFloat(from) || Arith.Contains(from) ? $"({expression} {op} {Expr(from, 0)})" : from == "bool" ? expression : $"((long){expression} {op} {Expr("long", 0)})";
        return from == "bool" ? $"({expression} ? {Expr(to, 0)} : {Expr(to, 0)})" : $"({to}){expression}";
    }

    /// <summary>A primitive field of a struct value (a call, a new struct, a parenthesized conditional: a primary
    /// expression) as a value of <paramref name="type"/>.</summary>
    string FieldOfValue(string value, StructType s, string type)
    {
        var (path, fieldType) = Pick(Leaves(s).ToList());
        return As($"{value}.{path}", fieldType, type);
    }

    /// <summary>A value of <paramref name="type"/> (a primitive, or bool) read from a struct beyond its fields, which
    /// are plain variables already: a readonly method or property, a method that mutates a variable and returns a
    /// value, a field of a combined struct, a field of a struct value that is no variable. Null at depth 0.</summary>
    string? StructRead(string type, int depth, int loopDepth)
    {
        if (depth <= 0) return null;
        var paths = StructPaths();
        int roll = rng.Next(100);
        if (paths.Count > 0 && roll < 55)
        {
            var v = Pick(paths);
            var members = CallableMembers(v, m => m.Kind != MemberKind.Combine && m.Return != "void");
            if (members.Count > 0)
            {
                var m = Pick(members);
                return As($"{v.Name}.{MemberCall(m, depth - 1, loopDepth)}", m.Return, type);
            }
        }
        if (paths.Count > 0 && roll < 70)
        {
            var v = Pick(paths);
            if (CallableMembers(v, m => m.Kind == MemberKind.Combine).FirstOrDefault() is { } combine)
                return FieldOfValue($"{v.Name}.{MemberCall(combine, depth - 1, loopDepth)}", v.Struct!, type);
        }
        // A struct value that is no variable: a call's result, a new struct, a conditional.
        var s = Pick(structTypes);
        var value = StructValue(s, depth - 1, loopDepth);
        List<StructMember> readers = !MayCallMembersOf(s) ? [] : [.. s.Members.Where(m => m.Kind is MemberKind.ReadOnlyMethod or MemberKind.Property)];
        if (readers.Count > 0 && Chance(40))
        {
            var m = Pick(readers);
            return As($"{value}.{MemberCall(m, depth - 1, loopDepth)}", m.Return, type);
        }
        return FieldOfValue(value, s, type);
    }

    /// <summary>A value of struct type <paramref name="s"/>, always a primary expression (a conditional is
    /// parenthesized), so that a field or member can follow it.</summary>
    string StructValue(StructType s, int depth, int loopDepth)
    {
        var paths = StructPaths().Where(p => p.Struct == s).ToList();
        string Zero() => Chance(50) ? $"default({s.Name})" : $"new {s.Name}()";
        if (depth <= 0) return paths.Count > 0 && Chance(70) ? Pick(paths).Name : Zero();
        int roll = rng.Next(100);
        if (roll < 20 && paths.Count > 0) return Pick(paths).Name;
        if (roll < 28) return Zero();
        if (roll < 48 && s.HasConstructor) return Constructed(s, depth - 1, loopDepth);
        if (roll < 62) return Initialized(s, depth - 1, loopDepth);
        if (roll < 72) return $"({Cond(depth - 1, loopDepth)} ? {StructValue(s, depth - 1, loopDepth)} : {StructValue(s, depth - 1, loopDepth)})";
        // Calls stay out of loops, as elsewhere.
        if (roll < 84 && loopDepth == 0 && Call(depth, s.Name) is { } call) return call.Text;
        if (roll < 92 && paths.Count > 0 && Pick(paths) is var v && CallableMembers(v, m => m.Kind == MemberKind.Combine).FirstOrDefault() is { } combine)
            return $"{v.Name}.{MemberCall(combine, depth - 1, loopDepth)}";
        return s.HasConstructor && Chance(50) ? Constructed(s, depth - 1, loopDepth) : Initialized(s, depth - 1, loopDepth);
    }

    /// <summary><c>new S(a, b, …)</c>: the constructor, which takes every field.</summary>
    string Constructed(StructType s, int depth, int loopDepth) =>
        $"new {s.Name}({string.Join(", ", s.Fields.Select(f => Value(f.Type, depth, loopDepth)))})";

    /// <summary><c>new S { F0 = …, F2 = … }</c>: an object initializer for some of the fields (the others are zero).</summary>
    string Initialized(StructType s, int depth, int loopDepth)
    {
        var fields = s.Fields.Where(_ => Chance(60)).ToList();
        if (fields.Count == 0) fields.Add(Pick(s.Fields));
        return $"new {s.Name} {{ {string.Join(", ", fields.Select(f => $"{f.Name} = {Value(f.Type, depth, loopDepth)}"))} }}";
    }

    /// <summary>A struct value with no branch (a span may be on the evaluation stack): a place or zero.</summary>
    string SimpleStruct(StructType s)
    {
        var paths = StructPaths().Where(p => p.Struct == s).ToList();
        return paths.Count > 0 && Chance(70) ? Pick(paths).Name : $"default({s.Name})";
    }

    /// <summary>An argument for a struct parameter (by value, <c>ref</c>, <c>in</c> or <c>out</c>), or null when
    /// nothing in scope can be passed by reference. <c>out</c> may declare its variable at the call.</summary>
    string? StructArgument(string type, int depth, bool afterSpan, int loopDepth = 0)
    {
        var s = StructOf(Bare(type))!;
        var places = StructPaths().Where(p => p.Struct == s).ToList();
        var writable = places.Where(p => p.Assignable).ToList();
        if (type.StartsWith("ref ", StringComparison.Ordinal)) return writable.Count > 0 ? $"ref {Pick(writable).Name}" : null;
        if (IsOut(type))
        {
            if (writable.Count > 0 && (repeatedText > 0 || Chance(50))) return $"out {Pick(writable).Name}";
            return repeatedText > 0 ? null : $"out {s.Name} o{counter++}";
        }
        if (type.StartsWith("in ", StringComparison.Ordinal) && places.Count > 0 && Chance(50)) return $"in {Pick(places).Name}";
        return afterSpan ? SimpleStruct(s) : StructValue(s, depth, loopDepth);
    }

    /// <summary>An <c>out</c> parameter must be assigned before any return and is unassigned until then: each is
    /// assigned first thing (before a recursive method's base case, with no recursive call) and only then in scope.</summary>
    void AssignOutParameters(Method m)
    {
        var outs = Enumerable.Range(0, m.Params.Length).Where(i => IsOut(m.Params[i])).ToList();
        if (outs.Count == 0) return;
        scope.RemoveAll(v => outs.Any(i => v.Name == $"p{i}"));
        int saved = recursiveCallsLeft;
        recursiveCallsLeft = 0;
        foreach (var i in outs)
        {
            Line($"p{i} = {StructValue(StructOf(Bare(m.Params[i]))!, 1, 0)};");
            scope.Add(ParameterVariable($"p{i}", m.Params[i], true));
        }
        recursiveCallsLeft = saved;
    }

    /// <summary>A statement about whole structs, or false when none applies here.</summary>
    bool StructStatement(int depth, int loopDepth)
    {
        var paths = StructPaths();
        var writable = paths.Where(p => p.Assignable).ToList();
        int roll = rng.Next(100);
        // Deep down only straight-line statements.
        if (depth >= 3) roll = rng.Next(70);
        if (paths.Count == 0) roll = 0;
        if (roll < 20)
        {
            var s = Pick(structTypes);
            DeclareStruct($"st{counter++}", s, StructValue(s, 2, loopDepth));
            return true;
        }
        if (roll < 30)
        {
            // A copy, changed: the original must keep its value.
            var source = Pick(paths);
            var copy = DeclareStruct($"cp{counter++}", source.Struct!, source.Name);
            Mutate(copy, loopDepth);
            return true;
        }
        if (writable.Count == 0) return false;
        var target = Pick(writable);
        if (roll < 40)
        {
            Line($"{target.Name} = {StructValue(target.Struct!, 2, loopDepth)};");
            return true;
        }
        if (roll < 55)
        {
            Mutate(target, loopDepth);
            return true;
        }
        if (roll < 63)
        {
            RefToStruct(target, writable, loopDepth);
            return true;
        }
        if (roll < 70 && writable.Where(p => p.Struct == target.Struct && p.Name != target.Name).ToList() is { Count: > 0 } others)
        {
            var other = Pick(others);
            Line($"({target.Name}, {other.Name}) = ({other.Name}, {target.Name});");
            return true;
        }
        if (roll < 82 && depth < 3 && loopDepth < 3)
        {
            StructAccumulatorLoop(depth, loopDepth);
            return true;
        }
        Line($"if ({Cond(2, loopDepth)}) {target.Name} = {StructValue(target.Struct!, 1, loopDepth)};");
        return true;
    }

    Variable DeclareStruct(string name, StructType s, string value)
    {
        Line($"{s.Name} {name} = {value};");
        var v = new Variable(name, s.Name, true, Struct: s);
        scope.Add(v);
        return v;
    }

    /// <summary>Changes the writable struct place <paramref name="v"/>: a method that mutates it, or a field
    /// assigned or compounded.</summary>
    void Mutate(Variable v, int loopDepth)
    {
        var mutators = CallableMembers(v, m => m.Kind == MemberKind.Mutator);
        if (mutators.Count > 0 && Chance(50))
        {
            Line($"{v.Name}.{MemberCall(Pick(mutators), 2, loopDepth)};");
            return;
        }
        var field = Pick(Paths(v).Where(p => p.IsScalar).ToList());
        Line(Chance(30) ? $"{field.Name} = {Value(field.Type, 2, loopDepth)};" : $"{CompoundAssignment(field.Name, field.Type, loopDepth)};");
    }

    /// <summary><c>ref S r = ref s;</c> or <c>ref (c ? ref s : ref t)</c>, changed through at once and then used as
    /// any other struct variable.</summary>
    void RefToStruct(Variable target, List<Variable> writable, int loopDepth)
    {
        var name = $"rs{counter++}";
        var pairs = writable.Where(p => p.Struct == target.Struct && p.Name != target.Name).ToList();
        var place = pairs.Count > 0 && Chance(50) ? $"({Cond(1, loopDepth)} ? ref {target.Name} : ref {Pick(pairs).Name})" : target.Name;
        Line($"ref {target.Type} {name} = ref {place};");
        var r = new Variable(name, target.Type, true, Struct: target.Struct);
        scope.Add(r);
        Mutate(r, loopDepth);
    }

    /// <summary>A struct carried around a loop, the way code accumulates into one: fields compounded with the
    /// counter, mutating methods, <c>acc = acc.Combine(…)</c>, replaced on a condition; kept after the loop.</summary>
    void StructAccumulatorLoop(int depth, int loopDepth)
    {
        var s = Pick(structTypes);
        var acc = DeclareStruct($"acc{counter++}", s, Chance(50) ? $"default({s.Name})" : StructValue(s, 1, loopDepth));
        var numbers = Paths(acc).Where(p => p.IsScalar && p.Type != "bool").ToList();
        var mutators = CallableMembers(acc, m => m.Kind == MemberKind.Mutator);
        var combine = CallableMembers(acc, m => m.Kind == MemberKind.Combine).FirstOrDefault();
        List<Action<string>> steps = [];
        for (int k = rng.Next(1, 3); k > 0; k--)
        {
            switch (rng.Next(5))
            {
                case 0 when numbers.Count > 0:
                    var field = Pick(numbers);
                    steps.Add(i => Line($"{field.Name} {Pick(new[] { "+=", "-=", "*=" })} ({field.Type}){i};"));
                    break;
                case 1 when mutators.Count > 0:
                    var mutator = Pick(mutators);
                    steps.Add(_ => Line($"{acc.Name}.{MemberCall(mutator, 1, loopDepth + 1)};"));
                    break;
                case 2 when combine is not null:
                    steps.Add(_ => Line($"{acc.Name} = {acc.Name}.{MemberCall(combine, 1, loopDepth + 1)};"));
                    break;
                case 3:
                    steps.Add(_ => Line($"if ({Cond(1, loopDepth + 1)}) {acc.Name} = {StructValue(s, 1, loopDepth + 1)};"));
                    break;
                default:
                    steps.Add(_ => Mutate(acc, loopDepth + 1));
                    break;
            }
        }
        Loop(depth, loopDepth, steps);
    }

    /// <summary>The declaration of <paramref name="s"/>: its fields, its constructor, its members.</summary>
    void EmitStruct(StructType s)
    {
        indent = 0;
        Line($"public struct {s.Name}");
        Line("{");
        indent++;
        foreach (var f in s.Fields) Line($"public {f.Type} {f.Name};");
        if (s.HasConstructor)
        {
            var parameters = string.Join(", ", s.Fields.Select(f => $"{f.Type} {f.Name.ToLowerInvariant()}"));
            Line($"public {s.Name}({parameters}) {{ {string.Concat(s.Fields.Select(f => $"{f.Name} = {f.Name.ToLowerInvariant()}; "))}}}");
        }
        generating = s;
        foreach (var m in s.Members) EmitMember(s, m);
        generating = null;
        indent--;
        Line("}");
    }

    /// <summary>A member's body sees its parameters and the struct's fields (writable in a mutator only), and calls
    /// no static method of the program.</summary>
    void EmitMember(StructType s, StructMember m)
    {
        currentMethod = methods.Count;
        recursiveCallsLeft = 0;
        counter = 0;
        facts.Clear();
        bool mutates = m.Kind == MemberKind.Mutator;
        scope = [.. s.Fields.Select(f => StructVariable(new Variable(f.Name, f.Type, mutates)))];
        if (m.Kind == MemberKind.Combine) scope.Add(StructVariable(new Variable("o", s.Name, false)));
        else scope.AddRange(m.Params.Select((t, i) => ParameterVariable($"a{i}", t, false)));
        var parameters = m.Kind == MemberKind.Combine ? $"{m.Params[0]} o" : string.Join(", ", m.Params.Select((t, i) => $"{t} a{i}"));
        switch (m.Kind)
        {
            case MemberKind.ReadOnlyMethod:
                Line($"public readonly {m.Return} {m.Name}({parameters}) => unchecked({Value(m.Return, 2)});");
                break;
            case MemberKind.Property:
                Line(Chance(50)
                    ? $"public readonly {m.Return} {m.Name} => unchecked({Value(m.Return, 2)});"
                    : $"public {m.Return} {m.Name} {{ get {{ return unchecked({Value(m.Return, 2)}); }} }}");
                break;
            case MemberKind.Combine:
                var fields = s.Fields.Select(CombinedField).ToList();
                Line(s.HasConstructor && Chance(50)
                    ? $"public readonly {s.Name} {m.Name}({parameters}) => unchecked(new {s.Name}({string.Join(", ", fields)}));"
                    : $"public readonly {s.Name} {m.Name}({parameters}) => unchecked(new {s.Name} {{ {string.Join(", ", s.Fields.Select((f, i) => $"{f.Name} = {fields[i]}"))} }});");
                break;
            default:
                Line($"public {m.Return} {m.Name}({parameters})");
                Line("{");
                indent++;
                Line("unchecked");
                Line("{");
                indent++;
                MutatorBody(s, m);
                indent--;
                Line("}");
                indent--;
                Line("}");
                break;
        }
    }

    /// <summary>A field of Combine's result, from this struct's field and the other's (<c>o</c>): an operation on the
    /// two, the nested struct's own Combine, or any value.</summary>
    string CombinedField(StructField f)
    {
        if (Chance(15)) return Value(f.Type, 1);
        if (StructOf(f.Type) is { } nested)
        {
            var combine = nested.Of(MemberKind.Combine).FirstOrDefault();
            return combine is not null && Chance(60) ? $"{f.Name}.{combine.Name}(o.{f.Name})" : Chance(50) ? f.Name : $"o.{f.Name}";
        }
        if (f.Type == "bool") return $"{f.Name} {Pick(new[] { "^", "&", "|" })} o.{f.Name}";
        var op = IsFloat(f.Type) ? Pick(new[] { "+", "-", "*" }) : Pick(new[] { "+", "-", "*", "^" });
        return Arith.Contains(f.Type) || IsFloat(f.Type) ? $"{f.Name} {op} o.{f.Name}" : $"({f.Type})({f.Name} {op} o.{f.Name})";
    }

    /// <summary>Writes to fields of <c>this</c> (some behind a condition, some through a nested struct's own
    /// mutating method, sometimes all of <c>this</c> at once), then returns a value when the method has one.</summary>
    void MutatorBody(StructType s, StructMember m)
    {
        if (Chance(10)) Line($"this = {StructValue(s, 1, 0)};");
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            var field = Pick(Scalars().Where(v => v.Assignable).ToList());
            var nested = StructPaths().Where(p => CallableMembers(p, x => x.Kind == MemberKind.Mutator).Count > 0).ToList();
            int roll = rng.Next(100);
            if (roll < 15 && nested.Count > 0)
            {
                var p = Pick(nested);
                Line($"{p.Name}.{MemberCall(Pick(CallableMembers(p, x => x.Kind == MemberKind.Mutator)), 1, 0)};");
            }
            else if (roll < 30) Line($"if ({Cond(1, 0)}) {field.Name} = {Value(field.Type, 1)};");
            else if (roll < 55) Line($"{field.Name} = {Value(field.Type, 2)};");
            else Line($"{CompoundAssignment(field.Name, field.Type, 0)};");
        }
        if (m.Return != "void") Line($"return {Value(m.Return, 2)};");
    }
}
