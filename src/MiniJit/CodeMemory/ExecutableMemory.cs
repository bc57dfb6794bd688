using System.Runtime.InteropServices;

namespace MiniJit.CodeMemory;

/// <summary>
/// The machine code of one compiled unit (several functions assembled together share it), in memory from the
/// <see cref="CodeArena"/>. Its life has two phases: first writable, while the code is copied in; then, after
/// <see cref="MakeExecutable"/>, runnable and never written again. Dispose (or, failing that, the finalizer) gives the
/// memory back to the arena; any delegate that points into it must keep this object alive.
/// </summary>
/// <remarks>Once delegates are bound to the code, a call may be running in it on another thread at the moment of
/// Dispose, and nothing on the call path counts calls (that would cost as much as the call). Instead each call holds
/// the region in a local for its duration: Dispose only drops this object's reference, later calls find none and
/// throw <see cref="ObjectDisposedException"/>, and the region's finalizer returns the pages once the garbage
/// collector has seen that no call still holds it.</remarks>
public sealed class ExecutableMemory : IDisposable
{
    CodeRegionHandle? region;
    bool boundToDelegates;

    ExecutableMemory(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        region = new CodeRegionHandle(CodeArena.Shared, CodeArena.Shared.Rent(length));
        Length = length;
    }

    /// <summary>Rents writable memory for <paramref name="length"/> bytes of code. Fill them through
    /// <see cref="GetWritableSpan"/>, then call <see cref="MakeExecutable"/>.</summary>
    /// <remarks>Use this two-step form when the code must know its own address before it is written.</remarks>
    public static ExecutableMemory Allocate(int length) => new(length);

    /// <summary>Copies <paramref name="code"/> into fresh code memory and makes it executable.</summary>
    public static ExecutableMemory Create(ReadOnlySpan<byte> code)
    {
        var memory = new ExecutableMemory(code.Length);
        try
        {
            code.CopyTo(memory.GetWritableSpan());
            memory.MakeExecutable();
            return memory;
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <summary>Address of the first byte of code, where it runs (with two views of the memory, not where it is
    /// written: see <see cref="GetWritableSpan"/>).</summary>
    public nint Address => Region.DangerousGetHandle();

    CodeRegionHandle Region => Volatile.Read(ref region) ?? throw new ObjectDisposedException(nameof(ExecutableMemory));

    /// <summary>What a call through a delegate holds on to while it runs the code; null once disposed.</summary>
    internal CodeRegionHandle? RegionForCall => Volatile.Read(ref region);

    /// <summary>Hands over pinned objects the code reads; they are freed with the pages (see <see cref="CodeRegionHandle.Pins"/>).</summary>
    internal void KeepPinned(GCHandle[] pins) => Region.Pins = pins;

    /// <summary>Runs <paramref name="release"/> when the pages are freed (see <see cref="CodeRegionHandle.Released"/>).</summary>
    internal void ReleaseWith(Action release) => Region.Released += release;

    /// <summary>From now on Dispose leaves freeing the pages to the garbage collector (see the remarks).</summary>
    internal void NoteDelegateBound() => boundToDelegates = true;

    /// <summary>Bytes of code (the run it occupies is rounded up to cache lines or pages, see <see cref="CodeArena"/>).</summary>
    public int Length { get; }

    public bool IsExecutable { get; private set; }

    /// <summary>The code bytes at <see cref="Address"/>, readable in both phases (executable pages are also readable).</summary>
    public unsafe ReadOnlySpan<byte> Code => new((void*)Address, Length);

    /// <summary>The code bytes while they may still be written. Code that needs its own address must use
    /// <see cref="Address"/>: with two views of the memory this span lies at a different address.</summary>
    /// <exception cref="InvalidOperationException">The memory is already executable.</exception>
    public unsafe Span<byte> GetWritableSpan()
    {
        if (IsExecutable) throw new InvalidOperationException("Executable memory is never written again (W^X).");
        return new((void*)Region.Writable, Length);
    }

    /// <summary>Makes the code runnable: its pages turn from read+write to read+execute, or, with two views, the
    /// code is runnable as written and this only ends the writable phase.</summary>
    public void MakeExecutable()
    {
        if (IsExecutable) throw new InvalidOperationException("The memory is already executable.");
        Region.Seal();
        IsExecutable = true;
    }

    public void Dispose()
    {
        var released = Interlocked.Exchange(ref region, null);
        // Without delegates only our caller can be running the code, so the pages can go back at once.
        if (released is not null && !boundToDelegates) released.Dispose();
    }
}
