using System.Runtime.CompilerServices;
using MiniJit.Binding;

namespace MiniJit.Benchmarks;

/// <summary>
/// Calls a MiniJit entry stub the way a caller that skips the delegate would: fill a <see cref="JitFrame"/> on the
/// stack, call through <c>delegate* unmanaged&lt;JitFrame*, void&gt;</c>, check the status, read the result.
/// Inlined into each benchmark so the figure is the frame protocol itself, not one more managed call.
/// </summary>
[SkipLocalsInit]
static unsafe class NativeCall
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Invoke(nint entryStub, long a0)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = a0;
        return Run(entryStub, &frame);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Invoke(nint entryStub, long a0, long a1)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = a0;
        frame.Arguments[1] = a1;
        return Run(entryStub, &frame);
    }

    /// <summary>Only StackLimit and Status are read before the code writes them; the rest of the frame may hold garbage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long Run(nint entryStub, JitFrame* frame)
    {
        frame->StackLimit = NativeStack.Limit;
        frame->Status = JitStatus.Ok;
        ((delegate* unmanaged<JitFrame*, void>)entryStub)(frame);
        if (frame->Status != JitStatus.Ok) Fail(frame->Status);
        return frame->Result;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Fail(JitStatus status) => throw new InvalidOperationException($"generated code reported {status}");
}
