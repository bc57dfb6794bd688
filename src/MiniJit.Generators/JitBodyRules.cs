using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace MiniJit.Generators;

/// <summary>What in a method body MiniJit refuses, found in its operation tree (Roslyn's bound form of the code) — and
/// in the bodies of the methods of this compilation it calls, which MiniJit compiles into the same unit.</summary>
static class JitBodyRules
{
    /// <summary>How deep the walk follows calls into this compilation's methods.</summary>
    const int MaxCallDepth = 6;

    /// <summary>The first thing in <paramref name="body"/> MiniJit refuses, with where it is and why, or null.</summary>
    public static (Location Location, string Reason)? FirstRefusal(IOperation body, Compilation compilation) =>
        FirstRefusal(body, compilation, [], depth: 0);

    static (Location, string)? FirstRefusal(IOperation body, Compilation compilation, HashSet<IMethodSymbol> visited, int depth)
    {
        foreach (var operation in body.DescendantsAndSelf())
        {
            if (Refusal(operation) is { } reason)
                return (operation.Syntax.GetLocation(), reason);
            if (operation is IInvocationOperation call && depth < MaxCallDepth && BodyOf(call.TargetMethod, compilation) is { } calleeBody
                && visited.Add(call.TargetMethod.OriginalDefinition)
                && FirstRefusal(calleeBody, compilation, visited, depth + 1) is (var at, var inner))
            {
                var line = at.GetLineSpan().StartLinePosition.Line + 1;
                return (operation.Syntax.GetLocation(), $"calls {call.TargetMethod.Name}, which MiniJit compiles with it, and there (line {line}) it {inner}");
            }
        }
        return null;
    }

    /// <summary>Why MiniJit refuses this one operation, or null. Phrased to follow "it …" or "there …".</summary>
    static string? Refusal(IOperation operation)
    {
        switch (operation)
        {
            case IThrowOperation:
                return "throws an exception, which MiniJit does not compile (the checks the CLR makes itself, such as division by zero, are)";
            case ITryOperation or IUsingOperation or IUsingDeclarationOperation or ILockOperation:
                return "uses exception handling (try, using or lock), which MiniJit does not compile";
            case IArrayCreationOperation:
                return "allocates an array; compiled code does not allocate (pass the array in, or use stackalloc)";
            // A struct's own methods are called directly; a method it inherits from object or ValueType (or an interface
            // method called on it through a constrained call) takes the struct boxed.
            case IInvocationOperation { Instance.Type.IsValueType: true, TargetMethod: var target }
                when target.ContainingType.IsReferenceType || target.ContainingType.TypeKind == TypeKind.Interface:
                return $"calls {target.ContainingType.Name}.{target.Name} on a struct, which boxes it (a virtual call on an object)";
            case IFieldReferenceOperation { Field: { IsStatic: true, IsConst: false } field }:
                return StaticFieldRefusal(field);
            // Views that make nothing at run time: an array compared with null or walked by foreach is seen as an object
            // (or IEnumerable) for a moment, and `(a, b) = (b, a)` assigns two variables without building a tuple.
            case IConversionOperation { Operand.Type: IArrayTypeSymbol } or IConversionOperation { Operand: ITupleOperation }
                or ITupleOperation or IDeconstructionAssignmentOperation:
                return null;
        }
        if (operation.Type is { } type && operation.ConstantValue is not { HasValue: true, Value: null } && JitMethodRules.ValueRefusal(type) is { } refusal)
            return $"uses {refusal}";
        return null;
    }

    static string? StaticFieldRefusal(IFieldSymbol field)
    {
        if (field.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ThreadStaticAttribute"))
            return $"reads the [ThreadStatic] field {field.Name}, which MiniJit does not support";
        if (field.Type is not { TypeKind: TypeKind.Enum or TypeKind.Pointer } && !JitMethodRules.IsPrimitive(field.Type))
            return $"uses the static field {field.Name} of type {field.Type.ToDisplayString()}; only static fields of primitive types are supported";
        if (field.ContainingType.StaticConstructors.Any(c => !c.IsImplicitlyDeclared))
            return $"uses the static field {field.Name}, whose class has a static constructor (which must run exactly at the first access); field initializers are fine";
        return null;
    }

    /// <summary>The body of a method declared in this compilation, to follow a call into it; null for other assemblies'
    /// methods (MiniJit reads their IL at run time) and for [Jit] methods (checked on their own).</summary>
    static IOperation? BodyOf(IMethodSymbol method, Compilation compilation)
    {
        if (JitMethodRules.HasJitAttribute(method) || method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not { } syntax)
            return null;
        SyntaxNode? body = syntax switch
        {
            BaseMethodDeclarationSyntax m => (SyntaxNode?)m.Body ?? m.ExpressionBody,
            LocalFunctionStatementSyntax f => (SyntaxNode?)f.Body ?? f.ExpressionBody,
            _ => null,
        };
        // The model of another tree: the analyzer follows calls out of the tree it was given, and RS1030's concern
        // (a second model per tree) does not apply to trees it was not given a model for.
#pragma warning disable RS1030
        return body is null || !compilation.ContainsSyntaxTree(body.SyntaxTree) ? null : compilation.GetSemanticModel(body.SyntaxTree).GetOperation(body);
#pragma warning restore RS1030
    }
}
