using System.Runtime.InteropServices;
using MiniJit.CodeMemory;

namespace MiniJit.Tests.CodeMemory;

public unsafe class CodeArenaTests
{
    const int Page = 4096;

    /// <summary>Maps nothing: hands out native memory, with a second buffer as the writable view when asked to, and
    /// records what the arena asks for.</summary>
    sealed class FakePages(bool twoViews) : PageAllocator
    {
        public readonly List<CodeMapping> Mapped = [], Unmapped = [];
        public readonly List<(nint, nuint)> Sealed = [], MadeWritable = [];
        public override bool HasWritableView => twoViews;
        public override CodeMapping Map(nuint size)
        {
            var executable = (nint)NativeMemory.AlignedAlloc(size, Page);
            var mapping = new CodeMapping(executable, twoViews ? (nint)NativeMemory.AlignedAlloc(size, Page) : executable, size);
            Mapped.Add(mapping);
            return mapping;
        }
        public override void MakeExecutable(nint address, nuint size) => Sealed.Add((address, size));
        public override bool MakeWritable(nint address, nuint size)
        {
            MadeWritable.Add((address, size));
            return true;
        }
        public override bool Unmap(CodeMapping mapping)
        {
            Unmapped.Add(mapping);
            NativeMemory.AlignedFree((void*)mapping.Executable);
            if (mapping.Writable != mapping.Executable) NativeMemory.AlignedFree((void*)mapping.Writable);
            return true;
        }
    }

    [Fact]
    public void Units_share_a_chunk_and_freed_runs_are_merged_and_reused()
    {
        var pages = new FakePages(twoViews: false);
        var arena = new CodeArena(pages, 16 * Page);
        var a = arena.Rent(Page);
        var b = arena.Rent(Page + 1);
        var c = arena.Rent(1);
        Assert.Single(pages.Mapped);                // one map for three units, each on pages of its own
        Assert.Equal([a.Executable + Page, a.Executable + 3 * Page], new[] { b.Executable, c.Executable });
        Assert.Equal((nuint)(2 * Page), b.Size);
        Assert.Equal(b.Executable, b.Writable);     // one view

        Assert.True(arena.Return(a));
        Assert.True(arena.Return(b));               // merges with a's run: three free pages at a
        Assert.Equal([(a.Executable, (nuint)Page), (b.Executable, (nuint)(2 * Page))], pages.MadeWritable);
        Assert.Equal(a.Executable, arena.Rent(3 * Page).Executable);   // first fit finds the merged run
    }

    [Fact]
    public void A_unit_larger_than_a_chunk_gets_its_own_and_empty_extra_chunks_are_unmapped()
    {
        var pages = new FakePages(twoViews: false);
        var arena = new CodeArena(pages, 4 * Page);
        var small = arena.Rent(Page);
        var large = arena.Rent(8 * Page);
        Assert.Equal(2, pages.Mapped.Count);
        Assert.Equal((nuint)(8 * Page), pages.Mapped[1].Size);

        Assert.True(arena.Return(large));
        Assert.Equal([pages.Mapped[1]], pages.Unmapped);   // its chunk is empty and not the only one: unmapped
        Assert.True(arena.Return(small));
        Assert.Single(pages.Unmapped);                     // the last chunk stays for the next compile
        pages.Unmap(pages.Mapped[0]);
    }

    [Fact]
    public void With_two_views_units_share_pages_on_cache_lines_and_are_written_through_the_other_view()
    {
        var pages = new FakePages(twoViews: true);
        var arena = new CodeArena(pages, 4 * Page);
        var a = arena.Rent(1);
        var b = arena.Rent(CodeArena.ViewsAlignment + 1);
        var c = arena.Rent(CodeArena.ViewsAlignment);
        Assert.Equal([a.Executable + 64, a.Executable + 192], new[] { b.Executable, c.Executable });
        Assert.Equal(pages.Mapped[0].Writable + 64, b.Writable);
        arena.Seal(b);
        Assert.Equal([(b.Executable, (nuint)128)], pages.Sealed);   // the allocator decides what sealing means

        // A returned run is filled with int3 through the writable view, then rented again by first fit.
        new Span<byte>((void*)b.Writable, 128).Fill(0x90);
        Assert.True(arena.Return(b));
        Assert.All(new Span<byte>((void*)b.Writable, 128).ToArray(), x => Assert.Equal(0xCC, x));
        Assert.Equal(b.Executable, arena.Rent(100).Executable);
        Assert.Equal(c.Executable + 64, arena.Rent(1).Executable);
        pages.Unmap(pages.Mapped[0]);
    }
}

/// <summary>The arena over the operating system's real allocators: what /proc/self/maps shows at each step.</summary>
[Collection(nameof(ProcessMemoryMap))]
public unsafe class CodeArenaMappingTests
{
    // lea rax, [rdi+1]; ret
    static readonly byte[] Increment = [0x48, 0x8D, 0x47, 0x01, 0xC3];

    static long Run(CodeRegion region, long argument) => ((delegate* unmanaged<long, long>)region.Executable)(argument);

    [Fact]
    public void Flipping_protection_turns_a_units_pages_read_execute_and_back()
    {
        if (!OperatingSystem.IsLinux()) return;
        var arena = new CodeArena(new UnixPageAllocator(), 1 << 16);
        var region = arena.Rent(Increment.Length);
        Assert.Equal(region.Executable, region.Writable);
        Assert.Equal("rw-p", ExecutableMemoryTests.Mapping(region.Executable)?.Permissions);
        Increment.CopyTo(new Span<byte>((void*)region.Writable, Increment.Length));
        arena.Seal(region);
        Assert.Equal("r-xp", ExecutableMemoryTests.Mapping(region.Executable)?.Permissions);
        Assert.Equal(42, Run(region, 41));
        Assert.True(arena.Return(region));
        Assert.Equal("rw-p", ExecutableMemoryTests.Mapping(region.Executable)?.Permissions);
    }

    [Fact]
    public void Two_views_show_as_one_read_write_and_one_read_execute_mapping_of_the_same_file()
    {
        if (!OperatingSystem.IsLinux() || DualMappedPageAllocator.TryCreate() is not { } pages) return;
        var arena = new CodeArena(pages, 1 << 16);
        var region = arena.Rent(Increment.Length);
        var neighbour = arena.Rent(Increment.Length);
        Increment.CopyTo(new Span<byte>((void*)region.Writable, Increment.Length));
        arena.Seal(region);
        Assert.Equal(42, Run(region, 41));

        var executable = ExecutableMemoryTests.Mapping(region.Executable);
        var writable = ExecutableMemoryTests.Mapping(region.Writable);
        Assert.Equal("r-xs", executable?.Permissions);
        Assert.Equal("rw-s", writable?.Permissions);
        Assert.Contains("memfd:minijit-code", executable?.Name);
        Assert.Equal(region.Executable + 64, neighbour.Executable);     // units share the page

        // Writing the neighbour while the first unit's code is runnable in the same page.
        Increment.CopyTo(new Span<byte>((void*)neighbour.Writable, Increment.Length));
        Assert.Equal(8, Run(neighbour, 7));
        Assert.Equal(42, Run(region, 41));
        Assert.True(arena.Return(region));
        Assert.Equal(0xCC, *(byte*)region.Executable);                  // what a stale jump would find
        Assert.True(arena.Return(neighbour));
    }
}
