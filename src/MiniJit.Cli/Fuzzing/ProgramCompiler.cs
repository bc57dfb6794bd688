using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MiniJit.Cli.Fuzzing;

/// <summary>Compiles generated C# with Roslyn against the running runtime's own assemblies and loads the result
/// into a load context of its own. Many programs go into one compilation: Roslyn's cost is mostly per compilation.</summary>
/// <remarks>The load context is not collectible: the delegate type of a signature with a by-ref or a span is made by
/// <c>Expression.GetDelegateType</c> in a dynamic assembly that is not collectible either, and such an assembly may
/// not refer to a collectible assembly's types (a program's structs). A fuzz worker loads only two assemblies.</remarks>
public static class ProgramCompiler
{
    /// <summary>The running runtime's framework assemblies.</summary>
    public static IReadOnlyList<MetadataReference> References => FrameworkReferences.Value;

    static readonly Lazy<MetadataReference[]> FrameworkReferences = new(() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p) is var f && (f.StartsWith("System.", StringComparison.Ordinal) || f is "netstandard.dll" or "mscorlib.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))]);

    /// <exception cref="InvalidOperationException">The source does not compile (a bug in the generator).</exception>
    public static Assembly Compile(string source, string assemblyName, OptimizationLevel level)
    {
        using var stream = new MemoryStream(Emit(source, assemblyName, level));
        return new AssemblyLoadContext(assemblyName).LoadFromStream(stream);
    }

    /// <summary>The assembly's bytes, for a file another process can load.</summary>
    /// <exception cref="InvalidOperationException">The source does not compile.</exception>
    public static byte[] Emit(string source, string assemblyName, OptimizationLevel level)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var compilation = CSharpCompilation.Create(assemblyName, [tree], References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: level, checkOverflow: false));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        if (!result.Success)
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20);
            throw new InvalidOperationException($"generated source does not compile ({level}):\n{string.Join("\n", errors)}\n{source}");
        }
        return stream.ToArray();
    }
}
