using MiniJit.Ir;

namespace MiniJit.Optimization;

/// <summary>
/// Scalar replacement of frame slots (LLVM's SROA and mem2reg in one, for MiniJit's simple case): a slot of the frame
/// area (a struct variable, a struct temporary, an address-taken local) whose address never escapes — every use of
/// every <c>frameaddr</c> into it is the address of a load, a store or a zero — is memory nobody else can see. If its
/// accesses cut it into cells that never partly overlap (a struct read and written field by field, as the importer
/// does), each cell becomes an SSA variable: stores write it, loads read it, zeroes write 0, and phis appear where
/// paths meet (the SSA construction of Braun et al., over the existing blocks). The frameaddrs and the slot's memory
/// traffic are gone; what was a struct is values in registers.
/// </summary>
/// <remarks>
/// A slot whose address escapes (passed to a call as a <c>ref</c>, turned into a pointer, compared, added to) stays
/// in memory, as does one whose accesses overlap in part (a union read through fields of different widths). Cells of 8
/// and 4 bytes accessed both as integers and as floats hold the integer and are bitcast at the float accesses; a
/// narrow cell (1 or 2 bytes) holds its value zero-extended, which is what a narrow load gives.
/// </remarks>
public static class ScalarReplacement
{
    /// <summary>A cell: bytes [Start, Start + Width) of a slot, promoted to the SSA variable Variable of type Type.</summary>
    sealed record Cell(int Start, int Width, IrType Type, int Variable);

    public static int Run(Function function)
    {
        if (function.FrameSlots.Count == 0) return 0;
        var definitions = function.Definitions();
        var (cells, promotedSlots) = FindCells(function, definitions);
        if (cells.Count == 0) return 0;

        var ssa = SsaBuilder.OverExistingBlocks(function);
        var byStart = new Dictionary<int, Cell>();
        foreach (var cell in cells) byStart[cell.Start] = cell with { Variable = ssa.NewVariable(cell.Type) };

        int changed = 0;
        var filled = new HashSet<Block>();
        ssa.Seal(function.Entry);
        foreach (var block in function.ReversePostorder())
        {
            var instrs = block.Instrs.ToList();
            block.Instrs.Clear();
            foreach (var instr in instrs)
            {
                if (instr.Op is Op.Load or Op.Store or Op.Zero && definitions[instr.Args[0]] is { Op: Op.FrameAddress } address
                    && promotedSlots.Contains(SlotOf(function.FrameSlots, address.Imm)))
                {
                    Rewrite(function, ssa, block, instr, (int)address.Imm, byStart);
                    changed++;
                }
                else block.Instrs.Add(instr);
            }
            filled.Add(block);
            foreach (var succ in block.Succs.Distinct())
                if (succ != function.Entry && succ.Preds.All(filled.Contains)) ssa.Seal(succ);
        }
        ssa.Finish();
        return changed;
    }

