using MiniJit;

// Eight threads call compiled delegates while the main thread disposes them and compiles new units, which the arena
// places in freed pages as soon as it has any. Every call must return its own function's result or throw
// ObjectDisposedException: a call that ran freed or reused pages would crash the process or return the other
// function's result. Prints "ok <calls> <disposed>" and exits 0, or prints the first wrong result and exits 1.
int rounds = args.Length > 0 ? int.Parse(args[0]) : 2000;
const int Callers = 8;

// Two functions whose results never agree, so running one in place of the other shows.
Func<long, long>[] sources = [x => x + 1, x => x * 3];
Unit CompileUnit(int round) => new(Jit.Compile(sources[round % 2]), sources[round % 2]);

var current = CompileUnit(0);
long correct = 0, disposed = 0;
string? failure = null;
var stop = false;

var callers = Enumerable.Range(0, Callers).Select(id => new Thread(() =>
{
    var previous = Volatile.Read(ref current);
    long x = id;
    while (!Volatile.Read(ref stop))
    {
        var latest = Volatile.Read(ref current);
        Check(latest, ++x);
        // The previous unit is usually disposed by now: calling it is the use-after-free the test is about.
        Check(previous, ++x);
        previous = latest;
    }
})).ToList();
callers.ForEach(t => t.Start());

void Check(Unit unit, long x)
{
    try
    {
        var result = unit.Native(x);
        if (result != unit.Managed(x)) failure ??= $"returned {result} for {x}, expected {unit.Managed(x)}";
        Interlocked.Increment(ref correct);
    }
    catch (ObjectDisposedException)
    {
        Interlocked.Increment(ref disposed);
    }
}

var random = new Random(8);
for (var round = 1; round <= rounds && failure is null; round++)
{
    Thread.SpinWait(random.Next(500));
    var old = current;
    Jit.CodeOf(old.Native).Dispose();
    Volatile.Write(ref current, CompileUnit(round));
    // Let the collector reclaim disposed units now and then, so that new units land in pages old delegates pointed at.
    if (round % 100 == 0) GC.Collect();
}
Volatile.Write(ref stop, true);
callers.ForEach(t => t.Join());

if (failure is not null)
{
    Console.WriteLine(failure);
    return 1;
}
Console.WriteLine($"ok {correct} {disposed}");
return 0;

sealed record Unit(Func<long, long> Native, Func<long, long> Managed);
