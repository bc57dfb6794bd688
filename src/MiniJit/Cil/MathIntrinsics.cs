using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Intrinsics.X86;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// The math methods MiniJit compiles itself instead of calling: those with a single SSE instruction become an IR
/// operation (<c>Math.Sqrt</c> is <c>fsqrt</c>), and those the CLR computes with the C math library become a call of
/// the same C function (<c>Math.Sin</c> is <c>call.c sin</c>), which makes their results bit-identical to the CLR's.
/// Every entry is one row: the method, its operand types, and the operation or the C symbol.
/// </summary>
public static class MathIntrinsics
{
    /// <param name="Op">The IR operation, when <paramref name="Symbol"/> is null.</param>
    /// <param name="Symbol">The C library function called instead, or null.</param>
    public sealed record Intrinsic(IrType[] Operands, IrType Result, Op Op, string? Symbol);

    static readonly Dictionary<MethodInfo, Intrinsic> Table = Build();

    public static Intrinsic? Find(MethodInfo method) => Table.GetValueOrDefault(method);

    public enum WithOutKind { DivRem, BigMulSigned, BigMulUnsigned }

    /// <summary>A math method with an <c>out</c> parameter that MiniJit computes itself: which, and on what type.</summary>
    public sealed record WithOut(WithOutKind Kind, IrType Type);

    /// <summary>Math.DivRem(int/long, …, out …) and Math.BigMul(long/ulong, …, out …); null for any other method.</summary>
    public static WithOut? FindWithOut(MethodInfo method)
    {
        if (method.DeclaringType != typeof(Math) || method.GetParameters() is not [var a, var b, { IsOut: true } c]) return null;
        var type = a.ParameterType;
        if (b.ParameterType != type || c.ParameterType.GetElementType() != type) return null;
        return (method.Name, Type.GetTypeCode(type)) switch
        {
            ("DivRem", TypeCode.Int32) => new(WithOutKind.DivRem, IrType.I32),
            ("DivRem", TypeCode.Int64) => new(WithOutKind.DivRem, IrType.I64),
            ("BigMul", TypeCode.Int64) => new(WithOutKind.BigMulSigned, IrType.I64),
            ("BigMul", TypeCode.UInt64) => new(WithOutKind.BigMulUnsigned, IrType.I64),
            _ => null,
        };
    }

    /// <summary>The classifications of <c>double</c> and <c>float</c> that are one comparison.</summary>
    public enum Classification { IsNaN, IsFinite, IsInfinity, IsPositiveInfinity, IsNegativeInfinity }

    /// <summary>double.IsNaN and its kin (and float's): which test, on which type; null for any other method.</summary>
    public static (Classification Test, IrType Type)? FindClassification(MethodInfo method) =>
        method.DeclaringType is { } type && (type == typeof(double) || type == typeof(float))
        && method.GetParameters() is [var value] && value.ParameterType == type
        && Enum.TryParse<Classification>(method.Name, out var test)
            ? (test, type == typeof(double) ? IrType.F64 : IrType.F32)
            : null;

    /// <summary>Math.Round(x, MidpointRounding) and MathF's: the type rounded, or null for any other method.</summary>
    public static IrType? RoundWithMode(MethodInfo method) =>
        method.Name == "Round" && method.DeclaringType is { } type && (type == typeof(Math) || type == typeof(MathF))
        && method.GetParameters() is [var value, var mode] && mode.ParameterType == typeof(MidpointRounding)
            ? value.ParameterType == typeof(double) ? IrType.F64 : IrType.F32
            : null;

    /// <summary>Rounding to an integral value in one direction: roundsd (SSE4.1), or the C library without it.</summary>
    public static Intrinsic Rounding(Op op, IrType type)
    {
        var symbol = op switch { Op.FFloor => "floor", Op.FCeiling => "ceil", Op.FTruncate => "trunc", _ => "rint" };
        return new([type], type, op, Sse41.IsSupported ? null : symbol + (type == IrType.F32 ? "f" : ""));
    }

