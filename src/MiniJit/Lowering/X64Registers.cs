using MiniJit.Assembler;
using MiniJit.Ir;

namespace MiniJit.Lowering;

/// <summary>How code generation uses the x64 general-purpose registers.</summary>
public static class X64Registers
{
    /// <summary>Never allocated: code generation needs registers of its own for operands that live in memory
    /// (r11), for breaking cycles of parallel moves (r10) and for the JitFrame's hidden argument when a call is
    /// made. Both are caller-saved in System V and carry no arguments.</summary>
    public static readonly Register Scratch = Register.R11, CycleScratch = Register.R10;

    /// <summary>Holds the JitFrame pointer in all compiled code, like a thread register: the entry stub loads it, and
    /// no compiled function ever changes it, so every callee already has it — no argument to pass, no register to
    /// save around calls. Stack guards and error stubs read it. It is callee-saved, so the entry stub's caller gets
    /// its own value back.</summary>
    public static readonly Register Frame = Register.R15;

    /// <summary>The allocator's order of preference: caller-saved first (free to use in a leaf), then callee-saved
    /// (which cost a push and a pop, but survive calls).</summary>
    public static readonly Register[] Allocatable =
    [
        Register.Rax, Register.Rcx, Register.Rdx, Register.Rsi, Register.Rdi, Register.R8, Register.R9,
        Register.Rbx, Register.R12, Register.R13, Register.R14, Register.Rbp,
    ];

    public static uint Mask(Register register) => 1u << register.Number;

    /// <summary>Every general-purpose register a callee may change.</summary>
    public static uint CallerSaved(CallingConvention convention)
    {
        uint mask = 0;
        for (int n = 0; n < 16; n++)
            if (n != Register.Rsp.Number && !convention.IsCalleeSaved(Register.Gpr(n))) mask |= 1u << n;
        return mask;
    }

    /// <summary>The registers an instruction destroys besides its result: a call clobbers the caller-saved set;
    /// division and the widening multiplies (mulhi, mul.ovf.un) use rdx:rax; a shift by a variable amount needs the
    /// count in cl.</summary>
    public static uint Clobbers(Instr instr, bool[] immediate, CallingConvention convention) => instr.Op switch
    {
        Op.Call => CallerSaved(convention),
        Op.Div or Op.DivU or Op.Rem or Op.RemU or Op.MulHigh or Op.MulOvfUn => Mask(Register.Rax) | Mask(Register.Rdx),
        Op.Shl or Op.Shr or Op.ShrU when !immediate[instr.Args[1]] => Mask(Register.Rcx),
        _ => 0,
    };
}
