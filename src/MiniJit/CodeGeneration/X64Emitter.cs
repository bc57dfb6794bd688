using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.RegisterAllocation;

namespace MiniJit.CodeGeneration;

/// <summary>
/// Instruction selection and emission: turns allocated IR into machine instructions. Each IR instruction has one
/// template here, written for operands that may sit in a register, in a stack slot or be an immediate.
/// Error checks branch to out-of-line stubs gathered after the function's hot code.
/// </summary>
/// <remarks>
/// The frame, from high addresses to low: return address; callee-saved registers pushed by the prologue; spill
/// slots; the outgoing stack-argument area at [rsp]. rsp does not move inside the body.
/// </remarks>
public sealed partial class X64Emitter
{
    readonly LoweredFunction lowered;
    readonly Function function;
    readonly Allocation allocation;
    readonly CallingConvention convention;
    readonly X64Assembler asm;
    readonly Func<CallTarget, Label> calleeLabel;
    readonly Label errorExit;
    readonly Instr?[] definitions;
    readonly Dictionary<Block, Label> blockLabels = [];
    readonly Dictionary<JitStatus, Label> errorStubs = [];
    readonly List<MachineInstr> code = [];
    readonly List<MachineInstr> cold = [];
    readonly int outgoingSlots;   // shadow space (Windows) plus stack arguments of the largest call, at [rsp]
    readonly int frameBytes;   // bytes the prologue subtracts from rsp
    readonly bool checksStack;  // the prologue compares rsp, less the whole frame, with the thread's limit
    readonly ShrinkWrap? wrap;  // when set, the frame is set up at the start of wrap.Slow, not at the entry

    /// <summary>The stack limit leaves this much room (see <see cref="NativeStack"/>), so a leaf function whose
    /// pushes and frame fit in one page needs no guard: its caller was checked, and it stays inside the margin.</summary>
    const int PageSize = 4096;

    static readonly Register Scratch = X64Registers.Scratch, Scratch2 = X64Registers.CycleScratch;

    X64Emitter(LoweredFunction lowered, Allocation allocation, CallingConvention convention, X64Assembler asm,
        Func<CallTarget, Label> calleeLabel, Label errorExit)
    {
        this.asm = asm;
        this.lowered = lowered;
        function = lowered.Function;
        this.allocation = allocation;
        this.convention = convention;
        this.calleeLabel = calleeLabel;
        this.errorExit = errorExit;
        definitions = lowered.Definitions;
        foreach (var block in lowered.Layout) blockLabels[block] = asm.CreateLabel($"{function.Name}.{block.Name}");

        bool calls = lowered.HasCalls;
        outgoingSlots = !calls ? 0 : convention.ShadowSpace / 8 + function.Blocks.SelectMany(b => b.Instrs)
            .Where(i => i.Op is Op.Call or Op.CallNative).Select(i => ArgumentRegisters(i).Count(r => r is null)).Max();
        int bytes = 8 * (outgoingSlots + allocation.SpillSlots) + function.FrameBytes;
        int pushed = 8 * allocation.CalleeSavedUsed.Count;
        if (lowered.HasCalls || bytes > 0)
            bytes += (16 - (8 + pushed + bytes) % 16) % 16;  // rsp 16-aligned at every call
        frameBytes = bytes;
        checksStack = lowered.CallsCompiledCode || pushed + bytes > PageSize;
        wrap = lowered.ShrinkWrap is { } candidate && ShrinkWrapping.AllocationFits(candidate, lowered, allocation, convention) ? candidate : null;
    }

    /// <summary>One function's machine code, and whether its prologue checks the stack limit (then its unit's entry
    /// stub must pass the frame, and its thunk must read the thread's limit).</summary>
    public sealed record Result(List<MachineInstr> Code, bool ChecksStack);

    /// <summary>Emits one function, starting with its entry label. Labels come from <paramref name="asm"/>, which
    /// will encode the result; <paramref name="calleeLabel"/> names the entry of each function called.</summary>
    public static Result Emit(LoweredFunction lowered, Allocation allocation, CallingConvention convention,
        X64Assembler asm, Label entry, Func<CallTarget, Label> calleeLabel, Label errorExit)
    {
        var emitter = new X64Emitter(lowered, allocation, convention, asm, calleeLabel, errorExit);
        emitter.Add(MOp.Label, entry);
        if (emitter.wrap is null) emitter.SetUpFrame();
        emitter.MoveParameters();
        for (int b = 0; b < lowered.Layout.Count; b++)
        {
            // A loop's first block starts on a 16-byte boundary, so the loop body is fetched in as few blocks as
            // possible; the padding runs once, before the loop is entered, since entry jumps past it or falls in.
            if (lowered.LoopHeads.Contains(lowered.Layout[b])) emitter.Add(MOp.Align, MOperand.Imm(16));
            emitter.EmitBlock(lowered.Layout[b], b + 1 < lowered.Layout.Count ? lowered.Layout[b + 1] : null);
        }
        emitter.code.AddRange(emitter.cold);
        return new Result(emitter.code, emitter.checksStack);
    }

    void Add(MOp op, MOperand a = default, MOperand b = default, MOperand c = default, Condition condition = default) =>
        code.Add(new MachineInstr(op, a, b, c, condition));

    // ------------------------------------------------------------------ frame