    /// <summary>The cells of every slot that can be promoted: its address never escapes, its accesses never overlap in
    /// part, and each cell is read and written in one width (as i64/f64, i32/f32, or a narrow i32).</summary>
    static (List<Cell> Cells, HashSet<int> Slots) FindCells(Function function, Instr?[] definitions)
    {
        var slots = function.FrameSlots;
        var escaped = new bool[slots.Count];
        var accesses = new List<(int Start, int Width, IrType Type)>[slots.Count];
        var zeroes = new List<(int Start, int Width)>[slots.Count];
        for (int s = 0; s < slots.Count; s++) (accesses[s], zeroes[s]) = ([], []);
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                for (int i = 0; i < instr.Args.Length; i++)
                {
                    if (definitions[instr.Args[i]] is not { Op: Op.FrameAddress } address) continue;
                    int slot = SlotOf(slots, address.Imm);
                    if (slot < 0) continue;
                    int start = (int)address.Imm, width = (int)instr.Imm;
                    bool direct = i == 0 && instr.Op is Op.Load or Op.Store or Op.Zero
                        && start + width <= slots[slot].Offset + slots[slot].Size;
                    if (!direct) escaped[slot] = true;
                    else if (instr.Op == Op.Zero) zeroes[slot].Add((start, width));
                    else accesses[slot].Add((start, width, instr.Op == Op.Load ? instr.Type : function.ValueTypes[instr.Args[1]]));
                }

        var cells = new List<Cell>();
        var promoted = new HashSet<int>();
        for (int s = 0; s < slots.Count; s++)
        {
            if (escaped[s] || accesses[s].Count == 0) continue;
            var ranges = accesses[s].Select(a => (a.Start, a.Width)).Distinct().OrderBy(r => r.Start).ToList();
            bool disjoint = ranges.Zip(ranges.Skip(1)).All(p => p.First.Start + p.First.Width <= p.Second.Start);
            bool typesFit = accesses[s].All(a => a.Width switch
            {
                8 => a.Type is IrType.I64 or IrType.F64,
                4 => a.Type is IrType.I32 or IrType.F32,
                _ => a.Type == IrType.I32,
            });
            // A zero must cover each cell wholly or not at all.
            bool zeroesFit = zeroes[s].All(z => ranges.All(r =>
                r.Start + r.Width <= z.Start || z.Start + z.Width <= r.Start || z.Start <= r.Start && r.Start + r.Width <= z.Start + z.Width));
            if (!disjoint || !typesFit || !zeroesFit) continue;
            promoted.Add(s);
            foreach (var (start, width) in ranges)
            {
                // An integer cell when any access is an integer (floats are then bitcast), else a float one.
                bool allFloat = accesses[s].Where(a => a.Start == start).All(a => a.Type.IsFloat());
                var type = width switch
                {
                    8 => allFloat ? IrType.F64 : IrType.I64,
                    4 => allFloat ? IrType.F32 : IrType.I32,
                    _ => IrType.I32,
                };
                cells.Add(new Cell(start, width, type, -1));
            }
        }
        return (cells, promoted);
    }

    /// <summary>The slot holding byte <paramref name="offset"/>, by binary search: slots are in address order, and a
    /// method with many struct temporaries has many of them.</summary>
    static int SlotOf(List<(int Offset, int Size)> slots, long offset)
    {
        int low = 0, high = slots.Count - 1;
        while (low <= high)
        {
            int middle = (low + high) / 2;
            if (offset < slots[middle].Offset) high = middle - 1;
            else if (offset >= slots[middle].Offset + slots[middle].Size) low = middle + 1;
            else return middle;
        }
        return -1;
    }

    /// <summary>Replaces a load, store or zero of a promoted slot, appending what stands for it to the block.</summary>
    static void Rewrite(Function function, SsaBuilder ssa, Block block, Instr instr, int start, Dictionary<int, Cell> byStart)
    {
        switch (instr.Op)
        {
            case Op.Load:
                {
                    // The load's own result now holds the cell's value: a copy, or its bits in the load's class.
                    var cell = byStart[start];
                    int value = ssa.Read(cell.Variable, block);
                    instr.Op = cell.Type.IsFloat() == instr.Type.IsFloat() ? Op.Copy : Op.Bitcast;
                    instr.Args = [value];
                    instr.Imm = 0;
                    block.Instrs.Add(instr);
                    break;
                }
            case Op.Store:
                {
                    // A narrow cell holds its value zero-extended, as a narrow load gives it.
                    var cell = byStart[start];
                    int value = instr.Args[1];
                    if (cell.Width < 4) value = Append(function, block, cell.Width == 1 ? Op.ZeroExtend8 : Op.ZeroExtend16, IrType.I32, value);
                    else if (function.ValueTypes[value].IsFloat() != cell.Type.IsFloat()) value = Append(function, block, Op.Bitcast, cell.Type, value);
                    ssa.Write(cell.Variable, block, value);
                    break;
                }
            default:
                // A zero writes 0 into every cell it covers; the slot's other bytes are padding nobody reads.
                foreach (var cell in byStart.Values.Where(c => c.Start >= start && c.Start + c.Width <= start + instr.Imm))
                    ssa.Write(cell.Variable, block, Append(function, block, Op.Const, cell.Type));
                break;
        }
    }

    static int Append(Function function, Block block, Op op, IrType type, params int[] args) =>
        function.Append(block, op, type, args).Result;
}
