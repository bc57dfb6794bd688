using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using MiniJit.Cli.Fuzzing;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.RandomPrograms;

/// <summary>Random programs from <see cref="ProgramGenerator"/>, compiled by Roslyn (Debug and Release), then every
/// method compiled by MiniJit (optimized and not) and compared with the CLR over edge and random inputs.
/// Reproduce with the environment variables MINIJIT_RANDOM_SEED (base seed, default 1) and
/// MINIJIT_RANDOM_COUNT (programs per run, default 40); program i has seed base * 100003 + i (as in `minijit fuzz`), and a
/// failure message prints that seed and the whole generated source.</summary>
public class RandomProgramTests
{
    static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    public static readonly int BaseSeed = Env("MINIJIT_RANDOM_SEED", 1);
    public static readonly int Count = Env("MINIJIT_RANDOM_COUNT", 40);

    /// <summary>Scalar-only programs (no memory, no structs) per run: mostly translated by the baseline tier when the
    /// optimizer is off, where the other programs mostly go through the IR.</summary>
    public static readonly int ScalarCount = Count / 2;

    public static int SeedOf(int index) => FuzzWorker.ProgramSeed(BaseSeed, index);

    // Numbered as `minijit fuzz --seed` numbers them, so a failure here can be rerun there and the other way round.
    static readonly Lazy<string[]>[] Sources =
    [
        new(() => [.. Enumerable.Range(0, Count).Select(i => FuzzWorker.Source(BaseSeed, i))]),
        new(() => [.. Enumerable.Range(0, ScalarCount).Select(i => FuzzWorker.Source(BaseSeed, i, scalarOnly: true))]),
    ];

    static readonly Dictionary<(OptimizationLevel, bool), Lazy<Assembly>> Assemblies = new()
    {
        [(OptimizationLevel.Debug, false)] = new(() => CompileAll(OptimizationLevel.Debug, false)),
        [(OptimizationLevel.Release, false)] = new(() => CompileAll(OptimizationLevel.Release, false)),
        [(OptimizationLevel.Debug, true)] = new(() => CompileAll(OptimizationLevel.Debug, true)),
        [(OptimizationLevel.Release, true)] = new(() => CompileAll(OptimizationLevel.Release, true)),
    };

    static Assembly CompileAll(OptimizationLevel level, bool scalarOnly)
    {
        var all = new StringBuilder();
        foreach (var s in Sources[scalarOnly ? 1 : 0].Value) all.Append(s);
        return ProgramCompiler.Compile(all.ToString(), $"RandomPrograms{level}{(scalarOnly ? "Scalar" : "")}", level);
    }

    public static TheoryData<int> Indexes() => [.. Enumerable.Range(0, Count)];
    public static TheoryData<int> ScalarIndexes() => [.. Enumerable.Range(0, ScalarCount)];

    [Theory]
    [MemberData(nameof(Indexes))]
    public void MatchesClr(int index) => Check(index, scalarOnly: false);

    /// <summary>As <c>minijit fuzz --scalar</c> generates them.</summary>
    [Theory]
    [MemberData(nameof(ScalarIndexes))]
    public void ScalarProgramsMatchClr(int index) => Check(index, scalarOnly: true);

