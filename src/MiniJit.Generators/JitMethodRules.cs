using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace MiniJit.Generators;

/// <summary>What MiniJit accepts, as seen from C# symbols: the rules the analyzer reports and the generator obeys. They
/// mirror the run-time checks (the binder's <c>NativeBinding.KindOf</c>, <c>StructShape.IsSupported</c> and the CIL
/// importer's refusals) and err on the side of silence: a refusal the compiler can only see at run time still falls
/// back there, observably.</summary>
static class JitMethodRules
{
    public const string AttributeName = "MiniJit.JitAttribute";

    /// <summary>The entry stub passes at most this many argument slots (JitFrame.MaxArguments).</summary>
    const int MaxArgumentSlots = 8;

    /// <summary>Whether the project is published with NativeAOT (the build props make <c>PublishAot</c> visible).</summary>
    public static bool PublishesAot(AnalyzerConfigOptions globalOptions) =>
        globalOptions.TryGetValue("build_property.PublishAot", out var value)
        && string.Equals(value, "true", System.StringComparison.OrdinalIgnoreCase);

    /// <summary>How messages and the generated code's comments name a method: <c>Kernels.Grid(long[,], ref int)</c>.</summary>
    public static string Display(IMethodSymbol method) => method.ToDisplayString(MethodFormat);

