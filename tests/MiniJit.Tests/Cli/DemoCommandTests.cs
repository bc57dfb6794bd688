using MiniJit.Cli;
using static MiniJit.Tests.Cli.CliRunner;

namespace MiniJit.Tests.Cli;

public class DemoCommandTests
{
    [Fact]
    public void Multiply_prints_ten_checked_products_and_the_disassembly()
    {
        var (exitCode, output, error) = Run("demo", "multiply", "11");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"OK   mul({i}) = {11 * i}"), lines.Take(10));
        Assert.Equal("mul:", lines[10]);
        Assert.Contains(lines, line => line.EndsWith("imul rax, rdi", StringComparison.Ordinal));
        Assert.EndsWith("ret", lines[^1]);
    }

    [Fact]
    public void Demo_alone_runs_multiply_with_the_default()
    {
        var (exitCode, output, _) = Run("demo");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("OK   mul(9) = 99", Lines(output)[9]);
    }

    [Fact]
    public void Products_wrap_like_unchecked_long()
    {
        var (exitCode, output, _) = Run("demo", "multiply", long.MaxValue.ToString());
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal($"OK   mul(2) = {unchecked(long.MaxValue * 2)}", Lines(output)[2]);
        Assert.Contains("mov rax, 0x7fffffffffffffff", output);
    }

    [Fact]
    public void Negative_factors_are_accepted()
    {
        var (exitCode, output, _) = Run("demo", "multiply", "-3");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("OK   mul(4) = -12", Lines(output)[4]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("99999999999999999999")]
    [InlineData("1.5")]
    public void A_bad_factor_is_one_error_line_and_exit_code_2(string factor)
    {
        var (exitCode, output, error) = Run("demo", "multiply", factor);
        Assert.Equal(ExitCodes.UserError, exitCode);
        Assert.Equal("", output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("minijit: ", line);
        Assert.Contains(factor, line);
    }

    [Fact]
    public void Demo_jit_compiles_foo_on_the_first_call_only()
    {
        var (exitCode, output, error) = Run("demo", "jit");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
        var lines = Lines(output);
        Assert.Equal("static long Foo(long a, long b) => a * a - b * b;", lines[0]);
        Assert.Single(lines, line => line.StartsWith("--- JIT-compiling ", StringComparison.Ordinal));
        // The compile lines come before the first result and none after it.
        var first = Array.IndexOf(lines, "foo(3, 2) = 5");
        Assert.True(first > 0);
        Assert.DoesNotContain(lines[first..], line => line.StartsWith("--- JIT", StringComparison.Ordinal));
        Assert.Contains("foo(7, 5) = 24", lines);
        Assert.Contains("DemoPrograms.Foo:", lines);
        Assert.Contains(lines, line => line.EndsWith("ret", StringComparison.Ordinal));
        // The [Jit] part: the calls' results, and the unit they ran.
        Assert.Contains("SumOfSquares(1000) = 333833500", lines);
        Assert.Contains("SumOfSquares(1000000) = 333333833333500000", lines);
        Assert.Contains(lines, line => line.StartsWith("the calls ran MiniJit's machine code: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Demo_alone_tells_the_decorator_story_after_multiply()
    {
        var (exitCode, output, _) = Run("demo");
        Assert.Equal(ExitCodes.Success, exitCode);
        var lines = Lines(output);
        Assert.True(Array.IndexOf(lines, "OK   mul(9) = 99") < Array.IndexOf(lines, "foo(3, 2) = 5"));
    }

    [Fact]
    public void An_unknown_command_is_a_user_error()
    {
        var (exitCode, _, error) = Run("frobnicate");
        Assert.Equal(ExitCodes.UserError, exitCode);
        Assert.Single(Lines(error));
    }

    [Fact]
    public void Minijit_alone_shows_the_help()
    {
        var (exitCode, output, error) = Run();
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("", error);
        foreach (var command in new[] { "demo", "explain", "run", "bench" }) Assert.Contains(command, output);
    }

    [Fact]
    public void Help_goes_to_the_captured_output()
    {
        var (exitCode, output, _) = Run("demo", "--help");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("multiply", output);
    }
}
