using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// What every thunk shares. A thunk is the managed object a delegate of compiled code is bound to: its Invoke calls
/// into the code, either through the entry stub with a frame (<see cref="FrameThunk"/>) or, for the most common
/// signatures of code that cannot fail, straight through the unit's direct entry (<see cref="DirectThunk"/>).
/// </summary>
/// <param name="memory">The code memory the thunk calls into. Once it is disposed, calls throw
/// <see cref="ObjectDisposedException"/>.</param>
internal abstract class Thunk(ExecutableMemory memory, object owner)
{
    /// <summary>What the delegate was made for (the <see cref="CompiledCode"/>, or the memory itself); it keeps
    /// the code alive for as long as a delegate can reach this thunk.</summary>
    public object Owner { get; } = owner;

    /// <summary>The code's pages, for one call: Dispose on another thread may clear them from the memory at any
    /// moment, so a call runs with the region it read here, which the caller keeps (<see cref="GC.KeepAlive"/>) until
    /// the call is over — otherwise the JIT may consider it dead once the code's address is loaded, and a collection
    /// on another thread could finalize it and hand its pages to other code while this call is still running in them.</summary>
    /// <exception cref="ObjectDisposedException">The code has been disposed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected CodeRegionHandle RegionForCall()
    {
        var region = memory.RegionForCall;
        if (region is null) ThrowDisposed();
        return region;
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(CompiledCode), "the compiled code behind this delegate has been disposed");
}
