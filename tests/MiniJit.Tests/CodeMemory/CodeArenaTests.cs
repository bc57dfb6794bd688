using MiniJit.CodeMemory;

namespace MiniJit.Tests.CodeMemory;

public class CodeArenaTests
{
    const int Page = 4096;

    /// <summary>Pretends to map memory: hands out addresses far apart and records what the arena asks for.</summary>
    sealed class FakePages : PageAllocator
    {
        nint next = 0x1000_0000;
        public readonly List<(nint, nuint)> Mapped = [], Unmapped = [], MadeWritable = [];
        public override nint AllocateWritable(nuint size)
        {
            var address = next;
            next += 0x1000_0000;
            Mapped.Add((address, size));
            return address;
        }
        public override void MakeExecutable(nint address, nuint size) { }
        public override bool MakeWritable(nint address, nuint size)
        {
            MadeWritable.Add((address, size));
            return true;
        }
        public override bool Free(nint address, nuint size)
        {
            Unmapped.Add((address, size));
            return true;
        }
    }

    [Fact]
    public void Units_share_a_chunk_and_freed_runs_are_merged_and_reused()
    {
        var pages = new FakePages();
        var arena = new CodeArena(pages, 16 * Page);
        var a = arena.Rent(Page);
        var b = arena.Rent(2 * Page);
        var c = arena.Rent(Page);
        Assert.Single(pages.Mapped);                // one mmap for three units
        Assert.Equal([a + Page, a + 3 * Page], new[] { b, c });

        Assert.True(arena.Return(a, Page));
        Assert.True(arena.Return(b, 2 * Page));     // merges with a's run: three free pages at a
        Assert.Equal([(a, (nuint)Page), (b, (nuint)(2 * Page))], pages.MadeWritable);
        Assert.Equal(a, arena.Rent(3 * Page));      // first fit finds the merged run
    }

    [Fact]
    public void A_unit_larger_than_a_chunk_gets_its_own_and_empty_extra_chunks_are_unmapped()
    {
        var pages = new FakePages();
        var arena = new CodeArena(pages, 4 * Page);
        var small = arena.Rent(Page);
        var large = arena.Rent(8 * Page);
        Assert.Equal(2, pages.Mapped.Count);
        Assert.Equal((nuint)(8 * Page), pages.Mapped[1].Item2);

        Assert.True(arena.Return(large, 8 * Page));
        Assert.Equal([pages.Mapped[1]], pages.Unmapped);   // its chunk is empty and not the only one: unmapped
        Assert.True(arena.Return(small, Page));
        Assert.Single(pages.Unmapped);                     // the last chunk stays for the next compile
    }
}
