using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MiniJit.Generators;

/// <summary>
/// Redirects every call to a <c>[Jit]</c> method in the project to a stub that compiles the method on its first call
/// and then runs the machine code. Three inputs, each reduced to plain data so that an edit that touches none of them
/// costs nothing: the [Jit] methods (<see cref="JitTarget"/>), the calls to them (<see cref="JitCallSite"/>, named the
/// way the compiler's interceptors name a call), and whether the project is published with NativeAOT (then the
/// methods are native code already, and nothing is written). <see cref="InterceptorSource"/> writes the stubs.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class JitInterceptorGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var targets = context.SyntaxProvider.ForAttributeWithMetadataName(JitMethodRules.AttributeName,
            static (node, _) => node is MethodDeclarationSyntax,
            static (attributed, _) => JitTarget.From((IMethodSymbol)attributed.TargetSymbol, attributed.Attributes[0], attributed.SemanticModel.Compilation))
            .Where(static target => target is not null)
            .Select(static (target, _) => target!);

        var calls = context.SyntaxProvider.CreateSyntaxProvider(
            static (node, _) => node is InvocationExpressionSyntax,
            static (syntax, cancel) => JitCallSite.From(syntax, cancel))
            .Where(static call => call is not null)
            .Select(static (call, _) => call!);

        var publishAot = context.AnalyzerConfigOptionsProvider.Select(static (options, _) => JitMethodRules.PublishesAot(options.GlobalOptions));

        context.RegisterSourceOutput(targets.Collect().Combine(calls.Collect()).Combine(publishAot), static (output, input) =>
        {
            var ((jitTargets, jitCalls), aot) = input;
            if (aot || jitCalls.IsEmpty) return;
            output.AddSource("MiniJit.Interceptors.g.cs", InterceptorSource.Write(jitTargets, jitCalls));
        });
    }
}

/// <summary>A <c>[Jit]</c> method whose calls get a stub: its names and signature as C# text, and its options.</summary>
/// <param name="Key">The method's documentation id, which call sites refer to.</param>
/// <param name="DeclaringType">The declaring class, fully qualified (<c>global::…</c>).</param>
/// <param name="Callable">Whether the stubs can name the method itself (it is not private or protected); if not, they
/// find it by reflection.</param>
/// <param name="Options">The attribute's named arguments, as JitOptions initializers (<c>Optimize = false</c>).</param>
sealed record JitTarget(string Key, string Display, string DeclaringType, string Name, bool Callable, bool Unsafe, string ReturnType,
    EquatableArray<JitParameter> Parameters, EquatableArray<string> Options)
{
    static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The stub-able form of <paramref name="method"/>, or null when its calls cannot be redirected (the
    /// analyzer says why: MJIT001, MJIT002, MJIT005, or a by-reference result).</summary>
    public static JitTarget? From(IMethodSymbol method, AttributeData attribute, Compilation compilation)
    {
        if (JitMethodRules.MethodRefusal(method) is not null || JitMethodRules.AccessRefusal(method, compilation) is not null
            || method.ReturnsByRef || method.ReturnsByRefReadonly || method.GetDocumentationCommentId() is not { } key)
            return null;
        var parameters = method.Parameters.Select(p => new JitParameter(Modifier(p.RefKind), p.Type.ToDisplayString(TypeFormat), Identifier(p.Name))).ToArray();
        var options = attribute.NamedArguments
            .Where(a => a.Key is "Optimize" or "Tiered" or "ThrowOnFallback" && a.Value.Value is bool)
            .Select(a => $"{a.Key} = {((bool)a.Value.Value! ? "true" : "false")}")
            .ToArray();
        bool usesPointers = method.Parameters.Any(p => p.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
            || method.ReturnType.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer;
        return new JitTarget(key, JitMethodRules.Display(method), method.ContainingType.ToDisplayString(TypeFormat), method.Name,
            compilation.IsSymbolAccessibleWithin(method, compilation.Assembly), usesPointers,
            method.ReturnType.ToDisplayString(TypeFormat), new(parameters), new(options));
    }

    static string Modifier(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In => "in ",
        RefKind.RefReadOnlyParameter => "ref readonly ",
        _ => "",
    };

    static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}

/// <param name="Modifier">"ref ", "out ", "in ", "ref readonly " or "".</param>
sealed record JitParameter(string Modifier, string Type, string Name);

/// <summary>One call to a <c>[Jit]</c> method: which method, and the compiler's name for the call site.</summary>
/// <param name="File">The call's file name (without its folder, so that the generated code is the same on every
/// machine), line and column, for a comment beside its attribute.</param>
sealed record JitCallSite(string TargetKey, int Version, string Data, string File, int Line, int Column)
{
    public string Where => $"{File}({Line},{Column})";

    public static JitCallSite? From(GeneratorSyntaxContext syntax, CancellationToken cancel)
    {
        var invocation = (InvocationExpressionSyntax)syntax.Node;
        var model = syntax.SemanticModel;
        if (model.GetSymbolInfo(invocation, cancel).Symbol is not IMethodSymbol { IsStatic: true } method
            || !SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, model.Compilation.Assembly)
            || !JitMethodRules.HasJitAttribute(method) || method.GetDocumentationCommentId() is not { } key
            || InExpressionTree(invocation, model, cancel)
            || model.GetInterceptableLocation(invocation, cancel) is not { } location)
            return null;
        var position = invocation.GetLocation().GetLineSpan();
        return new JitCallSite(key, location.Version, location.Data, System.IO.Path.GetFileName(position.Path),
            position.StartLinePosition.Line + 1, position.StartLinePosition.Character + 1);
    }

    /// <summary>A call inside a lambda that becomes an expression tree is data, not a call; it cannot be intercepted.</summary>
    static bool InExpressionTree(SyntaxNode node, SemanticModel model, CancellationToken cancel)
    {
        foreach (var lambda in node.Ancestors().OfType<LambdaExpressionSyntax>())
            if (model.GetTypeInfo(lambda, cancel).ConvertedType is INamedTypeSymbol { Name: "Expression", ContainingNamespace: var ns }
                && ns.ToDisplayString() == "System.Linq.Expressions")
                return true;
        return false;
    }
}
