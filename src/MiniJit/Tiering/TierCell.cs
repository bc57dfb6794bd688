using System.Runtime.InteropServices;
using MiniJit.Assembler;

namespace MiniJit.Tiering;

/// <summary>
/// Where a tiered unit's entry stub and direct entry find the code to run: sixteen bytes of native memory holding the
/// root function's address and the calls left before tiering up. The stubs count each call down and call through the
/// cell, so one aligned 8-byte store — atomic on x64 — moves every later call to new code, while calls already
/// running finish where they are. The count is not atomic: two threads may count one call, which only moves the
/// tier-up a call or two.
/// </summary>
internal static unsafe class TierCell
{
    const int TargetOffset = 0, CallsLeftOffset = 8;

    public static nint Allocate(int calls)
    {
        var cell = (long*)NativeMemory.AllocZeroed(16);
        cell[1] = calls;
        return (nint)cell;
    }

    public static void Free(nint cell) => NativeMemory.Free((void*)cell);

    public static void SetTarget(nint cell, nint code) => Volatile.Write(ref *(nint*)(cell + TargetOffset), code);

    public static long CallsLeft(nint cell) => Volatile.Read(ref *(long*)(cell + CallsLeftOffset));

    /// <summary>Counts the call and calls (or, from the direct entry, jumps) through the cell. r11 is free in both
    /// stubs: it carries no argument.</summary>
    public static void EmitCallThrough(X64Assembler asm, nint cell, bool jump)
    {
        asm.Mov(Register.R11, (long)cell);
        asm.Sub(Memory.Qword(Register.R11, CallsLeftOffset), 1);
        if (jump) asm.Jmp(Memory.Qword(Register.R11, TargetOffset));
        else asm.Call(Memory.Qword(Register.R11, TargetOffset));
    }
}
