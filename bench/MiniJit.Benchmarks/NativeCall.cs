using System.Runtime.CompilerServices;
using MiniJit.Binding;

namespace MiniJit.Benchmarks;

/// <summary>
/// Calls a MiniJit entry stub the way a caller that skips the delegate would: fill a <see cref="JitFrame"/> on the
/// stack, call through <c>delegate* unmanaged&lt;JitFrame*, void&gt;</c>, check the status, read the result.
/// Inlined into each benchmark so the figure is the frame protocol itself, not one more managed call.
/// Every slot is a long: a double argument travels as its IEEE 754 bits (<see cref="Slot"/>) and a double result
/// comes back the same way in <c>frame-&gt;Result</c> (<see cref="InvokeDouble(nint, long)"/>).
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Invoke(nint entryStub, long a0, long a1, long a2)
    {
        Unsafe.SkipInit(out JitFrame frame);
        frame.Arguments[0] = a0;
        frame.Arguments[1] = a1;
        frame.Arguments[2] = a2;
        return Run(entryStub, &frame);
    }

    /// <summary>The slot of a double argument: its bits, not its value converted to an integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Slot(double value) => BitConverter.DoubleToInt64Bits(value);

    /// <summary>For a method that returns double: the result slot holds the bits of xmm0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double InvokeDouble(nint entryStub, long a0) => BitConverter.Int64BitsToDouble(Invoke(entryStub, a0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double InvokeDouble(nint entryStub, long a0, long a1) => BitConverter.Int64BitsToDouble(Invoke(entryStub, a0, a1));

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
