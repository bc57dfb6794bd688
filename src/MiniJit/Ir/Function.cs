namespace MiniJit.Ir;

/// <summary>
/// A function in SSA form: blocks (the first is the entry), and a table of virtual registers with their types.
/// Each virtual register is defined by exactly one instruction.
/// </summary>
public sealed class Function(string name, IrType[] paramTypes, IrType returnType)
{
    public string Name = name;
    public IrType[] ParamTypes = paramTypes;
    public IrType ReturnType = returnType;
    /// <summary>A second result (the second eightbyte of a struct, in rdx or xmm1), or Void: then return takes two values.</summary>
    public IrType SecondReturnType = IrType.Void;
    public readonly List<Block> Blocks = [];
    public readonly List<IrType> ValueTypes = [];
    /// <summary>Bytes of frame memory the function's frameaddr instructions address (locals whose address is taken,
    /// stackalloc), in 8-byte units; the emitter reserves them in the frame, below the spill slots.</summary>
    public int FrameBytes;
    /// <summary>The pieces of the frame area, in order, each what one <see cref="AllocateFrameBytes"/> reserved (a
    /// variable, a temporary, a stackalloc): an address into one never reaches another, which is what lets scalar
    /// replacement judge each piece alone.</summary>
    public readonly List<(int Offset, int Size)> FrameSlots = [];
    int nextBlockId;

    public Block Entry => Blocks[0];
    public int ValueCount => ValueTypes.Count;

    public Block NewBlock()
    {
        var block = new Block(nextBlockId++);
        Blocks.Add(block);
        return block;
    }

    /// <summary>Adds a block with a chosen number (the parser keeps the text's names); later blocks get fresh numbers.</summary>
    public Block NewBlock(int id)
    {
        var block = new Block(id);
        Blocks.Add(block);
        nextBlockId = Math.Max(nextBlockId, id + 1);
        return block;
    }

    /// <summary>Reserves <paramref name="bytes"/> of frame memory, 8-byte aligned, and returns its offset.</summary>
    public int AllocateFrameBytes(int bytes)
    {
        int offset = FrameBytes;
        FrameBytes += (bytes + 7) & ~7;
        FrameSlots.Add((offset, FrameBytes - offset));
        return offset;
    }

    public int NewValue(IrType type)
    {
        ValueTypes.Add(type);
        return ValueTypes.Count - 1;
    }

    /// <summary>Creates an instruction with a fresh result register (none for Void) and appends it to the block.</summary>
    public Instr Append(Block block, Op op, IrType type, params int[] args)
    {
        var instr = new Instr(op, type, type == IrType.Void ? -1 : NewValue(type), args);
        block.Instrs.Add(instr);
        return instr;
    }

    public Instr AppendConst(Block block, IrType type, long bits)
    {
        var instr = Append(block, Op.Const, type);
        instr.Imm = type.Normalize(bits);
        return instr;
    }

    /// <summary>Ends <paramref name="from"/> with a terminator and records it as a predecessor of each target.</summary>
    public Instr Terminate(Block from, Op op, int[] args, params Block[] targets)
    {
        var instr = new Instr(op, IrType.Void, -1, args, targets);
        from.Instrs.Add(instr);
        // A target listed twice (both arms of a branch, switch cases) is still one predecessor edge.
        for (int i = 0; i < targets.Length; i++)
            if (Array.IndexOf(targets, targets[i]) == i) targets[i].Preds.Add(from);
        return instr;
    }

    /// <summary>Forgets the edge from → to: drops <paramref name="from"/> from the predecessors and the matching phi operands.</summary>
    public static void RemoveEdge(Block from, Block to)
    {
        int index = to.Preds.IndexOf(from);
        if (index < 0) return;
        to.Preds.RemoveAt(index);
        // Phis come first in a block; each loses its operand at the same index (one new array, no slices).
        foreach (var phi in to.Instrs)
        {
            if (phi.Op != Op.Phi) break;
            var args = new int[phi.Args.Length - 1];
            phi.Args.AsSpan(0, index).CopyTo(args);
            phi.Args.AsSpan(index + 1).CopyTo(args.AsSpan(index));
            phi.Args = args;
        }
    }

    /// <summary>The instruction that defines each virtual register (null for ones no longer defined).</summary>
    public Instr?[] Definitions()
    {
        var defs = new Instr?[ValueCount];
        foreach (var block in Blocks)
            foreach (var instr in block.Instrs)
                if (instr.HasResult) defs[instr.Result] = instr;
        return defs;
    }

    /// <summary>How many times each virtual register is read.</summary>
    public int[] UseCounts()
    {
        var counts = new int[ValueCount];
        foreach (var block in Blocks)
            foreach (var instr in block.Instrs)
                foreach (var arg in instr.Args) counts[arg]++;
        return counts;
    }

    /// <summary>Blocks reachable from the entry, in reverse postorder (every block before its successors, loops aside).</summary>
    public List<Block> ReversePostorder()
    {
        var order = new List<Block>(Blocks.Count);
        var visited = new HashSet<Block>();
        var stack = new Stack<(Block Block, int Next)>();
        stack.Push((Entry, 0));
        visited.Add(Entry);
        while (stack.Count > 0)
        {
            var (block, next) = stack.Pop();
            var succs = block.Succs;
            if (next < succs.Length)
            {
                stack.Push((block, next + 1));
                if (visited.Add(succs[next])) stack.Push((succs[next], 0));
            }
            else order.Add(block);
        }
        order.Reverse();
        return order;
    }

    /// <summary>Whether a cycle is reachable from the entry: a depth-first walk meets an edge back to a block still on
    /// its path. Passes that act only on loops ask this before building a dominator tree, which most small functions
    /// never need.</summary>
    public bool HasLoop()
    {
        int maxId = 0;
        foreach (var block in Blocks) maxId = Math.Max(maxId, block.Id);
        const byte OnPath = 1, Finished = 2;
        var state = new byte[maxId + 1];
        var stack = new Stack<(Block Block, int Next)>();
        stack.Push((Entry, 0));
        state[Entry.Id] = OnPath;
        while (stack.TryPop(out var top))
        {
            var succs = top.Block.Succs;
            if (top.Next == succs.Length)
            {
                state[top.Block.Id] = Finished;
                continue;
            }
            stack.Push((top.Block, top.Next + 1));
            var succ = succs[top.Next];
            if (state[succ.Id] == OnPath) return true;
            if (state[succ.Id] == 0)
            {
                state[succ.Id] = OnPath;
                stack.Push((succ, 0));
            }
        }
        return false;
    }

    public override string ToString() => IrPrinter.Print(this);
}
