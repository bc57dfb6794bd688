using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MiniJit.Benchmarks;

/// <summary>
/// `-- report`: reads the brief JSON that BenchmarkDotNet exported into ./BenchmarkDotNet.Artifacts/results and rewrites
/// the results section of bench/README.md (between the marker comments) and bench/results/code-speed.svg. Every
/// figure is a median; ratios are computed here, against RyuJIT tier 1, because the MinOpts job is a separate
/// process that BenchmarkDotNet's own Ratio column never compares with tier 1 (the expression-tree section's are
/// against MiniJit, and it states the expression-tree targets' status from them). The code-speed table and chart take
/// the kernels of every class in <see cref="KernelClasses"/>; a case that failed (its setup threw because MiniJit
/// cannot compile that kernel yet) is exported without statistics and shows as –.
/// </summary>
static class Report
{
    const string Begin = "<!-- results:begin (written by `-- report`; edits here are overwritten) -->";
    const string End = "<!-- results:end -->";

    /// <summary>One benchmark case: the class, the part of the method name before '_' (kernel, size or group), the
    /// part after it (the way of running), the job, the median time and the allocation per operation.</summary>
    sealed record Result(string Type, string Group, string Way, string Job, double MedianNs, double? AllocatedBytes);

    static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void Write()
    {
        var directory = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        var files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*-report-brief.json") : [];
        if (files.Length == 0)
            throw new InvalidOperationException($"no *-report-brief.json in {directory}: run the benchmarks from this directory first");

        var results = new List<Result>();
        string? host = null;
        foreach (var file in files.Order())
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            host ??= HostLine(json.RootElement.GetProperty("HostEnvironmentInfo"));
            results.AddRange(json.RootElement.GetProperty("Benchmarks").EnumerateArray().Select(Parse).OfType<Result>());
        }

