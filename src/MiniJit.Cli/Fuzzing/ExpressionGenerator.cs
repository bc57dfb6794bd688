using System.Linq.Expressions;
using System.Reflection;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// Generates random, well-typed lambda expression trees for differential testing of MiniJit's expression-tree
/// compiler against <see cref="LambdaExpression.Compile()"/>: 1–4 parameters of the types in
/// <see cref="ValueTypes"/>, a return type among them, and a body up to <see cref="MaxDepth"/> deep made of the
/// shapes in <see cref="TreeShape"/> (how often each appears is set by <see cref="ExpressionWeights"/>).
/// <para>Every node is built for the type its parent needs, so the Expression factory methods never refuse one.
/// Division by zero and overflow are kept: the two compilers must then throw the same exception. Every loop counts
/// a counter of its own up to a bound of at most <see cref="MaxLoopBound"/> (and at most
/// <see cref="MaxLoopNesting"/> loops run inside each other), so every tree ends. Jumps go only to labels that
/// enclose them or come later in an enclosing block: out of loops and blocks, never into them, never across a
/// lambda, and never out of an operand that has values below it on the IL stack (see <see cref="Operand"/>).</para>
/// The same seed always gives the same tree.
/// </summary>
public sealed class ExpressionGenerator(int seed, ExpressionWeights? weights = null)
{
    public const int MaxDepth = 12;
    public const int MaxParameters = 4;
    public const int MaxLoopBound = 5;
    public const int MaxLoopNesting = 3;

    /// <summary>The types of parameters, results, variables and most operands.</summary>
    public static readonly Type[] ValueTypes = [typeof(long), typeof(int), typeof(double), typeof(float), typeof(bool)];

    /// <summary>Reached only through conversions (and boxed constants).</summary>
    public static readonly Type[] NarrowTypes = [typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(uint), typeof(ulong), typeof(char)];

    static readonly Type[] Numeric = [typeof(long), typeof(int), typeof(double), typeof(float)];

    static readonly Func<Expression, Expression, BinaryExpression>[] ArithmeticOperators =
        [Expression.Add, Expression.Subtract, Expression.Multiply, Expression.Divide, Expression.Modulo];
    static readonly Func<Expression, Expression, BinaryExpression>[] CheckedOperators =
        [Expression.AddChecked, Expression.SubtractChecked, Expression.MultiplyChecked];
    static readonly Func<Expression, Expression, BinaryExpression>[] BitwiseOperators =
        [Expression.And, Expression.Or, Expression.ExclusiveOr];
    static readonly Func<Expression, Expression, BinaryExpression>[] ShiftOperators =
        [Expression.LeftShift, Expression.RightShift];
    static readonly Func<Expression, Expression, BinaryExpression>[] EqualityOperators =
        [Expression.Equal, Expression.NotEqual];
    static readonly Func<Expression, Expression, BinaryExpression>[] OrderOperators =
        [Expression.LessThan, Expression.LessThanOrEqual, Expression.GreaterThan, Expression.GreaterThanOrEqual];
    static readonly Func<Expression, Expression, BinaryExpression>[] LogicalOperators =
        [Expression.AndAlso, Expression.OrElse];
    static readonly Func<Expression, UnaryExpression>[] NegateOperators =
        [Expression.Negate, Expression.NegateChecked, Expression.UnaryPlus];
    static readonly Func<Expression, UnaryExpression>[] IncrementOperators =
        [Expression.Increment, Expression.Decrement];

