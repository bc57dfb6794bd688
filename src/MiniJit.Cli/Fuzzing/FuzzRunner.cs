using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// The parent side of <c>minijit fuzz</c>: runs programs (or expression trees: see <see cref="FuzzTarget"/>) in
/// batches in child processes (<see cref="FuzzWorker"/>, <see cref="ExpressionFuzz"/>), finds the program that killed
/// a child, confirms each mismatch against a CLR running without its optimizer, saves what it found and prints a
/// summary.
/// </summary>
/// <remarks>
/// The CLR is the oracle, but RyuJIT's full optimization miscompiles some random programs; so a mismatch counts
/// against MiniJit only if it is still there when the program is rerun in a child with <c>DOTNET_JITMinOpts=1</c>.
/// One that goes away is kept as a CLR disagreement. So is a tree on which the expression interpreter agrees with
/// MiniJit rather than with Compile(). A tree that MiniJit refuses (a <see cref="JitException"/>) is neither: it is
/// counted and saved as unsupported.
/// </remarks>
public sealed class FuzzRunner(int baseSeed, string outputFolder, TextWriter log, FuzzTarget? target = null)
{
    readonly FuzzTarget target = target ?? FuzzTarget.Programs;

    /// <summary>How long a child may go without reporting before it is taken to hang (a miscompiled loop).</summary>
    public TimeSpan Silence { get; init; } = TimeSpan.FromSeconds(60);

    /// <param name="Reduced">Trees only: reports of the reduced trees that still show each finding.</param>
    sealed record WorkerResult(Dictionary<int, List<string>> Mismatches, Dictionary<int, List<string>> Unsupported,
        Dictionary<int, List<string>> CompileDisagreements, Dictionary<int, List<string>> Reduced,
        HashSet<int> Done, int? Running, int MethodsCompared, string? Death);

    int methodsCompared;
    readonly List<int> failures = [];
    readonly List<int> crashes = [];
    readonly List<int> disagreements = [];
    readonly List<int> unsupported = [];

    /// <returns>The exit code: success when MiniJit agreed with the CLR on every program.</returns>
    public int Run(int first, int count, int batchSize)
    {
        var watch = Stopwatch.StartNew();
        var noun = target.Noun;
        log.WriteLine($"fuzz: {noun} {first}..{first + count - 1} of seed {baseSeed}, {batchSize} per child; failures go to {Path.GetFullPath(outputFolder)}");
        for (int start = first; start < first + count; start += batchSize)
        {
            RunRange(start, Math.Min(batchSize, first + count - start));
            log.WriteLine($"  {start + Math.Min(batchSize, first + count - start) - first}/{count} {noun}, {failures.Count} mismatches, {crashes.Count} crashes, {disagreements.Count} CLR disagreements{Unsupported(false)} ({watch.Elapsed.TotalSeconds:F0} s)");
        }
        log.WriteLine($"fuzz: {count} {noun} run, {methodsCompared} {target.Compared} compared; {failures.Count} mismatches{List(failures)}, {crashes.Count} crashes{List(crashes)}, {disagreements.Count} CLR disagreements{List(disagreements)}{Unsupported(true)} (seed {baseSeed}, {watch.Elapsed.TotalSeconds:F0} s)");
        return failures.Count + crashes.Count + unsupported.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }

    string List(List<int> indexes) => indexes.Count == 0 ? "" : $" ({target.Noun} {string.Join(", ", indexes)})";

    /// <summary>Only trees can be unsupported, so the count is shown only when there are some.</summary>
    string Unsupported(bool listed) => unsupported.Count == 0 ? "" : $", {unsupported.Count} unsupported{(listed ? List(unsupported) : "")}";

    /// <summary>Runs programs <paramref name="first"/>… in one child; when it dies, the program it was running is
    /// rerun alone and the rest of the range continues in a fresh child.</summary>
    void RunRange(int first, int count)
    {
        while (count > 0)
        {
            var result = RunWorker(first, count, minOpts: false);
            methodsCompared += result.MethodsCompared;
            SaveUnconfirmed(result);
            foreach (var (index, mismatches) in result.Mismatches.OrderBy(m => m.Key)) Confirm(index, mismatches, result.Reduced.GetValueOrDefault(index));
            if (result.Death is null) return;
            // Died outside any program (compiling the batch, say): each unfinished program runs alone instead.
            var suspects = result.Running is { } running
                ? [running]
                : Enumerable.Range(first, count).Where(i => !result.Done.Contains(i)).ToList();
            foreach (var suspect in suspects) RunAlone(suspect, result.Death);
            int resume = suspects.Max() + 1;
            count -= resume - first;
            first = resume;
        }
    }

    void RunAlone(int index, string deathInBatch)
    {
        var alone = RunWorker(index, 1, minOpts: false);
        methodsCompared += alone.MethodsCompared;
        if (alone.Death is null)
        {
            SaveUnconfirmed(alone);
            foreach (var (i, mismatches) in alone.Mismatches) Confirm(i, mismatches, alone.Reduced.GetValueOrDefault(i));
            if (alone.Mismatches.Count == 0)
                Save(index, "crash", crashes, [$"the child died while running this program in a batch ({deathInBatch}), but not when it ran alone"]);
            return;
        }
        Save(index, "crash", crashes, [alone.Death]);
    }

