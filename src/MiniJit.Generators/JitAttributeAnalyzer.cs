using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace MiniJit.Generators;

/// <summary>Reports at build time what MiniJit will do with each <c>[Jit]</c> method: MJIT001–MJIT002 for methods the
/// attribute cannot apply to, MJIT003–MJIT004 for what MiniJit will refuse to compile (a signature it cannot bind, a
/// body that uses objects, exceptions or allocation), MJIT005 for calls the generator cannot redirect.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class JitAttributeAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        JitDiagnostics.NotAStaticMethod, JitDiagnostics.Generic, JitDiagnostics.UnsupportedSignature,
        JitDiagnostics.UnsupportedBody, JitDiagnostics.NotAccessible);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(JitMethodRules.AttributeName) is null) return;   // MiniJit is not referenced
            // Published with NativeAOT, every method is native code and no call is redirected: what MiniJit would refuse
            // no longer matters, only misuse of the attribute does.
            bool publishAot = JitMethodRules.PublishesAot(start.Options.AnalyzerConfigOptionsProvider.GlobalOptions);
            start.RegisterSymbolAction(context => CheckDeclaration(context, publishAot), SymbolKind.Method);
            start.RegisterOperationAction(CheckLocalFunction, OperationKind.LocalFunction);
            if (!publishAot) start.RegisterOperationBlockAction(CheckBody);
        });
    }

    /// <summary>The method itself: MJIT001, MJIT002, MJIT003 and MJIT005.</summary>
    static void CheckDeclaration(SymbolAnalysisContext context, bool publishAot)
    {
        var method = (IMethodSymbol)context.Symbol;
        if (!JitMethodRules.HasJitAttribute(method)) return;
        var location = method.Locations.FirstOrDefault();
        string name = JitMethodRules.Display(method);
        if (JitMethodRules.MethodRefusal(method) is var (rule, reason))
        {
            context.ReportDiagnostic(Diagnostic.Create(rule, location, name, reason));
            return;
        }
        if (publishAot) return;
        if (JitMethodRules.SignatureRefusal(method) is { } signature)
            context.ReportDiagnostic(Diagnostic.Create(JitDiagnostics.UnsupportedSignature, location, name, signature));
        if (JitMethodRules.AccessRefusal(method, context.Compilation) is { } access)
            context.ReportDiagnostic(Diagnostic.Create(JitDiagnostics.NotAccessible, location, name, access));
    }

    /// <summary>Local functions are not symbols the symbol action sees: [Jit] on one is MJIT001.</summary>
    static void CheckLocalFunction(OperationAnalysisContext context)
    {
        var method = ((ILocalFunctionOperation)context.Operation).Symbol;
        if (JitMethodRules.HasJitAttribute(method) && JitMethodRules.MethodRefusal(method) is var (rule, reason))
            context.ReportDiagnostic(Diagnostic.Create(rule, method.Locations.FirstOrDefault(), method.Name, reason));
    }

    /// <summary>The body, with the methods of this compilation it calls: MJIT004, once, at the first refusal.</summary>
    static void CheckBody(OperationBlockAnalysisContext context)
    {
        if (context.OwningSymbol is not IMethodSymbol method || !JitMethodRules.HasJitAttribute(method)
            || JitMethodRules.MethodRefusal(method) is not null || JitMethodRules.SignatureRefusal(method) is not null)
            return;
        foreach (var block in context.OperationBlocks)
            if (block.Kind is not (OperationKind.Attribute or OperationKind.ParameterInitializer)   // the body, not [Jit] itself
                && JitBodyRules.FirstRefusal(block, context.Compilation) is var (location, reason))
            {
                context.ReportDiagnostic(Diagnostic.Create(JitDiagnostics.UnsupportedBody, location,
                    JitMethodRules.Display(method), $"it {reason}"));
                return;
            }
    }
}
