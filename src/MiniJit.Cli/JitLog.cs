namespace MiniJit.Cli;

/// <summary>Shows <see cref="JitOptions.Log"/> lines the way the seed's decorator announced its work:
/// <c>--- JIT-compiling Program.Foo</c>, <c>--- JIT-compiled Program.Foo: 64 bytes in 900 µs</c>.</summary>
public static class JitLog
{
    public static Action<string> To(TextWriter output) => message => output.WriteLine($"--- JIT-{message}");
}
