using System.Runtime.InteropServices;

namespace MiniJit.Binding;

/// <summary>
/// The one block of memory shared by a managed thunk and the generated code it calls. The thunk fills in the
/// arguments and the stack limit, calls the entry stub with a pointer to the frame, and reads back the status
/// and the result. The entry stub puts the frame pointer in the frame register (r15), where every compiled function
/// finds it, so a check anywhere in the call tree can record a status and unwind straight to the entry stub.
/// </summary>
/// <remarks>Every field is 8 bytes; the generated code addresses them with the offsets below.</remarks>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct JitFrame
{
    /// <summary>The one limit on arguments from a delegate: the thunks, the entry stub and the compiler all check it.</summary>
    public const int MaxArguments = 8;
    public const int StackLimitOffset = 0;
    public const int EntryRspOffset = 8;
    public const int StatusOffset = 16;
    public const int ResultOffset = 24;
    public const int SecondResultOffset = 32;
    public const int ArgumentsOffset = 40;

    /// <summary>Lowest rsp the generated code may reach; a prologue below it reports <see cref="JitStatus.StackOverflow"/>.</summary>
    public nint StackLimit;
    /// <summary>rsp inside the entry stub after it saved the callee-saved registers; the error exit restores it.</summary>
    public nint EntryRsp;
    public JitStatus Status;
    /// <summary>rax, or the bits of xmm0 for a floating-point result.</summary>
    public long Result;
    /// <summary>The second eightbyte of a struct result (rdx or xmm1), right after the first, so that the two read
    /// together are the struct.</summary>
    public long SecondResult;
    /// <summary>The arguments in the bits of their CLR types (doubles bit-cast, small types zero-padded), one slot each in
    /// order, but two for a span (its first element's address, then its length); an array, a byref or a pointer is an
    /// address (see <see cref="NativeBinding.SlotsOf"/>).</summary>
    public fixed long Arguments[MaxArguments];
}
