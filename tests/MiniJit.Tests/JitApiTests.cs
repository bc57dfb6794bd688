using System.Reflection;
using System.Runtime.InteropServices;
using MiniJit.Binding;

namespace MiniJit.Tests;

/// <summary>What Jit.Compile refuses, and how: each refusal names the method and says why.</summary>
public class JitApiTests
{
    static long Twice(long x) => 2 * x;

    sealed class Counter
    {
        public long Step = 3;
        public long Add(long x) => x + Step;
    }

    static MethodInfo Method(string name) => typeof(JitApiTests).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;

    [Fact]
    public unsafe void CompilePointer_gives_a_plain_function_for_code_that_cannot_fail()
    {
        using var code = Jit.CompilePointer<Func<long, long, long>>((a, b) => a * b + 3);
        var f = (delegate* unmanaged[SuppressGCTransition]<long, long, long>)code.DirectEntry;
        Assert.Equal(11, f(2, 4));
        Assert.Equal(long.MinValue + 3, f(long.MinValue, 1));
        using var mixed = Jit.CompilePointer<Func<double, int, double>>((x, n) => x * n - 0.5);
        var g = (delegate* unmanaged<double, int, double>)mixed.DirectEntry;
        Assert.Equal(2.5, g(1.5, 2));
    }

    [Theory]
    [InlineData(nameof(DividesLongs), "it can fail")]
    [InlineData(nameof(SumsUpTo), "it loops or calls")]
    public void CompilePointer_refuses_code_without_a_direct_entry(string name, string reason)
    {
        var e = Assert.Throws<JitException>(() => Jit.CompilePointer(Method(name).CreateDelegate<Func<long, long, long>>()));
        Assert.Contains("no direct entry for a function pointer", e.Message);
        Assert.Contains(reason, e.Message);
        Assert.Contains("signature has other types", Assert.Throws<JitException>(() => Jit.CompilePointer<Func<short, short>>(s => (short)(s + 1))).Message);
    }

    static long DividesLongs(long a, long b) => a / b;
    static long SumsUpTo(long n, long step) { long s = 0; for (long i = 0; i < n; i += step) s += i; return s; }

    [Fact]
    public void Timing_reports_each_stage_of_a_compile_in_order()
    {
        var stages = new List<StageTiming>();
        var add = Jit.Compile<Func<long, long, long>>((a, b) => a * b + 3, new JitOptions { Verify = false, Timing = stages.Add });
        Assert.Equal(11, add(2, 4));
        var names = stages.Select(s => s.Stage).ToList();
        Assert.Equal(["read IL", "import", .. Optimization.Optimizer.PassNames], names.Skip(0).Take(2 + Optimization.Optimizer.PassNames.Count()));
        string[] tail = ["lower", "liveness", "register allocation", "emit", "peephole", "encode", "entry stub", "assemble", "executable memory", "bind"];
        Assert.Equal(tail, names.TakeLast(tail.Length));
        Assert.All(stages, s => Assert.True(s.Time >= TimeSpan.Zero && s.BytesAllocated >= 0, s.ToString()));
        // With the verifier on, each check is a stage of its own.
        var verified = new List<string>();
        Jit.Compile<Func<long, long, long>>((a, b) => a - b, new JitOptions { Verify = true, Timing = s => verified.Add(s.Stage) });
        Assert.Contains("verify", verified);
    }

    [Fact]
    public void A_delegate_type_that_does_not_match_the_method_is_an_argument_error()
    {
        var e = Assert.Throws<ArgumentException>(() => Jit.Compile<Func<int, int>>(Method(nameof(Twice))));
        Assert.Contains("Twice", e.Message);
        Assert.Equal(10, Jit.Compile<Func<long, long>>(Method(nameof(Twice)))(5));
    }

    [Fact]
    public void An_instance_method_is_refused_with_the_reason()
    {
        var byReflection = Assert.Throws<JitException>(() => Jit.Compile<Func<long, long>>(typeof(Counter).GetMethod(nameof(Counter.Add))!));
        Assert.Contains("instance methods are not supported", byReflection.Message);
        Assert.Equal(nameof(Counter.Add), byReflection.Method?.Name);

        var byDelegate = Assert.Throws<JitException>(() => Jit.Compile<Func<long, long>>(new Counter().Add));
        Assert.Contains("captures 'Step'", byDelegate.Message);  // an ordinary object's fields count as captured state
    }

    [Fact]
    public void A_multicast_delegate_is_refused()
    {
        Func<long, long> both = Twice;
        both += Twice;
        var e = Assert.Throws<JitException>(() => Jit.Compile(both));
        Assert.Contains("multicast", e.Message);
    }
}

/// <summary>Refusals that name exactly what is wrong, and happen before any work is wasted.</summary>
public class JitRefusalDetailTests
{
    static long DoublesTheSecond(string unused, long x) => 2 * x;
    static long IgnoresText(long x, string text) => text is null ? x : -x;
    static long AddsTicks(long x) { DateTime time = default; return time.Ticks + x; }
#pragma warning disable CS0649 // never assigned: only its type matters here
    struct Labeled { public string? Label; public long Value; }
#pragma warning restore CS0649
    static long ReadsLabeled(long x) { Labeled labeled = default; return labeled.Value + x; }
    static long SumOfNine(long a, long b, long c, long d, long e, long f, long g, long h, long i) => a + b + c + d + e + f + g + h + i;
    delegate long NineLongs(long a, long b, long c, long d, long e, long f, long g, long h, long i);

