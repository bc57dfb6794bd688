namespace MiniJit.Ir;

/// <summary>
/// Where the CLR keeps a one-dimensional, zero-based array on 64-bit platforms: the object's address points at its
/// method-table pointer, the length (an int32) follows it, and the elements start after the length's padded 8 bytes.
/// Compiled code receives an array as that object address (0 for null).
/// </summary>
public static class ArrayLayout
{
    public const int LengthOffset = 8;
    public const int DataOffset = 16;
}
