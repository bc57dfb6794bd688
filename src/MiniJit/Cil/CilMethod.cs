using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace MiniJit.Cil;

/// <summary>
/// Everything the importer needs to know about one method, read once through reflection: its IL, the types
/// of its arguments, locals and result, and a generic context to resolve the metadata tokens in its IL.
/// </summary>
/// <remarks>Reading IL and resolving its tokens is what trimming breaks (it removes and renumbers what the IL refers
/// to) and what NativeAOT cannot do at all (it keeps no IL), so everything that compiles from IL carries
/// <see cref="RequiresUnreferencedCodeAttribute"/> with <see cref="ReadsIL"/>.</remarks>
[RequiresUnreferencedCode(ReadsIL)]
public sealed class CilMethod
{
    /// <summary>The warning a trimmed or NativeAOT application gets for using a way in that compiles IL.</summary>
    public const string ReadsIL = "MiniJit compiles a method from its IL, read through reflection: trimming may remove or renumber "
        + "what the IL refers to, and NativeAOT keeps no IL at all. Compile an expression tree instead.";

    /// <summary>What compiling a method under NativeAOT throws: the reason, and what to do instead.</summary>
    public const string NoILUnderNativeAot =
        "compiling a method needs its IL, which NativeAOT does not keep; compile an expression tree instead";

    readonly Type[]? _typeArguments;
    readonly Type[]? _methodArguments;

    CilMethod(MethodBase method, MethodBody body, byte[] il)
    {
        Method = method;
        IL = il;
        ParameterTypes = [.. ThisType(method), .. method.GetParameters().Select(p => p.ParameterType)];
        ReturnType = method is MethodInfo info ? info.ReturnType : typeof(void);
        LocalTypes = [.. body.LocalVariables.Select(l => l.LocalType)];
        InitLocals = body.InitLocals;
        MaxStack = body.MaxStackSize;
        ExceptionClauseCount = body.ExceptionHandlingClauses.Count;

        // Tokens inside a generic method's IL may refer to its type parameters (a TypeSpec such as !0 or !!0);
        // resolving them needs the arguments they stand for.
        _typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        _methodArguments = method is MethodInfo { IsGenericMethod: true } generic ? generic.GetGenericArguments() : null;
    }

    public MethodBase Method { get; }

    /// <summary>The IL bytes of the body.</summary>
    public byte[] IL { get; }

    /// <summary>The type of each IL argument slot: <c>ldarg.0</c> is the first. Instance methods have the
    /// implicit <c>this</c> first: the declaring type, or a by-ref to it when that is a value type.</summary>
    public Type[] ParameterTypes { get; }

    /// <summary>The result type; <c>typeof(void)</c> for constructors and methods without a result.</summary>
    public Type ReturnType { get; }

    public Type[] LocalTypes { get; }

    /// <summary>True when locals must be zeroed on entry (the <c>localsinit</c> flag; C# sets it unless
    /// <c>SkipLocalsInit</c> is used).</summary>
    public bool InitLocals { get; }

    public int MaxStack { get; }

    public int ExceptionClauseCount { get; }

    /// <summary>The module whose metadata the tokens in <see cref="IL"/> refer to.</summary>
    public Module Module => Method.Module;

    public bool HasThis => !Method.IsStatic;

    /// <summary>Reads <paramref name="method"/>'s body, or explains why it has none that MiniJit could compile.</summary>
    public static CilMethod FromMethod(MethodBase method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.IsAbstract)
            throw NoBody(method, "it is abstract, so it has no body");
        if ((method.Attributes & MethodAttributes.PinvokeImpl) != 0)
            throw NoBody(method, "it is extern (P/Invoke): its code is native, not IL");
        var impl = method.MethodImplementationFlags;
        if ((impl & MethodImplAttributes.CodeTypeMask) == MethodImplAttributes.Runtime)
            throw NoBody(method, "the runtime supplies its code (as for a delegate's Invoke), so it has no IL");
        if ((impl & MethodImplAttributes.InternalCall) != 0)
            throw NoBody(method, "it is an internal call implemented inside the runtime, so it has no IL");

