using MiniJit.Assembler;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests.Backend;

/// <summary>The allocation checker accepts what the allocator produces and rejects every allocation where two values
/// that are live at the same time share a register — so a liveness bug cannot slip past it.</summary>
public class AllocationCheckerTests
{
    static int FibonacciLoop(int n)
    {
        int a = 0, b = 1;
        for (int k = 0; k < n; k++) { int t = a + b; a = b; b = t; }
        return a;
    }

    static long Rotate(long x, long y, long z, int n)
    {
        do { (x, y, z) = (y, z + x, x ^ y); n--; } while (n > 0);
        return x - 2 * y + 3 * z;
    }

    static long Calls(long a)
    {
        long x = a * 3, y = a * 5;
        long r = Leaf(a) + Leaf(x);
        return x + y + r;
    }

    static long Leaf(long a) => a + 1;

    static long Nested(long n)
    {
        long total = 0, carry = 1;
        for (long i = 0; i < n; i++)
            for (long j = i; j < n; j += 3)
            {
                (total, carry) = (carry, total + i * j % 7);
                carry -= (j << (int)(i & 7)) / (i + 1);
            }
        return total;
    }

    public static TheoryData<string> Methods() => [nameof(FibonacciLoop), nameof(Rotate), nameof(Calls), nameof(Nested)];

    [Theory]
    [MemberData(nameof(Methods))]
    public void Accepts_the_allocators_output(string name)
    {
        var (lowered, live, allocation) = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocationCheckerTests), name)));
        Assert.Empty(AllocationChecker.Verify(lowered, allocation, BackendPipeline.Convention));
        var everything = LinearScanAllocator.SpillEverything(lowered, live, BackendPipeline.Convention);
        Assert.Empty(AllocationChecker.Verify(lowered, everything, BackendPipeline.Convention));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Rejects_two_live_values_in_one_register(string name)
    {
        var (lowered, live, allocation) = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocationCheckerTests), name)));
        var inRegisters = Enumerable.Range(0, allocation.Locations.Length)
            .Where(v => allocation.Locations[v].Kind == LocationKind.Register && live.IsLive(v)).ToList();
        int tried = 0;
        foreach (var v in inRegisters)
            foreach (var w in inRegisters)
            {
                if (v == w || !live.Intersect(v, w) || allocation.Locations[v] == allocation.Locations[w]) continue;
                var wrong = (Location[])allocation.Locations.Clone();
                wrong[w] = wrong[v];
                var problems = AllocationChecker.Verify(lowered, new Allocation(wrong, allocation.SpillSlots, allocation.CalleeSavedUsed),
                    BackendPipeline.Convention);
                Assert.True(problems.Count > 0, $"v{w} moved into v{v}'s {wrong[v]} was not noticed");
                tried++;
            }
        Assert.True(tried > 0);
    }

    /// <summary>Liveness must be right for every block order, not only the one the layout happens to choose today
    /// (the Fibonacci bug showed once jump threading put a loop's body before its header): under random orders, with
    /// the entry first, every allocation still passes the checker.</summary>
    [Theory]
    [MemberData(nameof(Methods))]
    public void Liveness_and_allocation_hold_for_every_block_order(string name)
    {
        var method = BackendPipeline.Method(typeof(AllocationCheckerTests), name);
        var random = new Random(name.Length);
        for (int round = 0; round < 50; round++)
        {
            var lowered = Lowering.X64Lowering.Lower(BackendPipeline.Optimized(method));
            var rest = lowered.Layout.Skip(1).OrderBy(_ => random.Next()).ToList();
            lowered.Layout.RemoveRange(1, rest.Count);
            lowered.Layout.AddRange(rest);
            var live = Liveness.Analyze(lowered, BackendPipeline.Convention);
            var allocation = LinearScanAllocator.Allocate(lowered, live, BackendPipeline.Convention);
            Assert.Empty(AllocationChecker.Verify(lowered, allocation, BackendPipeline.Convention));
        }
    }

    [Fact]
    public void Rejects_a_value_kept_in_a_caller_saved_register_across_a_call()
    {
        var (lowered, _, allocation) = BackendPipeline.Allocate(BackendPipeline.Optimized(BackendPipeline.Method(typeof(AllocationCheckerTests), nameof(Calls))));
        var wrong = (Location[])allocation.Locations.Clone();
        int survivor = Array.FindIndex(wrong, l => l.Kind == LocationKind.Register && BackendPipeline.Convention.IsCalleeSaved(l.Register));
        wrong[survivor] = new Location(LocationKind.Register, Register.Rcx);
        var problems = AllocationChecker.Verify(lowered, new Allocation(wrong, allocation.SpillSlots, allocation.CalleeSavedUsed), BackendPipeline.Convention);
        Assert.Contains(problems, p => p.Contains($"reads v{survivor} from rcx, which holds a value not known on every path"));
    }
}
