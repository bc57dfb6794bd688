namespace MiniJit.Tiering;

/// <summary>
/// Tiered compilation's second half. A tiered unit starts on baseline code (see <see cref="JitOptions.Tiered"/>);
/// a timer looks at the call counts of the units it watches every <see cref="Period"/> milliseconds, and a unit
/// whose count has run out is compiled again with the optimizer, on the timer's thread, and swapped in through its
/// <see cref="TierCell"/>. The optimized unit lives as long as the baseline one (it is freed with its pages), so a
/// call that started on either finishes safely. The timer runs only while some unit is watched.
/// </summary>
internal static class TierUp
{
    const int Period = 20;

    /// <param name="Optimize">Compiles the same method with the optimizer (and without tiering).</param>
    sealed record Watched(WeakReference<CompiledCode> Code, nint Cell, Func<CompiledCode> Optimize, Action<string>? Log);

    static readonly List<Watched> watched = [];
    static Timer? timer;

    public static void Watch(CompiledCode code, nint cell, Func<CompiledCode> optimize, Action<string>? log)
    {
        lock (watched)
        {
            watched.Add(new Watched(new WeakReference<CompiledCode>(code), cell, optimize, log));
            timer ??= new Timer(_ => Tick(), null, Period, Period);
        }
    }

    static void Tick()
    {
        var ready = new List<(Watched, CompiledCode)>();
        lock (watched)
        {
            for (int i = watched.Count - 1; i >= 0; i--)
            {
                var w = watched[i];
                // A unit that is gone or disposed is forgotten; its cell went (or goes) with its pages.
                if (!w.Code.TryGetTarget(out var code) || code.WhileRunnable(() => TierCell.CallsLeft(w.Cell)) is not long left)
                    watched.RemoveAt(i);
                else if (left <= 0)
                {
                    ready.Add((w, code));
                    watched.RemoveAt(i);
                }
            }
            if (watched.Count == 0)
            {
                timer?.Dispose();
                timer = null;
            }
        }
        foreach (var (w, code) in ready) Promote(w, code);
    }

    static void Promote(Watched w, CompiledCode code)
    {
        CompiledCode optimized;
        try
        {
            optimized = w.Optimize();
        }
        catch (JitException e)
        {
            w.Log?.Invoke($"tiering: {code.Name} stays on the baseline tier: {e.Message}");
            return;
        }
        if (code.Promote(optimized, w.Cell)) w.Log?.Invoke($"tiering: {code.Name} now runs optimized code");
        else
        {
            optimized.Dispose();
            w.Log?.Invoke($"tiering: {code.Name} stays on the baseline tier (disposed, or the optimized code needs a different entry)");
        }
    }
}
