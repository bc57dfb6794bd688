using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using GCHandle = System.Runtime.InteropServices.GCHandle;
using MiniJit.Assembler;
using MiniJit.Baseline;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.Expressions;
using MiniJit.CodeGeneration;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.Optimization;
using MiniJit.RegisterAllocation;
using MiniJit.Tiering;

namespace MiniJit;

/// <summary>
/// The compiler driver. <c>CompileFunction</c> is the whole pipeline, one stage a line; <c>Compile</c>
/// runs it over a method and everything it calls and loads the result into executable memory.
/// </summary>
static class JitCompiler
{
    internal static readonly CallingConvention Convention = CallingConvention.SystemV;

    /// <summary>Compiles <paramref name="root"/> and its callees into one unit. With <paramref name="ignoreThis"/>,
    /// the root is a lambda's instance method whose `this` is never read.</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    public static CompiledCode Compile(MethodInfo root, bool ignoreThis, JitOptions options)
    {
        if (!options.Tiered || !options.Optimize) return Compile(root, ignoreThis, options, tierUpCalls: null);
        // Tiered: baseline code now, called through a cell that the tiering timer points at optimized code later.
        if (options.TierUpCalls < 0) throw new ArgumentOutOfRangeException(nameof(options), "JitOptions.TierUpCalls must not be negative");
        var code = Compile(root, ignoreThis, options.Untiered(optimize: false), options.TierUpCalls);
        var optimized = options.Untiered(optimize: true, quiet: true);
        TierUp.Watch(code, code.TierCell, () => Compile(root, ignoreThis, optimized, tierUpCalls: null), options.Log);
        return code;
    }

    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    static CompiledCode Compile(MethodInfo root, bool ignoreThis, JitOptions options, int? tierUpCalls) =>
        CompileUnit(CilImporter.NameOf(root), JitException.MethodName(root), root,
            [.. root.GetParameters().Select(p => p.ParameterType)], root.ReturnType, options,
            (asm, entry, calleeEntry, errorExit, clock) => CompileFunction(CilMethod.FromMethod(root), ignoreThis, options, Convention, asm, entry, calleeEntry, errorExit, clock),
            tierUpCalls);

    /// <summary>Compiles an expression tree, with the methods it calls (compiled from their IL), into one unit.</summary>
    public static CompiledCode Compile(LambdaExpression lambda, JitOptions options)
    {
        var name = ExpressionImporter.NameOf(lambda);
        var pins = new Dictionary<object, GCHandle>(ReferenceEqualityComparer.Instance);
        try
        {
            var compiled = CompileUnit(name, name, null, [.. lambda.Parameters.Select(p => p.Type)], lambda.ReturnType, options,
                (asm, entry, calleeEntry, errorExit, clock) =>
                {
                    options.Explain?.Invoke(new StageOutput(name, "expression tree", ExpressionPrinter.Print(lambda)));
                    var ir = ExpressionImporter.Import(lambda, name, pins);
                    clock?.Lap("import");
                    return CompileFunction(ir, name, options, Convention, asm, entry, calleeEntry, errorExit, clock);
                });
            compiled.Memory.KeepPinned([.. pins.Values]);
            return compiled;
        }
        catch
        {
            foreach (var pin in pins.Values) pin.Free();
            throw;
        }
    }

    /// <summary>Compiles a function given as IR (hand-written, or parsed from text) into a unit with an entry stub for
    /// <paramref name="parameterTypes"/>: one IR parameter per argument slot (see <see cref="NativeBinding.SlotsOf"/>). The
    /// IR must call no method.</summary>
    internal static CompiledCode Compile(Function ir, Type[] parameterTypes, Type returnType, JitOptions options) =>
        CompileUnit(ir.Name, ir.Name, null, parameterTypes, returnType, options,
            (asm, entry, calleeEntry, errorExit, clock) => CompileFunction(ir, ir.Name, options, Convention, asm, entry, calleeEntry, errorExit, clock));

