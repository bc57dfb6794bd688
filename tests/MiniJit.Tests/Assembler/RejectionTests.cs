using MiniJit.Assembler;
using Register = MiniJit.Assembler.Register;

namespace MiniJit.Tests.Assembler;

/// <summary>Requests that have no correct encoding must throw ArgumentException (never encode wrongly).
/// The exhaustive encoding tests also reject every ah..bh/REX combination and every non-cl shift count;
/// these cases name each rule once.</summary>
public sealed class RejectionTests
{
    static readonly Register R8b = Register.R8.As8, Sil = Register.Rsi.As8, Spl = Register.Rsp.As8, Ax = Register.Rax.As16;

    static void Rejects(Action<X64Assembler> emit, string? messagePart = null)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => emit(new X64Assembler()));
        if (messagePart is not null) Assert.Contains(messagePart, e.Message);
    }

    [Fact]
    public void InvalidMemoryOperands()
    {
        Assert.Contains("index", Assert.Throws<ArgumentException>(() => Memory.Qword(Register.Rax, Register.Rsp, 1, 0)).Message);
        Assert.Throws<ArgumentException>(() => Memory.Qword(null, Register.Rsp, 2, 0));
        Assert.Throws<ArgumentException>(() => Memory.Qword(Register.Rax, Register.Rcx, 3, 0));
        Assert.Throws<ArgumentException>(() => Memory.Qword(Register.Rax, Register.Rcx, 0, 0));
        Assert.Throws<ArgumentException>(() => new Memory(8, null, null, 4, 0));                 // scale without index
        Assert.Contains("mix", Assert.Throws<ArgumentException>(() => Memory.Dword(Register.Rax, Register.Ecx, 1, 0)).Message);
        Assert.Throws<ArgumentException>(() => Memory.Dword(Register.Eax, Register.Rcx, 1, 0));
        Assert.Throws<ArgumentException>(() => Memory.Qword(Register.Xmm0));
        Assert.Throws<ArgumentException>(() => Memory.Qword(Ax));
        Assert.Throws<ArgumentException>(() => Memory.Qword(Register.Rax, Register.Xmm1, 1, 0));
        Assert.Throws<ArgumentException>(() => new Memory(3, Register.Rax));
        Rejects(a => a.Mov(Register.Eax, default(Memory)));
        // r12 as index is fine (REX.X distinguishes it from "no index")
        Assert.Equal(Register.R12, Memory.Qword(Register.Rax, Register.R12, 8, 0).Index);
    }

    [Fact]
    public void MismatchedSizes()
    {
        Rejects(a => a.Mov(Register.Eax, Register.Rbx), "sizes differ");
        Rejects(a => a.Add(Register.Al, Register.Ebx));
        Rejects(a => a.Mov(Register.Eax, Memory.Qword(Register.Rax)));
        Rejects(a => a.Cmp(Memory.Byte(Register.Rax), Register.Rcx));
        Rejects(a => a.Imul(Register.Eax, Register.Rcx));
        Rejects(a => a.Cmov(Condition.E, Register.Eax, Register.Rcx));
        Rejects(a => a.Movzx(Register.Eax, Register.Ecx));
        Rejects(a => a.Movsxd(Register.Eax, Register.Ecx));
        Rejects(a => a.Mov(Register.Eax, Register.Xmm0));
        Rejects(a => a.Movd(Register.Xmm0, Register.Rax));
        Rejects(a => a.Movq(Register.Xmm0, Register.Eax));
        Rejects(a => a.Cvtsi2sd(Register.Xmm0, Ax));
        Rejects(a => a.Cvttsd2si(Register.Xmm0, Register.Xmm1));
        Rejects(a => a.Addsd(Register.Rax, Register.Xmm1));
        Rejects(a => a.Push(Register.Eax));
        Rejects(a => a.Jmp(Register.Eax));
        Rejects(a => a.Call(Memory.Dword(Register.Rax)));
        Rejects(a => a.Set(Condition.E, Register.Eax));
        Rejects(a => a.Lea(Register.Al, Memory.Qword(Register.Rax)));
    }

    [Fact]
    public void HighByteRegistersWithRex()
    {
        foreach (var high in (Register[])[Register.Ah, Register.Ch, Register.Dh, Register.Bh])
        {
            foreach (var other in (Register[])[Spl, Register.Rbp.As8, Sil, Register.Rdi.As8, R8b, Register.R15.As8])
            {
                Rejects(a => a.Mov(high, other), "REX");
                Rejects(a => a.Add(other, high), "REX");
                Rejects(a => a.Test(high, other), "REX");
            }
            Rejects(a => a.Movzx(Register.Rax, high), "REX");        // 64-bit operand needs REX.W
            Rejects(a => a.Movsx(Register.R8.As32, high), "REX");
            Rejects(a => a.Mov(high, Memory.Byte(Register.R8)), "REX");
            Rejects(a => a.Mov(Memory.Byte(Register.Rax, Register.R9, 2, 0), high), "REX");
            // ...while the legacy combinations are fine
            var ok = new X64Assembler();
            ok.Mov(high, Register.Al);
            ok.Movzx(Register.Eax, high);
            ok.Mov(high, Memory.Byte(Register.Rbx, 4));
            Assert.NotEmpty(ok.Assemble());
        }
    }

    [Fact]
    public void ShiftCountMustBeCl()
    {
        foreach (var count in (Register[])[Register.Ecx, Register.Rcx, Register.Rcx.As16, Register.Al, Register.Ch, Register.Dl, R8b, Register.R9.As8])
        {
            Rejects(a => a.Shl(Register.Eax, count), "cl");
            Rejects(a => a.Sar(Memory.Qword(Register.Rax), count), "cl");
        }
        Rejects(a => a.Shr(Register.Eax, 256));
    }

    [Fact]
    public void ImmediateOutOfRange()
    {
        Rejects(a => a.Add(Register.Al, 256), "out of range");
        Rejects(a => a.Add(Register.Al, -129));
        Rejects(a => a.Mov(Ax, 0x10000));
        Rejects(a => a.Sub(Register.Eax, 1L << 32));
        Rejects(a => a.Cmp(Register.Rax, 1L << 31));
        Rejects(a => a.And(Register.Rax, long.MinValue));
        Rejects(a => a.Mov(Memory.Qword(Register.Rax), 1L << 31));
        Rejects(a => a.Mov(Memory.Byte(Register.Rax), 300));
        Rejects(a => a.Test(Ax, 0x10000));
        Rejects(a => a.Imul(Register.Eax, Register.Ecx, 1L << 32));
        Rejects(a => a.Imul(Register.Rax, Memory.Qword(Register.Rcx), 1L << 40));
    }
}
