using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using MiniJit.Cli.Fuzzing;
using MiniJit.Generators;

namespace MiniJit.Tests.Generator;

/// <summary>
/// Filetests of the <c>[Jit]</c> generator and analyzer (the runner's sibling of <see cref="FileTests"/>). Each
/// <c>.test</c> file under <c>Generator/filetests/STAGE/</c> holds comment lines (<c>;</c>) saying why it exists — a
/// comment <c>; build_property.NAME = VALUE</c> sets an MSBuild property the generator can read — then a C# file
/// (compiled as <c>Program.cs</c> against the framework and MiniJit), a line <c>=== expected</c>, and:
/// <list type="bullet">
/// <item><c>generate</c>: the source the generator adds (<c>(nothing)</c> if none), which must compile with the input.</item>
/// <item><c>diagnose</c>: the analyzer's diagnostics, one per line: <c>ID (line,column): message</c>.</item>
/// </list>
/// The diagnose files double as the analyzer's check against the compiler itself: every [Jit] method in them is
/// compiled with MiniJit, and it must fail exactly where MJIT003 or MJIT004 says it will.
/// <para>With <c>MINIJIT_UPDATE_FILETESTS=1</c>, a test whose output differs rewrites its expected part.</para>
/// </summary>
public class GeneratorFileTests
{
    static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Generator", "filetests");

    static IEnumerable<string> Paths() =>
        Directory.EnumerateFiles(Root, "*.test", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(Root, f)).Order();

    public static TheoryData<string> Files() => [.. Paths()];

    /// <summary>The diagnose files that describe an ordinary build (no build property set): under NativeAOT the analyzer
    /// is silent on purpose about what MiniJit would refuse.</summary>
    public static TheoryData<string> DiagnoseFiles() =>
        [.. Paths().Where(f => f.StartsWith("diagnose", StringComparison.Ordinal) && Read(f).Properties.IsEmpty)];

    [Theory]
    [MemberData(nameof(Files))]
    public void The_generator_or_analyzer_gives_the_expected_output(string file)
    {
        var test = Read(file);
        string stage = Path.GetFileName(Path.GetDirectoryName(file))!;
        var compilation = Compile(test.Source);
        string actual = stage switch
        {
            "generate" => Generate(compilation, test.Properties),
            "diagnose" => Diagnose(compilation, test.Properties),
            _ => throw new InvalidOperationException($"unknown stage folder {stage}"),
        };
        if (Environment.GetEnvironmentVariable("MINIJIT_UPDATE_FILETESTS") == "1" && actual != test.Expected)
            Update(file, test.Header, actual);
        else
            Assert.Equal(test.Expected, actual);
    }

    /// <summary>No false alarm, and no silence on what the test files show: each [Jit] method the analyzer accepts
    /// compiles, and each it warns about (MJIT003, MJIT004) is refused by MiniJit.</summary>
    [Theory]
    [MemberData(nameof(DiagnoseFiles))]
    public void The_analyzer_warns_exactly_where_MiniJit_refuses(string file) =>
        Assert.Empty(Disagreements(Compile(Read(file).Source)));

    /// <summary>Where the analyzer and MiniJit disagree about the [Jit] methods of <paramref name="compilation"/>: every
    /// one is compiled with MiniJit (through <see cref="Jit.Compile{TDelegate}(MethodInfo, JitOptions?)"/>, binding
    /// included), and must fail exactly when the analyzer reports MJIT003 or MJIT004 on it.</summary>
    internal static List<string> Disagreements(Compilation compilation)
    {
        var warned = AnalyzerCheck.Warnings(compilation);
        var disagreements = new List<string>();
        foreach (var method in Load(compilation).GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                     .Where(m => m.IsDefined(typeof(JitAttribute)) && !m.IsGenericMethodDefinition && !m.DeclaringType!.IsGenericTypeDefinition))
        {
            string name = $"{method.DeclaringType!.Name}.{method.Name}";
            var error = CompileError(method);
            if (warned.TryGetValue(name, out var warning) && error is null) disagreements.Add($"{name}: the analyzer warns, but MiniJit compiles it: {warning}");
            if (!warned.ContainsKey(name) && error is not null) disagreements.Add($"{name}: the analyzer is silent, but MiniJit refuses it: {error}");
        }
        return disagreements;
    }

