using System.Globalization;
using MiniJit.CodeMemory;

namespace MiniJit.Tests.CodeMemory;

// Reads /proc/self/maps, so it runs alone: other tests mapping and unmapping code at the same time would race.
[CollectionDefinition(nameof(ProcessMemoryMap), DisableParallelization = true)]
public sealed class ProcessMemoryMap;

[Collection(nameof(ProcessMemoryMap))]
public unsafe class ExecutableMemoryTests
{
    // lea rax, [rdi+1]; ret — written by hand so these tests need nothing but the memory itself.
    static readonly byte[] Increment = [0x48, 0x8D, 0x47, 0x01, 0xC3];

    [Fact]
    public void Created_code_runs()
    {
        using var memory = ExecutableMemory.Create(Increment);
        var increment = (delegate* unmanaged<long, long>)memory.Address;
        Assert.Equal(42, increment(41));
        Assert.Equal(long.MinValue, increment(long.MaxValue));
    }

    [Fact]
    public void Length_is_the_code_length_and_the_address_is_cache_line_aligned()
    {
        using var memory = ExecutableMemory.Create(Increment);
        Assert.Equal(Increment.Length, memory.Length);
        Assert.Equal(0, memory.Address % CodeArena.ViewsAlignment);
        Assert.Equal(Increment, memory.Code.ToArray());
    }

    [Fact]
    public void Two_step_allocation_writes_then_executes()
    {
        using var memory = ExecutableMemory.Allocate(Increment.Length);
        Assert.False(memory.IsExecutable);
        Increment.CopyTo(memory.GetWritableSpan());
        memory.MakeExecutable();
        Assert.True(memory.IsExecutable);
        Assert.Equal(8, ((delegate* unmanaged<long, long>)memory.Address)(7));
    }

    [Fact]
    public void Executable_memory_cannot_be_written_or_sealed_twice()
    {
        using var memory = ExecutableMemory.Create(Increment);
        Assert.Throws<InvalidOperationException>(() => memory.GetWritableSpan());
        Assert.Throws<InvalidOperationException>(memory.MakeExecutable);
    }

    [Fact]
    public void Disposed_memory_has_no_address()
    {
        var memory = ExecutableMemory.Create(Increment);
        memory.Dispose();
        memory.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.Address);
    }

    [Fact]
    public void A_unit_larger_than_a_page_spans_several_pages()
    {
        var code = new byte[Environment.SystemPageSize + 1];
        Array.Fill(code, (byte)0x90); // nop sled ending in the increment
        Increment.CopyTo(code, code.Length - Increment.Length);
        using var memory = ExecutableMemory.Create(code);
        Assert.Equal(2, ((delegate* unmanaged<long, long>)memory.Address)(1));
    }

    [Fact]
    public void Pages_are_read_execute_and_nothing_is_writable_and_executable()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var memory = ExecutableMemory.Create(Increment);
        Assert.Equal("r-x", Mapping(memory.Address)?.Permissions[..3]);
        Assert.DoesNotContain(Mappings(), m => m.Permissions[1] == 'w' && m.Permissions[2] == 'x');
    }

    [Fact]
    public void The_writable_phase_writes_through_a_read_write_mapping()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var memory = ExecutableMemory.Allocate(16);
        fixed (byte* writable = memory.GetWritableSpan())
            Assert.Equal("rw-", Mapping((nint)writable)?.Permissions[..3]);
    }

    [Fact]
    public void Disposed_code_never_runs_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        var memory = ExecutableMemory.Create(Increment);
        var address = memory.Address;
        memory.Dispose();
        Assert.True(NeverRunsAgain(address, Increment.Length));
    }

    /// <summary>The code that was at <paramref name="address"/> can no longer run: its page is not executable (the
    /// arena flips protection), or its bytes are <c>int3</c> (with two views the page stays executable for its
    /// neighbours).</summary>
    internal static bool NeverRunsAgain(nint address, int length)
    {
        if (Mapping(address) is not { Permissions: [_, _, 'x', ..] }) return true;
        return new ReadOnlySpan<byte>((void*)address, length).IndexOfAnyExcept((byte)0xCC) < 0;
    }

    internal record struct MapsLine(nint Start, nint End, string Permissions, string Name);

    static IEnumerable<MapsLine> Mappings()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var range = fields[0].Split('-');
            yield return new MapsLine(
                (nint)long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                (nint)long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields[1], fields.Length > 5 ? fields[5] : "");
        }
    }

    internal static MapsLine? Mapping(nint address)
    {
        foreach (var mapping in Mappings())
            if (mapping.Start <= address && address < mapping.End) return mapping;
        return null;
    }
}
