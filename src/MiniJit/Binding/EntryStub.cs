using MiniJit.Assembler;
using MiniJit.Lowering;

namespace MiniJit.Binding;

/// <summary>
/// Emits the glue between the one native signature the thunks call, <c>void Entry(JitFrame* frame)</c>, and a
/// compiled function that takes its arguments in registers.
/// </summary>
/// <remarks>
/// The internal convention of compiled code is the platform convention with one change: the frame pointer is
/// a hidden first integer argument. So for System V, a function <c>long F(long a, double b, long c)</c> is
/// entered with rdi = frame, rsi = a, xmm0 = b, rdx = c.
/// <para>Stack frame of the stub just before it calls the body (addresses grow upwards):</para>
/// <code>
///   return address into the thunk
///   rbx, rbp, r12, r13, r14, r15   callee-saved registers of the caller
///   frame pointer                  ← rsp saved in JitFrame.EntryRsp (16-byte aligned)
///   [padding]                      so that rsp is 16-byte aligned at the call
///   stack argument n … 1           the first one lowest, right above the body's return address
/// </code>
/// </remarks>
public static class EntryStub
{
    /// <summary>Emits an entry stub at the current position and returns a label bound to its first byte.</summary>
    /// <param name="body">The compiled function the stub calls.</param>
    /// <param name="parameters">Classes of the function's parameters, in declaration order, one per argument slot (a span
    /// is two parameters of the function, see <see cref="NativeBinding.SlotsOf"/>); argument i is read from slot i of
    /// <see cref="JitFrame.Arguments"/>.</param>
    /// <param name="result">Class of the return value, or null for void.</param>
    /// <param name="secondResult">Class of the second eightbyte of a struct result, or null.</param>
    /// <param name="canFail">Some code in the unit may jump to the error exit. Only then must the stub save the
    /// callee-saved registers and rsp for it; code that cannot fail restores what it uses itself.</param>
    /// <param name="usesSse">Some code in the unit uses SSE instructions (floating point). Managed code may leave the
    /// <param name="tierCell">For a tiered unit: the cell to count the call in and call the body through (see
    /// <see cref="Tiering.TierCell"/>), instead of calling <paramref name="body"/>.</param>
    /// upper halves of the vector registers dirty (RyuJIT zeroes frames with AVX-512 stores), and each legacy SSE
    /// instruction would then wait on them — 5× slower code was measured — so the stub clears them with vzeroupper
    /// first, on CPUs with AVX.</param>
    public static Label Emit(X64Assembler asm, Label body, IReadOnlyList<ArgumentClass> parameters, ArgumentClass? result,
        CallingConvention cc, bool canFail = true, bool usesSse = true, ArgumentClass? secondResult = null, nint tierCell = 0)
    {
        if (parameters.Count > JitFrame.MaxArguments)
            throw new JitException($"{parameters.Count} argument slots; the entry stub passes at most {JitFrame.MaxArguments}.");

        var frame = FrameRegister(cc);
        var entry = asm.CreateLabel("entry stub");
        asm.Bind(entry);
        if (usesSse && System.Runtime.Intrinsics.X86.Avx.IsSupported) asm.Vzeroupper();

        var saved = canFail ? cc.CalleeSaved : [];
        foreach (var register in saved) asm.Push(register);
        asm.Push(frame);
        if (canFail)
        {
            asm.Mov(Memory.Qword(frame, JitFrame.EntryRspOffset), Register.Rsp);
            // Compiled code that can fail finds the frame in the frame register (saved above with the other
            // callee-saved registers).
            asm.Mov(X64Registers.Frame, frame);
        }

        var (loads, stackArguments) = AssignArguments(parameters, cc);

        // On entry rsp was 8 past a 16-byte boundary (the call pushed the return address); every push moved it 8.
        var pushedSinceAligned = 8 + 8 * (saved.Length + 1);
        var belowEntryRsp = 8 * stackArguments.Count + cc.ShadowSpace;
        var padding = (16 - (pushedSinceAligned + belowEntryRsp) % 16) % 16;
        if (padding != 0) asm.Sub(Register.Rsp, padding);
        // Pushed last to first, so the first stack argument ends up at the lowest address.
        for (var i = stackArguments.Count - 1; i >= 0; i--) asm.Push(Slot(frame, stackArguments[i], 8));
        if (cc.ShadowSpace != 0) asm.Sub(Register.Rsp, cc.ShadowSpace);

        foreach (var (index, register) in loads)
        {
            switch (parameters[index])
            {
                case ArgumentClass.Integer: asm.Mov(register, Slot(frame, index, 8)); break;
                case ArgumentClass.Double: asm.Movsd(register, Slot(frame, index, 8)); break;
                case ArgumentClass.Single: asm.Movss(register, Slot(frame, index, 4)); break;
            }
        }

        if (tierCell != 0) Tiering.TierCell.EmitCallThrough(asm, tierCell, jump: false);
        else asm.Call(body);

        if (padding + belowEntryRsp != 0) asm.Add(Register.Rsp, padding + belowEntryRsp);
        // The body may have used the frame register for anything; the copy on the stack is still good.
        asm.Pop(frame);
        switch (result)
        {
            case ArgumentClass.Integer: asm.Mov(Memory.Qword(frame, JitFrame.ResultOffset), cc.IntegerReturn); break;
            case ArgumentClass.Double: asm.Movsd(Memory.Qword(frame, JitFrame.ResultOffset), cc.FloatReturn); break;
            case ArgumentClass.Single: asm.Movss(Memory.Dword(frame, JitFrame.ResultOffset), cc.FloatReturn); break;
        }
        if (result is { } first && secondResult is { } second)
        {
            static Ir.IrType TypeOf(ArgumentClass c) => c == ArgumentClass.Integer ? Ir.IrType.I64 : Ir.IrType.F64;
            var register = cc.ResultRegisters(TypeOf(first), TypeOf(second))[1];
            if (register.IsXmm) asm.Movsd(Memory.Qword(frame, JitFrame.SecondResultOffset), register);
            else asm.Mov(Memory.Qword(frame, JitFrame.SecondResultOffset), register);
        }
        PopAndReturn(asm, saved);
        return entry;
    }

