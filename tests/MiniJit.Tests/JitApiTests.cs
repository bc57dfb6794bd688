using System.Reflection;

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