    static string? CompileError(MethodInfo method)
    {
        var delegateType = System.Linq.Expressions.Expression.GetDelegateType([.. method.GetParameters().Select(p => p.ParameterType), method.ReturnType]);
        var compile = typeof(Jit).GetMethod(nameof(Jit.Compile), [typeof(MethodInfo), typeof(JitOptions)])!.MakeGenericMethod(delegateType);
        try
        {
            var compiled = (Delegate)compile.Invoke(null, [method, null])!;
            Jit.CodeOf(compiled).Dispose();
            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException is JitException or ArgumentException or NotSupportedException)
        {
            return e.InnerException.Message;
        }
    }

    // ------------------------------------------------------------------ the two stages

    static string Generate(CSharpCompilation compilation, ImmutableDictionary<string, string> properties)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new JitInterceptorGenerator().AsSourceGenerator()],
            parseOptions: (CSharpParseOptions)compilation.SyntaxTrees[0].Options, optionsProvider: new BuildProperties(properties));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the generated code does not compile:\n" + string.Join("\n", errors));
        var generated = driver.GetRunResult().GeneratedTrees;
        return generated.Length == 0 ? "(nothing)" : string.Join("\n", generated.Select(t => t.GetText().ToString().TrimEnd('\n')));
    }

    static string Diagnose(CSharpCompilation compilation, ImmutableDictionary<string, string> properties) =>
        string.Join("\n", Analyze(compilation, properties).Select(d =>
        {
            var position = d.Location.GetLineSpan().StartLinePosition;
            return $"{d.Id} ({position.Line + 1},{position.Character + 1}): {d.GetMessage()}";
        }));

    static ImmutableArray<Diagnostic> Analyze(Compilation compilation, ImmutableDictionary<string, string>? properties = null) =>
        [.. compilation.WithAnalyzers([new JitAttributeAnalyzer()], new AnalyzerOptions([], new BuildProperties(properties ?? ImmutableDictionary<string, string>.Empty)))
            .GetAnalyzerDiagnosticsAsync().Result
            .OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id)];

    // ------------------------------------------------------------------ compiling the input

    static readonly MetadataReference[] References =
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "netstandard.dll" or "mscorlib.dll"))
            .Select(p => MetadataReference.CreateFromFile(p)),
         MetadataReference.CreateFromFile(typeof(Jit).Assembly.Location)];

    static int compilations;

    internal static CSharpCompilation Compile(string source)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest).WithFeatures([new("InterceptorsNamespaces", "MiniJit.Generated")]);
        var tree = CSharpSyntaxTree.ParseText(source, options, path: "Program.cs");
        // A name of its own: delegate types made for the test's signatures live in one dynamic assembly, which would
        // otherwise resolve a type of one test's assembly in another's.
        var compilation = CSharpCompilation.Create($"FileTest{Interlocked.Increment(ref compilations)}", [tree], References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the test's C# does not compile:\n" + string.Join("\n", errors));
        return compilation;
    }

    static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext(null).LoadFromStream(stream);
    }

    /// <summary>The MSBuild properties a test sets, as the compiler passes them to generators.</summary>
    sealed class BuildProperties(ImmutableDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(properties);
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(ImmutableDictionary<string, string>.Empty);
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(ImmutableDictionary<string, string>.Empty);

        sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    // ------------------------------------------------------------------ the files

    sealed record GeneratorFileTest(string Header, string Source, string Expected, ImmutableDictionary<string, string> Properties);

    static GeneratorFileTest Read(string file)
    {
        var text = File.ReadAllText(Path.Combine(Root, file)).Replace("\r\n", "\n");
        int split = text.IndexOf("\n=== expected\n", StringComparison.Ordinal);
        string header = split < 0 ? text.TrimEnd('\n') : text[..split];
        string expected = split < 0 ? "" : text[(split + "\n=== expected\n".Length)..].TrimEnd('\n');
        var comments = header.Split('\n').TakeWhile(l => l.StartsWith(';')).ToList();
        var properties = comments
            .Select(l => l.TrimStart(';', ' '))
            .Where(l => l.StartsWith("build_property.", StringComparison.Ordinal) && l.Contains('='))
            .ToImmutableDictionary(l => l[..l.IndexOf('=')].Trim(), l => l[(l.IndexOf('=') + 1)..].Trim());
        // The comments stay in the source as blank lines, so that the line numbers of diagnostics are the file's own.
        string source = string.Join("\n", header.Split('\n').Select((l, i) => i < comments.Count ? "" : l));
        return new(header, source, expected, properties);
    }

    static void Update(string file, string header, string actual, [CallerFilePath] string runner = "")
    {
        var path = Path.Combine(Path.GetDirectoryName(runner)!, "filetests", file);
        File.WriteAllText(path, $"{header}\n=== expected\n{actual}\n");
    }
}
