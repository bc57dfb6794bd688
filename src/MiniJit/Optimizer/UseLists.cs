using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// For each value, the instructions that read it (with their blocks). Passes that rewrite a value push its readers
/// on a worklist instead of rescanning the function, which keeps them linear.
/// </summary>
static class UseLists
{
    public static List<(Instr User, Block Block)>[] Build(Function function)
    {
        var users = new List<(Instr, Block)>[function.ValueCount];
        for (int v = 0; v < users.Length; v++) users[v] = [];
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                foreach (int arg in instr.Args)
                    users[arg].Add((instr, block));
        return users;
    }

    /// <summary>Removes the marked instructions from every block in one sweep (removing them one by one would be quadratic).</summary>
    public static void RemoveAll(Function function, HashSet<Instr> dead)
    {
        if (dead.Count == 0) return;
        foreach (var block in function.Blocks) block.Instrs.RemoveAll(dead.Contains);
    }
}
