using MiniJit.Assembler;

namespace MiniJit.CodeGeneration;

/// <summary>The x64 instructions code generation produces. One entry per mnemonic; the operands say which form
/// (<c>Call</c> takes a label or, for the C library, a register).</summary>
public enum MOp : byte
{
    Label, Mov, Movzx, Movsx, Movsxd, Lea,
    Add, Sub, Imul, And, Or, Xor, Cmp, Test, Neg, Not,
    Shl, Shr, Sar, Cdq, Cqo, Idiv, Div, ImulWide, MulWide,
    Set, Jmp, Jcc, Call, Ret, Push, Pop,
    // SSE scalar floating point (sd: double, ss: float). Movsd/Movss load or store; Movaps copies a register;
    // Movd/Movq move bits between a general-purpose and an xmm register.
    Movaps, Movsd, Movss, Movd, Movq,
    Addsd, Addss, Subsd, Subss, Mulsd, Mulss, Divsd, Divss, Sqrtsd, Sqrtss, Roundsd, Roundss,
    Ucomisd, Ucomiss, Xorps, Andps, Orps, Vfmadd213sd, Vfmadd213ss, Minsd, Minss, Maxsd, Maxss, Cvtsi2sd, Cvtsi2ss, Cvttsd2si, Cvtss2sd, Cvtsd2ss,
    /// <summary>Pads with multi-byte nops to the boundary in A's immediate (loop heads).</summary>
    Align,
    /// <summary>Removed by the peephole pass, which compacts the list once per sweep; never encoded.</summary>
    Deleted,
}

/// <summary>What a machine instruction does to the flags and to control flow — what the peephole pass must know.</summary>
[Flags]
public enum MOpFlags : byte
{
    None = 0,
    /// <summary>Reads the flags (jcc, setcc): they are live up to it.</summary>
    ReadsFlags = 1,
    /// <summary>Writes (or leaves undefined) every flag a later instruction could read, whatever its operands.</summary>
    KillsFlags = 2,
    /// <summary>Leaves this straight line of code: what the flags held no longer matters (code never carries flags
    /// across a jump, a call or a return).</summary>
    LeavesLine = 4,
    /// <summary>A place other code may jump to, which might arrive with live flags.</summary>
    JoinPoint = 8,
}

/// <summary>One row of the machine instruction table: how it is printed, and its flags.</summary>
public readonly record struct MOpInfo(string Mnemonic, MOpFlags Flags);

/// <summary>Every machine instruction's properties in one table, as <see cref="Ir.OpTable"/> keeps the IR's. Shifts
/// are not flag killers: a shift by a count of zero leaves the flags alone.</summary>
public static class MOpTable
{
    static readonly MOpInfo[] Table = Build();

    static MOpInfo[] Build()
    {
        var table = new MOpInfo[Enum.GetValues<MOp>().Length];
        foreach (var op in Enum.GetValues<MOp>())
        {
            var flags = op switch
            {
                MOp.Jcc or MOp.Set => MOpFlags.ReadsFlags,
                MOp.Cmp or MOp.Test or MOp.Add or MOp.Sub or MOp.And or MOp.Or or MOp.Xor or MOp.Neg or MOp.Imul
                    or MOp.ImulWide or MOp.MulWide or MOp.Idiv or MOp.Div or MOp.Ucomisd or MOp.Ucomiss => MOpFlags.KillsFlags,
                MOp.Jmp or MOp.Call or MOp.Ret => MOpFlags.LeavesLine,
                MOp.Label => MOpFlags.JoinPoint,
                _ => MOpFlags.None,
            };
            table[(int)op] = new MOpInfo(op.ToString().ToLowerInvariant(), flags);
        }
        return table;
    }

    public static MOpInfo Info(this MOp op) => Table[(int)op];
    public static bool Is(this MOp op, MOpFlags flag) => (Table[(int)op].Flags & flag) != 0;
}

public enum MOperandKind : byte { None, Register, Memory, Immediate, Label }

/// <summary>An operand of a machine instruction: a register, a memory reference, an immediate or a label.</summary>
public readonly record struct MOperand(MOperandKind Kind, Register Register = default, Memory Memory = default, long Immediate = 0, Label? Label = null)
{
    public static implicit operator MOperand(Register register) => new(MOperandKind.Register, Register: register);
    public static implicit operator MOperand(Memory memory) => new(MOperandKind.Memory, Memory: memory);
    public static implicit operator MOperand(Label label) => new(MOperandKind.Label, Label: label);
    public static MOperand Imm(long value) => new(MOperandKind.Immediate, Immediate: value);

    public bool IsRegister => Kind == MOperandKind.Register;
    public bool IsMemory => Kind == MOperandKind.Memory;
    public bool IsImmediate => Kind == MOperandKind.Immediate;

    public override string ToString() => Kind switch
    {
        MOperandKind.Register => Register.ToString(),
        MOperandKind.Memory => Memory.ToString(),
        MOperandKind.Immediate => Immediate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        MOperandKind.Label => Label!.ToString(),
        _ => "",
    };
}

/// <summary>
/// One machine instruction, after register allocation: plain data that the peephole pass can inspect and rewrite
/// before <see cref="MachineEncoder"/> hands it to the assembler. <c>Label</c> entries bind a label here.
/// </summary>
public readonly record struct MachineInstr(MOp Op, MOperand A = default, MOperand B = default, MOperand C = default, Condition Condition = default)
{
    public override string ToString()
    {
        if (Op == MOp.Label) return A + ":";
        if (Op == MOp.Align) return $"  .align {A.Immediate}";
        var name = Op switch
        {
            MOp.Jcc => "j" + Condition.ToString().ToLowerInvariant(),
            MOp.Set => "set" + Condition.ToString().ToLowerInvariant(),
            _ => Op.Info().Mnemonic,
        };
        var operands = new[] { A, B, C }.Where(o => o.Kind != MOperandKind.None).Select(o => o.ToString());
        return ("  " + name + " " + string.Join(", ", operands)).TrimEnd();
    }
}
