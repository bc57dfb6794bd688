using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.Baseline;

/// <summary>
/// The baseline tier (<see cref="JitOptions.Optimize"/> off): CIL straight to x64 in one pass, with no IR, in the
/// manner of V8's Liftoff. The CIL evaluation stack is modelled at compile time: each entry is a constant, a
/// variable not yet read, a register, the CPU flags of a comparison, or its own stack slot. Arguments and locals
/// live in homes chosen once from a scan of the IL — callee-saved registers for the most used, stack slots for the
/// rest. At every branch and branch target the stack is written to its slots, so every path into a block agrees.
/// </summary>
/// <remarks>
/// A method with something the baseline does not translate (memory, structs, spans, exceptions, intrinsics,
/// checked conversions, ...) is given up: the assembler rewinds to where the function began, and the function goes
/// through the IR pipeline instead (<see cref="TryCompile"/> says why). Compiled functions call each other with the
/// convention of the IR path (<see cref="X64Registers"/>): arguments in the System V registers after the hidden
/// first one, results in rax or xmm0, r15 holding the frame, callee-saved registers preserved.
/// </remarks>
[RequiresUnreferencedCode(CilMethod.ReadsIL)]
sealed partial class BaselineCompiler
{
    /// <summary>Where a stack entry's value is.</summary>
    enum Place : byte { Constant, Variable, Register, Flags, Slot }

    /// <param name="Value">A constant's bits (a float's IEEE bits), a variable's number, or a slot's index.</param>
    /// <param name="Condition">For <see cref="Place.Flags"/>: the condition under which the value is 1.</param>
    /// <param name="NotNull">An address known not to be null (an element's, from ldelema): a load or store through it
    /// needs no null check. Lost when the entry moves to a slot or a variable, which only costs a check.</param>
    readonly record struct Entry(Place Place, IrType Type, long Value = 0, Register Register = default, Condition Condition = default, bool NotNull = false);

    /// <summary>Thrown where translation meets something the baseline does not do; <see cref="TryCompile"/> catches it.</summary>
    sealed class Refusal(string reason) : Exception(reason);

    // The evaluation stack's registers, caller-saved and never homes; r11 and xmm15 are scratch within one instruction.
    static readonly Register[] IntegerPool = [Register.Rax, Register.Rcx, Register.Rdx, Register.Rsi, Register.Rdi, Register.R8, Register.R9, Register.R10];
    static readonly Register[] FloatPool = [Register.Xmm0, Register.Xmm1, Register.Xmm2, Register.Xmm3, Register.Xmm4, Register.Xmm5, Register.Xmm6, Register.Xmm7];
    static readonly Register[] IntegerHomes = [Register.Rbx, Register.R12, Register.R13, Register.R14, Register.Rbp];
    static readonly Register[] FloatHomes = [Register.Xmm8, Register.Xmm9, Register.Xmm10, Register.Xmm11, Register.Xmm12, Register.Xmm13];
    static readonly Register Scratch = X64Registers.Scratch, XmmScratch = X64Registers.XmmScratch;

    readonly CilMethod cil;
    readonly CallingConvention convention;
    readonly X64Assembler asm;
    readonly Func<CallTarget, Label> calleeEntry;
    readonly Label errorExit;
    readonly CilInstruction[] code;
    readonly int thisOffset;             // 1 when IL argument 0 is a lambda's unused `this`

    // Variables: the IL arguments, then the locals.
    readonly Type[] variableTypes;
    readonly IrType[] variableIrTypes;
    readonly Register?[] homeRegisters;
    readonly int[] homeSlots;            // rsp offset of a variable kept in memory (0: none; the evaluation stack's slots come first)
    readonly List<Register> pushed = [];

    readonly Entry[] stack;
    int depth;
    readonly Label?[] labels;            // by IL offset: branch targets
    readonly IrType[]?[] entryTypes;     // by IL offset: the stack's types where branches meet
    readonly bool[] loopHeads;
    readonly Label?[] errorStubs = new Label?[16];
    int frameBytes;
    int position;                        // the instruction being translated
    int outVariable = -1;                // the variable whose address was just taken, for the next call's out argument
    bool hasCalls, usesFloatingPoint, writesMemory;

