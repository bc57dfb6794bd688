using MiniJit.Ir;

namespace MiniJit.Lowering;

/// <summary>The IR prepared for register allocation and code generation on x64.</summary>
public sealed class LoweredFunction(Function function, List<Block> layout, bool needsFrame, Instr?[] definitions,
    bool[] immediate, bool[] fused, bool hasCalls, bool callsCompiledCode, ShrinkWrap? shrinkWrap)
{
    public Function Function { get; } = function;
    /// <summary>The instruction defining each virtual register. Nothing after lowering changes the IR, so the
    /// allocator and the emitter share this table instead of each walking the function again.</summary>
    public Instr?[] Definitions { get; } = definitions;
    /// <summary>Blocks in emission order: IL order, with each edge block just before the block it jumps to.</summary>
    public List<Block> Layout { get; } = layout;
    /// <summary>Something reads the JitFrame pointer (in <see cref="X64Registers.Frame"/>): a stack guard or an error
    /// stub. Then the function can fail, and its unit's entry stub must be ready for the error exit.</summary>
    public bool NeedsFrame { get; } = needsFrame;
    /// <summary>Per virtual register: a constant that never occupies a register. An integer that fits in 32 bits is
    /// an immediate operand (loaded into a scratch register where x64 has no immediate form); a floating-point
    /// constant is read from the unit's constant pool, as a memory operand.</summary>
    public bool[] Immediate { get; } = immediate;
    /// <summary>Per virtual register: an instruction its only user, right after it, emits itself — a comparison the
    /// branch turns into <c>cmp</c> or <c>test</c> and <c>jcc</c>, an address a load or store turns into its memory
    /// operand — so its result never needs a location. Its operands are read where it stands, and nothing between it
    /// and its user defines a value, so they are still in place when the user reads them.</summary>
    public bool[] Fused { get; } = fused;
    /// <summary>It calls: compiled code or the C math library. Then rsp must be 16-aligned at each call.</summary>
    public bool HasCalls { get; } = hasCalls;
    /// <summary>It calls compiled code, which may recurse without end: then its prologue checks the stack limit. A call
    /// into the C math library needs no check (it uses little stack, well within the limit's margin, and returns soon),
    /// so a function whose only calls go there still counts as bounded code.</summary>
    public bool CallsCompiledCode { get; } = callsCompiledCode;
    /// <summary>Where the prologue may go instead of the entry, if the allocation lets it (see <see cref="ShrinkWrapping"/>).</summary>
    public ShrinkWrap? ShrinkWrap { get; } = shrinkWrap;
    /// <summary>Blocks that a later block (or the block itself) jumps back to: where loops begin in the layout.</summary>
    public HashSet<Block> LoopHeads { get; } = FindLoopHeads(layout);

    static HashSet<Block> FindLoopHeads(List<Block> layout)
    {
        var position = new Dictionary<Block, int>();
        for (int i = 0; i < layout.Count; i++) position[layout[i]] = i;
        var heads = new HashSet<Block>();
        for (int i = 0; i < layout.Count; i++)
            foreach (var succ in layout[i].Succs)
                if (position[succ] <= i) heads.Add(succ);
        return heads;
    }
}

/// <summary>
/// The x64-specific preparation between the optimizer and the register allocator:
/// <list type="number">
/// <item>split critical edges, so phi moves always have a block of their own to live in;</item>
/// <item>note whether anything needs the JitFrame pointer (a call's stack guard, an error check);</item>
/// <item>mark 32-bit and floating-point constants as immediates (the latter live in the constant pool) and
/// compare-and-branch pairs as fused;</item>
/// <item>prepare shrink-wrapping: split the entry's values where a base case returns before the calls;</item>
/// <item>choose the block layout.</item>
/// </list>
/// </summary>
public static class X64Lowering
{
    public static LoweredFunction Lower(Function function)
    {
        var edgeBlocks = SplitCriticalEdges(function);
        var (needsFrame, hasCalls, callsCompiledCode) = FrameAndCalls(function);
        // Only a function that calls has a prologue worth moving (pushes of callee-saved registers, a stack guard).
        var shrinkWrap = hasCalls ? ShrinkWrapping.Prepare(function) : null;
        var immediate = FindImmediates(function);
        var definitions = function.Definitions();
        return new LoweredFunction(function, Layout(function, edgeBlocks), needsFrame, definitions, immediate,
            FindFused(function, definitions, immediate), hasCalls, callsCompiledCode, shrinkWrap);
    }

