using MiniJit.Assembler;

namespace MiniJit.CodeGeneration;

/// <summary>
/// Local rewrites of the machine code, run to a fixed point like the seed's peephole optimizer. Each rule looks at
/// one or two neighbouring instructions and never changes what the code computes.
/// </summary>
public static class Peephole
{
    /// <summary>Rewrites <paramref name="code"/> in place; returns how many instructions were removed or rewritten.</summary>
    public static int Run(List<MachineInstr> code)
    {
        int total = 0;
        for (int changed = 1; changed > 0; total += changed)
        {
            changed = 0;
            for (int i = 0; i < code.Count; i++)
            {
                if (code[i].Op == MOp.Deleted) continue;
                changed += RemoveSelfMove(code, i) + RemoveMoveBack(code, i) + RemoveJumpToNext(code, i)
                    + InvertBranchOverJump(code, i) + CompareZeroAsTest(code, i) + ZeroWithXor(code, i);
            }
            // Rules only mark what they remove; one compaction per sweep keeps the pass linear (RemoveAt is not).
            code.RemoveAll(instr => instr.Op == MOp.Deleted);
        }
        return total;
    }

    static int Delete(List<MachineInstr> code, int i)
    {
        code[i] = new MachineInstr(MOp.Deleted);
        return 1;
    }

    /// <summary><c>mov rax, rax</c> does nothing. (<c>mov eax, eax</c> clears the upper half, so it stays.)</summary>
    static int RemoveSelfMove(List<MachineInstr> code, int i)
    {
        var m = code[i];
        if (m.Op != MOp.Mov || !m.A.IsRegister || !m.B.IsRegister || m.A.Register != m.B.Register || m.A.Register.Size != 8) return 0;
        return Delete(code, i);
    }

    /// <summary><c>mov a, b; mov b, a</c>: the second move copies back what is already there — at 64 bits only: a
    /// 32-bit move clears the upper half of its destination (that is how zero-extension is done), so
    /// <c>mov r9d, eax; mov eax, r9d</c> changes rax.</summary>
    static int RemoveMoveBack(List<MachineInstr> code, int i)
    {
        if (i + 1 >= code.Count) return 0;
        var (first, second) = (code[i], code[i + 1]);
        if (first.Op != MOp.Mov || second.Op != MOp.Mov || first.A != second.B || first.B != second.A) return 0;
        if (first.B.IsImmediate || SizeOf(first.A) != 8 || SizeOf(first.B) != 8) return 0;
        return Delete(code, i + 1);
    }

    static int SizeOf(MOperand operand) => operand.IsRegister ? operand.Register.Size : operand.Memory.Size;

    /// <summary><c>jmp L</c> straight before <c>L:</c> (possibly among other labels, or after a loop's alignment padding,
    /// whose nops are cheaper than the jump) falls through anyway.</summary>
    static int RemoveJumpToNext(List<MachineInstr> code, int i)
    {
        if (code[i].Op != MOp.Jmp) return 0;
        for (int j = i + 1; j < code.Count && code[j].Op is MOp.Label or MOp.Align; j++)
        {
            if (code[j].A.Label != code[i].A.Label) continue;
            return Delete(code, i);
        }
        return 0;
    }

    /// <summary><c>jcc L1; jmp L2; L1:</c> becomes <c>jncc L2; L1:</c>.</summary>
    static int InvertBranchOverJump(List<MachineInstr> code, int i)
    {
        if (i + 2 >= code.Count || code[i].Op != MOp.Jcc || code[i + 1].Op != MOp.Jmp) return 0;
        if (code[i + 2].Op != MOp.Label || code[i + 2].A.Label != code[i].A.Label) return 0;
        code[i] = code[i] with { A = code[i + 1].A, Condition = code[i].Condition.Negate() };
        return Delete(code, i + 1);
    }

    /// <summary><c>cmp r, 0</c> and <c>test r, r</c> set the same flags; test is one byte shorter.</summary>
    static int CompareZeroAsTest(List<MachineInstr> code, int i)
    {
        var m = code[i];
        if (m.Op != MOp.Cmp || !m.A.IsRegister || !m.B.IsImmediate || m.B.Immediate != 0) return 0;
        code[i] = new MachineInstr(MOp.Test, m.A, m.A);
        return 1;
    }

    /// <summary><c>mov r, 0</c> becomes <c>xor r32, r32</c> (shorter, and recognised by the CPU as dependency-free)
    /// when nothing reads the flags that xor destroys.</summary>
    static int ZeroWithXor(List<MachineInstr> code, int i)
    {
        var m = code[i];
        if (m.Op != MOp.Mov || !m.A.IsRegister || !m.B.IsImmediate || m.B.Immediate != 0 || !FlagsDeadAfter(code, i)) return 0;
        var register = m.A.Register.As32;
        code[i] = new MachineInstr(MOp.Xor, register, register);
        return 1;
    }

    /// <summary>Do the flags die after instruction <paramref name="i"/>: written again, or abandoned by a jump,
    /// call or return, before anything reads them? A label might be reached with live flags, so it counts as a read.</summary>
    static bool FlagsDeadAfter(List<MachineInstr> code, int i)
    {
        for (int j = i + 1; j < code.Count; j++)
        {
            var op = code[j].Op;
            if (op.Is(MOpFlags.ReadsFlags | MOpFlags.JoinPoint)) return false;
            if (op.Is(MOpFlags.KillsFlags | MOpFlags.LeavesLine)) return true;
        }
        return true;
    }
}
