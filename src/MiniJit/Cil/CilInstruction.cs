namespace MiniJit.Cil;

/// <summary>
/// One decoded instruction. <see cref="Int"/> always holds the operand exactly as encoded (sign-extended for
/// signed kinds, zero-extended for unsigned ones); <see cref="Float"/>, <see cref="Target"/> and
/// <see cref="Targets"/> add the interpretations later stages want, so nobody re-reads bytes.
/// </summary>
/// <param name="Offset">Byte offset of the first byte (the opcode) in the IL body.</param>
/// <param name="Size">Bytes taken by opcode and operand together, including every switch target.</param>
/// <param name="Int">The raw operand: immediate, argument or local index, metadata token, branch displacement,
/// switch count, or for <c>ldc.r4</c>/<c>ldc.r8</c> the IEEE bit pattern (so a backend can load the constant bit-exactly).</param>
/// <param name="Float">The value of <c>ldc.r4</c> (widened exactly) or <c>ldc.r8</c>.</param>
/// <param name="Target">Absolute offset a branch jumps to (the displacement counts from <see cref="NextOffset"/>).</param>
/// <param name="Targets">Absolute offsets of a <c>switch</c>'s cases, in order; null for every other opcode.</param>
public readonly record struct CilInstruction(
    int Offset,
    int Size,
    CilOpCode OpCode,
    long Int = 0,
    double Float = 0,
    int Target = 0,
    int[]? Targets = null)
{
    public CilOp Op => OpCode.Op;

    /// <summary>Offset of the following instruction, which is also where a branch displacement counts from.</summary>
    public int NextOffset => Offset + Size;

    /// <summary>The operand as a metadata token (for Method, Field, Type, String, Signature and Token kinds).</summary>
    public int Token => (int)Int;

    public override string ToString() => CilPrinter.Format(this);
}
