using MiniJit.Ir;
using MiniJit.Optimization;

namespace MiniJit.Tests.Optimizer;

/// <summary>
/// Cranelift-style filetests: each <c>.ir</c> file under <c>Optimizer/filetests/PASS/</c> is one test. It holds
/// comment lines (<c>;</c>) saying why it exists, a line <c>pass NAME, changes N</c>, the input function, a line
/// <c>=== expected</c>, and the function the pass must leave behind (which may carry <c>;</c> comments explaining what
/// the pass did). The runner parses and verifies the input, runs the one pass, verifies again, and compares the printed
/// result with the expected text. Both sides go through the parser and printer, because a pass may leave predecessors
/// (and so phi operands) in another order than the parser builds, which is equally valid.
/// A new test is a new file: no C# to write.
/// </summary>
public class FileTests
{
    static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Optimizer", "filetests");

    static IEnumerable<string> Paths() =>
        Directory.EnumerateFiles(Root, "*.ir", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)).Order();

    public static TheoryData<string> Files() => [.. Paths()];

    [Theory]
    [MemberData(nameof(Files))]
    public void ThePassLeavesTheExpectedIr(string file)
    {
        var (pass, changes, input, expected) = Read(File.ReadAllText(Path.Combine(Root, file)), file);
        Assert.Equal(pass, Path.GetDirectoryName(file));  // the folder names the pass too
        var run = Optimization.Optimizer.PassNamed(pass) ?? throw new InvalidOperationException($"{file}: no pass named '{pass}'");
        var function = IrParser.Parse(input);
        IrVerifier.Check(function);
        int count = run(function);
        IrVerifier.Check(function);
        Assert.Equal(Canonical(expected), Canonical(IrPrinter.Print(function)));
        Assert.Equal(changes, count);
    }

    [Fact]
    public void EveryPassHasFiletests()
    {
        var folders = Paths().Select(Path.GetDirectoryName).ToHashSet();
        foreach (var pass in Optimization.Optimizer.PassNames) Assert.Contains(pass, folders);
    }

    static (string Pass, int Changes, string Input, string Expected) Read(string text, string file)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("pass ", StringComparison.Ordinal));
        int split = lines.FindIndex(l => l == "=== expected");
        if (header < 0 || split < header) throw new FormatException($"{file}: expected a 'pass NAME, changes N' line and an '=== expected' line");
        var parts = lines[header]["pass ".Length..].Split(", changes ");
        if (parts.Length != 2 || !int.TryParse(parts[1], out int changes)) throw new FormatException($"{file}: cannot read '{lines[header]}'");
        return (parts[0], changes, string.Join('\n', lines[(header + 1)..split]), string.Join('\n', lines[(split + 1)..]));
    }

    static string Canonical(string text) => IrPrinter.Print(IrParser.Parse(text));
}
