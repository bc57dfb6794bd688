using System.Runtime.InteropServices;

namespace MiniJit.CodeMemory;

/// <summary>Owns a run of pages rented from the <see cref="CodeArena"/>. A SafeHandle is finalized even when its owner
/// is forgotten, and the runtime never releases it while a P/Invoke is still using it, so forgetting Dispose leaks
/// nothing for long.</summary>
internal sealed class CodeRegionHandle : SafeHandle
{
    public CodeRegionHandle(nint address, nuint size) : base(invalidHandleValue: 0, ownsHandle: true)
    {
        SetHandle(address);
        Size = size;
        // Tells the collector what this small object holds, so that regions waiting for finalization (disposed
        // units whose delegates were bound) do not pile up between collections.
        GC.AddMemoryPressure((long)size);
    }

    /// <summary>Bytes mapped: the code length rounded up to whole pages.</summary>
    public nuint Size { get; }

    public override bool IsInvalid => handle == 0;

    /// <summary>Objects the code reads in place (a lambda's captured variables), pinned for as long as the pages can
    /// run: they are released with the pages, never before.</summary>
    public GCHandle[] Pins = [];

    protected override bool ReleaseHandle()
    {
        foreach (var pin in Pins) pin.Free();
        GC.RemoveMemoryPressure((long)Size);
        return CodeArena.Shared.Return(handle, Size);
    }
}
