namespace MiniJit.CodeMemory;

/// <summary>
/// A block of pages holding the machine code of one compiled unit (several functions assembled together share
/// it). Its life has two phases: first writable, while the code is copied in; then, after
/// <see cref="MakeExecutable"/>, read+execute and never written again. Dispose (or, failing that, the
/// finalizer) gives the pages back to the <see cref="CodeArena"/>, read+write again; any delegate that points into
/// it must keep this object alive.
/// </summary>
public sealed class ExecutableMemory : IDisposable
{
    readonly CodeRegionHandle region;

    ExecutableMemory(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var size = PageAllocator.Current.RoundUpToPages(length);
        region = new CodeRegionHandle(CodeArena.Shared.Rent(size), size);
        Length = length;
    }

    /// <summary>Maps fresh writable pages for <paramref name="length"/> bytes of code. Fill them through
    /// <see cref="GetWritableSpan"/>, then call <see cref="MakeExecutable"/>.</summary>
    /// <remarks>Use this two-step form when the code must know its own address before it is written.</remarks>
    public static ExecutableMemory Allocate(int length) => new(length);

    /// <summary>Copies <paramref name="code"/> into fresh pages and makes them executable.</summary>
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

    /// <summary>Address of the first byte of code.</summary>
    public nint Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(region.IsClosed, this);
            return region.DangerousGetHandle();
        }
    }

    /// <summary>Bytes of code (the mapping itself is rounded up to whole pages).</summary>
    public int Length { get; }

    public bool IsExecutable { get; private set; }

    /// <summary>The code bytes, readable in both phases (executable pages are also readable).</summary>
    public unsafe ReadOnlySpan<byte> Code => new((void*)Address, Length);

    /// <summary>The code bytes while the pages are still writable.</summary>
    /// <exception cref="InvalidOperationException">The memory is already executable.</exception>
    public unsafe Span<byte> GetWritableSpan()
    {
        if (IsExecutable) throw new InvalidOperationException("Executable memory is never written again (W^X).");
        return new((void*)Address, Length);
    }

    /// <summary>Flips the pages from read+write to read+execute.</summary>
    public void MakeExecutable()
    {
        if (IsExecutable) throw new InvalidOperationException("The memory is already executable.");
        PageAllocator.Current.MakeExecutable(Address, region.Size);
        IsExecutable = true;
    }

    public void Dispose() => region.Dispose();
}
