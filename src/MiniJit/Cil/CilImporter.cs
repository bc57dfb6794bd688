using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using MiniJit.Binding;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// Turns a method's CIL into SSA IR. CIL is a stack machine; the IR is not: every argument, local and
/// evaluation-stack slot is a <em>variable</em>, and SSA values for them are built on the fly with the algorithm of
/// Braun, Buchwald, Hack, Leißa, Mallon and Zwinkau, "Simple and Efficient Construction of SSA Form" (CC 2013):
/// a read looks for a definition in its block, else asks the predecessors, placing a phi only where paths with
/// different definitions meet. Blocks whose predecessors are not all known yet ("unsealed" loop headers) get
/// placeholder phis that are completed when the last predecessor is filled.
/// </summary>
public sealed class CilImporter
{
    readonly CilMethod method;
    readonly CilInstruction[] code;
    readonly Function function;
    readonly Block entry;
    readonly int thisOffset;              // 1 when IL argument 0 is an ignored `this`
    readonly Type[] argTypes;             // IL argument types, `this` included
    readonly int localBase, stackBase;    // variable numbering: args, then locals, then stack slots
    readonly IrType[] variableTypes;

    // Braun et al.'s bookkeeping, indexed by IR block id.
    readonly List<int[]> definitions = [];
    readonly List<bool> sealedBlocks = [];
    readonly List<List<(int Variable, Instr Phi)>> incompletePhis = [];
    readonly List<int> filledPredecessors = [];
    readonly List<int> expectedPredecessors = [];
    readonly Dictionary<int, int> replacedPhis = [];

    // CIL block structure, in arrays indexed by IL offset (the body is small and its length known).
    readonly Block?[] blockAt;            // the IR block that starts at an offset (reachable blocks only)
    readonly bool[] isBlockStart;         // every block start, reachable or not; one extra entry for the body's end
    readonly int[] indexAt;               // IL offset → index in code
    readonly bool[] isSelfTailCallRet;    // by IL offset: a ret after `tail. call` to this method, which loops to IL_0000
    readonly bool[] callsNeverReturning;  // by IL offset: a call to a throw helper, which ends its block (found once, by FindBlocks)
    readonly List<IrType[]?> entryStacks = [];  // by IR block id: the types on the stack when entering it
    readonly List<int> evaluationStack = [];  // reused by each block as it is filled
    int outVariable = -1;                 // the variable whose address ldloca/ldarga took for the call right after it

    /// <summary>Why the instance methods may read IL without their own annotation: an importer exists only inside
    /// <see cref="Import"/> (the constructor is private), and Import carries the warning for all of them.</summary>
    const string OnlyInsideImport = "CilImporter is created only by Import, which requires unreferenced code.";

    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    CilImporter(CilMethod method, bool ignoreThis)
    {
        this.method = method;
        code = CilReader.Decode(method.IL, method.Method);
        int bodyEnd = code[^1].NextOffset;
        blockAt = new Block?[bodyEnd];
        isBlockStart = new bool[bodyEnd + 1];
        indexAt = new int[bodyEnd];
        isSelfTailCallRet = new bool[bodyEnd];
        callsNeverReturning = new bool[bodyEnd];
        argTypes = method.ParameterTypes;
        thisOffset = ignoreThis ? 1 : 0;
        if (!ignoreThis && !method.Method.IsStatic)
            throw Error(null, "instance methods are not supported (only static methods and non-capturing lambdas)");
        if (RuntimeIntrinsics.IsRefused(method.Method))
            throw Error(null, "it is a runtime intrinsic, whose IL is only a fallback (or calls itself); MiniJit does not implement it");
        if (method.ExceptionClauseCount > 0)
            throw Error(null, "exception handling (try/catch/finally) is not supported");

        var paramTypes = argTypes.Skip(thisOffset).Select((t, i) => VariableType(t, code, i + thisOffset, isArgument: true, $"parameter {i}")).ToArray();
        var returnType = method.ReturnType == typeof(void) ? IrType.Void : TypeOf(method.ReturnType, null, "return type");
        function = new Function(NameOf(method.Method), paramTypes, returnType);

        localBase = argTypes.Length;
        stackBase = localBase + method.LocalTypes.Length;
        variableTypes = new IrType[stackBase + method.MaxStack];
        for (int i = 0; i < argTypes.Length; i++)
            variableTypes[i] = i < thisOffset ? IrType.Void : paramTypes[i - thisOffset];
        for (int i = 0; i < method.LocalTypes.Length; i++)
            variableTypes[localBase + i] = VariableType(method.LocalTypes[i], code, i, isArgument: false, $"local {i}");

        entry = NewBlock();
    }

    /// <summary>Imports <paramref name="method"/>. With <paramref name="ignoreThis"/>, IL argument 0 is an instance's
    /// `this` that the body never reads (a non-capturing lambda); it is not a parameter of the IR function.</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    public static Function Import(CilMethod method, bool ignoreThis = false) => new CilImporter(method, ignoreThis).Run();

    public static string NameOf(MethodBase method) => $"{method.DeclaringType?.Name}.{method.Name}";

