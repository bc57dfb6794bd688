using System.Reflection;
using MiniJit.Binding;
using MiniJit.Disassembly;

namespace MiniJit;

/// <summary>
/// One compiled unit: a method, every method it calls (compiled with it), its entry stub and the shared error exit,
/// all in one block of executable memory. Delegates bound to it keep it alive. After <see cref="Dispose"/>, every
/// call through them throws <see cref="ObjectDisposedException"/>; the memory goes back once no call is still
/// running in it.
/// </summary>
public sealed class CompiledCode : IDisposable
{

    internal CompiledCode(MethodInfo? method, string name, int parameterCount, int slotCount, CodeMemory.ExecutableMemory memory, nint entryStub,
        nint directEntry, bool bounded, IReadOnlyDictionary<int, string> symbols, int codeLength, nint rootEntry, bool canFail, bool usesSse, nint tierCell)
    {
        TierCell = tierCell;
        RootEntry = rootEntry;
        CanFail = canFail;
        UsesSse = usesSse;
        DirectEntry = directEntry;
        Bounded = bounded;
        Method = method;
        Name = name;
        ParameterCount = parameterCount;
        SlotCount = slotCount;
        Memory = memory;
        EntryStub = entryStub;
        Symbols = symbols;
        CodeLength = codeLength;
    }

    /// <summary>The method compiled, or null for an expression tree.</summary>
    public MethodInfo? Method { get; }
    /// <summary>How many arguments the code takes.</summary>
    public int ParameterCount { get; }
    /// <summary>How many argument slots the code takes: one per parameter, but two for a span (the address of its first
    /// element, then its length). A <see cref="SlotFunction"/> of this code takes this many.</summary>
    public int SlotCount { get; }
    /// <summary>What was compiled: the method's full name, or the lambda's name ("lambda" when it has none).</summary>
    public string Name { get; }
    internal CodeMemory.ExecutableMemory Memory { get; }
    /// <summary>Address of the entry stub: <c>void Entry(JitFrame*)</c>.</summary>
    public nint EntryStub { get; }
    /// <summary>Address of the direct entry, or 0 when the code has none: the compiled function as the plain System V
    /// function of its signature (<c>double F(double, double)</c>: arguments in rdi…, xmm0…, the result in rax or xmm0),
    /// callable through <c>delegate* unmanaged[SuppressGCTransition]&lt;double, double, double&gt;</c>. Only <see cref="Bounded"/>
    /// code that cannot fail has one, and only for parameters of type long, int, double and float (at most five integers
    /// and eight floating-point values) and a result of one of those types or bool; a bool result is the low byte of
    /// rax (declare the pointer's result int and take that byte). The caller must keep the code alive and undisposed for
    /// the whole call; delegates of the most common signatures call it this way.</summary>
    public nint DirectEntry { get; }
    /// <summary>Start address of the code.</summary>
    public nint Address => Memory.Address;
    /// <summary>Bytes of the unit's memory: its code, the constant pool and the stubs.</summary>
    public int Size => Memory.Length;
    /// <summary>One function without loops or calls: it returns within a bounded number of instructions, so its
    /// delegate calls it without the GC transition.</summary>
    public bool Bounded { get; }
    /// <summary>A tiered unit's cell (see <see cref="Tiering.TierCell"/>), or 0.</summary>
    internal nint TierCell { get; }
    /// <summary>Address of the compiled method itself (the function the entry stub calls).</summary>
    internal nint RootEntry { get; }
    /// <summary>Some function may leave through the error exit, so the entry stub sets up the frame for it.</summary>
    internal bool CanFail { get; }
    /// <summary>Some function uses SSE instructions, so the stubs clear the upper halves of the vector registers.</summary>
    internal bool UsesSse { get; }

    /// <summary>With <see cref="JitOptions.Tiered"/>: the optimized code this unit's calls have gone to since it tiered up,
    /// or null while they run the baseline code (it is disposed with this unit).</summary>
    public CompiledCode? Optimized { get; private set; }

    /// <summary>Sends every later call through <paramref name="tierCell"/> to <paramref name="optimized"/>'s code, unless
    /// this unit is disposed or that code needs more of the stubs than this unit's give it (a frame for the error exit,
    /// cleared vector registers, or the GC transition). Returns whether it did.</summary>
    internal bool Promote(CompiledCode optimized, nint tierCell)
    {
        bool fits = (!optimized.CanFail || CanFail) && (!optimized.UsesSse || UsesSse) && (!Bounded || optimized.Bounded);
        return fits && WhileRunnable(() =>
        {
            Memory.ReleaseWith(optimized.Dispose);
            Optimized = optimized;
            Tiering.TierCell.SetTarget(tierCell, optimized.RootEntry);
            return true;
        }) == true;
    }

    /// <summary>Runs <paramref name="action"/> while the pages are sure to stay (as a call does), or returns null when the
    /// code is already disposed.</summary>
    internal T? WhileRunnable<T>(Func<T> action) where T : struct
    {
        var region = Memory.RegionForCall;
        if (region is null) return null;
        bool added = false;
        try
        {
            region.DangerousAddRef(ref added);
            return action();
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        finally
        {
            if (added) region.DangerousRelease();
        }
    }

    /// <summary>Offsets of the functions and stubs in the code, with their names.</summary>
    public IReadOnlyDictionary<int, string> Symbols { get; }

    /// <summary>The machine code, one line per instruction, with function names as labels.</summary>
    /// <summary>Bytes of instructions at the start of the memory; the constant pool follows them.</summary>
    public int CodeLength { get; }

    /// <summary>The unit's machine code, one line per instruction (address, bytes, Intel syntax), with its functions'
    /// names and labels.</summary>
    public string Disassemble() => Disassembler.Disassemble(Memory, Symbols, CodeLength);

    /// <summary>The machine code as data: each instruction's address, bytes, mnemonic, operands, the function it belongs
    /// to and any constant it reads (what <see cref="Disassemble"/> prints).</summary>
    public IReadOnlyList<DisassembledInstruction> DisassembleInstructions() => Disassembler.Decode(Memory, Symbols, CodeLength);

    /// <summary>A <see cref="SlotFunction"/> that calls this code with its arguments as slots: the way to call code of
    /// any signature without a delegate type for it, which under NativeAOT is every signature outside
    /// <see cref="NativeBinding.AotDelegateTypes"/>. <see cref="Jit.CodeOf"/> finds this unit behind it.</summary>
    public SlotFunction CreateSlotFunction() =>
        NativeBinding.CreateSlotFunction(EntryStub, Memory, this, SlotCount, Bounded);

    /// <summary>Makes every delegate of this unit throw <see cref="ObjectDisposedException"/> from now on. Calls
    /// already running on other threads finish normally; the pages return to the arena when the garbage collector
    /// has seen the last of them leave.</summary>
    public void Dispose() => Memory.Dispose();
}
