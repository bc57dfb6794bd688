using System.Runtime.InteropServices;

namespace MiniJit.Binding;

/// <summary>
/// The lowest stack address generated code may use on the current thread. Native code that runs off the end of
/// its stack kills the process, so compiled prologues compare rsp with this limit (via
/// <see cref="JitFrame.StackLimit"/>) and report <see cref="JitStatus.StackOverflow"/> instead.
/// </summary>
public static partial class NativeStack
{
    /// <summary>Left free above the real end of the stack for the entry stub, the error path and whatever
    /// managed or native code the process needs to throw the exception.</summary>
    const int SafetyMargin = 64 * 1024;

    /// <summary>Depth allowed when the operating system cannot tell us the stack bounds. Every default .NET
    /// thread stack (the smallest is 512 KiB, on macOS) has this much room below a shallow caller.</summary>
    const int FallbackDepth = 256 * 1024;

    [ThreadStatic] static nint limit;

    /// <summary>Asks the operating system once per thread, then answers from the cache.</summary>
    public static nint Limit => limit != 0 ? limit : limit = Query();

    static nint Query()
    {
        if (OperatingSystem.IsLinux() && LinuxStackLow() is nint linuxLow) return linuxLow + SafetyMargin;
        if (OperatingSystem.IsMacOS()) return MacStackLow() + SafetyMargin;
        if (OperatingSystem.IsWindows())
        {
            GetCurrentThreadStackLimits(out var low, out _);
            return (nint)low + SafetyMargin;
        }
        return Fallback();
    }

    /// <summary>pthread_getattr_np fills in the bounds of a running thread (for the main thread glibc derives
    /// them from the stack rlimit). Null when a call fails.</summary>
    static unsafe nint? LinuxStackLow()
    {
        // pthread_attr_t is 56 bytes on x86-64 glibc; a larger buffer leaves room for other C libraries.
        var attributes = stackalloc byte[64];
        if (pthread_getattr_np(pthread_self(), attributes) != 0) return null;
        try
        {
            return pthread_attr_getstack(attributes, out var low, out _) == 0 ? low : null;
        }
        finally
        {
            pthread_attr_destroy(attributes);
        }
    }

    /// <summary>macOS reports the top of the stack (it grows down) and its size.</summary>
    static nint MacStackLow()
    {
        var self = pthread_self();
        return pthread_get_stackaddr_np(self) - (nint)pthread_get_stacksize_np(self);
    }

    /// <summary>Used when the operating system gives no answer. A guess relative to where we are now: it stops
    /// runaway recursion, at the price of refusing very deep recursion that would have fit.</summary>
    static unsafe nint Fallback()
    {
        byte probe;
        return (nint)(&probe) - FallbackDepth;
    }

    [LibraryImport("libc")]
    private static partial nuint pthread_self();

    [LibraryImport("libc")]
    private static unsafe partial int pthread_getattr_np(nuint thread, byte* attributes);

    [LibraryImport("libc")]
    private static unsafe partial int pthread_attr_getstack(byte* attributes, out nint stackLow, out nuint size);

    [LibraryImport("libc")]
    private static unsafe partial int pthread_attr_destroy(byte* attributes);

    [LibraryImport("libc")]
    private static partial nint pthread_get_stackaddr_np(nuint thread);

    [LibraryImport("libc")]
    private static partial nuint pthread_get_stacksize_np(nuint thread);

    [LibraryImport("kernel32.dll")]
    private static partial void GetCurrentThreadStackLimits(out nuint low, out nuint high);
}
