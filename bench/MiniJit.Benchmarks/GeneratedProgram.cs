using System.Linq.Expressions;
using System.Reflection.Emit;
using System.Text;

namespace MiniJit.Benchmarks;

/// <summary>
/// A straight-line method over long variables with an occasional guarded statement, made from a seed so that the
/// same method can be written three ways: as C# (<see cref="WriteCSharp"/>, checked in as GeneratedMethods.cs for
/// MiniJit and RyuJIT to compile), as an expression tree, and as IL for a DynamicMethod. The compile benchmarks
/// then compare compilers on identical work. Variable 0 is parameter a, variable 1 is b, the rest are locals.
/// </summary>
sealed class GeneratedProgram
{
    /// <summary>target = left op right, where right is a variable or, when <see cref="RightIsConstant"/>, a constant
    /// (a shift count for the shifts); executed only if variable GuardLeft &lt; GuardRight when it has a guard.</summary>
    public readonly record struct Statement(int Target, char Op, int Left, bool RightIsConstant, int Right, (int Left, int Right)? Guard);

    static readonly char[] Ops = ['+', '-', '*', '^', '&', '|', '<', '>'];

    public string Name { get; }
    public int Variables { get; }
    public IReadOnlyList<Statement> Statements { get; }

    GeneratedProgram(string name, int variables, IReadOnlyList<Statement> statements)
    {
        Name = name;
        Variables = variables;
        Statements = statements;
    }

    /// <summary>The methods the compile benchmarks use, sized to about 20, 200, 1 000 and 10 000 IL instructions.</summary>
    public static IReadOnlyList<GeneratedProgram> All { get; } =
    [
        Create("Small", variables: 3, statements: 3, seed: 1),
        Create("Medium", variables: 8, statements: 40, seed: 2),
        Create("Large1k", variables: 8, statements: 210, seed: 3),
        Create("Large10k", variables: 8, statements: 2100, seed: 4),
    ];

    /// <summary>The trees the expression-tree benchmarks compile, of about 20, 200 and 2 000 nodes as
    /// <see cref="ExpressionBenchmarks.Nodes"/> counts them. Only <see cref="ToExpression"/> is used, so they are not
    /// in GeneratedMethods.cs.</summary>
    public static IReadOnlyList<GeneratedProgram> ExpressionTrees { get; } =
    [
        Create("Tree20", variables: 2, statements: 3, seed: 11),
        Create("Tree200", variables: 6, statements: 30, seed: 6),
        Create("Tree2000", variables: 8, statements: 360, seed: 7),
    ];

    public static GeneratedProgram Get(string name) => All.Single(p => p.Name == name);

    static GeneratedProgram Create(string name, int variables, int statements, ulong seed)
    {
        var random = seed * 0x9E3779B97F4A7C15;
        // Our own xorshift rather than System.Random, so the sequence can never change under us between versions.
        int Next(int bound)
        {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            return (int)(random % (ulong)bound);
        }

        var list = new List<Statement>(statements);
        for (var i = 0; i < statements; i++)
        {
            var op = Ops[Next(Ops.Length)];
            var isShift = op is '<' or '>';
            var constant = isShift || Next(3) == 0;
            var left = Next(variables);
            // A variable operand differs from the left one: `x ^ x` and `x - x` would just be zero.
            var right = isShift ? 1 + Next(7) : constant ? 1 + 2 * Next(500) : (left + 1 + Next(variables - 1)) % variables;
            (int, int)? guard = null;
            if (Next(8) == 0)
            {
                // Two different variables: `x < x` draws a compiler warning and is a constant branch.
                var l = Next(variables);
                guard = (l, (l + 1 + Next(variables - 1)) % variables);
            }
            list.Add(new Statement(Next(variables), op, left, constant, right, guard));
        }
        return new GeneratedProgram(name, variables, list);
    }

    /// <summary>Locals start from the parameters so no value is a compile-time constant.</summary>
    static string Initial(int variable) => variable % 2 == 0 ? $"a + {variable}" : $"b - {variable}";

    public void WriteCSharp(StringBuilder source)
    {
        static string Var(int v) => v switch { 0 => "a", 1 => "b", _ => $"v{v}" };
        source.AppendLine($"    public static long {Name}(long a, long b)");
        source.AppendLine("    {");
        for (var v = 2; v < Variables; v++)
            source.AppendLine($"        long {Var(v)} = {Initial(v)};");
        foreach (var s in Statements)
        {
            var op = s.Op switch { '<' => "<<", '>' => ">>", _ => s.Op.ToString() };
            var right = s.RightIsConstant ? s.Right.ToString() : Var(s.Right);
            var assignment = $"{Var(s.Target)} = {Var(s.Left)} {op} {right};";
            source.AppendLine(s.Guard is var (l, r) ? $"        if ({Var(l)} < {Var(r)}) {assignment}" : $"        {assignment}");
        }
        source.AppendLine($"        return {string.Join(" ^ ", Enumerable.Range(0, Variables).Select(Var))};");
        source.AppendLine("    }");
    }

