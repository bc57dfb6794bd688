using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;

namespace MiniJit.PackageTests;

/// <summary>What `dotnet pack` put into the MiniJit package this project restored: its metadata, the library with its
/// XML documentation, the generator as an analyzer, the props, and a symbols package beside it.</summary>
public class PackageContentsTests
{
    static string Metadata(string key) =>
        typeof(PackageContentsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    static readonly string Feed = Metadata("MiniJitPackageFeed");
    static readonly string Version = Metadata("MiniJitPackageVersion");

    static ZipArchive Open(string extension) => ZipFile.OpenRead(Path.Combine(Feed, $"MiniJit.{Version}.{extension}"));

    [Fact]
    public void The_package_has_real_metadata()
    {
        using var package = Open("nupkg");
        using var nuspec = package.GetEntry("MiniJit.nuspec")!.Open();
        var metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("MiniJit", Value("id"));
        Assert.Equal(Version, Value("version"));
        Assert.Equal("MIT", Value("license"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Contains("just-in-time compiler", Value("description"));
        Assert.Contains("[Jit]", Value("releaseNotes"));
        Assert.Contains("jit", Value("tags").Split(' '));
        Assert.False(string.IsNullOrWhiteSpace(Value("authors")));
    }

    [Fact]
    public void The_package_carries_the_library_its_documentation_the_analyzer_and_the_props()
    {
        using var package = Open("nupkg");
        var files = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/MiniJit.dll", files);
        Assert.Contains("analyzers/dotnet/cs/MiniJit.Generators.dll", files);
        Assert.Contains("build/MiniJit.props", files);
        Assert.Contains("buildTransitive/MiniJit.props", files);
        Assert.Contains("README.md", files);
        // The /// comments, for IntelliSense: the front door's are all there.
        using var xml = package.GetEntry("lib/net10.0/MiniJit.xml")!.Open();
        var members = XDocument.Load(xml).Descendants("member").Select(m => (string)m.Attribute("name")!).ToHashSet();
        Assert.Contains("T:MiniJit.JitAttribute", members);
        Assert.Contains("P:MiniJit.JitAttribute.Optimize", members);
        Assert.Contains("T:MiniJit.JitOnFirstCall`1", members);
        Assert.Contains(members, m => m.StartsWith("M:MiniJit.Jit.Compile``1", StringComparison.Ordinal));
    }

    [Fact]
    public void A_symbols_package_holds_the_library_pdb()
    {
        using var symbols = Open("snupkg");
        Assert.Contains(symbols.Entries, e => e.FullName == "lib/net10.0/MiniJit.pdb");
    }
}
