using System.CommandLine;
using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MiniJit.Cli;

/// <summary>
/// Finds the method a command line names (<c>ASSEMBLY.dll Namespace.Type.Method</c>) and compiles it. Everything
/// that can be wrong with what the user typed or pointed at becomes a <see cref="UserErrorException"/>.
/// </summary>
public static class TargetMethod
{
    /// <summary>Loads <paramref name="assemblyPath"/> and finds the static method <paramref name="name"/> in it:
    /// <c>Namespace.Type.Method</c> or <c>Type.Method</c>, public or not, nested types written with + or '.'. An
    /// overload is chosen by its parameter types, written after the name (<c>Type.Method(Int32, Int64)</c>) or
    /// given as <paramref name="signature"/> (<c>Int32,Int64</c>); types by reflection name, full name or C#
    /// keyword.</summary>
    public static MethodInfo Find(string assemblyPath, string name, string? signature = null)
    {
        var assembly = Load(assemblyPath);
        int open = name.IndexOf('(');
        if (open >= 0)
        {
            if (!name.EndsWith(')')) throw new UserErrorException($"'{name}': the parameter list must end with ')'");
            if (signature is not null) throw new UserErrorException($"'{name}' has a parameter list and --signature gives another; use one");
            signature = name[(open + 1)..^1];
            name = name[..open];
        }
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1)
            throw new UserErrorException($"'{name}' is not of the form Type.Method or Namespace.Type.Method");
        try
        {
            return FindIn(assembly, name[..dot], name[(dot + 1)..], signature);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException or BadImageFormatException)
        {
            // Reflection resolves a signature's types lazily, so a missing dependency surfaces here, not at load.
            throw new UserErrorException($"{name} in {assemblyPath} needs something that cannot be loaded: {e.Message}");
        }
    }

    /// <summary>The <c>--signature</c> option that <c>run</c> and <c>explain</c> share.</summary>
    public static Option<string?> CreateSignatureOption() => new("--signature")
    {
        Description = "Choose an overload by its parameter types, e.g. Int64,Int32 (the same as writing Type.Method(Int64, Int32)).",
        HelpName = "TYPES",
    };

    static MethodInfo FindIn(Assembly assembly, string typeText, string methodName, string? signature)
    {
        var typeName = Normalize(typeText);
        var types = LoadableTypes(assembly)
            .Where(t => Normalize(t.FullName) == typeName || Normalize(NameWithoutNamespace(t)) == typeName)
            .ToList();
        var type = types.Count switch
        {
            0 => throw new UserErrorException($"no type '{typeText}' in {assembly.GetName().Name}"),
            1 => types[0],
            _ => throw new UserErrorException(
                $"'{typeText}' is ambiguous in {assembly.GetName().Name}: {string.Join(", ", types.Select(t => t.FullName))}; write the namespace"),
        };

        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var methods = type.GetMethods(Declared | BindingFlags.Static).Where(m => m.Name == methodName).ToList();
        if (methods.Count == 0)
            throw new UserErrorException(type.GetMethods(Declared | BindingFlags.Instance).Any(m => m.Name == methodName)
                ? $"{type.FullName}.{methodName} is an instance method; MiniJit compiles static methods"
                : $"no static method '{methodName}' in {type.FullName}");
        if (signature is not null)
        {
            var wanted = signature.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var matching = methods.Where(m => ParametersAre(m, wanted)).ToList();
            if (matching.Count == 0)
                throw new UserErrorException(
                    $"no overload {type.FullName}.{methodName}({string.Join(", ", wanted)}); there is {string.Join("; ", methods.Select(Signature))}");
            methods = matching;
        }
        if (methods.Count > 1)
            throw new UserErrorException(
                $"{type.FullName}.{methodName} is overloaded: {string.Join("; ", methods.Select(Signature))}; choose one as Type.Method(Int64, Int32) or with --signature Int64,Int32");
        var method = methods[0];
        if (method.ContainsGenericParameters)
            throw new UserErrorException($"{Signature(method)} is generic; MiniJit compiles only non-generic methods");
        // Expression.GetDelegateType cannot build a delegate for these, and no delegate can call such a method.
        if (method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType).FirstOrDefault(t => t.IsPointer || t.IsByRefLike) is { } unusable)
            throw new UserErrorException($"{Signature(method)} uses {unusable}, which cannot be passed to or from compiled code");
        return method;
    }

    static bool ParametersAre(MethodInfo method, string[] typeNames)
    {
        var parameters = method.GetParameters();
        return parameters.Length == typeNames.Length
            && parameters.Zip(typeNames).All(pair => pair.First.ParameterType is var t
                && (pair.Second == t.Name || pair.Second == t.FullName || CSharpKeywords.GetValueOrDefault(pair.Second) == t));
    }

    static readonly Dictionary<string, Type> CSharpKeywords = new()
    {
        ["bool"] = typeof(bool), ["char"] = typeof(char), ["byte"] = typeof(byte), ["sbyte"] = typeof(sbyte),
        ["short"] = typeof(short), ["ushort"] = typeof(ushort), ["int"] = typeof(int), ["uint"] = typeof(uint),
        ["long"] = typeof(long), ["ulong"] = typeof(ulong), ["nint"] = typeof(nint), ["nuint"] = typeof(nuint),
        ["float"] = typeof(float), ["double"] = typeof(double), ["decimal"] = typeof(decimal),
        ["string"] = typeof(string), ["object"] = typeof(object),
    };

    /// <summary>Compiles <paramref name="method"/> to a delegate of the type its own signature asks for.</summary>
    /// <exception cref="UserErrorException">MiniJit cannot compile it; the message says where and why.</exception>
    public static Delegate Compile(MethodInfo method, JitOptions options)
    {
        var delegateType = Expression.GetDelegateType([.. method.GetParameters().Select(p => p.ParameterType), method.ReturnType]);
        try
        {
            // Jit.Compile is generic in the delegate type, which is only known at run time here. DoNotWrapExceptions
            // lets a JitException arrive as itself rather than inside a TargetInvocationException.
            return (Delegate)CompileOfMethodInfo.MakeGenericMethod(delegateType)
                .Invoke(null, BindingFlags.DoNotWrapExceptions, null, [method, options], null)!;
        }
        catch (JitException e)
        {
            throw new UserErrorException(e.Message);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or TypeLoadException or MissingMemberException)
        {
            // The body refers to a type or method in an assembly that is missing or is not the version it was built against.
            throw new UserErrorException($"{Signature(method)} refers to something that cannot be loaded: {e.Message}");
        }
    }

    /// <summary>How the method reads in an error message: <c>Ns.Type.Method(Int64, Int32)</c>.</summary>
    public static string Signature(MethodInfo method) =>
        $"{method.DeclaringType?.FullName}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";

    static readonly MethodInfo CompileOfMethodInfo = typeof(Jit).GetMethods()
        .Single(m => m.Name == nameof(Jit.Compile) && m.GetParameters()[0].ParameterType == typeof(MethodInfo));

    static Assembly Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath)) throw new UserErrorException($"{path} is a directory, not an assembly");
        if (!File.Exists(fullPath)) throw new UserErrorException($"no such file: {path}");
        CheckIsImplementationAssembly(path, fullPath);
        // The runtime's own assemblies (System.Private.CoreLib above all) are already loaded and cannot be loaded a
        // second time from a path.
        if (AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && a.Location == fullPath) is { } loaded)
            return loaded;
        try
        {
            return Assembly.LoadFrom(fullPath);
        }
        catch (BadImageFormatException)
        {
            throw new UserErrorException($"{path} is not a .NET assembly");
        }
        catch (Exception e) when (e is FileLoadException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot load {path}: {e.Message}");
        }
    }

    /// <summary>Reads the file's metadata without loading it, to name what it is when it is not something whose
    /// methods can be run: a native library, a module without a manifest, or a reference assembly (whose method
    /// bodies are empty or <c>throw null</c>, and whose types may be forwarded elsewhere).</summary>
    static void CheckIsImplementationAssembly(string path, string fullPath)
    {
        try
        {
            using var stream = File.OpenRead(fullPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata) throw new UserErrorException($"{path} is not a .NET assembly");
            var metadata = pe.GetMetadataReader();
            if (!metadata.IsAssembly) throw new UserErrorException($"{path} is a .NET module without an assembly manifest, not an assembly");
            var name = metadata.GetString(metadata.GetAssemblyDefinition().Name);
            if (metadata.GetAssemblyDefinition().GetCustomAttributes().Any(a => IsReferenceAssemblyAttribute(metadata, a)))
                throw new UserErrorException(
                    $"{path} is a reference assembly; it describes {name}'s API but holds no code: use the implementation assembly instead (a project's is under bin/, not obj/…/ref/; the framework's are in {Path.GetDirectoryName(typeof(object).Assembly.Location)})");
        }
        catch (BadImageFormatException)
        {
            throw new UserErrorException($"{path} is not a .NET assembly");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException($"cannot read {path}: {e.Message}");
        }
    }

    /// <summary>Whether the attribute is [ReferenceAssembly]: its constructor is a reference to another assembly's
    /// type, or (in the framework's own System.Runtime, which defines the attribute) a method of a local type.</summary>
    static bool IsReferenceAssemblyAttribute(MetadataReader metadata, CustomAttributeHandle handle)
    {
        var constructor = metadata.GetCustomAttribute(handle).Constructor;
        var (ns, name) = constructor.Kind switch
        {
            HandleKind.MemberReference when metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent is { Kind: HandleKind.TypeReference } parent
                => metadata.GetTypeReference((TypeReferenceHandle)parent) is var t ? (t.Namespace, t.Name) : default,
            HandleKind.MethodDefinition
                => metadata.GetTypeDefinition(metadata.GetMethodDefinition((MethodDefinitionHandle)constructor).GetDeclaringType()) is var t ? (t.Namespace, t.Name) : default,
            _ => default,
        };
        return !name.IsNil && metadata.GetString(name) == "ReferenceAssemblyAttribute"
            && metadata.GetString(ns) == "System.Runtime.CompilerServices";
    }

    /// <summary>The assembly's types, minus any whose dependencies are missing: one unloadable type elsewhere in
    /// the assembly should not stop us from finding the method asked for.</summary>
    static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    /// <summary>Nested types are Outer+Inner in reflection but Outer.Inner in C#; accept both.</summary>
    static string? Normalize(string? typeName) => typeName?.Replace('+', '.');

    static string? NameWithoutNamespace(Type type) =>
        type.Namespace is { } ns ? type.FullName?[(ns.Length + 1)..] : type.FullName;
}