    static readonly SymbolDisplayFormat MethodFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        memberOptions: SymbolDisplayMemberOptions.IncludeParameters | SymbolDisplayMemberOptions.IncludeContainingType,
        parameterOptions: SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    public static bool HasJitAttribute(IMethodSymbol method) =>
        method.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AttributeName);

    /// <summary>Why [Jit] cannot apply to <paramref name="method"/> at all (an error: its calls are not redirected), or null.</summary>
    public static (DiagnosticDescriptor Rule, string Reason)? MethodRefusal(IMethodSymbol method)
    {
        if (method.MethodKind is MethodKind.LocalFunction or MethodKind.AnonymousFunction)
            return (JitDiagnostics.NotAStaticMethod, "a local function or lambda cannot be intercepted; make it a static method of a class");
        if (!method.IsStatic)
            return (JitDiagnostics.NotAStaticMethod, "it is an instance method; MiniJit compiles static methods");
        if (method.MethodKind != MethodKind.Ordinary)
            return (JitDiagnostics.NotAStaticMethod, "only ordinary methods can carry it, not operators, accessors or constructors");
        if (method.IsAbstract || method.IsExtern || method.PartialImplementationPart is not null)
            return (JitDiagnostics.NotAStaticMethod, "it has no body here (abstract, extern or a partial declaration)");
        if (method.IsGenericMethod)
            return (JitDiagnostics.Generic, "it is generic");
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
            if (type.IsGenericType)
                return (JitDiagnostics.Generic, $"its class {type.Name} is generic");
        return null;
    }

    /// <summary>Why the generated stubs cannot name <paramref name="method"/>'s class, or null.</summary>
    public static string? AccessRefusal(IMethodSymbol method, Compilation compilation) =>
        compilation.IsSymbolAccessibleWithin(method.ContainingType, compilation.Assembly)
            ? null
            : $"its class {method.ContainingType.ToDisplayString()} is not accessible from the rest of the assembly (make it internal)";

    /// <summary>Why MiniJit cannot bind <paramref name="method"/>'s parameters or result, or null.</summary>
    public static string? SignatureRefusal(IMethodSymbol method)
    {
        if (method.IsAsync) return "an async method returns a task, an object";
        int? slots = 0;
        foreach (var parameter in method.Parameters)
        {
            if (ParameterRefusal(parameter) is { } reason)
                return $"parameter '{parameter.Name}' {reason}";
            slots += parameter.RefKind != RefKind.None ? 1
                : IsSpan(parameter.Type, out _) ? 2
                : parameter.Type.TypeKind == TypeKind.Struct && !IsPrimitive(parameter.Type) ? StructSlots(parameter.Type)
                : 1;
        }
        // A struct result that does not come back in two registers comes back through a buffer, whose address takes a slot.
        if (method.ReturnType.TypeKind == TypeKind.Struct && !IsPrimitive(method.ReturnType) && SizeOf(method.ReturnType) is var (size, _) && size > 16)
            slots += 1;
        if (slots > MaxArgumentSlots)
            return $"its parameters need {slots} argument slots (a span takes two, a struct of up to 16 bytes one per 8 bytes, a "
                + $"struct result of more than 16 bytes one for its buffer); compiled code is called with at most {MaxArgumentSlots}";
        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
            return "it returns a reference; compiled code returns values";
        var result = method.ReturnType;
        if (result.SpecialType == SpecialType.System_Void || IsPrimitive(result) || result.TypeKind == TypeKind.Pointer) return null;
        if (IsSpan(result, out _) || result is IArrayTypeSymbol)
            return "it returns an array or a span, which points into memory that is pinned only while the call runs";
        return StructRefusal(result) is { } refusal ? $"it returns {refusal}" : null;
    }

    static string? ParameterRefusal(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        if (parameter.RefKind != RefKind.None)
            return IsElement(type) || StructRefusal(type) is null
                ? null
                : $"is a reference to {Name(type)}; ref, out and in must point to a primitive, an enum or a struct of primitive fields";
        if (IsPrimitive(type) || type.TypeKind == TypeKind.Pointer) return null;
        if (type is IArrayTypeSymbol array)
            return array.IsSZArray && IsElement(array.ElementType)
                ? null
                : $"is {Name(type)}; only one-dimensional arrays of primitives (or of enums) can be passed";
        if (IsSpan(type, out var element))
            return IsElement(element) ? null : $"is {Name(type)}; only spans of primitives (or of enums) can be passed";
        if (type.TypeKind == TypeKind.Enum)
            return $"is the enum {Name(type)}, which does not cross by value; pass its underlying integer";
        return StructRefusal(type) is { } refusal ? $"is {refusal}" : null;
    }

    /// <summary>Why a value of <paramref name="type"/> cannot live in compiled code (a local, a temporary), or null.</summary>
    public static string? ValueRefusal(ITypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_Void || IsElement(type) || type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
            return null;
        if (type is IArrayTypeSymbol array)
            return array.IsSZArray && IsElement(array.ElementType) ? null : $"{Name(type)}: only one-dimensional arrays of primitives are supported";
        if (IsSpan(type, out var element))
            return IsElement(element) ? null : $"{Name(type)}: only spans of primitives are supported";
        if (type.IsReferenceType)
            return type.SpecialType == SpecialType.System_String
                ? "a string: native code cannot hold a reference to an object, which the GC could not see"
                : $"{Name(type)}, an object: native code cannot hold a reference the GC does not see";
        if (type.TypeKind == TypeKind.TypeParameter) return null;   // only in code the other rules refuse
        return StructRefusal(type);
    }

    /// <summary>Why <paramref name="type"/> is not a struct MiniJit compiles (not generic, fields of primitives, enums,
    /// pointers or such structs), or null when it is.</summary>
    static string? StructRefusal(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Struct } named || named.IsRefLikeType || IsPrimitive(type)
            || type.SpecialType == SpecialType.System_Decimal)
            return $"{Name(type)}, which is not supported";
        if (named.IsGenericType)
            return $"the generic struct {Name(type)}; MiniJit supports structs of primitive fields that are not generic";
        foreach (var field in named.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsConst) continue;
            var fieldType = field.Type;
            if (IsElement(fieldType) || fieldType.TypeKind == TypeKind.Pointer || StructRefusal(fieldType) is null) continue;
            return $"the struct {Name(type)}, whose field {field.Name} is {Name(fieldType)} (only primitives, enums, pointers and such structs)";
        }
        return null;
    }

    /// <summary>The argument slots a struct takes: one per eightbyte when it travels in registers (up to 16 bytes), one
    /// for the address of its copy when it is larger; null when its size is not known here.</summary>
    static int? StructSlots(ITypeSymbol type) => SizeOf(type) is var (size, _) ? (size > 16 ? 1 : (size + 7) / 8) : null;

    /// <summary>The size and alignment of a value of <paramref name="type"/> as the CLR lays out a struct by default
    /// (fields in order, each at a multiple of its alignment), or null when that is not known here (a struct with a
    /// <c>[StructLayout]</c> of its own, or a type that is not a plain struct).</summary>
    static (int Size, int Alignment)? SizeOf(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean or SpecialType.System_SByte or SpecialType.System_Byte: return (1, 1);
            case SpecialType.System_Char or SpecialType.System_Int16 or SpecialType.System_UInt16: return (2, 2);
            case SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Single: return (4, 4);
            case SpecialType.System_Int64 or SpecialType.System_UInt64 or SpecialType.System_Double
                or SpecialType.System_IntPtr or SpecialType.System_UIntPtr: return (8, 8);
        }
        if (type.TypeKind == TypeKind.Pointer) return (8, 8);
        if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying }) return SizeOf(underlying);
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Struct } named
            || named.GetAttributes().Any(a => a.AttributeClass?.Name == "StructLayoutAttribute"))
            return null;
        int size = 0, alignment = 1;
        foreach (var field in named.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
        {
            if (SizeOf(field.Type) is not var (fieldSize, fieldAlignment)) return null;
            size = (size + fieldAlignment - 1) / fieldAlignment * fieldAlignment + fieldSize;
            alignment = System.Math.Max(alignment, fieldAlignment);
        }
        return (System.Math.Max(1, (size + alignment - 1) / alignment * alignment), alignment);
    }

    /// <summary>The types that cross as themselves: the integers, bool, char, float, double, nint and nuint (not decimal).</summary>
    public static bool IsPrimitive(ITypeSymbol type) => type.SpecialType is SpecialType.System_Boolean or SpecialType.System_Char
        or SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
        or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
        or SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

    /// <summary>What arrays, spans and references may point to: a primitive or an enum.</summary>
    static bool IsElement(ITypeSymbol type) => IsPrimitive(type) || type.TypeKind == TypeKind.Enum;

    static bool IsSpan(ITypeSymbol type, out ITypeSymbol element)
    {
        element = type;
        if (type is not INamedTypeSymbol { IsGenericType: true } named) return false;
        string definition = named.ConstructedFrom.ToDisplayString();
        if (definition is not ("System.Span<T>" or "System.ReadOnlySpan<T>")) return false;
        element = named.TypeArguments[0];
        return true;
    }

    static string Name(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
}
