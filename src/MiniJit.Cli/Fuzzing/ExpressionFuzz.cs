using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// Differential testing of compiled expression trees: each tree from <see cref="ExpressionGenerator"/> is compiled by
/// <see cref="LambdaExpression.Compile()"/> (the oracle) and by each <see cref="Subject"/>, and both are called on
/// the same edge and random inputs. Results must be equal (floating point bit for bit, any NaN equal to any NaN) or
/// both calls must throw exceptions of the same type. Used by <c>minijit fuzz --trees</c> (in child processes, see
/// <see cref="Run"/>) and by the test suite.
/// </summary>
public static class ExpressionFuzz
{
    public const int InputsPerTree = 12;

    /// <summary>A compiler under test.</summary>
    public sealed record Subject(string Name, Func<LambdaExpression, Delegate> Compile);

    /// <summary>MiniJit with the optimizer on and off; like the program fuzzer, with the IR verifier on.</summary>
    public static readonly IReadOnlyList<Subject> Subjects =
    [
        new("MiniJit (optimize on)", tree => Jit.Compile(tree, new JitOptions { Verify = true })),
        new("MiniJit (optimize off)", tree => Jit.Compile(tree, new JitOptions { Optimize = false, Verify = true })),
    ];

    public enum FindingKind
    {
        /// <summary>A different result or exception, or a compiler that failed in a way it should not.</summary>
        Mismatch,
        /// <summary>MiniJit said it does not support something in the tree (a <see cref="JitException"/>).</summary>
        Unsupported,
        /// <summary>A different result where the expression interpreter agrees with the subject, not with Compile():
        /// Compile() has bugs of its own (<c>Math.Sign(0L) + switch (0 | loop) …</c> returns the loop's value).</summary>
        CompileDisagreement,
    }

    /// <param name="Args">The arguments of the call that differed; null when the subject did not compile the
    /// tree.</param>
    public sealed record Finding(FindingKind Kind, Subject Subject, string Text, object?[]? Args);

    /// <summary>The seed of tree <paramref name="index"/> of a run with <paramref name="baseSeed"/>, numbered as
    /// programs are.</summary>
    public static int TreeSeed(int baseSeed, int index) => FuzzWorker.ProgramSeed(baseSeed, index);

    public static LambdaExpression Tree(int baseSeed, int index, ExpressionWeights? weights = null) =>
        new ExpressionGenerator(TreeSeed(baseSeed, index), weights).Generate();

    /// <summary>The tree as text, for a saved failure.</summary>
    public static string Source(int baseSeed, int index, ExpressionWeights? weights = null) => Describe(Tree(baseSeed, index, weights)) + "\n";

    static readonly PropertyInfo DebugView = typeof(Expression).GetProperty("DebugView", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingMemberException(nameof(Expression), "DebugView");

    /// <summary>The tree as the debugger shows it: one node per line where it helps, blocks, loops and labels
    /// indented (<c>$p0 + 1</c>, <c>.Loop { … }</c>).</summary>
    public static string Describe(Expression tree) => (string)DebugView.GetValue(tree)!;

    /// <summary>What a call did: a value, or an exception of some type.</summary>
    public readonly record struct Outcome(object? Value, Type? Exception)
    {
        /// <summary>Equal values (floating point bit for bit, so 0.0 is not -0.0, but any NaN equals any NaN), or
        /// exceptions of one type.</summary>
        public bool Same(Outcome other) => Exception == other.Exception && (Value, other.Value) switch
        {
            (double a, double b) => double.IsNaN(a) ? double.IsNaN(b) : BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b),
            (float a, float b) => float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b),
            var (a, b) => Equals(a, b),
        };

