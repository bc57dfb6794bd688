using Microsoft.CodeAnalysis;

namespace MiniJit.Generators;

/// <summary>Every diagnostic about <c>[Jit]</c>, in one table. Errors are misuses no call could survive (the calls
/// are then not redirected); warnings are what MiniJit will refuse when it compiles, seen early (the calls are still
/// redirected, and at run time the method falls back to its managed body, observably).</summary>
static class JitDiagnostics
{
    const string Category = "MiniJit";

    /// <param name="help">The help text IDEs show with the diagnostic: why, and what to do.</param>
    static DiagnosticDescriptor Rule(string id, DiagnosticSeverity severity, string title, string message, string help) =>
        new(id, title, message, Category, severity, isEnabledByDefault: true, description: help);

    public static readonly DiagnosticDescriptor NotAStaticMethod = Rule("MJIT001", DiagnosticSeverity.Error, "[Jit] needs a static method with a body",
        "[Jit] on '{0}': {1}",
        "MiniJit compiles static methods that have a body. Instance methods (their `this` is an object the GC "
            + "moves), abstract, extern and partial declarations without a body, and local functions or lambdas (their calls "
            + "cannot be redirected) cannot carry [Jit]. Make the method static, or call Jit.Compile on a non-capturing lambda.");

    public static readonly DiagnosticDescriptor Generic = Rule("MJIT002", DiagnosticSeverity.Error, "[Jit] cannot be put on a generic method",
        "[Jit] on '{0}': {1}",
        "One stub compiles one method, but a generic method (or a method of a generic type) is a family of "
            + "methods, one per type argument. Write the method for the types you need.");

    public static readonly DiagnosticDescriptor UnsupportedSignature = Rule("MJIT003", DiagnosticSeverity.Warning, "MiniJit cannot bind this signature",
        "[Jit] method '{0}' will run managed: {1}",
        "Parameters cross into compiled code as long, ulong, int, uint, short, ushort, sbyte, byte, bool, char, "
            + "double, float, nint and nuint, pointers, one-dimensional arrays of those (or of enums), ref/out/in to them, "
            + "Span<T> and ReadOnlySpan<T> of them, and structs of such fields; results come back as primitives, pointers "
            + "or such structs. Anything else (strings, objects, enums passed by value, generic structs) cannot: the method "
            + "falls back to its managed body at run time and Jit.Fallback is raised.");

    public static readonly DiagnosticDescriptor UnsupportedBody = Rule("MJIT004", DiagnosticSeverity.Warning, "MiniJit cannot compile this method's body",
        "[Jit] method '{0}' will run managed: {1}",
        "MiniJit's code holds no object references (the GC could not see them) and has no exception handling: "
            + "strings, objects, boxing, delegates, allocation (new T[], new of a class), throw, try/catch/finally, using, "
            + "lock, virtual calls and unsupported static fields are refused. The checks the CLR makes itself (division by "
            + "zero, index out of range, overflow in checked code) are compiled and throw the same exceptions. The method "
            + "falls back to its managed body at run time and Jit.Fallback is raised.");

    public static readonly DiagnosticDescriptor NotAccessible = Rule("MJIT005", DiagnosticSeverity.Warning, "Calls to this [Jit] method are not redirected",
        "Calls to [Jit] method '{0}' run managed: {1}",
        "The stubs the generator writes live in their own class, so they must be able to name the class that "
            + "declares the method: a method of a private or protected nested class cannot be reached. Make the class "
            + "internal (the method itself may stay private).");
}
