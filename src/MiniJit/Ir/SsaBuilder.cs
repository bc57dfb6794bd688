namespace MiniJit.Ir;

/// <summary>
/// Builds SSA form while a front end emits code, with the algorithm of Braun, Buchwald, Hack, Leißa, Mallon and
/// Zwinkau, "Simple and Efficient Construction of SSA Form" (CC 2013). The front end speaks of <em>variables</em>
/// (a CIL local or stack slot, an expression tree's parameter or block variable) and writes and reads them per
/// block; a read looks for a definition in its block, else asks the predecessors, placing a phi only where paths with
/// different definitions meet. A block whose predecessors are not all known yet (a loop header, a label that a later
/// goto may reach) is "unsealed": reads there get placeholder phis, completed when the front end seals the block.
/// </summary>
public sealed class SsaBuilder(Function function)
{
    readonly List<IrType> variableTypes = [];
    // Indexed by IR block id: the value each variable has at the end of the block so far (-1: not written here).
    readonly List<int[]> definitions = [];
    readonly List<bool> sealedBlocks = [];
    readonly List<List<(int Variable, Instr Phi)>> incompletePhis = [];
    readonly Dictionary<int, int> replacedPhis = [];

    /// <summary>An SSA builder over a function whose blocks exist already (a pass that turns memory into values): every
    /// block starts unsealed, and the caller fills them in reverse postorder, sealing each once its predecessors are
    /// filled, as a front end does.</summary>
    public static SsaBuilder OverExistingBlocks(Function function)
    {
        var builder = new SsaBuilder(function);
        int count = function.Blocks.Count == 0 ? 0 : function.Blocks.Max(b => b.Id) + 1;
        for (int i = 0; i < count; i++)
        {
            builder.definitions.Add([]);
            builder.sealedBlocks.Add(false);
            builder.incompletePhis.Add([]);
        }
        return builder;
    }

    /// <summary>A new variable; its type may change later (a CIL stack slot holds different types in different blocks).</summary>
    public int NewVariable(IrType type)
    {
        variableTypes.Add(type);
        return variableTypes.Count - 1;
    }

    public void SetType(int variable, IrType type) => variableTypes[variable] = type;

    public IrType TypeOf(int variable) => variableTypes[variable];

    /// <summary>Adds a block to the function; it starts unsealed.</summary>
    public Block NewBlock()
    {
        var block = function.NewBlock();
        while (definitions.Count <= block.Id)
        {
            definitions.Add([]);
            sealedBlocks.Add(false);
            incompletePhis.Add([]);
        }
        return block;
    }

    public void Write(int variable, Block block, int value)
    {
        var values = definitions[block.Id];
        if (variable >= values.Length)
        {
            // Variables appear as the front end meets them (a block's variables), so the table grows on demand.
            int old = values.Length;
            Array.Resize(ref values, Math.Max(variable + 1, Math.Max(8, old * 2)));
            Array.Fill(values, -1, old, values.Length - old);
            definitions[block.Id] = values;
        }
        values[variable] = value;
    }

    public int Read(int variable, Block block)
    {
        var values = definitions[block.Id];
        int value = variable < values.Length ? values[variable] : -1;
        return value >= 0 ? value : ReadRecursive(variable, block);
    }

    int ReadRecursive(int variable, Block block)
    {
        var type = variableTypes[variable];
        int value;
        if (!sealedBlocks[block.Id])
        {
            var phi = NewPhi(block, type);
            incompletePhis[block.Id].Add((variable, phi));
            value = phi.Result;
        }
        else if (block.Preds.Count == 0)
        {
            // The entry (or unreachable code): nothing wrote the variable on this path, so it reads as zero, which is
            // what an IL local holds (methods zero their locals) and what the expression importer relies on.
            value = InsertBeforeTerminator(block, Op.Const, type).Result;
        }
        else if (block.Preds.Count == 1)
        {
            value = Read(variable, block.Preds[0]);
        }
        else
        {
            // Write the phi first: a loop that reads the variable back through itself then finds the phi.
            var phi = NewPhi(block, type);
            Write(variable, block, phi.Result);
            value = AddPhiOperands(variable, phi, block);
        }
        Write(variable, block, value);
        return value;
    }

    Instr NewPhi(Block block, IrType type)
    {
        var phi = new Instr(Op.Phi, type, function.NewValue(type), []);
        int firstNonPhi = block.Instrs.FindIndex(i => i.Op != Op.Phi);
        block.Instrs.Insert(firstNonPhi < 0 ? block.Instrs.Count : firstNonPhi, phi);
        return phi;
    }

    Instr InsertBeforeTerminator(Block block, Op op, IrType type)
    {
        var instr = new Instr(op, type, function.NewValue(type), []);
        block.Instrs.Insert(block.Terminator is null ? block.Instrs.Count : block.Instrs.Count - 1, instr);
        return instr;
    }

    int AddPhiOperands(int variable, Instr phi, Block block)
    {
        var args = new int[block.Preds.Count];
        for (int i = 0; i < args.Length; i++) args[i] = Read(variable, block.Preds[i]);
        phi.Args = args;
        return RemoveTrivialPhi(phi, block);
    }

    /// <summary>A phi whose operands are all one value (or the phi itself) is that value. The fuller recursive
    /// clean-up is left to copy propagation, which sees the whole function.</summary>
    int RemoveTrivialPhi(Instr phi, Block block)
    {
        int same = -1;
        foreach (var raw in phi.Args)
        {
            int arg = Resolve(raw);
            if (arg == same || arg == phi.Result) continue;
            if (same >= 0) return phi.Result;
            same = arg;
        }
        if (same < 0) return phi.Result; // only reachable through itself: unreachable code
        block.Instrs.Remove(phi);
        replacedPhis[phi.Result] = same;
        return same;
    }

    /// <summary>Declares that every predecessor of <paramref name="block"/> is known, completing its placeholder phis.</summary>
    public void Seal(Block block)
    {
        foreach (var (variable, phi) in incompletePhis[block.Id])
        {
            int value = AddPhiOperands(variable, phi, block);
            var values = definitions[block.Id];
            if (value != phi.Result && variable < values.Length && values[variable] == phi.Result) Write(variable, block, value);
        }
        incompletePhis[block.Id].Clear();
        sealedBlocks[block.Id] = true;
    }

    /// <summary>Seals what is left and points every operand at the value a removed phi stood for.</summary>
    public void Finish()
    {
        foreach (var block in function.Blocks)
            if (!sealedBlocks[block.Id]) Seal(block);
        if (replacedPhis.Count == 0) return;
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                for (int i = 0; i < instr.Args.Length; i++) instr.Args[i] = Resolve(instr.Args[i]);
    }

    int Resolve(int value)
    {
        while (replacedPhis.TryGetValue(value, out var next)) value = next;
        return value;
    }
}