    /// <summary>The first half of the prologue: the stack guard, the pushes of the callee-saved registers the allocation
    /// uses, and the frame. At the entry, or at the start of the slow side when shrink-wrapped.</summary>
    void SetUpFrame()
    {
        int grows = 8 * allocation.CalleeSavedUsed.Count + frameBytes;
        if (checksStack)
        {
            // Stack guard: where rsp will be once the frame is allocated, compared with the limit the thunk computed,
            // before anything is pushed — so no frame, however large, is ever touched below the limit.
            MOperand bottom = Register.Rsp;
            if (grows > 0)
            {
                Add(MOp.Lea, Scratch, new Memory(8, Register.Rsp, null, 1, -grows));
                bottom = Scratch;
            }
            Add(MOp.Cmp, bottom, Memory.Qword(X64Registers.Frame, JitFrame.StackLimitOffset));
            Add(MOp.Jcc, ErrorStub(JitStatus.StackOverflow), condition: Condition.B);
        }
        foreach (var register in allocation.CalleeSavedUsed) Add(MOp.Push, register);
        if (frameBytes > 0) Add(MOp.Sub, Register.Rsp, MOperand.Imm(frameBytes));
        // A frame larger than a page is touched a page at a time from the top, as stacks that grow through a single
        // guard page require (Windows; Linux before 4.20 refused faults far below rsp). The check above already
        // proved every page is within the thread's stack.
        for (int offset = frameBytes - PageSize; offset >= 0 && frameBytes > PageSize; offset -= PageSize)
            Add(MOp.Mov, Scratch, Memory.Qword(Register.Rsp, offset));
    }

    /// <summary>The second half of the prologue: parameters move from where the convention puts them to where the
    /// allocator wants them. (Shrink-wrapped, all of them arrive in registers and stay in caller-saved ones.)</summary>
    void MoveParameters()
    {
        var moves = new List<(MOperand, MOperand)>();
        // Past the return address (and the caller's shadow space, where the convention has one).
        int incoming = wrap is not null ? 8 + convention.ShadowSpace : frameBytes + 8 * allocation.CalleeSavedUsed.Count + 8 + convention.ShadowSpace;
        var registers = convention.AssignArguments(function.ParamTypes.Select(t => t.IsFloat()).ToArray(), reservedIntegers: 1);
        var stackIndex = new int[registers.Length];
        for (int i = 0, onStack = 0; i < registers.Length; i++) stackIndex[i] = registers[i] is null ? onStack++ : -1;
        foreach (var instr in function.Entry.Instrs)
        {
            if (!instr.HasResult || allocation.Locations[instr.Result].Kind == LocationKind.None) continue;
            if (instr.Op == Op.Param)
            {
                MOperand from = registers[instr.Imm] is { } register
                    ? register
                    : Memory.Qword(Register.Rsp, incoming + 8 * stackIndex[instr.Imm]);
                moves.Add((Where(instr.Result, 8), from));
            }
        }
        ParallelMove(moves);
    }

    /// <summary>Returns: takes the frame down first, unless <paramref name="block"/> runs before it was set up (the fast
    /// side of a shrink-wrapped function).</summary>
    void Epilogue(Block block)
    {
        if (wrap is not null && wrap.Fast.Contains(block))
        {
            Add(MOp.Ret);
            return;
        }
        if (frameBytes > 0) Add(MOp.Add, Register.Rsp, MOperand.Imm(frameBytes));
        for (int i = allocation.CalleeSavedUsed.Count - 1; i >= 0; i--) Add(MOp.Pop, allocation.CalleeSavedUsed[i]);
        Add(MOp.Ret);
    }

    /// <summary>An out-of-line stub that reports <paramref name="status"/>: it loads the frame pointer and the status
    /// into the error exit's registers and jumps there; the exit unwinds every native frame at once.</summary>
    Label ErrorStub(JitStatus status)
    {
        if (errorStubs.TryGetValue(status, out var label)) return label;
        label = asm.CreateLabel($"{function.Name}.{status}");
        cold.Add(new MachineInstr(MOp.Label, label));
        cold.Add(new MachineInstr(MOp.Mov, convention.IntegerArguments[0], X64Registers.Frame));
        cold.Add(new MachineInstr(MOp.Mov, convention.IntegerArguments[1].As32, MOperand.Imm((long)status)));
        cold.Add(new MachineInstr(MOp.Jmp, errorExit));
        errorStubs[status] = label;
        return label;
    }

    /// <summary>While the type's flag is 0, a cold stub leaves the flag's address in the frame's result and reports
    /// <see cref="JitStatus.TypeInitializer"/>; the thunk runs the initializer and calls again.</summary>
    void EmitTypeInitializedCheck(Instr instr)
    {
        var flag = InRegister(instr.Args[0], 8, Scratch);
        var report = ErrorStub(JitStatus.TypeInitializer);
        var stub = asm.CreateLabel($"{function.Name}.typeinit");
        Add(MOp.Cmp, Memory.Qword(flag, 0), MOperand.Imm(0));
        Add(MOp.Jcc, stub, condition: Condition.E);
        cold.Add(new MachineInstr(MOp.Label, stub));
        cold.Add(new MachineInstr(MOp.Mov, Memory.Qword(X64Registers.Frame, JitFrame.ResultOffset), flag));
        cold.Add(new MachineInstr(MOp.Jmp, report));
    }