    static Dictionary<MethodInfo, Intrinsic> Build()
    {
        var table = new Dictionary<MethodInfo, Intrinsic>();
        const IrType D = IrType.F64, F = IrType.F32, L = IrType.I64, I = IrType.I32;
        // The annotation lets the trimmer see which methods are looked up here (each caller passes a typeof), so a
        // trimmed or NativeAOT application keeps them and their reflection data: an expression tree's call to
        // Math.Sin must find its row there too.
        void Add([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type type, string name, Type[] parameters, Intrinsic intrinsic)
        {
            if (type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters) is { } method)
                table[method] = intrinsic;
        }
        // The rows each floating-point type has: Math and double for double, MathF and float for float.
        void AddFloating([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicMethods)] Type type, Type value, IrType t, string suffix)
        {
            Type[] one = [value], two = [value, value], three = [value, value, value];
            Add(type, "Sqrt", one, new([t], t, Op.FSqrt, null));
            Add(type, "Abs", one, new([t], t, Op.FAbs, null));
            Add(type, "Min", two, new([t, t], t, Op.FMin, null));
            Add(type, "Max", two, new([t, t], t, Op.FMax, null));
            Add(type, "CopySign", two, new([t, t], t, Op.FCopySign, null));
            Add(type, "Floor", one, Rounding(Op.FFloor, t));
            Add(type, "Ceiling", one, Rounding(Op.FCeiling, t));
            Add(type, "Truncate", one, Rounding(Op.FTruncate, t));
            // Math.Round(x) rounds half to even, which is rint under the default rounding mode.
            Add(type, "Round", one, Rounding(Op.FRoundEven, t));
            // One instruction with FMA3; without it the C library, exactly rounded too, so the bits are the CLR's.
            Add(type, "FusedMultiplyAdd", three, new([t, t, t], t, Op.FMulAdd, Fma.IsSupported ? null : "fma" + suffix));
            foreach (var name in (string[])["Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Exp", "Log", "Log10", "Log2", "Cbrt"])
                Add(type, name, one, new([t], t, Op.CallNative, name.ToLowerInvariant() + suffix));
            Add(type, "Atan2", two, new([t, t], t, Op.CallNative, "atan2" + suffix));
            Add(type, "Sign", one, new([t], I, Op.FSign, null));
            Add(type, "Pow", two, new([t, t], t, Op.CallNative, "pow" + suffix));
        }
        AddFloating(typeof(Math), typeof(double), D, "");
        AddFloating(typeof(MathF), typeof(float), F, "f");
        AddFloating(typeof(double), typeof(double), D, "");
        AddFloating(typeof(float), typeof(float), F, "f");
        // Math's float overloads: Abs, Min and Max (the others take doubles); MathF.Min and Max call these.
        Add(typeof(Math), "Abs", [typeof(float)], new([F], F, Op.FAbs, null));
        Add(typeof(Math), "Sign", [typeof(float)], new([F], I, Op.FSign, null));
        Add(typeof(Math), "Min", [typeof(float), typeof(float)], new([F, F], F, Op.FMin, null));
        Add(typeof(Math), "Max", [typeof(float), typeof(float)], new([F, F], F, Op.FMax, null));
        Add(typeof(BitConverter), "DoubleToInt64Bits", [typeof(double)], new([D], L, Op.Bitcast, null));
        Add(typeof(BitConverter), "Int64BitsToDouble", [typeof(long)], new([L], D, Op.Bitcast, null));
        Add(typeof(BitConverter), "SingleToInt32Bits", [typeof(float)], new([F], I, Op.Bitcast, null));
        Add(typeof(BitConverter), "Int32BitsToSingle", [typeof(int)], new([I], F, Op.Bitcast, null));
        Add(typeof(BitConverter), "DoubleToUInt64Bits", [typeof(double)], new([D], L, Op.Bitcast, null));
        Add(typeof(BitConverter), "UInt64BitsToDouble", [typeof(ulong)], new([L], D, Op.Bitcast, null));
        Add(typeof(BitConverter), "SingleToUInt32Bits", [typeof(float)], new([F], I, Op.Bitcast, null));
        Add(typeof(BitConverter), "UInt32BitsToSingle", [typeof(uint)], new([I], F, Op.Bitcast, null));
        return table;
    }
}
