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

    /// <summary>The code's pages, or null once the code is disposed. Dispose on another thread may clear them from the
    /// memory at any moment, so a call runs with the region it read here, and keeps it (<see cref="GC.KeepAlive"/>)
    /// until the call is over: otherwise the JIT may consider it dead once the code's address is loaded, and a
    /// collection on another thread could finalize it and hand its pages to other code while the call is still running
    /// in them.</summary>
    protected CodeRegionHandle? Region => memory.RegionForCall;

    /// <summary>Throws <see cref="ObjectDisposedException"/>. It "returns" T so that a thunk can end its path with
    /// <c>return Disposed&lt;T&gt;()</c>: the JIT does not know that the call never returns, and when nothing follows it,
    /// the arguments need not survive it — no spilling them to the stack and loading them back on the way to the
    /// call into the code.</summary>
    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    protected static T Disposed<T>() =>
        throw new ObjectDisposedException(nameof(CompiledCode), "the compiled code behind this delegate has been disposed");
}
