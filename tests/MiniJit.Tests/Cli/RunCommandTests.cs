using System.Globalization;
using MiniJit.Cli;
using static MiniJit.Tests.Cli.CliRunner;

namespace MiniJit.Tests.Cli;

public class RunCommandTests
{
    static readonly string Assembly = typeof(CliSamples).Assembly.Location;

    static string RunOk(string method, params string[] args)
    {
        var (exitCode, output, error) = Run(["run", Assembly, "MiniJit.Tests.Cli.CliSamples." + method, .. args]);
        Assert.Equal("", error);
        Assert.Equal(ExitCodes.Success, exitCode);
        return output.TrimEnd('\n');
    }

    static string Text(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    [Fact]
    public void Run_prints_what_the_method_returns_for_each_parameter_type()
    {
        Assert.Equal(Text(CliSamples.Square(-3_000_000_000)), RunOk("Square", "-3000000000"));
        Assert.Equal(Text(CliSamples.AddInts(int.MaxValue, 1)), RunOk("AddInts", "2147483647", "1"));
        Assert.Equal(Text(CliSamples.AddUInts(uint.MaxValue, 2)), RunOk("AddUInts", "4294967295", "2"));
        Assert.Equal(Text(CliSamples.Half(ulong.MaxValue)), RunOk("Half", "18446744073709551615"));
        Assert.Equal(Text(CliSamples.Negate(short.MinValue)), RunOk("Negate", "-32768"));
        Assert.Equal(Text(CliSamples.Double(40000)), RunOk("Double", "40000"));
        Assert.Equal(Text(CliSamples.AddBytes(200, 100)), RunOk("AddBytes", "200", "100"));
        Assert.Equal(Text(CliSamples.Decrement(sbyte.MinValue)), RunOk("Decrement", "-128"));
        Assert.Equal(Text(CliSamples.Offset(-5, 3)), RunOk("Offset", "-5", "3"));
        Assert.Equal(Text(CliSamples.Mask(0x1234)), RunOk("Mask", "4660"));
        Assert.Equal(CliSamples.Tally(10).ToString(CultureInfo.InvariantCulture), RunOk("Tally", "10"));
    }

    [Fact]
    public void Bools_print_lowercase_and_chars_as_characters()
    {
        Assert.Equal("true", RunOk("IsBig", "4294967296"));
        Assert.Equal("false", RunOk("IsBig", "4294967295"));
        Assert.Equal("b", RunOk("Next", "a"));
        Assert.Equal(Text(CliSamples.Choose(true)), RunOk("Choose", "true"));
        Assert.Equal(Text(CliSamples.Choose(false)), RunOk("Choose", "false"));
    }

    [Fact]
    public void A_void_method_says_it_returned()
    {
        Assert.Equal("returned (void)", RunOk("Nothing", "1"));
    }

    [Fact]
    public void Overloads_are_chosen_by_parameter_types()
    {
        Assert.Equal("3", RunOk("Overloaded(Int64)", "3"));
        Assert.Equal("7", RunOk("Overloaded(long, long)", "3", "4"));
        Assert.Equal("7", RunOk("Overloaded", "--signature", "Int64,Int64", "3", "4"));
    }

    [Fact]
    public void No_opt_runs_the_unoptimized_code()
    {
        Assert.Equal(Text(CliSamples.Tally(37)), RunOk("Tally", "37", "--no-opt"));
        Assert.Equal(Text(CliSamples.Square(-9)), RunOk("Square", "--no-opt", "-9"));
    }

    [Fact]
    public void An_exception_from_the_compiled_code_is_one_line_and_exit_code_1()
    {
        var (exitCode, output, error) = Run("run", Assembly, "CliSamples.Divide", "1", "0");
        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal("", output);
        Assert.Equal("minijit: DivideByZeroException: Attempted to divide by zero.", Assert.Single(Lines(error)));
    }

    [Fact]
    public void An_exception_from_a_throw_helper_is_one_line_and_exit_code_1()
    {
        var (exitCode, _, error) = Run("run", typeof(object).Assembly.Location, "System.Math.Clamp(Int32, Int32, Int32)", "1", "5", "3");
        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal("minijit: ArgumentException: '5' cannot be greater than 3.", Assert.Single(Lines(error)));
    }

    public static TheoryData<string[], string> UserErrors => new()
    {
        { ["run", "/no/such/file.dll", "A.B"], "no such file" },
        { ["explain", "/no/such/file.dll", "A.B"], "no such file" },
        { ["run", typeof(RunCommandTests).Assembly.Location.Replace(".dll", ".deps.json"), "A.B"], "not a .NET assembly" },
        { ["run", Assembly, "NoSuchType.Square", "1"], "no type 'NoSuchType'" },
        { ["explain", Assembly, "CliSamples.NoSuchMethod"], "no static method 'NoSuchMethod'" },
        { ["explain", Assembly, "Square"], "Type.Method" },
        { ["run", Assembly, "CliInstanceSample.Value", "1"], "instance method" },
        { ["explain", Assembly, "CliSamples.Overloaded"], "Overloaded(Int64, Int64)" },
        { ["run", Assembly, "CliSamples.Overloaded(Int32)", "1"], "no overload MiniJit.Tests.Cli.CliSamples.Overloaded(Int32)" },
        { ["run", Assembly, "CliSamples.Square"], "takes 1 argument(s), but 0 were given" },
        { ["run", Assembly, "CliSamples.Square", "1", "2"], "takes 1 argument(s), but 2 were given" },
        { ["run", Assembly, "CliSamples.Square", "ten"], "'ten' is not an integer" },
        { ["run", Assembly, "CliSamples.Square", "1.5"], "'1.5' is not an integer" },
        { ["run", Assembly, "CliSamples.AddInts", "1", "2147483648"], "2147483648 is out of range" },
        { ["run", Assembly, "CliSamples.AddBytes", "-1", "0"], "-1 is out of range" },
        { ["run", Assembly, "CliSamples.Half", "-1"], "-1 is out of range" },
        { ["run", Assembly, "CliSamples.IsBig", "1e3"], "not an integer" },
        { ["run", Assembly, "CliSamples.Next", "ab"], "not a single character" },
        { ["run", Assembly, "CliSamples.Choose", "yes"], "neither true nor false" },
        { ["run", Assembly, "CliSamples.Allocates", "1"], "CliSamples.Allocates" },
        { ["explain", Assembly, "CliSamples.Allocates"], "CliSamples.Allocates" },
    };

    [Theory]
    [MemberData(nameof(UserErrors))]
    public void A_wrong_command_line_is_one_error_line_and_exit_code_2(string[] args, string expected)
    {
        var (exitCode, _, error) = Run(args);
        Assert.Equal(ExitCodes.UserError, exitCode);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("minijit: ", line);
        Assert.Contains(expected, line);
    }
}
