using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Evaluates integer operations whose operands are constants, with the exact semantics of C# <c>int</c> and
/// <c>long</c> (see <see cref="IrInterpreter"/>): wrap-around, masked shift counts, signed and unsigned compares.
/// A division is folded only when it cannot trap, so a program that divides by zero still throws at run time.
/// A branch or switch on a constant becomes a jump, and the edges it can no longer take are removed, which drops
/// the matching phi operands. A phi whose operands are all the same constant folds too.
/// </summary>
/// <remarks>
/// Worklist algorithm: every instruction is visited once, and again only when one of its operands became a constant
/// (or, for a phi, when its block lost an edge). Each instruction folds at most once, so the pass is linear.
/// </remarks>
public static class ConstantFolding
{
    public static int Run(Function function)
    {
        var defs = function.Definitions();
        var users = UseLists.Build(function);
        var work = new Queue<(Instr, Block)>();
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                work.Enqueue((instr, block));

        int folded = 0;
        while (work.TryDequeue(out var item))
        {
            var (instr, block) = item;
            if (instr.IsTerminator)
            {
                var lostEdges = FoldTerminator(instr, block, defs);
                if (lostEdges is null) continue;
                folded++;
                foreach (var target in lostEdges)
                    foreach (var phi in target.Phis)
                        work.Enqueue((phi, target));
            }
            else if (instr.Op != Op.Const && TryEvaluate(instr, defs, out long value))
            {
                if (instr.Op == Op.Phi) MovePastPhis(instr, block);
                instr.BecomeConst(value);
                folded++;
                foreach (var user in users[instr.Result]) work.Enqueue(user);
            }
        }
        return folded;
    }

    /// <summary>
    /// A block's phis must come first, so a phi about to become a constant moves behind the block's other phis.
    /// A constant reads nothing, so it may sit anywhere before the block's other instructions.
    /// </summary>
    static void MovePastPhis(Instr phi, Block block)
    {
        block.Instrs.Remove(phi);
        block.Instrs.Insert(block.Phis.Count(), phi);
    }

    static long? Constant(Instr?[] defs, int value) => defs[value] is { Op: Op.Const } def ? def.Imm : null;

    static bool TryEvaluate(Instr instr, Instr?[] defs, out long value)
    {
        value = 0;
        if (instr.Op == Op.Phi) return TryEvaluatePhi(instr, defs, out value);
        if (!instr.Type.IsInteger() || instr.Args.Length is 0 or > 2 || instr.Op == Op.Call) return false;
        var operands = new long[instr.Args.Length];
        for (int i = 0; i < operands.Length; i++)
        {
            // Comparisons of floats produce an i32 too; only integer operands fold.
            if (Constant(defs, instr.Args[i]) is not long c || !defs[instr.Args[i]]!.Type.IsInteger()) return false;
            operands[i] = c;
        }
        var operandType = defs[instr.Args[0]]!.Type;
        if (instr.Op == Op.Copy) value = operands[0];
        else if (operands.Length == 1) value = IrInterpreter.Unary(instr.Op, instr.Type, operands[0]);
        else if (!instr.Op.Is(OpFlags.CanThrow) || DivisionIsSafe(instr.Op, operandType, operands[0], operands[1]))
            value = IrInterpreter.Binary(instr.Op, operandType, operands[0], operands[1]);
        else return false;
        return true;
    }

    /// <summary>Division traps on a zero divisor, and signed division also on MinValue / -1; those must stay.</summary>
    static bool DivisionIsSafe(Op op, IrType type, long dividend, long divisor)
    {
        if (divisor == 0) return false;
        bool signed = op is Op.Div or Op.Rem;
        long min = type == IrType.I32 ? int.MinValue : long.MinValue;
        return !(signed && divisor == -1 && dividend == min);
    }

    static bool TryEvaluatePhi(Instr phi, Instr?[] defs, out long value)
    {
        value = 0;
        if (phi.Args.Length == 0 || Constant(defs, phi.Args[0]) is not long first) return false;
        foreach (int arg in phi.Args)
            if (Constant(defs, arg) != first) return false;
        value = first;
        return true;
    }

    /// <summary>Turns a branch or switch on a constant into a jump; returns the blocks that lost an edge, or null.</summary>
    static List<Block>? FoldTerminator(Instr instr, Block block, Instr?[] defs)
    {
        if (instr.Op is not (Op.Branch or Op.Switch) || Constant(defs, instr.Args[0]) is not long selector) return null;
        Block taken = instr.Op == Op.Branch
            ? instr.Targets[selector != 0 ? 0 : 1]
            // The selector is unsigned: any value past the case list, negative ones included, takes the default.
            : (ulong)(uint)selector < (ulong)(instr.Targets.Length - 1) ? instr.Targets[(int)selector] : instr.Targets[^1];
        var lost = instr.Targets.Distinct().Where(t => t != taken).ToList();
        foreach (var target in lost) Function.RemoveEdge(block, target);
        instr.Op = Op.Jump;
        instr.Args = [];
        instr.Targets = [taken];
        return lost;
    }
}