    BaselineCompiler(CilMethod cil, bool ignoreThis, CallingConvention convention, X64Assembler asm,
        Func<CallTarget, Label> calleeEntry, Label errorExit)
    {
        this.cil = cil;
        this.convention = convention;
        this.asm = asm;
        this.calleeEntry = calleeEntry;
        this.errorExit = errorExit;
        code = cil.Decode();
        thisOffset = ignoreThis ? 1 : 0;
        variableTypes = [.. ignoreThis ? [typeof(object)] : Array.Empty<Type>(), .. cil.ParameterTypes, .. cil.LocalTypes];
        variableIrTypes = new IrType[variableTypes.Length];
        homeRegisters = new Register?[variableTypes.Length];
        homeSlots = new int[variableTypes.Length];
        stack = new Entry[cil.MaxStack + 1];
        labels = new Label?[cil.IL.Length + 1];
        entryTypes = new IrType[]?[cil.IL.Length + 1];
        loopHeads = new bool[cil.IL.Length + 1];
    }

    /// <summary>Translates <paramref name="cil"/> starting at <paramref name="entry"/>, or leaves the assembler as it
    /// was and returns null with the reason in <paramref name="refusal"/>.</summary>
    /// <param name="explain">Receives where the variables live and how large the frame is (the machine code itself
    /// appears in the unit's disassembly).</param>
    public static JitCompiler.CompiledFunction? TryCompile(CilMethod cil, bool ignoreThis, CallingConvention convention, X64Assembler asm,
        Label entry, Func<CallTarget, Label> calleeEntry, Label errorExit, Action<string>? explain, out string? refusal)
    {
        var mark = asm.Mark();
        try
        {
            var compiler = new BaselineCompiler(cil, ignoreThis, convention, asm, calleeEntry, errorExit);
            refusal = compiler.Scan();
            if (refusal is not null) return null;
            var function = compiler.Emit(entry);
            explain?.Invoke(compiler.Describe());
            return function;
        }
        catch (Refusal e)
        {
            asm.Rewind(mark);
            refusal = e.Message;
            return null;
        }
    }

    // ------------------------------------------------------------------ scan