    static readonly Func<Expression, Expression, BinaryExpression>[] NumericAssignments =
    [
        Expression.AddAssign, Expression.SubtractAssign, Expression.MultiplyAssign, Expression.DivideAssign,
        Expression.ModuloAssign, Expression.AddAssignChecked, Expression.SubtractAssignChecked, Expression.MultiplyAssignChecked,
    ];
    static readonly Func<Expression, Expression, BinaryExpression>[] BitwiseAssignments =
        [Expression.AndAssign, Expression.OrAssign, Expression.ExclusiveOrAssign];
    static readonly Func<Expression, Expression, BinaryExpression>[] ShiftAssignments =
        [Expression.LeftShiftAssign, Expression.RightShiftAssign];
    static readonly Func<Expression, UnaryExpression>[] IncrementAssignments =
        [Expression.PreIncrementAssign, Expression.PostIncrementAssign, Expression.PreDecrementAssign, Expression.PostDecrementAssign];

    /// <summary>The static System.Math and System.MathF methods a call may use, by return type.</summary>
    static readonly Dictionary<Type, MethodInfo[]> MathMethods = new()
    {
        [typeof(double)] =
        [
            .. Methods(typeof(Math), [typeof(double)], "Sqrt", "Abs", "Floor", "Ceiling", "Round", "Truncate", "Sin", "Cos", "Tan", "Atan", "Exp", "Log", "Log10", "Cbrt"),
            .. Methods(typeof(Math), [typeof(double), typeof(double)], "Min", "Max", "Pow", "Atan2", "Log", "CopySign"),
            .. Methods(typeof(Math), [typeof(double), typeof(double), typeof(double)], "Clamp", "FusedMultiplyAdd"),
        ],
        [typeof(float)] =
        [
            .. Methods(typeof(MathF), [typeof(float)], "Sqrt", "Abs", "Floor", "Ceiling", "Round", "Truncate", "Sin", "Cos", "Exp", "Log"),
            .. Methods(typeof(MathF), [typeof(float), typeof(float)], "Min", "Max", "Pow", "Atan2"),
            .. Methods(typeof(Math), [typeof(float)], "Abs"),
            .. Methods(typeof(Math), [typeof(float), typeof(float)], "Min", "Max"),
            .. Methods(typeof(Math), [typeof(float), typeof(float), typeof(float)], "Clamp"),
        ],
        [typeof(int)] =
        [
            .. Methods(typeof(Math), [typeof(int)], "Abs", "Sign"),
            .. Methods(typeof(Math), [typeof(int), typeof(int)], "Min", "Max"),
            .. Methods(typeof(Math), [typeof(int), typeof(int), typeof(int)], "Clamp"),
            .. Methods(typeof(Math), [typeof(long)], "Sign"),
            .. Methods(typeof(Math), [typeof(double)], "Sign"),
            .. Methods(typeof(MathF), [typeof(float)], "Sign"),
        ],
        [typeof(long)] =
        [
            .. Methods(typeof(Math), [typeof(long)], "Abs"),
            .. Methods(typeof(Math), [typeof(long), typeof(long)], "Min", "Max"),
            .. Methods(typeof(Math), [typeof(long), typeof(long), typeof(long)], "Clamp"),
            .. Methods(typeof(Math), [typeof(int), typeof(int)], "BigMul"),
        ],
    };

    static IEnumerable<MethodInfo> Methods(Type owner, Type[] parameters, params string[] names) =>
        names.Select(name => owner.GetMethod(name, parameters) ?? throw new MissingMethodException(owner.Name, name));

    sealed record Variable(ParameterExpression Expression, bool Writable);
    /// <param name="Level">The <see cref="LambdaScope.Level"/> of the loop, which a jump to it must be at.</param>
    sealed record LoopLabels(LabelTarget Break, LabelTarget? Continue, int Level);
    sealed record ForwardLabel(LabelTarget Label, int Level);

    /// <summary>What the body of one lambda can read, write and jump to; a nested lambda starts a new one, since no
    /// jump may cross a lambda.</summary>
    sealed class LambdaScope(List<Variable> variables, LabelTarget returnLabel)
    {
        public List<Variable> Variables { get; } = variables;
        public LabelTarget ReturnLabel { get; } = returnLabel;
        /// <summary>Whether anything jumps to <see cref="ReturnLabel"/>, which the body must then end with.</summary>
        public bool Returns { get; set; }
        public List<LoopLabels> Loops { get; } = [];
        /// <summary>Labels that enclosing blocks will place after the statement being generated.</summary>
        public List<ForwardLabel> ForwardLabels { get; } = [];
        /// <summary>How many operands deep the node being generated is (see <see cref="Operand"/>); the return
        /// label is at level 0.</summary>
        public int Level { get; set; }

