using System.Linq.Expressions;
using System.Reflection;
using static System.Linq.Expressions.Expression;

namespace MiniJit.Tests.Expressions;

/// <summary>One tree per node kind (and per corner of its meaning), each compiled by MiniJit with the optimizer on
/// and off and compared with <c>Expression.Compile()</c> on edge inputs: the same value, bit for bit, or the same
/// exception type.</summary>
public class ExpressionNodeTests
{
    static readonly ParameterExpression L = Parameter(typeof(long), "l"), M = Parameter(typeof(long), "m");
    static readonly ParameterExpression I = Parameter(typeof(int), "i"), J = Parameter(typeof(int), "j");
    static readonly ParameterExpression D = Parameter(typeof(double), "d"), E = Parameter(typeof(double), "e");
    static readonly ParameterExpression F = Parameter(typeof(float), "f");
    static readonly ParameterExpression B = Parameter(typeof(bool), "b");

    /// <summary>What a C# closure looks like to a tree: an object of plain fields, held as a constant.</summary>
    sealed class Captured
    {
        public double K = -2.5;
        public short S = short.MinValue;
        public bool Flag = true;
        public byte Small = 200;
        public float F = float.NaN;
        public long Big = long.MinValue;
    }

    static readonly Captured Holder = new();

    static readonly object[] Longs = [0L, 1L, -1L, 7L, -13L, long.MaxValue, long.MinValue, 1L << 40, 255L, 65536L];
    static readonly object[] Ints = [0, 1, -1, 7, -13, int.MaxValue, int.MinValue, 32767, -32768, 255, 65535, 40000];
    static readonly object[] Doubles = [0.0, -0.0, 1.5, -2.5, 3.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e300, 2147483648.0, -1e10, 255.9];
    static readonly object[] Floats = [0f, -0f, 1.5f, -2.5f, float.NaN, float.PositiveInfinity, 3e38f, 65535.5f];
    static readonly object[] Bools = [false, true];

    static object[] ValuesOf(Type type) =>
        type == typeof(long) ? Longs : type == typeof(int) ? Ints : type == typeof(double) ? Doubles
        : type == typeof(float) ? Floats : type == typeof(bool) ? Bools : throw new ArgumentException(type.Name);

    /// <summary>Compares MiniJit with Compile() on every combination of edge values of the lambda's parameters.</summary>
    static void Same(LambdaExpression lambda)
    {
        var reference = lambda.Compile();
        var compiled = new[] { Jit.Compile(lambda), Jit.Compile(lambda, new JitOptions { Optimize = false }) };
        IEnumerable<object[]> inputs = [[]];
        foreach (var p in lambda.Parameters)
            inputs = inputs.SelectMany(prefix => ValuesOf(p.Type).Select(v => (object[])[.. prefix, v]));
        foreach (var args in inputs)
        {
            var expected = Outcome(reference, args);
            foreach (var jit in compiled)
                Assert.True(expected == Outcome(jit, args),
                    $"{lambda} on ({string.Join(", ", args)}): Compile() gives {expected}, MiniJit {Outcome(jit, args)}");
        }
    }

    static string Outcome(Delegate f, object[] args)
    {
        try
        {
            return f.DynamicInvoke(args) switch
            {
                double d => double.IsNaN(d) ? "NaN" : $"{BitConverter.DoubleToInt64Bits(d):x}",
                float s => float.IsNaN(s) ? "NaN" : $"f{BitConverter.SingleToInt32Bits(s):x}",
                var v => $"{v} ({v?.GetType().Name})",
            };
        }
        catch (TargetInvocationException e)
        {
            return e.InnerException!.GetType().Name;
        }
    }

    static LambdaExpression Lambda(Expression body, params ParameterExpression[] parameters) => Expression.Lambda(body, parameters);

