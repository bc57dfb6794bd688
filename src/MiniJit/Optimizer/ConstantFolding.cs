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

    /// <summary>Comparisons of floats produce an i32 too; only integer operands fold.</summary>
    static bool IntegerConstant(Instr?[] defs, int value, out long constant)
    {
        constant = 0;
        if (Constant(defs, value) is not long c || !defs[value]!.Type.IsInteger()) return false;
        constant = c;
        return true;
    }

    static bool TryEvaluate(Instr instr, Instr?[] defs, out long value)
    {
        value = 0;
        if (instr.Op == Op.Phi) return TryEvaluatePhi(instr, defs, out value);
        // Only computations fold: a load reads memory that may change between calls, and addresses are not known
        // until the code runs.
        if (!instr.Op.Is(OpFlags.Pure) && !instr.Op.Is(OpFlags.CanThrow) || instr.Op.IsMemory()) return false;
        if (IsFloatingPoint(instr, defs)) return TryEvaluateFloat(instr, defs, out value);
        if (!instr.Type.IsInteger() || instr.Args.Length is 0 or > 2 || instr.Op == Op.Call) return false;
        // One or two operands: two locals instead of an array, since this runs for every instruction.
        if (!IntegerConstant(defs, instr.Args[0], out long a)) return false;
        long b = 0;
        if (instr.Args.Length == 2 && !IntegerConstant(defs, instr.Args[1], out b)) return false;
        var operandType = defs[instr.Args[0]]!.Type;
        if (instr.Op == Op.Copy) value = a;
        else if (instr.Op.IsChecked())
        {
            if (CheckedArithmetic.Evaluate(instr.Op, operandType, a, b) is not long result) return false;
            value = result;
        }
        else if (instr.Args.Length == 1) value = IrInterpreter.Unary(instr.Op, instr.Type, a);
        else if (!instr.Op.Is(OpFlags.CanThrow) || DivisionIsSafe(instr.Op, operandType, a, b))
            value = IrInterpreter.Binary(instr.Op, operandType, a, b);
        else return false;
        return true;
    }

    /// <summary>A pure operation on or producing floating point (a conversion, a comparison of floats). Calls into the
    /// C library stay calls.</summary>
    static bool IsFloatingPoint(Instr instr, Instr?[] defs) =>
        instr.Op.Is(OpFlags.Pure) && instr.Op is not (Op.Copy or Op.CallNative) && instr.Args.Length is 1 or 2
        && (instr.Type.IsFloat() || defs[instr.Args[0]] is { Type: IrType.F32 or IrType.F64 });

    /// <summary>
    /// IEEE arithmetic is exactly specified — one correctly rounded result for every operation, and C# computes it
    /// with the same SSE2 instructions as the compiled code — so an operation whose operands are all constants folds
    /// to the interpreter's bits. What folding must never do is use an identity (x * 0 = 0, x - x = 0): this rule
    /// needs every operand to be a constant.
    /// </summary>
    static bool TryEvaluateFloat(Instr instr, Instr?[] defs, out long value)
    {
        value = 0;
        foreach (int arg in instr.Args)
            if (defs[arg] is not { Op: Op.Const }) return false;
        var operands = instr.Args;
        value = IrInterpreter.Float(instr.Op, instr.Type, defs[operands[0]]!.Type, instr.Imm,
            defs[operands[0]]!.Imm, operands.Length > 1 ? defs[operands[1]]!.Imm : 0);
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
