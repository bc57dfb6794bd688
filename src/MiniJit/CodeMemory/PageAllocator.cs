namespace MiniJit.CodeMemory;

/// <summary>
/// The operating-system calls behind the <see cref="CodeArena"/>: map a chunk of pages, make code in it runnable, and
/// give the chunk back. One implementation per way of keeping W^X; <see cref="Current"/> picks the best the system
/// allows.
/// </summary>
/// <remarks>
/// <para>No mapping is ever writable and executable at once. .NET itself runs with that rule (W^X), and it means a bug
/// that writes through a stray pointer cannot silently patch code that is already running. There are two ways to keep
/// it:</para>
/// <list type="bullet">
/// <item><b>Two views</b> (<see cref="DualMappedPageAllocator"/>, Linux): the same pages are mapped twice, read+write at
/// one address and read+execute at another. Code is written through the first and runs at the second; nothing changes
/// protection, so loading code costs no system call and small units share pages. This is how the .NET runtime itself
/// does W^X.</item>
/// <item><b>Flipping protection</b> (<see cref="UnixPageAllocator"/>, <see cref="WindowsPageAllocator"/>): one view,
/// read+write while code is written, then read+execute; a system call per unit, and a page of its own for each unit,
/// since a page that holds running code can never be made writable again.</item>
/// </list>
/// </remarks>
internal abstract class PageAllocator
{
    public static readonly PageAllocator Current = Choose();

    /// <summary>The environment variable that forces the protection-flipping allocator (value <c>mprotect</c>), for
    /// systems whose security policy refuses executable views of shared memory, and to test the fallback.</summary>
    public const string ModeVariable = "MINIJIT_CODE_MEMORY";

    static PageAllocator Choose()
    {
        if (OperatingSystem.IsWindows()) return new WindowsPageAllocator();
        // perf reads the perf map only for anonymous memory: the two views of a memfd look like a file to it, so
        // when the runtime's perf map is on, code goes in anonymous pages (the .NET runtime's own advice for perf is
        // likewise to turn its double mapping off).
        bool twoViewsAllowed = Environment.GetEnvironmentVariable(ModeVariable) != "mprotect" && !PerfMap.EnabledByEnvironment;
        return OperatingSystem.IsLinux() && twoViewsAllowed && DualMappedPageAllocator.TryCreate() is { } dual
            ? dual
            : new UnixPageAllocator();
    }

    public int PageSize { get; } = Environment.SystemPageSize;

    /// <summary>True when code is written through a second view of its pages: protection never changes, so units
    /// may share pages.</summary>
    public abstract bool HasWritableView { get; }

    /// <summary>Maps <paramref name="size"/> bytes (a multiple of <see cref="PageSize"/>), writable through
    /// <see cref="CodeMapping.Writable"/>.</summary>
    public abstract CodeMapping Map(nuint size);

    /// <summary>Makes code written into the run at <paramref name="address"/> runnable; after this nobody writes it.</summary>
    public abstract void MakeExecutable(nint address, nuint size);

    /// <summary>Makes a run of returned code writable again so the arena can reuse it; false if the operating system
    /// refused (it runs from finalizers too, so it reports instead of throwing).</summary>
    public abstract bool MakeWritable(nint address, nuint size);

    /// <summary>Unmaps a chunk; false if the operating system refused. It runs from a finalizer, where an exception
    /// would end the process, so it reports instead of throwing.</summary>
    public abstract bool Unmap(CodeMapping mapping);
}

/// <summary>A chunk of code memory: the address its code runs at, the address it is written through (the same address
/// when protection flips instead), and its size in bytes.</summary>
internal readonly record struct CodeMapping(nint Executable, nint Writable, nuint Size)
{
    public bool Contains(nint address) => address >= Executable && address < Executable + (nint)Size;

    /// <summary>Where the byte that runs at <paramref name="address"/> is written.</summary>
    public nint WritableAddressOf(nint address) => Writable + (address - Executable);
}
