using MiniJit.Assembler;
using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.RegisterAllocation;

/// <summary>
/// What <see cref="Liveness"/> found, as text: the positions each block of the layout spans, each live value's type and
/// ranges, and the registers each clobbering instruction destroys. Plain data printing, for the liveness filetests;
/// <see cref="JitCompiler.Describe"/> prints the same intervals with the locations the allocator chose.
/// </summary>
static class LivenessPrinter
{
    /// <summary>For example:
    /// <code>
    /// block b0 [0, 3]
    /// block b1 [4, 9]
    /// v0:i64  [0, 9]
    /// v3:i64  [5, 8]
    /// clobber 7: rax rdx
    /// </code>
    /// </summary>
    public static string Print(LoweredFunction lowered, LiveIntervals live)
    {
        var lines = new List<string>();
        int position = 0;
        foreach (var block in lowered.Layout)
        {
            lines.Add($"block {block.Name} [{2 * position}, {2 * (position + block.Instrs.Count - 1) + 1}]");
            position += block.Instrs.Count;
        }
        var function = lowered.Function;
        lines.AddRange(Enumerable.Range(0, function.ValueCount).Where(live.IsLive).Select(v => Interval(function, live, v)));
        lines.AddRange(live.Clobbers.Select(c => $"clobber {c.Position}: {Registers(c.Registers)}"));
        return string.Join("\n", lines);
    }

    /// <summary>One live value: its number, its type and its ranges ("v2:i64  [6, 14] [22, 22]").</summary>
    public static string Interval(Function function, LiveIntervals live, int value) =>
        $"v{value}:{function.ValueTypes[value].Name(),-4} {string.Join(" ", live.Ranges[value]!.Select(r => $"[{r.From}, {r.To}]"))}";

    /// <summary>A register set (see <see cref="X64Registers.Mask"/>) by name: general-purpose registers one by one,
    /// xmm registers as runs ("rax rdx", "rax rcx rdx rsi rdi r8 r9 r10 r11 xmm0-xmm15").</summary>
    public static string Registers(uint mask)
    {
        var names = new List<string>();
        for (int n = 0; n < 16; n++)
            if ((mask & (1u << n)) != 0) names.Add(Register.Gpr(n).ToString());
        for (int n = 0; n < 16; n++)
        {
            if ((mask & (1u << (16 + n))) == 0) continue;
            int last = n;
            while (last < 15 && (mask & (1u << (16 + last + 1))) != 0) last++;
            names.Add(last == n ? $"xmm{n}" : $"xmm{n}-xmm{last}");
            n = last;
        }
        return string.Join(" ", names);
    }
}
