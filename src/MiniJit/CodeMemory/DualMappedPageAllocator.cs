using System.Runtime.InteropServices;

namespace MiniJit.CodeMemory;

/// <summary>
/// Linux: each chunk is an anonymous in-memory file (<c>memfd_create</c>) mapped twice, read+write for the compiler and
/// read+execute for the code. Loading a unit is a copy; no system call, no protection change, and units share pages.
/// </summary>
/// <remarks>
/// <para>Neither view is ever writable and executable, so the process keeps W^X (the maps file shows an <c>rw-s</c>
/// and an <c>r-xs</c> view of <c>memfd:minijit-code</c>). A new unit may be written into a page whose other bytes are
/// running on another thread. x86-64 keeps instruction fetch coherent with stores to other bytes, and a unit's address
/// reaches other threads only after it is written, the same protocol the .NET runtime relies on for its own code.</para>
/// <para>Some sandboxes (seccomp filters, SELinux's <c>execmem</c> rules) refuse executable views of shared memory;
/// <see cref="TryCreate"/> then returns null and the arena flips protection instead.</para>
/// </remarks>
internal sealed partial class DualMappedPageAllocator : PageAllocator
{
    const uint MfdCloexec = 0x1;
    const int MapShared = 0x01;

    DualMappedPageAllocator() { }

    /// <summary>The allocator if this system lets a process map shared memory executable, else null. It maps and
    /// unmaps one page to find out.</summary>
    public static DualMappedPageAllocator? TryCreate()
    {
        var allocator = new DualMappedPageAllocator();
        try
        {
            return allocator.Unmap(allocator.Map((nuint)allocator.PageSize)) ? allocator : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    public override bool HasWritableView => true;

    public override CodeMapping Map(nuint size)
    {
        int file = memfd_create("minijit-code", MfdCloexec);
        if (file < 0) throw UnixPageAllocator.Failure("memfd_create", size);
        try
        {
            if (ftruncate(file, (long)size) != 0) throw UnixPageAllocator.Failure("ftruncate", size);
            // MAP_POPULATE on both views: the chunk is mapped ahead of need, so its page faults happen here, not inside
            // the compile (or the first call) that first touches a page.
            const int Flags = MapShared | UnixPageAllocator.MapPopulateLinux;
            var writable = UnixPageAllocator.mmap(0, size, UnixPageAllocator.ProtRead | UnixPageAllocator.ProtWrite, Flags, file, 0);
            if (writable == UnixPageAllocator.MapFailed) throw UnixPageAllocator.Failure("mmap", size);
            var executable = UnixPageAllocator.mmap(0, size, UnixPageAllocator.ProtRead | UnixPageAllocator.ProtExec, Flags, file, 0);
            if (executable == UnixPageAllocator.MapFailed)
            {
                var refusal = UnixPageAllocator.Failure("mmap", size);
                UnixPageAllocator.munmap(writable, size);
                throw refusal;
            }
            return new CodeMapping(executable, writable, size);
        }
        finally
        {
            // The two mappings keep the file alive; the descriptor is no longer needed.
            close(file);
        }
    }

    // Both views keep their protection for their whole life: code is runnable as soon as it is written.
    public override void MakeExecutable(nint address, nuint size) { }

    public override bool MakeWritable(nint address, nuint size) => true;

    public override bool Unmap(CodeMapping mapping) =>
        (UnixPageAllocator.munmap(mapping.Executable, mapping.Size) == 0) & (UnixPageAllocator.munmap(mapping.Writable, mapping.Size) == 0);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int file, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int file);
}
