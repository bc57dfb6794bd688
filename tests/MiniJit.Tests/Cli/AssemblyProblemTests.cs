using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using MiniJit.Cli;
using static MiniJit.Tests.Cli.CliRunner;

namespace MiniJit.Tests.Cli;

/// <summary>Files that are not what <c>run</c> and <c>explain</c> need — the runtime's own core library, a
/// reference assembly, an assembly whose dependency is missing, a native library, a folder — each end in one line
/// and exit code 2, never a stack trace.</summary>
public sealed class AssemblyProblemTests : IDisposable
{
    readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("minijit-assemblies");

    public void Dispose() => folder.Delete(recursive: true);

    static readonly MetadataReference[] Framework =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll")
            .Select(p => MetadataReference.CreateFromFile(p)),
    ];

    /// <summary>Compiles <paramref name="source"/> into <paramref name="name"/>.dll in the test's folder.</summary>
    string Build(string name, string source, bool referenceAssembly = false, params MetadataReference[] references)
    {
        var compilation = CSharpCompilation.Create(name, [CSharpSyntaxTree.ParseText(source)], [.. Framework, .. references],
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var path = Path.Combine(folder.FullName, name + ".dll");
        using (var file = File.Create(path))
        {
            var result = compilation.Emit(file, options: new EmitOptions(metadataOnly: referenceAssembly, includePrivateMembers: !referenceAssembly));
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        }
        return path;
    }

    static string UserError(params string[] args)
    {
        // explain may have printed the stages it got through before the failure; the failure itself is one line.
        var (exitCode, output, error) = Run(args);
        Assert.Equal(ExitCodes.UserError, exitCode);
        if (args[0] == "run") Assert.Equal("", output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("minijit: ", line);
        return line;
    }

    static readonly string CoreLib = typeof(object).Assembly.Location;

    [Fact]
    public void The_core_library_is_found_and_its_overloads_are_listed()
    {
        var line = UserError("run", CoreLib, "System.Math.Max", "1", "2");
        Assert.Contains("System.Math.Max is overloaded", line);
        Assert.Contains("System.Math.Max(Int32, Int32)", line);
    }

    // Math.Sign is overloaded for every integer type: the parameter list in the name chooses one.
    [Theory]
    [InlineData("System.Math.Sign(Int32)")]
    [InlineData("System.Math.Sign(int)")]
    [InlineData("Math.Sign(System.Int32)")]
    public void An_overload_of_a_core_library_method_can_be_chosen_and_run(string name)
    {
        var (exitCode, output, error) = Run("run", CoreLib, name, "-7");
        Assert.Equal("", error);
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("-1", output.Trim());
    }

    [Fact]
    public void The_signature_option_chooses_the_overload_too()
    {
        var (exitCode, output, _) = Run("run", CoreLib, "System.Math.Clamp", "--signature", "UInt64,UInt64,UInt64", "18446744073709551615", "1", "5");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("5", output.Trim());
    }

    [Fact]
    public void A_reference_assembly_is_named_as_one()
    {
        var path = Build("Api", "public static class Api { public static long Twice(long x) => 2 * x; }", referenceAssembly: true);
        Assert.Contains($"{path} is a reference assembly;", UserError("run", path, "Api.Twice", "1"));
        Assert.Contains("is a reference assembly;", UserError("explain", path, "Api.Twice"));
    }

    [Fact]
    public void The_frameworks_reference_assemblies_are_named_as_such()
    {
        // The targeting pack's System.Runtime defines the attribute that marks it, unlike a project's reference assembly.
        var systemRuntime = Build("System.Runtime.Like",
            "[assembly: System.Runtime.CompilerServices.ReferenceAssembly]\n" +
            "namespace System.Runtime.CompilerServices { public sealed class ReferenceAssemblyAttribute : System.Attribute { } }\n" +
            "public static class Api { public static long One() => 1; }");
        Assert.Contains("is a reference assembly;", UserError("run", systemRuntime, "Api.One"));
    }

    [Fact]
    public void A_missing_dependency_in_a_signature_is_one_line()
    {
        var dependency = Build("Dependency", "public struct Money { public long Cents; } public static class Rates { public static long Of(long x) => x + 1; }");
        var user = Build("User", """
            public static class Uses
            {
                public static long Pay(Money m) => m.Cents;
                public static long Rate(long x) => Rates.Of(x);
                public static long Own(long x) => x * 3;
            }
            """, references: MetadataReference.CreateFromFile(dependency));
        File.Delete(dependency);

        Assert.Contains("Dependency", UserError("run", user, "Uses.Pay", "1"));
        Assert.Contains("Dependency", UserError("run", user, "Uses.Rate", "1"));
        Assert.Contains("Dependency", UserError("explain", user, "Uses.Rate"));
        // What does not need the dependency still runs.
        var (exitCode, output, _) = Run("run", user, "Uses.Own", "5");
        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Equal("15", output.Trim());
    }

    [Fact]
    public void Files_that_are_not_assemblies_are_named()
    {
        var empty = Path.Combine(folder.FullName, "empty.dll");
        File.WriteAllBytes(empty, []);
        Assert.Contains("is not a .NET assembly", UserError("run", empty, "A.B"));
        var text = Path.Combine(folder.FullName, "text.dll");
        File.WriteAllText(text, "MZ but not really a portable executable");
        Assert.Contains("is not a .NET assembly", UserError("run", text, "A.B"));
        Assert.Contains("is a directory", UserError("run", folder.FullName, "A.B"));
    }

    [Fact]
    public void An_unknown_overload_lists_the_ones_there_are()
    {
        var line = UserError("run", CoreLib, "System.Math.Max(String)", "1");
        Assert.Contains("no overload System.Math.Max(String)", line);
        Assert.Contains("System.Math.Max(Int64, Int64)", line);
    }

    [Theory]
    [InlineData("System.Math.Max(Int32, Int32")]
    [InlineData("System.Math.Max(Int32, Int32)", "--signature", "Int32,Int32")]
    public void A_malformed_overload_is_one_line(params string[] nameAndOptions)
    {
        UserError(["run", CoreLib, .. nameAndOptions, "1", "2"]);
    }
}