    /// <summary>Stores the helper's arguments and index in the frame and reports <see cref="JitStatus.ThrowHelper"/>:
    /// the thunk calls the helper, which throws. The arguments are never read again here, so their slots are free.</summary>
    void EmitThrowViaHelper(Instr instr)
    {
        for (int i = 0; i < instr.Args.Length; i++)
        {
            int size = SizeOf(function.ValueTypes[instr.Args[i]]);
            Move(new Memory(size, X64Registers.Frame, null, 1, JitFrame.ArgumentsOffset + 8 * i), Where(instr.Args[i], size));
        }
        Add(MOp.Mov, Memory.Qword(X64Registers.Frame, JitFrame.ResultOffset), MOperand.Imm(instr.Imm));
        Add(MOp.Jmp, ErrorStub(JitStatus.ThrowHelper));
    }

    // ------------------------------------------------------------------ operands

    static int SizeOf(IrType type) => type is IrType.I32 or IrType.F32 ? 4 : 8;
    /// <summary>A general-purpose register at the width of a value; an xmm register is itself at every width.</summary>
    static Register Sized(Register register, int size) => register.IsXmm ? register : size == 4 ? register.As32 : register.As64;

    /// <summary>A value as an operand of the given size: its register, its stack slot, or its constant.</summary>
    MOperand Where(int value, int size)
    {
        var location = allocation.Locations[value];
        return location.Kind switch
        {
            LocationKind.Register => Sized(location.Register, size),
            LocationKind.Stack => SlotMemory(location.Slot, size),
            LocationKind.Immediate when definitions[value] is { Type: IrType.F32 or IrType.F64 } constant => PoolEntry(constant.Imm, size),
            LocationKind.Immediate => MOperand.Imm(definitions[value]!.Imm),
            _ => throw new InvalidOperationException($"v{value} has no location"),
        };
    }

    MOperand Where(int value) => Where(value, SizeOf(function.ValueTypes[value]));

    Memory SlotMemory(int slot, int size) => new(size, Register.Rsp, null, 1, 8 * (outgoingSlots + slot));

    /// <summary>The register to compute a result in: its own, or the scratch register of its class when it lives in
    /// memory.</summary>
    Register Target(Instr instr)
    {
        var location = allocation.Locations[instr.Result];
        var scratch = instr.Type.IsFloat() ? X64Registers.XmmScratch : Scratch;
        return Sized(location.Kind == LocationKind.Register ? location.Register : scratch, SizeOf(instr.Type));
    }

    /// <summary>Stores a result computed in the scratch register to its stack slot.</summary>
    void Store(Instr instr, Register computed)
    {
        var destination = Where(instr.Result);
        if (!(destination.IsRegister && destination.Register == computed)) Move(destination, computed);
    }

    /// <summary>The value in a register: its own, or loaded into <paramref name="scratch"/>.</summary>
    Register InRegister(int value, int size, Register scratch)
    {
        var operand = Where(value, size);
        if (operand.IsRegister) return operand.Register;
        Move(Sized(scratch, size), operand);
        return Sized(scratch, size);
    }

    void Move(MOperand destination, MOperand source)
    {
        if (destination.IsRegister && source.IsRegister && destination.Register == source.Register) return;
        if (destination.IsRegister && destination.Register.IsXmm || source.IsRegister && source.Register.IsXmm)
        {
            MoveXmm(destination, source);
            return;
        }
        if (destination.IsMemory && source.IsMemory)
        {
            var temp = Sized(Scratch, source.Memory.Size);
            Add(MOp.Mov, temp, source);
            source = temp;
        }
        Add(MOp.Mov, destination, source);
    }

    static bool SameRegister(MOperand a, MOperand b) =>
        a.IsRegister && b.IsRegister && a.Register.Number == b.Register.Number && a.Register.IsXmm == b.Register.IsXmm;

    /// <summary>
    /// Moves that happen "at once" (phi copies, call arguments, incoming parameters): emit any move whose destination
    /// no pending move still reads; when only cycles remain, save one destination in a scratch register and let the
    /// moves that read it read the scratch instead.
    /// </summary>
    void ParallelMove(List<(MOperand Destination, MOperand Source)> moves)
    {
        moves = moves.Where(m => !SameRegister(m.Destination, m.Source) && m.Destination != m.Source).ToList();
        while (moves.Count > 0)
        {
            int ready = moves.FindIndex(m => !moves.Any(other => Reads(other.Source, m.Destination)));
            if (ready < 0)
            {
                var blocked = moves[0].Destination;
                Move(Scratch2, blocked);
                for (int i = 0; i < moves.Count; i++)
                    if (Reads(moves[i].Source, blocked)) moves[i] = (moves[i].Destination, Scratch2);
                continue;
            }
            Move(moves[ready].Destination, moves[ready].Source);
            moves.RemoveAt(ready);
        }
    }

    static bool Reads(MOperand source, MOperand location) =>
        SameRegister(source, location) || source.IsMemory && location.IsMemory && source.Memory == location.Memory;

    // ------------------------------------------------------------------ blocks

