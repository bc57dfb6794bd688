using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Removes instructions whose result nobody reads and whose only effect is that result: pure operations, phis,
/// parameter reads, and divisions whose constant divisor proves they cannot trap.
/// </summary>
/// <remarks>
/// A use count per value drives a worklist: removing an instruction lowers the counts of its operands, and an
/// operand whose count reaches zero is examined next. Every instruction is removed at most once: linear time.
/// </remarks>
public static class DeadCodeElimination
{
    public static int Run(Function function)
    {
        var uses = function.UseCounts();
        var defs = function.Definitions();
        Stack<Instr>? work = null;
        foreach (var def in defs)
            if (def is not null && uses[def.Result] == 0 && IsRemovable(def, defs)) (work ??= new()).Push(def);
        if (work is null) return 0;  // the usual case once the function is clean: allocate nothing more

        var dead = new HashSet<Instr>();
        while (work.TryPop(out var instr))
        {
            if (!dead.Add(instr)) continue;
            foreach (int arg in instr.Args)
                if (--uses[arg] == 0 && defs[arg] is { } def && IsRemovable(def, defs))
                    work.Push(def);
        }
        UseLists.RemoveAll(function, dead);
        return dead.Count;
    }

    static bool IsRemovable(Instr instr, Instr?[] defs) =>
        instr.HasResult && (instr.Op.Is(OpFlags.Pure) || instr.Op is Op.Phi or Op.Param || CannotTrap(instr, defs));

    /// <summary>A division by a constant other than 0 (and, when signed, other than -1) never traps.</summary>
    static bool CannotTrap(Instr instr, Instr?[] defs)
    {
        if (instr.Op is not (Op.Div or Op.Rem or Op.DivU or Op.RemU) || defs[instr.Args[1]] is not { Op: Op.Const } divisor)
            return false;
        bool signed = instr.Op is Op.Div or Op.Rem;
        return divisor.Type.IsInteger() && divisor.Imm != 0 && !(signed && divisor.Imm == -1);
    }
}
