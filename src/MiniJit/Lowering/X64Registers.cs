using MiniJit.Assembler;
using MiniJit.Ir;

namespace MiniJit.Lowering;

/// <summary>How code generation uses the x64 registers: the general-purpose ones and the SSE (xmm) ones, two
/// register classes that the allocator fills separately. Register sets are 32-bit masks: bit n is general-purpose
/// register n, bit 16 + n is xmm n.</summary>
/// <remarks>
/// <para><b>The contract between the register allocator and the emitter</b>, in one place:</para>
/// <list type="number">
/// <item><b>Positions.</b> Instruction i of the layout reads its operands at position 2i and writes its result at
/// 2i+1 (<see cref="RegisterAllocation.LiveIntervals"/>); phis write at their block's first position, parameters at 0.
/// So the allocator may give a result the register of an operand whose life ends at that instruction, and every
/// template reads all its operands before it writes its result's location (or works in a scratch register).</item>
/// <item><b>Scratch registers</b> (<see cref="Scratch"/>, <see cref="CycleScratch"/>, <see cref="XmmScratch"/>,
/// <see cref="XmmScratch2"/>) and <see cref="Frame"/> are never allocated; a template may use the scratch registers
/// freely within one instruction and leaves nothing in them for the next.</item>
/// <item><b>Fixed registers.</b> An instruction destroys exactly its result's location and <see cref="Clobbers"/>
/// (a call: the caller-saved set; division and the widening multiplies: rdx:rax; a shift by a variable: rcx). The
/// allocator keeps no value that is live across the instruction in those registers, and the emitter writes no other
/// register, so the clobber list is the whole truth for both sides.</item>
/// <item><b>Calls and returns.</b> Arguments and results travel in the calling convention's registers
/// (<see cref="CallingConvention"/>); the emitter moves them in and out as one parallel move, breaking cycles through
/// <see cref="CycleScratch"/>. Callee-saved registers the allocation uses are pushed by the prologue and popped by
/// every epilogue; when the function is shrink-wrapped (<see cref="ShrinkWrapping"/>), the prologue starts the calling
/// side, and the code before it — the entry and the base case — holds values in caller-saved registers only.</item>
/// <item><b>Error stubs</b> run out of line and never come back: they may set the error exit's arguments.</item>
/// </list>
/// <para>Checked on both sides: the allocation checker proves every operand is where the allocation says, with the
/// clobbers above (<see cref="RegisterAllocation.AllocationChecker"/>), and <c>EmitterContractTests</c> decodes the
/// code of every kind of instruction with Iced and fails on any register written outside the contract.</para>
/// </remarks>
public static class X64Registers
{
    /// <summary>Never allocated: code generation needs registers of its own for operands that live in memory
    /// (r11), for breaking cycles of parallel moves (r10) and for the JitFrame's hidden argument when a call is
    /// made. Both are caller-saved in System V and carry no arguments.</summary>
    public static readonly Register Scratch = Register.R11, CycleScratch = Register.R10;

    /// <summary>The same two roles for floating-point values: an operand loaded from memory, a second operand out of
    /// the way of the result. Never allocated.</summary>
    public static readonly Register XmmScratch = Register.Xmm15, XmmScratch2 = Register.Xmm14;

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

    /// <summary>Floating-point values, in the same order of preference (all are caller-saved in System V).</summary>
    public static readonly Register[] AllocatableXmm =
    [
        Register.Xmm0, Register.Xmm1, Register.Xmm2, Register.Xmm3, Register.Xmm4, Register.Xmm5, Register.Xmm6,
        Register.Xmm7, Register.Xmm8, Register.Xmm9, Register.Xmm10, Register.Xmm11, Register.Xmm12, Register.Xmm13,
    ];

    /// <summary>The registers a value of <paramref name="type"/> may be given.</summary>
    public static Register[] AllocatableFor(IrType type) => type.IsFloat() ? AllocatableXmm : Allocatable;

    /// <summary>The register's bit in a register set, and its index in per-register tables (0–31).</summary>
    public static int Index(Register register) => register.IsXmm ? 16 + register.Number : register.Number;
    public static uint Mask(Register register) => 1u << Index(register);

    /// <summary>Every register a callee may change: the caller-saved general-purpose registers and every xmm register
    /// (System V saves none of them).</summary>
    public static uint CallerSaved(CallingConvention convention)
    {
        uint mask = 0xFFFF_0000;
        for (int n = 0; n < 16; n++)
            if (n != Register.Rsp.Number && !convention.IsCalleeSaved(Register.Gpr(n))) mask |= 1u << n;
        return mask;
    }

    /// <summary>The registers an instruction destroys besides its result: a call clobbers the caller-saved set;
    /// division and the widening multiplies (mulhi, mul.ovf.un) use rdx:rax; a shift by a variable amount needs the
    /// count in cl.</summary>
    public static uint Clobbers(Instr instr, bool[] immediate, CallingConvention convention) => instr.Op switch
    {
        Op.Call or Op.CallNative => CallerSaved(convention),
        Op.Div or Op.DivU or Op.Rem or Op.RemU or Op.MulHigh or Op.MulOvfUn => Mask(Register.Rax) | Mask(Register.Rdx),
        Op.Shl or Op.Shr or Op.ShrU when !immediate[instr.Args[1]] => Mask(Register.Rcx),
        _ => 0,
    };
}
