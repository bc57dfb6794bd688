using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// For each value, the instructions that read it (with their blocks). Passes that rewrite a value push its readers
/// on a worklist instead of rescanning the function, which keeps them linear.
/// </summary>
static class UseLists
{
    /// <summary>
    /// The readers of each value. Most values have none left (constants folded away, dead results), so a value's
    /// list is only created when it gets its first reader (null means no readers); <see cref="Add"/> adds one.
    /// </summary>
    public static List<(Instr User, Block Block)>?[] Build(Function function)
    {
        var users = new List<(Instr, Block)>?[function.ValueCount];
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                foreach (int arg in instr.Args)
                    Add(users, arg, instr, block);
        return users;
    }

    public static void Add(List<(Instr User, Block Block)>?[] users, int value, Instr user, Block block) =>
        (users[value] ??= []).Add((user, block));

    /// <summary>Index of the first instruction of <paramref name="block"/> that is not a phi (phis come first).</summary>
    public static int PhiCount(Block block)
    {
        int count = 0;
        while (count < block.Instrs.Count && block.Instrs[count].Op == Op.Phi) count++;
        return count;
    }

    /// <summary>Removes the marked instructions from every block in one sweep (removing them one by one would be quadratic).</summary>
    public static void RemoveAll(Function function, HashSet<Instr> dead)
    {
        if (dead.Count == 0) return;
        foreach (var block in function.Blocks) block.Instrs.RemoveAll(dead.Contains);
    }
}
