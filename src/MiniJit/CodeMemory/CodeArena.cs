namespace MiniJit.CodeMemory;

/// <summary>
/// Hands out runs of pages from large chunks mapped in advance, so that loading a compiled unit costs one
/// <c>mprotect</c> instead of an <c>mmap</c>, first-touch page faults and an <c>munmap</c> later.
/// </summary>
/// <remarks>
/// W^X still holds page by page: free pages are read+write, a rented run is filled while read+write and then turned
/// read+execute by its owner, and a returned run is turned back to read+write before anyone can rent it again. The
/// kernel keeps pages of different protection in separate mappings, so no mapping is ever writable and executable.
/// A unit therefore always starts on a fresh page: a page that holds running code is never written.
/// </remarks>
internal sealed class CodeArena(PageAllocator pages, nuint chunkSize)
{
    public static readonly CodeArena Shared = new(PageAllocator.Current, 1 << 20);

    /// <summary>A chunk and its free runs of pages, kept sorted by address and never adjacent (they are merged).</summary>
    sealed class Chunk(nint start, nuint size)
    {
        public readonly nint Start = start;
        public readonly nuint Size = size;
        public readonly List<(nint Start, nuint Size)> Free = [(start, size)];
        public bool Contains(nint address) => address >= Start && address < Start + (nint)Size;
        public bool IsEmpty => Free.Count == 1 && Free[0].Size == Size;
    }

    readonly Lock gate = new();
    readonly List<Chunk> chunks = [];

    /// <summary>A read+write run of <paramref name="size"/> bytes (a multiple of the page size).</summary>
    public nint Rent(nuint size)
    {
        lock (gate)
        {
            foreach (var chunk in chunks)
                if (TryTake(chunk, size) is nint address) return address;
            var fresh = new Chunk(pages.AllocateWritable(Math.Max(size, chunkSize)), Math.Max(size, chunkSize));
            chunks.Add(fresh);
            return TryTake(fresh, size)!.Value;
        }
    }

    /// <summary>Takes back a run from <see cref="Rent"/>. It may come from a finalizer, so it reports failure
    /// instead of throwing: false when the operating system refused to make the pages writable again (they are
    /// then kept out of circulation rather than reused).</summary>
    public bool Return(nint address, nuint size)
    {
        if (!pages.MakeWritable(address, size)) return false;
        lock (gate)
        {
            var chunk = chunks.First(c => c.Contains(address));
            Insert(chunk.Free, address, size);
            // Keep one chunk mapped for the next compile; unmap the others once they are entirely free.
            if (chunk.IsEmpty && chunks.Count > 1)
            {
                chunks.Remove(chunk);
                return pages.Free(chunk.Start, chunk.Size);
            }
            return true;
        }
    }

    /// <summary>First fit: the lowest free run that is large enough, shortened from its start.</summary>
    static nint? TryTake(Chunk chunk, nuint size)
    {
        for (int i = 0; i < chunk.Free.Count; i++)
        {
            var (start, length) = chunk.Free[i];
            if (length < size) continue;
            if (length == size) chunk.Free.RemoveAt(i);
            else chunk.Free[i] = (start + (nint)size, length - size);
            return start;
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