    /// <summary>Compiles the root's code (with <paramref name="compileRoot"/>) and then every method it calls, each
    /// from its IL, into one unit of executable memory with an entry stub for <paramref name="parameterTypes"/>.</summary>
    /// <param name="rootMethod">The root's method when it has one, so that calls of it (recursion) reach the root.</param>
    /// <param name="tierUpCalls">For a tiered unit: the calls before it tiers up. Its stubs then call through a cell (see
    /// <see cref="TierCell"/>) that points at this unit's root until then, and is freed with its pages.</param>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Callees are compiled from their IL only when the root calls " +
        "them: a method root is compiled from IL itself (Compile(MethodInfo) carries the annotation), and the expression importer " +
        "refuses calls of methods where IL cannot be read (NativeAOT); a method a tree calls is kept, with its IL, by the tree's reference to it.")]
    static CompiledCode CompileUnit(string title, string name, MethodInfo? rootMethod, Type[] parameterTypes, Type returnType, JitOptions options,
        Func<X64Assembler, Label, Func<CallTarget, Label>, Label, StageClock?, CompiledFunction> compileRoot, int? tierUpCalls = null)
    {
        var clock = StageClock.For(options);
        // The frame and the thunks carry at most this many argument slots (a span takes two); refusing here wastes no
        // compilation work.
        var slotCount = parameterTypes.Sum(NativeBinding.SlotCountOf) + NativeBinding.ResultBufferSlotsOf(returnType).Count;
        if (slotCount > JitFrame.MaxArguments)
            throw new JitException(rootMethod, null, null, slotCount == parameterTypes.Length
                ? $"{parameterTypes.Length} parameters; compiled code takes at most {NativeBinding.MaxParameters} from a delegate"
                : $"{parameterTypes.Length} parameters in {slotCount} argument slots (a span takes two, a struct one per eightbyte, a struct result's buffer one); compiled code takes at most {JitFrame.MaxArguments} from a delegate");
        options.Log?.Invoke($"compiling {name}");
        var stopwatch = Stopwatch.StartNew();

        var asm = new X64Assembler();
        var rootEntry = asm.CreateLabel(title);
        // Functions by their method, or by name for a function built from IR (the baseline's helpers).
        var entries = new Dictionary<object, (Label Label, string Name)>();
        if (rootMethod is not null) entries[rootMethod] = (rootEntry, title);
        var calledFrom = new Dictionary<MethodBase, MethodBase?>();  // the first caller of each callee (null: the root), for error messages
        var pending = new Queue<CallTarget>();
        Label EntryOf(CallTarget target, MethodBase? caller)
        {
            object key = target.Body is null ? target.Method! : target.Name;
            if (!entries.TryGetValue(key, out var entry))
            {
                entries[key] = entry = (asm.CreateLabel(target.Name), target.Name);
                if (target.Body is null) calledFrom[target.Method!] = caller;
                pending.Enqueue(target);
            }
            return entry.Label;
        }

        var errorExit = asm.CreateLabel("error exit");
        var functions = new List<CompiledFunction> { compileRoot(asm, rootEntry, target => EntryOf(target, null), errorExit, clock) };
        while (pending.TryDequeue(out var target))
        {
            CompiledFunction function;
            var caller = target.Method;
            var entry = entries[target.Body is null ? target.Method! : target.Name].Label;
            try
            {
                function = target.Body is { } body
                    ? CompileFunction(body(), target.Name, options, Convention, asm, entry, callee => EntryOf(callee, caller), errorExit, clock)
                    : CompileFunction(CilMethod.FromMethod(target.Method!), false, options, Convention, asm, entry, callee => EntryOf(callee, caller), errorExit, clock);
            }
            catch (JitException e) when (target.Method is { } method)
            {
                throw new JitException(e.Method, e.ILOffset, e.OpCode, $"{e.Reason} (reached through {CallChain(method, name, calledFrom)})");
            }
            functions.Add(function);
        }

        // A type-initializer check re-runs the unit from the start (TypeInitializers); that is invisible only while
        // nothing before the check can have written memory, which holds for a check at the root's entry.
        if (functions.Any(f => f.WritesMemory) && functions.Skip(1).Any(f => f.ChecksTypeInitializer))
            throw new JitException(rootMethod, null, null, "a method it calls belongs to a type with a static constructor, which MiniJit runs "
                + "by restarting the code once the constructor has run; the code writes memory, so a restart could repeat those writes. "
                + "Move the method to a type without a static constructor (field initializers are fine)");
        bool canFail = functions.Any(f => f.CanFail);
        bool bounded = functions is [{ HasLoops: false, CallsCompiledCode: false, ChecksStack: false }];
        // One entry per argument slot, not per parameter: the root's IR parameters are the slots (a span is two, a struct
        // its eightbytes, and a struct result too large for a register has its buffer's address first).
        var parameters = NativeBinding.ResultBufferSlotsOf(returnType).Concat(parameterTypes.SelectMany(NativeBinding.SlotsOf)).ToList();
        var results = NativeBinding.ResultSlotsOf(returnType);
        bool usesSse = functions.Any(f => f.UsesFloatingPoint);
        // A tiered unit's stubs call through its cell, which lives from here until its pages are freed.
        nint tierCell = tierUpCalls is int calls ? TierCell.Allocate(calls) : 0;
        Label stub;
        Label? direct;
        CodeMemory.ExecutableMemory memory;
        try
        {
            stub = EntryStub.Emit(asm, rootEntry, parameters, results.Count > 0 ? results[0] : null, Convention, canFail, usesSse,
                secondResult: results.Count > 1 ? results[1] : null, tierCell: tierCell);
            if (canFail) EntryStub.EmitErrorExit(asm, errorExit, Convention);
            // Code that is bounded (so it may run without the GC transition) and cannot fail (so it needs no frame) can also be
            // called as the plain function of its signature, through the direct entry.
            direct = bounded && !canFail && DirectEntry.Supports(parameterTypes, returnType, Convention)
                ? DirectEntry.Emit(asm, rootEntry, parameterTypes, Convention, usesSse, tierCell)
                : null;

            clock?.Lap("entry stub");
            var bytes = asm.Assemble();
            clock?.Lap("assemble");
            memory = CodeMemory.ExecutableMemory.Create(bytes);
            clock?.Lap("executable memory");
        }
        catch when (tierCell != 0)
        {
            TierCell.Free(tierCell);
            throw;
        }
        var rootAddress = memory.Address + asm.OffsetOf(rootEntry);
        if (tierCell != 0)
        {
            TierCell.SetTarget(tierCell, rootAddress);
            memory.ReleaseWith(() => TierCell.Free(tierCell));
        }
        var symbols = entries.Values.ToDictionary(e => asm.OffsetOf(e.Label), e => e.Name);
        symbols[asm.OffsetOf(rootEntry)] = title;
        symbols[asm.OffsetOf(stub)] = "entry stub";
        if (canFail) symbols[asm.OffsetOf(errorExit)] = "error exit";
        if (direct is not null) symbols[asm.OffsetOf(direct)] = "direct entry";
        var compiled = new CompiledCode(rootMethod, name, parameterTypes.Length, parameters.Count, memory, memory.Address + asm.OffsetOf(stub),
            direct is null ? 0 : memory.Address + asm.OffsetOf(direct), bounded, symbols, asm.CodeLength, rootAddress, canFail, usesSse, tierCell);
        options.Log?.Invoke($"compiled {name}: {memory.Length} bytes in {stopwatch.Elapsed.TotalMicroseconds:F0} µs");
        int ilSize = 0;
        foreach (var function in functions) ilSize += function.ILSize;
        JitEventSource.Log.Compiled(name, ilSize, memory.Length, stopwatch.Elapsed, options.Optimize);
        if (options.PerfMap) PerfMap.Append(compiled);
        options.Explain?.Invoke(new StageOutput(title, "disassembly", compiled.Disassemble()));
        return compiled;
    }

    /// <summary>What the driver needs to know about a function whose code is in the unit's assembler.</summary>
    /// <param name="CanFail">It may jump to the error exit (it divides, or it checks the stack).</param>
    /// <param name="ChecksStack">Its prologue compares the stack with the thread's limit (it calls, or its frame is
    /// larger than a page).</param>
    /// <param name="UsesFloatingPoint">It has floating-point values, so its code uses SSE instructions.</param>
    /// <param name="WritesMemory">It stores to memory outside its own frame (an array, a by-ref, a pointer, a static).</param>
    /// <param name="ChecksTypeInitializer">It starts with a type-initializer check, which re-runs the unit from the start
    /// once the initializer has run (see <see cref="TypeInitializers"/>).</param>
    internal sealed record CompiledFunction(bool CanFail, bool HasLoops, bool CallsCompiledCode, bool ChecksStack,
        bool UsesFloatingPoint, bool WritesMemory, bool ChecksTypeInitializer)
    {
        /// <summary>Bytes of IL it was compiled from (0 for a tree or a helper).</summary>
        public int ILSize { get; init; }
    }

    /// <summary>The pipeline for one function: CIL → SSA IR → optimizer → x64 lowering → liveness → register
    /// allocation → machine instructions → peephole → encoding, each stage able to print what it produced. With the
    /// optimizer off, the baseline tier translates CIL to machine code in one pass instead, when it can.</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    internal static CompiledFunction CompileFunction(CilMethod cil, bool ignoreThis, JitOptions options, CallingConvention convention,
        X64Assembler asm, Label entry, Func<CallTarget, Label> calleeEntry, Label errorExit, StageClock? clock = null)
    {
        clock?.Lap("read IL");
        var title = CilImporter.NameOf(cil.Method);
        options.Explain?.Invoke(new StageOutput(title, "IL", CilPrinter.Print(cil)));
        if (!options.Optimize)
        {
            var baseline = BaselineCompiler.TryCompile(cil, ignoreThis, convention, asm, entry, calleeEntry, errorExit,
                options.Explain is null ? null : text => options.Explain(new StageOutput(title, "baseline: homes and frame", text)), out var refusal);
            clock?.Lap("baseline");
            if (baseline is not null) return baseline with { ILSize = cil.IL.Length };
            options.Log?.Invoke($"baseline: {title} goes through the IR: {refusal}");
            options.Explain?.Invoke(new StageOutput(title, "baseline", $"not translated in one pass: {refusal}; compiled through the IR instead"));
        }
        var ir = CilImporter.Import(cil, ignoreThis);
        clock?.Lap("import");
        return CompileFunction(ir, title, options, convention, asm, entry, calleeEntry, errorExit, clock) with { ILSize = cil.IL.Length };
    }

    /// <summary>The pipeline from imported IR on, whichever front end produced it.</summary>
    static CompiledFunction CompileFunction(Function ir, string title, JitOptions options, CallingConvention convention,
        X64Assembler asm, Label entry, Func<CallTarget, Label> calleeEntry, Label errorExit, StageClock? clock = null)
    {
        void Explain(string stage, Func<string> text, Function? ir = null) =>
            options.Explain?.Invoke(new StageOutput(title, stage, text(), ir));
        // Verification is a stage of its own in the timings, wherever it runs.
        void Verify(Action check)
        {
            check();
            clock?.Lap("verify");
        }
        Explain("IR", () => IrPrinter.Print(ir), ir);
        if (options.Verify) Verify(() => IrVerifier.Check(ir));

        if (options.Optimize)
            Optimizer.Run(ir, (pass, function, count) =>
            {
                clock?.Lap(pass);
                if (options.Verify) Verify(() => IrVerifier.Check(function));
                if (count > 0) Explain($"after {pass} ({count} changed)", () => IrPrinter.Print(function), function);
            });

        var lowered = X64Lowering.Lower(ir);
        Explain("lowered for x64", () => IrPrinter.Print(lowered.Function), lowered.Function);
        clock?.Lap("lower");

        var live = Liveness.Analyze(lowered, convention);
        clock?.Lap("liveness");
        var allocation = options.Optimize
            ? LinearScanAllocator.Allocate(lowered, live, convention)
            : LinearScanAllocator.SpillEverything(lowered, live, convention);
        clock?.Lap("register allocation");
        if (options.Verify) Verify(() => AllocationChecker.Check(lowered, allocation, convention));
        Explain("live intervals and locations", () => Describe(lowered.Function, live, allocation));

        var (code, checksStack) = X64Emitter.Emit(lowered, allocation, convention, asm, entry, calleeEntry, errorExit);
        clock?.Lap("emit");
        int rewritten = options.Optimize ? Peephole.Run(code) : 0;
        clock?.Lap("peephole");
        Explain($"machine code ({rewritten} peephole rewrites)", () => string.Join("\n", code));
        bool canFail = lowered.NeedsFrame || checksStack;
        if (options.Verify && !canFail) CheckRunsWithoutFrame(title, code, allocation.CalleeSavedUsed, convention);
        MachineEncoder.Encode(code, asm);
        clock?.Lap("encode");
        var instrs = lowered.Function.Blocks.SelectMany(b => b.Instrs).ToList();
        bool writesMemory = instrs.Any(i => i.Op is Op.Store or Op.Zero && lowered.Definitions[i.Args[0]] is not { Op: Op.FrameAddress });
        return new CompiledFunction(canFail, lowered.LoopHeads.Count > 0, lowered.CallsCompiledCode, checksStack,
            lowered.Function.ValueTypes.Any(t => t.IsFloat()), writesMemory, instrs.Any(i => i.Op == Op.EnsureTypeInitialized));
    }

    /// <summary>
    /// Code that cannot fail runs without the entry stub's care: the stub neither loads the frame register nor saves the
    /// callee-saved registers for it, and a direct entry (see <see cref="DirectEntry"/>) is no stub at all. So the code
    /// may mention no callee-saved register but those its own prologue pushes and its epilogue pops. That also rules out
    /// the frame register, which is never allocated and so never pushed: the code cannot read a frame it was not given.
    /// </summary>
    internal static void CheckRunsWithoutFrame(string title, List<MachineInstr> code, List<Register> pushed, CallingConvention convention)
    {
        bool Unsaved(Register? register) => register is { IsGpr: true, Kind: not RegisterKind.Gpr8High } r
            && convention.IsCalleeSaved(r) && !pushed.Contains(r.As64);
        bool Touches(MOperand o) => o.Kind == MOperandKind.Register ? Unsaved(o.Register)
            : o.Kind == MOperandKind.Memory && (Unsaved(o.Memory.Base) || Unsaved(o.Memory.Index));
        var wrong = code.Where(i => Touches(i.A) || Touches(i.B) || Touches(i.C)).ToList();
        if (wrong.Count > 0)
            throw new InvalidOperationException($"{title} cannot fail, so it runs without a frame, yet it uses a callee-saved "
                + "register it does not save (or the frame register):\n" + string.Join("\n", wrong));
    }

    /// <summary>"Root → A → B": how compilation got from the root (named <paramref name="root"/>) to a callee.</summary>
    static string CallChain(MethodBase method, string root, Dictionary<MethodBase, MethodBase?> calledFrom)
    {
        var chain = new List<string> { JitException.MethodName(method) };
        while (calledFrom.TryGetValue(method, out var caller))
        {
            if (caller is null) break;
            chain.Add(JitException.MethodName(caller));
            method = caller;
        }
        chain.Add(root);
        chain.Reverse();
        return string.Join(" → ", chain);
    }

    /// <summary>Each live value's intervals and location, one per line (what <c>explain</c> and the allocation filetests print).</summary>
    internal static string Describe(Function function, LiveIntervals live, Allocation allocation) => string.Join("\n",
        Enumerable.Range(0, function.ValueCount).Where(live.IsLive).Select(v =>
            $"{LivenessPrinter.Interval(function, live, v)} -> {allocation.Locations[v]}"));
}
