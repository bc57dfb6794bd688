using System.Linq.Expressions;
using System.Reflection;

namespace MiniJit.Cli;

/// <summary>
/// Finds the method a command line names (<c>ASSEMBLY.dll Namespace.Type.Method</c>) and compiles it. Everything
/// that can be wrong with what the user typed becomes a <see cref="UserErrorException"/>.
/// </summary>
public static class TargetMethod
{
    /// <summary>Loads <paramref name="assemblyPath"/> and finds the static method <paramref name="name"/> in it:
    /// <c>Namespace.Type.Method</c> or <c>Type.Method</c>, public or not, nested types written with + or '.'.</summary>
    public static MethodInfo Find(string assemblyPath, string name)
    {
        var assembly = Load(assemblyPath);
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || dot == name.Length - 1)
            throw new UserErrorException($"'{name}' is not of the form Type.Method or Namespace.Type.Method");
        var typeName = Normalize(name[..dot]);
        var methodName = name[(dot + 1)..];

        var types = LoadableTypes(assembly)
            .Where(t => Normalize(t.FullName) == typeName || Normalize(NameWithoutNamespace(t)) == typeName)
            .ToList();
        var type = types.Count switch
        {
            0 => throw new UserErrorException($"no type '{name[..dot]}' in {assembly.GetName().Name}"),
            1 => types[0],
            _ => throw new UserErrorException(
                $"'{name[..dot]}' is ambiguous in {assembly.GetName().Name}: {string.Join(", ", types.Select(t => t.FullName))}; write the namespace"),
        };

        const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var methods = type.GetMethods(Declared | BindingFlags.Static).Where(m => m.Name == methodName).ToList();
        if (methods.Count == 0)
            throw new UserErrorException(type.GetMethods(Declared | BindingFlags.Instance).Any(m => m.Name == methodName)
                ? $"{type.FullName}.{methodName} is an instance method; MiniJit compiles static methods"
                : $"no static method '{methodName}' in {type.FullName}");
        if (methods.Count > 1)
            throw new UserErrorException(
                $"{type.FullName}.{methodName} is overloaded, so it is ambiguous: {string.Join("; ", methods.Select(Signature))}");
        var method = methods[0];
        if (method.ContainsGenericParameters)
            throw new UserErrorException($"{Signature(method)} is generic; MiniJit compiles only non-generic methods");
        // Expression.GetDelegateType cannot build a delegate for these, and no delegate can call such a method.
        if (method.GetParameters().Select(p => p.ParameterType).Append(method.ReturnType).FirstOrDefault(t => t.IsPointer || t.IsByRefLike) is { } unusable)
            throw new UserErrorException($"{Signature(method)} uses {unusable}, which cannot be passed to or from compiled code");
        return method;
    }

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
    }

    /// <summary>How the method reads in an error message: <c>Ns.Type.Method(Int64, Int32)</c>.</summary>
    public static string Signature(MethodInfo method) =>
        $"{method.DeclaringType?.FullName}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";

    static readonly MethodInfo CompileOfMethodInfo = typeof(Jit).GetMethods()
        .Single(m => m.Name == nameof(Jit.Compile) && m.GetParameters()[0].ParameterType == typeof(MethodInfo));

    static Assembly Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new UserErrorException($"no such file: {path}");
        try
        {
            return Assembly.LoadFrom(fullPath);
        }
        catch (BadImageFormatException)
        {
            throw new UserErrorException($"{path} is not a .NET assembly");
        }
        catch (FileLoadException e)
        {
            throw new UserErrorException($"cannot load {path}: {e.Message}");
        }
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