    void EmitBlock(Block block, Block? next)
    {
        Add(MOp.Label, blockLabels[block]);
        if (block == wrap?.Slow) SetUpFrame();
        foreach (var instr in block.Instrs)
        {
            if (instr.Op is Op.Phi or Op.Param) continue;
            if (instr.HasResult && allocation.Locations[instr.Result].Kind is LocationKind.None or LocationKind.Immediate
                && !instr.Op.Is(OpFlags.CanThrow)) continue;  // an immediate, or dead and harmless
            EmitInstr(instr, block, next);
        }
    }

    void EmitInstr(Instr instr, Block block, Block? next)
    {
        switch (instr.Op)
        {
            case Op.Const: EmitConst(instr); break;
            case Op.Copy: Move(Where(instr.Result), Where(instr.Args[0])); break;
            case Op.And when lowered.Fused[instr.Result]: break;  // the branch emits `test`
            case Op.Add or Op.Sub or Op.And or Op.Or or Op.Xor or Op.Mul: EmitBinary(instr); break;
            case Op.AddOvf or Op.AddOvfUn or Op.SubOvf or Op.SubOvfUn or Op.MulOvf: EmitBinary(instr); break;
            case Op.MulOvfUn: EmitWideMultiply(instr, MOp.MulWide, Register.Rax); break;
            case var op when CheckedArithmetic.ConversionOf(op) is { } conversion: EmitCheckedConversion(instr, conversion); break;
            case Op.Neg or Op.Not: EmitUnary(instr); break;
            case Op.Shl or Op.Shr or Op.ShrU: EmitShift(instr); break;
            case Op.Div or Op.DivU or Op.Rem or Op.RemU: EmitDivision(instr); break;
            case Op.MulHigh: EmitWideMultiply(instr, MOp.ImulWide, Register.Rdx); break;
            case Op.SignExtend8 or Op.SignExtend16 or Op.ZeroExtend8 or Op.ZeroExtend16 or Op.SignExtend32:
                EmitExtension(instr);
                break;
            case Op.ZeroExtend32 or Op.Truncate:
                {
                    // A 32-bit move clears the upper half: zero-extension and truncation are the same instruction,
                    // and it is emitted even onto the same register (`mov eax, eax`), which is what clears it.
                    var target = Target(instr).As32;
                    Add(MOp.Mov, target, Where(instr.Args[0], 4));
                    Store(instr, Sized(target, SizeOf(instr.Type)));
                    break;
                }
            case var op when op.Is(OpFlags.Compare):
                if (!lowered.Fused[instr.Result]) EmitCompare(instr);
                break;
            case Op.Call or Op.CallNative: EmitCall(instr, block); break;
            case Op.SecondResult: break;  // the call before it moves it out of rdx or xmm1
            case Op.FAdd or Op.FSub or Op.FMul or Op.FDiv: EmitFloatBinary(instr); break;
            case Op.FNeg or Op.FAbs: EmitSignOperation(instr); break;
            case Op.FMin or Op.FMax: EmitMinMax(instr); break;
            case Op.FCopySign: EmitCopySign(instr); break;
            case Op.FMulAdd: EmitFusedMultiplyAdd(instr); break;
            case Op.FSqrt or Op.FRoundEven or Op.FFloor or Op.FCeiling or Op.FTruncate or Op.FloatConvert: EmitFloatUnary(instr); break;
            case Op.IntToFloat or Op.UIntToFloat: EmitIntegerToFloat(instr); break;
            case Op.FloatToInt: EmitFloatToInt(instr); break;
            case Op.FloatToUInt: EmitFloatToUInt(instr); break;
            case Op.FloatToIntChecked or Op.FloatToUIntChecked: EmitCheckedFloatToInt(instr); break;
            case Op.Bitcast: EmitBitcast(instr); break;
            case Op.CheckFinite: EmitCheckFinite(instr); break;
            case Op.FSign: EmitSign(instr); break;
            case Op.EnsureTypeInitialized: EmitTypeInitializedCheck(instr); break;
            case Op.Load: EmitLoad(instr); break;
            case Op.Store: EmitStore(instr); break;
            case Op.Zero: EmitZero(instr); break;
            case Op.CheckNull: EmitCheckNull(instr); break;
            case Op.CheckBounds or Op.CheckArgumentRange: EmitCheckBounds(instr); break;
            case Op.ArrayLength: EmitArrayLength(instr); break;
            case Op.ElementAddress or Op.FrameAddress: EmitAddress(instr); break;
            case Op.ThrowViaHelper: EmitThrowViaHelper(instr); break;
            case Op.Jump:
                EmitPhiMoves(block, instr.Targets[0]);
                if (instr.Targets[0] != next) Add(MOp.Jmp, blockLabels[instr.Targets[0]]);
                break;
            case Op.Branch: EmitBranch(instr, next); break;
            case Op.Switch: EmitSwitch(instr, next); break;
            case Op.Return:
                {
                    var registers = convention.ResultRegisters(function.ReturnType, function.SecondReturnType);
                    var moves = new List<(MOperand, MOperand)>();
                    for (int i = 0; i < instr.Args.Length; i++)
                    {
                        int size = SizeOf(function.ValueTypes[instr.Args[i]]);
                        moves.Add((Sized(registers[i], size), Where(instr.Args[i], size)));
                    }
                    ParallelMove(moves);
                    Epilogue(block);
                    break;
                }
            default:
                throw new JitException($"{function.Name}: no x64 template for '{instr.Op.Name()}'");
        }
    }