    public static TheoryData<string, LambdaExpression> Trees() => new()
    {
        { "arithmetic long", Lambda(Subtract(Multiply(L, L), Divide(M, Add(L, Constant(3L)))), L, M) },
        { "modulo int", Lambda(Modulo(I, J), I, J) },
        { "checked long", Lambda(AddChecked(MultiplyChecked(L, M), SubtractChecked(L, M)), L, M) },
        { "checked uint", Lambda(Convert(SubtractChecked(Convert(I, typeof(uint)), Convert(J, typeof(uint))), typeof(long)), I, J) },
        { "short arithmetic wraps", Lambda(Convert(Add(Convert(I, typeof(short)), Convert(J, typeof(short))), typeof(int)), I, J) },
        { "short checked arithmetic", Lambda(Convert(MultiplyChecked(Convert(I, typeof(short)), Convert(J, typeof(short))), typeof(int)), I, J) },
        { "ushort division", Lambda(Convert(Divide(Convert(I, typeof(ushort)), Convert(Add(J, Constant(1)), typeof(ushort))), typeof(int)), I, J) },
        { "negate short.MinValue", Lambda(Convert(Negate(Convert(I, typeof(short))), typeof(int)), I) },
        { "negate checked", Lambda(NegateChecked(I), I) },
        { "negate checked short", Lambda(Convert(NegateChecked(Convert(I, typeof(short))), typeof(int)), I) },
        { "bitwise", Lambda(ExclusiveOr(And(L, M), Or(L, Not(M))), L, M) },
        { "ones complement byte", Lambda(Convert(OnesComplement(Convert(I, typeof(byte))), typeof(int)), I) },
        { "shifts mask the count", Lambda(Add(LeftShift(L, I), RightShift(L, I)), L, I) },
        { "unsigned shift", Lambda(Convert(RightShift(Convert(I, typeof(uint)), J), typeof(long)), I, J) },
        { "byte shift left is cut", Lambda(Convert(LeftShift(Convert(I, typeof(byte)), J), typeof(int)), I, J) },
        { "comparisons", Lambda(AndAlso(LessThan(L, M), OrElse(GreaterThanOrEqual(L, Constant(0L)), NotEqual(L, M))), L, M) },
        { "unsigned comparison", Lambda(LessThan(Convert(I, typeof(uint)), Convert(J, typeof(uint))), I, J) },
        { "float comparisons with NaN", Lambda(Condition(LessThanOrEqual(D, E), Constant(1), Condition(GreaterThan(D, E), Constant(2), Condition(Equal(D, E), Constant(3), Condition(NotEqual(D, E), Constant(4), Constant(5))))), D, E) },
        { "double arithmetic", Lambda(Add(Modulo(D, E), Divide(Negate(D), E)), D, E) },
        { "float arithmetic", Lambda(Multiply(Add(F, Constant(1.5f)), UnaryPlus(F)), F) },
        { "power", Lambda(Power(D, E), D, E) },
        { "math calls", Lambda(Add(Call(typeof(Math).GetMethod("Sqrt")!, D), Call(typeof(Math).GetMethod("Atan2")!, D, E)), D, E) },
        { "math round with mode", Lambda(Call(typeof(Math).GetMethod("Round", [typeof(double), typeof(MidpointRounding)])!, D, Constant(MidpointRounding.AwayFromZero)), D) },
        { "is nan", Lambda(Call(typeof(double).GetMethod("IsNaN", [typeof(double)])!, D), D) },
        { "not bool", Lambda(Not(B), B) },
        { "is true, is false", Lambda(AndAlso(IsTrue(B), Not(IsFalse(B))), B) },
        { "increment decrement", Lambda(Add(Increment(L), Decrement(M)), L, M) },
        { "increment short wraps", Lambda(Convert(Increment(Convert(I, typeof(short))), typeof(int)), I) },
        { "conditional", Lambda(Condition(B, Multiply(I, Constant(2)), Subtract(I, Constant(1))), B, I) },
        { "boxed constant", Lambda(Add(I, Convert(Constant(41, typeof(object)), typeof(int))), I) },
        { "default", Lambda(Add(Default(typeof(double)), D), D) },
        { "captured fields of every width", Lambda(Condition(Field(Constant(Holder), nameof(Captured.Flag)),
            Add(Add(Multiply(D, Field(Constant(Holder), nameof(Captured.K))), Convert(Field(Constant(Holder), nameof(Captured.S)), typeof(double))),
                Add(Convert(Field(Constant(Holder), nameof(Captured.Small)), typeof(double)), Convert(Add(Field(Constant(Holder), nameof(Captured.F)), Convert(D, typeof(float))), typeof(double)))),
            Convert(Field(Constant(Holder), nameof(Captured.Big)), typeof(double))), D) },
    };

