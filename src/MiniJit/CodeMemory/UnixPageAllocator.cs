using System.ComponentModel;
using System.Runtime.InteropServices;

namespace MiniJit.CodeMemory;

/// <summary>mmap / mprotect / munmap with one view that flips between read+write and read+execute: macOS, and Linux
/// when the two views of <see cref="DualMappedPageAllocator"/> are not allowed.</summary>
internal sealed partial class UnixPageAllocator : PageAllocator
{
    internal const int ProtRead = 0x1, ProtWrite = 0x2, ProtExec = 0x4;
    const int MapPrivate = 0x02;
    // The flag values differ between the kernels. macOS also wants MAP_JIT on pages that will hold generated
    // code when the process runs under the hardened runtime.
    const int MapAnonymousLinux = 0x20, MapAnonymousMac = 0x1000, MapJitMac = 0x800;
    // Linux only: fault the pages in at mmap time. The arena maps a chunk ahead of need, so the page faults (and the
    // kernel zeroing each page) happen once there rather than inside the compile that first touches a page.
    internal const int MapPopulateLinux = 0x8000;
    internal static readonly nint MapFailed = -1;

    static readonly int MapFlags = OperatingSystem.IsMacOS()
        ? MapPrivate | MapAnonymousMac | MapJitMac
        : MapPrivate | MapAnonymousLinux | MapPopulateLinux;

    public override bool HasWritableView => false;

    public override CodeMapping Map(nuint size)
    {
        var address = mmap(0, size, ProtRead | ProtWrite, MapFlags, -1, 0);
        if (address == MapFailed) throw Failure("mmap", size);
        return new CodeMapping(address, address, size);
    }

    public override void MakeExecutable(nint address, nuint size)
    {
        // x86-64 keeps instruction and data caches coherent, so no cache flush is needed after the writes.
        if (mprotect(address, size, ProtRead | ProtExec) != 0) throw Failure("mprotect", size);
    }

    public override bool MakeWritable(nint address, nuint size) => mprotect(address, size, ProtRead | ProtWrite) == 0;

    public override bool Unmap(CodeMapping mapping) => munmap(mapping.Executable, mapping.Size) == 0;

    internal static Win32Exception Failure(string call, nuint size) =>
        new(Marshal.GetLastPInvokeError(), $"{call} of {size} bytes failed: {Marshal.GetLastPInvokeErrorMessage()}");

    [LibraryImport("libc", SetLastError = true)]
    internal static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int munmap(nint address, nuint length);
}
