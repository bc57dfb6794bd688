using System.ComponentModel;
using System.Runtime.InteropServices;

namespace MiniJit.CodeMemory;

/// <summary>VirtualAlloc / VirtualProtect / VirtualFree, for Windows.</summary>
internal sealed partial class WindowsPageAllocator : PageAllocator
{
    const uint MemCommit = 0x1000, MemReserve = 0x2000, MemRelease = 0x8000;
    const uint PageReadWrite = 0x04, PageExecuteRead = 0x20;

    public override bool HasWritableView => false;

    public override CodeMapping Map(nuint size)
    {
        var address = VirtualAlloc(0, size, MemCommit | MemReserve, PageReadWrite);
        if (address == 0) throw Failure("VirtualAlloc", size);
        return new CodeMapping(address, address, size);
    }

    public override void MakeExecutable(nint address, nuint size)
    {
        if (!VirtualProtect(address, size, PageExecuteRead, out _)) throw Failure("VirtualProtect", size);
        // Windows documents this call as required after writing code, whatever the processor.
        if (!FlushInstructionCache(GetCurrentProcess(), address, size)) throw Failure("FlushInstructionCache", size);
    }

    public override bool MakeWritable(nint address, nuint size) => VirtualProtect(address, size, PageReadWrite, out _);

    // MEM_RELEASE frees the whole reservation and requires a size of zero.
    public override bool Unmap(CodeMapping mapping) => VirtualFree(mapping.Executable, 0, MemRelease);

    static Win32Exception Failure(string call, nuint size) =>
        new(Marshal.GetLastPInvokeError(), $"{call} of {size} bytes failed: {Marshal.GetLastPInvokeErrorMessage()}");

    [LibraryImport("kernel32.dll", SetLastError = true)]
    private static partial nint VirtualAlloc(nint address, nuint size, uint allocationType, uint protect);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualProtect(nint address, nuint size, uint newProtect, out uint oldProtect);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool VirtualFree(nint address, nuint size, uint freeType);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FlushInstructionCache(nint process, nint address, nuint size);

    [LibraryImport("kernel32.dll")]
    private static partial nint GetCurrentProcess();
}
