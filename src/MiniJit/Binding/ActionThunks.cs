// One class per arity: Invoke must have exactly the parameters of the delegate it is bound to.
using System.Runtime.CompilerServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>Binds a delegate with no parameters and no result.</summary>
internal sealed unsafe class ActionThunk(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke()
    {
        Unsafe.SkipInit(out JitFrame frame);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2, T3>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2, T3 a3)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        frame.Arguments[2] = Slot(a3);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2, T3, T4>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2, T3 a3, T4 a4)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        frame.Arguments[2] = Slot(a3);
        frame.Arguments[3] = Slot(a4);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2, T3, T4, T5>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        frame.Arguments[2] = Slot(a3);
        frame.Arguments[3] = Slot(a4);
        frame.Arguments[4] = Slot(a5);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2, T3, T4, T5, T6>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        frame.Arguments[2] = Slot(a3);
        frame.Arguments[3] = Slot(a4);
        frame.Arguments[4] = Slot(a5);
        frame.Arguments[5] = Slot(a6);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2, T3, T4, T5, T6, T7>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        frame.Arguments[2] = Slot(a3);
        frame.Arguments[3] = Slot(a4);
        frame.Arguments[4] = Slot(a5);
        frame.Arguments[5] = Slot(a6);
        frame.Arguments[6] = Slot(a7);
        Call(&frame);
    }
}

internal sealed unsafe class ActionThunk<T1, T2, T3, T4, T5, T6, T7, T8>(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : FrameThunk(entryStub, memory, owner, bounded)
{
    public void Invoke(T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = Slot(a1);
        frame.Arguments[1] = Slot(a2);
        frame.Arguments[2] = Slot(a3);
        frame.Arguments[3] = Slot(a4);
        frame.Arguments[4] = Slot(a5);
        frame.Arguments[5] = Slot(a6);
        frame.Arguments[6] = Slot(a7);
        frame.Arguments[7] = Slot(a8);
        Call(&frame);
    }
}
