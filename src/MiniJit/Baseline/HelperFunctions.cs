using System.Reflection;
using MiniJit.Cil;
using MiniJit.Ir;

namespace MiniJit.Baseline;

/// <summary>A function the baseline calls: what it is, its parameters' and its result's types.</summary>
internal sealed record Callee(CallTarget Target, IrType[] Parameters, IrType Result);

/// <summary>
/// What the baseline tier does not translate itself but can still call: a math intrinsic (<c>Math.Sqrt</c>,
/// <c>Math.Abs</c>, <c>double.IsNaN</c>, …) or a rare operation on floating point (<c>%</c>, conversions to unsigned
/// integers, checked conversions) becomes a call of a small function compiled through the IR, whose body is exactly
/// what the importer emits inline for it. So both tiers share one definition of every such operation's edge cases.
/// </summary>
internal static class HelperFunctions
{
    /// <summary>The helper for a call of <paramref name="method"/>, or null when it is no intrinsic that works this way.</summary>
    public static Callee? ForIntrinsic(MethodInfo method)
    {
        if (MathIntrinsics.Find(method) is { } intrinsic)
            return Operation(CilImporter.NameOf(method), intrinsic.Operands, intrinsic.Result, (ops, block, args) => ops.Intrinsic(block, intrinsic, args), method);
        if (MathIntrinsics.FindClassification(method) is var (test, type))
            return Operation(CilImporter.NameOf(method), [type], IrType.I32, (ops, block, args) => ops.Classify(block, test, type, args[0]), method);
        return null;
    }

    /// <summary>The helper <c>result NAME(parameters) => body</c>; functions are told apart by name, so the name includes the types.</summary>
    public static Callee Operation(string name, IrType[] parameters, IrType result, Func<CilOperations, Block, int[], int> body, MethodInfo? method = null)
    {
        var fullName = $"{name}({string.Join(", ", parameters.Select(p => p.Name()))})";
        return new Callee(new CallTarget(fullName, method, () => Build(fullName, parameters, result, body, method)), parameters, result);
    }

    static Function Build(string name, IrType[] parameters, IrType result, Func<CilOperations, Block, int[], int> body, MethodInfo? method)
    {
        var function = new Function(name, parameters, result);
        var entry = function.NewBlock();
        var ops = new CilOperations(function, reason => new JitException(method, null, null, $"{name}: {reason}"));
        var args = new int[parameters.Length];
        for (int i = 0; i < args.Length; i++)
        {
            var param = function.Append(entry, Op.Param, parameters[i]);
            param.Imm = i;
            args[i] = param.Result;
        }
        function.Terminate(entry, Op.Return, [body(ops, entry, args)]);
        return function;
    }
}
