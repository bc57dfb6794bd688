using MiniJit.Cli;
using MiniJit.Ir;
using static MiniJit.Tests.Cli.CliRunner;

namespace MiniJit.Tests.Cli;

public class ExplainCommandTests
{
    static readonly string Assembly = typeof(CliSamples).Assembly.Location;

    [Fact]
    public void Explain_prints_every_stage_under_a_heading()
    {
        var (exitCode, output, error) = Run("explain", Assembly, "MiniJit.Tests.Cli.CliSamples.Square");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
        foreach (var stage in new[] { "IL", "IR", "IR lowered for x64", "live intervals and locations" })
            Assert.Contains($"=== CliSamples.Square: {stage} ===", output);
        Assert.Contains("=== CliSamples.Square: machine code (", output);
        Assert.Contains("=== CliSamples.Square: disassembly ===", output);
        Assert.Contains("--- JIT-compiling MiniJit.Tests.Cli.CliSamples.Square", output);
        // IL opcode names, the IR's multiply and the instruction it becomes.
        Assert.Contains("ldarg.0", output);
        Assert.Contains("mul v", output);
        Assert.Contains("imul", output);
    }

    [Fact]
    public void Timings_list_every_stage_of_a_compile_in_pipeline_order()
    {
        var (exitCode, output, error) = Run("explain", Assembly, "CliSamples.Tally", "--timings", "--repeat", "3", "--warmup", "0");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
        Assert.Contains("=== CliSamples.Tally: compile timings, median of 3 compiles (optimizer on) ===", output);
        var stages = Lines(output).Skip(2).Select(line => line[..32].TrimEnd()).ToList();
        string[] pipeline = ["read IL", "import", "scalar-replacement", "jump-threading", "lower", "liveness", "register allocation",
            "emit", "peephole", "encode", "entry stub", "assemble", "executable memory", "bind", "sum of the medians", "median compile"];
        Assert.Equal(pipeline, stages.Where(pipeline.Contains));
        Assert.Contains("--repeat must be at least 1", Run("explain", Assembly, "CliSamples.Tally", "--timings", "--repeat", "0").Error);
    }

    [Fact]
    public void Explain_names_the_passes_that_changed_something_with_their_counts()
    {
        var (exitCode, output, _) = Run("explain", Assembly, "CliSamples.Tally");
        Assert.Equal(ExitCodes.Success, exitCode);
        var passes = Lines(output).Where(line => line.StartsWith("=== CliSamples.Tally: IR after ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(passes);
        Assert.All(passes, heading => Assert.Matches(@"IR after [a-z-]+ \([1-9][0-9]* changed\) ===$", heading));
        Assert.Contains(passes, heading => heading.Contains("dead-code-elimination"));
    }

    [Fact]
    public void No_opt_runs_no_passes()
    {
        var (exitCode, output, _) = Run("explain", Assembly, "CliSamples.Tally", "--no-opt");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.DoesNotContain("IR after", output);
        // The baseline tier translates Tally in one pass: no IR at all, its homes and frame instead.
        Assert.DoesNotContain("=== CliSamples.Tally: IR ===", output);
        Assert.Contains("=== CliSamples.Tally: baseline: homes and frame ===", output);
        Assert.Contains("arg0 Int32 -> ", output);
    }

    [Fact]
    public void Explain_shows_the_callees_too()
    {
        var (exitCode, output, _) = Run("explain", Assembly, "CliSamples.CallsHidden");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("=== CliSamples.Hidden: IR ===", output);
    }

    [Theory]
    [InlineData("MiniJit.Tests.Cli.CliSamples.Nested.Twice")]
    [InlineData("MiniJit.Tests.Cli.CliSamples+Nested.Twice")]
    [InlineData("CliSamples.Nested.Twice")]
    [InlineData("CliSamples.Hidden")]
    public void Methods_are_found_nested_private_and_without_namespace(string name)
    {
        var (exitCode, _, error) = Run("explain", Assembly, name);
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
    }

    [Fact]
    public void Dot_draws_one_edge_per_successor_of_the_lowered_ir()
    {
        // What the compiler itself saw last before register allocation.
        Function? lowered = null;
        Jit.Compile<Func<int, int>>(CliSamples.Tally, new JitOptions
        {
            Explain = stage => lowered ??= stage.Stage == "lowered for x64" ? stage.Ir : null,
        });
        Assert.NotNull(lowered);
        Assert.Contains(lowered.Blocks, b => b.Terminator?.Op == Op.Switch);
        var successors = lowered.Blocks.Sum(b => b.Succs.Length);

        var file = Path.Combine(Path.GetTempPath(), $"minijit-{Guid.NewGuid():N}.dot");
        try
        {
            var (exitCode, output, error) = Run("explain", Assembly, "CliSamples.Tally", "--dot", file);
            Assert.Equal(ExitCodes.Success, exitCode);
            Assert.Equal("", error);
            var dot = File.ReadAllText(file);
            Assert.StartsWith("digraph ", dot);
            var dotLines = Lines(dot);
            Assert.Equal(successors, dotLines.Count(line => line.Contains(" -> ")));
            Assert.Equal(lowered.Blocks.Count, dotLines.Count(line => line.Contains("[label=\"b")));
            Assert.Contains(dotLines, line => line.EndsWith("[label=\"default\"];", StringComparison.Ordinal));
            Assert.Contains(dotLines, line => line.EndsWith("[label=\"T\"];", StringComparison.Ordinal));
            Assert.Contains("shape=box", dot);
            Assert.Contains("\\l", dot);

            // The same graph as text in the explanation: one line per block.
            var graph = output[output.IndexOf("=== CliSamples.Tally: control-flow graph ===", StringComparison.Ordinal)..];
            var graphLines = Lines(graph).Skip(1).TakeWhile(line => !line.StartsWith("===", StringComparison.Ordinal)).ToList();
            Assert.Equal(lowered.Blocks.Count, graphLines.Count);
            Assert.Contains(graphLines, line => line.StartsWith("b0 -> ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void The_demo_explains_the_built_in_examples()
    {
        var (exitCode, output, error) = Run("explain", "--demo");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
        foreach (var name in new[] { "Foo", "Fib", "SumTo", "NewtonSqrt" })
        {
            Assert.Contains($"=== DemoPrograms.{name}: IL ===", output);
            Assert.Contains($"=== DemoPrograms.{name}: disassembly ===", output);
        }
        Assert.Contains("call DemoPrograms.Fib", output);
        Assert.Contains("fdiv", output);
        Assert.Contains("divsd", output);
    }

    [Fact]
    public void Dot_quotes_and_braces_are_escaped()
    {
        var function = IrParser.Parse("""
            function A.B(i64) -> i64 {
            b0:
              v0:i64 = param 0
              return v0
            }
            """);
        function.Name = "say \"{hi}\"";
        var dot = IrGraphviz.ToDot(function);
        Assert.StartsWith("digraph \"say \\\"\\{hi\\}\\\"\" {", dot);
        Assert.Contains("b0 [label=\"b0:\\l  v0:i64 = param 0\\l  return v0\\l\"];", dot);
    }

    [Theory]
    [InlineData("explain", "--demo", "x.dll")]
    [InlineData("explain", "--demo", "--dot", "x.dot")]
    [InlineData("explain")]
    [InlineData("explain", "only-an-assembly.dll")]
    public void Explain_with_a_wrong_mix_of_arguments_is_a_user_error(params string[] args)
    {
        var (exitCode, _, error) = Run(args);
        Assert.Equal(ExitCodes.UserError, exitCode);
        Assert.StartsWith("minijit: ", Assert.Single(Lines(error)));
    }
}