    void EmitConst(Instr instr)
    {
        // Only 64-bit constants reach here; 32-bit ones are immediates wherever they are used.
        var target = Target(instr);
        Add(MOp.Mov, target, MOperand.Imm(instr.Imm));
        Store(instr, target);
    }

    void EmitBinary(Instr instr)
    {
        int size = SizeOf(instr.Type);
        var a = Where(instr.Args[0]);
        var b = Where(instr.Args[1]);
        var target = Target(instr);
        bool commutative = instr.Op.Is(OpFlags.Commutative);

        // x64 overwrites the first operand: keep the second out of the way, or swap when the order does not matter.
        if (commutative && (SameRegister(b, target) && !SameRegister(a, target) || a.IsImmediate && !b.IsImmediate)) (a, b) = (b, a);
        if (SameRegister(b, target) && !SameRegister(a, target))
        {
            Move(Sized(Scratch2, size), b);
            b = Sized(Scratch2, size);
        }

        if (instr.Op is Op.Mul or Op.MulOvf && b.IsImmediate)
        {
            if (a.IsImmediate)
            {
                Move(target, a);
                a = target;
            }
            Add(MOp.Imul, target, a, MOperand.Imm(b.Immediate));  // three-operand form: no move needed
        }
        else if (instr.Op == Op.Add && a.IsRegister && !SameRegister(a, target) && (b.IsRegister || b.IsImmediate))
        {
            // lea computes a + b into a third register in one instruction.
            var address = b.IsRegister
                ? new Memory(size, a.Register.As64, b.Register.As64, 1, 0)
                : new Memory(size, a.Register.As64, null, 1, (int)b.Immediate);
            Add(MOp.Lea, target, address);
        }
        else if (instr.Op == Op.Sub && a.IsRegister && !SameRegister(a, target) && b.IsImmediate && b.Immediate != int.MinValue)
        {
            Add(MOp.Lea, target, new Memory(size, a.Register.As64, null, 1, -(int)b.Immediate));  // a - k = a + (-k)
        }
        else
        {
            Move(target, a);
            var op = instr.Op switch
            {
                Op.Add or Op.AddOvf or Op.AddOvfUn => MOp.Add, Op.Sub or Op.SubOvf or Op.SubOvfUn => MOp.Sub,
                Op.And => MOp.And, Op.Or => MOp.Or, Op.Xor => MOp.Xor,
                _ => MOp.Imul,
            };
            Add(op, target, b);
        }
        // Signed overflow sets OF (imul too, when the product does not fit); an unsigned sum that carries out, or a
        // difference that borrows, sets CF.
        if (instr.Op.IsCheckedArithmetic())
            Add(MOp.Jcc, ErrorStub(JitStatus.Overflow), condition: instr.Op.IsUnsignedArithmetic() ? Condition.B : Condition.O);
        Store(instr, target);
    }

    /// <summary>
    /// The one-operand multiplies, which multiply rax by their operand into rdx:rax. mulhi (imul) keeps the high half.
    /// mul.ovf.un (mul) keeps the low half, and mul sets OF (and CF) exactly when the high half is not zero, that is
    /// when the unsigned product does not fit.
    /// </summary>
    void EmitWideMultiply(Instr instr, MOp multiply, Register half)
    {
        int size = SizeOf(instr.Type);
        var (a, b) = (Where(instr.Args[0]), Where(instr.Args[1]));
        if (a.IsImmediate || b.IsRegister && b.Register.Number is 0) (a, b) = (b, a);
        if (b.IsImmediate || b.IsRegister && b.Register.Number is 0 or 2)
        {
            Move(Sized(Scratch, size), b);
            b = Sized(Scratch, size);
        }
        Move(Sized(Register.Rax, size), a);
        Add(multiply, b);
        if (multiply == MOp.MulWide) Add(MOp.Jcc, ErrorStub(JitStatus.Overflow), condition: Condition.O);
        Move(Where(instr.Result), Sized(half, size));
    }