        public List<LoopLabels> LoopsHere => [.. Loops.Where(l => l.Level == Level)];
        public List<LabelTarget> ForwardLabelsHere => [.. ForwardLabels.Where(l => l.Level == Level).Select(l => l.Label)];
        public bool CanReturn => Level == 0;
    }

    readonly Random rng = new(seed);
    readonly ExpressionWeights weights = weights ?? ExpressionWeights.Default;
    /// <summary>Set by <see cref="Lambda"/> before anything reads it.</summary>
    LambdaScope scope = null!;
    /// <summary>Nodes left to generate; past zero only leaves, so that a tree stays small while some paths go
    /// deep.</summary>
    int budget;
    int loopNesting;
    /// <summary>Numbers the names of variables and labels, so a printed tree is readable.</summary>
    int names;

    public LambdaExpression Generate()
    {
        budget = rng.Next(2, 12) * rng.Next(1, 9);
        Type[] parameters = [.. Enumerable.Range(0, rng.Next(1, MaxParameters + 1)).Select(_ => Pick(ValueTypes))];
        return Lambda("tree", Pick(ValueTypes), parameters, "p", [], depth: 0);
    }

    T Pick<T>(IReadOnlyList<T> items) => items[rng.Next(items.Count)];
    bool Chance(int percent) => rng.Next(100) < percent;

    /// <summary>One of <paramref name="candidates"/> by weight; null when all weigh 0.</summary>
    TreeShape? Choose(IEnumerable<TreeShape> candidates)
    {
        var weighted = candidates.Where(s => weights[s] > 0).ToList();
        if (weighted.Count == 0) return null;
        int roll = rng.Next(weighted.Sum(s => weights[s]));
        foreach (var shape in weighted)
        {
            roll -= weights[shape];
            if (roll < 0) return shape;
        }
        throw new InvalidOperationException("unreachable: the roll is below the sum of the weights");
    }

    static bool IsInteger(Type t) => t == typeof(int) || t == typeof(long);

    List<Variable> Readable(Type t) => [.. scope.Variables.Where(v => v.Expression.Type == t)];
    List<Variable> Writable(Func<Type, bool> type) => [.. scope.Variables.Where(v => v.Writable && type(v.Expression.Type))];

    LambdaExpression Lambda(string name, Type returnType, Type[] parameterTypes, string prefix, IEnumerable<Variable> outer, int depth)
    {
        var parameters = parameterTypes.Select(t => Expression.Parameter(t, $"{prefix}{names++}")).ToList();
        var enclosing = scope;
        scope = new LambdaScope([.. outer, .. parameters.Select(p => new Variable(p, Writable: true))], Expression.Label(returnType, $"return{names++}"));
        var body = Value(returnType, depth);
        if (scope.Returns) body = Expression.Label(scope.ReturnLabel, body);
        scope = enclosing;
        return Expression.Lambda(Expression.GetFuncType([.. parameterTypes, returnType]), body, name, parameters);
    }

