using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Replaces every read of a copy by a read of its source, and does the same for a phi that can only ever yield one
/// value (all its operands are that value or the phi itself, as in a loop that never changes it). The copies and
/// phis then have no readers and are removed.
/// </summary>
/// <remarks>
/// Replacing a phi's operand may make that phi trivial in turn, so readers that are phis go back on the worklist.
/// Each copy or phi is removed at most once and each read is moved at most once per removal along its chain.
/// </remarks>
public static class CopyPropagation
{
    public static int Run(Function function)
    {
        var users = UseLists.Build(function);
        var removed = new HashSet<Instr>();
        var work = new Queue<Instr>(function.Blocks.SelectMany(b => b.Instrs).Where(i => i.Op is Op.Copy or Op.Phi));
        while (work.TryDequeue(out var instr))
        {
            if (removed.Contains(instr) || Source(instr) is not int source) continue;
            removed.Add(instr);
            foreach (var (user, block) in users[instr.Result])
            {
                if (removed.Contains(user)) continue;
                for (int i = 0; i < user.Args.Length; i++)
                    if (user.Args[i] == instr.Result) user.Args[i] = source;
                users[source].Add((user, block));
                if (user.Op is Op.Phi or Op.Copy) work.Enqueue(user);
            }
        }
        UseLists.RemoveAll(function, removed);
        return removed.Count;
    }

    /// <summary>The one value this copy or phi always yields, or null when it may yield several.</summary>
    static int? Source(Instr instr)
    {
        int? source = null;
        foreach (int arg in instr.Args)
        {
            if (arg == instr.Result || arg == source) continue;
            if (source is not null) return null;
            source = arg;
        }
        return source;
    }
}