    /// <summary>
    /// conv.ovf.*: jumps to the overflow stub unless the operand's value lies in the range the target accepts; a value
    /// in range already has the target's bits, so what remains is the plain widening or truncation to the result.
    /// The test depends on the range: none when every operand fits; the sign bit when it is [0, signed maximum];
    /// one unsigned comparison when it is [0, k] for an immediate k (negative values are huge unsigned ones); and
    /// otherwise, for [-2^(n-1), 2^(n-1)) and [0, 2^32) from 64 bits, whether extending the low n bits again gives the
    /// operand back.
    /// </summary>
    void EmitCheckedConversion(Instr instr, CheckedArithmetic.Conversion conversion)
    {
        var sourceType = function.ValueTypes[instr.Args[0]];
        int size = SizeOf(sourceType);
        var source = Where(instr.Args[0], size);
        if (source.IsImmediate)
        {
            Move(Sized(Scratch, size), source);
            source = Sized(Scratch, size);
        }
        var (min, max) = CheckedArithmetic.Accepted(conversion, sourceType);
        var (sourceMin, sourceMax) = CheckedArithmetic.RangeOf(sourceType, conversion.UnsignedSource);
        if (min != sourceMin || max != sourceMax)
        {
            var overflow = ErrorStub(JitStatus.Overflow);
            if (min == 0 && max == (size == 4 ? int.MaxValue : long.MaxValue))
            {
                Add(MOp.Cmp, source, MOperand.Imm(0));
                Add(MOp.Jcc, overflow, condition: Condition.S);
            }
            else if (min == 0 && max <= int.MaxValue)  // cmp sign-extends its 32-bit immediate
            {
                Add(MOp.Cmp, source, MOperand.Imm((long)max));
                Add(MOp.Jcc, overflow, condition: Condition.A);
            }
            else
            {
                var extended = Sized(Scratch2, size);
                if (min < 0) Add(conversion.TargetBits == 32 ? MOp.Movsxd : MOp.Movsx, extended, LowPart(source, conversion.TargetBits / 8));
                else if (max == uint.MaxValue) Add(MOp.Mov, extended.As32, LowPart(source, 4));
                else throw new InvalidOperationException($"no test for the range [{min}, {max}] of '{instr}'");
                Add(MOp.Cmp, extended, source);
                Add(MOp.Jcc, overflow, condition: Condition.NE);
            }
        }
        var target = Target(instr);
        if (instr.Type == sourceType) Move(target, source);
        else if (instr.Type == IrType.I32) Add(MOp.Mov, target, LowPart(source, 4));  // even onto itself, like trunc
        else if (conversion.UnsignedSource) Add(MOp.Mov, target.As32, source);   // a 32-bit move clears the upper half
        else Add(MOp.Movsxd, target, source);
        Store(instr, target);
    }

    /// <summary>The low <paramref name="bytes"/> bytes of a register or memory operand.</summary>
    static MOperand LowPart(MOperand operand, int bytes) => operand.IsMemory
        ? operand.Memory.WithSize(bytes)
        : bytes switch { 1 => operand.Register.As8, 2 => operand.Register.As16, 4 => operand.Register.As32, _ => operand.Register.As64 };

    void EmitUnary(Instr instr)
    {
        var target = Target(instr);
        Move(target, Where(instr.Args[0]));
        Add(instr.Op == Op.Neg ? MOp.Neg : MOp.Not, target);
        Store(instr, target);
    }

    void EmitShift(Instr instr)
    {
        int size = SizeOf(instr.Type);
        var op = instr.Op switch { Op.Shl => MOp.Shl, Op.Shr => MOp.Sar, _ => MOp.Shr };
        var count = Where(instr.Args[1], 4);
        if (count.IsImmediate)
        {
            var target = Target(instr);
            Move(target, Where(instr.Args[0]));
            Add(op, target, MOperand.Imm(count.Immediate & (size * 8 - 1)));  // the CLR masks the count like the hardware
            Store(instr, target);
            return;
        }
        // The count must be in cl. Compute in a register that is neither rcx nor the count's own register.
        var own = Target(instr);
        var work = own.Number == Register.Rcx.Number || SameRegister(own, count) ? Sized(Scratch, size) : own;
        Move(work, Where(instr.Args[0]));
        Move(Register.Ecx, count);
        Add(op, work, Register.Cl);
        Store(instr, work);
    }

    /// <summary>idiv and div divide rdx:rax. Division by zero and MinValue / -1 would fault (and kill the process),
    /// so both are checked first and reported as the CLR's DivideByZeroException and OverflowException. The checks
    /// come before rax is loaded, so they read the operands where the allocator put them, before anything moves.</summary>
    void EmitDivision(Instr instr)
    {
        int size = SizeOf(instr.Type);
        bool signed = instr.Op is Op.Div or Op.Rem;
        var dividend = Where(instr.Args[0]);
        var divisor = Where(instr.Args[1]);
        long? constant = divisor.IsImmediate ? divisor.Immediate : null;
        if (divisor.IsImmediate || divisor.IsRegister && divisor.Register.Number is 0 or 2)
        {
            Move(Sized(Scratch, size), divisor);
            divisor = Sized(Scratch, size);
        }
        if (constant is null or 0)
        {
            if (divisor.IsRegister) Add(MOp.Test, divisor, divisor); else Add(MOp.Cmp, divisor, MOperand.Imm(0));
            Add(MOp.Jcc, ErrorStub(JitStatus.DivideByZero), condition: Condition.E);
        }
        // A constant dividend other than MinValue cannot overflow (and an i64 MinValue is never an immediate).
        long min = size == 4 ? int.MinValue : long.MinValue;
        if (signed && constant is null or -1 && !(dividend.IsImmediate && dividend.Immediate != min))
        {
            Add(MOp.Cmp, divisor, MOperand.Imm(-1));
            if (dividend.IsImmediate) Add(MOp.Jcc, ErrorStub(JitStatus.Overflow), condition: Condition.E);
            else
            {
                var divide = asm.CreateLabel();
                Add(MOp.Jcc, divide, condition: Condition.NE);
                Add(MOp.Cmp, dividend, MOperand.Imm(1));  // overflows exactly when the dividend is MinValue
                Add(MOp.Jcc, ErrorStub(JitStatus.Overflow), condition: Condition.O);
                Add(MOp.Label, divide);
            }
        }
        Move(Sized(Register.Rax, size), dividend);
        if (signed) Add(size == 8 ? MOp.Cqo : MOp.Cdq);
        else Add(MOp.Xor, Register.Edx, Register.Edx);
        Add(signed ? MOp.Idiv : MOp.Div, divisor);
        var result = Sized(instr.Op is Op.Div or Op.DivU ? Register.Rax : Register.Rdx, size);
        Move(Where(instr.Result), result);
    }