    /// <summary>The shapes that can make a value of type <paramref name="t"/> here.</summary>
    IEnumerable<TreeShape> ValueShapes(Type t, bool leavesOnly)
    {
        yield return TreeShape.Constant;
        yield return TreeShape.BoxedConstant;
        yield return TreeShape.Default;
        yield return TreeShape.CapturedField;
        if (Readable(t).Count > 0) yield return TreeShape.Parameter;
        if (leavesOnly) yield break;
        bool numeric = t != typeof(bool);
        if (numeric)
        {
            yield return TreeShape.Arithmetic;
            yield return TreeShape.CheckedArithmetic;
            yield return TreeShape.Negate;
            yield return TreeShape.Increment;
            yield return TreeShape.MathCall;
            yield return TreeShape.Convert;
            yield return TreeShape.ConvertChecked;
            yield return TreeShape.Narrowing;
        }
        if (IsInteger(t))
        {
            yield return TreeShape.Shift;
            yield return TreeShape.OnesComplement;
        }
        if (!numeric || IsInteger(t))
        {
            yield return TreeShape.Bitwise;
            yield return TreeShape.Not;
        }
        if (!numeric)
        {
            yield return TreeShape.Comparison;
            yield return TreeShape.Logical;
        }
        if (t == typeof(double)) yield return TreeShape.Power;
        yield return TreeShape.Conditional;
        yield return TreeShape.Invoke;
        yield return TreeShape.Block;
        yield return TreeShape.Switch;
        if (scope.CanReturn || scope.LoopsHere.Count > 0 || scope.ForwardLabelsHere.Count > 0) yield return TreeShape.JumpFromOperand;
        if (loopNesting < MaxLoopNesting) yield return TreeShape.Loop;
        if (Writable(v => v == t).Count > 0)
        {
            yield return TreeShape.Assign;
            yield return TreeShape.CompoundAssign;
            if (numeric) yield return TreeShape.IncrementAssign;
        }
    }

    /// <summary>An expression of type <paramref name="t"/>.</summary>
    Expression Value(Type t, int depth)
    {
        budget--;
        var shape = Choose(ValueShapes(t, leavesOnly: depth >= MaxDepth || budget <= 0)) ?? TreeShape.Constant;
        int d = depth + 1;
        return shape switch
        {
            TreeShape.Constant => Constant(t),
            TreeShape.BoxedConstant => Boxed(t),
            TreeShape.Parameter => Pick(Readable(t)).Expression,
            TreeShape.Default => Expression.Default(t),
            TreeShape.CapturedField => CapturedField(t),
            TreeShape.Arithmetic => Pick(ArithmeticOperators)(Operand(t, d), Operand(t, d)),
            TreeShape.CheckedArithmetic => Pick(CheckedOperators)(Operand(t, d), Operand(t, d)),
            TreeShape.Bitwise => Pick(BitwiseOperators)(Operand(t, d), Operand(t, d)),
            TreeShape.Shift => Pick(ShiftOperators)(Operand(t, d), Operand(typeof(int), d)),
            TreeShape.Comparison => Comparison(d),
            TreeShape.Power => Expression.Power(Operand(t, d), Operand(t, d)),
            TreeShape.Logical => Pick(LogicalOperators)(Operand(t, d), Operand(t, d)),
            TreeShape.Not => Expression.Not(Operand(t, d)),
            TreeShape.Negate => Pick(NegateOperators)(Operand(t, d)),
            TreeShape.OnesComplement => Expression.OnesComplement(Operand(t, d)),
            TreeShape.Increment => Pick(IncrementOperators)(Operand(t, d)),
            TreeShape.Conditional => Expression.Condition(Value(typeof(bool), d), Value(t, d), Value(t, d)),
            TreeShape.Convert => Expression.Convert(Operand(Pick(ValueTypes), d), t),
            TreeShape.ConvertChecked => Expression.ConvertChecked(Operand(Pick(ValueTypes), d), t),
            TreeShape.Narrowing => Narrowing(t, d),
            TreeShape.MathCall => MathCall(t, d),
            TreeShape.Invoke => Invoke(t, d),
            TreeShape.Block => Block(t, d),
            TreeShape.Loop => Loop(t, d),
            TreeShape.Switch => Switch(t, d),
            TreeShape.JumpFromOperand => JumpFromOperand(t, d),
            TreeShape.Assign => Assign(Pick(Writable(v => v == t)), d),
            TreeShape.CompoundAssign => CompoundAssign(Pick(Writable(v => v == t)), d),
            TreeShape.IncrementAssign => Pick(IncrementAssignments)(Pick(Writable(v => v == t)).Expression),
            _ => throw new InvalidOperationException($"{shape} is not a value"),
        };
    }