    /// <summary>An edge from a block with a conditional terminator into a block with phis gets a block of its own
    /// (holding only a jump), where the phi moves go. Moves placed before a branch would clobber its operands.</summary>
    static Dictionary<Block, List<Block>> SplitCriticalEdges(Function function)
    {
        var edgeBlocks = new Dictionary<Block, List<Block>>();
        foreach (var block in function.Blocks.ToList())
        {
            var terminator = block.Terminator;
            if (terminator is null || terminator.Op == Op.Jump) continue;
            foreach (var succ in terminator.Targets.Distinct().ToList())
            {
                if (!succ.Phis.Any()) continue;
                var edge = function.NewBlock();
                edge.Instrs.Add(new Instr(Op.Jump, IrType.Void, -1, [], [succ]));
                edge.Preds.Add(block);
                succ.Preds[succ.Preds.IndexOf(block)] = edge;  // keeps the phi operands in place
                for (int i = 0; i < terminator.Targets.Length; i++)
                    if (terminator.Targets[i] == succ) terminator.Targets[i] = edge;
                if (!edgeBlocks.TryGetValue(succ, out var list)) edgeBlocks[succ] = list = [];
                list.Add(edge);
            }
        }
        return edgeBlocks;
    }

    static (bool NeedsFrame, bool HasCalls, bool CallsCompiledCode) FrameAndCalls(Function function)
    {
        bool needsFrame = false, hasCalls = false, callsCompiledCode = false;
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
            {
                needsFrame |= instr.Op.Is(OpFlags.CanThrow);
                hasCalls |= instr.Op is Op.Call or Op.CallNative;
                callsCompiledCode |= instr.Op is Op.Call;
            }
        return (needsFrame, hasCalls, callsCompiledCode);
    }

    static bool[] FindImmediates(Function function)
    {
        var immediate = new bool[function.ValueCount];
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                if (instr.Op == Op.Const && (instr.Type.IsFloat() || instr.Imm is >= int.MinValue and <= int.MaxValue))
                    immediate[instr.Result] = true;
        return immediate;
    }

    /// <summary>
    /// Instructions their user right after them emits itself (see <see cref="LoweredFunction.Fused"/>):
    /// <list type="bullet">
    /// <item>a comparison whose only use is the branch after it becomes <c>cmp</c> + <c>jcc</c> (no 0/1 value), and an
    /// <c>and</c> whose only use is such a comparison with zero becomes <c>test</c> (so <c>(x &amp; 1) == 0</c> is one
    /// instruction);</item>
    /// <item>an elemaddr or frameaddr whose only use is the address of the load or store after it becomes that
    /// instruction's memory operand (<c>[base + index*scale]</c>, <c>[rsp + offset]</c>).</item>
    /// </list>
    /// Each must sit right before its user, so that no other definition can take its operands' registers in between.
    /// </summary>
    static bool[] FindFused(Function function, Instr?[] definitions, bool[] immediate)
    {
        var fused = new bool[function.ValueCount];
        var uses = function.UseCounts();
        foreach (var block in function.Blocks)
        {
            var instrs = block.Instrs;
            for (int i = 0; i < instrs.Count; i++)
                if (instrs[i] is { Op: Op.Load or Op.Store } access && Before(instrs, i, immediate) is var at and >= 0
                    && instrs[at] is { Op: Op.ElementAddress or Op.FrameAddress } address
                    && address.Result == access.Args[0] && uses[address.Result] == 1
                    && (access.Op == Op.Load || access.Args[1] != address.Result))
                    fused[address.Result] = true;
            if (block.Terminator is not { Op: Op.Branch } branch) continue;
            int compareAt = Before(instrs, instrs.Count - 1, immediate);
            if (compareAt < 0 || instrs[compareAt] is not { } compare || !compare.Op.Is(OpFlags.Compare)
                || compare.Result != branch.Args[0] || uses[compare.Result] != 1) continue;
            fused[compare.Result] = true;
            int andAt = Before(instrs, compareAt, immediate);
            if (compare.Op is Op.Eq or Op.Ne && andAt >= 0 && instrs[andAt] is { Op: Op.And } and
                && and.Result == compare.Args[0] && uses[and.Result] == 1 && definitions[compare.Args[1]] is { Op: Op.Const, Imm: 0 })
                fused[and.Result] = true;
        }
        return fused;
    }

    /// <summary>The instruction before <paramref name="index"/>, stepping over constants that are immediates (they
    /// emit no code and take no register), or -1.</summary>
    static int Before(List<Instr> instrs, int index, bool[] immediate)
    {
        int i = index - 1;
        while (i >= 0 && instrs[i] is { Op: Op.Const } constant && immediate[constant.Result]) i--;
        return i;
    }

    /// <summary>IL order keeps the C# compiler's layout, whose loops already fall through from body into condition;
    /// each edge block goes right before its target so that its jump disappears.</summary>
    static List<Block> Layout(Function function, Dictionary<Block, List<Block>> edgeBlocks)
    {
        var reachable = function.ReversePostorder().ToHashSet();
        var isEdge = edgeBlocks.Values.SelectMany(edges => edges).ToHashSet();
        var layout = new List<Block>(function.Blocks.Count);
        foreach (var block in function.Blocks)
        {
            if (!reachable.Contains(block) || isEdge.Contains(block)) continue;
            if (edgeBlocks.TryGetValue(block, out var edges)) layout.AddRange(edges.Where(reachable.Contains));
            layout.Add(block);
        }
        return layout;
    }
}
