using MiniJit.Assembler;
using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.RegisterAllocation;

public enum LocationKind : byte { None, Register, Stack, Immediate }

/// <summary>Where a virtual register lives for its whole life: a register, a stack slot, or nowhere (an immediate).</summary>
public readonly record struct Location(LocationKind Kind, Register Register = default, int Slot = 0)
{
    public override string ToString() => Kind switch
    {
        LocationKind.Register => Register.ToString(),
        LocationKind.Stack => $"slot{Slot}",
        LocationKind.Immediate => "imm",
        _ => "-",
    };
}

/// <summary>The allocator's answer: a location per virtual register, how many 8-byte stack slots the spills need,
/// and which callee-saved registers the prologue must save.</summary>
public sealed class Allocation(Location[] locations, int spillSlots, List<Register> calleeSavedUsed)
{
    public Location[] Locations { get; } = locations;
    public int SpillSlots { get; } = spillSlots;
    public List<Register> CalleeSavedUsed { get; } = calleeSavedUsed;
}

/// <summary>
/// Linear-scan register allocation (Poletto and Sarkar, "Linear Scan Register Allocation", TOPLAS 1999):
/// walk the intervals by start; free the registers of intervals that have ended; give the new interval a free
/// register — its hint when possible — or, when none is left, spill whichever interval ends last. Intervals have
/// lifetime holes (Wimmer and Franz): a register held by an interval in a hole is free for one that fits the hole.
/// Intervals are never split, so every value keeps one location — a register or a stack slot — for its whole life.
/// x64's fixed demands (a call clobbers the caller-saved registers, division uses rdx:rax, a variable shift uses
/// cl) enter as clobber positions: an interval may not sit in a register that is destroyed while it is live.
/// </summary>
public static class LinearScanAllocator
{
    public static Allocation Allocate(LoweredFunction lowered, LiveIntervals live, CallingConvention convention)
    {
        var function = lowered.Function;
        var locations = InitialLocations(lowered, live);
        var hints = Hints(lowered, convention);
        var clobberPositions = ClobberPositionsByRegister(live);
        var definitions = lowered.Definitions;
        var phiUses = PhiUses(function);

        var order = Enumerable.Range(0, function.ValueCount).Where(v => locations[v].Kind == LocationKind.None && live.IsLive(v))
            .OrderBy(live.Start).ThenBy(v => v).ToList();
        // Wimmer's sets: active intervals cover the current position; inactive ones hold a register but are in a
        // lifetime hole there, so their register is free for an interval that fits entirely into their holes.
        var active = new List<int>();
        var inactive = new List<int>();
        var spillSlots = new SpillSlots(live);

        foreach (var value in order)
        {
            int start = live.Start(value), end = live.End(value);
            Advance(active, inactive, live, start);

            uint busy = 0;
            foreach (var other in active) busy |= X64Registers.Mask(locations[other].Register);
            foreach (var other in inactive)
                if (live.Intersect(other, value)) busy |= X64Registers.Mask(locations[other].Register);

            // Two register classes: a float goes in an xmm register, anything else in a general-purpose one.
            bool isFloat = function.ValueTypes[value].IsFloat();
            bool Available(Register? register) => register is Register r && r.IsXmm == isFloat && (busy & X64Registers.Mask(r)) == 0
                && !ClobberedWhileLive(clobberPositions[X64Registers.Index(r)], live.Ranges[value]!);
            // A phi this value flows into that already has a register (a loop header's) is the surest way to save
            // a move; otherwise the static hint, then the register of an operand that dies here.
            Register? choice = null;
            if (HintFromPhi(phiUses[value], locations) is var phiRegister && Available(phiRegister)) choice = phiRegister;
            else if (Available(hints[value])) choice = hints[value];
            else if (HintFromOperand(definitions[value], live, locations, value) is var reuse && Available(reuse)) choice = reuse;
            else
                foreach (var register in X64Registers.AllocatableFor(function.ValueTypes[value]))
                    if (Available(register)) { choice = register; break; }

            if (choice is Register chosen)
            {
                locations[value] = new Location(LocationKind.Register, chosen);
                active.Add(value);
                continue;
            }

            // No register: spill the active interval that ends last, if it outlives this one and its register suits
            // this one (no clobber inside, no inactive interval on it that this one would meet).
            int victim = -1;
            foreach (var other in active)
            {
                var register = locations[other].Register;
                bool suits = register.IsXmm == isFloat && !ClobberedWhileLive(clobberPositions[X64Registers.Index(register)], live.Ranges[value]!)
                    && !inactive.Any(i => locations[i].Register == register && live.Intersect(i, value));
                if (suits && (victim < 0 || live.End(other) > live.End(victim))) victim = other;
            }
            if (victim >= 0 && live.End(victim) > end)
            {
                locations[value] = locations[victim];
                locations[victim] = spillSlots.Take(victim);
                active.Remove(victim);
                active.Add(value);
            }
            else locations[value] = spillSlots.Take(value);
        }
        return new Allocation(locations, spillSlots.Count, CalleeSavedUsed(locations, convention));
    }

