namespace MiniJit.Cil;

/// <summary>How the bytes after an opcode are read (ECMA-335 Partition III, 1.9 "operand types").</summary>
public enum CilOperandKind
{
    /// <summary>No operand.</summary>
    None,
    /// <summary>Signed 8-bit immediate (<c>ldc.i4.s</c>).</summary>
    Int8,
    /// <summary>Unsigned 8-bit immediate: the alignment of <c>unaligned.</c>, the check flags of <c>no.</c>.</summary>
    UInt8,
    /// <summary>Unsigned 8-bit argument or local index (<c>ldarg.s</c>, <c>stloc.s</c>…).</summary>
    UInt8Var,
    /// <summary>Unsigned 16-bit argument or local index (<c>ldarg</c>, <c>stloc</c>…).</summary>
    UInt16Var,
    /// <summary>Signed 32-bit immediate (<c>ldc.i4</c>).</summary>
    Int32,
    /// <summary>Signed 64-bit immediate (<c>ldc.i8</c>).</summary>
    Int64,
    /// <summary>IEEE single (<c>ldc.r4</c>).</summary>
    Float32,
    /// <summary>IEEE double (<c>ldc.r8</c>).</summary>
    Float64,
    /// <summary>Signed 8-bit displacement from the end of the instruction.</summary>
    BranchTarget8,
    /// <summary>Signed 32-bit displacement from the end of the instruction.</summary>
    BranchTarget32,
    /// <summary>Unsigned 32-bit count N, then N signed 32-bit displacements from the end of the instruction.</summary>
    Switch,
    /// <summary>Metadata token of a method (MethodDef, MemberRef or MethodSpec).</summary>
    Method,
    /// <summary>Metadata token of a field (FieldDef or MemberRef).</summary>
    Field,
    /// <summary>Metadata token of a type (TypeDef, TypeRef or TypeSpec).</summary>
    Type,
    /// <summary>Token of a user string (#US heap).</summary>
    String,
    /// <summary>Token of a stand-alone signature (<c>calli</c>).</summary>
    Signature,
    /// <summary>Token of a type, method or field (<c>ldtoken</c>).</summary>
    Token,
}

/// <summary>What an instruction does to the flow of control, which is what basic-block discovery needs.</summary>
public enum CilFlow
{
    /// <summary>Falls through to the next instruction.</summary>
    Next,
    /// <summary>The <c>break</c> debugger trap; execution continues with the next instruction.</summary>
    Break,
    /// <summary>Always jumps (<c>br</c>, <c>leave</c>); never falls through.</summary>
    Branch,
    /// <summary>Jumps or falls through (<c>brtrue</c>, <c>beq</c>, <c>switch</c>…).</summary>
    CondBranch,
    /// <summary>Leaves the method or a handler (<c>ret</c>, <c>endfinally</c>, <c>endfilter</c>).</summary>
    Return,
    /// <summary>Raises an exception (<c>throw</c>, <c>rethrow</c>).</summary>
    Throw,
    /// <summary>Calls a method and then continues (<c>call</c>, <c>newobj</c>…); <c>jmp</c> is also listed here.</summary>
    Call,
    /// <summary>A prefix that modifies the instruction that follows it (<c>tail.</c>, <c>volatile.</c>…).</summary>
    Meta,
}

/// <summary>
/// One row of the opcode table: everything about an opcode that does not depend on where it appears.
/// </summary>
/// <param name="Op">The opcode; its numeric value is the encoded opcode (<c>0xFE01</c> for <c>ceq</c>).</param>
/// <param name="Name">The name as ildasm writes it, for example <c>bne.un.s</c> or <c>tail.</c>.</param>
/// <param name="Pops">Stack slots consumed, or <see cref="Variable"/> when it depends on a signature
/// (calls) or on the method's return type (<c>ret</c>).</param>
/// <param name="Pushes">Stack slots produced, or <see cref="Variable"/>.</param>
public readonly record struct CilOpCode(
    CilOp Op,
    string Name,
    CilOperandKind Operand,
    CilFlow Flow,
    sbyte Pops,
    sbyte Pushes)
{
    /// <summary>Marks a stack count that the opcode alone does not determine.</summary>
    public const sbyte Variable = -1;

    /// <summary>The encoded value: one byte, or <c>0xFE</c> in the high byte for the two-byte page.</summary>
    public ushort Value => (ushort)Op;

    /// <summary>True for the opcodes written as <c>0xFE</c> followed by a second byte.</summary>
    public bool IsTwoByte => Value > 0xFF;

    /// <summary>Bytes taken by the opcode itself (1 or 2).</summary>
    public int OpCodeSize => IsTwoByte ? 2 : 1;

    /// <summary>Bytes taken by the operand. For <c>switch</c> this is only the count; the 4-byte targets follow it.</summary>
    public int OperandSize => Operand switch
    {
        CilOperandKind.None => 0,
        CilOperandKind.Int8 or CilOperandKind.UInt8 or CilOperandKind.UInt8Var or CilOperandKind.BranchTarget8 => 1,
        CilOperandKind.UInt16Var => 2,
        CilOperandKind.Int64 or CilOperandKind.Float64 => 8,
        _ => 4,
    };

    public bool IsPrefix => Flow == CilFlow.Meta;

    public override string ToString() => Name;
}