    void EmitExtension(Instr instr)
    {
        var (op, fromSize) = instr.Op switch
        {
            Op.SignExtend8 => (MOp.Movsx, 1),
            Op.SignExtend16 => (MOp.Movsx, 2),
            Op.ZeroExtend8 => (MOp.Movzx, 1),
            Op.ZeroExtend16 => (MOp.Movzx, 2),
            _ => (MOp.Movsxd, 4),
        };
        var source = Where(instr.Args[0], fromSize);
        if (source.IsImmediate)
        {
            Move(Scratch.As32, MOperand.Imm(source.Immediate));
            source = Scratch.As32;
        }
        if (source.IsRegister) source = fromSize switch { 1 => source.Register.As8, 2 => source.Register.As16, _ => source.Register.As32 };
        var target = Target(instr);
        Add(op, target, source);
        Store(instr, target);
    }

    static Condition ConditionOf(Op op) => op switch
    {
        Op.Eq => Condition.E, Op.Ne => Condition.NE,
        Op.Lt => Condition.L, Op.Le => Condition.LE, Op.Gt => Condition.G, Op.Ge => Condition.GE,
        Op.LtU => Condition.B, Op.LeU => Condition.BE, Op.GtU => Condition.A, Op.GeU => Condition.AE,
        _ => throw new ArgumentException($"{op} is not a comparison"),
    };

    /// <summary>Emits <c>cmp</c> (or <c>test</c>, or <c>ucomisd</c>) for a comparison and returns the condition under
    /// which it holds (for feq and fne, together with the parity flag: see <see cref="EmitFloatCmp"/>).</summary>
    Condition EmitCmp(Instr compare)
    {
        if (function.ValueTypes[compare.Args[0]].IsFloat()) return EmitFloatCmp(compare);
        if (lowered.Fused[compare.Args[0]] && definitions[compare.Args[0]] is { Op: Op.And } and)
        {
            // (a & b) == 0 / != 0: test sets ZF exactly as the and would.
            int andSize = SizeOf(and.Type);
            var x = Where(and.Args[0], andSize);
            var y = Where(and.Args[1], andSize);
            if (x.IsImmediate) (x, y) = (y, x);
            if (x.IsImmediate || x.IsMemory && y.IsMemory)
            {
                Move(Sized(Scratch, andSize), x);
                x = Sized(Scratch, andSize);
            }
            if (y.IsMemory) (x, y) = (y, x);  // test m, r is the memory form
            Add(MOp.Test, x, y);
            return compare.Op == Op.Eq ? Condition.E : Condition.NE;
        }
        int size = SizeOf(function.ValueTypes[compare.Args[0]]);
        var a = Where(compare.Args[0], size);
        var b = Where(compare.Args[1], size);
        var op = compare.Op;
        if (a.IsImmediate && !b.IsImmediate)
        {
            (a, b) = (b, a);
            op = op.Swap();
        }
        if (a.IsImmediate || a.IsMemory && b.IsMemory)
        {
            Move(Sized(Scratch, size), a);
            a = Sized(Scratch, size);
        }
        Add(MOp.Cmp, a, b);
        return ConditionOf(op);
    }

    void EmitCompare(Instr instr)
    {
        var condition = EmitCmp(instr);
        var target = Target(instr);
        Add(MOp.Set, target.As8, condition: condition);
        if (instr.Op is Op.FEq or Op.FNe)
        {
            // Equal needs "ordered" too (no NaN: parity clear); not-equal is true when unordered (parity set).
            var parity = Scratch2.As8;
            Add(MOp.Set, parity, condition: instr.Op == Op.FEq ? Condition.NP : Condition.P);
            Add(instr.Op == Op.FEq ? MOp.And : MOp.Or, target.As8, parity);
        }
        Add(MOp.Movzx, target.As32, target.As8);
        Store(instr, target);
    }

    void EmitBranch(Instr branch, Block? next)
    {
        Condition condition;
        var cond = branch.Args[0];
        if (lowered.Fused[cond])
        {
            var compare = definitions[cond]!;
            condition = EmitCmp(compare);
            // Unordered operands (a NaN) set the parity flag: feq is then false and fne true, whatever ZF says.
            if (compare.Op == Op.FEq) Add(MOp.Jcc, blockLabels[branch.Targets[1]], condition: Condition.P);
            if (compare.Op == Op.FNe) Add(MOp.Jcc, blockLabels[branch.Targets[0]], condition: Condition.P);
        }
        else
        {
            var value = Where(cond, 4);
            if (value.IsImmediate)
            {
                var target = value.Immediate != 0 ? branch.Targets[0] : branch.Targets[1];
                if (target != next) Add(MOp.Jmp, blockLabels[target]);
                return;
            }
            if (value.IsRegister) Add(MOp.Test, value, value); else Add(MOp.Cmp, value, MOperand.Imm(0));
            condition = Condition.NE;
        }
        var (whenTrue, whenFalse) = (branch.Targets[0], branch.Targets[1]);
        if (whenTrue == next)
        {
            Add(MOp.Jcc, blockLabels[whenFalse], condition: condition.Negate());
            return;
        }
        Add(MOp.Jcc, blockLabels[whenTrue], condition: condition);
        if (whenFalse != next) Add(MOp.Jmp, blockLabels[whenFalse]);
    }