    /// <summary>Moves intervals between the sets as the scan reaches <paramref name="position"/>: those that have
    /// ended leave, those in a hole become inactive, those whose hole is over become active again.</summary>
    static void Advance(List<int> active, List<int> inactive, LiveIntervals live, int position)
    {
        for (int i = active.Count - 1; i >= 0; i--)
        {
            int value = active[i];
            if (live.End(value) < position) active.RemoveAt(i);
            else if (!live.Covers(value, position))
            {
                active.RemoveAt(i);
                inactive.Add(value);
            }
        }
        for (int i = inactive.Count - 1; i >= 0; i--)
        {
            int value = inactive[i];
            if (live.End(value) < position) inactive.RemoveAt(i);
            else if (live.Covers(value, position))
            {
                inactive.RemoveAt(i);
                active.Add(value);
            }
        }
    }

    /// <summary>No allocation at all: every value in a stack slot, like the seed's push/pop code. Used when
    /// optimization is off, to show (and measure) what the allocator buys. Values whose lives never overlap share
    /// a slot, so the frame stays as small as the number of values live at once.</summary>
    public static Allocation SpillEverything(LoweredFunction lowered, LiveIntervals live, CallingConvention convention)
    {
        var locations = InitialLocations(lowered, live);
        var slots = new SpillSlots(live);
        foreach (var v in Enumerable.Range(0, locations.Length).Where(v => locations[v].Kind == LocationKind.None && live.IsLive(v))
                     .OrderBy(live.Start))
            locations[v] = slots.Take(v);
        return new Allocation(locations, slots.Count, CalleeSavedUsed(locations, convention));
    }

    /// <summary>
    /// Stack slots shared by values whose lives do not overlap (stack colouring in its linear-scan form), so a frame
    /// needs as many slots as values are spilled at once, not as values are spilled in all. A slot is reused only
    /// when everything in it ended before the new value starts; lifetime holes are ignored, which keeps the test a
    /// single comparison. Values must be handed in by increasing start, except spill victims, whose earlier start
    /// the same comparison respects.
    /// </summary>
    sealed class SpillSlots(LiveIntervals live)
    {
        readonly PriorityQueue<int, int> byLastEnd = new();  // each slot, by the end of the last value put in it

        public int Count { get; private set; }

        public Location Take(int value)
        {
            if (!(byLastEnd.TryPeek(out int slot, out int end) && end < live.Start(value) && byLastEnd.Dequeue() == slot))
                slot = Count++;
            byLastEnd.Enqueue(slot, live.End(value));
            return new Location(LocationKind.Stack, Slot: slot);
        }
    }

    static Location[] InitialLocations(LoweredFunction lowered, LiveIntervals live)
    {
        var locations = new Location[lowered.Function.ValueCount];
        for (int v = 0; v < locations.Length; v++)
            if (lowered.Immediate[v]) locations[v] = new Location(LocationKind.Immediate);
        return locations;
    }