    /// <summary>The IR type that holds a CLR type on the evaluation stack, or a JitException naming the type.</summary>
    public static bool TryGetType(Type type, out IrType irType)
    {
        // An enum is its underlying integer on the evaluation stack (Type.GetTypeCode sees through it).
        irType = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean or TypeCode.Char or TypeCode.SByte or TypeCode.Byte or TypeCode.Int16 or TypeCode.UInt16
                or TypeCode.Int32 or TypeCode.UInt32 => IrType.I32,
            TypeCode.Int64 or TypeCode.UInt64 => IrType.I64,
            TypeCode.Single => IrType.F32,
            TypeCode.Double => IrType.F64,
            _ when type == typeof(nint) || type == typeof(nuint) => IrType.I64,
            _ => IrType.Void,
        };
        return irType != IrType.Void;
    }

    IrType TypeOf(Type type, CilInstruction? at, string what) =>
        TryGetType(type, out var irType) ? irType : throw Error(at, $"{what} has type {type.Name}, which is not supported");

    /// <summary>The IR type of an argument or local; a rejection points at the variable's first use, looked up only
    /// then (a scan of the IL per variable would make importing quadratic in the number of locals).</summary>
    IrType VariableType(Type type, CilInstruction[] code, int index, bool isArgument, string what) =>
        TryGetType(type, out var irType) ? irType : TypeOf(type,
            isArgument ? VariableUses.FirstUseOfArgument(code, index) : VariableUses.FirstUseOfLocal(code, index), what);

    JitException Error(CilInstruction? at, string reason) =>
        new(method.Method, at?.Offset, at?.OpCode.Name, reason);

    Function Run()
    {
        FindBlocks();
        FillEntry();
        for (int start = 0; start < blockAt.Length; start++)
            if (blockAt[start] is { } block) FillBlock(block, start);
        foreach (var block in function.Blocks)
            if (!sealedBlocks[block.Id]) Seal(block);
        ResolveReplacedPhis();
        return function;
    }

    // ---------------------------------------------------------------- blocks

    Block NewBlock()
    {
        var block = function.NewBlock();
        definitions.Add(new int[variableTypes.Length]);
        Array.Fill(definitions[^1], -1);
        sealedBlocks.Add(false);
        incompletePhis.Add([]);
        entryStacks.Add(null);
        filledPredecessors.Add(0);
        expectedPredecessors.Add(0);
        return block;
    }

    /// <summary>A block starts at offset 0, at every branch target, and after every instruction that does not fall
    /// through. Only blocks reachable from offset 0 become IR blocks: dead code is never imported.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    void FindBlocks()
    {
        for (int i = 0; i < code.Length; i++) indexAt[code[i].Offset] = i;
        int bodyEnd = code[^1].NextOffset;
        isBlockStart[0] = true;
        foreach (var instr in code)
        {
            if (instr.OpCode.Flow is CilFlow.Branch or CilFlow.CondBranch)
            {
                if (instr.Targets is null) isBlockStart[instr.Target] = true;
                else foreach (int target in instr.Targets) isBlockStart[target] = true;
            }
            if (instr.OpCode.Flow is CilFlow.Branch or CilFlow.CondBranch or CilFlow.Return or CilFlow.Throw)
                isBlockStart[instr.NextOffset] = true;
        }
        isBlockStart[bodyEnd] = true;  // not a block: it only ends the last one
        FindTailCalls();

        // Walk the blocks from offset 0; each block's last instruction names its successors. Each block's distinct
        // predecessors are counted on the way, so a block is sealed the moment its last one is filled.
        var visited = new bool[bodyEnd];
        var predecessorCount = new int[bodyEnd];
        predecessorCount[0]++;  // from the entry block
        var succs = new List<int>(2);
        var work = new Stack<int>();
        work.Push(0);
        while (work.Count > 0)
        {
            int start = work.Pop();
            if (visited[start]) continue;
            visited[start] = true;
            int end = BlockEnd(start);
            var last = code[indexAt[start]];
            bool neverReturns = false;  // a call to a throw helper ends the block: what follows it is unreachable
            for (int i = indexAt[start]; i < code.Length && code[i].Offset < end && !neverReturns; i++)
            {
                last = code[i];
                neverReturns = callsNeverReturning[last.Offset] =
                    last.Op == CilOp.Call && ThrowHelpers.NeverReturns(method.ResolveMethod((int)last.Int, last));
            }
            if (neverReturns) succs.Clear();
            else Successors(last, succs);
            if (isSelfTailCallRet[last.Offset]) succs.Add(0);
            foreach (int succ in succs)
                if (succ >= bodyEnd) throw Error(last, "control falls off the end of the method");
            foreach (int succ in succs)
            {
                predecessorCount[succ]++;
                work.Push(succ);
            }
        }
        // IR blocks are numbered in IL order.
        for (int start = 0; start < bodyEnd; start++)
            if (visited[start])
            {
                var block = NewBlock();
                blockAt[start] = block;
                expectedPredecessors[block.Id] = predecessorCount[start];
            }
    }

    /// <summary>
    /// A <c>tail.</c> call must run in constant stack: a tail-recursive method on the CLR recurses a million deep
    /// without growing the stack. MiniJit honors the prefix where the callee is the method itself, by turning the
    /// call into new argument values and a jump back to IL_0000 (the frame is reused because it never grows); a tail
    /// call to any other method would need a real jump into another frame, which MiniJit does not do, so it is refused
    /// rather than compiled as a call that grows the stack.
    /// </summary>
    void FindTailCalls()
    {
        for (int i = 0; i < code.Length; i++)
        {
            if (code[i].Op != CilOp.Tail) continue;
            if (i + 2 >= code.Length || code[i + 1].Op != CilOp.Call || code[i + 2].Op != CilOp.Ret)
                throw Error(code[i], "tail. must be followed by call and then ret (invalid IL)");
            if (isBlockStart[code[i + 1].Offset] || isBlockStart[code[i + 2].Offset])
                throw Error(code[i], "a branch targets the call or the ret of a tail. call (invalid IL)");
            var callee = method.ResolveMethod(code[i + 1].Token, code[i + 1]);
            if (callee != method.Method)
                throw Error(code[i + 1], $"tail. call to {JitException.MethodName(callee)}: MiniJit honors tail. only for a method calling itself");
            isSelfTailCallRet[code[i + 2].Offset] = true;
        }
    }

    /// <summary>The IR block at a reachable block start (a jump's target, or the instruction after a branch).</summary>
    Block BlockAt(int offset) => blockAt[offset]!;

    /// <summary>Where the block starting at <paramref name="start"/> ends: the next block start, or the body's end.</summary>
    int BlockEnd(int start)
    {
        int end = start + 1;
        while (!isBlockStart[end]) end++;
        return end;
    }

    /// <summary>Fills <paramref name="succs"/> with the distinct offsets control may go to after <paramref name="last"/>.</summary>
    static void Successors(CilInstruction last, List<int> succs)
    {
        succs.Clear();
        switch (last.OpCode.Flow)
        {
            case CilFlow.Branch:
                succs.Add(last.Target);
                break;
            case CilFlow.CondBranch:
                if (last.Targets is null) succs.Add(last.Target);
                else
                    foreach (int target in last.Targets)
                        if (!succs.Contains(target)) succs.Add(target);
                if (!succs.Contains(last.NextOffset)) succs.Add(last.NextOffset);
                break;
            case CilFlow.Return or CilFlow.Throw:
                break;
            default:
                succs.Add(last.NextOffset);
                break;
        }
    }

    /// <summary>The entry block defines the parameters and the zero-initialized locals, then jumps to IL offset 0
    /// (which may itself be a loop header, and an entry block must have no predecessors).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = OnlyInsideImport)]
    void FillEntry()
    {
        for (int i = thisOffset; i < argTypes.Length; i++)
        {
            var param = function.Append(entry, Op.Param, variableTypes[i]);
            param.Imm = i - thisOffset;
            Write(i, entry, Normalize(entry, param.Result, argTypes[i], null));
        }
        for (int i = 0; i < method.LocalTypes.Length; i++)
            Write(localBase + i, entry, function.AppendConst(entry, variableTypes[localBase + i], 0).Result);
        if (method.Method.DeclaringType is { } type && TypeInitializers.NeedsCheck(type))
        {
            var flag = function.AppendConst(entry, IrType.I64, TypeInitializers.FlagOf(type));
            function.Append(entry, Op.EnsureTypeInitialized, IrType.Void, flag.Result);
        }
        Jump(entry, BlockAt(0), [], null);
        Seal(entry);
    }

    void Jump(Block from, Block to, List<int> stack, CilInstruction? at)
    {
        SaveStack(from, to, stack, at);
        function.Terminate(from, Op.Jump, [], to);
        Filled(from);
    }

    /// <summary>Stack slots that flow into another block travel as variables, like locals.</summary>
    void SaveStack(Block from, Block to, List<int> stack, CilInstruction? at)
    {
        if (entryStacks[to.Id] is not { } expected)
        {
            var types = new IrType[stack.Count];
            for (int i = 0; i < types.Length; i++) types[i] = function.ValueTypes[stack[i]];
            entryStacks[to.Id] = types;
        }
        else if (!StackMatches(expected, stack))
            throw Error(at, $"the evaluation stack differs between the paths into {to}: " +
                $"[{string.Join(", ", expected.Select(t => t.Name()))}] and [{string.Join(", ", stack.Select(v => TypeOfValue(v).Name()))}]");
        for (int i = 0; i < stack.Count; i++)
        {
            variableTypes[stackBase + i] = function.ValueTypes[stack[i]];
            Write(stackBase + i, from, stack[i]);
        }
    }

    bool StackMatches(IrType[] expected, List<int> stack)
    {
        if (expected.Length != stack.Count) return false;
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != function.ValueTypes[stack[i]]) return false;
        return true;
    }

    /// <summary>After a block's terminator: successors whose predecessors are now all filled can be sealed.</summary>
    void Filled(Block block)
    {
        var succs = block.Succs;
        for (int i = 0; i < succs.Length; i++)
        {
            var succ = succs[i];
            if (Array.IndexOf(succs, succ) != i) continue;  // a target listed twice is one predecessor edge
            if (++filledPredecessors[succ.Id] == expectedPredecessors[succ.Id]) Seal(succ);
        }
    }

    // ---------------------------------------------------------------- Braun et al.

    void Write(int variable, Block block, int value) => definitions[block.Id][variable] = value;

    int Read(int variable, Block block)
    {
        int value = definitions[block.Id][variable];
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
            // Only unreachable code reads a variable nobody wrote; any value will do, and the block will go.
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

    void Seal(Block block)
    {
        foreach (var (variable, phi) in incompletePhis[block.Id])
        {
            int value = AddPhiOperands(variable, phi, block);
            if (value != phi.Result && definitions[block.Id][variable] == phi.Result) Write(variable, block, value);
        }
        incompletePhis[block.Id].Clear();
        sealedBlocks[block.Id] = true;
    }

    int Resolve(int value)
    {
        while (replacedPhis.TryGetValue(value, out var next)) value = next;
        return value;
    }

    void ResolveReplacedPhis()
    {
        if (replacedPhis.Count == 0) return;
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                for (int i = 0; i < instr.Args.Length; i++) instr.Args[i] = Resolve(instr.Args[i]);
    }

    // ---------------------------------------------------------------- instructions

    void FillBlock(Block block, int start)
    {
        var stack = evaluationStack;
        stack.Clear();
        // A block no predecessor has jumped to yet is entered only by later backward branches, and ECMA-335
        // (III.1.7.5) says the stack is empty there; recording that makes a later non-empty branch an error.
        var types = entryStacks[block.Id] ??= [];
        for (int i = 0; i < types.Length; i++)
        {
            variableTypes[stackBase + i] = types[i];
            stack.Add(Read(stackBase + i, block));
        }

        int end = BlockEnd(start);
        var last = code[indexAt[start]];
        for (int index = indexAt[start]; index < code.Length && code[index].Offset < end; index++)
        {
            last = code[index];
            if (ImportInstruction(block, last, stack)) return; // the block ended with a terminator
            if (stack.Count > method.MaxStack)
                throw Error(last, $"the evaluation stack holds {stack.Count} values, more than the method's MaxStack of {method.MaxStack}");
        }
        Jump(block, BlockAt(end), stack, last); // fell through into the next block
    }

    int Pop(List<int> stack, CilInstruction at)
    {
        if (stack.Count == 0) throw Error(at, "evaluation stack underflow");
        int value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    IrType TypeOfValue(int value) => function.ValueTypes[value];

    int Emit(Block block, CilInstruction at, Op op, IrType type, params int[] args)
    {
        var instr = function.Append(block, op, type, args);
        instr.ILOffset = at.Offset;
        return instr.Result;
    }

    int Const(Block block, IrType type, long value) => function.AppendConst(block, type, value).Result;

    /// <summary>Brings a value to <paramref name="type"/>: int32 mixed with native int is sign-extended, as the CLR does.</summary>
    int Widen(Block block, CilInstruction at, int value, IrType type)
    {
        var from = TypeOfValue(value);
        if (from == type) return value;
        if (from == IrType.I32 && type == IrType.I64) return Emit(block, at, Op.SignExtend32, IrType.I64, value);
        if (from == IrType.I64 && type == IrType.I32) return Emit(block, at, Op.Truncate, IrType.I32, value);
        // CIL's one floating-point stack type F is float or double here; storing into a float rounds.
        if (from.IsFloat() && type.IsFloat()) return Emit(block, at, Op.FloatConvert, type, value);
        throw Error(at, $"operands of types {from.Name()} and {type.Name()} cannot be combined");
    }

    (int A, int B, IrType Type) PopPair(Block block, CilInstruction at, List<int> stack)
    {
        int b = Pop(stack, at), a = Pop(stack, at);
        var type = TypeOfValue(a) == TypeOfValue(b) ? TypeOfValue(a)
            : TypeOfValue(a) == IrType.I64 || TypeOfValue(b) == IrType.I64 ? IrType.I64
            : TypeOfValue(a) == IrType.F64 || TypeOfValue(b) == IrType.F64 ? IrType.F64 : TypeOfValue(a);
        return (Widen(block, at, a, type), Widen(block, at, b, type), type);
    }

    /// <summary>Storing into a small-typed slot keeps only its bits, and reading it back extends them, exactly
    /// like the CLR: a short holds -1 as 0xFFFF and loads it as int32 -1.</summary>
    int Normalize(Block block, int value, Type type, CilInstruction? at)
    {
        Op? op = Type.GetTypeCode(type) switch
        {
            TypeCode.SByte => Op.SignExtend8,
            TypeCode.Byte or TypeCode.Boolean => Op.ZeroExtend8,
            TypeCode.Int16 => Op.SignExtend16,
            TypeCode.UInt16 or TypeCode.Char => Op.ZeroExtend16,
            _ => null,
        };
        var irType = TypeOf(type, at, "value");
        value = at is null ? value : Widen(block, at.Value, value, irType);
        if (op is null) return value;
        var instr = function.Append(block, op.Value, IrType.I32, value);
        if (at is not null) instr.ILOffset = at.Value.Offset;
        return instr.Result;
    }

    void Branch(Block block, CilInstruction at, int condition, List<int> stack)
    {
        var taken = BlockAt(at.Target);
        var next = BlockAt(at.NextOffset);
        SaveStack(block, taken, stack, at);
        if (taken != next) SaveStack(block, next, stack, at);
        var instr = function.Terminate(block, Op.Branch, [condition], taken, next);
        instr.ILOffset = at.Offset;
        Filled(block);
    }

    void CompareAndBranch(Block block, CilInstruction at, List<int> stack, Op compare)
    {
        var (a, b, type) = PopPair(block, at, stack);
        Branch(block, at, Emit(block, at, type.IsFloat() ? FloatComparison(compare) : compare, IrType.I32, a, b), stack);
    }

    /// <summary>The float comparison a CIL comparison means: the plain forms are false on NaN, the .un forms (and
    /// bne.un) true.</summary>
    static Op FloatComparison(Op compare) => compare switch
    {
        Op.Eq => Op.FEq, Op.Ne => Op.FNe,
        Op.Lt => Op.FLt, Op.Le => Op.FLe, Op.Gt => Op.FGt, Op.Ge => Op.FGe,
        Op.LtU => Op.FLtU, Op.LeU => Op.FLeU, Op.GtU => Op.FGtU, _ => Op.FGeU,
    };

    /// <summary>Imports one CIL instruction; returns true when it ended the block.</summary>
    bool ImportInstruction(Block block, CilInstruction at, List<int> stack)
    {
        switch (at.OpCode.Op)
        {
            case CilOp.Nop or CilOp.Tail:
                return false;

            case CilOp.Ldarg_0 or CilOp.Ldarg_1 or CilOp.Ldarg_2 or CilOp.Ldarg_3:
                stack.Add(LoadArg(block, at, Distance(at.OpCode.Op, CilOp.Ldarg_0)));
                return false;
            case CilOp.Ldarg_S or CilOp.Ldarg:
                stack.Add(LoadArg(block, at, (int)at.Int));
                return false;
            case CilOp.Starg_S or CilOp.Starg:
                StoreArg(block, at, (int)at.Int, Pop(stack, at));
                return false;
            case CilOp.Ldloc_0 or CilOp.Ldloc_1 or CilOp.Ldloc_2 or CilOp.Ldloc_3:
                stack.Add(LoadLocal(block, at, Distance(at.OpCode.Op, CilOp.Ldloc_0)));
                return false;
            case CilOp.Ldloc_S or CilOp.Ldloc:
                stack.Add(LoadLocal(block, at, (int)at.Int));
                return false;
            case CilOp.Stloc_0 or CilOp.Stloc_1 or CilOp.Stloc_2 or CilOp.Stloc_3:
                StoreLocal(block, at, Distance(at.OpCode.Op, CilOp.Stloc_0), Pop(stack, at));
                return false;
            case CilOp.Stloc_S or CilOp.Stloc:
                StoreLocal(block, at, (int)at.Int, Pop(stack, at));
                return false;
            case CilOp.Ldloca_S or CilOp.Ldloca or CilOp.Ldarga_S or CilOp.Ldarga:
                {
                    // What `out` arguments compile to. MiniJit has no by-ref values, but an address taken only to be
                    // the `out` argument of the call right after it (Math.DivRem(a, b, out remainder)) is the call
                    // writing that variable, which SSA expresses directly.
                    int next = indexAt[at.Offset] + 1;
                    // Roslyn pads the long form (a local numbered past 255) with nops.
                    while (next < code.Length && code[next].Op == CilOp.Nop && !isBlockStart[code[next].Offset]) next++;
                    bool local = at.OpCode.Op is CilOp.Ldloca_S or CilOp.Ldloca;
                    if (next >= code.Length || isBlockStart[code[next].Offset] || code[next].Op != CilOp.Call
                        || method.ResolveMethod((int)code[next].Int, code[next]) is not MethodInfo callee
                        || MathIntrinsics.FindWithOut(callee) is null)
                        throw Error(at, "taking the address of a local or argument (a ref or out argument) is not supported: MiniJit has no by-ref values (only as the out argument of Math.DivRem and Math.BigMul)");
                    int index = (int)at.Int;
                    if (local) CheckLocal(at, index); else CheckArgument(at, index);
                    if (!local && index < thisOffset) throw Error(at, "the method takes the address of `this`");
                    outVariable = local ? localBase + index : index;
                    return false;
                }

            case >= CilOp.Ldc_I4_M1 and <= CilOp.Ldc_I4_8:
                stack.Add(Const(block, IrType.I32, Distance(at.OpCode.Op, CilOp.Ldc_I4_0)));
                return false;
            case CilOp.Ldc_I4_S or CilOp.Ldc_I4:
                stack.Add(Const(block, IrType.I32, at.Int));
                return false;
            case CilOp.Ldc_I8:
                stack.Add(Const(block, IrType.I64, at.Int));
                return false;
            case CilOp.Ldc_R4:
                stack.Add(Const(block, IrType.F32, at.Int));
                return false;
            case CilOp.Ldc_R8:
                stack.Add(Const(block, IrType.F64, at.Int));
                return false;

            case CilOp.Dup:
                {
                    int value = Pop(stack, at);
                    stack.Add(value);
                    stack.Add(value);
                    return false;
                }
            case CilOp.Pop:
                Pop(stack, at);
                return false;

            case CilOp.Add: Binary(block, at, stack, Op.Add); return false;
            case CilOp.Sub: Binary(block, at, stack, Op.Sub); return false;
            case CilOp.Mul: Binary(block, at, stack, Op.Mul); return false;
            case CilOp.Div: Binary(block, at, stack, Op.Div); return false;
            case CilOp.Div_Un: Binary(block, at, stack, Op.DivU); return false;
            case CilOp.Rem: Binary(block, at, stack, Op.Rem); return false;
            case CilOp.Rem_Un: Binary(block, at, stack, Op.RemU); return false;
            case CilOp.And: Binary(block, at, stack, Op.And); return false;
            case CilOp.Or: Binary(block, at, stack, Op.Or); return false;
            case CilOp.Xor: Binary(block, at, stack, Op.Xor); return false;
            case CilOp.Shl: Shift(block, at, stack, Op.Shl); return false;
            case CilOp.Shr: Shift(block, at, stack, Op.Shr); return false;
            case CilOp.Shr_Un: Shift(block, at, stack, Op.ShrU); return false;
            case CilOp.Neg:
                {
                    int value = Pop(stack, at);
                    var type = TypeOfValue(value);
                    stack.Add(Emit(block, at, type.IsFloat() ? Op.FNeg : Op.Neg, type, value));
                    return false;
                }
            case CilOp.Not:
                {
                    int value = IntegerOperand(at, Pop(stack, at));
                    stack.Add(Emit(block, at, Op.Not, TypeOfValue(value), value));
                    return false;
                }

            case CilOp.Conv_I1: stack.Add(Narrow(block, at, Pop(stack, at), Op.SignExtend8)); return false;
            case CilOp.Conv_U1: stack.Add(Narrow(block, at, Pop(stack, at), Op.ZeroExtend8)); return false;
            case CilOp.Conv_I2: stack.Add(Narrow(block, at, Pop(stack, at), Op.SignExtend16)); return false;
            case CilOp.Conv_U2: stack.Add(Narrow(block, at, Pop(stack, at), Op.ZeroExtend16)); return false;
            case CilOp.Conv_I4: stack.Add(Narrow(block, at, Pop(stack, at), null)); return false;
            case CilOp.Conv_U4: stack.Add(Narrow(block, at, Pop(stack, at), null, unsigned: true)); return false;
            case CilOp.Conv_I8 or CilOp.Conv_I: stack.Add(Extend(block, at, Pop(stack, at), Op.SignExtend32)); return false;
            case CilOp.Conv_U8 or CilOp.Conv_U: stack.Add(Extend(block, at, Pop(stack, at), Op.ZeroExtend32)); return false;
            case CilOp.Conv_R4: stack.Add(ToFloat(block, at, Pop(stack, at), IrType.F32, unsigned: false)); return false;
            case CilOp.Conv_R8: stack.Add(ToFloat(block, at, Pop(stack, at), IrType.F64, unsigned: false)); return false;
            case CilOp.Conv_R_Un:
                {
                    // `(float)someUlong` compiles to conv.r.un; conv.r4, which the CLR converts in one rounding step
                    // (through double it could round twice): the pair is imported as one conversion, as RyuJIT does.
                    bool toSingle = indexAt[at.Offset] + 1 < code.Length && code[indexAt[at.Offset] + 1].Op == CilOp.Conv_R4
                        && !isBlockStart[at.NextOffset];
                    stack.Add(ToFloat(block, at, IntegerOperand(at, Pop(stack, at)), toSingle ? IrType.F32 : IrType.F64, unsigned: true));
                    return false;
                }
            case CilOp.Ckfinite:
                {
                    int value = Pop(stack, at);
                    if (!TypeOfValue(value).IsFloat()) throw Error(at, "ckfinite needs a floating-point operand (invalid IL)");
                    stack.Add(Emit(block, at, Op.CheckFinite, TypeOfValue(value), value));
                    return false;
                }
            case CilOp.Add_Ovf: CheckedBinary(block, at, stack, Op.AddOvf); return false;
            case CilOp.Add_Ovf_Un: CheckedBinary(block, at, stack, Op.AddOvfUn); return false;
            case CilOp.Sub_Ovf: CheckedBinary(block, at, stack, Op.SubOvf); return false;
            case CilOp.Sub_Ovf_Un: CheckedBinary(block, at, stack, Op.SubOvfUn); return false;
            case CilOp.Mul_Ovf: CheckedBinary(block, at, stack, Op.MulOvf); return false;
            case CilOp.Mul_Ovf_Un: CheckedBinary(block, at, stack, Op.MulOvfUn); return false;

            case CilOp.Conv_Ovf_I1: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI1)); return false;
            case CilOp.Conv_Ovf_U1: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU1)); return false;
            case CilOp.Conv_Ovf_I2: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI2)); return false;
            case CilOp.Conv_Ovf_U2: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU2)); return false;
            case CilOp.Conv_Ovf_I4: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI4)); return false;
            case CilOp.Conv_Ovf_U4: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU4)); return false;
            case CilOp.Conv_Ovf_U8 or CilOp.Conv_Ovf_U: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU8)); return false;
            case CilOp.Conv_Ovf_I1_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI1Un)); return false;
            case CilOp.Conv_Ovf_U1_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU1Un)); return false;
            case CilOp.Conv_Ovf_I2_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI2Un)); return false;
            case CilOp.Conv_Ovf_U2_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU2Un)); return false;
            case CilOp.Conv_Ovf_I4_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI4Un)); return false;
            case CilOp.Conv_Ovf_U4_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfU4Un)); return false;
            case CilOp.Conv_Ovf_I8_Un or CilOp.Conv_Ovf_I_Un: stack.Add(CheckedConversion(block, at, Pop(stack, at), Op.ConvOvfI8Un)); return false;
            // Every integer fits in int64 read signed, and every unsigned one in uint64: these only widen.
            case CilOp.Conv_Ovf_I8 or CilOp.Conv_Ovf_I:
                {
                    int value = Pop(stack, at);
                    stack.Add(TypeOfValue(value).IsFloat() ? CheckedFromFloat(block, at, value, signed: true, 64) : Extend(block, at, value, Op.SignExtend32));
                    return false;
                }
            case CilOp.Conv_Ovf_U8_Un or CilOp.Conv_Ovf_U_Un:
                {
                    int value = Pop(stack, at);
                    stack.Add(TypeOfValue(value).IsFloat() ? CheckedFromFloat(block, at, value, signed: false, 64) : Extend(block, at, value, Op.ZeroExtend32));
                    return false;
                }

            case CilOp.Ceq: Compare(block, at, stack, Op.Eq); return false;
            case CilOp.Cgt: Compare(block, at, stack, Op.Gt); return false;
            case CilOp.Cgt_Un: Compare(block, at, stack, Op.GtU); return false;
            case CilOp.Clt: Compare(block, at, stack, Op.Lt); return false;
            case CilOp.Clt_Un: Compare(block, at, stack, Op.LtU); return false;

            case CilOp.Br or CilOp.Br_S:
                Jump(block, BlockAt(at.Target), stack, at);
                return true;
            case CilOp.Brtrue or CilOp.Brtrue_S or CilOp.Brfalse or CilOp.Brfalse_S:
                {
                    int value = IntegerOperand(at, Pop(stack, at));
                    bool onTrue = at.OpCode.Op is CilOp.Brtrue or CilOp.Brtrue_S;
                    var type = TypeOfValue(value);
                    // Branch tests an i32 against zero; brfalse and 64-bit values compare explicitly.
                    if (!onTrue || type != IrType.I32)
                        value = Emit(block, at, onTrue ? Op.Ne : Op.Eq, IrType.I32, value, Const(block, type, 0));
                    Branch(block, at, value, stack);
                    return true;
                }
            case CilOp.Beq or CilOp.Beq_S: CompareAndBranch(block, at, stack, Op.Eq); return true;
            case CilOp.Bne_Un or CilOp.Bne_Un_S: CompareAndBranch(block, at, stack, Op.Ne); return true;
            case CilOp.Bge or CilOp.Bge_S: CompareAndBranch(block, at, stack, Op.Ge); return true;
            case CilOp.Bgt or CilOp.Bgt_S: CompareAndBranch(block, at, stack, Op.Gt); return true;
            case CilOp.Ble or CilOp.Ble_S: CompareAndBranch(block, at, stack, Op.Le); return true;
            case CilOp.Blt or CilOp.Blt_S: CompareAndBranch(block, at, stack, Op.Lt); return true;
            case CilOp.Bge_Un or CilOp.Bge_Un_S: CompareAndBranch(block, at, stack, Op.GeU); return true;
            case CilOp.Bgt_Un or CilOp.Bgt_Un_S: CompareAndBranch(block, at, stack, Op.GtU); return true;
            case CilOp.Ble_Un or CilOp.Ble_Un_S: CompareAndBranch(block, at, stack, Op.LeU); return true;
            case CilOp.Blt_Un or CilOp.Blt_Un_S: CompareAndBranch(block, at, stack, Op.LtU); return true;

            case CilOp.Switch:
                {
                    int value = Widen(block, at, Pop(stack, at), IrType.I32);
                    // The cases in order, then the default: the instruction after the switch.
                    var targets = new Block[at.Targets!.Length + 1];
                    for (int i = 0; i < at.Targets.Length; i++) targets[i] = BlockAt(at.Targets[i]);
                    targets[^1] = BlockAt(at.NextOffset);
                    for (int i = 0; i < targets.Length; i++)
                        if (Array.IndexOf(targets, targets[i]) == i) SaveStack(block, targets[i], stack, at);
                    var instr = function.Terminate(block, Op.Switch, [value], targets);
                    instr.ILOffset = at.Offset;
                    Filled(block);
                    return true;
                }

            case CilOp.Call:
                return ImportCall(block, at, stack);

            case CilOp.Sizeof:
                {
                    // C# masks the count of a shift on nint with `sizeof(nint) * 8 - 1`; sizeof is a constant here.
                    var type = method.ResolveType((int)at.Int, at);
                    stack.Add(Const(block, IrType.I32, type.IsValueType ? RuntimeHelpers.SizeOf(type.TypeHandle) : IntPtr.Size));
                    return false;
                }

            case CilOp.Ret:
                {
                    int[] args = [];
                    if (function.ReturnType != IrType.Void)
                        args = [Normalize(block, Pop(stack, at), method.ReturnType, at)];
                    if (stack.Count != 0) throw Error(at, "the evaluation stack is not empty at ret");
                    var instr = function.Terminate(block, Op.Return, args);
                    instr.ILOffset = at.Offset;
                    Filled(block);
                    return true;
                }

            default:
                throw Error(at, "this opcode is not supported yet");
        }
    }

    /// <summary>How far an opcode is from the first of its run (ldc.i4.m1 is -1 from ldc.i4.0). CilOp is an unsigned
    /// enum, so plain subtraction would wrap.</summary>
    static int Distance(CilOp op, CilOp first) => (int)op - (int)first;

    int LoadArg(Block block, CilInstruction at, int index)
    {
        CheckArgument(at, index);
        if (index < thisOffset) throw Error(at, "the method reads `this`; only static methods and non-capturing lambdas are supported");
        return Read(index, block);
    }

    void StoreArg(Block block, CilInstruction at, int index, int value)
    {
        CheckArgument(at, index);
        if (index < thisOffset) throw Error(at, "the method writes `this`");
        Write(index, block, Normalize(block, value, argTypes[index], at));
    }

    void CheckArgument(CilInstruction at, int index)
    {
        if (index >= argTypes.Length)
            throw Error(at, $"argument {index} does not exist: the method has {argTypes.Length} (invalid IL)");
    }

    int CheckLocal(CilInstruction at, int index) => index < method.LocalTypes.Length
        ? index
        : throw Error(at, $"local {index} does not exist: the method has {method.LocalTypes.Length} (invalid IL)");

    int LoadLocal(Block block, CilInstruction at, int index) => Read(localBase + CheckLocal(at, index), block);

    void StoreLocal(Block block, CilInstruction at, int index, int value) =>
        Write(localBase + CheckLocal(at, index), block, Normalize(block, value, method.LocalTypes[index], at));

    void Binary(Block block, CilInstruction at, List<int> stack, Op op)
    {
        var (a, b, type) = PopPair(block, at, stack);
        if (!type.IsFloat())
        {
            stack.Add(Emit(block, at, op, type, a, b));
            return;
        }
        if (op == Op.Rem)
        {
            // The CLR's % on floating point is C's fmod (exact, with the dividend's sign): it calls the C library.
            stack.Add(CallMathLibrary(block, at, type == IrType.F32 ? "fmodf" : "fmod", type, a, b));
            return;
        }
        var floatOp = op switch
        {
            Op.Add => Op.FAdd, Op.Sub => Op.FSub, Op.Mul => Op.FMul, Op.Div => Op.FDiv,
            _ => throw Error(at, $"{at.OpCode.Name} needs integer operands, not {type.Name()} (invalid IL)"),
        };
        stack.Add(Emit(block, at, floatOp, type, a, b));
    }

    int EmitIntrinsic(Block block, CilInstruction at, MathIntrinsics.Intrinsic intrinsic, params int[] operands) =>
        intrinsic.Symbol is { } symbol
            ? CallMathLibrary(block, at, symbol, intrinsic.Result, operands)
            : Emit(block, at, intrinsic.Op, intrinsic.Result, operands);

    /// <summary>
    /// Math.DivRem(a, b, out remainder) and Math.BigMul(a, b, out low): the call returns one result and writes the
    /// other into the variable whose address the instruction before it took. DivRem divides first, as its IL does, so
    /// a zero divisor and MinValue / -1 throw what the CLR throws; BigMul's high half is the signed mulhi, corrected
    /// for unsigned operands by adding each operand where the other's top bit is set.
    /// </summary>
    int ImportWithOut(Block block, CilInstruction at, List<int> stack, MathIntrinsics.WithOut intrinsic, MethodInfo callee)
    {
        if (outVariable < 0) throw Error(at, $"call to {JitException.MethodName(callee)}: its out argument must be the address of a local or argument");
        int variable = outVariable;
        outVariable = -1;
        var type = intrinsic.Type;
        int b = Widen(block, at, Pop(stack, at), type), a = Widen(block, at, Pop(stack, at), type);
        int result, written;
        if (intrinsic.Kind == MathIntrinsics.WithOutKind.DivRem)
        {
            result = Emit(block, at, Op.Div, type, a, b);
            written = Emit(block, at, Op.Rem, type, a, b);
        }
        else
        {
            result = Emit(block, at, Op.MulHigh, type, a, b);
            if (intrinsic.Kind == MathIntrinsics.WithOutKind.BigMulUnsigned)
            {
                int topBit = Const(block, type, 63);
                int aMask = Emit(block, at, Op.And, type, Emit(block, at, Op.Shr, type, a, topBit), b);
                int bMask = Emit(block, at, Op.And, type, Emit(block, at, Op.Shr, type, b, topBit), a);
                result = Emit(block, at, Op.Add, type, Emit(block, at, Op.Add, type, result, aMask), bMask);
            }
            written = Emit(block, at, Op.Mul, type, a, b);
        }
        var variableType = variable >= localBase ? method.LocalTypes[variable - localBase] : argTypes[variable];
        Write(variable, block, Normalize(block, written, variableType.GetElementType() ?? variableType, at));
        return result;
    }

    /// <summary>
    /// Math.Round(x, mode) with a constant mode — as C# code writes it — is one rounding, or away from zero .NET's own
    /// formula, truncate(x + copysign(0.5 less one ulp, x)), which gives the CLR's bits. A mode computed at run time
    /// is refused.
    /// </summary>
    int RoundWithMode(Block block, CilInstruction at, List<int> stack, IrType type)
    {
        int mode = Pop(stack, at), value = Widen(block, at, Pop(stack, at), type);
        var definition = block.Instrs.LastOrDefault(i => i.Result == mode);
        if (definition is not { Op: Op.Const }) throw Error(at, "Math.Round with a rounding mode computed at run time is not supported (only a constant MidpointRounding)");
        Op Direction(long m) => (MidpointRounding)m switch
        {
            MidpointRounding.ToEven => Op.FRoundEven,
            MidpointRounding.ToZero or MidpointRounding.AwayFromZero => Op.FTruncate,
            MidpointRounding.ToNegativeInfinity => Op.FFloor,
            MidpointRounding.ToPositiveInfinity => Op.FCeiling,
            _ => throw Error(at, $"{definition.Imm} is not a MidpointRounding (the CLR throws ArgumentException)"),
        };
        var op = Direction(definition.Imm);
        if ((MidpointRounding)definition.Imm == MidpointRounding.AwayFromZero)
        {
            var almostHalf = type == IrType.F32
                ? BitConverter.SingleToInt32Bits(MathF.BitDecrement(0.5f))
                : BitConverter.DoubleToInt64Bits(Math.BitDecrement(0.5));
            var signed = Emit(block, at, Op.FCopySign, type, Const(block, type, almostHalf), value);
            value = Emit(block, at, Op.FAdd, type, value, signed);
        }
        return EmitIntrinsic(block, at, MathIntrinsics.Rounding(op, type), value);
    }

    /// <summary>double.IsNaN(x) is x != x; IsFinite is |x| &lt; ∞ and IsInfinity |x| == ∞ (both false for NaN).</summary>
    int Classify(Block block, CilInstruction at, MathIntrinsics.Classification test, IrType type, int value)
    {
        int Infinity(double sign) => Const(block, type, type == IrType.F32
            ? BitConverter.SingleToInt32Bits((float)(sign * double.PositiveInfinity))
            : BitConverter.DoubleToInt64Bits(sign * double.PositiveInfinity));
        int Magnitude() => Emit(block, at, Op.FAbs, type, value);
        return test switch
        {
            MathIntrinsics.Classification.IsNaN => Emit(block, at, Op.FNe, IrType.I32, value, value),
            MathIntrinsics.Classification.IsFinite => Emit(block, at, Op.FLt, IrType.I32, Magnitude(), Infinity(1)),
            MathIntrinsics.Classification.IsInfinity => Emit(block, at, Op.FEq, IrType.I32, Magnitude(), Infinity(1)),
            MathIntrinsics.Classification.IsPositiveInfinity => Emit(block, at, Op.FEq, IrType.I32, value, Infinity(1)),
            _ => Emit(block, at, Op.FEq, IrType.I32, value, Infinity(-1)),
        };
    }

    int CallMathLibrary(Block block, CilInstruction at, string symbol, IrType type, params int[] args)
    {
        var call = function.Append(block, Op.CallNative, type, args);
        call.Imm = CMathLibrary.AddressOf(symbol);
        call.Callee = new CallTarget(symbol, null);
        call.ILOffset = at.Offset;
        return call.Result;
    }

    /// <summary>Operations that exist only for integers refuse a floating-point operand (which is invalid IL).</summary>
    int IntegerOperand(CilInstruction at, int value) => TypeOfValue(value).IsInteger()
        ? value
        : throw Error(at, $"{at.OpCode.Name} needs an integer operand, not {TypeOfValue(value).Name()} (invalid IL)");

    /// <summary>The shifted value decides the type; the count is brought to the same width (the hardware masks it).</summary>
    void Shift(Block block, CilInstruction at, List<int> stack, Op op)
    {
        int count = IntegerOperand(at, Pop(stack, at)), value = IntegerOperand(at, Pop(stack, at));
        var type = TypeOfValue(value);
        stack.Add(Emit(block, at, op, type, value, Widen(block, at, count, type)));
    }

    void Compare(Block block, CilInstruction at, List<int> stack, Op op)
    {
        var (a, b, type) = PopPair(block, at, stack);
        stack.Add(Emit(block, at, type.IsFloat() ? FloatComparison(op) : op, IrType.I32, a, b));
    }

    /// <summary>conv.i1/u1/i2/u2/i4/u4: to 32 bits first, then keep the low 8 or 16 bits extended as the opcode says.
    /// From floating point the CLR saturates to int32 first (to uint32 for conv.u4) and then keeps the low bits.</summary>
    int Narrow(Block block, CilInstruction at, int value, Op? extend, bool unsigned = false)
    {
        if (TypeOfValue(value) == IrType.I64) value = Emit(block, at, Op.Truncate, IrType.I32, value);
        else if (TypeOfValue(value).IsFloat())
            value = Emit(block, at, unsigned ? Op.FloatToUInt : Op.FloatToInt, IrType.I32, ToDouble(block, at, value));
        return extend is null ? value : Emit(block, at, extend.Value, IrType.I32, value);
    }

    /// <summary>conv.i8/u8/i/u: an int32 is sign- or zero-extended; a 64-bit value is unchanged; floating point
    /// saturates.</summary>
    int Extend(Block block, CilInstruction at, int value, Op extend)
    {
        var type = TypeOfValue(value);
        if (type.IsFloat())
            return Emit(block, at, extend == Op.SignExtend32 ? Op.FloatToInt : Op.FloatToUInt, IrType.I64, ToDouble(block, at, value));
        return type == IrType.I64 ? value : Emit(block, at, extend, IrType.I64, value);
    }

    /// <summary>Every float is exactly a double, so conversions to integers start from f64 and need one template.</summary>
    int ToDouble(Block block, CilInstruction at, int value) =>
        TypeOfValue(value) == IrType.F32 ? Emit(block, at, Op.FloatConvert, IrType.F64, value) : value;

    /// <summary>conv.r4, conv.r8 and conv.r.un: an integer (read unsigned for conv.r.un) or a float to float or double.</summary>
    int ToFloat(Block block, CilInstruction at, int value, IrType type, bool unsigned)
    {
        var from = TypeOfValue(value);
        if (from == type) return value;
        if (from.IsFloat()) return Emit(block, at, Op.FloatConvert, type, value);
        return Emit(block, at, unsigned ? Op.UIntToFloat : Op.IntToFloat, type, value);
    }

    /// <summary>conv.ovf.* of a floating-point value: truncated, or an OverflowException when it does not fit.</summary>
    int CheckedFromFloat(Block block, CilInstruction at, int value, bool signed, int bits)
    {
        Op? extend = bits switch
        {
            8 => signed ? Op.SignExtend8 : Op.ZeroExtend8,
            16 => signed ? Op.SignExtend16 : Op.ZeroExtend16,
            _ => null,
        };
        var converted = function.Append(block, signed ? Op.FloatToIntChecked : Op.FloatToUIntChecked,
            bits == 64 ? IrType.I64 : IrType.I32, ToDouble(block, at, value));
        converted.Imm = bits;
        converted.ILOffset = at.Offset;
        // The value is in range, so the extension changes nothing; it keeps the importer's rule that a small value
        // is always extended, which the optimizer relies on.
        return extend is null ? converted.Result : Emit(block, at, extend.Value, IrType.I32, converted.Result);
    }

    /// <summary>add.ovf, sub.ovf, mul.ovf and their .un forms. An int32 operand meeting a native int is widened as the
    /// CLR widens it here: sign-extended, but zero-extended by the .un forms, which read both operands as unsigned.</summary>
    void CheckedBinary(Block block, CilInstruction at, List<int> stack, Op op)
    {
        int b = IntegerOperand(at, Pop(stack, at)), a = IntegerOperand(at, Pop(stack, at));
        var type = TypeOfValue(a) == IrType.I64 || TypeOfValue(b) == IrType.I64 ? IrType.I64 : IrType.I32;
        int ToType(int value) => TypeOfValue(value) == type ? value
            : Emit(block, at, op.IsUnsignedArithmetic() ? Op.ZeroExtend32 : Op.SignExtend32, IrType.I64, value);
        stack.Add(Emit(block, at, op, type, ToType(a), ToType(b)));
    }

    /// <summary>conv.ovf.*: the operand's value must fit the target type. Where every value of the operand's type
    /// fits (conv.ovf.i4 of an int32), only the widening remains, and nothing is left that could throw.</summary>
    int CheckedConversion(Block block, CilInstruction at, int value, Op op)
    {
        var conversion = CheckedArithmetic.ConversionOf(op)!.Value;
        // From floating point the .un forms mean nothing more: the CLR converts as the signed-source forms do.
        if (TypeOfValue(value).IsFloat()) return CheckedFromFloat(block, at, value, conversion.SignedTarget, conversion.TargetBits);
        var source = TypeOfValue(IntegerOperand(at, value));
        if (!CheckedArithmetic.NeverOverflows(conversion, source)) return Emit(block, at, op, conversion.ResultType, value);
        if (conversion.ResultType == source) return value;
        return Emit(block, at, conversion.UnsignedSource ? Op.ZeroExtend32 : Op.SignExtend32, IrType.I64, value);
    }

    /// <summary>Imports a call; returns true when it ended the block (a tail call to the method itself).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    bool ImportCall(Block block, CilInstruction at, List<int> stack)
    {
        var callee = method.ResolveMethod((int)at.Int);
        var name = JitException.MethodName(callee);
        if (callee is not MethodInfo info || !callee.IsStatic)
            throw Error(at, $"call to {name}: only static methods can be called");
        if (RuntimeIntrinsics.HardwareSupport(callee) is bool supported)
        {
            stack.Add(Const(block, IrType.I32, supported ? 1 : 0));
            return false;
        }
        if (MathIntrinsics.Find(info) is { } intrinsic)
        {
            var operands = new int[intrinsic.Operands.Length];
            for (int i = operands.Length - 1; i >= 0; i--) operands[i] = Widen(block, at, Pop(stack, at), intrinsic.Operands[i]);
            stack.Add(EmitIntrinsic(block, at, intrinsic, operands));
            return false;
        }
        if (MathIntrinsics.FindWithOut(info) is { } withOut)
        {
            stack.Add(ImportWithOut(block, at, stack, withOut, info));
            return false;
        }
        if (MathIntrinsics.RoundWithMode(info) is IrType rounded)
        {
            stack.Add(RoundWithMode(block, at, stack, rounded));
            return false;
        }
        if (MathIntrinsics.FindClassification(info) is { } classification)
        {
            var (test, floatType) = classification;
            stack.Add(Classify(block, at, test, floatType, Widen(block, at, Pop(stack, at), floatType)));
            return false;
        }
        if (RuntimeIntrinsics.IsRefused(callee))
            throw Error(at, $"call to {name}: it is a runtime intrinsic, whose IL is only a fallback (or calls itself); MiniJit does not implement it");
        bool neverReturns = callsNeverReturning[at.Offset];
        if (!neverReturns && callee.GetMethodBody() is null)
            throw Error(at, $"call to {name}: the method has no IL body (extern or runtime-provided) and is not an intrinsic");
        var parameters = callee.GetParameters();
        if (neverReturns && parameters.Length > JitFrame.MaxArguments)
            throw Error(at, $"call to {name}: a method that never returns gets its arguments through the frame, which holds {JitFrame.MaxArguments}");
        var args = new int[parameters.Length];
        for (int i = parameters.Length - 1; i >= 0; i--)
        {
            var type = parameters[i].ParameterType;
            if (!TryGetType(type, out var irType))
                throw Error(at, $"call to {name}: parameter {parameters[i].Name} has type {type.Name}, which is not supported");
            args[i] = Widen(block, at, Pop(stack, at), irType);
        }
        if (neverReturns)
        {
            // The block ends here: nothing after the call can run. The helper runs once the native frames are left.
            var exit = function.Terminate(block, Op.ThrowViaHelper, args);
            exit.Imm = ThrowHelpers.IndexOf(info);
            exit.Callee = new CallTarget(NameOf(callee), callee);
            exit.ILOffset = at.Offset;
            Filled(block);
            return true;
        }
        if (at.NextOffset < isSelfTailCallRet.Length && isSelfTailCallRet[at.NextOffset])
        {
            if (stack.Count != 0) throw Error(at, "the evaluation stack holds more than the arguments at a tail. call (invalid IL)");
            for (int i = 0; i < args.Length; i++) StoreArg(block, at, i, args[i]);
            Jump(block, BlockAt(0), stack, at);
            return true;
        }
        var returnType = IrType.Void;
        if (info.ReturnType != typeof(void) && !TryGetType(info.ReturnType, out returnType))
            throw Error(at, $"call to {name}: return type {info.ReturnType.Name} is not supported" +
                (info.ReturnType is { IsValueType: true, IsPrimitive: false, IsEnum: false } ? " (a struct, such as a tuple: MiniJit's values are integers)" : ""));
        var call = function.Append(block, Op.Call, returnType, args);
        call.Callee = new CallTarget(NameOf(callee), callee);
        call.ILOffset = at.Offset;
        if (returnType != IrType.Void) stack.Add(call.Result);
        return false;
    }
}