    /// <summary>An operand that values may sit below on the IL stack while it runs (the right operand of an Add, an
    /// argument, the value assigned to a variable that a closure may have hoisted): no jump may leave it for a label
    /// outside, because <see cref="LambdaExpression.Compile()"/> would then branch with a stack that the label does
    /// not have, and the CLR refuses that program (InvalidProgramException). The positions where a jump may leave
    /// are those that <see cref="Value"/> is called for directly: a block's statements and value, the branches and
    /// test of a conditional, the cases of a switch, the value a jump carries.</summary>
    Expression Operand(Type t, int depth)
    {
        scope.Level++;
        var operand = Value(t, depth);
        scope.Level--;
        return operand;
    }

    /// <summary>An expression whose value, if any, is dropped: a statement of a block, a loop body, a branch of an
    /// IfThen or a case of a switch without a value.</summary>
    Expression Statement(int depth)
    {
        budget--;
        bool simple = depth >= MaxDepth || budget <= 0;
        var shapes = new List<TreeShape>();
        if (Writable(_ => true).Count > 0) shapes.AddRange([TreeShape.Assign, TreeShape.CompoundAssign]);
        if (Writable(t => t != typeof(bool)).Count > 0) shapes.Add(TreeShape.IncrementAssign);
        if (!simple)
        {
            shapes.AddRange([TreeShape.If, TreeShape.Block, TreeShape.Switch]);
            if (loopNesting < MaxLoopNesting) shapes.Add(TreeShape.Loop);
            if (scope.CanReturn) shapes.Add(TreeShape.Return);
            if (scope.LoopsHere.Count > 0) shapes.Add(TreeShape.BreakContinue);
            if (scope.ForwardLabelsHere.Count > 0) shapes.Add(TreeShape.Goto);
        }
        // Sometimes just a value, computed for its side effects or for nothing.
        if (Chance(15) || Choose(shapes) is not { } shape) return Value(Pick(ValueTypes), depth);
        int d = depth + 1;
        switch (shape)
        {
            case TreeShape.Assign: return Assign(Pick(Writable(_ => true)), d);
            case TreeShape.CompoundAssign: return CompoundAssign(Pick(Writable(_ => true)), d);
            case TreeShape.IncrementAssign: return Pick(IncrementAssignments)(Pick(Writable(t => t != typeof(bool))).Expression);
            case TreeShape.If:
                return Chance(50)
                    ? Expression.IfThen(Value(typeof(bool), d), Statement(d))
                    : Expression.IfThenElse(Value(typeof(bool), d), Statement(d), Statement(d));
            case TreeShape.Block: return Block(typeof(void), d);
            case TreeShape.Loop: return Loop(typeof(void), d);
            case TreeShape.Switch: return Switch(typeof(void), d);
            case TreeShape.Return:
                scope.Returns = true;
                return Expression.IfThen(Value(typeof(bool), d), Expression.Return(scope.ReturnLabel, Value(scope.ReturnLabel.Type, d)));
            case TreeShape.BreakContinue:
                var loop = Pick(scope.LoopsHere);
                var test = Value(typeof(bool), d);
                return Expression.IfThen(test, loop.Continue is { } next && Chance(40)
                    ? Expression.Continue(next)
                    : Expression.Break(loop.Break, BreakValue(loop.Break, d)));
            case TreeShape.Goto:
                return Expression.IfThen(Value(typeof(bool), d), Expression.Goto(Pick(scope.ForwardLabelsHere)));
            default:
                throw new InvalidOperationException($"{shape} is not a statement");
        }
    }

    Expression? BreakValue(LabelTarget label, int depth) => label.Type == typeof(void) ? null : Value(label.Type, depth);

