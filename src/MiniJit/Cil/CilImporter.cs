using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using MiniJit.Binding;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// Turns a method's CIL into SSA IR. CIL is a stack machine; the IR is not: every argument, local and
/// evaluation-stack slot is a <em>variable</em>, and <see cref="SsaBuilder"/> turns their reads and writes into SSA
/// values on the fly. Each block's predecessors are counted before import, so a block is sealed as soon as its last
/// predecessor has been filled.
/// </summary>
public sealed partial class CilImporter
{
    readonly CilMethod method;
    readonly CilInstruction[] code;
    readonly Function function;
    readonly Block entry;
    readonly int thisOffset;              // 1 when IL argument 0 is an ignored `this`
    readonly Type[] argTypes;             // IL argument types, `this` included
    readonly int localBase, stackBase;    // variable numbering: args, then locals, then stack slots
    readonly SsaBuilder ssa;
    readonly CilOperations ops;
    CilInstruction? current;              // the instruction being imported, for the errors of ops

    // Indexed by IR block id: a block is sealed the moment its last predecessor is filled.
    readonly List<int> filledPredecessors = [];
    readonly List<int> expectedPredecessors = [];

    // CIL block structure, in arrays indexed by IL offset (the body is small and its length known).
    readonly Block?[] blockAt;            // the IR block that starts at an offset (reachable blocks only)
    readonly bool[] isBlockStart;         // every block start, reachable or not; one extra entry for the body's end
    readonly int[] indexAt;               // IL offset → index in code
    readonly bool[] isSelfTailCallRet;    // by IL offset: a ret after `tail. call` to this method, which loops to IL_0000
    readonly bool[] callsNeverReturning;  // by IL offset: a call to a throw helper, which ends its block (found once, by FindBlocks)
    readonly List<IrType[]?> entryStacks = [];  // by IR block id: the types on the stack when entering it
    readonly List<int> evaluationStack = [];  // reused by each block as it is filled
    int outVariable = -1;                 // the variable whose address ldloca/ldarga took for the call right after it
    readonly int[] frameOffsets;          // by variable: where an address-taken variable lives in the frame, or -1
    readonly int[] spanLengths;           // by variable: for a span (whose variable holds its pointer), the variable of its length; else -1
    readonly int[] firstParam;            // by IL argument: its first IR parameter (a span takes two, a struct one per eightbyte)
    readonly StructShape?[] structShapes; // by variable: the struct it holds (in its frame slot), or null
    readonly StructShape? returnShape;    // the struct the method returns, or null
    int returnBuffer = -1;                // the hidden parameter: where a struct result too large for a register goes

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
        if (!ignoreThis && !method.Method.IsStatic && !(method.Method.DeclaringType?.IsValueType ?? false))
            throw Error(null, "instance methods are not supported (only static methods, methods of structs and non-capturing lambdas)");
        if (RuntimeIntrinsics.IsRefused(method.Method))
            throw Error(null, "it is a runtime intrinsic, whose IL is only a fallback (or calls itself); MiniJit does not implement it");
        if (method.ExceptionClauseCount > 0)
            throw Error(null, "exception handling (try/catch/finally) is not supported");

        localBase = argTypes.Length;
        stackBase = localBase + method.LocalTypes.Length;
        structShapes = new StructShape?[stackBase];
        for (int v = thisOffset; v < stackBase; v++)
            if (!TryGetType(VariableClrType(v), out _)) structShapes[v] = StructOf(VariableClrType(v));
        returnShape = method.ReturnType != typeof(void) && !TryGetType(method.ReturnType, out _) ? StructOf(method.ReturnType) : null;

        // A span parameter is two IR parameters: the pointer to element 0, then the length. A struct is its eightbytes
        // or the address of a copy; a struct result that needs a buffer takes a hidden parameter before all of them.
        var paramTypes = new List<IrType>();
        if (returnShape is { ResultClasses: null }) paramTypes.Add(IrType.I64);
        firstParam = new int[argTypes.Length];
        for (int i = thisOffset; i < argTypes.Length; i++)
        {
            firstParam[i] = paramTypes.Count;
            if (IsSpan(argTypes[i])) paramTypes.AddRange([IrType.I64, IrType.I32]);
            else if (structShapes[i] is { } shape) paramTypes.AddRange(ParameterTypesOf(shape));
            else paramTypes.Add(VariableType(argTypes[i], code, i, isArgument: true, $"parameter {i - thisOffset}"));
        }
        var returnTypes = method.ReturnType == typeof(void) ? []
            : returnShape is { } result ? ResultTypesOf(result) ?? []
            : [TypeOf(method.ReturnType, null, "return type")];
        function = new Function(NameOf(method.Method), [.. paramTypes], returnTypes.Length > 0 ? returnTypes[0] : IrType.Void)
        {
            SecondReturnType = returnTypes.Length > 1 ? returnTypes[1] : IrType.Void,
        };

