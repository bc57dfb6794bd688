namespace MiniJit.Ir;

/// <summary>
/// The types a virtual register can hold. They mirror the CLR evaluation stack, not C#: every integer narrower
/// than 32 bits lives as an I32 (the importer truncates and extends at loads, stores and conversions, as the CLR
/// does), and signedness belongs to the operation (div vs div.u), not to the value.
/// </summary>
public enum IrType : byte { Void, I32, I64, F32, F64 }

public static class IrTypes
{
    public static string Name(this IrType type) => type switch
    {
        IrType.I32 => "i32",
        IrType.I64 => "i64",
        IrType.F32 => "f32",
        IrType.F64 => "f64",
        _ => "void",
    };

    public static bool IsInteger(this IrType type) => type is IrType.I32 or IrType.I64;
    public static bool IsFloat(this IrType type) => type is IrType.F32 or IrType.F64;
    public static int Bits(this IrType type) => type is IrType.I32 or IrType.F32 ? 32 : 64;

    public static IrType Parse(string text) => text switch
    {
        "i32" => IrType.I32,
        "i64" => IrType.I64,
        "f32" => IrType.F32,
        "f64" => IrType.F64,
        "void" => IrType.Void,
        _ => throw new FormatException($"unknown IR type '{text}'"),
    };

    /// <summary>A value's bits as the type holds them: a 32-bit type (I32, and F32's IEEE bits) keeps the low 32 bits
    /// sign-extended, so equal values always have equal bits and folding can compare them directly.</summary>
    public static long Normalize(this IrType type, long bits) => type is IrType.I32 or IrType.F32 ? (int)bits : bits;
}
