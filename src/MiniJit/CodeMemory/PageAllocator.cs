namespace MiniJit.CodeMemory;

/// <summary>
/// The operating-system calls behind <see cref="ExecutableMemory"/>: map fresh read+write pages, turn them
/// read+execute, and give them back. One implementation per platform family; <see cref="Current"/> picks it.
/// </summary>
/// <remarks>Pages are never read+write+execute at once. .NET itself runs with that rule (W^X), and it means a
/// bug that writes through a stray pointer cannot silently patch code that is already running.</remarks>
internal abstract class PageAllocator
{
    public static readonly PageAllocator Current =
        OperatingSystem.IsWindows() ? new WindowsPageAllocator() : new UnixPageAllocator();

    public int PageSize { get; } = Environment.SystemPageSize;

    /// <summary>Maps <paramref name="size"/> bytes (a multiple of <see cref="PageSize"/>) as read+write.</summary>
    public abstract nint AllocateWritable(nuint size);

    /// <summary>Turns the pages read+execute; after this nobody may write to them.</summary>
    public abstract void MakeExecutable(nint address, nuint size);

    /// <summary>Turns executable pages back to read+write so the arena can reuse them; false if the operating system
    /// refused (it runs from finalizers too, so it reports instead of throwing).</summary>
    public abstract bool MakeWritable(nint address, nuint size);

    /// <summary>Unmaps the pages; false if the operating system refused. It runs from a finalizer, where an
    /// exception would end the process, so it reports instead of throwing.</summary>
    public abstract bool Free(nint address, nuint size);

    public nuint RoundUpToPages(int length)
    {
        var pages = (Math.Max(length, 1) + (long)PageSize - 1) / PageSize;
        return (nuint)(pages * PageSize);
    }
}
