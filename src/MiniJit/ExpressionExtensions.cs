using System.Linq.Expressions;

namespace MiniJit;

/// <summary>
/// <c>CompileNative()</c> beside <c>Compile()</c>: existing code that compiles expression trees changes one word
/// to run MiniJit's machine code instead.
/// </summary>
public static class ExpressionExtensions
{
    /// <inheritdoc cref="Jit.Compile{TDelegate}(Expression{TDelegate}, JitOptions?)"/>
    public static TDelegate CompileNative<TDelegate>(this Expression<TDelegate> lambda, JitOptions? options = null) where TDelegate : Delegate =>
        Jit.Compile(lambda, options);

    /// <inheritdoc cref="Jit.Compile(LambdaExpression, JitOptions?)"/>
    public static Delegate CompileNative(this LambdaExpression lambda, JitOptions? options = null) => Jit.Compile(lambda, options);
}