        public override string ToString() => Exception is not null ? $"throws {Exception.Name}" : $"{Format(Value)} ({Value?.GetType().Name})";
    }

    public static Outcome Call(Delegate target, object?[] args)
    {
        try
        {
            return new Outcome(target.DynamicInvoke(args), null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            return new Outcome(null, e.InnerException.GetType());
        }
    }

    public static string Format(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => $"{value}",
    };

    /// <summary><paramref name="count"/> argument lists for <paramref name="tree"/>'s parameters: each argument an
    /// edge value of its type, a small value (quarters for floating point) or any bits, converted as the program
    /// fuzzer converts its inputs.</summary>
    public static List<object?[]> Inputs(LambdaExpression tree, int treeSeed, int count = InputsPerTree)
    {
        var random = new Random(treeSeed ^ 0x5EED);
        return [.. Enumerable.Range(0, count).Select(_ => tree.Parameters.Select(p => FuzzWorker.Convert(RandomValue(random, p.Type), p.Type)).ToArray<object?>())];
    }

    static long RandomValue(Random random, Type type) => random.Next(3) switch
    {
        0 => type == typeof(double) || type == typeof(float)
            ? FuzzWorker.FloatEdges[random.Next(FuzzWorker.FloatEdges.Length)]
            : FuzzWorker.Edges[random.Next(FuzzWorker.Edges.Length)],
        1 => random.Next(-20, 21),
        _ => random.NextInt64(long.MinValue, long.MaxValue),
    };

    /// <summary>Compiles <paramref name="tree"/> with the oracle and with each subject and compares every call on
    /// <paramref name="inputs"/>; at most one finding per subject (its first difference).</summary>
    /// <param name="calls">How many calls were compared.</param>
    public static List<Finding> Check(LambdaExpression tree, IReadOnlyList<object?[]> inputs, IEnumerable<Subject> subjects, out int calls)
    {
        var reference = tree.Compile();
        var expected = inputs.Select(args => Call(reference, args)).ToList();
        var findings = new List<Finding>();
        calls = 0;
        foreach (var subject in subjects)
        {
            Delegate compiled;
            try
            {
                compiled = subject.Compile(tree);
            }
            catch (JitException e)
            {
                findings.Add(new(FindingKind.Unsupported, subject, $"{subject.Name}: {e.Message}", null));
                continue;
            }
            catch (Exception e)
            {
                findings.Add(new(FindingKind.Mismatch, subject, $"{subject.Name} does not compile it: {e.GetType().Name}: {e.Message}", null));
                continue;
            }
            for (int i = 0; i < inputs.Count; i++)
            {
                calls++;
                var actual = Call(compiled, inputs[i]);
                if (actual.Same(expected[i])) continue;
                var text = $"{subject.Name}: {Arguments(tree, inputs[i])}: Compile() {expected[i]}, {subject.Name} {actual}";
                findings.Add(InterpreterAgrees(tree, inputs[i], actual)
                    ? new(FindingKind.CompileDisagreement, subject, $"{text}, and so does the interpreter: Compile() got it wrong", inputs[i])
                    : new(FindingKind.Mismatch, subject, text, inputs[i]));
                break;
            }
        }
        return findings;
    }

    /// <summary>Whether the expression interpreter, a second and independent oracle, gets what the subject got
    /// (when Compile() got something else): a result that two compilers agree on is more likely right.</summary>
    static bool InterpreterAgrees(LambdaExpression tree, object?[] args, Outcome actual) =>
        Call(tree.Compile(preferInterpretation: true), args).Same(actual);

    /// <summary>The smallest tree <see cref="ExpressionReducer"/> finds that still shows <paramref name="finding"/>
    /// (the same kind of finding, by the same subject, on the same arguments), with that finding.</summary>
    public static (LambdaExpression Tree, Finding Finding) Reduce(LambdaExpression tree, Finding finding)
    {
        List<object?[]> inputs = finding.Args is null ? [] : [finding.Args];
        Finding? Same(LambdaExpression candidate) => Check(candidate, inputs, [finding.Subject], out _).FirstOrDefault(f => f.Kind == finding.Kind);
        var reduced = ExpressionReducer.Reduce(tree, candidate => Same(candidate) is not null);
        return (reduced, Same(reduced) ?? finding);
    }

    /// <summary>A finding and the reduced tree that shows it, as the text of a report.</summary>
    public static string Report(LambdaExpression tree, Finding finding) => $"{finding.Text}\n{Describe(tree)}";

    public static string Arguments(LambdaExpression tree, object?[] args) =>
        "(" + string.Join(", ", tree.Parameters.Select((p, i) => $"{p.Name} = {Format(args[i])}")) + ")";

    /// <summary>The child side of <c>minijit fuzz --trees</c>, speaking <see cref="FuzzWorker"/>'s line protocol
    /// (<c>start I</c>, <c>mismatch I TEXT</c>, <c>done I CALLS</c>) plus <c>unsupported I TEXT</c>,
    /// <c>compile-disagreement I TEXT</c> and, after each of those,
    /// <c>reduced I REPORT</c>: the reduced tree and what it does (<see cref="Report"/>, its line breaks written
    /// <c>\n</c>; see <see cref="EscapeLines"/>).</summary>
    public static void Run(int baseSeed, int first, int count, ExpressionWeights weights, TextWriter output)
    {
        for (int index = first; index < first + count; index++)
        {
            output.WriteLine($"{FuzzWorker.Start} {index}");
            output.Flush();
            var tree = Tree(baseSeed, index, weights);
            var findings = Check(tree, Inputs(tree, TreeSeed(baseSeed, index)), Subjects, out int calls);
            foreach (var finding in findings)
            {
                var kind = finding.Kind switch
                {
                    FindingKind.Unsupported => FuzzWorker.Unsupported,
                    FindingKind.CompileDisagreement => FuzzWorker.CompileDisagreement,
                    _ => FuzzWorker.Mismatch,
                };
                output.WriteLine($"{kind} {index} {finding.Text}".ReplaceLineEndings(" "));
                output.Flush();
                var (reduced, shown) = Reduce(tree, finding);
                output.WriteLine($"{FuzzWorker.Reduced} {index} {EscapeLines(Report(reduced, shown))}");
            }
            output.WriteLine($"{FuzzWorker.Done} {index} {calls}");
            output.Flush();
        }
    }

    /// <summary>Multi-line text on one line of the worker protocol, and back.</summary>
    public static string EscapeLines(string text) => text.Replace("\\", "\\\\").ReplaceLineEndings("\\n");

    public static string UnescapeLines(string line)
    {
        var text = new System.Text.StringBuilder();
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 1 < line.Length)
            {
                text.Append(line[++i] == 'n' ? '\n' : line[i]);
                continue;
            }
            text.Append(line[i]);
        }
        return text.ToString();
    }
}
