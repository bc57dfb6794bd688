using System.CommandLine;
using System.Linq.Expressions;
using MiniJit.Samples.Formula;
using MiniJit.Assembler;
using MiniJit.Disassembly;
using MiniJit.CodeMemory;

namespace MiniJit.Cli.Commands;

/// <summary>
/// <c>minijit demo</c>: small end-to-end shows of the machinery. Each demo is a subcommand; <c>minijit demo</c>
/// alone runs every demo with its defaults.
/// </summary>
public static class DemoCommand
{
    const long DefaultFactor = 11;

    public static Command Create()
    {
        var demo = new Command("demo", "Run the demos (all of them when no demo is named).")
        {
            CreateMultiply(),
            CreateJit(),
            CreateFormula(),
        };
        demo.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var multiplied = Multiply(DefaultFactor, output);
            output.WriteLine();
            var compiled = JitOnFirstCall(output);
            output.WriteLine();
            var formula = Formula(DefaultFormula, optimize: true, output);
            return new[] { multiplied, compiled, formula }.FirstOrDefault(code => code != ExitCodes.Success, ExitCodes.Success);
        });
        return demo;
    }

    static Command CreateJit()
    {
        var jit = new Command("jit", "The seed's decorator: compile foo(a, b) = a*a - b*b on its first call, run it and disassemble it.");
        jit.SetAction(parseResult => JitOnFirstCall(parseResult.InvocationConfiguration.Output));
        return jit;
    }

    const string DefaultFormula = "x * x + sin(y)";

    static Command CreateFormula()
    {
        var text = new Argument<string>("FORMULA")
        {
            Description = "A formula over doubles x and y: + - * / % ^, comparisons inside if(c, a, b), sin cos tan exp log sqrt abs min max floor ceiling round pow.",
            DefaultValueFactory = _ => DefaultFormula,
        };
        var noOpt = new Option<bool>("--no-opt") { Description = "Turn the optimizer off: the baseline tier, one pass from CIL to machine code (a method it does not translate goes through the IR unoptimized)." };
        var formula = new Command("formula", "Parse a formula into an expression tree, compile the tree with MiniJit showing every stage, and check values against Compile().")
        {
            text, noOpt,
        };
        formula.SetAction(parseResult => Formula(parseResult.GetValue(text)!, !parseResult.GetValue(noOpt), parseResult.InvocationConfiguration.Output));
        return formula;
    }

    /// <summary>The expression-tree path end to end: formula text → tree → IR → passes → machine code, then the native
    /// code checked bit for bit against <c>Expression.Compile()</c> at a few points.</summary>
    static int Formula(string text, bool optimize, TextWriter output)
    {
        Expression<Func<double, double, double>> tree;
        try
        {
            tree = FormulaParser.ParseXY(text);
        }
        catch (FormulaSyntaxException e)
        {
            throw new UserErrorException(e.Message);
        }
        output.WriteLine($"formula: {text}");
        output.WriteLine();
        var options = new JitOptions
        {
            Optimize = optimize,
            Log = JitLog.To(output),
            Explain = stage => ExplainCommand.Section(output, stage.Method, ExplainCommand.Heading(stage), stage.Text),
        };
        var native = Jit.Compile(tree, options);
        var reference = tree.Compile();
        var failures = 0;
        foreach (var (x, y) in new[] { (0.0, 0.0), (1.0, 2.0), (-1.5, 0.25), (3.0, -2.0), (1e10, double.NaN) })
        {
            double got = native(x, y), expected = reference(x, y);
            bool same = BitConverter.DoubleToInt64Bits(got) == BitConverter.DoubleToInt64Bits(expected) || double.IsNaN(got) && double.IsNaN(expected);
            output.WriteLine(same ? $"OK   f({x}, {y}) = {got:R}" : $"FAIL f({x}, {y}) = {got:R}, Compile() gives {expected:R}");
            if (!same) failures++;
        }
        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    static Command CreateMultiply()
    {
        var factor = new Argument<long>("N")
        {
            Description = "The constant to multiply by (a signed 64-bit integer).",
            DefaultValueFactory = _ => DefaultFactor,
        };
        var multiply = new Command("multiply", "Assemble mul(x) = N * x by hand, run it for 0..9 and disassemble it.")
        {
            factor,
        };
        multiply.SetAction(parseResult => Multiply(parseResult.GetValue(factor), parseResult.InvocationConfiguration.Output));
        return multiply;
    }

    /// <summary>The whole pipeline without a compiler: assemble, load, run, disassemble, free.</summary>
    static unsafe int Multiply(long factor, TextWriter output)
    {
        // mul(x): x arrives in rdi and the result leaves in rax (System V).
        var asm = new X64Assembler();
        asm.Mov(Register.Rax, factor);
        asm.Imul(Register.Rax, Register.Rdi);
        asm.Ret();
        var code = asm.Assemble();

        using var memory = ExecutableMemory.Allocate(code.Length);
        code.CopyTo(memory.GetWritableSpan());
        memory.MakeExecutable();
        var mul = (delegate* unmanaged<long, long>)memory.Address;

        var failures = 0;
        for (long i = 0; i < 10; i++)
        {
            var got = mul(i);
            var expected = unchecked(factor * i);
            if (got == expected) output.WriteLine($"OK   mul({i}) = {got}");
            else
            {
                output.WriteLine($"FAIL mul({i}) = {got}, expected {expected}");
                failures++;
            }
        }
        output.WriteLine();
        output.Write(Disassembler.Disassemble(memory, new Dictionary<int, string> { [0] = "mul" }));
        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>The seed's story: a lazy delegate compiles on its first call (the log shows it), later calls go
    /// straight to the machine code (no log), and the code can be disassembled; then a [Jit] method, whose calls are
    /// redirected at build time.</summary>
    static int JitOnFirstCall(TextWriter output)
    {
        output.WriteLine(DemoPrograms.FooSource);
        var foo = Jit.Lazy<Func<long, long, long>>(DemoPrograms.Foo, new JitOptions { Log = JitLog.To(output) });

        var failures = 0;
        foreach (var (call, (a, b)) in new[] { ("first call", (3L, 2L)), ("second call, already compiled", (7L, 5L)) })
        {
            output.WriteLine($"{call}:");
            var got = foo(a, b);
            var expected = DemoPrograms.Foo(a, b);
            if (got == expected) output.WriteLine($"foo({a}, {b}) = {got}");
            else
            {
                output.WriteLine($"FAIL foo({a}, {b}) = {got}, expected {expected}");
                failures++;
            }
        }
        output.WriteLine();
        output.Write(Jit.Disassemble(foo));

        // The same story with the attribute: no wrapper, the calls themselves run the machine code.
        output.WriteLine();
        output.WriteLine(DemoPrograms.SumOfSquaresSource);
        Func<long, long> managed = DemoPrograms.SumOfSquares;   // a delegate is not a call: it runs the managed method
        foreach (long n in new long[] { 1000, 1_000_000 })
        {
            long got = DemoPrograms.SumOfSquares(n), expected = managed(n);
            output.WriteLine(got == expected ? $"SumOfSquares({n}) = {got}" : $"FAIL SumOfSquares({n}) = {got}, expected {expected}");
            if (got != expected) failures++;
        }
        var code = Jit.CodeOf(DemoPrograms.SumOfSquares);
        output.WriteLine($"the calls ran MiniJit's machine code: {code.Size} bytes at 0x{code.Address:x}, compiled on the first call");
        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