    /// <summary>A switch is a bounds check (unsigned, as CIL defines it) and a binary search over the case numbers —
    /// a few compares, and no jump table in memory.</summary>
    void EmitSwitch(Instr instr, Block? next)
    {
        var value = InRegister(instr.Args[0], 4, Scratch);
        var cases = instr.Targets[..^1];
        var otherwise = instr.Targets[^1];
        Add(MOp.Cmp, value, MOperand.Imm(cases.Length));
        Add(MOp.Jcc, blockLabels[otherwise], condition: Condition.AE);
        void Search(int low, int high)
        {
            if (high - low == 1)
            {
                Add(MOp.Jmp, blockLabels[cases[low]]);
                return;
            }
            int middle = (low + high) / 2;
            var lower = asm.CreateLabel();
            Add(MOp.Cmp, value, MOperand.Imm(middle));
            Add(MOp.Jcc, lower, condition: Condition.B);
            Search(middle, high);
            Add(MOp.Label, lower);
            Search(low, middle);
        }
        if (cases.Length > 0) Search(0, cases.Length);
        else if (otherwise != next) Add(MOp.Jmp, blockLabels[otherwise]);
    }

    void EmitPhiMoves(Block from, Block to)
    {
        int index = to.Preds.IndexOf(from);
        var moves = new List<(MOperand, MOperand)>();
        foreach (var phi in to.Phis)
            if (allocation.Locations[phi.Result].Kind != LocationKind.None)
                moves.Add((Where(phi.Result, 8), Where(phi.Args[index], 8)));
        ParallelMove(moves);
    }

    /// <summary>Where a call's arguments go. The first integer argument register stays reserved in calls between
    /// compiled functions (the entry stub passes the frame pointer in it; between compiled functions the frame pointer
    /// travels in the frame register instead). The C library takes the plain convention.</summary>
    Register?[] ArgumentRegisters(Instr call) => convention.AssignArguments(
        call.Args.Select(a => function.ValueTypes[a].IsFloat()).ToArray(), reservedIntegers: call.Op == Op.Call ? 1 : 0);

    void EmitCall(Instr call, Block block)
    {
        // The CLR answers +NaN for the log of a negative number without asking glibc (see CMathLibrary): 0 > x, which
        // is false for NaN, sends the call to out-of-line code that writes that NaN.
        Label? done = null;
        if (call.Op == Op.CallNative && CMathLibrary.PositiveNaNForNegative(call.Callee!.Name))
        {
            var negative = asm.CreateLabel();
            done = asm.CreateLabel();
            Add(MOp.Xorps, X64Registers.XmmScratch, X64Registers.XmmScratch);
            Add(MOp.Ucomisd, X64Registers.XmmScratch, Where(call.Args[0]));
            Add(MOp.Jcc, negative, condition: Condition.A);
            cold.Add(new MachineInstr(MOp.Label, negative));
            cold.Add(new MachineInstr(MOp.Movsd, X64Registers.XmmScratch2, PoolEntry(BitConverter.DoubleToInt64Bits(double.NaN) & long.MaxValue, 8)));
            var result = Where(call.Result);
            cold.Add(new MachineInstr(result.IsRegister ? MOp.Movaps : MOp.Movsd, result, X64Registers.XmmScratch2));
            cold.Add(new MachineInstr(MOp.Jmp, done));
        }
        var registers = ArgumentRegisters(call);
        var moves = new List<(MOperand, MOperand)>();
        for (int i = 0, onStack = 0; i < call.Args.Length; i++)
        {
            MOperand destination = registers[i] is { } register
                ? register
                : Memory.Qword(Register.Rsp, convention.ShadowSpace + 8 * onStack++);
            moves.Add((destination, Where(call.Args[i], 8)));
        }
        ParallelMove(moves);
        if (call.Op == Op.CallNative)
        {
            // The C library is rarely within ±2 GB of the code: call through a register. r11 carries no argument.
            Add(MOp.Mov, Scratch, MOperand.Imm(call.Imm));
            Add(MOp.Call, Scratch);
        }
        else Add(MOp.Call, calleeLabel(call.Callee!));
        // The results, out of rax/xmm0 and (the second eightbyte of a struct, read by the result2 right after the call)
        // rdx/xmm1, at once: the first may be allocated where the second arrives.
        int at = block.Instrs.IndexOf(call);
        var second = at + 1 < block.Instrs.Count && block.Instrs[at + 1] is { Op: Op.SecondResult } next
            && allocation.Locations[next.Result].Kind != LocationKind.None ? next : null;
        var results = convention.ResultRegisters(call.Type, second?.Type ?? IrType.Void);
        var resultMoves = new List<(MOperand, MOperand)>();
        if (call.HasResult && allocation.Locations[call.Result].Kind != LocationKind.None)
            resultMoves.Add((Where(call.Result), Sized(results[0], SizeOf(call.Type))));
        if (second is not null) resultMoves.Add((Where(second.Result), Sized(results[1], SizeOf(second.Type))));
        ParallelMove(resultMoves);
        if (done is not null) Add(MOp.Label, done);
    }
}
