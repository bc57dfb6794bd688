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
            case MOp.Call: if (a.IsRegister) asm.Call(a.Register); else asm.Call(a.Label!); break;
            case MOp.Movsd when a.IsMemory: asm.Movsd(a.Memory, b.Register); break;
            case MOp.Movss when a.IsMemory: asm.Movss(a.Memory, b.Register); break;
            case MOp.Movd: asm.Movd(a.Register, b.Register); break;
            case MOp.Vfmadd213sd: if (i.C.IsRegister) asm.Vfmadd213sd(a.Register, b.Register, i.C.Register); else asm.Vfmadd213sd(a.Register, b.Register, i.C.Memory); break;
            case MOp.Vfmadd213ss: if (i.C.IsRegister) asm.Vfmadd213ss(a.Register, b.Register, i.C.Register); else asm.Vfmadd213ss(a.Register, b.Register, i.C.Memory); break;
            case MOp.Movq: asm.Movq(a.Register, b.Register); break;
            case MOp.Roundsd: if (b.IsRegister) asm.Roundsd(a.Register, b.Register, (byte)i.C.Immediate); else asm.Roundsd(a.Register, b.Memory, (byte)i.C.Immediate); break;
            case MOp.Roundss: if (b.IsRegister) asm.Roundss(a.Register, b.Register, (byte)i.C.Immediate); else asm.Roundss(a.Register, b.Memory, (byte)i.C.Immediate); break;
            case var op when Sse.TryGetValue(op, out var forms):
                if (b.IsRegister) forms.RegisterRegister(asm, a.Register, b.Register); else forms.RegisterMemory(asm, a.Register, b.Memory);
                break;
            case MOp.Ret: asm.Ret(); break;
            case MOp.Push: asm.Push(a.Register); break;
            case MOp.Pop: asm.Pop(a.Register); break;
            case MOp.Align: asm.Align((int)a.Immediate); break;
            default: throw new InvalidOperationException($"cannot encode {i}");
        }
    }

    /// <summary>An SSE instruction's two forms: <c>op reg, reg</c> and <c>op reg, mem</c>.</summary>
    sealed record SseForms(Action<X64Assembler, Register, Register> RegisterRegister, Action<X64Assembler, Register, Memory> RegisterMemory);

    /// <summary>The SSE instructions whose first operand is a register and second a register or memory: one row each.</summary>
    static readonly Dictionary<MOp, SseForms> Sse = new()
    {
        [MOp.Movaps] = new((a, d, s) => a.Movaps(d, s), (_, d, m) => throw new InvalidOperationException($"movaps {d}, {m}: registers only")),
        [MOp.Movsd] = new((a, d, s) => a.Movsd(d, s), (a, d, m) => a.Movsd(d, m)),
        [MOp.Movss] = new((a, d, s) => a.Movss(d, s), (a, d, m) => a.Movss(d, m)),
        [MOp.Addsd] = new((a, d, s) => a.Addsd(d, s), (a, d, m) => a.Addsd(d, m)),
        [MOp.Addss] = new((a, d, s) => a.Addss(d, s), (a, d, m) => a.Addss(d, m)),
        [MOp.Subsd] = new((a, d, s) => a.Subsd(d, s), (a, d, m) => a.Subsd(d, m)),
        [MOp.Subss] = new((a, d, s) => a.Subss(d, s), (a, d, m) => a.Subss(d, m)),
        [MOp.Mulsd] = new((a, d, s) => a.Mulsd(d, s), (a, d, m) => a.Mulsd(d, m)),
        [MOp.Mulss] = new((a, d, s) => a.Mulss(d, s), (a, d, m) => a.Mulss(d, m)),
        [MOp.Divsd] = new((a, d, s) => a.Divsd(d, s), (a, d, m) => a.Divsd(d, m)),
        [MOp.Divss] = new((a, d, s) => a.Divss(d, s), (a, d, m) => a.Divss(d, m)),
        [MOp.Sqrtsd] = new((a, d, s) => a.Sqrtsd(d, s), (a, d, m) => a.Sqrtsd(d, m)),
        [MOp.Sqrtss] = new((a, d, s) => a.Sqrtss(d, s), (a, d, m) => a.Sqrtss(d, m)),
        [MOp.Ucomisd] = new((a, d, s) => a.Ucomisd(d, s), (a, d, m) => a.Ucomisd(d, m)),
        [MOp.Ucomiss] = new((a, d, s) => a.Ucomiss(d, s), (a, d, m) => a.Ucomiss(d, m)),
        [MOp.Xorps] = new((a, d, s) => a.Xorps(d, s), (a, d, m) => a.Xorps(d, m)),
        [MOp.Andps] = new((a, d, s) => a.Andps(d, s), (a, d, m) => a.Andps(d, m)),
        [MOp.Orps] = new((a, d, s) => a.Orps(d, s), (a, d, m) => a.Orps(d, m)),
        [MOp.Minsd] = new((a, d, s) => a.Minsd(d, s), (a, d, m) => a.Minsd(d, m)),
        [MOp.Minss] = new((a, d, s) => a.Minss(d, s), (a, d, m) => a.Minss(d, m)),
        [MOp.Maxsd] = new((a, d, s) => a.Maxsd(d, s), (a, d, m) => a.Maxsd(d, m)),
        [MOp.Maxss] = new((a, d, s) => a.Maxss(d, s), (a, d, m) => a.Maxss(d, m)),
        [MOp.Cvtsi2sd] = new((a, d, s) => a.Cvtsi2sd(d, s), (a, d, m) => a.Cvtsi2sd(d, m)),
        [MOp.Cvtsi2ss] = new((a, d, s) => a.Cvtsi2ss(d, s), (a, d, m) => a.Cvtsi2ss(d, m)),
        [MOp.Cvttsd2si] = new((a, d, s) => a.Cvttsd2si(d, s), (a, d, m) => a.Cvttsd2si(d, m)),
        [MOp.Cvtss2sd] = new((a, d, s) => a.Cvtss2sd(d, s), (a, d, m) => a.Cvtss2sd(d, m)),
        [MOp.Cvtsd2ss] = new((a, d, s) => a.Cvtsd2ss(d, s), (a, d, m) => a.Cvtsd2ss(d, m)),
    };

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