    /// <summary>Registers a value would like, so that fewer moves are needed: parameters stay where they arrive,
    /// call arguments go where the callee wants them, results of calls and divisions stay where the hardware leaves
    /// them, returned values go to rax.</summary>
    static Register?[] Hints(LoweredFunction lowered, CallingConvention convention)
    {
        var function = lowered.Function;
        var hints = new Register?[function.ValueCount];
        Register ReturnRegister(IrType type) => type.IsFloat() ? convention.FloatReturn : convention.IntegerReturn;
        var parameterRegisters = ArgumentRegisters(function.ParamTypes, convention, reservedIntegers: 1);
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
            {
                switch (instr.Op)
                {
                    case Op.Param:
                        hints[instr.Result] = parameterRegisters[instr.Imm];
                        break;
                    case Op.Call or Op.CallNative:
                        // An argument computed for the call is best computed in its argument register (if it must
                        // survive the call, the clobber check refuses that register anyway). Compiled functions take
                        // the frame pointer first; the C library does not.
                        var registers = ArgumentRegisters(instr.Args.Select(a => function.ValueTypes[a]).ToArray(), convention,
                            reservedIntegers: instr.Op == Op.Call ? 1 : 0);
                        for (int i = 0; i < instr.Args.Length; i++) hints[instr.Args[i]] ??= registers[i];
                        if (instr.HasResult) hints[instr.Result] = ReturnRegister(instr.Type);
                        break;
                    case Op.Div or Op.DivU or Op.MulOvfUn: hints[instr.Result] = Register.Rax; break;
                    case Op.Rem or Op.RemU: hints[instr.Result] = Register.Rdx; break;
                    case Op.Return:
                        var results = convention.ResultRegisters(function.ReturnType, function.SecondReturnType);
                        for (int i = 0; i < instr.Args.Length && i < results.Length; i++) hints[instr.Args[i]] ??= results[i];
                        break;
                    case Op.SecondResult:
                        hints[instr.Result] = convention.ResultRegisters(function.ValueTypes[instr.Args[0]], instr.Type)[1];
                        break;
                }
            }
        // A value flowing into a phi wants what the phi wants (a returned phi: rax), so the edge needs no move.
        foreach (var block in function.Blocks)
            foreach (var phi in block.Phis)
                if (hints[phi.Result] is Register wanted)
                    foreach (var arg in phi.Args) hints[arg] ??= wanted;
        return hints;
    }

    static Register?[] ArgumentRegisters(IrType[] types, CallingConvention convention, int reservedIntegers) =>
        convention.AssignArguments(types.Select(t => t.IsFloat()).ToArray(), reservedIntegers);

    /// <summary>For each value, the phis it flows into. A value computed in a loop and carried around the back edge
    /// does best in its phi's register (allocated first, at the loop header): then no move is needed at the edge.</summary>
    static List<int>?[] PhiUses(Function function)
    {
        var uses = new List<int>?[function.ValueCount];
        foreach (var block in function.Blocks)
            foreach (var phi in block.Phis)
                foreach (var arg in phi.Args)
                    (uses[arg] ??= []).Add(phi.Result);
        return uses;
    }

    static Register? HintFromPhi(List<int>? phis, Location[] locations)
    {
        if (phis is null) return null;
        foreach (var phi in phis)
            if (locations[phi].Kind == LocationKind.Register) return locations[phi].Register;
        return null;
    }

    /// <summary>x64 instructions overwrite their first operand, so a result does best in the register of an operand
    /// that dies at this instruction (for a phi: of any operand already allocated).</summary>
    static Register? HintFromOperand(Instr? def, LiveIntervals live, Location[] locations, int value)
    {
        if (def is null || def.Args.Length == 0) return null;
        if (def.Op == Op.Phi)
            return def.Args.Select(a => locations[a]).FirstOrDefault(l => l.Kind == LocationKind.Register).Register is var r && r != default ? r : null;
        int useAt = live.Start(value) - 1;
        foreach (var arg in def.Op.Is(OpFlags.Commutative) ? def.Args : def.Args[..1])
            if (locations[arg].Kind == LocationKind.Register && live.Covers(arg, useAt) && !live.Covers(arg, useAt + 1))
                return locations[arg].Register;
        return null;
    }

    static List<int>[] ClobberPositionsByRegister(LiveIntervals live)
    {
        var byRegister = new List<int>[32];
        for (int n = 0; n < 32; n++) byRegister[n] = [];
        foreach (var (position, registers) in live.Clobbers)
            for (int n = 0; n < 32; n++)
                if ((registers & (1u << n)) != 0) byRegister[n].Add(position);
        return byRegister;
    }

    /// <summary>Is the register destroyed strictly inside one of the value's ranges? A clobber at the very position
    /// where a range starts (the clobbering instruction's own result), after its last use, or in a lifetime hole (a
    /// call on a path the value does not take, such as a base case that returns a parameter before any call) does no
    /// harm.</summary>
    static bool ClobberedWhileLive(List<int> positions, List<(int From, int To)> ranges)
    {
        foreach (var (from, to) in ranges)
        {
            int index = positions.BinarySearch(from + 1);
            if (index < 0) index = ~index;
            if (index < positions.Count && positions[index] < to) return true;
        }
        return false;
    }

    static List<Register> CalleeSavedUsed(Location[] locations, CallingConvention convention) =>
        locations.Where(l => l.Kind == LocationKind.Register && convention.IsCalleeSaved(l.Register))
            .Select(l => l.Register).Distinct().OrderBy(r => Array.IndexOf(convention.CalleeSaved, r)).ToList();
}
