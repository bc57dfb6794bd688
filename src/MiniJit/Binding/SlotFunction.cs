using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// Compiled code of any signature, called with its arguments as 8-byte slots and returning the result's slot. It
/// needs no delegate type of the code's signature and no generic instantiation, so it works for every signature
/// under NativeAOT, where only the delegate types of <see cref="NativeBinding.AotDelegateTypes"/> can be bound.
/// <code>
/// SlotFunction hypot = code.CreateSlotFunction();   // or NativeBinding.CreateSlotFunction(entry, memory, 2)
/// double h = Slots.To&lt;double&gt;(hypot(Slots.From(3.0), Slots.From(4.0)));
/// </code>
/// </summary>
/// <remarks>
/// The rules a caller must follow (nothing can check what the bits mean; for code MiniJit compiled from primitive
/// parameters, wrong bits give a wrong result but never a crash, because that code reads no memory through them):
/// <list type="number">
/// <item>Exactly one slot per parameter, in declaration order, but two for a span (see <see cref="NativeBinding.SlotsOf"/>);
/// another count throws <see cref="ArgumentException"/>.</item>
/// <item>A parameter the code reads memory through (an array, a byref, a pointer, a span) takes an address, which the
/// caller must keep valid, and pinned if it is inside a managed object, until the call returns: a slot function pins
/// nothing (a delegate does, through <see cref="PinningThunk"/>).</item>
/// <item>Each slot holds its value in the parameter's own type, made with <see cref="Slots.From{T}"/> where T is that
/// type exactly. An int and a long differ in their upper bits (<c>Slots.From&lt;int&gt;(-1)</c> is 0xFFFF_FFFF), and a
/// literal has the type C# gives it, so write T out for literals: <c>Slots.From&lt;long&gt;(5)</c>.</item>
/// <item>The result is read with <see cref="Slots.To{T}"/> and the code's return type: only its low bytes are the
/// value. For code without a result it is meaningless.</item>
/// </list>
/// A call does everything a delegate's thunk does: it throws the CLR's exception for a failure in the code
/// (<see cref="DivideByZeroException"/>, <see cref="OverflowException"/>, …), runs static constructors and throw
/// helpers when the code asks for them, checks the stack limit, and throws <see cref="ObjectDisposedException"/>
/// once the code is disposed. That is also why the raw entry stub (<see cref="CompiledCode.EntryStub"/>, a
/// <c>delegate* unmanaged&lt;JitFrame*, void&gt;</c>) is only for callers that do all of it themselves: set
/// <see cref="JitFrame.StackLimit"/> to <see cref="NativeStack.Limit"/> and the status to Ok, keep the memory alive
/// and undisposed for the whole call (<see cref="GC.KeepAlive"/>), and treat any status but Ok as a failed call.
/// </remarks>
public delegate long SlotFunction(params ReadOnlySpan<long> argumentSlots);

/// <summary>The thunk behind a <see cref="SlotFunction"/>: the slots go into the frame as they are.</summary>
internal sealed unsafe class SlotThunk(nint entryStub, ExecutableMemory memory, object owner, bool bounded, int parameterCount)
    : FrameThunk(entryStub, memory, owner, bounded)
{
    public long Invoke(params ReadOnlySpan<long> argumentSlots)
    {
        // The entry stub reads exactly one slot per parameter; fewer would hand it whatever the stack held.
        if (argumentSlots.Length != parameterCount) ThrowWrongCount(argumentSlots.Length);
        Unsafe.SkipInit(out JitFrame frame);
        argumentSlots.CopyTo(new Span<long>(frame.Arguments, JitFrame.MaxArguments));
        Call(&frame);
        return frame.Result;
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    void ThrowWrongCount(int count) =>
        throw new ArgumentException($"the compiled code takes {parameterCount} arguments, but {count} slots were given", "argumentSlots");
}

/// <summary>Values in the 8-byte slots of a <see cref="JitFrame"/>, as a <see cref="SlotFunction"/> takes and returns
/// them: the value's bits in the low bytes (a double keeps its IEEE bits; it is not converted). An argument slot has
/// zeros above them, as the delegates' thunks make it; in a result slot the bytes above are unspecified (a float
/// result writes only 4 bytes), which <see cref="To{T}"/> ignores.</summary>
public static class Slots
{
    /// <summary>The slot for <paramref name="value"/>, which must have the parameter's exact type.</summary>
    /// <exception cref="JitException"><typeparamref name="T"/> is not a type compiled code takes.</exception>
    public static long From<T>(T value) where T : unmanaged
    {
        ThrowIfUnsupported<T>();
        long slot = 0;
        Unsafe.As<long, T>(ref slot) = value;
        return slot;
    }

    /// <summary>The value of type <typeparamref name="T"/> in the low bytes of <paramref name="slot"/>.</summary>
    /// <exception cref="JitException"><typeparamref name="T"/> is not a type compiled code returns.</exception>
    public static T To<T>(long slot) where T : unmanaged
    {
        ThrowIfUnsupported<T>();
        return Unsafe.As<long, T>(ref slot);
    }

    /// <summary>Compares with typeof so that the JIT folds the check away for each T (a set lookup would not).</summary>
    static void ThrowIfUnsupported<T>()
    {
        if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong) || typeof(T) == typeof(int) || typeof(T) == typeof(uint)
            || typeof(T) == typeof(short) || typeof(T) == typeof(ushort) || typeof(T) == typeof(sbyte) || typeof(T) == typeof(byte)
            || typeof(T) == typeof(bool) || typeof(T) == typeof(char) || typeof(T) == typeof(nint) || typeof(T) == typeof(nuint)
            || typeof(T) == typeof(double) || typeof(T) == typeof(float))
            return;
        // Throws the JitException that names the type and lists those supported.
        _ = NativeBinding.ClassOf(typeof(T));
    }
}