    /// <summary>A constant of <paramref name="t"/>: an edge value (0, ±1, the extremes, NaN, the infinities, -0.0,
    /// the conversion boundaries), a small one (quarters for floating point) or any bits at all.</summary>
    ConstantExpression Constant(Type t) => Expression.Constant(ConstantValue(t), t);

    object ConstantValue(Type t)
    {
        bool floating = t == typeof(double) || t == typeof(float);
        long raw = rng.Next(3) switch
        {
            0 => Pick(floating ? FuzzWorker.FloatEdges : FuzzWorker.Edges),
            1 => rng.Next(-64, 65),
            _ => rng.NextInt64(long.MinValue, long.MaxValue),
        };
        return FuzzWorker.Convert(raw, t);
    }

    /// <summary>A boxed constant of type object, unboxed to <paramref name="t"/>, or to a narrow type and converted.</summary>
    Expression Boxed(Type t)
    {
        if (t != typeof(bool) && Chance(30))
        {
            var narrow = Pick(NarrowTypes);
            return Expression.Convert(Unboxing(Expression.Constant(ConstantValue(narrow), typeof(object)), narrow), t);
        }
        return Unboxing(Expression.Constant(ConstantValue(t), typeof(object)), t);
    }

    /// <summary>The tree's closure: one object per tree, its fields set from the tree's seed, as a C# lambda's captured
    /// locals are held (MiniJit reads them in place; the object is pinned while the code lives).</summary>
    CapturedValues? closure;

    /// <summary>A captured variable of type <paramref name="t"/>; sometimes one of a narrow type, converted.</summary>
    Expression CapturedField(Type t)
    {
        closure ??= new CapturedValues
        {
            Int64 = (long)ConstantValue(typeof(long)), Int32 = (int)ConstantValue(typeof(int)), Double = (double)ConstantValue(typeof(double)),
            Single = (float)ConstantValue(typeof(float)), Boolean = Chance(50), Short = (short)(int)ConstantValue(typeof(int)), Byte = (byte)(int)ConstantValue(typeof(int)),
        };
        var holder = Expression.Constant(closure);
        if (t != typeof(bool) && Chance(30))
            return Expression.Convert(Expression.Field(holder, Chance(50) ? nameof(CapturedValues.Short) : nameof(CapturedValues.Byte)), t);
        return Expression.Field(holder, t.Name);
    }

    Expression Unboxing(Expression boxed, Type t) => Chance(50) ? Expression.Unbox(boxed, t) : Expression.Convert(boxed, t);

    Expression Comparison(int depth)
    {
        // Equality compares bools too; order only numbers.
        if (Chance(15)) return Pick(EqualityOperators)(Operand(typeof(bool), depth), Operand(typeof(bool), depth));
        var operands = Pick(Numeric);
        var compare = Chance(35) ? Pick(EqualityOperators) : Pick(OrderOperators);
        return compare(Operand(operands, depth), Operand(operands, depth));
    }

    /// <summary>A value converted to a narrow type (sometimes two), then to <paramref name="t"/>; each step checked or
    /// not.</summary>
    Expression Narrowing(Type t, int depth)
    {
        var value = Operand(Pick(ValueTypes), depth);
        for (int steps = Chance(25) ? 2 : 1; steps > 0; steps--) value = Conversion(value, Pick(NarrowTypes));
        return Conversion(value, t);
    }

    Expression Conversion(Expression value, Type t) => Chance(30) ? Expression.ConvertChecked(value, t) : Expression.Convert(value, t);

    Expression MathCall(Type t, int depth)
    {
        var method = Pick(MathMethods[t]);
        return Expression.Call(method, method.GetParameters().Select(p => Operand(p.ParameterType, depth)));
    }

