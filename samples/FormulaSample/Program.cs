using System.Diagnostics;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;

namespace MiniJit.Samples.Formula;

/// <summary>
/// Parses a formula over x and y, evaluates it over a grid of points with MiniJit's native code, with the expression
/// interpreter and (where the runtime can generate code) with <c>Expression.Compile()</c>, and compares: the time to
/// compile, the time per grid, and whether every result has the same bits as the interpreter's.
/// <para>Under NativeAOT there is no JIT: <c>Compile()</c> can only interpret, so MiniJit is the one way to run
/// the formula as machine code.</para>
/// </summary>
static class Program
{
    const string DefaultFormula = "sin(x) * x + 3 * y";
    const int DefaultPoints = 1_000_000;
    // The grid covers [Low, High] in both x and y, corners included.
    const double Low = -10, High = 10;
    // Each way of evaluating runs the whole grid this often; the best time counts (the first run also pays for
    // warming caches and, under the JIT, for tiering up the loop itself).
    const int Runs = 3;

    // The exit codes: CI runs the published sample and fails on anything but success.
    const int ExitSuccess = 0, ExitResultsDiffer = 1, ExitUsage = 2, ExitMiniJitFailed = 3;

    const string Usage = """
        usage: FormulaSample [formula] [--points N]
          formula     over x and y; default "sin(x) * x + 3 * y". Operators + - * / % ^ (power), comparisons
                      < <= > >= == != inside if(condition, a, b), and the functions
                      sin cos tan exp log sqrt abs min max floor ceiling round pow.
          --points N  evaluate about N points (a square grid); default 1,000,000.
        """;

    static int Main(string[] args)
    {
        if (!TryReadArguments(args, out var formula, out var points, out var problem))
        {
            Console.Error.WriteLine(problem);
            Console.Error.WriteLine(Usage);
            return ExitUsage;
        }

        Expression<Func<double, double, double>> expression;
        try
        {
            expression = FormulaParser.ParseXY(formula);
        }
        catch (FormulaSyntaxException e)
        {
            // Point at the spot under the formula, so the position needs no counting.
            Console.Error.WriteLine($"  {e.Formula}");
            Console.Error.WriteLine($"  {new string(' ', e.Position)}^");
            Console.Error.WriteLine($"error {e.Message}");
            return ExitUsage;
        }

        var grid = new Grid(points);
        Console.WriteLine($"runtime   {(RuntimeFeature.IsDynamicCodeSupported ? "CoreCLR with its JIT" : "NativeAOT (no dynamic code: Compile() only interprets)")}");
        Console.WriteLine($"formula   {formula}");
        Console.WriteLine($"tree      {expression}");
        Console.WriteLine($"grid      {grid.Side:N0} × {grid.Side:N0} = {grid.Count:N0} points, x and y in [{Low}, {High}]");
        Console.WriteLine();

        var interpreter = Evaluate("interpreter", () => expression.Compile(preferInterpretation: true), grid);
        Evaluation? miniJit = null;
        Exception? miniJitFailure = null;
        try
        {
            // The same as expression.CompileNative(): machine code from MiniJit, no Reflection.Emit.
            miniJit = Evaluate("MiniJit", () => Jit.Compile<Func<double, double, double>>(expression), grid);
        }
        // Whatever stops MiniJit (a tree it cannot compile, a platform it does not support, a binding that fails
        // under NativeAOT) is reported after the other results rather than ending the sample without them.
        catch (Exception e)
        {
            miniJitFailure = e;
        }
        // Under NativeAOT Compile() silently returns the interpreter; measuring it again would only mislead.
        var compiled = RuntimeFeature.IsDynamicCodeSupported ? Evaluate("Compile()", () => expression.Compile(), grid) : null;

        Console.WriteLine($"{"",-12}{"compile+1st call",18}{$"per grid (best of {Runs})",24}{"ns/point",10}  {"sum of non-NaN results",-24}{"NaNs",10}  bits differing from the interpreter");
        Print(interpreter, "-");
        var differences = 0;
        foreach (var evaluation in new[] { miniJit, compiled })
        {
            if (evaluation is null) continue;
            var differing = CountDifferences(evaluation, interpreter, grid);
            Print(evaluation, differing.ToString("N0"));
            differences += differing;
        }
        if (miniJitFailure is not null) Console.WriteLine($"{"MiniJit",-12}FAILED: {miniJitFailure.GetType().Name}: {miniJitFailure.Message}");
        if (compiled is null) Console.WriteLine($"{"Compile()",-12}skipped: this runtime cannot generate code, so Compile() would interpret too");
        Console.WriteLine();

        if (miniJit is null)
        {
            Console.Error.WriteLine($"MiniJit could not run the formula:{Environment.NewLine}{miniJitFailure}");
            return ExitMiniJitFailed;
        }
        // A speedup below 1 is a slowdown: the other way was faster.
        Console.WriteLine($"speedup of MiniJit: {interpreter.GridTime / miniJit.GridTime:F2}× over the interpreter"
            + (compiled is null ? "" : $", {compiled.GridTime / miniJit.GridTime:F2}× over Compile()"));
        if (differences > 0)
        {
            Console.WriteLine($"FAILED: {differences:N0} results differ from the interpreter's.");
            return ExitResultsDiffer;
        }
        Console.WriteLine("OK: every result has the same bits as the interpreter's.");
        return ExitSuccess;

        void Print(Evaluation evaluation, string differing) =>
            Console.WriteLine($"{evaluation.Name,-12}{Format(evaluation.CompileTime),18}{Format(evaluation.GridTime),24}"
                + $"{evaluation.GridTime.TotalNanoseconds / grid.Count,10:F2}  {Sum(evaluation.Results),-24:R}"
                + $"{evaluation.Results.Count(double.IsNaN),10:N0}  {differing}");
    }