    public Expression<Func<long, long, long>> ToExpression()
    {
        var a = Expression.Parameter(typeof(long), "a");
        var b = Expression.Parameter(typeof(long), "b");
        var locals = Enumerable.Range(2, Variables - 2).Select(v => Expression.Variable(typeof(long), $"v{v}")).ToArray();
        ParameterExpression Var(int v) => v switch { 0 => a, 1 => b, _ => locals[v - 2] };

        var body = new List<Expression>();
        for (var v = 2; v < Variables; v++)
            body.Add(Expression.Assign(Var(v), v % 2 == 0
                ? Expression.Add(a, Expression.Constant((long)v))
                : Expression.Subtract(b, Expression.Constant((long)v))));
        foreach (var s in Statements)
        {
            Expression left = Var(s.Left);
            var value = s.Op switch
            {
                '<' => Expression.LeftShift(left, Expression.Constant(s.Right)),
                '>' => Expression.RightShift(left, Expression.Constant(s.Right)),
                _ => Expression.MakeBinary(s.Op switch
                {
                    '+' => ExpressionType.Add,
                    '-' => ExpressionType.Subtract,
                    '*' => ExpressionType.Multiply,
                    '^' => ExpressionType.ExclusiveOr,
                    '&' => ExpressionType.And,
                    _ => ExpressionType.Or,
                }, left, s.RightIsConstant ? Expression.Constant((long)s.Right) : Var(s.Right)),
            };
            Expression assignment = Expression.Assign(Var(s.Target), value);
            body.Add(s.Guard is var (l, r) ? Expression.IfThen(Expression.LessThan(Var(l), Var(r)), assignment) : assignment);
        }
        body.Add(Enumerable.Range(1, Variables - 1).Aggregate((Expression)a, (x, v) => Expression.ExclusiveOr(x, Var(v))));
        return Expression.Lambda<Func<long, long, long>>(Expression.Block(locals, body), a, b);
    }

    /// <summary>The same method emitted through ILGenerator; RyuJIT compiles it on the first call.</summary>
    public Func<long, long, long> EmitDynamicMethod()
    {
        var method = new DynamicMethod(Name, typeof(long), [typeof(long), typeof(long)], typeof(GeneratedProgram).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        for (var v = 2; v < Variables; v++) il.DeclareLocal(typeof(long));
        void Load(int v)
        {
            if (v < 2) il.Emit(OpCodes.Ldarg, (short)v);
            else il.Emit(OpCodes.Ldloc, (short)(v - 2));
        }
        void Store(int v)
        {
            if (v < 2) il.Emit(OpCodes.Starg, (short)v);
            else il.Emit(OpCodes.Stloc, (short)(v - 2));
        }

        for (var v = 2; v < Variables; v++)
        {
            Load(v % 2);
            il.Emit(OpCodes.Ldc_I8, (long)v);
            il.Emit(v % 2 == 0 ? OpCodes.Add : OpCodes.Sub);
            Store(v);
        }
        foreach (var s in Statements)
        {
            var skip = il.DefineLabel();
            if (s.Guard is var (l, r))
            {
                Load(l);
                Load(r);
                il.Emit(OpCodes.Bge, skip);
            }
            Load(s.Left);
            if (s.Op is '<' or '>') il.Emit(OpCodes.Ldc_I4, s.Right);
            else if (s.RightIsConstant) il.Emit(OpCodes.Ldc_I8, (long)s.Right);
            else Load(s.Right);
            il.Emit(s.Op switch
            {
                '+' => OpCodes.Add,
                '-' => OpCodes.Sub,
                '*' => OpCodes.Mul,
                '^' => OpCodes.Xor,
                '&' => OpCodes.And,
                '|' => OpCodes.Or,
                '<' => OpCodes.Shl,
                _ => OpCodes.Shr,
            });
            Store(s.Target);
            il.MarkLabel(skip);
        }
        Load(0);
        for (var v = 1; v < Variables; v++)
        {
            Load(v);
            il.Emit(OpCodes.Xor);
        }
        il.Emit(OpCodes.Ret);
        return method.CreateDelegate<Func<long, long, long>>();
    }

    /// <summary>Writes GeneratedMethods.cs: `dotnet run -c Release --project bench/MiniJit.Benchmarks -- generate`.</summary>
    public static void WriteFile(string path)
    {
        var source = new StringBuilder();
        source.AppendLine("// <auto-generated> by GeneratedProgram.WriteFile (`-- generate`); do not edit. </auto-generated>");
        source.AppendLine("namespace MiniJit.Benchmarks;");
        source.AppendLine();
        source.AppendLine("/// <summary>Straight-line methods of about 20, 200, 1 000 and 10 000 IL instructions for the compile benchmarks.</summary>");
        source.AppendLine("public static class GeneratedMethods");
        source.AppendLine("{");
        foreach (var program in All)
        {
            if (program != All[0]) source.AppendLine();
            program.WriteCSharp(source);
        }
        source.AppendLine("}");
        File.WriteAllText(path, source.ToString());
    }
}
