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

    static Dictionary<MethodInfo, Intrinsic> Build()
    {
        var table = new Dictionary<MethodInfo, Intrinsic>();
        const IrType D = IrType.F64, F = IrType.F32, L = IrType.I64, I = IrType.I32;
        void Add(Type type, string name, Type[] parameters, Intrinsic intrinsic)
        {
            if (type.GetMethod(name, BindingFlags.Public | BindingFlags.Static, parameters) is { } method)
                table[method] = intrinsic;
        }
        // One instruction each. roundsd (SSE4.1) rounds in all four directions; without it the C library does.
        bool round = Sse41.IsSupported;
        foreach (var (type, value, t, suffix) in new[] { (typeof(Math), typeof(double), D, ""), (typeof(MathF), typeof(float), F, "f"),
                     (typeof(double), typeof(double), D, ""), (typeof(float), typeof(float), F, "f") })
        {
            Type[] one = [value], two = [value, value], three = [value, value, value];
            Add(type, "Sqrt", one, new([t], t, Op.FSqrt, null));
            Add(type, "Abs", one, new([t], t, Op.FAbs, null));
            Add(type, "Min", two, new([t, t], t, Op.FMin, null));
            Add(type, "Max", two, new([t, t], t, Op.FMax, null));
            Add(type, "CopySign", two, new([t, t], t, Op.FCopySign, null));
            Add(type, "Floor", one, new([t], t, Op.FFloor, round ? null : "floor" + suffix));
            Add(type, "Ceiling", one, new([t], t, Op.FCeiling, round ? null : "ceil" + suffix));
            Add(type, "Truncate", one, new([t], t, Op.FTruncate, round ? null : "trunc" + suffix));
            // Math.Round(x) rounds half to even, which is rint under the default rounding mode.
            Add(type, "Round", one, new([t], t, Op.FRoundEven, round ? null : "rint" + suffix));
            // Exactly rounded in C as in FMA3, so the C library gives the CLR's bits on any CPU.
            Add(type, "FusedMultiplyAdd", three, new([t, t, t], t, Op.CallNative, "fma" + suffix));
            foreach (var name in (string[])["Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Exp", "Log", "Log10", "Log2", "Cbrt"])
                Add(type, name, one, new([t], t, Op.CallNative, name.ToLowerInvariant() + suffix));
            Add(type, "Atan2", two, new([t, t], t, Op.CallNative, "atan2" + suffix));
            Add(type, "Pow", two, new([t, t], t, Op.CallNative, "pow" + suffix));
        }
        // Math's float overloads: Abs, Min and Max (the others take doubles); MathF.Min and Max call these.
        Add(typeof(Math), "Abs", [typeof(float)], new([F], F, Op.FAbs, null));
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
