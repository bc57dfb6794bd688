using System.Reflection;
using MiniJit.Cil;

namespace MiniJit.Tests.Cil;

public class CilMethodTests
{
    [Fact]
    public void Static_method_has_its_declared_parameters_and_result()
    {
        var cil = CilMethod.FromMethod(typeof(CilSamples).GetMethod(nameof(CilSamples.Mixed))!);
        Assert.Equal([typeof(long), typeof(double), typeof(string)], cil.ParameterTypes);
        Assert.Equal(typeof(double), cil.ReturnType);
        Assert.False(cil.HasThis);
        Assert.Same(typeof(CilSamples).Module, cil.Module);
        Assert.Equal(cil.Method.GetMethodBody()!.GetILAsByteArray(), cil.IL);
    }

    [Fact]
    public void Instance_method_of_a_class_takes_the_object_as_this()
    {
        var cil = CilMethod.FromMethod(typeof(Counter).GetMethod(nameof(Counter.Next))!);
        Assert.Equal([typeof(Counter)], cil.ParameterTypes);
        Assert.True(cil.HasThis);
    }

    [Fact]
    public void Instance_method_of_a_struct_takes_a_reference_as_this()
    {
        var cil = CilMethod.FromMethod(typeof(Point).GetMethod(nameof(Point.Twice))!);
        Assert.Equal([typeof(Point).MakeByRefType()], cil.ParameterTypes);
    }

    [Fact]
    public void Constructor_takes_this_and_returns_void()
    {
        var cil = CilMethod.FromMethod(typeof(Counter).GetConstructor([typeof(int)])!);
        Assert.Equal([typeof(Counter), typeof(int)], cil.ParameterTypes);
        Assert.Equal(typeof(void), cil.ReturnType);
    }

    [Fact]
    public void Reads_locals_and_exception_clauses()
    {
        var cil = CilMethod.FromMethod(typeof(CilSamples).GetMethod(nameof(CilSamples.Guarded))!);
        Assert.Contains(typeof(int), cil.LocalTypes);
        Assert.True(cil.InitLocals);
        Assert.Equal(2, cil.ExceptionClauseCount);
        Assert.True(cil.MaxStack >= 2);
    }

    public static TheoryData<MethodBase, string> MethodsWithoutBody() => new()
    {
        { typeof(Shape).GetMethod(nameof(Shape.Area))!, "abstract" },
        { typeof(IDisposable).GetMethod(nameof(IDisposable.Dispose))!, "abstract" },
        { typeof(NativeSamples).GetMethod(nameof(NativeSamples.getpid))!, "P/Invoke" },
        { typeof(Func<int>).GetMethod("Invoke")!, "runtime supplies" },
        { FindInternalCall(), "internal call" },
    };

    // Which CoreLib methods are internal calls changes between runtime versions, so look one up.
    static MethodBase FindInternalCall() =>
        typeof(object).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
                                          | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .First(m => (m.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0 && !m.IsAbstract);

    [Theory]
    [MemberData(nameof(MethodsWithoutBody))]
    public void Rejects_methods_without_an_IL_body(MethodBase method, string reason)
    {
        var error = Assert.Throws<JitException>(() => CilMethod.FromMethod(method));
        Assert.Same(method, error.Method);
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Resolves_tokens_in_the_generic_context_of_an_instantiated_method()
    {
        var wrap = typeof(CilSamples).GetMethod(nameof(CilSamples.Wrap))!.MakeGenericMethod(typeof(int));
        var cil = CilMethod.FromMethod(wrap);
        var newobj = cil.Decode().First(i => i.Op == CilOp.Newobj);
        Assert.Equal(typeof(List<int>).GetConstructor([typeof(int)]), cil.ResolveMethod(newobj.Token, newobj));
    }

    [Fact]
    public void Resolves_fields_and_types()
    {
        var cil = CilMethod.FromMethod(typeof(CilSamples).GetMethod(nameof(CilSamples.Guarded))!);
        var count = typeof(Counter).GetField(nameof(Counter.Count))!;
        Assert.Equal(count, cil.ResolveField(count.MetadataToken));
        Assert.Equal(typeof(Point), cil.ResolveType(typeof(Point).MetadataToken));
        Assert.Equal(typeof(Point), cil.ResolveMember(typeof(Point).MetadataToken));
    }

    [Fact]
    public void A_token_that_does_not_resolve_raises_JitException_at_its_instruction()
    {
        var cil = CilMethod.FromMethod(typeof(CilSamples).GetMethod(nameof(CilSamples.Greeting))!);
        var ldstr = cil.Decode()[0];
        // A string token is not a method token.
        var error = Assert.Throws<JitException>(() => cil.ResolveMethod(ldstr.Token, ldstr));
        Assert.Equal((0, "ldstr"), (error.ILOffset, error.OpCode));
        Assert.Contains($"0x{ldstr.Token:X8}", error.Reason);

        var missing = Assert.Throws<JitException>(() => cil.ResolveType(0x02FFFFFF));
        Assert.Null(missing.ILOffset);
    }
}
