using System.Reflection;
using MiniJit.Binding;
using MiniJit.Cil;

namespace MiniJit.Tests.Binding;

/// <summary>
/// What MiniJit says under NativeAOT when asked for something that needs the JIT: a delegate type without a
/// precompiled thunk, or a method's IL. These tests run under the JIT, where neither happens, so they check the
/// functions that decide and word the refusals; seeing them thrown takes a NativeAOT publish.
/// </summary>
public class AotRefusalTests
{
    [Fact]
    public void An_unbindable_delegate_type_is_named_with_what_to_use_instead()
    {
        var error = NativeBinding.NotBindableWithoutDynamicCode(typeof(Func<int, double>));
        Assert.StartsWith("System.Func`2[System.Int32,System.Double] cannot be bound", error.Message);
        Assert.Contains("NativeAOT", error.Message);
        Assert.Contains("NativeBinding.AotDelegateTypes", error.Message);
        Assert.Contains("SlotFunction", error.Message);
    }

    [Fact]
    public void A_body_that_NativeAOT_does_not_keep_says_to_compile_an_expression_tree()
    {
        var method = typeof(AotRefusalTests).GetMethod(nameof(Square), BindingFlags.NonPublic | BindingFlags.Static)!;
        var error = CilMethod.UnreadableBody(method, new PlatformNotSupportedException("Operation is not supported on this platform."));
        Assert.Same(method, error.Method);
        Assert.Equal(CilMethod.NoILUnderNativeAot, error.Reason);
        Assert.Equal("MiniJit.Tests.Binding.AotRefusalTests.Square: compiling a method needs its IL, which NativeAOT does not keep; "
            + "compile an expression tree instead", error.Message);
    }

    [Fact]
    public void A_body_that_reflection_hides_is_still_reported_as_such()
    {
        var method = typeof(AotRefusalTests).GetMethod(nameof(Square), BindingFlags.NonPublic | BindingFlags.Static)!;
        var error = CilMethod.UnreadableBody(method, new InvalidOperationException("no body here"));
        Assert.Equal("cannot compile: reflection cannot read its body (no body here)", error.Reason);
    }

    static long Square(long x) => x * x;
}
