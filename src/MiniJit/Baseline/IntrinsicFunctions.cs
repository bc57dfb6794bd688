using System.Reflection;
using MiniJit.Cil;
using MiniJit.Ir;

namespace MiniJit.Baseline;

/// <summary>
/// The baseline tier translates no math intrinsic itself: a call of one (<c>Math.Sqrt</c>, <c>Math.Abs</c>,
/// <c>double.IsNaN</c>, …) becomes a call of a small function compiled through the IR, whose body is exactly what the
/// importer emits inline for that call. So both tiers share one definition of every intrinsic's edge cases.
/// </summary>
internal static class IntrinsicFunctions
{
    /// <summary>The parameter and result types of the function for <paramref name="method"/>, or null when it is no
    /// intrinsic that works this way.</summary>
    public static (IrType[] Parameters, IrType Result)? SignatureOf(MethodInfo method) =>
        MathIntrinsics.Find(method) is { } intrinsic ? (intrinsic.Operands, intrinsic.Result)
        : MathIntrinsics.FindClassification(method) is { } classification ? ([classification.Type], IrType.I32)
        : null;

    /// <summary>The IR function <c>R F(a, …) => intrinsic(a, …)</c> for <paramref name="method"/>, or null (see
    /// <see cref="SignatureOf"/>).</summary>
    public static Function? Build(MethodInfo method)
    {
        if (SignatureOf(method) is not var (parameters, result)) return null;
        var function = new Function(CilImporter.NameOf(method), parameters, result);
        var entry = function.NewBlock();
        var ops = new CilOperations(function, reason => new JitException(method, null, null, reason));
        var args = new int[parameters.Length];
        for (int i = 0; i < args.Length; i++)
        {
            var param = function.Append(entry, Op.Param, parameters[i]);
            param.Imm = i;
            args[i] = param.Result;
        }
        int value = MathIntrinsics.Find(method) is { } intrinsic
            ? ops.Intrinsic(entry, intrinsic, args)
            : MathIntrinsics.FindClassification(method) is var (test, type) ? ops.Classify(entry, test, type, args[0]) : -1;
        function.Terminate(entry, Op.Return, [value]);
        return function;
    }
}
