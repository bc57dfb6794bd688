using System.Runtime.InteropServices;

namespace MiniJit.CodeMemory;

/// <summary>Owns a run of code memory rented from a <see cref="CodeArena"/>. A SafeHandle is finalized even when its
/// owner is forgotten, and the runtime never releases it while a P/Invoke is still using it, so forgetting Dispose
/// leaks nothing for long. Its handle is the executable address.</summary>
internal sealed class CodeRegionHandle : SafeHandle
{
    readonly CodeArena arena;

    public CodeRegionHandle(CodeArena arena, CodeRegion region) : base(invalidHandleValue: 0, ownsHandle: true)
    {
        this.arena = arena;
        Region = region;
        SetHandle(region.Executable);
        // Tells the collector what this small object holds, so that regions waiting for finalization (disposed
        // units whose delegates were bound) do not pile up between collections.
        GC.AddMemoryPressure((long)region.Size);
    }

    public CodeRegion Region { get; }

    /// <summary>Where the code is written (with two views of the memory, not where it runs).</summary>
    public nint Writable => Region.Writable;

    /// <summary>Makes the written code runnable (see <see cref="CodeArena.Seal"/>).</summary>
    public void Seal() => arena.Seal(Region);

    public override bool IsInvalid => handle == 0;

    /// <summary>Objects the code reads in place (a lambda's captured variables), pinned for as long as the code can
    /// run: they are released with it, never before.</summary>
    public GCHandle[] Pins = [];

    /// <summary>What else goes with the pages: a tiered unit's cell, and the optimized code its calls may be running.</summary>
    public Action? Released;

    protected override bool ReleaseHandle()
    {
        foreach (var pin in Pins) pin.Free();
        Released?.Invoke();
        GC.RemoveMemoryPressure((long)Region.Size);
        return arena.Return(Region);
    }
}