    /// <summary>One look at the IL before any code: refuses what the baseline does not translate, finds branch
    /// targets and loops, and gives the most used integer variables callee-saved registers (floating-point ones xmm
    /// registers when nothing is called, since a call clobbers them all).</summary>
    string? Scan()
    {
        if (cil.ExceptionClauseCount > 0) return "the method has exception handlers";
        if (cil.Method.DeclaringType is { } declaring && TypeInitializers.NeedsCheck(declaring)) return "its type has a static constructor";
        if (cil.ReturnType != typeof(void) && !IsScalar(cil.ReturnType)) return $"it returns {cil.ReturnType.Name}";
        for (int v = 0; v < variableTypes.Length; v++)
        {
            if (v < thisOffset) continue;
            if (!IsScalar(variableTypes[v]) && !IsPrimitiveReference(variableTypes[v]))
                return $"{(v < ArgumentCount ? "a parameter" : "a local")} has type {variableTypes[v].Name}";
            CilImporter.TryGetType(variableTypes[v], out variableIrTypes[v]);
        }

        // Loops: an instruction's weight grows tenfold with each loop around it.
        var nesting = new int[code.Length + 1];
        var indexAt = new int[cil.IL.Length + 1];
        for (int i = 0; i < code.Length; i++) indexAt[code[i].Offset] = i;
        bool usesFloats = variableIrTypes.Any(t => t.IsFloat()) || cil.ReturnType == typeof(double) || cil.ReturnType == typeof(float);
        bool helperOperations = false;
        for (int i = 0; i < code.Length; i++)
        {
            var at = code[i];
            if (Refuses(at, i + 1 < code.Length ? code[i + 1] : null) is { } reason) return $"IL_{at.Offset:x4} {at.OpCode.Name}: {reason}";
            usesFloats |= at.Op is CilOp.Ldc_R4 or CilOp.Ldc_R8 or CilOp.Conv_R4 or CilOp.Conv_R8 or CilOp.Conv_R_Un
                || at.Op == CilOp.Call && callees?.GetValueOrDefault(at.Token) is { } callee && (callee.Result.IsFloat() || callee.Parameters.Any(t => t.IsFloat()))
                || IsMemoryAccess(at.Op) && ElementAccess(at)!.Value.Type.IsFloat()
                || IsStaticField(at.Op) && staticFields![at.Offset].Access.Type.IsFloat();
            writesMemory |= WritesMemory(at.Op);
            helperOperations |= MayCallHelper(at.Op);
            if (at.Targets is { } targets) foreach (var t in targets) labels[t] ??= asm.CreateLabel();
            else if (at.OpCode.Flow is CilFlow.Branch or CilFlow.CondBranch)
            {
                labels[at.Target] ??= asm.CreateLabel();
                if (at.Target <= at.Offset)
                {
                    loopHeads[at.Target] = true;
                    nesting[indexAt[at.Target]]++;
                    nesting[indexAt[at.Offset] + 1]--;
                }
            }
        }
        // On floating-point values these operations call helpers: then nothing may live in an xmm register across them.
        if (usesFloats && helperOperations) hasCalls = true;
        var weights = new long[variableTypes.Length];
        for (int i = 0, level = 0; i < code.Length; i++)
        {
            level += nesting[i];
            if (VariableOf(code[i]) is int v) weights[v] += (long)Math.Pow(10, Math.Min(level, 6));
        }

        // Homes: registers by weight, then slots after the evaluation stack's.
        var order = Enumerable.Range(0, variableTypes.Length).Where(v => weights[v] > 0).OrderByDescending(v => weights[v]).ToList();
        // The frame, from rsp up: outgoing stack arguments, the evaluation stack's slots, variables kept in memory.
        int integers = 0, floats = 0, slots = outgoingSlots + stack.Length;
        foreach (int v in order)
        {
            if (variableIrTypes[v].IsFloat() ? !hasCalls && floats < FloatHomes.Length : integers < IntegerHomes.Length)
                homeRegisters[v] = variableIrTypes[v].IsFloat() ? FloatHomes[floats++] : IntegerHomes[integers++];
            else homeSlots[v] = 8 * slots++;
        }
        pushed.AddRange(IntegerHomes[..integers]);
        usesFloatingPoint = usesFloats;
        int bytes = 8 * slots;
        bytes += (16 - (8 + 8 * pushed.Count + bytes) % 16) % 16;   // rsp 16-aligned at every call
        frameBytes = bytes;
        if (8 * pushed.Count + frameBytes > 4096) return "its frame is larger than a page";
        return null;
    }

    int ArgumentCount => thisOffset + cil.ParameterTypes.Length;

    /// <summary>One line per variable with its home, then the frame: what the scan decided.</summary>
    string Describe()
    {
        var lines = new List<string>();
        for (int v = thisOffset; v < variableTypes.Length; v++)
        {
            string name = v < ArgumentCount ? $"arg{v - thisOffset}" : $"loc{v - ArgumentCount}";
            string home = homeRegisters[v] is { } r ? r.ToString() : homeSlots[v] != 0 ? $"[rsp+{homeSlots[v]}]" : "unused";
            lines.Add($"{name} {variableTypes[v].Name} -> {home}");
        }
        lines.Add($"evaluation stack: {stack.Length} slots from [rsp+{8 * outgoingSlots}]; frame {frameBytes} bytes; saves {(pushed.Count == 0 ? "nothing" : string.Join(", ", pushed))}"
            + (hasCalls ? "; checks the stack limit (it calls)" : ""));
        return string.Join("\n", lines);
    }

    /// <summary>Scalars: integers, enums, bool, char, nint and floating point (no addresses or structs; arrays of them and
    /// by-refs to them are <see cref="IsPrimitiveReference"/>).</summary>
    static bool IsScalar(Type type) => Type.GetTypeCode(type) is >= TypeCode.Boolean and <= TypeCode.Double and not TypeCode.Decimal
        || type == typeof(nint) || type == typeof(nuint);

