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
        // The copies and phis are the only candidates; when none of them yields a single value, there is nothing to do.
        Queue<Instr>? work = null;
        bool anyRemovable = false;
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                if (instr.Op is Op.Copy or Op.Phi)
                {
                    (work ??= new Queue<Instr>()).Enqueue(instr);
                    anyRemovable |= Source(instr) is not null;
                }
        if (work is null || !anyRemovable) return 0;

        var users = UseLists.Build(function);
        var removed = new HashSet<Instr>();
        while (work.TryDequeue(out var instr))
        {
            if (removed.Contains(instr) || Source(instr) is not int source) continue;
            removed.Add(instr);
            if (users[instr.Result] is not { } readers) continue;
            foreach (var (user, block) in readers)
            {
                if (removed.Contains(user)) continue;
                for (int i = 0; i < user.Args.Length; i++)
                    if (user.Args[i] == instr.Result) user.Args[i] = source;
                UseLists.Add(users, source, user, block);
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