    /// <summary>
    /// Emits the shared error exit at <paramref name="errorExit"/>. Generated code anywhere in the call tree
    /// jumps here with the frame pointer in the first integer argument register (rdi) and a
    /// <see cref="JitStatus"/> in the second (rsi). It records the status and resets rsp to the value the entry
    /// stub saved, which discards every native frame in between (a longjmp), then returns to the thunk exactly
    /// as a normal return would.
    /// </summary>
    /// <param name="cc">Must be the convention the entry stubs were emitted with; System V when omitted.</param>
    public static void EmitErrorExit(X64Assembler asm, Label errorExit, CallingConvention? cc = null)
    {
        cc ??= CallingConvention.SystemV;
        var frame = FrameRegister(cc);
        asm.Bind(errorExit);
        asm.Mov(Memory.Qword(frame, JitFrame.StatusOffset), cc.IntegerArguments[1]);
        asm.Mov(Register.Rsp, Memory.Qword(frame, JitFrame.EntryRspOffset));
        asm.Pop(frame);
        PopAndReturn(asm, cc.CalleeSaved);
    }

    /// <summary>The register the frame pointer arrives in and stays in: the first integer argument.</summary>
    static Register FrameRegister(CallingConvention cc) => cc.IntegerArguments[0];

    static Memory Slot(Register frame, int index, int size) => new(size, frame, displacement: JitFrame.ArgumentsOffset + 8 * index);

    static void PopAndReturn(X64Assembler asm, Register[] saved)
    {
        for (var i = saved.Length - 1; i >= 0; i--) asm.Pop(saved[i]);
        asm.Ret();
    }

    /// <summary>Where each argument goes (see <see cref="CallingConvention.AssignArguments"/>; the hidden frame pointer
    /// takes the first integer register): the register loads, and the arguments left for the stack, in order.</summary>
    static (List<(int Index, Register Register)> Loads, List<int> StackArguments) AssignArguments(
        IReadOnlyList<ArgumentClass> parameters, CallingConvention cc)
    {
        var registers = cc.AssignArguments(parameters.Select(p => p != ArgumentClass.Integer).ToArray(), reservedIntegers: 1);
        var loads = new List<(int, Register)>();
        var stack = new List<int>();
        for (var i = 0; i < registers.Length; i++)
            if (registers[i] is { } register) loads.Add((i, register));
            else stack.Add(i);
        return (loads, stack);
    }
}
