using MiniJit.Ir;

namespace MiniJit.Tests.Optimizer;

/// <summary>
/// Cranelift-style filetests kept as C# strings: parse the input, check it, run one pass, check again, and compare
/// the printed result with the expected text. The expected text goes through the parser and printer too, so it
/// may carry <c>;</c> comments explaining what the pass should have done. The result is re-read as well, because
/// a pass may leave predecessors (and so phi operands) in another order than the parser builds, which is equally valid.
/// </summary>
static class FileTest
{
    public static void Check(Func<Function, int> pass, string input, string expected, int expectedCount)
    {
        var function = IrParser.Parse(input);
        IrVerifier.Check(function);
        int count = pass(function);
        IrVerifier.Check(function);
        Assert.Equal(Canonical(expected), Canonical(IrPrinter.Print(function)));
        Assert.Equal(expectedCount, count);
    }

    static string Canonical(string text) => IrPrinter.Print(IrParser.Parse(text));
}