    /// <summary>Where each argument travels between compiled functions: its register, or null for the stack.</summary>
    Register?[] ArgumentRegisters(IrType[] types) =>
        convention.AssignArguments([.. types.Select(t => t.IsFloat())], reservedIntegers: 1);

    /// <summary>8-byte slots at the bottom of the frame for the stack arguments of the call that needs most.</summary>
    int outgoingSlots;

    /// <summary>Why the baseline does not translate this instruction, or null when it does.</summary>
    string? Refuses(in CilInstruction at, CilInstruction? next)
    {
        switch (at.Op)
        {
            case CilOp.Ldloca_S or CilOp.Ldloca or CilOp.Ldarga_S or CilOp.Ldarga:
                // Only as the out argument of Math.DivRem or Math.BigMul, which the baseline computes itself.
                return next is { Op: CilOp.Call } call && cil.ResolveMethod(call.Token, call) is MethodInfo method
                    && MathIntrinsics.FindWithOut(method) is not null && VariableOf(at) is int variable && variable >= thisOffset
                    ? null
                    : "an address is taken (the baseline takes one only for the out argument of Math.DivRem and Math.BigMul)";
            case CilOp.Nop or CilOp.Dup or CilOp.Pop or CilOp.Ret
                or (>= CilOp.Ldarg_0 and <= CilOp.Stloc_3) or CilOp.Ldarg_S or CilOp.Starg_S or CilOp.Ldloc_S or CilOp.Stloc_S
                or CilOp.Ldarg or CilOp.Starg or CilOp.Ldloc or CilOp.Stloc
                or (>= CilOp.Ldc_I4_M1 and <= CilOp.Ldc_R8)
                or (>= CilOp.Br_S and <= CilOp.Switch)
                or (>= CilOp.Add and <= CilOp.Not)
                or CilOp.Conv_I1 or CilOp.Conv_I2 or CilOp.Conv_I4 or CilOp.Conv_I8 or CilOp.Conv_R4 or CilOp.Conv_R8
                or CilOp.Conv_U4 or CilOp.Conv_U8 or CilOp.Conv_U2 or CilOp.Conv_U1 or CilOp.Conv_I or CilOp.Conv_U or CilOp.Conv_R_Un
                or (>= CilOp.Conv_Ovf_I1_Un and <= CilOp.Conv_Ovf_U_Un) or (>= CilOp.Conv_Ovf_I1 and <= CilOp.Conv_Ovf_U8)
                or CilOp.Conv_Ovf_I or CilOp.Conv_Ovf_U
                or CilOp.Add_Ovf or CilOp.Add_Ovf_Un or CilOp.Mul_Ovf or CilOp.Mul_Ovf_Un or CilOp.Sub_Ovf or CilOp.Sub_Ovf_Un
                or CilOp.Ceq or CilOp.Cgt or CilOp.Cgt_Un or CilOp.Clt or CilOp.Clt_Un:
                if (VariableOf(at) is int v && (v < thisOffset || v >= variableTypes.Length)) return "it reads `this` or a variable that does not exist";
                return null;
            case CilOp.Ldnull or CilOp.Ldlen:
                return null;
            case var op when IsMemoryAccess(op):
                return ElementAccess(at) is null ? "memory of a type that is not a primitive" : null;
            case var op when IsStaticField(op):
                try
                {
                    // Resolved once (reflection, the type's initializer): the scan and the translation read this.
                    (staticFields ??= [])[at.Offset] = CilImporter.ResolveStaticField(cil, at);
                    return null;
                }
                catch (JitException e)
                {
                    return e.Reason;
                }
            case CilOp.Call:
                var callee = cil.ResolveMethod(at.Token, at);
                if (callee is MethodInfo withOut && MathIntrinsics.FindWithOut(withOut) is not null)
                    return null;   // after the address of its out argument (see above): computed in place, no call
                hasCalls = true;
                // Calls of the method itself (recursion) need no second look.
                if ((callee != cil.Method || thisOffset > 0) && CalleeRefusal(callee) is { } refusal) return refusal;
                callees ??= [];
                if (!callees.ContainsKey(at.Token))
                {
                    var info = (MethodInfo)callee;
                    var target = HelperFunctions.ForIntrinsic(info) ?? new Callee(new CallTarget(CilImporter.NameOf(callee), callee),
                        [.. info.GetParameters().Select(p => { CilImporter.TryGetType(p.ParameterType, out var t); return t; })],
                        CilImporter.TryGetType(info.ReturnType, out var type) ? type : IrType.Void);
                    outgoingSlots = Math.Max(outgoingSlots, ArgumentRegisters(target.Parameters).Count(r => r is null));
                    callees[at.Token] = target;
                }
                return null;
            default:
                return "not translated by the baseline";
        }
    }