        MethodBody? body;
        try
        {
            body = method.GetMethodBody();
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException)
        {
            throw UnreadableBody(method, e);
        }
        var il = body?.GetILAsByteArray();
        if (body is null || il is null || il.Length == 0)
            throw NoBody(method, "reflection found no IL body");
        return new CilMethod(method, body, il);
    }

    static JitException NoBody(MethodBase method, string reason) => new(method, null, null, $"cannot compile: {reason}");

    /// <summary>The error for a body that reflection refused to give. Under NativeAOT <c>GetMethodBody</c> throws
    /// <see cref="PlatformNotSupportedException"/> for every method, because no IL exists there at all; methods built
    /// at run time (DynamicMethod and similar) have IL but do not expose it.</summary>
    internal static JitException UnreadableBody(MethodBase method, Exception error) =>
        error is PlatformNotSupportedException
            ? new JitException(method, null, null, NoILUnderNativeAot)
            : NoBody(method, $"reflection cannot read its body ({error.Message})");

    static Type[] ThisType(MethodBase method)
    {
        if (method.IsStatic)
            return [];
        var declaring = method.DeclaringType
            ?? throw new JitException(method, null, null, "an instance method without a declaring type");
        // In a value type's method, 'this' is a managed pointer to the value, not a copy of it.
        return [declaring.IsValueType ? declaring.MakeByRefType() : declaring];
    }

    /// <summary>Decodes <see cref="IL"/> (see <see cref="CilReader.Decode"/>).</summary>
    public CilInstruction[] Decode() => CilReader.Decode(IL, Method);

    // Each helper accepts the instruction holding the token so that a failure names its offset and opcode.

    public MethodBase ResolveMethod(int token, CilInstruction? at = null) =>
        BehindStub(Resolve(token, at, "method", () => Module.ResolveMethod(token, _typeArguments, _methodArguments)), at);

    /// <summary>The namespace of the stubs the <see cref="JitAttribute"/> generator writes.</summary>
    const string StubNamespace = "MiniJit.Generated";

    /// <summary>The method a call really means. In a project that uses <see cref="JitAttribute"/>, a call to a [Jit]
    /// method is compiled as a call to its stub (a C# interceptor), whose managed body calls through a delegate, which
    /// MiniJit cannot compile; the stub's <see cref="JitStubAttribute"/> names the method, which can be.</summary>
    MethodBase BehindStub(MethodBase callee, CilInstruction? at)
    {
        if (callee.DeclaringType?.Namespace != StubNamespace || callee.GetCustomAttribute<JitStubAttribute>() is not { } stub)
            return callee;
        var parameters = callee.GetParameters().Select(p => p.ParameterType).ToArray();
        return stub.DeclaringType.GetMethod(stub.MethodName, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, parameters)
            ?? throw new JitException(Method, at?.Offset, at?.OpCode.Name,
                $"the [Jit] stub {JitException.MethodName(callee)} names {stub.DeclaringType}.{stub.MethodName}, which has no overload with its parameters");
    }

    public FieldInfo ResolveField(int token, CilInstruction? at = null) =>
        Resolve(token, at, "field", () => Module.ResolveField(token, _typeArguments, _methodArguments));

    public Type ResolveType(int token, CilInstruction? at = null) =>
        Resolve(token, at, "type", () => Module.ResolveType(token, _typeArguments, _methodArguments));

    public string ResolveString(int token, CilInstruction? at = null) =>
        Resolve(token, at, "string", () => Module.ResolveString(token));

    /// <summary>Resolves an <c>ldtoken</c> operand, which may name a type, a method or a field.</summary>
    public MemberInfo ResolveMember(int token, CilInstruction? at = null) =>
        Resolve(token, at, "member", () => Module.ResolveMember(token, _typeArguments, _methodArguments));

    /// <summary>The raw signature blob of a <c>calli</c> operand.</summary>
    public byte[] ResolveSignature(int token, CilInstruction? at = null) =>
        Resolve(token, at, "signature", () => Module.ResolveSignature(token));

    T Resolve<T>(int token, CilInstruction? at, string what, Func<T?> resolve) where T : class
    {
        T? result;
        try
        {
            result = resolve();
        }
        catch (Exception e) when (e is ArgumentException or MemberAccessException or TypeLoadException
                                      or BadImageFormatException or IOException)
        {
            throw new JitException(Method, at?.Offset, at?.OpCode.Name,
                $"cannot resolve {what} token 0x{token:X8}: {e.Message}");
        }
        return result ?? throw new JitException(Method, at?.Offset, at?.OpCode.Name,
            $"{what} token 0x{token:X8} resolved to nothing");
    }
}