        ssa = new SsaBuilder(function);
        ops = new CilOperations(function, reason => Error(current, reason));
        // A struct variable lives in its frame slot; its SSA variable is never used.
        for (int i = 0; i < argTypes.Length; i++)
            ssa.NewVariable(i < thisOffset ? IrType.Void : structShapes[i] is not null ? IrType.I64 : paramTypes[firstParam[i]]);
        for (int i = 0; i < method.LocalTypes.Length; i++)
            ssa.NewVariable(IsSpan(method.LocalTypes[i]) || structShapes[localBase + i] is not null ? IrType.I64
                : VariableType(method.LocalTypes[i], code, i, isArgument: false, $"local {i}"));
        for (int i = 0; i < method.MaxStack; i++) ssa.NewVariable(IrType.Void);
        // Each span variable's length is one more variable, after all the others.
        spanLengths = new int[stackBase];
        for (int v = thisOffset; v < stackBase; v++)
            spanLengths[v] = IsSpan(VariableClrType(v)) ? ssa.NewVariable(IrType.I32) : -1;
        frameOffsets = FindVariablesInMemory();

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
            // Addresses: pointers, by-refs (into pinned or unmovable memory) and arrays of primitives (which arrive
            // pinned, as arguments; see CilImporter.Memory).
            _ when type.IsPointer || type.IsFunctionPointer || type.IsByRef => IrType.I64,
            _ when type.IsSZArray && AccessOf(type.GetElementType()!) is not null && !type.GetElementType()!.IsPointer => IrType.I64,
            _ => IrType.Void,
        };
        return irType != IrType.Void;
    }

    IrType TypeOf(Type type, CilInstruction? at, string what) =>
        TryGetType(type, out var irType) ? irType : throw Error(at, $"{what} has type {type.Name}, which is not supported" + (type switch
        {
            { IsArray: true } when !type.IsSZArray => " (only one-dimensional arrays)",
            { IsArray: true } when type.GetElementType()!.IsValueType => " (arrays of structs are not supported)",
            { IsArray: true } => " (only arrays of primitives: native code cannot hold object references, which the GC could not see)",
            { IsValueType: true, IsPrimitive: false, IsEnum: false } => $" ({StructRefusal(type)})",
            { IsValueType: false } => " (objects are not supported: native code cannot hold references, which the GC could not see)",
            _ => "",
        }));

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
        ssa.Finish();
        return function;
    }

    // ---------------------------------------------------------------- blocks

    Block NewBlock()
    {
        var block = ssa.NewBlock();
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
                    last.Op == CilOp.Call && method.ResolveMethod((int)last.Int, last) is var callee
                    // An intrinsic's IL may be a placeholder that throws (Unsafe.Add): what it does is not its IL.
                    && !RuntimeIntrinsics.IsIntrinsic(callee) && ThrowHelpers.NeverReturns(callee);
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
        if (returnShape is { ResultClasses: null })
        {
            var buffer = function.Append(entry, Op.Param, IrType.I64);
            returnBuffer = buffer.Result;
            nonNullAddresses.Add(returnBuffer);
        }
        for (int i = thisOffset; i < argTypes.Length; i++)
        {
            if (structShapes[i] is { } shape)
            {
                ReceiveStruct(i, shape, firstParam[i]);
                continue;
            }
            var param = function.Append(entry, Op.Param, ssa.TypeOf(i));
            param.Imm = firstParam[i];
            if (spanLengths[i] >= 0)
            {
                var length = function.Append(entry, Op.Param, IrType.I32);
                length.Imm = firstParam[i] + 1;
                WriteSpan(entry, i, new SpanEntry(param.Result, length.Result, -1));
            }
            else WriteVariable(i, entry, ops.Normalize(entry, param.Result, argTypes[i]));
        }
        for (int i = 0; i < method.LocalTypes.Length; i++)
        {
            if (structShapes[localBase + i] is { } shape)
            {
                Zero(entry, FrameSlot(entry, localBase + i), shape.Size);
                continue;
            }
            WriteVariable(localBase + i, entry, function.AppendConst(entry, ssa.TypeOf(localBase + i), 0).Result);
            if (spanLengths[localBase + i] >= 0) Write(spanLengths[localBase + i], entry, function.AppendConst(entry, IrType.I32, 0).Result);
        }
        if (method.Method.DeclaringType is { } type && TypeInitializers.NeedsCheck(type))
        {
            var flag = function.AppendConst(entry, IrType.I64, TypeInitializers.FlagOf(type));
            function.Append(entry, Op.EnsureTypeInitialized, IrType.Void, flag.Result);
        }
        Jump(entry, BlockAt(0), [], null);
        ssa.Seal(entry);
    }

    void Jump(Block from, Block to, List<int> stack, CilInstruction? at)
    {
        SaveStack(from, to, stack, at);
        function.Terminate(from, Op.Jump, [], to);
        Filled(from);
    }

    /// <summary>Stack slots that flow into another block travel as variables, like locals.</summary>
    /// <remarks>A span in a stack slot (Roslyn's Release builds keep a span local there across the next statement's
    /// branches) travels as two variables, its pointer in the slot's and its length in one more; its type in
    /// <see cref="entryStacks"/> is <see cref="IrType.Void"/>, which no value has.</remarks>
    void SaveStack(Block from, Block to, List<int> stack, CilInstruction? at)
    {
        if (entryStacks[to.Id] is not { } expected)
        {
            var types = new IrType[stack.Count];
            for (int i = 0; i < types.Length; i++) types[i] = StackType(stack[i]);
            entryStacks[to.Id] = types;
        }
        else if (!StackMatches(expected, stack))
            throw Error(at, $"the evaluation stack differs between the paths into {to}: " +
                $"[{string.Join(", ", expected.Select(StackTypeName))}] and [{string.Join(", ", stack.Select(v => StackTypeName(StackType(v))))}]");
        for (int i = 0; i < stack.Count; i++)
        {
            if (IsSpanMarker(stack[i]))
            {
                var span = SpanAt(stack[i]);
                if (span.Variable >= 0) throw Error(at, "the address of a span variable on the evaluation stack at a branch is not supported");
                ssa.SetType(stackBase + i, IrType.I64);
                Write(stackBase + i, from, span.Pointer);
                Write(StackSpanLength(i), from, span.Length);
                continue;
            }
            ssa.SetType(stackBase + i, function.ValueTypes[stack[i]]);
            Write(stackBase + i, from, stack[i]);
        }
    }

    IrType StackType(int entry) => IsSpanMarker(entry) ? IrType.Void : function.ValueTypes[entry];

    static string StackTypeName(IrType type) => type == IrType.Void ? "span" : type.Name();

    /// <summary>The variable that carries the length of a span in stack slot <paramref name="slot"/> between blocks.</summary>
    int StackSpanLength(int slot)
    {
        if (!stackSpanLengths.TryGetValue(slot, out int variable)) stackSpanLengths[slot] = variable = ssa.NewVariable(IrType.I32);
        return variable;
    }

    readonly Dictionary<int, int> stackSpanLengths = [];

    bool StackMatches(IrType[] expected, List<int> stack)
    {
        if (expected.Length != stack.Count) return false;
        for (int i = 0; i < expected.Length; i++)
            if (expected[i] != StackType(stack[i])) return false;
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
            if (++filledPredecessors[succ.Id] == expectedPredecessors[succ.Id]) ssa.Seal(succ);
        }
    }

    void Write(int variable, Block block, int value) => ssa.Write(variable, block, value);

    int Read(int variable, Block block) => ssa.Read(variable, block);

    // ---------------------------------------------------------------- instructions

    void FillBlock(Block block, int start)
    {
        var stack = evaluationStack;
        stack.Clear();
        spanEntries.Clear();
        // A block no predecessor has jumped to yet is entered only by later backward branches, and ECMA-335
        // (III.1.7.5) says the stack is empty there; recording that makes a later non-empty branch an error.
        var types = entryStacks[block.Id] ??= [];
        for (int i = 0; i < types.Length; i++)
        {
            if (types[i] == IrType.Void)
            {
                ssa.SetType(stackBase + i, IrType.I64);
                PushSpan(stack, new SpanEntry(Read(stackBase + i, block), Read(StackSpanLength(i), block), -1));
                continue;
            }
            ssa.SetType(stackBase + i, types[i]);
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

    /// <summary>Pops a primitive value (not a span).</summary>
    int Pop(List<int> stack, CilInstruction at)
    {
        int value = PopEntry(stack, at);
        if (IsSpanMarker(value)) throw Error(at, "a span where a primitive value was expected (only a span's own methods and span variables take spans)");
        return value;
    }

    /// <summary>Pops whatever is on top: a value or a span marker.</summary>
    int PopEntry(List<int> stack, CilInstruction at)
    {
        if (stack.Count == 0) throw Error(at, "evaluation stack underflow");
        int value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    (int A, int B, IrType Type) PopPair(Block block, CilInstruction at, List<int> stack)
    {
        int b = Pop(stack, at), a = Pop(stack, at);
        return ops.Pair(block, a, b);
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
        var (a, b, _) = PopPair(block, at, stack);
        Branch(block, at, ops.Compare(block, compare, a, b), stack);
    }

    /// <summary>Imports one CIL instruction; returns true when it ended the block.</summary>
    bool ImportInstruction(Block block, CilInstruction at, List<int> stack)
    {
        current = at;
        ops.ILOffset = at.Offset;
        switch (at.OpCode.Op)
        {
            case CilOp.Nop or CilOp.Tail:
                return false;

            case CilOp.Ldarg_0 or CilOp.Ldarg_1 or CilOp.Ldarg_2 or CilOp.Ldarg_3:
                LoadArg(block, at, Distance(at.OpCode.Op, CilOp.Ldarg_0), stack);
                return false;
            case CilOp.Ldarg_S or CilOp.Ldarg:
                LoadArg(block, at, (int)at.Int, stack);
                return false;
            case CilOp.Starg_S or CilOp.Starg:
                StoreArg(block, at, (int)at.Int, stack);
                return false;
            case CilOp.Ldloc_0 or CilOp.Ldloc_1 or CilOp.Ldloc_2 or CilOp.Ldloc_3:
                LoadLocal(block, at, Distance(at.OpCode.Op, CilOp.Ldloc_0), stack);
                return false;
            case CilOp.Ldloc_S or CilOp.Ldloc:
                LoadLocal(block, at, (int)at.Int, stack);
                return false;
            case CilOp.Stloc_0 or CilOp.Stloc_1 or CilOp.Stloc_2 or CilOp.Stloc_3:
                StoreLocal(block, at, Distance(at.OpCode.Op, CilOp.Stloc_0), stack);
                return false;
            case CilOp.Stloc_S or CilOp.Stloc:
                StoreLocal(block, at, (int)at.Int, stack);
                return false;
            case CilOp.Ldloca_S or CilOp.Ldloca or CilOp.Ldarga_S or CilOp.Ldarga:
                {
                    bool local = at.OpCode.Op is CilOp.Ldloca_S or CilOp.Ldloca;
                    int index = (int)at.Int;
                    if (local) CheckLocal(at, index); else CheckArgument(at, index);
                    if (!local && index < thisOffset) throw Error(at, "the method takes the address of `this`");
                    int variable = local ? localBase + index : index;
                    // An address taken only to be the `out` argument of Math.DivRem or Math.BigMul right after it is
                    // that call writing the variable, which SSA expresses directly; any other address is a frame slot.
                    if (spanLengths[variable] >= 0) PushSpan(stack, new SpanEntry(-1, -1, variable));
                    else if (IsOutArgumentOfIntrinsic(indexAt[at.Offset])) outVariable = variable;
                    else stack.Add(FrameSlot(block, variable));
                    return false;
                }

            case >= CilOp.Ldc_I4_M1 and <= CilOp.Ldc_I4_8:
                stack.Add(ops.Const(block, IrType.I32, Distance(at.OpCode.Op, CilOp.Ldc_I4_0)));
                return false;
            case CilOp.Ldc_I4_S or CilOp.Ldc_I4:
                stack.Add(ops.Const(block, IrType.I32, at.Int));
                return false;
            case CilOp.Ldc_I8:
                stack.Add(ops.Const(block, IrType.I64, at.Int));
                return false;
            case CilOp.Ldc_R4:
                stack.Add(ops.Const(block, IrType.F32, at.Int));
                return false;
            case CilOp.Ldc_R8:
                stack.Add(ops.Const(block, IrType.F64, at.Int));
                return false;

            case CilOp.Dup:
                {
                    int value = PopEntry(stack, at);
                    stack.Add(value);
                    stack.Add(value);
                    return false;
                }
            case CilOp.Pop:
                PopEntry(stack, at);
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
            case CilOp.Neg: stack.Add(ops.Negate(block, Pop(stack, at))); return false;
            case CilOp.Not:
                {
                    int value = ops.IntegerOperand(Pop(stack, at));
                    stack.Add(ops.Emit(block, Op.Not, ops.TypeOf(value), value));
                    return false;
                }

            case CilOp.Conv_I1: stack.Add(ops.Narrow(block, Pop(stack, at), Op.SignExtend8)); return false;
            case CilOp.Conv_U1: stack.Add(ops.Narrow(block, Pop(stack, at), Op.ZeroExtend8)); return false;
            case CilOp.Conv_I2: stack.Add(ops.Narrow(block, Pop(stack, at), Op.SignExtend16)); return false;
            case CilOp.Conv_U2: stack.Add(ops.Narrow(block, Pop(stack, at), Op.ZeroExtend16)); return false;
            case CilOp.Conv_I4: stack.Add(ops.Narrow(block, Pop(stack, at), null)); return false;
            case CilOp.Conv_U4: stack.Add(ops.Narrow(block, Pop(stack, at), null, unsigned: true)); return false;
            case CilOp.Conv_I8 or CilOp.Conv_I: stack.Add(ops.Extend(block, Pop(stack, at), Op.SignExtend32)); return false;
            case CilOp.Conv_U8 or CilOp.Conv_U: stack.Add(ops.Extend(block, Pop(stack, at), Op.ZeroExtend32)); return false;
            case CilOp.Conv_R4: stack.Add(ops.ToFloat(block, Pop(stack, at), IrType.F32, unsigned: false)); return false;
            case CilOp.Conv_R8: stack.Add(ops.ToFloat(block, Pop(stack, at), IrType.F64, unsigned: false)); return false;
            case CilOp.Conv_R_Un:
                {
                    // `(float)someUlong` compiles to conv.r.un; conv.r4, which the CLR converts in one rounding step
                    // (through double it could round twice): the pair is imported as one conversion, as RyuJIT does.
                    bool toSingle = indexAt[at.Offset] + 1 < code.Length && code[indexAt[at.Offset] + 1].Op == CilOp.Conv_R4
                        && !isBlockStart[at.NextOffset];
                    stack.Add(ops.ToFloat(block, ops.IntegerOperand(Pop(stack, at)), toSingle ? IrType.F32 : IrType.F64, unsigned: true));
                    return false;
                }
            case CilOp.Ckfinite:
                {
                    int value = Pop(stack, at);
                    if (!ops.TypeOf(value).IsFloat()) throw Error(at, "ckfinite needs a floating-point operand (invalid IL)");
                    stack.Add(ops.Emit(block, Op.CheckFinite, ops.TypeOf(value), value));
                    return false;
                }
            case CilOp.Add_Ovf: CheckedBinary(block, at, stack, Op.AddOvf); return false;
            case CilOp.Add_Ovf_Un: CheckedBinary(block, at, stack, Op.AddOvfUn); return false;
            case CilOp.Sub_Ovf: CheckedBinary(block, at, stack, Op.SubOvf); return false;
            case CilOp.Sub_Ovf_Un: CheckedBinary(block, at, stack, Op.SubOvfUn); return false;
            case CilOp.Mul_Ovf: CheckedBinary(block, at, stack, Op.MulOvf); return false;
            case CilOp.Mul_Ovf_Un: CheckedBinary(block, at, stack, Op.MulOvfUn); return false;

            case (>= CilOp.Conv_Ovf_I1_Un and <= CilOp.Conv_Ovf_U_Un) or (>= CilOp.Conv_Ovf_I1 and <= CilOp.Conv_Ovf_U8) or CilOp.Conv_Ovf_I or CilOp.Conv_Ovf_U:
                stack.Add(ops.CheckedConversion(block, Pop(stack, at), at.Op));
                return false;

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
                    int value = ops.IntegerOperand(Pop(stack, at));
                    bool onTrue = at.OpCode.Op is CilOp.Brtrue or CilOp.Brtrue_S;
                    var type = ops.TypeOf(value);
                    // Branch tests an i32 against zero; brfalse and 64-bit values compare explicitly.
                    if (!onTrue || type != IrType.I32)
                        value = ops.Emit(block, onTrue ? Op.Ne : Op.Eq, IrType.I32, value, ops.Const(block, type, 0));
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
                    int value = ops.Widen(block, Pop(stack, at), IrType.I32);
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
            case CilOp.Callvirt or CilOp.Constrained:
                throw Error(at, "virtual calls are not supported (ToString, Equals, GetHashCode, interface methods: they need objects or boxing); static methods and methods of structs are called with call");
            case CilOp.Newobj:
                {
                    var constructor = method.ResolveMethod((int)at.Int, at);
                    if (ImportSpanCall(block, at, stack, constructor, isNewobj: true)) return false;
                    if (constructor.DeclaringType is { IsValueType: true } && StructOf(constructor.DeclaringType) is { } shape)
                    {
                        // A new struct is a zeroed temporary, which the constructor fills in through its `this`.
                        int value = StructTemp(block, at, shape.Size);
                        Zero(block, value, shape.Size);
                        CallMethod(block, at, stack, constructor, value);
                        stack.Add(value);
                        return false;
                    }
                    throw Error(at, $"new {constructor.DeclaringType?.Name}: creating objects is not supported (native code cannot hold a reference the GC does not see); only spans can be constructed");
                }
            case CilOp.Initobj:
                {
                    var type = method.ResolveType((int)at.Int, at);
                    if (IsSpan(type))
                    {
                        WriteSpan(block, PopSpanAddress(stack, at), new SpanEntry(ops.Const(block, IrType.I64, 0), ops.Const(block, IrType.I32, 0), -1));
                        return false;
                    }
                    if (AccessOf(type) is { } zeroed)
                    {
                        StoreTo(block, CheckedPointer(block, at, Pop(stack, at)), ops.Const(block, zeroed.Type, 0), zeroed);
                        return false;
                    }
                    if (ImportStructOp(block, at, stack)) return false;
                    throw Error(at, $"initobj of {type.Name}: {StructRefusal(type)}");
                }

            case CilOp.Sizeof:
                {
                    // C# masks the count of a shift on nint with `sizeof(nint) * 8 - 1`; sizeof is a constant here.
                    var type = method.ResolveType((int)at.Int, at);
                    stack.Add(ops.Const(block, IrType.I32, type.IsValueType ? RuntimeHelpers.SizeOf(type.TypeHandle) : IntPtr.Size));
                    return false;
                }

            case CilOp.Ret:
                {
                    int[] args = [];
                    if (returnShape is { } shape) args = ReturnStruct(block, at, stack, shape);
                    else if (function.ReturnType != IrType.Void)
                        args = [ops.Normalize(block, Pop(stack, at), method.ReturnType)];
                    if (stack.Count != 0) throw Error(at, "the evaluation stack is not empty at ret");
                    var instr = function.Terminate(block, Op.Return, args);
                    instr.ILOffset = at.Offset;
                    Filled(block);
                    return true;
                }

            default:
                if (ImportStructOp(block, at, stack) || ImportMemory(block, at, stack)) return false;
                throw Error(at, "this opcode is not supported yet");
        }
    }

    /// <summary>How far an opcode is from the first of its run (ldc.i4.m1 is -1 from ldc.i4.0). CilOp is an unsigned
    /// enum, so plain subtraction would wrap.</summary>
    static int Distance(CilOp op, CilOp first) => (int)op - (int)first;

    void LoadArg(Block block, CilInstruction at, int index, List<int> stack)
    {
        CheckArgument(at, index);
        if (index < thisOffset) throw Error(at, "the method reads `this`; only static methods and non-capturing lambdas are supported");
        if (structShapes[index] is { } shape) stack.Add(StructValue(block, at, FrameSlot(block, index), shape));
        else if (spanLengths[index] >= 0) PushSpanVariable(block, stack, index);
        else stack.Add(ReadVariable(index, block));
    }

    void StoreArg(Block block, CilInstruction at, int index, List<int> stack)
    {
        CheckArgument(at, index);
        if (index < thisOffset) throw Error(at, "the method writes `this`");
        if (structShapes[index] is { } shape) CopyStruct(block, FrameSlot(block, index), Address(block, Pop(stack, at), at), shape);
        else if (spanLengths[index] >= 0) WriteSpan(block, index, PopSpanValue(block, stack, at));
        else WriteVariable(index, block, ops.Normalize(block, Pop(stack, at), argTypes[index]));
    }

    void CheckArgument(CilInstruction at, int index)
    {
        if (index >= argTypes.Length)
            throw Error(at, $"argument {index} does not exist: the method has {argTypes.Length} (invalid IL)");
    }

    int CheckLocal(CilInstruction at, int index) => index < method.LocalTypes.Length
        ? index
        : throw Error(at, $"local {index} does not exist: the method has {method.LocalTypes.Length} (invalid IL)");

    void LoadLocal(Block block, CilInstruction at, int index, List<int> stack)
    {
        int variable = localBase + CheckLocal(at, index);
        if (structShapes[variable] is { } shape) stack.Add(StructValue(block, at, FrameSlot(block, variable), shape));
        else if (spanLengths[variable] >= 0) PushSpanVariable(block, stack, variable);
        else stack.Add(ReadVariable(variable, block));
    }

    void StoreLocal(Block block, CilInstruction at, int index, List<int> stack)
    {
        int variable = localBase + CheckLocal(at, index);
        if (structShapes[variable] is { } shape) CopyStruct(block, FrameSlot(block, variable), Address(block, Pop(stack, at), at), shape);
        else if (spanLengths[variable] >= 0) WriteSpan(block, variable, PopSpanValue(block, stack, at));
        else WriteVariable(variable, block, ops.Normalize(block, Pop(stack, at), method.LocalTypes[index]));
    }

    void Binary(Block block, CilInstruction at, List<int> stack, Op op)
    {
        var (a, b, _) = PopPair(block, at, stack);
        stack.Add(ops.Arithmetic(block, op, a, b));
    }

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
        int b = ops.Widen(block, Pop(stack, at), type), a = ops.Widen(block, Pop(stack, at), type);
        int result, written;
        if (intrinsic.Kind == MathIntrinsics.WithOutKind.DivRem)
        {
            result = ops.Emit(block, Op.Div, type, a, b);
            written = ops.Emit(block, Op.Rem, type, a, b);
        }
        else
        {
            result = ops.Emit(block, Op.MulHigh, type, a, b);
            if (intrinsic.Kind == MathIntrinsics.WithOutKind.BigMulUnsigned)
            {
                int topBit = ops.Const(block, type, 63);
                int aMask = ops.Emit(block, Op.And, type, ops.Emit(block, Op.Shr, type, a, topBit), b);
                int bMask = ops.Emit(block, Op.And, type, ops.Emit(block, Op.Shr, type, b, topBit), a);
                result = ops.Emit(block, Op.Add, type, ops.Emit(block, Op.Add, type, result, aMask), bMask);
            }
            written = ops.Emit(block, Op.Mul, type, a, b);
        }
        var variableType = variable >= localBase ? method.LocalTypes[variable - localBase] : argTypes[variable];
        WriteVariable(variable, block, ops.Normalize(block, written, variableType.GetElementType() ?? variableType));
        return result;
    }

    /// <summary>
    /// Math.Round(x, mode): the mode must be a constant (as C# code writes it); one computed at run time is refused.
    /// </summary>
    int RoundWithMode(Block block, CilInstruction at, List<int> stack, IrType type)
    {
        int mode = Pop(stack, at), value = ops.Widen(block, Pop(stack, at), type);
        var definition = block.Instrs.LastOrDefault(i => i.Result == mode);
        if (definition is not { Op: Op.Const }) throw Error(at, "Math.Round with a rounding mode computed at run time is not supported (only a constant MidpointRounding)");
        return ops.RoundWithMode(block, value, type, definition.Imm);
    }

    void Shift(Block block, CilInstruction at, List<int> stack, Op op)
    {
        int count = Pop(stack, at), value = Pop(stack, at);
        stack.Add(ops.Shift(block, op, value, count));
    }

    void Compare(Block block, CilInstruction at, List<int> stack, Op op)
    {
        var (a, b, _) = PopPair(block, at, stack);
        stack.Add(ops.Compare(block, op, a, b));
    }

    void CheckedBinary(Block block, CilInstruction at, List<int> stack, Op op)
    {
        int b = Pop(stack, at), a = Pop(stack, at);
        stack.Add(ops.CheckedBinary(block, op, a, b));
    }

    /// <summary>Imports a call; returns true when it ended the block (a tail call to the method itself).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    bool ImportCall(Block block, CilInstruction at, List<int> stack)
    {
        var callee = method.ResolveMethod((int)at.Int);
        var name = JitException.MethodName(callee);
        if (ImportSpanCall(block, at, stack, callee, isNewobj: false)) return false;
        if (!callee.IsStatic)
        {
            if (!(callee.DeclaringType?.IsValueType ?? false))
                throw Error(at, $"call to {name}: only static methods and methods of structs can be called");
            CallMethod(block, at, stack, callee, thisValue: -1);
            return false;
        }
        if (callee is not MethodInfo info) throw Error(at, $"call to {name}: a static constructor cannot be called (invalid IL)");
        if (RuntimeIntrinsics.HardwareSupport(callee) is bool supported)
        {
            stack.Add(ops.Const(block, IrType.I32, supported ? 1 : 0));
            return false;
        }
        if (MathIntrinsics.Find(info) is { } intrinsic)
        {
            var operands = new int[intrinsic.Operands.Length];
            for (int i = operands.Length - 1; i >= 0; i--) operands[i] = ops.Widen(block, Pop(stack, at), intrinsic.Operands[i]);
            stack.Add(ops.Intrinsic(block, intrinsic, operands));
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
            stack.Add(ops.Classify(block, test, floatType, ops.Widen(block, Pop(stack, at), floatType)));
            return false;
        }
        if (RuntimeIntrinsics.IsRefused(callee))
            throw Error(at, $"call to {name}: it is a runtime intrinsic, whose IL is only a fallback (or calls itself); MiniJit does not implement it");
        return CallMethod(block, at, stack, callee, thisValue: -1);
    }

    /// <summary>A call of a method compiled from its IL (static, or of a struct: then <c>this</c> is an address, popped
    /// unless <paramref name="thisValue"/> gives it); returns true when it ended the block.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    bool CallMethod(Block block, CilInstruction at, List<int> stack, MethodBase callee, int thisValue)
    {
        var name = JitException.MethodName(callee);
        bool neverReturns = callsNeverReturning[at.Offset];
        if (!neverReturns && callee.GetMethodBody() is null)
            throw Error(at, $"call to {name}: the method has no IL body (extern or runtime-provided) and is not an intrinsic");
        var parameters = callee.GetParameters();
        if (neverReturns && parameters.Length > JitFrame.MaxArguments)
            throw Error(at, $"call to {name}: a method that never returns gets its arguments through the frame, which holds {JitFrame.MaxArguments}");
        var reversed = new List<int>(parameters.Length);
        for (int i = parameters.Length - 1; i >= 0; i--)
        {
            var type = parameters[i].ParameterType;
            if (IsSpan(type) && !neverReturns)
            {
                var span = PopSpanValue(block, stack, at);
                reversed.AddRange([span.Length, span.Pointer]);  // the pointer, then the length, once reversed
                continue;
            }
            if (!TryGetType(type, out var irType))
            {
                if (StructOf(type) is not { } shape || neverReturns)
                    throw Error(at, $"call to {name}: parameter {parameters[i].Name} has type {type.Name}, which is not supported"
                        + (type.IsValueType ? $" ({StructRefusal(type)})" : ""));
                PopStructArgument(block, at, stack, shape, reversed);
                continue;
            }
            reversed.Add(ops.Widen(block, Pop(stack, at), irType));
        }
        if (!callee.IsStatic) reversed.Add(thisValue >= 0 ? thisValue : Address(block, Pop(stack, at), at));
        reversed.Reverse();
        var info = callee as MethodInfo;
        var resultShape = info is not null && !TryGetType(info.ReturnType, out _) ? StructOf(info.ReturnType) : null;
        int resultBuffer = -1;
        if (resultShape is { ResultClasses: null })
        {
            // The callee writes its result into a temporary of ours, passed before the arguments.
            resultBuffer = StructTemp(block, at, resultShape.Size);
            reversed.Insert(0, resultBuffer);
        }
        var args = reversed.ToArray();
        if (neverReturns)
        {
            // The block ends here: nothing after the call can run. The helper runs once the native frames are left.
            var exit = function.Terminate(block, Op.ThrowViaHelper, args);
            exit.Imm = ThrowHelpers.IndexOf((MethodInfo)callee);
            exit.Callee = new CallTarget(NameOf(callee), callee);
            exit.ILOffset = at.Offset;
            Filled(block);
            return true;
        }
        if (at.NextOffset < isSelfTailCallRet.Length && isSelfTailCallRet[at.NextOffset])
        {
            if (stack.Count != 0) throw Error(at, "the evaluation stack holds more than the arguments at a tail. call (invalid IL)");
            if (args.Length != argTypes.Length - thisOffset || structShapes.Any(s => s is not null) || returnShape is not null)
                throw Error(at, "a tail. call of a method with span or struct parameters or a struct result is not supported");
            for (int i = 0; i < args.Length; i++) WriteVariable(i, block, ops.Normalize(block, args[i], argTypes[i]));
            Jump(block, BlockAt(0), stack, at);
            return true;
        }
        var returnType = IrType.Void;
        var resultTypes = resultShape is null ? null : ResultTypesOf(resultShape);
        if (resultShape is not null) returnType = resultTypes?[0] ?? IrType.Void;
        else if (info is not null && info.ReturnType != typeof(void) && !TryGetType(info.ReturnType, out returnType))
            throw Error(at, $"call to {name}: return type {info.ReturnType.Name} is not supported" +
                (info.ReturnType is { IsValueType: true, IsPrimitive: false, IsEnum: false } ? $" ({StructRefusal(info.ReturnType)})" : ""));
        var call = function.Append(block, Op.Call, returnType, args);
        call.Callee = new CallTarget(NameOf(callee), callee);
        call.ILOffset = at.Offset;
        if (resultBuffer >= 0) stack.Add(resultBuffer);
        else if (resultTypes is not null)
        {
            // A result in registers: its eightbytes go into a temporary, which is the struct value. The second is read
            // right after the call, before anything can overwrite rdx or xmm1.
            var second = resultTypes.Length == 2 ? function.Append(block, Op.SecondResult, resultTypes[1], call.Result) : null;
            int value = StructTemp(block, at, resultShape!.Size);
            StoreEightbytes(block, value, resultShape, second is null ? [call.Result] : [call.Result, second.Result]);
            stack.Add(value);
        }
        else if (returnType != IrType.Void) stack.Add(call.Result);
        return false;
    }
}