    /// <summary>A call the baseline makes is a plain call of a static method compiled from its IL, with scalar
    /// parameters in registers; everything the importer treats specially (intrinsics, throw helpers, span and struct
    /// methods) goes through the IR.</summary>
    string? CalleeRefusal(MethodBase callee) => CalleeRefusals.GetValue(callee, c => new StrongBox<string?>(FindCalleeRefusal(c))).Value;

    /// <summary>What a method allows as a callee does not change: the answer is kept as long as the method is.</summary>
    static readonly ConditionalWeakTable<MethodBase, StrongBox<string?>> CalleeRefusals = [];

    Dictionary<int, Callee>? callees;   // by metadata token
    Dictionary<int, (FieldInfo Field, CilImporter.Access Access, long? Constant, nint Address)>? staticFields;   // by IL offset

    static string? FindCalleeRefusal(MethodBase callee)
    {
        if (callee is not MethodInfo info || !callee.IsStatic || callee.IsGenericMethod || callee.ContainsGenericParameters) return "it calls a method that is not a plain static method";
        if (HelperFunctions.ForIntrinsic(info) is not null) return null;   // called as a function compiled through the IR
        if (MathIntrinsics.RoundWithMode(info) is not null
            || RuntimeIntrinsics.HardwareSupport(callee) is not null
            || RuntimeIntrinsics.IsRefused(callee) || ThrowHelpers.NeverReturns(callee))
            return $"it calls {callee.Name}, which the IR path treats specially";
        if (callee.GetMethodBody() is null) return $"{callee.Name} has no IL body";
        if (info.ReturnType != typeof(void) && !IsScalar(info.ReturnType)) return $"{callee.Name} returns {info.ReturnType.Name}";
        var parameters = info.GetParameters();
        var types = new IrType[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
            if (!IsScalar(parameters[i].ParameterType) && !IsPrimitiveReference(parameters[i].ParameterType)
                || !CilImporter.TryGetType(parameters[i].ParameterType, out types[i]))
                return $"{callee.Name} takes {parameters[i].ParameterType.Name}";
        return null;
    }

    /// <summary>Operations that call a helper when their operand is floating point (see <see cref="HelperFunctions"/>).</summary>
    static bool MayCallHelper(CilOp op) => op is CilOp.Rem or CilOp.Conv_U4 or CilOp.Conv_U8 or CilOp.Conv_U
        or (>= CilOp.Conv_Ovf_I1_Un and <= CilOp.Conv_Ovf_U_Un) or (>= CilOp.Conv_Ovf_I1 and <= CilOp.Conv_Ovf_U8) or CilOp.Conv_Ovf_I or CilOp.Conv_Ovf_U;

    /// <summary>The variable an ldarg/starg/ldloc/stloc names (arguments first), or null for any other instruction.</summary>
    int? VariableOf(in CilInstruction at) => at.Op switch
    {
        >= CilOp.Ldarg_0 and <= CilOp.Ldarg_3 => at.Op - CilOp.Ldarg_0,
        >= CilOp.Ldloc_0 and <= CilOp.Ldloc_3 => ArgumentCount + (at.Op - CilOp.Ldloc_0),
        >= CilOp.Stloc_0 and <= CilOp.Stloc_3 => ArgumentCount + (at.Op - CilOp.Stloc_0),
        CilOp.Ldarg_S or CilOp.Starg_S or CilOp.Ldarg or CilOp.Starg => (int)at.Int,
        CilOp.Ldloc_S or CilOp.Stloc_S or CilOp.Ldloc or CilOp.Stloc => ArgumentCount + (int)at.Int,
        CilOp.Ldarga_S or CilOp.Ldarga => (int)at.Int,
        CilOp.Ldloca_S or CilOp.Ldloca => ArgumentCount + (int)at.Int,
        _ => null,
    };

    // ------------------------------------------------------------------ the function

    JitCompiler.CompiledFunction Emit(Label entry)
    {
        asm.Bind(entry);
        if (hasCalls)
        {
            // The stack guard, as the IR path's: where rsp will be, compared with the thread's limit, before any push.
            asm.Lea(Scratch, new Memory(8, Register.Rsp, null, 1, -(8 * pushed.Count + frameBytes)));
            asm.Cmp(Scratch, Memory.Qword(X64Registers.Frame, JitFrame.StackLimitOffset));
            asm.Jcc(Condition.B, ErrorStub(JitStatus.StackOverflow));
        }
        foreach (var register in pushed) asm.Push(register);
        if (frameBytes > 0) asm.Sub(Register.Rsp, frameBytes);
        ReceiveArguments();

        bool reachable = true, hasLoops = false;
        for (position = 0; position < code.Length; position++)
        {
            var at = code[position];
            if (labels[at.Offset] is { } label)
            {
                if (reachable) MeetAt(at.Offset);
                if (loopHeads[at.Offset])
                {
                    asm.Align(16);
                    hasLoops = true;
                }
                asm.Bind(label);
                EnterBlock(at.Offset);
                reachable = true;
            }
            if (!reachable) continue;   // dead code after an unconditional branch: no path reaches it
            if (depth > 0 && stack[depth - 1].Place == Place.Flags && !ConsumesFlags(at.Op)) Materialize(depth - 1);
            reachable = Translate(at);
        }
        if (reachable) throw new Refusal("control falls off the end of the method (invalid IL)");

        for (int status = 0; status < errorStubs.Length; status++)
        {
            if (errorStubs[status] is not { } stub) continue;
            asm.Bind(stub);
            asm.Mov(convention.IntegerArguments[0], X64Registers.Frame);
            asm.Mov(convention.IntegerArguments[1].As32, status);
            asm.Jmp(errorExit);
        }
        bool canFail = errorStubs.Any(s => s is not null);
        return new JitCompiler.CompiledFunction(canFail, hasLoops, hasCalls, hasCalls, usesFloatingPoint,
            WritesMemory: writesMemory, ChecksTypeInitializer: false);
    }

    /// <summary>Arguments move from the convention's registers to their homes, small integers normalized (the caller
    /// passes an int32, as the CLR's callers do); the locals the method reads start at zero.</summary>
    void ReceiveArguments()
    {
        var registers = ArgumentRegisters(variableIrTypes[thisOffset..ArgumentCount]);
        // Past the return address: the caller's stack arguments, 8 bytes each, in order.
        int incoming = frameBytes + 8 * pushed.Count + 8;
        for (int v = thisOffset, onStack = 0; v < ArgumentCount; v++)
        {
            var type = variableIrTypes[v];
            var arrival = registers[v - thisOffset] is { } register
                ? new Entry(Place.Register, type, Register: register)
                : new Entry(Place.Slot, type, (incoming + 8 * onStack++) / 8 - outgoingSlots);   // a "slot" past the frame's end
            if (homeRegisters[v] is null && homeSlots[v] == 0) continue;   // never used
            StoreVariable(v, arrival);
        }
        for (int v = ArgumentCount; v < variableTypes.Length; v++)
        {
            if (homeRegisters[v] is { } home)
            {
                if (home.IsXmm) asm.Xorps(home, home);
                else asm.Xor(home.As32, home.As32);
            }
            else if (homeSlots[v] != 0) asm.Mov(Memory.Qword(Register.Rsp, homeSlots[v]), 0);
        }
    }

    Label ErrorStub(JitStatus status) => errorStubs[(int)status] ??= asm.CreateLabel($"{CilImporter.NameOf(cil.Method)}.{status}");

    // ------------------------------------------------------------------ blocks

    /// <summary>Control reaches a branch target (or leaves by a branch): every entry goes to its own slot, and the
    /// target remembers the stack's types (CIL requires every path to agree).</summary>
    void MeetAt(int target)
    {
        for (int i = 0; i < depth; i++) ToSlot(i);
        var types = new IrType[depth];
        for (int i = 0; i < depth; i++) types[i] = stack[i].Type;
        if (entryTypes[target] is { } expected)
        {
            if (!expected.AsSpan().SequenceEqual(types)) throw new Refusal($"the stack differs between paths into IL_{target:x4}");
        }
        else entryTypes[target] = types;
    }

    /// <summary>At a branch target the stack is in its slots; with no path seen yet (a loop's body entered only from
    /// below) it is empty, as ECMA-335 requires there.</summary>
    void EnterBlock(int offset)
    {
        var types = entryTypes[offset] ??= [];
        depth = types.Length;
        for (int i = 0; i < depth; i++) stack[i] = new Entry(Place.Slot, types[i], i);
    }

    static bool ConsumesFlags(CilOp op) => op is CilOp.Brtrue or CilOp.Brtrue_S or CilOp.Brfalse or CilOp.Brfalse_S;

    /// <summary>The slot of the evaluation stack's entry <paramref name="index"/>, above the outgoing arguments.</summary>
    Memory SlotOf(int index, IrType type) => new(SizeOf(type), Register.Rsp, null, 1, 8 * (outgoingSlots + index));

    static int SizeOf(IrType type) => type is IrType.I32 or IrType.F32 ? 4 : 8;

    // ------------------------------------------------------------------ the value stack

    void Push(in Entry entry) => stack[depth++] = entry;

    Entry Pop() => depth > 0 ? stack[--depth] : throw new Refusal("the evaluation stack underflows (invalid IL)");

    /// <summary>Registers held by entries on the stack.</summary>
    uint Busy()
    {
        uint mask = 0;
        for (int i = 0; i < depth; i++) mask |= MaskOf(stack[i]);
        return mask;
    }

    static uint MaskOf(in Entry entry) => entry.Place == Place.Register ? X64Registers.Mask(entry.Register) : 0;

    /// <summary>A free register of the type's class, not in <paramref name="exclude"/>; when all are taken, the
    /// deepest entry in one goes to its slot.</summary>
    Register Allocate(IrType type, uint exclude = 0)
    {
        var pool = type.IsFloat() ? FloatPool : IntegerPool;
        uint busy = Busy() | exclude;
        foreach (var register in pool)
            if ((busy & X64Registers.Mask(register)) == 0) return register;
        for (int i = 0; i < depth; i++)
            if (stack[i].Place == Place.Register && stack[i].Register.IsXmm == type.IsFloat() && (exclude & MaskOf(stack[i])) == 0)
            {
                var register = stack[i].Register;
                ToSlot(i);
                return register;
            }
        throw new Refusal("the evaluation stack needs more registers than there are");
    }

    /// <summary>Moves entry <paramref name="index"/> to its slot (a flags entry becomes 0 or 1 first).</summary>
    void ToSlot(int index)
    {
        var entry = stack[index];
        if (entry.Place == Place.Slot) return;
        if (entry.Place == Place.Flags)
        {
            Materialize(index);
            entry = stack[index];
        }
        var slot = SlotOf(index, entry.Type);
        if (entry.Place == Place.Register) StoreRegister(slot, entry.Register, entry.Type);
        else
        {
            var scratch = entry.Type.IsFloat() ? XmmScratch : Scratch;
            StoreRegister(slot, Load(entry, entry.Type, scratch), entry.Type);
        }
        stack[index] = new Entry(Place.Slot, entry.Type, index);
    }

    /// <summary>Writes every entry that lives in one of <paramref name="registers"/> to its slot.</summary>
    void Evict(uint registers)
    {
        for (int i = 0; i < depth; i++)
            if ((MaskOf(stack[i]) & registers) != 0) ToSlot(i);
    }

    void Materialize(int index)
    {
        var entry = stack[index];
        var register = Allocate(IrType.I32, X64Registers.Mask(Scratch));
        asm.Set(entry.Condition, register.As8);
        asm.Movzx(register.As32, register.As8);
        stack[index] = new Entry(Place.Register, IrType.I32, Register: register);
    }

    void StoreRegister(Memory slot, Register register, IrType type)
    {
        switch (type)
        {
            case IrType.F64: asm.Movsd(slot, register); break;
            case IrType.F32: asm.Movss(slot, register); break;
            case IrType.I32: asm.Mov(slot, register.As32); break;
            default: asm.Mov(slot, register.As64); break;
        }
    }

    /// <summary>Puts the entry's value, converted to <paramref name="type"/> as CIL converts implicitly (int32 to
    /// int64 sign-extends, int64 to int32 truncates, float and double round to each other), into
    /// <paramref name="target"/> unless it already is in a register of that type (then returns that register).</summary>
    Register Load(in Entry entry, IrType type, Register target, bool intoTarget = false)
    {
        if (entry.Type.IsFloat() != type.IsFloat()) throw new Refusal($"a {entry.Type.Name()} where a {type.Name()} is expected (invalid IL)");
        if (entry.Type == type && CurrentRegister(entry) is { } held && (!intoTarget || held == target)) return held;
        var source = entry.Type;
        switch (entry.Place)
        {
            case Place.Constant:
                if (type.IsFloat()) LoadFloatConstant(target, entry, type);
                else asm.Mov(type == IrType.I32 ? target.As32 : target.As64, type == IrType.I32 ? (int)entry.Value : entry.Value);
                return target;
            case Place.Flags:
                throw new Refusal("flags below the top of the stack");
        }
        if (CurrentRegister(entry) is { } register)
        {
            if (type.IsFloat())
            {
                if (source == type) asm.Movaps(target, register);
                else if (type == IrType.F64) asm.Cvtss2sd(target, register);
                else asm.Cvtsd2ss(target, register);
            }
            else if (source == IrType.I32 && type == IrType.I64) asm.Movsxd(target.As64, register.As32);
            else if (type == IrType.I32) asm.Mov(target.As32, register.As32);
            else asm.Mov(target.As64, register.As64);
            return target;
        }
        var memory = MemoryOf(entry);
        if (type.IsFloat())
        {
            if (source == type) { if (type == IrType.F64) asm.Movsd(target, memory); else asm.Movss(target, memory); }
            else if (type == IrType.F64) asm.Cvtss2sd(target, memory);
            else asm.Cvtsd2ss(target, memory);
        }
        else if (source == IrType.I32 && type == IrType.I64) asm.Movsxd(target.As64, memory);
        else if (type == IrType.I32) asm.Mov(target.As32, memory.WithSize(4));
        else asm.Mov(target.As64, memory);
        return target;
    }

    void LoadFloatConstant(Register target, in Entry entry, IrType type)
    {
        double value = entry.Type == IrType.F64 ? BitConverter.Int64BitsToDouble(entry.Value) : BitConverter.Int32BitsToSingle((int)entry.Value);
        long bits = type == IrType.F64 ? BitConverter.DoubleToInt64Bits(value) : BitConverter.SingleToInt32Bits((float)value);
        if (bits == 0) asm.Xorps(target, target);
        else if (type == IrType.F64) asm.Movsd(target, Memory.Rip(asm.Constant(bits), 8));
        else asm.Movss(target, Memory.Rip(asm.Constant((uint)bits), 4));
    }

    /// <summary>The register an entry's value is in already: its own, or its variable's home.</summary>
    Register? CurrentRegister(in Entry entry) => entry.Place switch
    {
        Place.Register => entry.Register,
        Place.Variable => homeRegisters[entry.Value],
        _ => null,
    };

    /// <summary>The memory an entry's value is in: its slot, or its variable's home slot.</summary>
    Memory MemoryOf(in Entry entry) => entry.Place switch
    {
        Place.Slot => SlotOf((int)entry.Value, entry.Type),
        Place.Variable => new Memory(SizeOf(entry.Type), Register.Rsp, null, 1, homeSlots[entry.Value]),
        _ => throw new Refusal($"no memory for a {entry.Place} entry"),
    };
}
