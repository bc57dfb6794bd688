using System.Reflection;
using Microsoft.CodeAnalysis;
using MiniJit.Cli.Fuzzing;
using MiniJit.Tests.MemoryAccess;

namespace MiniJit.Tests.Regression;

/// <summary>Memory bugs found while fuzzing arrays, spans and by-refs, each reduced to a small method and compared
/// with the CLR (optimized and not, contents of the arrays afterwards included) on the inputs that expose it.</summary>
public class MemoryRegressionTests
{
    static MethodInfo Method(string name) => typeof(MemoryRegressionTests).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;

    /// <summary>
    /// Bounds-check elimination proves <c>0 &lt;= index</c> by induction over phis (<c>IsNonNegative</c> assumes a phi
    /// is non-negative while it examines the phi's operands) and caches every answer. Proving <c>v = i &amp; x</c>
    /// examines the loop phi <c>i = phi(0, i')</c>, then <c>i' = phi(u, -7)</c> (the then-arm first), then
    /// <c>u = i &amp; y</c>, which is non-negative under the hypothesis that i is, and is cached as such; then -7 fails,
    /// so i, i' and v are not, but u's cached "non-negative" stays. The check of <c>a[u]</c> needs only
    /// <c>u &lt; a.Length</c>, which the <c>if</c> gives, and is removed: with y = -1, u is -7 in the third pass and
    /// MiniJit reads <c>a[-7]</c> (memory before the array) where the CLR throws IndexOutOfRangeException. The
    /// <c>s++</c>/<c>s--</c> keep the two arms as blocks, so that the phi's operands come in that order. The random
    /// programs found it as a crash (<c>minijit fuzz --seed 117 --first 489 --programs 1</c>, method M3): a cursor
    /// loop reset its cursor to int.MinValue, and the read of <c>p2[int.MinValue &amp; p3]</c>, 8 GB before the array,
    /// killed the process with SIGSEGV. The inputs here stay a few elements before the array, where the read returns
    /// garbage instead of crashing the test run.
    /// </summary>
    public static int NegativeIndexAfterAFailedInduction(int[] a, int x, int y, int n)
    {
        int i = 0, s = 0;
        for (int k = 0; k < n; k++)
        {
            int v = i & x;
            if (v < a.Length) s += a[v];
            int u = i & y;
            if (u < a.Length) s += a[u];
            if (k == 1) { i = u; s++; } else { i = -7; s--; }
        }
        return s;
    }

    [Fact]
    public void ABoundsCheckIsNotRemovedOnAHypothesisThatFailed() =>
        MemoryParity.Check(Method(nameof(NegativeIndexAfterAFailedInduction)),
        [
            [new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 7, -1, 2],
            [new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 3, -1, 7],
            [new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 0, -1, 3],
            [new[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 7, 7, 5],
            [new int[0], -1, -1, 4],
        ]);

    /// <summary>
    /// Roslyn in Release keeps a span local that is read once (here by foreach, which copies it) on the evaluation
    /// stack instead of in its local, even across the next statement: <c>ldarg.0; call op_Implicit; …; bgt.s</c>, the
    /// span stays under the ternary's branches and is stored only after them. MiniJit refused that ("a span on the
    /// evaluation stack at a branch is not supported (store it in a local first)"), though the source did store it in
    /// a local; the CLR runs it. A span in a stack slot now crosses blocks as two variables. Found by the random programs (seed 116, index 1552); the generator now reads every
    /// span local's Length right after declaring it, which keeps the local. Compiled here by Roslyn in Release, since
    /// the test project's Debug build keeps every local.
    /// </summary>
    const string SpanLocalSource = """
        public static class SpanLocals
        {
            public static int SpanLocalThenTernary(int[] a, int k)
            {
                System.Span<int> s = a;
                int x = k > 0 ? 1 : 2;
                foreach (var b in s) x += b;
                return x;
            }

            public static ulong SliceThenTernary(byte[] a, float f)
            {
                System.ReadOnlySpan<byte> s = System.MemoryExtensions.AsSpan(a, 1, 2);
                ulong x = !(1f <= f) ? 5UL : 7UL;
                foreach (var b in s) x ^= b;
                return x;
            }
        }
        """;

    [Fact]
    public void ASpanLocalThatRoslynKeepsOnTheStackCompiles()
    {
        var type = ProgramCompiler.Compile(SpanLocalSource, "SpanLocalsRelease", OptimizationLevel.Release).GetType("SpanLocals")!;
        MemoryParity.Check(type.GetMethod("SpanLocalThenTernary")!, [[new[] { 1, 2, 3 }, 1], [new[] { 4 }, -1], [new int[0], 0], [null, 5]]);
        MemoryParity.Check(type.GetMethod("SliceThenTernary")!,
            [[new byte[] { 1, 2, 3 }, 0.5f], [new byte[] { 9, 8, 7, 6 }, float.NaN], [new byte[] { 1, 2 }, 2f], [null, 1f]]);
    }
}
