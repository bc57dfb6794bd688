using MiniJit.Assembler;

namespace MiniJit.CodeGeneration;

/// <summary>Hands machine instructions to our assembler, choosing the overload by the operands' kinds.</summary>
public static class MachineEncoder
{
    public static void Encode(IEnumerable<MachineInstr> code, X64Assembler asm)
    {
        foreach (var instr in code) Encode(instr, asm);
    }

    static void Encode(MachineInstr i, X64Assembler asm)
    {
        var (a, b) = (i.A, i.B);
        switch (i.Op)
        {
            case MOp.Label: asm.Bind(a.Label!); break;
            case MOp.Mov: TwoOperand(asm.Mov, asm.Mov, asm.Mov, asm.Mov, asm.Mov, a, b); break;
            case MOp.Add: TwoOperand(asm.Add, asm.Add, asm.Add, asm.Add, asm.Add, a, b); break;
            case MOp.Sub: TwoOperand(asm.Sub, asm.Sub, asm.Sub, asm.Sub, asm.Sub, a, b); break;
            case MOp.And: TwoOperand(asm.And, asm.And, asm.And, asm.And, asm.And, a, b); break;
            case MOp.Or: TwoOperand(asm.Or, asm.Or, asm.Or, asm.Or, asm.Or, a, b); break;
            case MOp.Xor: TwoOperand(asm.Xor, asm.Xor, asm.Xor, asm.Xor, asm.Xor, a, b); break;
            case MOp.Cmp: TwoOperand(asm.Cmp, asm.Cmp, asm.Cmp, asm.Cmp, asm.Cmp, a, b); break;
            case MOp.Test:
                if (b.IsImmediate) { if (a.IsRegister) asm.Test(a.Register, b.Immediate); else asm.Test(a.Memory, b.Immediate); }
                else if (a.IsRegister) asm.Test(a.Register, b.Register);
                else asm.Test(a.Memory, b.Register);
                break;
            case MOp.Movzx: if (b.IsRegister) asm.Movzx(a.Register, b.Register); else asm.Movzx(a.Register, b.Memory); break;
            case MOp.Movsx: if (b.IsRegister) asm.Movsx(a.Register, b.Register); else asm.Movsx(a.Register, b.Memory); break;
            case MOp.Movsxd: if (b.IsRegister) asm.Movsxd(a.Register, b.Register); else asm.Movsxd(a.Register, b.Memory); break;
            case MOp.Lea: asm.Lea(a.Register, b.Memory); break;
            case MOp.Imul:
                if (i.C.IsImmediate)
                {
                    if (b.IsRegister) asm.Imul(a.Register, b.Register, i.C.Immediate); else asm.Imul(a.Register, b.Memory, i.C.Immediate);
                }
                else if (b.IsRegister) asm.Imul(a.Register, b.Register);
                else asm.Imul(a.Register, b.Memory);
                break;
            case MOp.Neg: if (a.IsRegister) asm.Neg(a.Register); else asm.Neg(a.Memory); break;
            case MOp.Not: if (a.IsRegister) asm.Not(a.Register); else asm.Not(a.Memory); break;
            case MOp.Shl: Shift(asm.Shl, asm.Shl, a, b); break;
            case MOp.Shr: Shift(asm.Shr, asm.Shr, a, b); break;
            case MOp.Sar: Shift(asm.Sar, asm.Sar, a, b); break;
            case MOp.Cdq: asm.Cdq(); break;
            case MOp.Cqo: asm.Cqo(); break;
            case MOp.Idiv: if (a.IsRegister) asm.Idiv(a.Register); else asm.Idiv(a.Memory); break;
            case MOp.ImulWide: if (a.IsRegister) asm.Imul(a.Register); else asm.Imul(a.Memory); break;
            case MOp.Div: if (a.IsRegister) asm.Div(a.Register); else asm.Div(a.Memory); break;
            case MOp.MulWide: if (a.IsRegister) asm.Mul(a.Register); else asm.Mul(a.Memory); break;
            case MOp.Set: asm.Set(i.Condition, a.Register); break;
            case MOp.Jmp: asm.Jmp(a.Label!); break;
            case MOp.Jcc: asm.Jcc(i.Condition, a.Label!); break;
            case MOp.Call: asm.Call(a.Label!); break;
            case MOp.Ret: asm.Ret(); break;
            case MOp.Push: asm.Push(a.Register); break;
            case MOp.Pop: asm.Pop(a.Register); break;
            case MOp.Align: asm.Align((int)a.Immediate); break;
            default: throw new InvalidOperationException($"cannot encode {i}");
        }
    }

    /// <summary>The five forms of a two-operand integer instruction: r,r · r,m · m,r · r,imm · m,imm.</summary>
    static void TwoOperand(
        Action<Register, Register> rr, Action<Register, Memory> rm, Action<Memory, Register> mr,
        Action<Register, long> ri, Action<Memory, long> mi, MOperand a, MOperand b)
    {
        switch (a.Kind, b.Kind)
        {
            case (MOperandKind.Register, MOperandKind.Register): rr(a.Register, b.Register); break;
            case (MOperandKind.Register, MOperandKind.Memory): rm(a.Register, b.Memory); break;
            case (MOperandKind.Memory, MOperandKind.Register): mr(a.Memory, b.Register); break;
            case (MOperandKind.Register, MOperandKind.Immediate): ri(a.Register, b.Immediate); break;
            case (MOperandKind.Memory, MOperandKind.Immediate): mi(a.Memory, b.Immediate); break;
            default: throw new InvalidOperationException($"no form for operands {a.Kind}, {b.Kind}");
        }
    }

    /// <summary>Shift by an immediate or by cl.</summary>
    static void Shift(Action<Register, int> byImmediate, Action<Register, Register> byCl, MOperand a, MOperand b)
    {
        if (b.IsImmediate) byImmediate(a.Register, (int)b.Immediate);
        else byCl(a.Register, b.Register);
    }
}
