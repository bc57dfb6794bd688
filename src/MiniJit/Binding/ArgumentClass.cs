namespace MiniJit.Binding;

/// <summary>Which register file a value travels in: general-purpose registers for integers, booleans,
/// characters and pointers; SSE registers for floating point (movss for Single, movsd for Double).</summary>
public enum ArgumentClass
{
    Integer,
    Double,
    Single,
}
