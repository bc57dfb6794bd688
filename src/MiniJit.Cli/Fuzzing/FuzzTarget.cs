namespace MiniJit.Cli.Fuzzing;

/// <summary>
/// What a <c>minijit fuzz</c> run generates and checks: C# programs (<see cref="FuzzWorker"/>) or expression trees
/// (<see cref="ExpressionFuzz"/>). The parent, <see cref="FuzzRunner"/>, runs both the same way; this says how to
/// name them, which options a child takes and how to print one for a saved failure.
/// </summary>
/// <param name="Noun">What is generated, in the plural: "programs".</param>
/// <param name="CountOption">The option that says how many: "--programs".</param>
/// <param name="Compared">What the children count as compared: "methods".</param>
/// <param name="Extension">The extension of a saved failure's file.</param>
/// <param name="Options">Further options a child takes, and a rerun needs.</param>
/// <param name="Source">The text of item I of a base seed (base seed, I).</param>
public sealed record FuzzTarget(string Noun, string CountOption, string Compared, string Extension, IReadOnlyList<string> Options, Func<int, int, string> Source)
{
    public static FuzzTarget Programs { get; } = new("programs", "--programs", "methods", "cs", [], (seed, index) => FuzzWorker.Source(seed, index));

    /// <summary>Programs of scalar variables only (<c>--scalar</c>): mostly what the baseline tier translates itself.</summary>
    public static FuzzTarget ScalarPrograms { get; } = new("programs", "--programs", "methods", "cs", ["--scalar"], (seed, index) => FuzzWorker.Source(seed, index, scalarOnly: true));

    public static FuzzTarget Trees(ExpressionWeights weights) => new("trees", "--trees", "calls", "txt",
        weights.ToString() is { Length: > 0 } changes ? ["--weights", changes] : [],
        (baseSeed, index) => ExpressionFuzz.Source(baseSeed, index, weights));
}
