using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.CodeGeneration;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.Optimization;
using MiniJit.RegisterAllocation;

namespace MiniJit;

/// <summary>
/// The compiler driver. <see cref="CompileFunction"/> is the whole pipeline, one stage a line; <see cref="Compile"/>
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
        // The frame and the thunks carry at most this many arguments; refusing here wastes no compilation work.
        var parameterCount = root.GetParameters().Length;
        if (parameterCount > NativeBinding.MaxParameters)
            throw new JitException(root, null, null, $"{parameterCount} parameters; compiled code takes at most {NativeBinding.MaxParameters} from a delegate");
        var name = JitException.MethodName(root);
        options.Log?.Invoke($"compiling {name}");
        var clock = Stopwatch.StartNew();

        var asm = new X64Assembler();
        var entries = new Dictionary<MethodBase, Label>();
        var calledFrom = new Dictionary<MethodBase, MethodBase>();  // the first caller of each callee, for error messages
        var pending = new Queue<MethodBase>();
        Label EntryOf(MethodBase method, MethodBase? caller)
        {
            if (!entries.TryGetValue(method, out var label))
            {
                entries[method] = label = asm.CreateLabel(CilImporter.NameOf(method));
                if (caller is not null) calledFrom[method] = caller;
                pending.Enqueue(method);
            }
            return label;
        }

        var errorExit = asm.CreateLabel("error exit");
        EntryOf(root, null);
        var functions = new List<CompiledFunction>();
        while (pending.TryDequeue(out var method))
        {
            CompiledFunction function;
            try
            {
                function = CompileFunction(CilMethod.FromMethod(method), method == root && ignoreThis, options,
                    asm, entries[method], target => EntryOf(target.Method!, method), errorExit);
            }
            catch (JitException e) when (method != root)
            {
                throw new JitException(e.Method, e.ILOffset, e.OpCode, $"{e.Reason} (reached through {CallChain(method, calledFrom)})");
            }
            MachineEncoder.Encode(function.Code, asm);
            functions.Add(function);
        }

        // The entry stub and the error exit come last, when it is known whether anything can fail.
        bool canFail = functions.Any(f => f.CanFail);
        bool bounded = functions is [{ HasLoops: false, HasCalls: false, ChecksStack: false }];
        var parameters = root.GetParameters().Select(p => NativeBinding.ClassOf(p.ParameterType)).ToList();
        ArgumentClass? result = root.ReturnType == typeof(void) ? null : NativeBinding.ClassOf(root.ReturnType);
        var stub = EntryStub.Emit(asm, entries[root], parameters, result, Convention, canFail, functions.Any(f => f.UsesFloatingPoint));
        if (canFail) EntryStub.EmitErrorExit(asm, errorExit, Convention);

        var bytes = asm.Assemble();
        var memory = CodeMemory.ExecutableMemory.Create(bytes);
        var symbols = entries.ToDictionary(e => asm.OffsetOf(e.Value), e => CilImporter.NameOf(e.Key));
        symbols[asm.OffsetOf(stub)] = "entry stub";
        if (canFail) symbols[asm.OffsetOf(errorExit)] = "error exit";
        var compiled = new CompiledCode(root, memory, memory.Address + asm.OffsetOf(stub), bounded, symbols, asm.CodeLength);
        options.Log?.Invoke($"compiled {name}: {bytes.Length} bytes in {clock.Elapsed.TotalMicroseconds:F0} µs");
        options.Explain?.Invoke(new StageOutput(CilImporter.NameOf(root), "disassembly", compiled.Disassemble()));
        return compiled;
    }

    /// <summary>The pipeline for one function: CIL → SSA IR → optimizer → x64 lowering → liveness → register
    /// allocation → machine instructions → peephole. Each stage can print what it produced.</summary>
    /// <summary>One function's machine code and what the driver needs to know about it.</summary>
    /// <param name="CanFail">It may jump to the error exit (it divides, or it checks the stack).</param>
    /// <param name="ChecksStack">Its prologue compares the stack with the thread's limit (it calls, or its frame is
    /// larger than a page).</param>
    /// <param name="UsesFloatingPoint">It has floating-point values, so its code uses SSE instructions.</param>
    internal sealed record CompiledFunction(List<MachineInstr> Code, bool CanFail, bool HasLoops, bool HasCalls, bool ChecksStack, bool UsesFloatingPoint);

    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    internal static CompiledFunction CompileFunction(CilMethod cil, bool ignoreThis, JitOptions options,
        X64Assembler asm, Label entry, Func<CallTarget, Label> calleeEntry, Label errorExit) =>
        CompileFunction(cil, ignoreThis, options, Convention, asm, entry, calleeEntry, errorExit);

    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    internal static CompiledFunction CompileFunction(CilMethod cil, bool ignoreThis, JitOptions options, CallingConvention convention,
        X64Assembler asm, Label entry, Func<CallTarget, Label> calleeEntry, Label errorExit)
    {
        var title = CilImporter.NameOf(cil.Method);
        void Explain(string stage, Func<string> text, Function? ir = null) =>
            options.Explain?.Invoke(new StageOutput(title, stage, text(), ir));
        Explain("IL", () => CilPrinter.Print(cil));

        var ir = CilImporter.Import(cil, ignoreThis);
        Explain("IR", () => IrPrinter.Print(ir), ir);
        if (options.Verify) IrVerifier.Check(ir);

        if (options.Optimize)
            Optimizer.Run(ir, (pass, function, count) =>
            {
                if (options.Verify) IrVerifier.Check(function);
                if (count > 0) Explain($"after {pass} ({count} changed)", () => IrPrinter.Print(function), function);
            });

        var lowered = X64Lowering.Lower(ir);
        Explain("lowered for x64", () => IrPrinter.Print(lowered.Function), lowered.Function);

        var live = Liveness.Analyze(lowered, convention);
        var allocation = options.Optimize
            ? LinearScanAllocator.Allocate(lowered, live, convention)
            : LinearScanAllocator.SpillEverything(lowered, live, convention);
        if (options.Verify) AllocationChecker.Check(lowered, allocation, convention);
        Explain("live intervals and locations", () => Describe(lowered.Function, live, allocation));

        var (code, checksStack) = X64Emitter.Emit(lowered, allocation, convention, asm, entry, calleeEntry, errorExit);
        int rewritten = options.Optimize ? Peephole.Run(code) : 0;
        Explain($"machine code ({rewritten} peephole rewrites)", () => string.Join("\n", code));
        return new CompiledFunction(code, lowered.NeedsFrame || checksStack, lowered.LoopHeads.Count > 0, lowered.HasCalls, checksStack,
            lowered.Function.ValueTypes.Any(t => t.IsFloat()));
    }

    /// <summary>"Root → A → B": how compilation got from the root to a callee.</summary>
    static string CallChain(MethodBase method, Dictionary<MethodBase, MethodBase> calledFrom)
    {
        var chain = new List<string> { JitException.MethodName(method) };
        while (calledFrom.TryGetValue(method, out var caller))
        {
            chain.Add(JitException.MethodName(caller));
            method = caller;
        }
        chain.Reverse();
        return string.Join(" → ", chain);
    }

    static string Describe(Function function, LiveIntervals live, Allocation allocation) => string.Join("\n",
        Enumerable.Range(0, function.ValueCount).Where(live.IsLive).Select(v =>
            $"v{v}:{function.ValueTypes[v].Name(),-4} {string.Join(" ", live.Ranges[v]!.Select(r => $"[{r.From}, {r.To}]"))} -> {allocation.Locations[v]}"));
}
