using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Evaluates operations whose operands are constants, with the exact semantics of C# <c>int</c> and <c>long</c>
/// (see <see cref="IrInterpreter"/>): wrap-around, masked shift counts, signed and unsigned compares; and of IEEE
/// <c>float</c> and <c>double</c>, whose every operation has one exact result.
/// A division is folded only when it cannot trap, and a checked operation only when it does not overflow, so a
/// program that divides by zero or overflows still throws at run time.
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
        // Most rounds find nothing to fold; a scan that allocates nothing says so before any worklist is built.
        if (!AnythingFolds(function, defs)) return 0;
        var users = UseLists.Build(function);
        int instrCount = 0;
        foreach (var block in function.Blocks) instrCount += block.Instrs.Count;
        var work = new Queue<(Instr, Block)>(instrCount);
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
                    for (int i = 0, phis = UseLists.PhiCount(target); i < phis; i++)
                        work.Enqueue((target.Instrs[i], target));
            }
            else if (instr.Op != Op.Const && TryEvaluate(instr, defs, out long value))
            {
                if (instr.Op == Op.Phi) MovePastPhis(instr, block);
                instr.BecomeConst(value);
                folded++;
                if (users[instr.Result] is { } readers)
                    foreach (var user in readers) work.Enqueue(user);
            }
        }
        return folded;
    }

    static bool AnythingFolds(Function function, Instr?[] defs)
    {
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
            {
                if (instr.IsTerminator)
                {
                    if (instr.Op is Op.Branch or Op.Switch && Constant(defs, instr.Args[0]) is not null) return true;
                }
                else if (instr.Op != Op.Const && TryEvaluate(instr, defs, out _)) return true;
            }
        return false;
    }

    /// <summary>
    /// A block's phis must come first, so a phi about to become a constant moves behind the block's other phis.
    /// A constant reads nothing, so it may sit anywhere before the block's other instructions.
    /// </summary>
    static void MovePastPhis(Instr phi, Block block)
    {
        block.Instrs.Remove(phi);
        block.Instrs.Insert(UseLists.PhiCount(block), phi);
    }

    static long? Constant(Instr?[] defs, int value) => defs[value] is { Op: Op.Const } def ? def.Imm : null;

    /// <summary>
    /// An instruction whose operands are all constants folds to what its row in <see cref="OpTable"/> computes — the
    /// interpreter's rule, so folding and the reference semantics cannot drift apart. Integer rules have C#'s exact
    /// wrap-around meaning; IEEE arithmetic has one correctly rounded result for every operation, which C# computes
    /// with the same SSE2 instructions as the compiled code. What folding must never do is use an identity (x * 0 = 0
    /// for floats): this rule needs every operand to be a constant. Only computations fold: memory ops read memory that
    /// may change between calls, addresses exist only at run time, and ops without a rule depend on more than their
    /// operands (calls, parameters).
    /// </summary>
    static bool TryEvaluate(Instr instr, Instr?[] defs, out long value)
    {
        value = 0;
        if (instr.Op == Op.Phi) return TryEvaluatePhi(instr, defs, out value);
        var info = instr.Op.Info();
        if (info.Rule is null || info.Is(OpFlags.Memory) || instr.Args.Length is 0 or > 3) return false;
        // Up to three operands in locals instead of an array, since this runs for every instruction of every round.
        long a = 0, b = 0, c = 0;
        if (!ConstantOperand(0, ref a) || !ConstantOperand(1, ref b) || !ConstantOperand(2, ref c)) return false;
        var input = new OpInput(instr.Type, defs[instr.Args[0]]!.Type, instr.Imm, a, b, c);
        if (!info.Is(OpFlags.CanThrow))
        {
            value = info.Rule(input);
            return true;
        }
        return TryThrowingRule(instr.Op, info.Rule, input, out value);

        bool ConstantOperand(int index, ref long constant)
        {
            if (index >= instr.Args.Length) return true;
            if (Constant(defs, instr.Args[index]) is not long known) return false;
            constant = known;
            return true;
        }
    }

    /// <summary>
    /// A throwing op folds only when it does not throw on these constants; otherwise it stays, to throw at run time what
    /// the CLR throws. The common traps are recognized without running the rule (an exception in every round would cost
    /// microseconds); the rarer float ones (ckfinite, fsign, ftoi.ovf) run it and catch what it throws.
    /// </summary>
    static bool TryThrowingRule(Op op, OpRule rule, in OpInput input, out long value)
    {
        value = 0;
        if (op is Op.Div or Op.Rem or Op.DivU or Op.RemU)
        {
            long min = input.OperandType == IrType.I32 ? int.MinValue : long.MinValue;
            if (input.B == 0 || op is Op.Div or Op.Rem && input.B == -1 && input.A == min) return false;
        }
        else if (op.IsChecked())
        {
            if (CheckedArithmetic.Evaluate(op, input.OperandType, input.A, input.B) is not long result) return false;
            value = result;
            return true;
        }
        try
        {
            value = rule(input);
            return true;
        }
        catch (ArithmeticException)
        {
            return false;
        }
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
        var lost = new List<Block>();
        foreach (var target in instr.Targets)
            if (target != taken && !lost.Contains(target)) lost.Add(target);
        foreach (var target in lost) Function.RemoveEdge(block, target);
        instr.Op = Op.Jump;
        instr.Args = [];
        instr.Targets = [taken];
        return lost;
    }
}
