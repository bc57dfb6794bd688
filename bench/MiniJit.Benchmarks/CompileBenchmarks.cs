using System.Linq.Expressions;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MiniJit.Cil;

namespace MiniJit.Benchmarks;

/// <summary>
/// Compile latency: from a method to its first result, for the generated methods of about 20, 200, 1 000 and
/// 10 000 IL instructions. MiniJit starts from the MethodInfo (reading the IL is part of its cost) and frees its code
/// afterwards, as it must or thousands of compiles would exhaust the process's memory mappings. Expression.Compile
/// (RyuJIT behind it), the expression interpreter and DynamicMethod get the same method built from the same
/// <see cref="GeneratedProgram"/>; their trees are built once, outside the measurement, as the MethodInfo is for MiniJit.
/// Method names are Size_Compiler; <see cref="Report"/> relies on that.
/// </summary>
[Config(typeof(SuiteConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
// As in ExpressionBenchmarks: MiniJit's own code is JIT-compiled like any assembly, and a tight loop of compiles took
// about 4 s to reach tier 1 on the loaded machine; the suite's 0.6 s warm-up measured it half-optimized.
[WarmupCount(30)]
public class CompileBenchmarks
{
    const long A = 3, B = 5;
    static readonly JitOptions Unoptimized = new() { Optimize = false };

    readonly Dictionary<string, MethodInfo> methods = [];
    readonly Dictionary<string, Expression<Func<long, long, long>>> expressions = [];

    /// <summary>The IL instruction count of a generated method, as MiniJit's reader decodes it.</summary>
    public static int IlInstructions(string name) =>
        CilReader.Decode(MethodOf(name).GetMethodBody()!.GetILAsByteArray()).Length;

    static MethodInfo MethodOf(string name) => typeof(GeneratedMethods).GetMethod(name)!;

    [GlobalSetup]
    public void Setup()
    {
        foreach (var program in GeneratedProgram.All)
        {
            var method = MethodOf(program.Name);
            methods[program.Name] = method;
            expressions[program.Name] = program.ToExpression();
            // The four ways of compiling must compute the same thing, or the C# file is stale: rerun `-- generate`.
            var expected = (long)method.Invoke(null, [A, B])!;
            long[] actual = [RunMiniJit(program.Name), MiniJitUnoptimized(program.Name), ExpressionCompile(program.Name), ExpressionInterpret(program.Name), DynamicMethod(program.Name)];
            if (actual.Any(a => a != expected))
                throw new InvalidOperationException($"{program.Name}: results {string.Join(", ", actual)} differ from RyuJIT's {expected}");
            Console.WriteLine($"// {program.Name}: {IlInstructions(program.Name)} IL instructions");
        }
    }

    long RunMiniJit(string name, JitOptions? options = null)
    {
        var compiled = Jit.Compile<Func<long, long, long>>(methods[name], options);
        var result = compiled(A, B);
        Jit.CodeOf(compiled).Dispose();
        return result;
    }

    long MiniJitUnoptimized(string name) => RunMiniJit(name, Unoptimized);
    long ExpressionCompile(string name) => expressions[name].Compile()(A, B);
    long ExpressionInterpret(string name) => expressions[name].Compile(preferInterpretation: true)(A, B);
    static long DynamicMethod(string name) => GeneratedProgram.Get(name).EmitDynamicMethod()(A, B);

    [Benchmark(Baseline = true), BenchmarkCategory("Small")] public long Small_MiniJit() => RunMiniJit("Small");
    [Benchmark, BenchmarkCategory("Small")] public long Small_MiniJitUnoptimized() => MiniJitUnoptimized("Small");
    [Benchmark, BenchmarkCategory("Small")] public long Small_ExpressionCompile() => ExpressionCompile("Small");
    [Benchmark, BenchmarkCategory("Small")] public long Small_ExpressionInterpret() => ExpressionInterpret("Small");
    [Benchmark, BenchmarkCategory("Small")] public long Small_DynamicMethod() => DynamicMethod("Small");

    [Benchmark(Baseline = true), BenchmarkCategory("Medium")] public long Medium_MiniJit() => RunMiniJit("Medium");
    [Benchmark, BenchmarkCategory("Medium")] public long Medium_MiniJitUnoptimized() => MiniJitUnoptimized("Medium");
    [Benchmark, BenchmarkCategory("Medium")] public long Medium_ExpressionCompile() => ExpressionCompile("Medium");
    [Benchmark, BenchmarkCategory("Medium")] public long Medium_ExpressionInterpret() => ExpressionInterpret("Medium");
    [Benchmark, BenchmarkCategory("Medium")] public long Medium_DynamicMethod() => DynamicMethod("Medium");

    [Benchmark(Baseline = true), BenchmarkCategory("Large1k")] public long Large1k_MiniJit() => RunMiniJit("Large1k");
    [Benchmark, BenchmarkCategory("Large1k")] public long Large1k_MiniJitUnoptimized() => MiniJitUnoptimized("Large1k");
    [Benchmark, BenchmarkCategory("Large1k")] public long Large1k_DynamicMethod() => DynamicMethod("Large1k");

    [Benchmark(Baseline = true), BenchmarkCategory("Large10k")] public long Large10k_MiniJit() => RunMiniJit("Large10k");
    [Benchmark, BenchmarkCategory("Large10k")] public long Large10k_MiniJitUnoptimized() => MiniJitUnoptimized("Large10k");
    [Benchmark, BenchmarkCategory("Large10k")] public long Large10k_DynamicMethod() => DynamicMethod("Large10k");
}