    /// <summary>A nested lambda called at once. Its parameters are its own to change; half the time it also reads the
    /// variables around it (a closure), but never writes them.</summary>
    Expression Invoke(Type t, int depth)
    {
        Type[] parameterTypes = [.. Enumerable.Range(0, rng.Next(0, 4)).Select(_ => Pick(ValueTypes))];
        var outer = Chance(50) ? scope.Variables.Select(v => v with { Writable = false }).ToList() : [];
        var lambda = Lambda($"f{names++}", t, parameterTypes, "a", outer, depth);
        return Expression.Invoke(lambda, parameterTypes.Select(p => Operand(p, depth)));
    }

    /// <summary>A block: up to two new variables, each assigned first (so no tree depends on what an unassigned
    /// variable holds, which differs between a block run once and one run in a loop), statements, then a value of
    /// <paramref name="t"/> unless it is void. Sometimes a label among the statements, for gotos from those before.</summary>
    Expression Block(Type t, int depth)
    {
        var variables = new List<ParameterExpression>();
        var body = new List<Expression>();
        for (int i = rng.Next(0, 3); i > 0; i--)
        {
            var variable = Expression.Variable(Pick(ValueTypes), $"v{names++}");
            body.Add(Expression.Assign(variable, Operand(variable.Type, depth)));
            variables.Add(variable);
        }
        int outerCount = scope.Variables.Count;
        scope.Variables.AddRange(variables.Select(v => new Variable(v, Writable: true)));
        var skip = weights[TreeShape.Goto] > 0 && Chance(30) ? Expression.Label($"skip{names++}") : null;
        var forward = skip is null ? null : new ForwardLabel(skip, scope.Level);
        if (forward is not null) scope.ForwardLabels.Add(forward);
        for (int i = rng.Next(t == typeof(void) ? 1 : 0, 4); i > 0; i--) body.Add(Statement(depth));
        if (skip is not null && forward is not null)
        {
            scope.ForwardLabels.Remove(forward);
            body.Add(Expression.Label(skip));
            for (int i = rng.Next(0, 2); i > 0; i--) body.Add(Statement(depth));
        }
        if (t != typeof(void)) body.Add(Value(t, depth));
        scope.Variables.RemoveRange(outerCount, scope.Variables.Count - outerCount);
        return Expression.Block(t, variables, body);
    }

    /// <summary>A loop of at most <see cref="MaxLoopBound"/> iterations: a counter of its own (read, never written by
    /// the body), tested first in every iteration, so that a continue cannot skip the test; then the count, then the
    /// body. Its value, if it has a type, comes with the break that ends it.</summary>
    Expression Loop(Type t, int depth)
    {
        loopNesting++;
        int number = names++;
        var counter = Expression.Variable(typeof(int), $"i{number}");
        var breakLabel = Expression.Label(t, $"break{number}");
        var continueLabel = Chance(70) ? Expression.Label($"continue{number}") : null;
        // A constant bound, or one read from a variable and masked to 0..3 (the variable may change in the loop).
        Expression bound = Chance(60) ? Expression.Constant(rng.Next(0, MaxLoopBound + 1)) : Expression.And(Value(typeof(int), MaxDepth), Expression.Constant(3));
        scope.Variables.Add(new Variable(counter, Writable: false));
        var exit = Expression.IfThen(Expression.GreaterThanOrEqual(counter, bound), Expression.Break(breakLabel, BreakValue(breakLabel, depth)));
        Expression step = rng.Next(4) switch
        {
            0 => Expression.PreIncrementAssign(counter),
            1 => Expression.PostIncrementAssign(counter),
            2 => Expression.AddAssign(counter, Expression.Constant(1)),
            _ => Expression.Assign(counter, Expression.Add(counter, Expression.Constant(1))),
        };
        scope.Loops.Add(new LoopLabels(breakLabel, continueLabel, scope.Level));
        var body = new List<Expression> { exit, step };
        for (int i = rng.Next(1, 4); i > 0; i--) body.Add(Statement(depth));
        scope.Loops.RemoveAt(scope.Loops.Count - 1);
        scope.Variables.RemoveAt(scope.Variables.Count - 1);
        loopNesting--;
        return Expression.Block(t, [counter], Expression.Assign(counter, Expression.Constant(0)),
            Expression.Loop(Expression.Block(body), breakLabel, continueLabel));
    }