    static MethodInfo Method(string name) => typeof(JitRefusalDetailTests).GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic)!;

    [Fact]
    public void The_capturing_lambda_error_names_only_the_variables_the_lambda_uses()
    {
        long offset = Environment.TickCount64 % 10, unrelatedScale = 3;
        // Both lambdas share one closure class holding both variables.
        Func<long, long> addsOffset = x => x + offset;
        Func<long, long> scales = x => x * unrelatedScale;
        var e = Assert.Throws<JitException>(() => Jit.Compile(addsOffset));
        Assert.Contains("'offset'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(nameof(unrelatedScale), e.Message, StringComparison.Ordinal);
        Assert.Equal(offset + 1, addsOffset(1));
        Assert.Equal(6, scales(2));
    }

    [Fact]
    public void A_delegate_closed_over_its_first_argument_is_refused()
    {
        var closed = (Func<long, long>)Delegate.CreateDelegate(typeof(Func<long, long>), "bound", Method(nameof(DoublesTheSecond)));
        Assert.Equal(42, closed(21));
        var e = Assert.Throws<JitException>(() => Jit.Compile(closed));
        Assert.Contains("closed over its first argument", e.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(DoublesTheSecond), e.Method?.Name);
    }

    sealed class Box
    {
        public long Value = 5;
        public long Plus(long x) => Value + x;
    }

    [Fact]
    public void An_open_instance_delegate_is_refused()
    {
        var open = (Func<Box, long, long>)Delegate.CreateDelegate(typeof(Func<Box, long, long>), null, typeof(Box).GetMethod(nameof(Box.Plus))!);
        Assert.Equal(7, open(new Box(), 2));
        var e = Assert.Throws<JitException>(() => Jit.Compile(open));
        Assert.Contains("instance methods are not supported", e.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(Box.Plus), e.Method?.Name);
    }

    [Fact]
    public void A_parameter_of_an_unsupported_type_is_refused_at_its_first_use()
    {
        var method = Method(nameof(IgnoresText));
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<long, string, long>>(method));
        Assert.Equal(method, e.Method);
        Assert.Equal("ldarg.1", e.OpCode);
        Assert.Equal(0x03, method.GetMethodBody()!.GetILAsByteArray()![e.ILOffset!.Value]);  // ldarg.1
        Assert.Contains($"IL_{e.ILOffset:x4} (ldarg.1): parameter 1 has type String", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_of_an_unsupported_type_is_refused_at_its_first_use()
    {
        var method = Method(nameof(ReadsLabeled));
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<long, long>>(method));
        Assert.Equal(method, e.Method);
        Assert.Equal("ldloca.s", e.OpCode);
        Assert.Equal(0x12, method.GetMethodBody()!.GetILAsByteArray()![e.ILOffset!.Value]);  // ldloca.s
        Assert.Contains("local 0 has type Labeled", e.Message, StringComparison.Ordinal);
        Assert.Contains("its field Label holds a reference (String)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_struct_of_the_base_library_compiles_from_its_IL()
    {
        // DateTime is a struct of one ulong: its Ticks property is compiled like any method of a struct.
        Assert.Equal(AddsTicks(42), Jit.Compile<Func<long, long>>(Method(nameof(AddsTicks)))(42));
    }

    [Fact]
    public void More_parameters_than_a_delegate_can_pass_are_refused_before_any_compilation_work()
    {
        var stages = 0;
        var e = Assert.Throws<JitException>(() =>
            Jit.Compile<NineLongs>(Method(nameof(SumOfNine)), new JitOptions { Explain = _ => stages++ }));
        Assert.Contains("9 parameters", e.Message, StringComparison.Ordinal);
        Assert.Contains($"at most {NativeBinding.MaxParameters}", e.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(SumOfNine), e.Method?.Name);
        Assert.Equal(0, stages);
        Assert.Equal(JitFrame.MaxArguments, NativeBinding.MaxParameters);
    }

    [Fact]
    public void The_platform_check_names_what_is_supported()
    {
        Assert.Null(Jit.PlatformError(Architecture.X64, isLinux: true, "Linux"));
        var arm = Jit.PlatformError(Architecture.Arm64, isLinux: true, "Linux 6.1");
        var windows = Jit.PlatformError(Architecture.X64, isLinux: false, "Microsoft Windows 10.0.26100");
        foreach (var error in new[] { arm, windows })
        {
            Assert.NotNull(error);
            Assert.Contains("supports only x86-64 Linux", error.Message, StringComparison.Ordinal);
        }
        Assert.Contains("Arm64 Linux 6.1", arm!.Message, StringComparison.Ordinal);
        Assert.Contains("X64 Microsoft Windows", windows!.Message, StringComparison.Ordinal);
        Assert.Equal(OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64, Jit.IsSupported);
    }
}
