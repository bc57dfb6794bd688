using MiniJit.Assembler;
using MiniJit.CodeGeneration;

namespace MiniJit.Tests.Backend;

public class PeepholeTests
{
    static string Run(List<MachineInstr> code, int expectedChanges)
    {
        Assert.Equal(expectedChanges, Peephole.Run(code));
        return string.Join("\n", code.Select(i => i.ToString().Trim()));
    }

    static MachineInstr I(MOp op, MOperand a = default, MOperand b = default) => new(op, a, b);

    [Fact]
    public void Removes_a_64_bit_self_move_but_keeps_a_32_bit_one_that_clears_the_upper_half()
    {
        var code = new List<MachineInstr> { I(MOp.Mov, Register.Rax, Register.Rax), I(MOp.Mov, Register.Eax, Register.Eax), I(MOp.Ret) };
        Assert.Equal("mov eax, eax\nret", Run(code, 1));
    }

    [Fact]
    public void Removes_a_move_that_copies_back()
    {
        var code = new List<MachineInstr> { I(MOp.Mov, Register.Rbx, Register.Rax), I(MOp.Mov, Register.Rax, Register.Rbx), I(MOp.Ret) };
        Assert.Equal("mov rbx, rax\nret", Run(code, 1));
    }

    /// <summary>Found by a random program: a truncation (<c>mov r9d, eax</c>) followed by a zero-extension back into
    /// rax (<c>mov eax, r9d</c>) looked like a copy back, but the second move clears rax's upper half.</summary>
    [Fact]
    public void Keeps_a_32_bit_move_back_because_it_clears_the_upper_half()
    {
        var code = new List<MachineInstr> { I(MOp.Mov, Register.R9.As32, Register.Eax), I(MOp.Mov, Register.Eax, Register.R9.As32), I(MOp.Ret) };
        Assert.Equal("mov r9d, eax\nmov eax, r9d\nret", Run(code, 0));
    }

    [Fact]
    public void Drops_a_jump_to_the_next_label_and_inverts_a_branch_over_a_jump()
    {
        var asm = new X64Assembler();
        Label l1 = asm.CreateLabel("L1"), l2 = asm.CreateLabel("L2"), l3 = asm.CreateLabel("L3");
        var code = new List<MachineInstr>
        {
            new(MOp.Jcc, l1, Condition: Condition.L), I(MOp.Jmp, l2), I(MOp.Label, l1),
            I(MOp.Jmp, l3), I(MOp.Label, l2), I(MOp.Label, l3), I(MOp.Ret),
        };
        Assert.Equal("jge L2 (L1)\nL1 (L0):\nL2 (L1):\nL3 (L2):\nret", Run(code, 2));
    }

    [Fact]
    public void Compares_with_zero_become_test_and_zeroing_becomes_xor_only_where_the_flags_are_dead()
    {
        var code = new List<MachineInstr>
        {
            I(MOp.Cmp, Register.Rcx, MOperand.Imm(0)),
            I(MOp.Mov, Register.Rax, MOperand.Imm(0)),   // between cmp and setcc: the flags are live, keep mov
            new(MOp.Set, Register.Al, Condition: Condition.E),
            I(MOp.Mov, Register.Rdx, MOperand.Imm(0)),   // flags dead after: xor
            I(MOp.Ret),
        };
        Assert.Equal("test rcx, rcx\nmov rax, 0\nsete al\nxor edx, edx\nret", Run(code, 2));
    }
}

/// <summary>The machine instruction table: a row for every instruction, and the flag facts the peephole relies on.</summary>
public class MachineOpTableTests
{
    [Fact]
    public void EveryMachineInstructionHasARow()
    {
        foreach (var op in Enum.GetValues<MiniJit.CodeGeneration.MOp>())
            Assert.False(string.IsNullOrEmpty(MiniJit.CodeGeneration.MOpTable.Info(op).Mnemonic), $"{op} has no row");
        Assert.True(MiniJit.CodeGeneration.MOpTable.Is(MiniJit.CodeGeneration.MOp.Jcc, MiniJit.CodeGeneration.MOpFlags.ReadsFlags));
        Assert.True(MiniJit.CodeGeneration.MOpTable.Is(MiniJit.CodeGeneration.MOp.Ucomisd, MiniJit.CodeGeneration.MOpFlags.KillsFlags));
        // A shift by zero leaves the flags as they were: it must never count as writing them.
        Assert.False(MiniJit.CodeGeneration.MOpTable.Is(MiniJit.CodeGeneration.MOp.Shl, MiniJit.CodeGeneration.MOpFlags.KillsFlags));
    }
}
