using MiniJit.Binding;
using MiniJit.Lowering;

namespace MiniJit.Tests.Binding;

using MiniJit.Assembler;
using MiniJit.CodeMemory;

/// <summary>A hand-written body with its entry stub and error exit, loaded into executable memory: what the
/// JIT will produce for one function, minus the compiler.</summary>
sealed class CompiledUnit
{
    public required ExecutableMemory Memory { get; init; }
    public required nint Entry { get; init; }

    /// <param name="emitBody">Emits the body; it receives the error-exit label.</param>
    public static CompiledUnit Build(ArgumentClass[] parameters, ArgumentClass? result, Action<X64Assembler, Label> emitBody)
    {
        var asm = new X64Assembler();
        var body = asm.CreateLabel("body");
        var errorExit = asm.CreateLabel("error exit");
        var entry = EntryStub.Emit(asm, body, parameters, result, CallingConvention.SystemV);
        EntryStub.EmitErrorExit(asm, errorExit);
        asm.Bind(body);
        emitBody(asm, errorExit);
        var code = asm.Assemble();
        var memory = ExecutableMemory.Create(code);
        return new CompiledUnit { Memory = memory, Entry = memory.Address + asm.OffsetOf(entry) };
    }

    public TDelegate Bind<TDelegate>() where TDelegate : Delegate => NativeBinding.CreateDelegate<TDelegate>(Entry, Memory);

    /// <summary>Builds and binds in one go; the delegate alone keeps the code alive.</summary>
    public static TDelegate Compile<TDelegate>(Action<X64Assembler, Label> emitBody) where TDelegate : Delegate
    {
        var invoke = typeof(TDelegate).GetMethod("Invoke")!;
        var parameters = invoke.GetParameters().Select(p => NativeBinding.ClassOf(p.ParameterType)).ToArray();
        ArgumentClass? result = invoke.ReturnType == typeof(void) ? null : NativeBinding.ClassOf(invoke.ReturnType);
        return Build(parameters, result, emitBody).Bind<TDelegate>();
    }

    /// <summary>Calls the entry stub directly, the way a thunk does, for signatures no thunk has.</summary>
    public unsafe long CallRaw(params long[] arguments)
    {
        JitFrame frame = default;
        frame.StackLimit = NativeStack.Limit;
        for (var i = 0; i < arguments.Length; i++) frame.Arguments[i] = arguments[i];
        ((delegate* unmanaged<JitFrame*, void>)Entry)(&frame);
        Assert.Equal(JitStatus.Ok, frame.Status);
        GC.KeepAlive(Memory);
        return frame.Result;
    }

    /// <summary>Fails with <see cref="JitStatus.Arithmetic"/> unless rsp is 16-byte aligned at the call, i.e.
    /// 8 past a boundary on entry to the body (the call pushed the return address).</summary>
    public static void EmitAlignmentCheck(X64Assembler asm, Label errorExit)
    {
        var aligned = asm.CreateLabel();
        asm.Mov(Register.Rax, Register.Rsp);
        asm.And(Register.Rax, 15);
        asm.Cmp(Register.Rax, 8);
        asm.Jcc(Condition.E, aligned);
        asm.Mov(Register.Esi, (long)JitStatus.Arithmetic);
        asm.Jmp(errorExit);
        asm.Bind(aligned);
    }
}