    /// <summary>Reads <c>[formula words...] [--points N]</c>. The words of the formula are joined with spaces, so an
    /// unquoted <c>sin(x) + y</c> works too.</summary>
    static bool TryReadArguments(string[] args, out string formula, out int points, out string? problem)
    {
        var words = new List<string>();
        points = DefaultPoints;
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h")
                problem = "";
            else if (args[i] == "--points")
            {
                if (i + 1 < args.Length && int.TryParse(args[i + 1], out points) && points > 0) i++;
                else problem = "--points needs a positive whole number (at most 2,147,483,647)";
            }
            else words.Add(args[i]);
        }
        formula = words.Count > 0 ? string.Join(' ', words) : DefaultFormula;
        return problem is null;
    }

    /// <summary>The points: every x with every y, both spread evenly over [Low, High].</summary>
    sealed class Grid
    {
        public Grid(int points)
        {
            // The square grid closest to the requested count; at least one point.
            Side = Math.Max(1, (int)Math.Round(Math.Sqrt(points)));
            Values = Enumerable.Range(0, Side).Select(i => Side == 1 ? Low : Low + (High - Low) * i / (Side - 1)).ToArray();
        }

        public int Side { get; }
        public int Count => Side * Side;
        /// <summary>The coordinates along either axis (the grid is square, so x and y share them).</summary>
        public double[] Values { get; }

        public (double X, double Y) Point(int index) => (Values[index / Side], Values[index % Side]);
    }

    /// <summary>One way of evaluating: how long it took to get the delegate and call it once, the best time for the
    /// whole grid, and the results of the grid (index x * Side + y).</summary>
    sealed record Evaluation(string Name, TimeSpan CompileTime, TimeSpan GridTime, double[] Results);

    static Evaluation Evaluate(string name, Func<Func<double, double, double>> compile, Grid grid)
    {
        // The first call is part of the compile time: Compile() generates its machine code only when first called.
        var stopwatch = Stopwatch.StartNew();
        var formula = compile();
        formula(Low, Low);
        var compileTime = stopwatch.Elapsed;

        var results = new double[grid.Count];
        var best = TimeSpan.MaxValue;
        for (var run = 0; run < Runs; run++)
        {
            stopwatch.Restart();
            EvaluateGrid(formula, grid.Values, results);
            if (stopwatch.Elapsed < best) best = stopwatch.Elapsed;
        }
        return new Evaluation(name, compileTime, best, results);
    }

    /// <summary>The measured loop: the same for every delegate, so the differences are the delegates'.</summary>
    static void EvaluateGrid(Func<double, double, double> formula, double[] values, double[] results)
    {
        var k = 0;
        foreach (var x in values)
            foreach (var y in values)
                results[k++] = formula(x, y);
    }

    /// <summary>How many results differ in their bits from the interpreter's (any NaN equals any NaN: the payload
    /// of a NaN is not part of a formula's meaning), printing the first such point.</summary>
    static int CountDifferences(Evaluation evaluation, Evaluation interpreter, Grid grid)
    {
        var count = 0;
        for (var i = 0; i < grid.Count; i++)
        {
            double got = evaluation.Results[i], expected = interpreter.Results[i];
            if (BitConverter.DoubleToInt64Bits(got) == BitConverter.DoubleToInt64Bits(expected) || (double.IsNaN(got) && double.IsNaN(expected)))
                continue;
            if (count++ == 0)
            {
                var (x, y) = grid.Point(i);
                Console.Error.WriteLine($"{evaluation.Name} differs first at x = {x:R}, y = {y:R}: {got:R} (0x{BitConverter.DoubleToInt64Bits(got):X16}), the interpreter gives {expected:R} (0x{BitConverter.DoubleToInt64Bits(expected):X16})");
            }
        }
        return count;
    }

    /// <summary>A checksum: the sum in grid order, leaving out NaNs (counted separately) so that one NaN does not
    /// hide all the other results.</summary>
    static double Sum(double[] results)
    {
        var sum = 0.0;
        foreach (var result in results)
            if (!double.IsNaN(result)) sum += result;
        return sum;
    }

    static string Format(TimeSpan time) =>
        time.TotalMilliseconds < 1 ? $"{time.TotalMicroseconds:F1} µs" : $"{time.TotalMilliseconds:F1} ms";
}
