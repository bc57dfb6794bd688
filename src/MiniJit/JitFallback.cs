using System.Reflection;

namespace MiniJit;

/// <summary>A <see cref="Jit.Lazy{TDelegate}"/> delegate or a <see cref="JitAttribute"/> method could not compile <paramref name="Method"/> and runs the
/// managed method instead (or, with <see cref="JitOptions.ThrowOnFallback"/>, throws <paramref name="Error"/>).</summary>
/// <param name="Error">What stopped compilation: usually a <see cref="JitException"/> naming the offending IL, or a
/// <see cref="PlatformNotSupportedException"/> off x86-64 Linux.</param>
public sealed record JitFallback(MethodInfo Method, Exception Error)
{
    /// <summary>The line <see cref="JitOptions.Log"/> receives.</summary>
    public override string ToString() => $"fell back to managed for {JitException.MethodName(Method)}: {Error.Message}";
}
