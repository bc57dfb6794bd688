using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using MiniJit.Assembler;
using MiniJit.Cil;
using MiniJit.Cli.Fuzzing;
using MiniJit.CodeGeneration;
using MiniJit.Disassembly;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.Optimization;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests;

/// <summary>
/// Cranelift-style filetests, one runner for every stage that has them. Each <c>.ir</c> file under
/// <c>Optimizer/filetests/PASS/</c>, <c>Backend/filetests/STAGE/</c> or <c>Cil/filetests/import/</c> is one test. It
/// holds comment lines (<c>;</c>) saying why it exists, a header — <c>pass NAME, changes N</c> (one optimizer pass, and
/// how much it must change) or <c>stage NAME</c> — the input, a line <c>=== expected</c>, and what the stage must
/// produce. The stages:
/// <list type="bullet">
/// <item><c>import</c> (the CIL importer): the input is C#, not IR — members of a class <c>T</c> (the runner wraps
/// them in <c>static class T { ... }</c>, with <c>using System;</c>), compiled by Roslyn with optimizations on (Release,
/// unchecked unless the code says <c>checked</c>); the first method declared is imported, so its IR is named
/// <c>T.NAME</c>, and the expected part is the IR right after import, before any optimization. The file still ends in
/// <c>.ir</c> (a <c>.cs</c> file would be compiled into the test project).</item>
/// <item><c>lower</c>: the lowered IR.</item>
/// <item><c>liveness</c>: the lowering's layout and what <see cref="Liveness"/> finds in it, without allocation —
/// each block's positions (instruction i of the layout reads at 2i and writes at 2i+1), each live value's ranges, and
/// the registers each clobbering instruction destroys (see <see cref="LivenessPrinter"/>).</item>
/// <item><c>allocate</c>: the live intervals and the locations the allocator chose.</item>
/// <item><c>emit</c>: the machine code after the peephole pass.</item>
/// <item><c>encode</c>: the bytes the assembler makes of it, decoded by Iced at address 0 (jump sizes, encodings,
/// constant-pool operands); each callee and the error exit is a named <c>int3</c> after the function. Avoid
/// <c>call.c</c> here: its target is the C library's address in this process.</item>
/// </list>
/// The runner parses and verifies an IR input (or compiles and imports a C# one, and verifies the IR), runs the stage
/// and compares. IR on both sides goes through the parser and printer, because a pass may leave predecessors (and so
/// phi operands) in another order than the parser builds, which is equally valid. A new test is a new file: no C# to
/// write.
/// <para>With <c>MINIJIT_UPDATE_FILETESTS=1</c> in the environment, a test whose output differs rewrites its expected
/// part in the source tree instead of failing (then read the diff before committing it).</para>
/// </summary>
public class FileTests
{
    static readonly string Root = AppContext.BaseDirectory;
    static readonly string[] Folders = [Path.Combine("Optimizer", "filetests"), Path.Combine("Backend", "filetests"), Path.Combine("Cil", "filetests")];

    static IEnumerable<string> Paths() => Folders.SelectMany(folder =>
        Directory.EnumerateFiles(Path.Combine(Root, folder), "*.ir", SearchOption.AllDirectories)).Select(f => Path.GetRelativePath(Root, f)).Order();

    public static TheoryData<string> Files() => [.. Paths()];

    [Theory]
    [MemberData(nameof(Files))]
    public void TheStageLeavesTheExpectedOutput(string file)
    {
        var test = Read(File.ReadAllText(Path.Combine(Root, file)), file);
        Assert.Equal(test.Name, Path.GetFileName(Path.GetDirectoryName(file)));  // the folder names the pass or stage too
        string actual;
        if (test.Name == "import") actual = Import(test.Input, file);
        else
        {
            var function = IrParser.Parse(test.Input);
            IrVerifier.Check(function);
            if (test.Changes is int changes)
            {
                var run = Optimization.Optimizer.PassNamed(test.Name) ?? throw new InvalidOperationException($"{file}: no pass named '{test.Name}'");
                int count = run(function);
                IrVerifier.Check(function);
                actual = IrPrinter.Print(function);
                Assert.Equal(changes, count);
            }
            else actual = RunStage(test.Name, function, file);
        }
        bool isIr = test.Changes is not null || test.Name is "lower" or "import";
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
        if (stage == "liveness") return LivenessPrinter.Print(lowered, live);
        var allocation = LinearScanAllocator.Allocate(lowered, live, convention);
        AllocationChecker.Check(lowered, allocation, convention);
        if (stage == "allocate") return JitCompiler.Describe(lowered.Function, live, allocation);
        if (stage is not ("emit" or "encode"))
            throw new InvalidOperationException($"{file}: no stage named '{stage}' (import, lower, liveness, allocate, emit, encode)");
        var asm = new X64Assembler();
        var callees = new Dictionary<string, Label>();
        var entry = asm.CreateLabel(function.Name);
        var errorExit = asm.CreateLabel("error exit");
        var result = X64Emitter.Emit(lowered, allocation, convention, asm, entry,
            // A call of the function itself reaches its entry; any other callee gets a label of its own.
            target => target.Name == function.Name ? entry
                : callees.TryGetValue(target.Name, out var label) ? label : callees[target.Name] = asm.CreateLabel(target.Name),
            errorExit);
        Peephole.Run(result.Code);
        if (stage == "emit") return string.Join("\n", result.Code);

        // encode: the assembler's bytes, as Iced decodes them at address 0. Each callee and the error exit is one
        // int3 after the function, named, so that calls and jumps show whom they reach.
        MachineEncoder.Encode(result.Code, asm);
        Label[] outside = [.. callees.Values, errorExit];
        foreach (var label in outside)
        {
            asm.Bind(label);
            asm.Int3();
        }
        var bytes = asm.Assemble();
        var names = outside.Append(entry).ToDictionary(label => asm.OffsetOf(label), label => label.Name!);
        return Disassembler.Disassemble(bytes, 0, names, asm.CodeLength);
    }

    /// <summary>The <c>import</c> stage: the C# members compiled (Release) in a class <c>T</c>, and the first method
    /// declared imported from its IL and verified.</summary>
    static string Import(string members, string file)
    {
        var source = $"using System;\n\nstatic class T\n{{\n{members}\n}}\n";
        Assembly assembly;
        try { assembly = ProgramCompiler.Compile(source, "FileTest." + Path.GetFileNameWithoutExtension(file), OptimizationLevel.Release); }
        catch (InvalidOperationException e) { throw new FormatException($"{file}: the C# does not compile: {e.Message}", e); }
        var type = assembly.GetType("T")!;
        var method = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .MinBy(m => m.MetadataToken) ?? throw new InvalidOperationException($"{file}: the C# declares no method");
        var ir = CilImporter.Import(CilMethod.FromMethod(method));
        IrVerifier.Check(ir);
        return IrPrinter.Print(ir);
    }

    [Fact]
    public void EveryPassHasFiletests()
    {
        var folders = Paths().Select(path => Path.GetFileName(Path.GetDirectoryName(path))).ToHashSet();
        foreach (var pass in Optimization.Optimizer.PassNames) Assert.Contains(pass, folders);
        foreach (var stage in new[] { "import", "lower", "liveness", "allocate", "emit", "encode" }) Assert.Contains(stage, folders);
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
