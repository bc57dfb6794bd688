using System.Runtime.CompilerServices;
using MiniJit.Assembler;
using MiniJit.CodeGeneration;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.Optimization;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests;

/// <summary>
/// Cranelift-style filetests, one runner for every stage that has them. Each <c>.ir</c> file under
/// <c>Optimizer/filetests/PASS/</c> or <c>Backend/filetests/STAGE/</c> is one test. It holds comment lines (<c>;</c>)
/// saying why it exists, a header — <c>pass NAME, changes N</c> (one optimizer pass, and how much it must change) or
/// <c>stage NAME</c> (a back-end stage: <c>lower</c> prints the lowered IR, <c>allocate</c> the live intervals and
/// locations, <c>emit</c> the machine code after the peephole pass) — the input function, a line <c>=== expected</c>,
/// and what the stage must produce. The runner parses and verifies the input, runs the stage and compares. IR on both
/// sides goes through the parser and printer, because a pass may leave predecessors (and so phi operands) in another
/// order than the parser builds, which is equally valid. A new test is a new file: no C# to write.
/// <para>With <c>MINIJIT_UPDATE_FILETESTS=1</c> in the environment, a test whose output differs rewrites its expected
/// part in the source tree instead of failing (then read the diff before committing it).</para>
/// </summary>
public class FileTests
{
    static readonly string Root = AppContext.BaseDirectory;
    static readonly string[] Folders = [Path.Combine("Optimizer", "filetests"), Path.Combine("Backend", "filetests")];

    static IEnumerable<string> Paths() => Folders.SelectMany(folder =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.ir", SearchOption.AllDirectories)).Select(f => Path.GetRelativePath(Root, f)).Order();

    public static TheoryData<string> Files() => [.. Paths()];

    [Theory]
    [MemberData(nameof(Files))]
    public void TheStageLeavesTheExpectedOutput(string file)
    {
        var test = Read(File.ReadAllText(Path.Combine(Root, file)), file);
        Assert.Equal(test.Name, Path.GetFileName(Path.GetDirectoryName(file)));  // the folder names the pass or stage too
        var function = IrParser.Parse(test.Input);
        IrVerifier.Check(function);
        string actual;
        if (test.Changes is int changes)
        {
            var run = Optimization.Optimizer.PassNamed(test.Name) ?? throw new InvalidOperationException($"{file}: no pass named '{test.Name}'");
            int count = run(function);
            IrVerifier.Check(function);
            actual = IrPrinter.Print(function);
            Assert.Equal(changes, count);
        }
        else actual = RunStage(test.Name, function, file);
        bool isIr = test.Changes is not null || test.Name == "lower";
        string Canonical(string text) => isIr ? IrPrinter.Print(IrParser.Parse(text)) : text.Trim();
        if (Environment.GetEnvironmentVariable("MINIJIT_UPDATE_FILETESTS") != "1")
        {
            Assert.Equal(Canonical(test.Expected), Canonical(actual));
            return;
        }
        // Updating: a new test may not have an expected part yet, which does not parse.
        bool same;
        try { same = Canonical(test.Expected) == Canonical(actual); }
        catch (FormatException) { same = false; }
        if (!same) Update(file, test.Header, actual);
    }

    /// <summary>The back end up to <paramref name="stage"/>, as the compiler runs it with the optimizer's allocator.</summary>
    static string RunStage(string stage, Function function, string file)
    {
        var convention = CallingConvention.SystemV;
        var lowered = X64Lowering.Lower(function);
        if (stage == "lower") return IrPrinter.Print(lowered.Function);
        var live = Liveness.Analyze(lowered, convention);
        var allocation = LinearScanAllocator.Allocate(lowered, live, convention);
        AllocationChecker.Check(lowered, allocation, convention);
        if (stage == "allocate") return JitCompiler.Describe(lowered.Function, live, allocation);
        if (stage != "emit") throw new InvalidOperationException($"{file}: no stage named '{stage}' (lower, allocate, emit)");
        var asm = new X64Assembler();
        var callees = new Dictionary<string, Label>();
        var result = X64Emitter.Emit(lowered, allocation, convention, asm, asm.CreateLabel(function.Name),
            target => callees.TryGetValue(target.Name, out var label) ? label : callees[target.Name] = asm.CreateLabel(target.Name),
            asm.CreateLabel("error exit"));
        Peephole.Run(result.Code);
        return string.Join("\n", result.Code);
    }

    [Fact]
    public void EveryPassHasFiletests()
    {
        var folders = Paths().Select(path => Path.GetFileName(Path.GetDirectoryName(path))).ToHashSet();
        foreach (var pass in Optimization.Optimizer.PassNames) Assert.Contains(pass, folders);
        foreach (var stage in new[] { "lower", "allocate", "emit" }) Assert.Contains(stage, folders);
    }

    sealed record FileTest(string Name, int? Changes, string Header, string Input, string Expected);

    static FileTest Read(string text, string file)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("pass ", StringComparison.Ordinal) || l.StartsWith("stage ", StringComparison.Ordinal));
        int split = lines.FindIndex(l => l == "=== expected");
        if (header < 0 || split < header) throw new FormatException($"{file}: expected a 'pass NAME, changes N' or 'stage NAME' line and an '=== expected' line");
        string input = string.Join('\n', lines[(header + 1)..split]), expected = string.Join('\n', lines[(split + 1)..]);
        string headerText = string.Join('\n', lines[..split]);
        if (lines[header].StartsWith("stage ", StringComparison.Ordinal)) return new(lines[header]["stage ".Length..].Trim(), null, headerText, input, expected);
        var parts = lines[header]["pass ".Length..].Split(", changes ");
        if (parts.Length != 2 || !int.TryParse(parts[1], out int changes)) throw new FormatException($"{file}: cannot read '{lines[header]}'");
        return new(parts[0], changes, headerText, input, expected);
    }

    /// <summary>Rewrites the expected part of the test's source file (not the copy in the output folder).</summary>
    static void Update(string file, string header, string actual, [CallerFilePath] string runner = "")
    {
        var source = Path.Combine(Path.GetDirectoryName(runner)!, file);
        File.WriteAllText(source, $"{header}\n=== expected\n{actual.TrimEnd('\n')}\n");
    }
}