    static void Check(int index, bool scalarOnly)
    {
        int seed = SeedOf(index);
        var source = Sources[scalarOnly ? 1 : 0].Value[index];
        var inputs = new Random(seed ^ 0x5EED);
        foreach (var level in new[] { OptimizationLevel.Release, OptimizationLevel.Debug })
        {
            var type = Assemblies[(level, scalarOnly)].Value.GetType($"P{index}")!;
            // Methods with more parameters than a delegate carries are tested through their callers and wrappers.
            foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly)
                         .Where(m => m.GetParameters().Length <= ProgramGenerator.MaxEntryParameters).OrderBy(m => m.Name))
            {
                var ps = m.GetParameters();
                var context = $"Random {(scalarOnly ? "scalar " : "")}program seed {seed} (MINIJIT_RANDOM_SEED={BaseSeed}, index {index}), Roslyn {level}, method {m.Name}:\n{source}";
                if (FuzzArguments.NeedsHarness(m))
                {
                    // Arrays, spans, by-refs and structs: the fuzzer's own inputs, copies and comparison of the arguments
                    // afterwards (and of a struct result, field by field).
                    if (FuzzWorker.Compare(m, seed) is { } mismatch) Assert.Fail($"{mismatch}\n{context}");
                    continue;
                }
                var fixedInputs = Enumerable.Range(0, 40).Select(_ => Values.Convert([.. ps.Select(_ => RandomValue(inputs))], ps)).ToList();
                Parity.Check(m, fixedInputs, random: null!, randomSamples: 0, context: context);
            }
        }
    }

    static long RandomValue(Random r) => r.Next(4) switch
    {
        0 => r.NextInt64(long.MinValue, long.MaxValue),
        1 => r.Next(-20, 20),
        2 => r.Next(int.MinValue, int.MaxValue),
        _ => Values.Edges[r.Next(Values.Edges.Length)],
    };

    /// <summary>The shapes that real code has and that once hid a register-allocation bug: each must turn up in a
    /// hundred programs, or the generator has stopped exercising it.</summary>
    [Theory]
    [InlineData(@"\bdo\n", "a loop with the test at the bottom")]
    [InlineData(@"\bwhile \(i\d+ < ", "a loop with the test at the top")]
    [InlineData(@"\bwhile \(i\d+\+\+ < ", "a loop that counts in its test")]
    [InlineData(@"for \(int i\d+ = 0;", "a for loop")]
    [InlineData(@"\((v\d+), (v\d+)\) = \(\2, \(\w+\)\(\1 \+ \2\)\);", "(a, b) = (b, a + b)")]
    [InlineData(@"(\w+) (v\d+) = \(\1\)\((\w+) \+ (\w+)\); \3 = \4; \4 = \2;", "t = a + b; a = b; b = t;")]
    [InlineData(@"(\w+) = (\w+); \2\+\+;", "x = y; y++;")]
    [InlineData(@"\w+ = \w+\+\+;", "x = y++")]
    [InlineData(@"\((\w+), (\w+)\) = \(\2, \1\);", "a swap")]
    [InlineData(@"switch \(\(sbyte\)", "a switch on sbyte")]
    [InlineData(@"case ulong.MaxValue:", "a case label of type ulong")]
    [InlineData(@"case \(char\)\d:", "a case label of type char")]
    [InlineData(@"\(\w+ p0, (\w+ p\d, ){8}\w+ p9\)", "ten parameters")]
    [InlineData(@"public static \w+ M\dEntry\(", "a wrapper for a method with more than eight parameters")]
    [InlineData(@"(?m)if \(p0 <= 0\) return .*;\n\s+if \(p0 > 6\) return", "a recursive method's base case (its first test alone: shrink-wrapping's shape)")]
    [InlineData(@"M(\d)\(p0 - [12],", "a recursive call")]
    [InlineData(@"\bushort p\d", "a ushort parameter")]
    [InlineData(@"\bsbyte p\d", "an sbyte parameter")]
    [InlineData(@"Math\.Abs\(", "a throw helper's caller (Math.Abs)")]
    [InlineData(@"Math\.Clamp\(", "a generic throw helper's caller (Math.Clamp)")]
    [InlineData(@"Math\.Sign\(", "a library call")]
    [InlineData(@"Math\.Max\(\(short\)", "a runtime intrinsic compiled from its IL (Math.Max on short)")]
    [InlineData(@"Math\.Min\(\(ulong\)", "Math.Min on ulong")]
    [InlineData(@"Math\.BigMul\(\(uint\)", "Math.BigMul")]
    [InlineData(@"Math\.DivRem\(\((?:int|long)\)\(.*, out (?:int|long) o\d+\)", "Math.DivRem with an out argument")]
    [InlineData(@"Math\.BigMul\(\((?:long|ulong)\)\(.*, out (?:long|ulong) o\d+\)", "Math.BigMul with an out argument")]
    [InlineData(@"checked\(unchecked\(\w+\) \* unchecked\(", "a checked multiplication")]
    [InlineData(@"checked\(unchecked\(\(ulong\)\w+ % \d+\) - ", "a checked unsigned subtraction of a small operand")]
    [InlineData(@"\(long\)checked\(\(sbyte\)unchecked\(", "a checked narrowing cast")]
    [InlineData(@"checked\(\(int\)unchecked\(\(uint\)", "a checked cast from an unsigned type (conv.ovf.i4.un)")]
    [InlineData(@"\bdouble p\d", "a double parameter")]
    [InlineData(@"\bfloat p\d", "a float parameter")]
    [InlineData(@"public static double M\d\(", "a method returning double")]
    [InlineData(@"public static float M\d\(", "a method returning float")]
    [InlineData(@"public static \w+ M\d\((?=(?:[^)]*?\b(?:double|float) p\d){9})", "nine floating-point parameters (the ninth on the stack)")]
    [InlineData(@"public static \w+ M\dEntry\((?=(?:[^)]*?\b(?:double|float) p\d){8})", "a wrapper taking eight floating-point parameters")]
    [InlineData(@"\bdouble (\w+)\b[\s\S]*\(float\)\1\b", "a double narrowed to float")]
    [InlineData(@"\bfloat (\w+)\b[\s\S]*\(double\)\1\b", "a float widened to double")]
    [InlineData(@"\((?:double|float)\)\((?:int|long|uint|ulong|short|ushort|byte|sbyte|char)\)\(", "an integer narrowed, then converted to floating point")]
    [InlineData(@"\((?:int|long|uint|ulong|short|ushort|byte|sbyte|char)\)System\.Math\.(?:Floor|Ceiling|Truncate|Round)\(", "(int)Math.Floor(x)")]
    [InlineData(@"checked\(\((?:int|long|uint|ulong)\)unchecked\(", "a checked conversion from floating point to a wide integer")]
    [InlineData(@"checked\(\((?:short|ushort|byte|sbyte|char)\)unchecked\(", "a checked conversion from floating point to a narrow integer")]
    [InlineData(@"!\(\((?:double|float)\)\w+ (?:<|<=|>|>=) ", "a negated floating-point comparison (the unordered CIL forms)")]
    [InlineData(@"% (?:\(-)?[\d.E+]+[df]\b", "a floating-point remainder")]
    [InlineData(@"System\.Math\.(?:Sin|Cos|Tan|Asin|Acos|Atan|Atan2|Sinh|Cosh|Tanh|Exp|Log|Log10|Log2|Pow|Cbrt)\(", "a C library call through Math")]
    [InlineData(@"System\.MathF\.(?:Sin|Cos|Tan|Asin|Acos|Atan|Atan2|Sinh|Cosh|Tanh|Exp|Log|Log10|Log2|Pow|Cbrt)\(", "a C library call through MathF")]
    [InlineData(@"System\.Math\.Sqrt\(", "Math.Sqrt")]
    [InlineData(@"System\.MathF\.FusedMultiplyAdd\(", "MathF.FusedMultiplyAdd")]
    [InlineData(@"System\.Math\.(?:Min|Max)\(", "Math.Min or Math.Max on doubles")]
    [InlineData(@"System\.MathF\.CopySign\(", "MathF.CopySign")]
    [InlineData(@"\(float\)System\.Math\.\w+\(", "a float through a double Math call and back")]
    [InlineData(@"\(-0[df]\)", "a negative zero literal")]
    [InlineData(@"\b1E\+300d\b", "1e300")]
    [InlineData(@"\bdouble\.NaN\b", "double.NaN")]
    [InlineData(@"\bdouble\.PositiveInfinity\b", "double.PositiveInfinity")]
    [InlineData(@"\bfloat\.Epsilon\b", "float.Epsilon")]
    [InlineData(@"(v\d+) = 0\.5[df] \* \(\1 \+ (\w+) / \1\);", "a Newton iteration in a loop")]
    [InlineData(@"(v\d+) = \1 \* \w+ \+ ", "a Horner polynomial in a loop")]
    [InlineData(@"(v\d+) \+= \((?:double|float)\)i\d+ \* ", "a floating-point sum over a loop counter")]
    [InlineData(@"(?:double|float) (v\d+) = 1[df];[\s\S]*?\1 \*= ", "a floating-point product in a loop")]
    [InlineData(@"(v\d+) \+= (v\d+); (v\d+) \+= \2 \* \2;", "a sum and a sum of squares")]
    [InlineData(@"\bi\d+ < [^;\n]+ && !\(v\d+ >= ", "a loop whose test also looks at a floating-point accumulator")]
    public void GeneratorProducesTheShapesOfRealCode(string pattern, string shape)
    {
        var programs = Enumerable.Range(0, 100).Select(seed => new ProgramGenerator(seed).Generate("X")).ToList();
        Assert.True(programs.Any(p => Regex.IsMatch(p, pattern)), $"no {shape} in 100 programs");
    }

    static readonly Lazy<List<string>> CensusPrograms = new(() => [.. Enumerable.Range(0, 300).Select(seed => new ProgramGenerator(seed).Generate("X"))]);

    /// <summary>300 more, for the rarest struct constructs (a field passed by ref turns up about twice in 300).</summary>
    static readonly Lazy<List<string>> MoreCensusPrograms = new(() => [.. Enumerable.Range(300, 300).Select(seed => new ProgramGenerator(seed).Generate("X"))]);

    /// <summary>Arrays, spans, by-refs and the ways code uses them (issue 11): each must turn up in 300 programs.</summary>
    [Theory]
    [InlineData(@"\bint\[\] p\d", "an int[] parameter")]
    [InlineData(@"\blong\[\] p\d", "a long[] parameter")]
    [InlineData(@"\bdouble\[\] p\d", "a double[] parameter")]
    [InlineData(@"\bbyte\[\] p\d", "a byte[] parameter")]
    [InlineData(@"\bshort\[\] p\d", "a short[] parameter")]
    [InlineData(@"\buint\[\] p\d", "a uint[] parameter")]
    [InlineData(@"\bfloat\[\] p\d", "a float[] parameter")]
    [InlineData(@"\bbool\[\] p\d", "a bool[] parameter")]
    [InlineData(@"\bchar\[\] p\d", "a char[] parameter")]
    [InlineData(@"System\.ReadOnlySpan<\w+> p\d", "a ReadOnlySpan parameter")]
    [InlineData(@"System\.Span<\w+> p\d", "a Span parameter")]
    [InlineData(@"\bref (?:int|long|double|uint|short|byte|float) p\d", "a ref parameter")]
    [InlineData(@"\bin (?:int|long|double|uint|short|byte|float) p\d", "an in parameter")]
    [InlineData(@"for \(int (i\d+) = 0; \1 < (\w+)\.Length; \1\+\+\)", "the canonical loop over a buffer")]
    [InlineData(@"foreach \(var e\d+ in \w+\)", "foreach over a buffer")]
    [InlineData(@"for \(int (i\d+) = (\w+)\.Length - 1; \1 >= 0; \1--\)", "a reverse loop")]
    [InlineData(@"for \(int (i\d+) = \d; \1 < \w+\.Length; \1 \+= [2-4]\)", "a loop with a stride")]
    [InlineData(@"for \(int (i\d+) = (\w+)\.Length - 1; \1 >= 0; \1 -= [23]\)", "a reverse loop with a stride")]
    [InlineData(@"for \(int (i\d+) = 0, (j\d+) = (\w+)\.Length - 1; \1 < \2; \1\+\+, \2--\)", "a loop from both ends")]
    [InlineData(@"for \(int (i\d+) = 0; \1 < (\w+)\.Length && \1 < (\w+)\.Length; \1\+\+\)", "a loop over two buffers")]
    [InlineData(@"\b(\w+)\[(i\d+)\] (?:\+|-|\*)= \1\[\2 - 1\];", "prefix sums (a[i] += a[i - 1])")]
    [InlineData(@"while \((i\d+) < \w+\.Length\)", "a while loop over a buffer")]
    [InlineData(@"\w+\[[^\]\n]+\] (?:\+|-|\*|\^|\||&)= ", "a compound assignment to an element")]
    [InlineData(@"\w+\[[^\]\n]*\](?:\+\+|--)|(?:\+\+|--)\w+\[", "an element incremented or decremented")]
    [InlineData(@"\w+\.Length > 0 \? \w+\[\(int\)\(\(uint\)", "a read guarded by a.Length > 0 with the index reduced modulo the length")]
    [InlineData(@"if \(\w+\.Length > 0\) \w+\[\(int\)\(\(uint\)[^\n]*\] = ", "a guarded store")]
    [InlineData(@"\[\([^\]\n]* % 5\)\]", "an index that may be negative")]
    [InlineData(@"\[\([^\]\n]* & 7\)\]", "an index that may be past the end")]
    [InlineData(@"\w+\.Length - 1\]", "the last element (out of range when empty)")]
    [InlineData(@"\[\(long\)\(", "a long index")]
    [InlineData(@"\[\(uint\)\(", "a uint index")]
    [InlineData(@"\w+\[\d\]", "a constant index")]
    [InlineData(@"\b(\w+) < (\w+)\.Length (?:\?|\)) [^\n]*\2\[\1\]", "an index checked against the length only (negative still throws)")]
    [InlineData(@"\(uint\)(\w+) < \(uint\)(\w+)\.Length", "the unsigned bounds idiom")]
    [InlineData(@"\b(\w+) >= 0 && \1 < \w+\.Length", "both bounds checked")]
    [InlineData(@"for \(int (i\d+) = [^;]+ % \d; \1 < \w+\.Length; \1\+\+\)", "a loop from a start that may be negative")]
    [InlineData(@"for \(int (i\d+) = 0; \1 <= \w+\.Length - 1; \1\+\+\)", "a loop to Length - 1 inclusive")]
    [InlineData(@"for \(int (i\d+) = 0; \1 <= \w+\.Length; \1\+\+\)", "a loop one past the end")]
    [InlineData(@"for \(int (i\d+) = \w+\.Length; \1-- > 0;\)", "a loop counting down in its test")]
    [InlineData(@"while \((i\d+) > 0\)", "a while loop counting down")]
    [InlineData(@"for \(int (i\d+) = (i\d+) \+ 1; \1 < (\w+)\.Length; \1\+\+\)", "the inner loop of a sort")]
    [InlineData(@"int (u\d+) = (c\d+) [&+^|-] [^;]+;\n\s*if \(\1 < \w+\.Length\)[\s\S]*?else \{ \2 = ", "a cursor carried around a loop, checked against the length only and reset to anything")]
    [InlineData(@"if \(\w+\.Length > \d\)\n", "a block that checks a length")]
    [InlineData(@"System\.(?:ReadOnly)?Span<\w+> s\d+ = \w+;", "a span local made from an array")]
    [InlineData(@"System\.MemoryExtensions\.AsSpan\(\w+, v\d+, \(int\)", "AsSpan(start, length) in range")]
    [InlineData(@"System\.MemoryExtensions\.AsSpan\(\w+, \(", "AsSpan with an arbitrary start")]
    [InlineData(@"\.Slice\(v\d+", "Slice in range")]
    [InlineData(@"\.Slice\(\(", "Slice with an arbitrary start")]
    [InlineData(@"new System\.(?:ReadOnly)?Span<\w+>\(", "a span constructor")]
    [InlineData(@"System\.Span<\w+> s\d+ = stackalloc \w+\[\d+\];", "stackalloc into a span")]
    [InlineData(@"\.IsEmpty", "IsEmpty")]
    [InlineData(@"ref \w+ r\d+ = ref \w+\[", "a ref local to an element")]
    [InlineData(@"ref readonly \w+ r\d+ = ref \w+\[", "a ref readonly local to a ReadOnlySpan element")]
    [InlineData(@"ref \w+ r\d+ = ref [vp]\d+;", "a ref local to a local or parameter")]
    [InlineData(@"ref \w+ r\d+ = ref \(.* \? ref \w+ : ref \w+\);", "a conditional ref")]
    [InlineData(@"M\d\([^;\n]*\bref \w+[,)]", "a call passing a variable by reference")]
    [InlineData(@"M\d\([^;\n]*\bref \w+\[", "a call passing an element by reference")]
    [InlineData(@"M\d\((?:[^;\n]*, )?p\d+[,)][^;\n]*", "a call passing a parameter on")]
    [InlineData(@"M\d\((?:[^;\n]*, )?(?:\(\w+\[\]\))?null[,)]", "a call passing a null array")]
    [InlineData(@"\((\w+)\[[^\]\n]+\], \1\[[^\]\n]+\]\) = \(", "two elements swapped")]
    [InlineData(@"\w+\[\] a\d+ = ", "an array in a local")]
    [InlineData(@"\w+ v\d+ = (?:\w+\[[^\]\n]+\](?:\+\+|--)|--\w+\[)", "the value of an element around an increment")]
    [InlineData(@"\(\w+ (?:==|!=) null\)", "a null test")]
    public void GeneratorProducesMemoryConstructs(string pattern, string construct) =>
        Assert.True(CensusPrograms.Value.Any(p => Regex.IsMatch(p, pattern)), $"no {construct} in 300 programs");

    /// <summary>Memory goes into a good part of the programs without crowding out the rest.</summary>
    [Fact]
    public void MemoryIsInAboutTwoProgramsOfFive()
    {
        // A ref or in of a primitive: those of structs (X_S0) belong to the struct programs.
        int withMemory = CensusPrograms.Value.Count(p => Regex.IsMatch(p, @"\[\] p\d|Span<|\b(?:ref|in) (?!X_S)\w+ [pr]\d"));
        Assert.InRange(withMemory, 90, 150);
    }

    /// <summary>Structs and the ways code uses them: each must turn up in 600 programs.</summary>
    [Theory]
    [InlineData(@"public struct X_S\d\n\{\n\s+public int F0;\n(?!\s+public \w+ F1;)", "a struct of one int")]
    [InlineData(@"public struct X_S\d\n\{\n\s+public int F0;\n\s+public int F1;\n(?!\s+public \w+ F2;)", "a struct of two ints")]
    [InlineData(@"public struct X_S\d\n\{\n\s+public int F0;\n\s+public float F1;\n(?!\s+public \w+ F2;)", "a struct of an int and a float")]
    [InlineData(@"public struct X_S\d\n\{\n(?:\s+public float F\d;\n){3}(?!\s+public \w+ F3;)", "a struct of three floats (12 bytes)")]
    [InlineData(@"public struct X_S\d\n\{\n\s+public double F0;\n\s+public double F1;\n(?!\s+public \w+ F2;)", "a struct of two doubles (16 bytes, two xmm registers)")]
    [InlineData(@"public struct X_S\d\n\{\n\s+public long F0;\n\s+public double F1;\n(?!\s+public \w+ F2;)", "a struct of a long and a double")]
    [InlineData(@"public struct X_S\d\n\{\n\s+public double F0;\n\s+public long F1;\n(?!\s+public \w+ F2;)", "a struct of a double and a long")]
    [InlineData(@"public struct X_S\d\n\{\n(?:\s+public double F\d;\n){3}(?!\s+public \w+ F3;)", "a struct of three doubles (in memory)")]
    [InlineData(@"public struct X_S\d\n\{\n(?:\s+public long F\d;\n){4}(?!\s+public \w+ F4;)", "a struct of four longs")]
    [InlineData(@"public struct X_S\d\n\{\n\s+public (?:byte|bool) F0;\n(?!\s+public \w+ F1;)", "a struct of one byte")]
    [InlineData(@"public X_S\d F\d;", "a struct field of a struct type (nesting)")]
    [InlineData(@"public (X_S\d)\(\w+ f0[^)]*\) \{ F0 = f0;", "a constructor")]
    [InlineData(@"public readonly \w+ Read\d+\(", "a readonly method")]
    [InlineData(@"public readonly \w+ Prop\d+ =>", "a readonly property")]
    [InlineData(@"public \w+ Prop\d+ \{ get \{ return", "a property with a getter that is not readonly")]
    [InlineData(@"public void Mutate\d+\(", "a method that mutates this")]
    [InlineData(@"public (?!void)\w+ Mutate\d+\(", "a method that mutates this and returns a value")]
    [InlineData(@"\bthis = ", "an assignment to this")]
    [InlineData(@"public readonly (X_S\d) Combine\d+\(in \1 o\)", "a readonly method taking its struct by in")]
    [InlineData(@"public readonly (X_S\d) Combine\d+\(\1 o\)", "a readonly method taking its struct by value")]
    [InlineData(@"\bF\d\.Combine\d+\(o\.F\d\)", "a nested struct's method called on a field")]
    [InlineData(@"(?m)^\s+F\d\.Mutate\d+\(.*\);$", "a nested struct mutated in place by its own method")]
    [InlineData(@"default\(X_S\d\)", "default(S)")]
    [InlineData(@"new X_S\d\(\)", "new S()")]
    [InlineData(@"new X_S\d\([^)]", "new S(a, b)")]
    [InlineData(@"new X_S\d \{ F\d = ", "an object initializer")]
    [InlineData(@"X_S\d st\d+ = ", "a struct local")]
    [InlineData(@"[(,] X_S\d p\d", "a struct parameter")]
    [InlineData(@"\bref X_S\d p\d", "a ref struct parameter")]
    [InlineData(@"\bin X_S\d p\d", "an in struct parameter")]
    [InlineData(@"\bout X_S\d p\d", "an out struct parameter")]
    [InlineData(@"(?m)^\s+p\d = .*;\n\s+if \(p0 <= 0", "an out parameter assigned before a recursive method's base case")]
    [InlineData(@"public static X_S\d M\d\(", "a method returning a struct")]
    [InlineData(@"public static X_S\d M\dEntry\(", "a wrapper returning a struct")]
    [InlineData(@"\b(?:st|p|cp|acc|rs)\d+\.F\d+ = ", "a field assigned")]
    [InlineData(@"\b(?:st|p|cp|acc|rs)\d+\.F\d+\.F\d+ (?:[-+*^|&]?=)", "a nested field assigned")]
    [InlineData(@"\b(?:st|p|cp|acc|rs)\d+\.F\d+ [-+*^|&]= ", "a compound assignment to a field")]
    [InlineData(@"\b(?:st|p|cp|acc|rs)\d+\.F\d+ [-+*/] ", "arithmetic on a field")]
    [InlineData(@"(X_S\d) (cp\d+) = (\w+);\n\s*\2\.(?:F|Mutate)", "a copy, then changed")]
    [InlineData(@"(X_S\d) (cp\d+) = \w+\.F\d+;", "a copy of a nested struct")]
    [InlineData(@"\bst\d+\.Mutate\d+\(", "a mutating method called on a local")]
    [InlineData(@"(?m)^\s+p\d\.Mutate\d+\(", "a mutating method called on a parameter")]
    [InlineData(@"ref X_S\d rs\d+ = ref \w+;", "a ref local to a struct")]
    [InlineData(@"ref X_S\d rs\d+ = ref \(.* \? ref [\w.]+ : ref [\w.]+\);", "a conditional ref to a struct")]
    [InlineData(@"ref X_S\d rs\d+ = ref \w+\.F\d+;", "a ref local to a nested struct")]
    [InlineData(@"ref \w+ r\d+ = ref \w+\.F\d+;", "a ref local to a field")]
    [InlineData(@"\? (?:st|p|cp|acc|rs)\d+ : (?:st|p|cp|acc|rs)\d+\)", "a conditional between two structs")]
    [InlineData(@"\(((?:st|p|cp|acc|rs)\d+), ((?:st|p|cp|acc|rs)\d+)\) = \(\2, \1\);", "two structs swapped")]
    [InlineData(@"if \(.*\) (?:st|p|cp|acc|rs)\d+ = ", "a struct assigned on a condition")]
    [InlineData(@"M\d\([^;\n]*\bref (?:st|p|cp|acc|rs)\d+[,)]", "a struct passed by ref")]
    [InlineData(@"M\d\([^;\n]*\bref \w+\.F\d+[,)]", "a field passed by ref")]
    [InlineData(@"M\d\([^;\n]*\bin (?:st|p|cp|acc|rs)\d+", "a struct passed by in")]
    [InlineData(@"\bout X_S\d o\d+", "an out struct declared at the call")]
    [InlineData(@"M\d\([^;\n]*\bout (?:st|p|cp|acc|rs)\d+", "a struct variable passed by out")]
    [InlineData(@"M(\d)\(p0 - [12],[^;\n]*(?:st|p|cp|acc|rs)\d+", "recursion passing a struct")]
    [InlineData(@"\bM\d\([^;\n]*\)\.F\d", "a field of a call's result")]
    [InlineData(@"\)\.(?:Read\d+\(|Prop\d+\b)", "a member of a struct value that is no variable")]
    [InlineData(@"\b(?:st|p|cp|acc|rs)\d+\.(?:Read\d+\(|Prop\d+\b)", "a readonly member of a variable")]
    [InlineData(@"[(+*-] ?\(?\w+\)?(?:st|p|cp|acc|rs)\d+\.Mutate\d+\(", "a mutating method's value in an expression")]
    [InlineData(@"\.Combine\d+\([^;\n]*\)\.F\d", "a field of a combined struct")]
    [InlineData(@"(acc\d+) = \1\.Combine\d+\(", "a struct accumulator combined in a loop")]
    [InlineData(@"acc\d+\.F\d+ [-+*]= \(\w+\)i\d+;", "a struct accumulator's field updated with the loop counter")]
    [InlineData(@"(?m)^\s+acc\d+\.Mutate\d+\(", "a struct accumulator mutated in a loop")]
    public void GeneratorProducesStructConstructs(string pattern, string construct) =>
        Assert.True(CensusPrograms.Value.Concat(MoreCensusPrograms.Value).Any(p => Regex.IsMatch(p, pattern)), $"no {construct} in 600 programs");

    /// <summary>Structs go into about one program in three, mixed with the rest.</summary>
    [Fact]
    public void StructsAreInAboutOneProgramOfThree()
    {
        var withStructs = CensusPrograms.Value.Where(p => p.Contains("public struct X_S0", StringComparison.Ordinal)).ToList();
        Assert.InRange(withStructs.Count, 75, 125);
        // Mixed with memory: some programs have both.
        Assert.Contains(withStructs, p => Regex.IsMatch(p, @"\[\] p\d|Span<"));
    }

    /// <summary>Every program with structs compiles (the census programs are only text): one compilation of a
    /// hundred, in both Roslyn configurations.</summary>
    [Fact]
    public void ProgramsWithStructsCompile()
    {
        var sources = Enumerable.Range(0, 300).Select(seed => new ProgramGenerator(seed).Generate($"C{seed}"))
            .Where(p => p.Contains("public struct", StringComparison.Ordinal)).ToList();
        foreach (var level in new[] { OptimizationLevel.Release, OptimizationLevel.Debug })
            Assert.NotEmpty(ProgramCompiler.Emit(string.Concat(sources), $"StructPrograms{level}", level));
    }

    [Fact]
    public void GeneratorIsDeterministic()
    {
        for (int seed = 0; seed < 20; seed++)
            Assert.Equal(new ProgramGenerator(seed).Generate("X"), new ProgramGenerator(seed).Generate("X"));
    }
}