    public static TheoryData<string, LambdaExpression> Conversions()
    {
        var data = new TheoryData<string, LambdaExpression>();
        Type[] sources = [typeof(long), typeof(int), typeof(double), typeof(float)];
        Type[] targets = [typeof(sbyte), typeof(byte), typeof(short), typeof(ushort), typeof(char), typeof(int), typeof(uint),
            typeof(long), typeof(ulong), typeof(float), typeof(double)];
        foreach (var source in sources)
            foreach (var target in targets)
                foreach (var isChecked in new[] { false, true })
                {
                    var p = Parameter(source, "x");
                    Expression converted = isChecked ? ConvertChecked(p, target) : Convert(p, target);
                    // Back to a type the delegate can return, through the unsigned or signed 64-bit type or double.
                    var back = target == typeof(float) || target == typeof(double) ? typeof(double)
                        : target == typeof(ulong) ? typeof(ulong) : typeof(long);
                    data.Add($"{source.Name} -> {target.Name}{(isChecked ? " checked" : "")}", Lambda(Convert(converted, back), p));
                    // And from the unsigned types to everything.
                }
        foreach (var unsigned in new[] { typeof(uint), typeof(ulong), typeof(ushort), typeof(byte) })
            foreach (var target in targets)
                foreach (var isChecked in new[] { false, true })
                {
                    var p = Parameter(typeof(long), "x");
                    Expression value = Convert(p, unsigned);
                    Expression converted = isChecked ? ConvertChecked(value, target) : Convert(value, target);
                    var back = target == typeof(float) || target == typeof(double) ? typeof(double) : target == typeof(ulong) ? typeof(ulong) : typeof(long);
                    data.Add($"{unsigned.Name} -> {target.Name}{(isChecked ? " checked" : "")}", Lambda(Convert(converted, back), p));
                }
        return data;
    }

