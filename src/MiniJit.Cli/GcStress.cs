using System.Diagnostics.CodeAnalysis;

namespace MiniJit.Cli;

/// <summary>
/// The test of the GC rule (see CilImporter.Memory): compiled loops over arrays, spans and by-refs run on several
/// threads while another thread allocates and forces compacting collections without pause, so that every object the
/// code is reading or writing would move if it were not pinned. Every result must equal the CLR's. The work is a
/// count of calls, never a time, and the run only counts as a test if collections really happened during it.
/// </summary>
public static class GcStress
{
    public sealed record Report(long Calls, int Collections, List<string> Mismatches)
    {
        public bool Passed => Mismatches.Count == 0 && Calls > 0 && Collections > 0;
        public override string ToString() =>
            $"{Calls:N0} calls on compiled code, {Collections:N0} collections during them, {Mismatches.Count} mismatches";
    }

    // The kernels. Each gets fresh arrays at every call (small enough for the small-object heap, which compacts).
    public static long Sum(int[] a) { long s = 0; for (int i = 0; i < a.Length; i++) s += a[i]; return s; }
    public static void Scale(double[] a, double k) { for (int i = 0; i < a.Length; i++) a[i] *= k; }
    public static int SpanSum(int[] a, int start)
    {
        ReadOnlySpan<int> s = a.AsSpan(start);
        int sum = 0;
        foreach (int x in s) sum += x;
        return sum;
    }
    public static void Bump(ref long counter, int times) { for (int i = 0; i < times; i++) counter += i; }

    [RequiresUnreferencedCode("Compiles methods from their IL.")]
    [RequiresDynamicCode("Compiles methods from their IL.")]
    public static Report Run(int callsPerThread, int threads, TextWriter? log = null)
    {
        var sum = Jit.Compile<Func<int[], long>>(Sum);
        var scale = Jit.Compile<Action<double[], double>>(Scale);
        var spanSum = Jit.Compile<Func<int[], int, int>>(SpanSum);
        var bump = Jit.Compile<BumpCounter>(Bump);

        var mismatches = new List<string>();
        long calls = 0;
        int running = threads;
        int collectionsBefore = GC.CollectionCount(0);  // every collection counts in generation 0's count
        // Under the runtime's GC stress mode every allocation already collects (the workers allocate their arrays
        // while other workers run compiled code), so a collector thread would only starve them.
        bool runtimeStress = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOTNET_GCStress"));
        var collector = new Thread(() =>
        {
            var garbage = new List<object>();
            while (Volatile.Read(ref running) > 0)
            {
                for (int i = 0; i < 200; i++) garbage.Add(new byte[Random.Shared.Next(16, 4000)]);
                if (garbage.Count > 5_000) garbage.RemoveRange(0, 2_500);  // keep some alive: the survivors move
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                // Back-to-back full collections would starve the callers (and, inside a test run, every other test).
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "collector" };
        if (!runtimeStress) collector.Start();

        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var random = new Random(t);
            try
            {
                for (int call = 0; call < callsPerThread; call++)
                {
                    var ints = new int[random.Next(1, 15_000)];
                    for (int i = 0; i < ints.Length; i++) ints[i] = random.Next(-1000, 1000);
                    var doubles = new double[random.Next(1, 8_000)];
                    for (int i = 0; i < doubles.Length; i++) doubles[i] = random.NextDouble();
                    var expectedDoubles = (double[])doubles.Clone();
                    Scale(expectedDoubles, 1.5);
                    int start = random.Next(0, ints.Length);
                    var box = new long[] { random.Next() };
                    long expectedBox = box[0];
                    Bump(ref expectedBox, 1000);

                    long gotSum = sum(ints);
                    scale(doubles, 1.5);
                    int gotSpan = spanSum(ints, start);
                    bump(ref box[0], 1000);

                    string? problem = gotSum != Sum(ints) ? $"Sum: {gotSum} != {Sum(ints)}"
                        : !doubles.AsSpan().SequenceEqual(expectedDoubles) ? "Scale: the arrays differ"
                        : gotSpan != SpanSum(ints, start) ? $"SpanSum: {gotSpan} != {SpanSum(ints, start)}"
                        : box[0] != expectedBox ? $"Bump: {box[0]} != {expectedBox}"
                        : null;
                    if (problem is not null) lock (mismatches) mismatches.Add($"thread {t}, call {call}: {problem}");
                    Interlocked.Add(ref calls, 4);
                }
            }
            catch (Exception e)
            {
                lock (mismatches) mismatches.Add($"thread {t}: {e.GetType().Name}: {e.Message}");
            }
            finally
            {
                Interlocked.Decrement(ref running);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        if (!runtimeStress) collector.Join();
        var report = new Report(calls, GC.CollectionCount(0) - collectionsBefore, mismatches);
        log?.WriteLine(report);
        return report;
    }

    public delegate void BumpCounter(ref long counter, int times);
}
