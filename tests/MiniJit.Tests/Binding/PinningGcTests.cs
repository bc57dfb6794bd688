using System.Runtime.CompilerServices;

namespace MiniJit.Tests.Binding;

/// <summary>The pinning rule under load: compiled code reads arrays that a compacting collector would move.</summary>
[Collection(MiniJit.Tests.MemoryAccess.GcStressCollection.Name)]
public class PinningGcTests
{
    /// <summary>
    /// Two threads call a compiled loop that sums an int[] many times over (passed as the array, as a span over most of it,
    /// or as a byref to its second element and a count), while a third runs blocking, compacting gen2 collections and
    /// allocates right after each, reusing what the collection freed. Compiled code runs with the normal GC transition, so
    /// collections go ahead while it runs: an array the thunk did not pin would move under the loop, which would go on
    /// reading its old place, soon overwritten (a wrong sum, or a crash). Every sum must be right, no array may move
    /// while a call reads it, and the test counts that collections did run during calls.
    /// </summary>
    /// <remarks>Without the pinned locals of the emitted Invoke, this test fails within a few hundred calls.</remarks>
    [Theory]
    [InlineData("array")]
    [InlineData("span")]
    [InlineData("byref")]
    public void Arrays_spans_and_byrefs_stay_pinned_while_compacting_collections_run(string passedAs)
    {
        var sumArray = PinningThunkTests.Compile<PinningThunkTests.SumRounds>(PinningThunkTests.ArraySum);
        var sumSpan = PinningThunkTests.Compile<PinningThunkTests.SumSpanRounds>(PinningThunkTests.ElementSum);
        var sumByRef = PinningThunkTests.Compile<PinningThunkTests.SumRefRounds>(PinningThunkTests.ElementSum);
        // The span and the byref start at element 1 and leave out the last: addresses inside the object.
        Func<int[], int, int> sum = passedAs switch
        {
            "array" => (a, rounds) => sumArray(a, rounds),
            "span" => (a, rounds) => sumSpan(a.AsSpan(1, a.Length - 2), rounds),
            _ => (a, rounds) => sumByRef(ref a[1], a.Length - 2, rounds),
        };
        // 80,000 bytes: below the 85,000 of the large object heap, which is not compacted by default, so a compacting
        // collection really can move the array.
        const int Elements = 20_000;
        // Each call reads its array this many times (about a millisecond), so collections overlap calls often.
        const int Rounds = 50;
        // Bounded by work, never by time: at least MinCalls calls and MinOverlaps of them with a collection running;
        // at most MaxCalls calls, however loaded the machine.
        const int MinCalls = 200, MinOverlaps = 20, MaxCalls = 5_000;
        long calls = 0, overlaps = 0, moved = 0;
        int collections = 0;
        var stop = false;
        string? failure = null;

        var collector = new Thread(() =>
        {
            var survivors = new List<byte[]>();
            var random = new Random(1);
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                Interlocked.Increment(ref collections);
                // Right away, while calls that overlapped the collection may still run: 4 MB of new objects (a region's
                // worth, zeroed as they are handed out) in the memory the collection freed, a few of them kept so that
                // the next compaction has holes to close.
                for (var i = 0; i < 128; i++)
                {
                    var bytes = new byte[32 * 1024];
                    if (i % 16 == 0) survivors.Add(bytes);
                }
                if (survivors.Count > 256) survivors.RemoveRange(0, 128);
                // Back-to-back collections can starve the callers on a loaded 2-core machine.
                Thread.Sleep(1);
            }
        });
        var callers = Enumerable.Range(0, 2).Select(id => new Thread(() =>
        {
            try
            {
                var random = new Random(100 + id);
                var survivors = new List<byte[]>();
                int[] array = [];
                var expected = 0;
                for (var i = 0; !Volatile.Read(ref stop); i++)
                {
                    if (i % 4 == 0)
                    {
                        // A new array every few calls, between garbage and a survivor: a compaction slides it down over
                        // the garbage, and the survivor after it slides into the array's old place.
                        GC.KeepAlive(new byte[random.Next(100, 5000)]);
                        array = new int[Elements];
                        survivors.Add(new byte[random.Next(100, 5000)]);
                        if (survivors.Count > 64) survivors.RemoveRange(0, 32);
                        for (var k = 0; k < array.Length; k++) array[k] = random.Next(-1000, 1000);
                        var once = PinningThunkTests.ManagedSum(passedAs == "array" ? array : array[1..^1], 1);
                        expected = unchecked(once * Rounds);
                    }
                    var before = GC.CollectionCount(2);
                    var addressBefore = AddressOf(array);
                    var result = sum(array, Rounds);
                    var after = GC.CollectionCount(2);
                    if (AddressOf(array) != addressBefore) Interlocked.Increment(ref moved);
                    if (result != expected) failure ??= $"{passedAs}, call {i} on thread {id}: {result} instead of {expected}";
                    if (after != before) Interlocked.Increment(ref overlaps);
                    var made = Interlocked.Increment(ref calls);
                    if (made >= MaxCalls || made >= MinCalls && Interlocked.Read(ref overlaps) >= MinOverlaps) Volatile.Write(ref stop, true);
                }
            }
            catch (Exception e)
            {
                failure ??= e.ToString();
                Volatile.Write(ref stop, true);
            }
        })).ToList();
        collector.Start();
        callers.ForEach(t => t.Start());
        callers.ForEach(t => t.Join());
        collector.Join();
        Assert.Null(failure);
        var counts = $"{calls} calls, {overlaps} with a collection running, {moved} arrays moved, {collections} collections";
        Assert.True(overlaps >= MinOverlaps, counts);
        // A pinned array cannot move while the code runs, only in the few instructions between reading its address here
        // and the pin (and back), which a collection rarely hits. Unpinned, nearly every call a collection overlaps sees
        // its array move (and the old place is not always overwritten before the loop ends, so a wrong sum alone would
        // not catch every such call).
        Assert.True(moved * 4 <= overlaps, counts);
    }

    /// <summary>Where the array is now: only compared, to see whether a collection moved it.</summary>
    static nint AddressOf(int[] array) => Unsafe.As<int[], nint>(ref array);
}