    /// <summary>A switch on an int (sometimes a long, sometimes masked to 0..7) with 1–4 cases of 1–2 distinct
    /// constants among 0..7, -1 and the extremes; a default unless the switch is a statement and chance says none.</summary>
    Expression Switch(Type t, int depth)
    {
        var valueType = Chance(80) ? typeof(int) : typeof(long);
        var value = Chance(40) ? Expression.And(Operand(valueType, depth), Expression.Constant(FuzzWorker.Convert(7, valueType), valueType)) : Operand(valueType, depth);
        long[] pool = [0, 1, 2, 3, 4, 5, 6, 7, -1, valueType == typeof(int) ? int.MinValue : long.MinValue, valueType == typeof(int) ? int.MaxValue : long.MaxValue];
        var labels = pool.OrderBy(_ => rng.Next()).ToList();
        var cases = new List<SwitchCase>();
        for (int i = rng.Next(1, 5); i > 0 && labels.Count > 0; i--)
        {
            var take = labels.Take(rng.Next(1, 3)).ToList();
            labels.RemoveRange(0, take.Count);
            var tests = take.Select(label => Expression.Constant(FuzzWorker.Convert(label, valueType), valueType));
            cases.Add(Expression.SwitchCase(Body(t, depth), tests));
        }
        var defaultBody = t != typeof(void) || Chance(50) ? Body(t, depth) : null;
        return Expression.Switch(t, value, defaultBody, null, cases);
    }

    Expression Body(Type t, int depth) => t == typeof(void) ? Statement(depth) : Value(t, depth);

    /// <summary>A Return, a Break to an enclosing loop or a Goto to a later label, in the place of a value of type
    /// <paramref name="t"/> (a branch of a conditional, a block's value): control leaves before the value is
    /// there.</summary>
    Expression JumpFromOperand(Type t, int depth)
    {
        var jumps = new List<Func<Expression>>();
        if (scope.CanReturn)
            jumps.Add(() =>
            {
                scope.Returns = true;
                return Expression.Return(scope.ReturnLabel, Value(scope.ReturnLabel.Type, depth), t);
            });
        if (scope.LoopsHere is { Count: > 0 } loops)
            jumps.Add(() =>
            {
                var loop = Pick(loops);
                return Expression.Break(loop.Break, BreakValue(loop.Break, depth), t);
            });
        if (scope.ForwardLabelsHere is { Count: > 0 } forward) jumps.Add(() => Expression.Goto(Pick(forward), t));
        return Pick(jumps)();
    }

    Expression Assign(Variable variable, int depth) => Expression.Assign(variable.Expression, Operand(variable.Expression.Type, depth));

    /// <summary>x op= y for an operator defined on x's type; shifts take an int count, Power only doubles.</summary>
    Expression CompoundAssign(Variable variable, int depth)
    {
        var x = variable.Expression;
        if (x.Type == typeof(bool)) return Pick(BitwiseAssignments)(x, Operand(x.Type, depth));
        if (IsInteger(x.Type) && Chance(35))
            return Chance(40) ? Pick(ShiftAssignments)(x, Operand(typeof(int), depth)) : Pick(BitwiseAssignments)(x, Operand(x.Type, depth));
        if (x.Type == typeof(double) && Chance(10)) return Expression.PowerAssign(x, Operand(x.Type, depth));
        return Pick(NumericAssignments)(x, Operand(x.Type, depth));
    }
}

/// <summary>The closure object of a generated tree: one field per value type (named after it) and two narrow ones.</summary>
public sealed class CapturedValues
{
    public long Int64;
    public int Int32;
    public double Double;
    public float Single;
    public bool Boolean;
    public short Short;
    public byte Byte;
}
