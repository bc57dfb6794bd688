using MiniJit.Ir;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests.Backend;

public class AllocatorTests
{
    static long Low(long a, long b)
    {
        long x = a * 3, y = b * 5, z = a ^ b;
        return x + y - z;
    }

    /// <summary>Twenty values live at once, more than the 13 allocatable registers.</summary>
    static long High(long a)
    {
        long x1 = a * 3, x2 = a * 5, x3 = a * 7, x4 = a * 11, x5 = a * 13, x6 = a * 17, x7 = a * 19, x8 = a * 23;
        long x9 = a * 29, x10 = a * 31, x11 = a * 37, x12 = a * 41, x13 = a * 43, x14 = a * 47, x15 = a * 53;
        long x16 = a * 59, x17 = a * 61, x18 = a * 67, x19 = a * 71, x20 = a * 73;
        return x1 ^ (x2 - (x3 ^ (x4 - (x5 ^ (x6 - (x7 ^ (x8 - (x9 ^ (x10 - (x11 ^ (x12 - (x13 ^ (x14 - (x15 ^ (x16 - (x17 ^ (x18 - (x19 ^ x20))))))))))))))))));
    }

    static long AcrossCalls(long a)
    {
        long x = a * 3, y = a * 5, z = a * 7;
        long r = Leaf(a) + Leaf(x);
        return x + y + z + r;
    }

    static long Leaf(long a) => a + 1;

    static long Loops(long n)
    {
        long total = 0;
        for (long i = 0; i < n; i++)
            for (long j = i; j < n; j += 3)
                total += i * j % 7 - (j << (int)(i & 7)) / (i + 1);
        return total;
    }

    [Theory]
    [InlineData(nameof(Low))]
    [InlineData(nameof(High))]
    [InlineData(nameof(AcrossCalls))]
    [InlineData(nameof(Loops))]
    public void No_two_live_values_share_a_register_and_none_lives_across_its_register_s_clobber(string name)
    {
        var (_, live, allocation) = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocatorTests), name)));
        Assert.Empty(BackendPipeline.Violations(live, allocation));
    }

    [Fact]
    public void Spills_appear_only_under_pressure()
    {
        var low = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocatorTests), nameof(Low))));
        Assert.Equal(0, low.Allocation.SpillSlots);

        var high = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocatorTests), nameof(High))));
        Assert.InRange(high.Allocation.SpillSlots, 1, 10);

        // And the spilled code still computes what the CLR computes.
        var compiled = Jit.Compile<Func<long, long>>(High);
        foreach (var a in new[] { 0L, 1, -1, 12345, long.MaxValue, long.MinValue, 0x0123456789ABCDEF })
            Assert.Equal(High(a), compiled(a));
    }

    [Fact]
    public void Values_live_across_a_call_get_callee_saved_registers_and_the_prologue_saves_them()
    {
        var (_, live, allocation) = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocatorTests), nameof(AcrossCalls))));
        Assert.NotEmpty(allocation.CalleeSavedUsed);
        Assert.All(allocation.CalleeSavedUsed, r => Assert.True(BackendPipeline.Convention.IsCalleeSaved(r)));
        Assert.Equal(0, allocation.SpillSlots);
        Assert.Empty(BackendPipeline.Violations(live, allocation));
    }

    [Fact]
    public void Parameters_stay_in_the_registers_they_arrive_in()
    {
        var function = IrParser.Parse("""
            function T.Add(i64, i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = param 1
              v2:i64 = add v0, v1
              return v2
            }
            """);
        var (_, _, allocation) = BackendPipeline.Allocate(function);
        Assert.Equal("rsi", allocation.Locations[0].ToString());   // rdi carries the frame pointer
        Assert.Equal("rdx", allocation.Locations[1].ToString());
        Assert.Equal("rax", allocation.Locations[2].ToString());   // returned: hinted to rax
    }

    [Fact]
    public void Without_optimization_every_value_lives_in_a_stack_slot()
    {
        var function = BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocatorTests), nameof(Low)));
        var lowered = Lowering.X64Lowering.Lower(function);
        var live = Liveness.Analyze(lowered, BackendPipeline.Convention);
        var allocation = LinearScanAllocator.SpillEverything(lowered, live, BackendPipeline.Convention);
        Assert.DoesNotContain(allocation.Locations, l => l.Kind == LocationKind.Register);
        Assert.True(allocation.SpillSlots > 0);
    }
}
