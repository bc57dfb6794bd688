using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Global value numbering over the dominator tree: an instruction that computes what a dominating one already
/// computed (the same op, type, immediate and operands) reads that result instead. It covers pure operations (an
/// array's length, an element's address, arithmetic) and the idempotent checks: a null check or bounds check that an
/// identical one dominates cannot fail, so it goes.
/// </summary>
/// <remarks>
/// The walk visits the dominator tree depth first with one hash table; each block's entries are taken out again
/// when the walk leaves it, so a block only ever sees what its dominators computed (Briggs, Cooper and Simpson,
/// "Value Numbering", the dominator-based form). Constants are left alone: a constant is cheaper to rematerialize
/// than to keep in a register across blocks. Commutative operands are put in order, so a + b and b + a meet.
/// </remarks>
public static class CommonSubexpressions
{
    readonly record struct Key(Op Op, IrType Type, long Imm, int A, int B, int C);

    public static int Run(Function function)
    {
        // A function of one block (most small formulas) is its own dominator tree.
        var children = new Dictionary<Block, List<Block>>();
        if (function.Blocks.Count > 1)
        {
            var tree = new DominatorTree(function);
            foreach (var block in function.ReversePostorder())
                if (tree.ImmediateDominator(block) is { } parent)
                    (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(block);
        }

        // A constant operand stands for its value, not its register: two `add x, 16` meet even when each has its own
        // const instruction. Constants get negative numbers, one per (type, bits).
        var defs = function.Definitions();
        var constantIds = new Dictionary<(IrType, long), int>();
        int Operand(int value) => defs[value] is { Op: Op.Const } constant
            ? constantIds.TryGetValue((constant.Type, constant.Imm), out int id) ? id : constantIds[(constant.Type, constant.Imm)] = -2 - constantIds.Count
            : value;
        var available = new Dictionary<Key, int>();
        HashSet<Instr>? removed = null;
        var copies = 0;
        // The keys the walk added, in order; leaving a block takes back the ones it added (those past its mark).
        var added = new List<Key>();
        var stack = new Stack<(Block Block, int Mark, bool Leaving)>();
        stack.Push((function.Entry, 0, false));
        while (stack.TryPop(out var item))
        {
            if (item.Leaving)
            {
                for (int i = added.Count - 1; i >= item.Mark; i--) available.Remove(added[i]);
                added.RemoveRange(item.Mark, added.Count - item.Mark);
                continue;
            }
            int mark = added.Count;
            foreach (var instr in item.Block.Instrs)
            {
                if (KeyOf(instr, Operand) is not { } key) continue;
                if (available.TryGetValue(key, out int earlier))
                {
                    if (instr.HasResult) instr.BecomeCopy(earlier);
                    else (removed ??= []).Add(instr);
                    copies++;
                }
                else
                {
                    available[key] = instr.HasResult ? instr.Result : 0;
                    added.Add(key);
                }
            }
            stack.Push((item.Block, mark, true));
            if (children.TryGetValue(item.Block, out var kids))
                foreach (var child in kids) stack.Push((child, 0, false));
        }
        if (removed is not null) UseLists.RemoveAll(function, removed);
        return copies;
    }

    /// <summary>What an instruction computes, when another with the same key may stand in for it.</summary>
    static Key? KeyOf(Instr instr, Func<int, int> operand)
    {
        bool numbered = instr.Op is Op.CheckNull or Op.CheckBounds or Op.CheckArgumentRange
            || instr.Op.Is(OpFlags.Pure) && instr.Op is not (Op.Const or Op.Copy);
        if (!numbered || instr.Args.Length > 3) return null;
        var args = instr.Args;
        int a = args.Length > 0 ? operand(args[0]) : -1, b = args.Length > 1 ? operand(args[1]) : -1, c = args.Length > 2 ? operand(args[2]) : -1;
        if (instr.Op.Is(OpFlags.Commutative) && args.Length == 2 && a > b) (a, b) = (b, a);
        return new Key(instr.Op, instr.Type, instr.Imm, a, b, c);
    }
}
