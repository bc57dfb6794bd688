namespace MiniJit.CodeMemory;

/// <summary>
/// Hands out runs of code memory from large chunks mapped in advance, so that loading a compiled unit costs a copy
/// (with two views, see <see cref="PageAllocator"/>) or one <c>mprotect</c> (flipping protection) instead of an
/// <c>mmap</c>, first-touch page faults and an <c>munmap</c> later.
/// </summary>
/// <remarks>
/// <para>With two views a run starts on a cache line (<see cref="ViewsAlignment"/>) and small units share pages. When
/// protection flips, W^X holds page by page instead: free pages are read+write, a rented run is filled and then turned
/// read+execute by its owner, and a returned run is turned back to read+write before anyone can rent it again; a unit
/// therefore always starts on a fresh page, since a page that holds running code is never written.</para>
/// <para>A returned run is filled with <c>int3</c> before it goes back on the free list: a stale jump into freed code
/// stops at a breakpoint instead of running whatever the old bytes say.</para>
/// </remarks>
internal sealed class CodeArena(PageAllocator pages, nuint chunkSize)
{
    public static readonly CodeArena Shared = new(PageAllocator.Current, 1 << 20);

    /// <summary>Where runs start with two views: a cache line, which also keeps every offset's alignment modulo 64
    /// (what branch-target alignment and the processor's decoders care about) the same as at the start of a page.</summary>
    public const int ViewsAlignment = 64;

    const byte Int3 = 0xCC;

    /// <summary>A chunk and its free runs (executable addresses), kept sorted by address and never adjacent (they are merged).</summary>
    sealed class Chunk(CodeMapping mapping)
    {
        public readonly CodeMapping Mapping = mapping;
        public readonly List<(nint Start, nuint Size)> Free = [(mapping.Executable, mapping.Size)];
        public bool IsEmpty => Free.Count == 1 && Free[0].Size == Mapping.Size;
    }

    readonly Lock gate = new();
    readonly List<Chunk> chunks = [];

    /// <summary>Bytes a run of <paramref name="length"/> bytes takes: whole cache lines with two views, whole pages otherwise.</summary>
    nuint SizeOf(int length)
    {
        long unit = pages.HasWritableView ? ViewsAlignment : pages.PageSize;
        return (nuint)((Math.Max(length, 1) + unit - 1) / unit * unit);
    }

    /// <summary>A writable run for <paramref name="length"/> bytes of code. Write it through
    /// <see cref="CodeRegion.Writable"/>, then <see cref="Seal"/> it.</summary>
    public CodeRegion Rent(int length)
    {
        var size = SizeOf(length);
        lock (gate)
        {
            foreach (var chunk in chunks)
                if (TryTake(chunk, size) is { } region) return region;
            var chunkBytes = Math.Max(size, chunkSize);
            chunkBytes = (chunkBytes + (nuint)pages.PageSize - 1) / (nuint)pages.PageSize * (nuint)pages.PageSize;
            var fresh = new Chunk(pages.Map(chunkBytes));
            chunks.Add(fresh);
            return TryTake(fresh, size)!.Value;
        }
    }

    /// <summary>Makes a rented run's code runnable; it is never written again until it is returned.</summary>
    public void Seal(CodeRegion region) => pages.MakeExecutable(region.Executable, region.Size);

    /// <summary>Takes back a run from <see cref="Rent"/>. It may come from a finalizer, so it reports failure
    /// instead of throwing: false when the operating system refused to make the pages writable again (they are
    /// then kept out of circulation rather than reused).</summary>
    public unsafe bool Return(CodeRegion region)
    {
        if (!pages.MakeWritable(region.Executable, region.Size)) return false;
        new Span<byte>((void*)region.Writable, checked((int)region.Size)).Fill(Int3);
        lock (gate)
        {
            var chunk = chunks.First(c => c.Mapping.Contains(region.Executable));
            Insert(chunk.Free, region.Executable, region.Size);
            // Keep one chunk mapped for the next compile; unmap the others once they are entirely free.
            if (chunk.IsEmpty && chunks.Count > 1)
            {
                chunks.Remove(chunk);
                return pages.Unmap(chunk.Mapping);
            }
            return true;
        }
    }

    /// <summary>First fit: the lowest free run that is large enough, shortened from its start.</summary>
    static CodeRegion? TryTake(Chunk chunk, nuint size)
    {
        for (int i = 0; i < chunk.Free.Count; i++)
        {
            var (start, length) = chunk.Free[i];
            if (length < size) continue;
            if (length == size) chunk.Free.RemoveAt(i);
            else chunk.Free[i] = (start + (nint)size, length - size);
            return new CodeRegion(start, chunk.Mapping.WritableAddressOf(start), size);
        }
        return null;
    }

    /// <summary>Puts a run back in address order, merging it with the free runs right before and after it.</summary>
    static void Insert(List<(nint Start, nuint Size)> free, nint start, nuint size)
    {
        int index = 0;
        while (index < free.Count && free[index].Start < start) index++;
        if (index < free.Count && start + (nint)size == free[index].Start)
        {
            size += free[index].Size;
            free.RemoveAt(index);
        }
        if (index > 0 && free[index - 1].Start + (nint)free[index - 1].Size == start)
        {
            free[index - 1] = (free[index - 1].Start, free[index - 1].Size + size);
            return;
        }
        free.Insert(index, (start, size));
    }
}

/// <summary>A run of code memory rented from a <see cref="CodeArena"/>: where its code runs, where it is written, and
/// how many bytes it holds (its length rounded up to the arena's unit).</summary>
internal readonly record struct CodeRegion(nint Executable, nint Writable, nuint Size);
