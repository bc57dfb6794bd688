using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace MiniJit.Binding;

/// <summary>
/// The C runtime's math library. The CLR computes <c>Math.Sin</c>, <c>Math.Pow</c>, <c>double % double</c> and their
/// kin by calling these very functions, so compiled code that calls them gets the CLR's results bit for bit — no
/// reimplementation could promise that.
/// </summary>
public static class CMathLibrary
{
    static readonly Lazy<nint> Library = new(() => NativeLibrary.Load(
        OperatingSystem.IsWindows() ? "ucrtbase.dll" : OperatingSystem.IsMacOS() ? "libSystem.dylib" : "libm.so.6"));

    static readonly ConcurrentDictionary<string, nint> Addresses = new();

    /// <summary>The address of a function of the library, such as <c>sin</c> or <c>powf</c>.</summary>
    /// <exception cref="JitException">The library has no such function.</exception>
    public static nint AddressOf(string symbol) => Addresses.GetOrAdd(symbol, static name =>
        NativeLibrary.TryGetExport(Library.Value, name, out var address)
            ? address
            : throw new JitException($"the C math library has no function '{name}'"));

    /// <summary>The symbol at an address handed out by <see cref="AddressOf"/>, for printing.</summary>
    public static string SymbolAt(nint address)
    {
        foreach (var (symbol, at) in Addresses)
            if (at == address) return symbol;
        return $"0x{address:x}";
    }
}
