using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.RegisterAllocation;

/// <summary>
/// Proves a register allocation right, independently of how it was found — in the spirit of the symbolic checker
/// of Cranelift's regalloc2. It runs the function abstractly over every path: the state says, for each register
/// and stack slot, which virtual register it certainly holds (or that nobody knows). Each instruction the emitter
/// turns into code must find its operands where the allocation says they are; then the registers it destroys
/// (calls, division, variable shifts) forget their contents, and its result lands in its location. Edges into a
/// block with phis copy all phi operands into the phis' locations at once, as the emitter's parallel moves do, and
/// where paths meet only what every path agrees on survives. Liveness is not consulted at all: a wrong interval
/// shows up as a use that finds another value in its register.
/// </summary>
public static class AllocationChecker
{
    const int Unknown = -1;

    /// <summary>Throws <see cref="InvalidOperationException"/> listing every use that may read the wrong value.</summary>
    public static void Check(LoweredFunction lowered, Allocation allocation, CallingConvention convention)
    {
        var problems = Verify(lowered, allocation, convention);
        if (problems.Count > 0)
            throw new InvalidOperationException($"register allocation of {lowered.Function.Name} is wrong:\n  " +
                string.Join("\n  ", problems) + "\n" + IrPrinter.Print(lowered.Function));
    }

    public static List<string> Verify(LoweredFunction lowered, Allocation allocation, CallingConvention convention)
    {
        var function = lowered.Function;
        var locations = allocation.Locations;
        var problems = new List<string>();
        int size = 32 + allocation.SpillSlots;

        // Slot index of a location in the abstract state: general-purpose registers 0–15, xmm registers 16–31, then
        // the stack slots.
        int Key(int value) => locations[value] switch
        {
            { Kind: LocationKind.Register } l => X64Registers.Index(l.Register),
            { Kind: LocationKind.Stack } l => 32 + l.Slot,
            _ => Unknown,
        };

        for (int v = 0; v < locations.Length; v++)
            if (locations[v].Kind == LocationKind.Register)
            {
                var register = locations[v].Register;
                var allowed = X64Registers.AllocatableFor(function.ValueTypes[v]);
                if (Array.IndexOf(allowed, register.IsXmm ? register : register.As64) < 0)
                    problems.Add($"v{v} ({function.ValueTypes[v].Name()}) is in {register}, which is not allocatable for it");
            }

        var index = new Dictionary<Block, int>();
        for (int b = 0; b < lowered.Layout.Count; b++) index[lowered.Layout[b]] = b;
        var stateIn = new int[lowered.Layout.Count][];

        // The prologue moves every parameter into its location before the first instruction.
        var entry = NewState(size);
        foreach (var instr in function.Entry.Instrs)
            if (instr.Op == Op.Param && Key(instr.Result) is var k and >= 0) entry[k] = instr.Result;
        stateIn[index[function.Entry]] = entry;

        var reported = new HashSet<string>();
        void Problem(string text)
        {
            if (reported.Add(text)) problems.Add(text);
        }
        void Expect(int[] state, int value, Block block, Instr instr)
        {
            int key = Key(value);
            if (key < 0 || state[key] == value) return;
            string holds = state[key] == Unknown ? "a value not known on every path" : $"v{state[key]}";
            Problem($"{block.Name}: '{IrPrinter.Print(instr)}' reads v{value} from {locations[value]}, which holds {holds}");
        }

        var work = new Queue<Block>();
        var queued = new HashSet<Block>();
        work.Enqueue(function.Entry);
        queued.Add(function.Entry);
        while (work.TryDequeue(out var block))
        {
            queued.Remove(block);
            var state = (int[])stateIn[index[block]].Clone();
            foreach (var instr in block.Instrs)
            {
                // Phis are written on the incoming edges, parameters by the prologue; neither emits code here.
                if (instr.Op is Op.Phi or Op.Param) continue;
                if (!IsEmitted(instr, lowered, locations)) continue;
                foreach (var use in instr.Args)
                    if (!lowered.Immediate[use] && !lowered.Fused[use]) Expect(state, use, block, instr);
                uint clobbered = X64Registers.Clobbers(instr, lowered.Immediate, convention);
                for (int r = 0; r < 32; r++)
                    if ((clobbered & (1u << r)) != 0) state[r] = Unknown;
                if (instr.HasResult && Key(instr.Result) is var key and >= 0) state[key] = instr.Result;
            }

            foreach (var succ in block.Succs.Distinct())
            {
                var edge = (int[])state.Clone();
                int pred = succ.Preds.IndexOf(block);
                var phis = succ.Phis.Where(p => Key(p.Result) >= 0).ToList();
                foreach (var phi in phis) Expect(state, phi.Args[pred], block, phi);  // all read before any is written
                foreach (var phi in phis) edge[Key(phi.Result)] = phi.Result;

                int s = index[succ];
                if (stateIn[s] is null) stateIn[s] = edge;
                else if (!Meet(stateIn[s], edge)) continue;
                if (queued.Add(succ)) work.Enqueue(succ);
            }
        }
        return problems;
    }

    /// <summary>Does the emitter produce code for the instruction? It skips constants that are immediates and
    /// results nobody reads, unless the instruction may throw.</summary>
    static bool IsEmitted(Instr instr, LoweredFunction lowered, Location[] locations) =>
        !instr.HasResult || instr.Op.Is(OpFlags.CanThrow) || lowered.Fused[instr.Result]
        || locations[instr.Result].Kind is LocationKind.Register or LocationKind.Stack;

    static int[] NewState(int size)
    {
        var state = new int[size];
        Array.Fill(state, Unknown);
        return state;
    }

    /// <summary>Keeps in <paramref name="into"/> only what <paramref name="other"/> agrees with; true if it changed.</summary>
    static bool Meet(int[] into, int[] other)
    {
        bool changed = false;
        for (int i = 0; i < into.Length; i++)
            if (into[i] != Unknown && into[i] != other[i])
            {
                into[i] = Unknown;
                changed = true;
            }
        return changed;
    }
}
