using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// A thunk that calls through the entry stub: its Invoke packs the arguments into a <see cref="JitFrame"/> on the
/// managed stack, calls the entry stub through the one non-generic native signature
/// <c>delegate* unmanaged&lt;JitFrame*, void&gt;</c>, and turns the frame's status back into a .NET exception or its
/// result into the return value. Every signature and every kind of code can be called this way.
/// </summary>
/// <remarks>The generic subclasses exist because a generic function pointer cannot carry double or float
/// through the marshaller, and <c>Marshal.GetDelegateForFunctionPointer</c> refuses generic delegates: going
/// through memory keeps the native signature fixed while the managed one varies.
/// <para>The annotation keeps, in a trimmed application, the constructor and Invoke of every thunk class, which
/// <see cref="NativeBinding"/> finds by reflection on the instantiations it makes.</para></remarks>
/// <param name="bounded">The code is a single function without loops or calls, so it returns within a few hundred
/// instructions: it can be called without the GC transition (SuppressGCTransition), which costs more than such a
/// call itself. Code that may run long must not be, or it would hold up every garbage collection meanwhile.</param>
[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.PublicMethods)]
internal abstract unsafe class FrameThunk(nint entryStub, ExecutableMemory memory, object owner, bool bounded) : Thunk(memory, owner)
{
    readonly delegate* unmanaged<JitFrame*, void> entry = (delegate* unmanaged<JitFrame*, void>)entryStub;
    readonly delegate* unmanaged[SuppressGCTransition]<JitFrame*, void> boundedEntry =
        bounded ? (delegate* unmanaged[SuppressGCTransition]<JitFrame*, void>)entryStub : null;

    /// <summary>The bits of a value as an argument slot holds them: small types zero-padded, floating point
    /// bit-cast (a double keeps its IEEE bits; it is not converted to an integer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static long Slot<T>(T value)
    {
        long slot = 0;
        Unsafe.As<long, T>(ref slot) = value;
        return slot;
    }

    /// <summary>The low bytes of rax (or xmm0) read back as the declared return type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static T Result<T>(JitFrame* frame) => Unsafe.As<long, T>(ref frame->Result);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void Call(JitFrame* frame)
    {
        var region = Region ?? Disposed<CodeRegionHandle>();
        frame->Status = JitStatus.Ok;
        // Bounded code makes no calls, so it has no stack guard and never reads the limit: skip the thread-static.
        if (boundedEntry != null) boundedEntry(frame);
        else
        {
            frame->StackLimit = NativeStack.Limit;
            entry(frame);
        }
        if (frame->Status != JitStatus.Ok) Failed(frame);
        // Until here, since Failed may run the code again.
        GC.KeepAlive(region);
    }

    /// <summary>A status other than Ok: a type initializer that must run first (see <see cref="TypeInitializers"/>:
    /// run it and call again from the start, until the code completes), or an error to throw.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    void Failed(JitFrame* frame)
    {
        while (frame->Status == JitStatus.TypeInitializer)
        {
            TypeInitializers.Run((nint)frame->Result);
            frame->Status = JitStatus.Ok;
            frame->StackLimit = NativeStack.Limit;
            entry(frame);
        }
        if (frame->Status == JitStatus.ThrowHelper) ThrowHelpers.Run(frame);
        if (frame->Status != JitStatus.Ok) Throw(frame->Status);
    }

    /// <summary>Kept out of Invoke so that the common path stays small enough to inline and free of the
    /// exception-construction code.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    static void Throw(JitStatus status) => throw status switch
    {
        JitStatus.DivideByZero => new DivideByZeroException(),
        JitStatus.Overflow => new OverflowException(),
        JitStatus.IndexOutOfRange => new IndexOutOfRangeException(),
        JitStatus.ArgumentOutOfRange => new ArgumentOutOfRangeException(),
        JitStatus.StackOverflow => new InsufficientExecutionStackException(),
        JitStatus.NullReference => new NullReferenceException(),
        JitStatus.Arithmetic => new ArithmeticException(),
        _ => new JitException($"Generated code reported an unknown status {(long)status}."),
    };
}
