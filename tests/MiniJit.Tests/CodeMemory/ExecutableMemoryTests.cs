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
    public void Length_is_the_code_length_and_the_address_is_page_aligned()
    {
        using var memory = ExecutableMemory.Create(Increment);
        Assert.Equal(Increment.Length, memory.Length);
        Assert.Equal(0, memory.Address % Environment.SystemPageSize);
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
    public void Writable_phase_is_read_write_only()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var memory = ExecutableMemory.Allocate(16);
        Assert.Equal("rw-", Mapping(memory.Address)?.Permissions[..3]);
    }

    [Fact]
    public void Dispose_returns_the_pages_to_the_arena_as_read_write()
    {
        if (!OperatingSystem.IsLinux()) return;
        var memory = ExecutableMemory.Create(Increment);
        var address = memory.Address;
        Assert.Equal("r-xp", Mapping(address)?.Permissions);
        memory.Dispose();
        // The pages stay mapped for the next unit, but they are no longer executable.
        Assert.NotEqual("r-xp", Mapping(address)?.Permissions);
    }

    internal record struct MapsLine(nint Start, nint End, string Permissions);

    static IEnumerable<MapsLine> Mappings()
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var fields = line.Split(' ', 3);
            var range = fields[0].Split('-');
            yield return new MapsLine(
                (nint)long.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                (nint)long.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields[1]);
        }
    }

    internal static MapsLine? Mapping(nint address)
    {
        foreach (var mapping in Mappings())
            if (mapping.Start <= address && address < mapping.End) return mapping;
        return null;
    }
}