    public static TheoryData<string, LambdaExpression> Statements()
    {
        var data = new TheoryData<string, LambdaExpression>();
        var sum = Variable(typeof(long), "sum");
        var k = Variable(typeof(long), "k");
        var exit = Label(typeof(long), "exit");
        var next = Label("next");
        // sum = 0; k = 0; loop { if (k >= l & 63) break sum; k++; if (k % 3 == 0) continue; sum += k * m; }
        data.Add("loop with break and continue", Lambda(Block([sum, k],
            Loop(Block(
                IfThen(GreaterThanOrEqual(k, And(L, Constant(63L))), Break(exit, sum)),
                PreIncrementAssign(k),
                IfThen(Equal(Modulo(k, Constant(3L)), Constant(0L)), Continue(next)),
                AddAssign(sum, Multiply(k, M))), exit, next)), L, M));
        var ret = Label(typeof(int), "return");
        data.Add("return from the middle", Lambda(Block(
            IfThen(LessThan(I, Constant(0)), Return(ret, Negate(I))),
            Label(ret, Multiply(I, Constant(2)))), I));
        var t = Variable(typeof(int), "t");
        data.Add("post increment value", Lambda(Block([t], Assign(t, I), Add(PostIncrementAssign(t), Multiply(t, Constant(10)))), I));
        data.Add("pre decrement value", Lambda(Block([t], Assign(t, I), Add(PreDecrementAssign(t), Multiply(t, Constant(10)))), I));
        data.Add("compound assignments", Lambda(Block([t], Assign(t, I), MultiplyAssign(t, J), SubtractAssign(t, Constant(3)),
            LeftShiftAssign(t, Constant(2)), ExclusiveOrAssign(t, J), ModuloAssign(t, Constant(7)), t), I, J));
        data.Add("checked compound assignment", Lambda(Block([t], Assign(t, I), MultiplyAssignChecked(t, J), t), I, J));
        var s = Variable(typeof(short), "s");
        data.Add("assigning a short keeps its bits", Lambda(Block([s], Assign(s, Convert(I, typeof(short))), AddAssign(s, Convert(J, typeof(short))), Convert(s, typeof(int))), I, J));
        data.Add("switch with default", Lambda(Switch(I, Constant(-1), SwitchCase(Constant(10), Constant(1), Constant(2)), SwitchCase(Constant(20), Constant(7)), SwitchCase(Multiply(I, I), Constant(-13))), I));
        data.Add("switch on long without default", Lambda(Block([sum], Switch(typeof(void), L, null, null, SwitchCase(Assign(sum, Constant(5L)), Constant(0L)), SwitchCase(Assign(sum, M), Constant(long.MaxValue))), sum), L, M));
        var x = Parameter(typeof(int), "x");
        data.Add("invoke a lambda", Lambda(Add(Invoke(Expression.Lambda(Multiply(x, x), x), I), Invoke(Expression.Lambda(Multiply(x, Constant(3)), x), J)), I, J));
        var v = Variable(typeof(int), "v");
        data.Add("block variable keeps its value around a loop", Lambda(Block([t], Assign(t, Constant(0)),
            Loop(Block([v],
                IfThen(GreaterThanOrEqual(t, Constant(3)), Break(exit, Convert(v, typeof(long)))),
                AddAssign(v, Add(I, Constant(1))),
                PostIncrementAssign(t)), exit)), I));
        // Found by the tree fuzzer: the right operand of && and || may end in another block than it starts in.
        var found = Label(typeof(bool), "found");
        data.Add("or else with a loop on the right", Lambda(OrElse(B, Loop(Break(found, Not(B)), found)), B));
        data.Add("and also with a label on the right", Lambda(AndAlso(B, Condition(B, Block(Label(Label("skip")), B), Not(B))), B));
        data.Add("checked negation of a loop", Lambda(NegateChecked(Loop(Break(exit, L), exit)), L));
        data.Add("switch on a loop", Lambda(Switch(Loop(Break(exit, L), exit), Constant(1L), SwitchCase(Constant(2L), Constant(0L))), L));
        var unassigned = Variable(typeof(double), "unassigned");
        data.Add("unassigned variable is zero", Lambda(Block([unassigned], Add(unassigned, D)), D));
        return data;
    }

    [Theory, MemberData(nameof(Trees))]
    public void Node(string what, LambdaExpression tree)
    {
        Assert.NotEmpty(what);
        Same(tree);
    }

    [Theory, MemberData(nameof(Conversions))]
    public void Conversion(string what, LambdaExpression tree)
    {
        Assert.NotEmpty(what);
        Same(tree);
    }

    [Theory, MemberData(nameof(Statements))]
    public void Statement(string what, LambdaExpression tree)
    {
        Assert.NotEmpty(what);
        Same(tree);
    }

