using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using MiniJit.Generators;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// The [Jit] analyzer on generated programs: with <c>[Jit]</c> on every method, what does it warn MiniJit will refuse
/// (MJIT003, MJIT004)? <c>minijit fuzz</c> requires silence on every method it compiles and compares (they all
/// compile), so a false alarm on any construct the generator writes is a finding; the test suite also checks the
/// other direction on its own files.
/// </summary>
public static class AnalyzerCheck
{
    /// <summary><paramref name="source"/> (the generator's programs) with <c>[MiniJit.Jit]</c> on every method of
    /// their classes.</summary>
    public static string WithJitOnEveryMethod(string source) =>
        source.Replace("\n    public static ", "\n    [MiniJit.Jit]\n    public static ", StringComparison.Ordinal);

    /// <summary>The analyzer's MJIT003 and MJIT004 warnings on <paramref name="compilation"/>, by method
    /// (<c>Class.Method</c>), the first message of each.</summary>
    public static Dictionary<string, string> Warnings(Compilation compilation, AnalyzerOptions? options = null)
    {
        var diagnostics = compilation.WithAnalyzers([new JitAttributeAnalyzer()], options).GetAnalyzerDiagnosticsAsync().Result;
        return diagnostics
            .Where(d => d.Id is "MJIT003" or "MJIT004")
            .OrderBy(d => d.Location.SourceSpan.Start)
            .GroupBy(d => MethodAt(compilation, d.Location))
            .ToDictionary(g => g.Key, g => g.First().GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The warnings on the generated programs of <paramref name="source"/>, each with [Jit] on every method.</summary>
    public static Dictionary<string, string> WarningsOnPrograms(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(WithJitOnEveryMethod(source), new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create("AnalyzerCheck", [tree],
            [.. ProgramCompiler.References, MetadataReference.CreateFromFile(typeof(Jit).Assembly.Location)],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        return Warnings(compilation);
    }

    /// <summary>"Class.Method" of the method declaration a diagnostic is in.</summary>
    static string MethodAt(Compilation compilation, Location location)
    {
        var model = compilation.GetSemanticModel(location.SourceTree!);
        var node = location.SourceTree!.GetRoot().FindNode(location.SourceSpan);
        var method = node.AncestorsAndSelf().Select(n => model.GetDeclaredSymbol(n)).OfType<IMethodSymbol>().First();
        return $"{method.ContainingType.Name}.{method.Name}";
    }
}
