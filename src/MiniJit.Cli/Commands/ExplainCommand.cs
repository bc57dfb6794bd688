using System.CommandLine;
using System.Reflection;
using MiniJit.Ir;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit explain ASSEMBLY.dll Type.Method</c>: compiles a method and prints what every stage produced, for
/// the method and each method it calls — the IL, the IR, the IR after each optimization pass that changed it, the
/// lowered IR, live intervals and locations, machine code, and the disassembly of the whole unit.
/// </summary>
public static class ExplainCommand
{
    /// <summary>The stage whose IR <c>--dot</c> draws: the last IR before register allocation.</summary>
    const string LoweredStage = "lowered for x64";

    public static Command Create()
    {
        var assembly = new Argument<string?>("ASSEMBLY")
        {
            Description = "The .NET assembly (.dll) that holds the method.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var method = new Argument<string?>("METHOD")
        {
            Description = "The static method: Namespace.Type.Method or Type.Method (nested types as Outer.Inner or Outer+Inner); an overload as Type.Method(Int64, Int32).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var dot = new Option<string?>("--dot")
        {
            Description = "Also write the control-flow graph of the method's lowered IR to FILE as Graphviz DOT.",
            HelpName = "FILE",
        };
        var signature = TargetMethod.CreateSignatureOption();
        var noOpt = new Option<bool>("--no-opt") { Description = "Turn the optimizer off: the baseline tier, one pass from CIL to machine code (a method it does not translate goes through the IR unoptimized)." };
        var demo = new Option<bool>("--demo") { Description = "Explain the built-in examples (foo, a recursive Fibonacci, a loop) instead of ASSEMBLY." };
        var timings = new Option<bool>("--timings") { Description = "Instead of the stages' output, print the time and memory each stage of a compile takes (median of --repeat compiles)." };
        var repeat = new Option<int>("--repeat") { Description = "How many compiles --timings measures (after at least as many warm-up compiles).", DefaultValueFactory = _ => 200 };
        var warmUp = new Option<double>("--warmup") { Description = "How many seconds --timings compiles before it measures, so that MiniJit's own code runs optimized.", DefaultValueFactory = _ => 2, HelpName = "SECONDS" };
        var explain = new Command("explain", "Compile a static method and print what each stage of the JIT produced.")
        {
            assembly, method, signature, dot, noOpt, demo, timings, repeat, warmUp,
        };
        explain.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var assemblyPath = parseResult.GetValue(assembly);
            var methodName = parseResult.GetValue(method);
            var dotPath = parseResult.GetValue(dot);
            var optimize = !parseResult.GetValue(noOpt);
            int repeatCount = parseResult.GetValue(repeat);
            if (repeatCount < 1) throw new UserErrorException("--repeat must be at least 1");
            Action<MethodInfo> run = parseResult.GetValue(timings)
                ? target => CompileTimings.Print(target, optimize, repeatCount, parseResult.GetValue(warmUp), output)
                : target => Explain(target, optimize, dotPath, output);
            if (parseResult.GetValue(timings) && dotPath is not null) throw new UserErrorException("--dot draws the stages' IR; leave it out with --timings");
            if (parseResult.GetValue(demo))
            {
                if (assemblyPath is not null) throw new UserErrorException("--demo explains the built-in examples; leave out ASSEMBLY and METHOD");
                if (dotPath is not null) throw new UserErrorException("--dot draws one method; use it with ASSEMBLY and METHOD, not --demo");
                foreach (var example in new[] { nameof(DemoPrograms.Foo), nameof(DemoPrograms.Fib), nameof(DemoPrograms.SumTo), nameof(DemoPrograms.NewtonSqrt) })
                    run(typeof(DemoPrograms).GetMethod(example)!);
                return ExitCodes.Success;
            }
            if (assemblyPath is null || methodName is null)
                throw new UserErrorException("explain needs ASSEMBLY and METHOD (or --demo for the built-in examples)");
            run(TargetMethod.Find(assemblyPath, methodName, parseResult.GetValue(signature)));
            return ExitCodes.Success;
        });
        return explain;
    }

    static void Explain(MethodInfo method, bool optimize, string? dotPath, TextWriter output)
    {
        string? dotText = null;
        var options = new JitOptions
        {
            Optimize = optimize,
            Log = JitLog.To(output),
            Explain = stage =>
            {
                Section(output, stage.Method, Heading(stage), stage.Text);
                // The root method is compiled before its callees, so the first lowered IR is the root's.
                if (dotPath is not null && dotText is null && stage.Stage == LoweredStage && stage.Ir is { } lowered)
                {
                    dotText = IrGraphviz.ToDot(lowered);
                    Section(output, stage.Method, "control-flow graph", string.Join("\n", lowered.Blocks.Select(Successors)));
                }
            },
        };
        TargetMethod.Compile(method, options);
        if (dotPath is null || dotText is null) return;
        try
        {
            File.WriteAllText(dotPath, dotText);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot write {dotPath}: {e.Message}");
        }
        output.WriteLine($"wrote the control-flow graph to {dotPath}");
    }

    internal static void Section(TextWriter output, string method, string heading, string text)
    {
        output.WriteLine($"=== {method}: {heading} ===");
        output.WriteLine(text.TrimEnd('\n'));
        output.WriteLine();
    }

    /// <summary>The stages that show IR are named by what happened to it ("after constant-folding (3 changed)");
    /// the heading says it is IR.</summary>
    internal static string Heading(StageOutput stage) => stage.Ir is not null && stage.Stage != "IR" ? $"IR {stage.Stage}" : stage.Stage;

    /// <summary>One line of the text control-flow graph: <c>b0 -> b1 (T), b2 (F)</c>.</summary>
    static string Successors(Block block)
    {
        var edges = IrGraphviz.Edges(block).Select(e => e.Label is null ? e.Target.Name : $"{e.Target.Name} ({e.Label})").ToList();
        return edges.Count == 0 ? $"{block.Name} returns" : $"{block.Name} -> {string.Join(", ", edges)}";
    }
}