    [Fact]
    public void UnsupportedNodesNameTheNodeAndItsPath()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile(Lambda(Add(I, Call(typeof(ExpressionNodeTests).GetMethod(nameof(LengthOf))!, Constant("hello"))), I)));
        Assert.Equal("Body.Right.Arguments[0]", e.ExpressionPath);
        Assert.Equal(ExpressionType.Constant, e.NodeType);
        Assert.Contains("String", e.Message);
        var text = "captured";
        Expression<Func<int, int>> capturesReference = x => x + text.Length;
        e = Assert.Throws<JitException>(() => capturesReference.CompileNative());
        Assert.Equal("Body.Right", e.ExpressionPath);
        Assert.Equal(ExpressionType.MemberAccess, e.NodeType);
    }

    [Fact]
    public void CapturedVariablesAreReadAtEachCallAsCompileReadsThem()
    {
        double k = 2;
        short s = -3;
        bool flag = true;
        Expression<Func<double, double>> tree = x => flag ? x * k + s : -x;
        var native = tree.CompileNative();
        var reference = tree.Compile();
        Assert.Equal(reference(5), native(5));
        k = 0.5;
        s = short.MinValue;
        Assert.Equal(reference(5), native(5));
        flag = false;
        Assert.Equal(reference(5), native(5));
        // The closure object is pinned for the code's lifetime: compacting collections do not move it from under the code.
        for (int i = 0; i < 20; i++)
        {
            GC.KeepAlive(new byte[100_000]);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            k = i;
            flag = i % 2 == 0;
            Assert.Equal(reference(i), native(i));
        }
    }

    [Fact]
    public void ATreeOfAnySignatureRunsThroughASlotFunction()
    {
        var b = Parameter(typeof(byte), "b");
        var tree = Lambda(Condition(GreaterThan(D, Convert(b, typeof(double))), Convert(I, typeof(long)), Multiply(L, Constant(3L))), D, b, I, L);
        using var code = Jit.CompileToCode(tree);
        var call = code.CreateSlotFunction();
        Assert.Same(code, Jit.CodeOf(call));
        Assert.Equal(-5L, MiniJit.Binding.Slots.To<long>(call(MiniJit.Binding.Slots.From(2.5), MiniJit.Binding.Slots.From<byte>(1), MiniJit.Binding.Slots.From(-5), MiniJit.Binding.Slots.From(7L))));
        Assert.Equal(21L, MiniJit.Binding.Slots.To<long>(call(MiniJit.Binding.Slots.From(0.5), MiniJit.Binding.Slots.From<byte>(1), MiniJit.Binding.Slots.From(-5), MiniJit.Binding.Slots.From(7L))));
    }

    [Fact]
    public void LogExplainDisassemblyAndCodeOfWorkForTreesAsForMethods()
    {
        var log = new List<string>();
        var stages = new List<StageOutput>();
        var x = Parameter(typeof(double), "x");
        var tree = Expression.Lambda<Func<double, double>>(Multiply(x, Call(typeof(Math).GetMethod("Cos", [typeof(double)])!, x)), "wave", [x]);
        var wave = Jit.Compile(tree, new JitOptions { Log = log.Add, Explain = stages.Add });
        Assert.Equal(Math.Cos(2) * 2, wave(2));
        Assert.Equal(["compiling wave", "compiled wave"], log.Select(line => string.Join(' ', line.Split(' ').Take(2)).TrimEnd(':')));
        Assert.Equal(["expression tree", "IR", "lowered for x64", "live intervals and locations"], stages.Select(s => s.Stage).Take(4));
        Assert.Contains("Call Math.Cos", stages[0].Text);
        Assert.All(stages, s => Assert.Equal("wave", s.Method));
        var code = Jit.CodeOf(wave);
        Assert.Equal("wave", code.Name);
        Assert.Null(code.Method);
        Assert.Equal(1, code.ParameterCount);
        Assert.Contains("wave:", Jit.Disassemble(wave));
        var untyped = ((LambdaExpression)tree).CompileNative();
        Assert.IsType<Func<double, double>>(untyped);
        Assert.Equal(wave(0.5), ((Func<double, double>)untyped)(0.5));
        code.Dispose();
        Assert.Throws<ObjectDisposedException>(() => wave(2));
    }

    public static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);

    public static long UsesAString(long a) => a + "text".Length;

    [Fact]
    public void AStaticMethodATreeCallsIsCompiledFromItsILIntoTheSameUnit()
    {
        Same(Lambda(Call(typeof(ExpressionNodeTests).GetMethod(nameof(Gcd))!, L, M), L, M));
        var code = Jit.CodeOf(Jit.Compile(Lambda(Call(typeof(ExpressionNodeTests).GetMethod(nameof(Gcd))!, L, M), L, M)));
        Assert.Contains("ExpressionNodeTests.Gcd", code.Symbols.Values);
        var e = Assert.Throws<JitException>(() => Jit.Compile(Lambda(Call(typeof(ExpressionNodeTests).GetMethod(nameof(UsesAString))!, L), L)));
        Assert.Contains("reached through lambda → ", e.Message);
    }

    static readonly double Scale = Math.PI;

    [Fact]
    public void StaticReadonlyFieldIsAConstant()
    {
        var d = Parameter(typeof(double), "d");
        Same(Lambda(Multiply(d, Field(null, typeof(ExpressionNodeTests).GetField(nameof(Scale), BindingFlags.NonPublic | BindingFlags.Static)!)), d));
    }

    public static int LengthOf(string text) => text.Length;
}