        // Stable: within a class, kernels keep the order of the export.
        var kernels = results.Where(r => KernelClasses.Any(c => c.Type == r.Type))
            .OrderBy(r => Array.FindIndex(KernelClasses, c => c.Type == r.Type)).ToList();
        var text = new StringBuilder();
        text.AppendLine(Begin);
        text.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} on {host}: a shared 2-core VM on which other builds were running, so figures move by ±20% between runs. Medians; ratios against RyuJIT tier 1 (lower is faster).");
        text.AppendLine();
        WriteCodeSpeed(text, kernels);
        WriteCompileLatency(text, results.Where(r => r.Type == nameof(CompileBenchmarks)).ToList());
        WriteCallOverhead(text, results.Where(r => r.Type == nameof(CallBenchmarks)).ToList());
        WriteExpressionTrees(text, results.Where(r => r.Type == nameof(ExpressionBenchmarks)).ToList());
        text.Append(End);

        var readme = Path.Combine(RepositoryPaths.Bench, "README.md");
        var current = File.ReadAllText(readme);
        int begin = current.IndexOf(Begin, StringComparison.Ordinal), end = current.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
            throw new InvalidOperationException($"{readme} has lost its results markers; put back {Begin} … {End}");
        File.WriteAllText(readme, current[..begin] + text + current[(end + End.Length)..]);

        var chart = Path.Combine(RepositoryPaths.Bench, "results", "code-speed.svg");
        Directory.CreateDirectory(Path.GetDirectoryName(chart)!);
        File.WriteAllText(chart, CodeSpeedChart(kernels));
        Console.WriteLine($"wrote {readme} and {chart} from {files.Length} result files");
    }

    /// <summary>Null for a case that has no measurements: it failed (BenchmarkDotNet exports "Statistics": null).</summary>
    static Result? Parse(JsonElement benchmark)
    {
        if (!benchmark.TryGetProperty("Statistics", out var statistics) || statistics.ValueKind != JsonValueKind.Object)
            return null;
        var method = benchmark.GetProperty("Method").GetString()!;
        var split = method.IndexOf('_');
        // DisplayInfo reads "Type.Method: JobId(settings…)".
        var display = benchmark.GetProperty("DisplayInfo").GetString()!;
        var jobStart = display.IndexOf(": ", StringComparison.Ordinal) + 2;
        var job = display[jobStart..display.IndexOf('(', jobStart)];
        double? allocated = benchmark.TryGetProperty("Memory", out var memory)
            ? memory.GetProperty("BytesAllocatedPerOperation").GetDouble()
            : null;
        return new Result(benchmark.GetProperty("Type").GetString()!, method[..split], method[(split + 1)..], job,
            statistics.GetProperty("Median").GetDouble(), allocated);
    }

    static string HostLine(JsonElement host) =>
        $"{host.GetProperty("ProcessorName").GetString()}, {host.GetProperty("LogicalCoreCount").GetInt32()} logical cores, " +
        $"{host.GetProperty("OsVersion").GetString()}, {host.GetProperty("RuntimeVersion").GetString()}, BenchmarkDotNet {host.GetProperty("BenchmarkDotNetVersion").GetString()}";

    /// <summary>The code-speed columns: how each is found among the results, and its heading.</summary>
    static readonly (string Way, string Job, string Title)[] CodeSpeedColumns =
    [
        ("Managed", KernelConfig.MinOptsJobId, "RyuJIT MinOpts (≈ tier 0)"),
        ("MiniJitDelegate", SuiteConfig.Tier1JobId, "MiniJit delegate"),
        ("MiniJitPointer", SuiteConfig.Tier1JobId, "MiniJit pointer"),
        ("MiniJitUnoptimized", SuiteConfig.Tier1JobId, "MiniJit `Optimize = false`"),
    ];

    /// <summary>The benchmark classes whose kernels the code-speed table and chart show, in this order, and the
    /// name of each one's own geometric-mean row.</summary>
    static readonly (string Type, string Title)[] KernelClasses =
        [(nameof(KernelBenchmarks), "integer kernels"), (nameof(FloatKernelBenchmarks), "floating-point kernels"),
         (nameof(MemoryKernelBenchmarks), "memory kernels"), (nameof(StructKernelBenchmarks), "struct kernels")];

    /// <summary>Kernels of the suite still missing from the table; one with a name is left out once it has a row.</summary>
    static readonly (string? Kernel, string Description)[] NotYetSupported =
    [
        ("Sieve", "Sieve of Eratosthenes (arrays)"), ("MatMul", "integer matrix multiply (arrays)"),
        ("Dot", "dot product of doubles (arrays, doubles)"), ("Mandelbrot", "Mandelbrot iteration count (doubles)"),
    ];

    /// <summary>Per kernel, its class and each column's median over tier 1's; null where that case has no result.</summary>
    static List<(string Kernel, string Type, double Tier1Ns, double?[] Ratios)> CodeSpeedRatios(List<Result> kernels)
    {
        double? Median(string kernel, string way, string job) =>
            kernels.FirstOrDefault(r => r.Group == kernel && r.Way == way && r.Job == job)?.MedianNs;
        return kernels.Select(r => (r.Group, r.Type)).Distinct()
            .Select(k => (k.Group, k.Type, Tier1: Median(k.Group, "Managed", SuiteConfig.Tier1JobId)))
            .Where(k => k.Tier1 is not null)
            .Select(k => (k.Group, k.Type, k.Tier1!.Value, CodeSpeedColumns.Select(c => Median(k.Group, c.Way, c.Job) / k.Tier1).ToArray()))
            .ToList();
    }

    static void WriteCodeSpeed(StringBuilder text, List<Result> kernels)
    {
        var rows = CodeSpeedRatios(kernels);
        text.AppendLine("### Code speed (time ÷ RyuJIT tier 1)");
        text.AppendLine();
        text.AppendLine("![code speed per kernel](results/code-speed.svg)");
        text.AppendLine();
        text.AppendLine($"| kernel | RyuJIT tier 1 | {string.Join(" | ", CodeSpeedColumns.Select(c => c.Title))} | tier 1 time |");
        text.AppendLine($"|---|---:|{string.Concat(CodeSpeedColumns.Select(_ => "---:|"))}---:|");
        foreach (var (kernel, _, tier1, ratios) in rows)
            text.AppendLine($"| {kernel} | 1.00 | {string.Join(" | ", ratios.Select(Ratio))} | {Time(tier1)} |");

        // Each column's geometric mean over the kernels that have it, saying so when that is not all of them; and
        // once kernels of more than one class are in, each class's own, so the integer figure stays comparable.
        string GeometricMeans(List<double?[]> ratios, bool bold) => string.Join(" | ", Enumerable.Range(0, CodeSpeedColumns.Length).Select(c =>
        {
            var values = ratios.Select(r => r[c]).OfType<double>().ToList();
            if (values.Count == 0) return "–";
            var mean = Ratio(Math.Exp(values.Average(Math.Log)));
            return (bold ? $"**{mean}**" : mean) + (values.Count < ratios.Count ? $" ({values.Count} of {ratios.Count})" : "");
        }));
        text.AppendLine($"| **geomean** | 1.00 | {GeometricMeans(rows.Select(r => r.Ratios).ToList(), bold: true)} | |");
        var classes = KernelClasses.Where(c => rows.Any(r => r.Type == c.Type)).ToList();
        if (classes.Count > 1)
            foreach (var (type, title) in classes)
                text.AppendLine($"| geomean, {title} | 1.00 | {GeometricMeans(rows.Where(r => r.Type == type).Select(r => r.Ratios).ToList(), bold: false)} | |");

        foreach (var (kernel, description) in NotYetSupported)
            if (kernel is null || rows.All(r => r.Kernel != kernel))
                text.AppendLine($"| {description} | | not yet supported | | | | |");
        text.AppendLine();
        if (rows.Any(r => r.Ratios.Any(ratio => ratio is null)))
        {
            text.AppendLine("– : no result for that case: it was not run, or its setup failed (MiniJit cannot compile that kernel yet; the run's log says why).");
            text.AppendLine();
        }
    }

    static void WriteCompileLatency(StringBuilder text, List<Result> compile)
    {
        (string Way, string Title)[] columns =
        [
            ("MiniJit", "MiniJit"), ("MiniJitUnoptimized", "MiniJit `Optimize = false`"), ("ExpressionCompile", "`Expression.Compile()`"),
            ("ExpressionInterpret", "`Compile(preferInterpretation: true)`"), ("DynamicMethod", "DynamicMethod (ILGenerator + RyuJIT)"),
        ];
        var sizes = GeneratedProgram.All.Select(p => p.Name).Where(size => compile.Any(r => r.Group == size)).ToList();
        Result? Find(string size, string way) => compile.FirstOrDefault(r => r.Group == size && r.Way == way);

        text.AppendLine("### Compile latency (compile + first call; median time / bytes allocated per compile)");
        text.AppendLine();
        text.AppendLine($"| method | IL instructions | {string.Join(" | ", columns.Select(c => c.Title))} |");
        text.AppendLine($"|---|---:|{string.Concat(columns.Select(_ => "---:|"))}");
        foreach (var size in sizes)
        {
            var cells = columns.Select(c => Find(size, c.Way) is { } r ? $"{Time(r.MedianNs)} / {Bytes(r.AllocatedBytes)}" : "–");
            text.AppendLine($"| {size} | {CompileBenchmarks.IlInstructions(size)} | {string.Join(" | ", cells)} |");
        }
        text.AppendLine();

        (string Way, string Title)[] throughput = [("MiniJit", "MiniJit"), ("MiniJitUnoptimized", "MiniJit `Optimize = false`"), ("DynamicMethod", "DynamicMethod")];
        text.AppendLine("IL instructions compiled per second, and how time grows from 1k to 10k instructions (linear ≈ 10×):");
        text.AppendLine();
        text.AppendLine($"| method | {string.Join(" | ", throughput.Select(t => t.Title))} |");
        text.AppendLine($"|---|{string.Concat(throughput.Select(_ => "---:|"))}");
        foreach (var size in sizes)
        {
            var cells = throughput.Select(t => Find(size, t.Way) is { } r ? $"{CompileBenchmarks.IlInstructions(size) / (r.MedianNs * 1e-9) / 1e6:F2} M/s" : "–");
            text.AppendLine($"| {size} | {string.Join(" | ", cells)} |");
        }
        var growth = throughput.Select(t => Find("Large10k", t.Way) is { } big && Find("Large1k", t.Way) is { } small ? $"{big.MedianNs / small.MedianNs:F1}×" : "–");
        text.AppendLine($"| time Large10k ÷ Large1k | {string.Join(" | ", growth)} |");
        text.AppendLine();
    }

    static void WriteCallOverhead(StringBuilder text, List<Result> calls)
    {
        var titles = new Dictionary<string, string>
        {
            ["ManagedDirect"] = "managed direct call (NoInlining)",
            ["ManagedFunc"] = "managed `Func<long, long, long>`",
            ["Managed"] = "managed (RyuJIT tier 1)",
            ["MiniJitDelegate"] = "MiniJit delegate",
            ["MiniJitPointer"] = "MiniJit raw pointer + JitFrame",
            ["MiniJitFunctionPointer"] = "MiniJit `Jit.CompilePointer` function pointer",
            ["ExpressionInterpret"] = "expression interpreter",
        };
        text.AppendLine("### Call overhead (ns per call of `(a, b) => a + b` on long) and the expression interpreter");
        text.AppendLine();
        foreach (var (group, baseline, heading) in new[]
                 {
                     ("Leaf", "ManagedFunc", "leaf call"),
                     ("LeafDouble", "ManagedFunc", "leaf call on double"),
                     ("Gcd", "Managed", "Gcd(F91, F90) kernel"),
                 })
        {
            titles["ManagedFunc"] = group == "LeafDouble" ? "managed `Func<double, double, double>`" : "managed `Func<long, long, long>`";
            var rows = calls.Where(r => r.Group == group).ToList();
            var reference = rows.FirstOrDefault(r => r.Way == baseline)?.MedianNs;
            var miniJit = rows.FirstOrDefault(r => r.Way == "MiniJitDelegate")?.MedianNs;
            text.AppendLine($"| {heading} | time | ÷ {titles[baseline]} | ÷ MiniJit delegate |");
            text.AppendLine("|---|---:|---:|---:|");
            foreach (var r in rows)
                text.AppendLine($"| {titles.GetValueOrDefault(r.Way, r.Way)} | {Time(r.MedianNs)} | {Ratio(r.MedianNs / reference)} | {Ratio(r.MedianNs / miniJit)} |");
            text.AppendLine();
        }
    }

    /// <summary>The ways <see cref="ExpressionBenchmarks"/> runs a tree, in table order, MiniJit (the baseline) first.</summary>
    static readonly (string Way, string Title)[] ExpressionWays =
    [
        ("MiniJit", "MiniJit"), ("ExpressionCompile", "`Expression.Compile()`"), ("CompileFast", "FastExpressionCompiler `CompileFast()`"),
        ("ExpressionInterpret", "`Compile(preferInterpretation: true)`"),
    ];

    /// <summary>The two tables of <see cref="ExpressionBenchmarks"/>, and where targets 5 and 6 stand by these numbers.</summary>
    static void WriteExpressionTrees(StringBuilder text, List<Result> expressions)
    {
        if (expressions.Count == 0) return;
        Result? Find(string group, string way) => expressions.FirstOrDefault(r => r.Group == group && r.Way == way);
        string TimesMiniJit(string group, string way) => Ratio(Find(group, way)?.MedianNs / Find(group, "MiniJit")?.MedianNs);

        text.AppendLine("### Expression trees (MiniJit against `Expression.Compile()`, FastExpressionCompiler and the interpreter)");
        text.AppendLine();
        text.AppendLine("Compile + first call, median time and bytes allocated per compile; × MiniJit is the time ÷ MiniJit's (above 1: MiniJit is faster):");
        text.AppendLine();
        text.AppendLine("| tree | nodes | way | time | allocated | × MiniJit |");
        text.AppendLine("|---|---:|---|---:|---:|---:|");
        foreach (var tree in GeneratedProgram.ExpressionTrees.Select(p => p.Name).Where(size => expressions.Any(r => r.Group == size)))
            foreach (var (way, title) in ExpressionWays)
            {
                var cells = Find(tree, way) is { } r ? $"{Time(r.MedianNs)} | {Bytes(r.AllocatedBytes)}" : "– | –";
                text.AppendLine(way == "MiniJit"
                    ? $"| {tree} | {ExpressionBenchmarks.Nodes(tree)} | {title} | {cells} | {TimesMiniJit(tree, way)} |"
                    : $"| | | {title} | {cells} | {TimesMiniJit(tree, way)} |");
            }
        text.AppendLine();

        foreach (var group in ExpressionBenchmarks.FormulaGroups)
        {
            text.AppendLine($"Per call of the {ExpressionBenchmarks.Nodes(group)}-node formula `{ExpressionBenchmarks.FormulaSource(group)}` ({group}), 1 000 calls in a dependent chain:");
            text.AppendLine();
            text.AppendLine("| delegate from | time per call | allocated per call | × MiniJit | ÷ `Compile()` delegate |");
            text.AppendLine("|---|---:|---:|---:|---:|");
            foreach (var (way, title) in ExpressionWays)
                if (Find(group, way) is { } r)
                    text.AppendLine($"| {title} | {Time(r.MedianNs)} | {Bytes(r.AllocatedBytes)} | {TimesMiniJit(group, way)} | {Ratio(r.MedianNs / Find(group, "ExpressionCompile")?.MedianNs)} |");
            text.AppendLine();
        }

        // Each target as a ratio of two medians of this run, the way the target states it.
        double? Over(string group, string way, string reference) => Find(group, way)?.MedianNs / Find(group, reference)?.MedianNs;
        (string Target, string Measure, double? Value, bool AtMost, double Bound, string BoundText)[] targets =
        [
            ("compile + first call ≤ 1/8 of `Compile()`'s (Tree20)", "MiniJit ÷ `Compile()`", Over("Tree20", "MiniJit", "ExpressionCompile"), true, 1.0 / 8, "1/8"),
            ("compile + first call ≤ 1/2 of `CompileFast()`'s (Tree20)", "MiniJit ÷ `CompileFast()`", Over("Tree20", "MiniJit", "CompileFast"), true, 0.5, "1/2"),
            ("a call ≤ 1.2× the `Compile()` delegate's (Call)", "MiniJit ÷ `Compile()`", Over("Call", "MiniJit", "ExpressionCompile"), true, 1.2, "1.2"),
            ("a call ≤ 1.2× the `Compile()` delegate's (Arith)", "MiniJit ÷ `Compile()`", Over("Arith", "MiniJit", "ExpressionCompile"), true, 1.2, "1.2"),
            ("a call ≥ 20× faster than the interpreter (Call)", "interpreter ÷ MiniJit", Over("Call", "ExpressionInterpret", "MiniJit"), false, 20, "20"),
            ("a call ≥ 20× faster than the interpreter (Arith)", "interpreter ÷ MiniJit", Over("Arith", "ExpressionInterpret", "MiniJit"), false, 20, "20"),
        ];
        text.AppendLine("The expression-tree targets (5 and 6), by the medians above:");
        text.AppendLine();
        text.AppendLine("| target | measured | needed | status |");
        text.AppendLine("|---|---:|---:|---|");
        foreach (var (target, measure, value, atMost, bound, boundText) in targets)
        {
            var status = value is not { } v ? "not measured" : (atMost ? v <= bound : v >= bound) ? "**met**" : "not met";
            text.AppendLine($"| {target} | {measure} = {Ratio(value)} | {(atMost ? "≤" : "≥")} {boundText} | {status} |");
        }
        text.AppendLine();
    }

    /// <summary>Grouped bars, one group per kernel, one bar per non-baseline column; tier 1 is the line at 1.0.</summary>
    static string CodeSpeedChart(List<Result> kernels)
    {
        var rows = CodeSpeedRatios(kernels);
        var series = CodeSpeedColumns.Select((c, i) => (c.Title.Replace("`", ""), rows.Select(r => r.Ratios[i]).ToArray())).ToArray();
        return SvgBarChart.Render("Code speed: time ÷ RyuJIT tier 1 (lower is faster)", rows.Select(r => r.Kernel).ToArray(), series, referenceLine: 1.0);
    }

    static string Ratio(double? ratio) => ratio is { } r ? r.ToString("F2", Invariant) : "–";

    static string Time(double ns) => ns switch
    {
        < 1_000 => $"{ns.ToString("F1", Invariant)} ns",
        < 1_000_000 => $"{(ns / 1e3).ToString("F1", Invariant)} µs",
        _ => $"{(ns / 1e6).ToString("F1", Invariant)} ms",
    };

    static string Bytes(double? bytes) => bytes switch
    {
        null => "?",
        < 1024 => $"{bytes.Value.ToString("F0", Invariant)} B",
        < 1024 * 1024 => $"{(bytes.Value / 1024).ToString("F1", Invariant)} KB",
        _ => $"{(bytes.Value / 1024 / 1024).ToString("F1", Invariant)} MB",
    };
}