    /// <summary>Not confirmed like a mismatch: MiniJit refuses the tree, or agrees with the interpreter, whatever
    /// RyuJIT does.</summary>
    void SaveUnconfirmed(WorkerResult result)
    {
        foreach (var (index, findings) in result.Unsupported.OrderBy(u => u.Key)) Save(index, "unsupported", unsupported, findings, result.Reduced.GetValueOrDefault(index));
        foreach (var (index, findings) in result.CompileDisagreements.OrderBy(u => u.Key))
            Save(index, "clr-disagreement", disagreements, findings, result.Reduced.GetValueOrDefault(index));
    }

    void Confirm(int index, List<string> mismatches, List<string>? reduced)
    {
        var confirmation = RunWorker(index, 1, minOpts: true);
        if (confirmation.Death is { } death)
            Save(index, "crash", crashes, [.. mismatches, $"rerun with DOTNET_JITMinOpts=1: {death}"], reduced);
        else if (confirmation.Mismatches.GetValueOrDefault(index) is { Count: > 0 } confirmed)
            Save(index, "mismatch", failures, [.. confirmed, "(confirmed with DOTNET_JITMinOpts=1)"], confirmation.Reduced.GetValueOrDefault(index));
        else
            Save(index, "clr-disagreement", disagreements, [.. mismatches, "with DOTNET_JITMinOpts=1 the CLR agrees with MiniJit: RyuJIT's optimizer got it wrong"], reduced);
    }

    void Save(int index, string kind, List<int> list, IEnumerable<string> findings, List<string>? reduced = null)
    {
        list.Add(index);
        int seed = FuzzWorker.ProgramSeed(baseSeed, index);
        Directory.CreateDirectory(outputFolder);
        var path = Path.Combine(outputFolder, $"{kind}-{seed}.{target.Extension}");
        var text = new StringBuilder();
        var options = string.Concat(target.Options.Select(o => $" {o}"));
        text.Append($"// minijit fuzz --seed {baseSeed} --first {index} {target.CountOption} 1{options}   ({target.Noun[..^1]} seed {seed})\n");
        foreach (var finding in findings) text.Append($"// {kind}: {finding}\n");
        foreach (var report in reduced ?? []) text.Append($"\n// reduced: {report}\n");
        if (reduced is not null) text.Append("\n// the whole tree:\n");
        text.Append(target.Source(baseSeed, index));
        File.WriteAllText(path, text.ToString());
        // The file has it all; the log has the first finding's first 300 characters (not a whole IR dump).
        var first = findings.First();
        log.WriteLine($"  {kind} in {target.Noun[..^1]} {index} (seed {seed}): {(first.Length > 300 ? first[..300] + " …" : first)} -> {path}");
    }

    WorkerResult RunWorker(int first, int count, bool minOpts)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["exec", typeof(FuzzRunner).Assembly.Location, "fuzz", "--worker",
                     "--seed", $"{baseSeed}", "--first", $"{first}", target.CountOption, $"{count}", .. target.Options])
            start.ArgumentList.Add(arg);
        if (minOpts) start.Environment["DOTNET_JITMinOpts"] = "1";

        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start a fuzz worker");
        var lines = new BlockingCollection<string>();
        var error = new StringBuilder();
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        child.BeginErrorReadLine();
        var reader = new Thread(() =>
        {
            while (child.StandardOutput.ReadLine() is { } line) lines.Add(line);
            lines.CompleteAdding();
        }) { IsBackground = true };
        reader.Start();

        var mismatches = new Dictionary<int, List<string>>();
        var refused = new Dictionary<int, List<string>>();
        var reducedTrees = new Dictionary<int, List<string>>();
        var compileDisagreements = new Dictionary<int, List<string>>();
        var done = new HashSet<int>();
        int? running = null;
        int methods = 0;
        string? death = null;
        while (!lines.IsCompleted)
        {
            if (!lines.TryTake(out var line, Silence))
            {
                if (lines.IsCompleted) break;
                child.Kill(entireProcessTree: true);
                death = $"no progress for {Silence.TotalSeconds:F0} s (an endless loop?); killed";
                break;
            }
            var parts = line.Split(' ', 3);
            if (parts.Length < 2 || !int.TryParse(parts[1], out var index)) continue;
            switch (parts[0])
            {
                case FuzzWorker.Start: running = index; break;
                case FuzzWorker.Mismatch when parts.Length == 3:
                    (mismatches.TryGetValue(index, out var list) ? list : mismatches[index] = []).Add(parts[2]);
                    break;
                case FuzzWorker.Unsupported when parts.Length == 3:
                    (refused.TryGetValue(index, out var reasons) ? reasons : refused[index] = []).Add(parts[2]);
                    break;
                case FuzzWorker.CompileDisagreement when parts.Length == 3:
                    (compileDisagreements.TryGetValue(index, out var wrong) ? wrong : compileDisagreements[index] = []).Add(parts[2]);
                    break;
                case FuzzWorker.Reduced when parts.Length == 3:
                    (reducedTrees.TryGetValue(index, out var reports) ? reports : reducedTrees[index] = []).Add(ExpressionFuzz.UnescapeLines(parts[2]));
                    break;
                case FuzzWorker.Done:
                    done.Add(index);
                    running = null;
                    if (parts.Length == 3 && int.TryParse(parts[2], out var m)) methods += m;
                    break;
            }
        }
        child.WaitForExit();
        if (death is null && (child.ExitCode != 0 || done.Count < count))
        {
            string tail;
            lock (error) tail = string.Join(" | ", error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(6));
            death = $"exit code {child.ExitCode}: {tail}";
        }
        return new WorkerResult(mismatches, refused, compileDisagreements, reducedTrees, done, running, methods, death);
    }

    /// <summary>The dotnet executable running this process if it is one (so a child uses the same runtime),
    /// otherwise the one on the PATH.</summary>
    static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}
