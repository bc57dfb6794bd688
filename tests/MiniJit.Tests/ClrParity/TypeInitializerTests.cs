using MiniJit.Cli.Fuzzing;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace MiniJit.Tests.ClrParity;

/// <summary>Static constructors run when the CLR runs them: a call into a type with a static constructor (and no
/// beforefieldinit) runs it on the first call that reaches it — not at compile time, not on a path that does not
/// reach it — and a throwing one makes that call and every later one throw TypeInitializationException. Each test
/// compiles the same source twice, so the CLR and MiniJit each start with types that were never initialized, and
/// compares results and the initializers' side effects step by step.</summary>
public class TypeInitializerTests
{
    const string Source = """
        using System;
        public static class Log { public static int Count; }
        public static class Counted
        {
            static Counted() { Log.Count++; }
            public static int Next(int x) => x + 1;
            public static int Root(int x) => x * 2;
        }
        public static class Failing
        {
            static Failing() { Log.Count += 100; throw new InvalidOperationException("initializer failed"); }
            public static int One() => 1;
        }
        public static class Programs
        {
            public static int CallsCounted(int x) => x == 0 ? -1 : Counted.Next(x) + Counted.Next(x);
            public static int CallsFailing(int x) => 10 / x + (x == 1 ? Failing.One() : 0);
        }
        """;

    static int assemblies;

    sealed record Copy(Assembly Assembly)
    {
        public MethodInfo Method(string type, string name) => Assembly.GetType(type)!.GetMethod(name)!;
        public int Count => (int)Assembly.GetType("Log")!.GetField("Count")!.GetValue(null)!;
    }

    static (Copy Clr, Copy Jit) TwoCopies() =>
        (new(ProgramCompiler.Compile(Source, $"TypeInit{Interlocked.Increment(ref assemblies)}", OptimizationLevel.Release)),
         new(ProgramCompiler.Compile(Source, $"TypeInit{Interlocked.Increment(ref assemblies)}", OptimizationLevel.Release)));

    /// <summary>Calls both with <paramref name="x"/>; the outcomes and the side effects so far must agree.</summary>
    static void Step(Copy clr, Copy jit, Delegate compiled, string type, string name, int x, int expectedCount)
    {
        var expected = Parity.Run(Delegate.CreateDelegate(compiled.GetType(), clr.Method(type, name)), [x]);
        Assert.Equal(expected, Parity.Run(compiled, [x]));
        Assert.Equal(expectedCount, clr.Count);
        Assert.Equal(clr.Count, jit.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnInitializerRunsOnTheFirstCallThatReachesItAndOnlyOnce(bool optimize)
    {
        var (clr, jit) = TwoCopies();
        var compiled = Parity.Compile(jit.Method("Programs", "CallsCounted"), new JitOptions { Optimize = optimize });
        Assert.Equal(0, jit.Count);  // compiling ran nothing
        Step(clr, jit, compiled, "Programs", "CallsCounted", 0, expectedCount: 0);
        Step(clr, jit, compiled, "Programs", "CallsCounted", 5, expectedCount: 1);
        Step(clr, jit, compiled, "Programs", "CallsCounted", 7, expectedCount: 1);
    }

    [Fact]
    public void TheRootsOwnTypeIsInitializedAtTheFirstCall()
    {
        var (clr, jit) = TwoCopies();
        var compiled = Parity.Compile(jit.Method("Counted", "Root"), null);
        Assert.Equal(0, jit.Count);
        Step(clr, jit, compiled, "Counted", "Root", 21, expectedCount: 1);
        Step(clr, jit, compiled, "Counted", "Root", -4, expectedCount: 1);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AThrowingInitializerThrowsTypeInitializationExceptionAtEveryCallThatReachesIt(bool optimize)
    {
        var (clr, jit) = TwoCopies();
        var compiled = Parity.Compile(jit.Method("Programs", "CallsFailing"), new JitOptions { Optimize = optimize });
        Step(clr, jit, compiled, "Programs", "CallsFailing", 0, expectedCount: 0);    // DivideByZeroException first
        Step(clr, jit, compiled, "Programs", "CallsFailing", 2, expectedCount: 0);    // does not reach Failing.One
        Step(clr, jit, compiled, "Programs", "CallsFailing", 1, expectedCount: 100);  // TypeInitializationException
        Step(clr, jit, compiled, "Programs", "CallsFailing", 1, expectedCount: 100);  // again, without running it again
        var e = Assert.Throws<TypeInitializationException>(() => ((Func<int, int>)compiled)(1));
        Assert.Equal("Failing", e.TypeName);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }
}
