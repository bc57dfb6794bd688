using System.Reflection;
using MiniJit.Disassembly;

namespace MiniJit;

/// <summary>
/// One compiled unit: a method, every method it calls (compiled with it), its entry stub and the shared error exit,
/// all in one block of executable memory. Delegates bound to it keep it alive; disposing it frees the memory
/// (after which calling those delegates is an error).
/// </summary>
public sealed class CompiledCode : IDisposable
{
    readonly CodeMemory.ExecutableMemory memory;

    internal CompiledCode(MethodInfo method, CodeMemory.ExecutableMemory memory, nint entryStub, bool bounded, IReadOnlyDictionary<int, string> symbols)
    {
        Bounded = bounded;
        Method = method;
        this.memory = memory;
        EntryStub = entryStub;
        Symbols = symbols;
    }

    public MethodInfo Method { get; }
    /// <summary>Address of the entry stub: <c>void Entry(JitFrame*)</c>.</summary>
    public nint EntryStub { get; }
    /// <summary>Start address of the code.</summary>
    public nint Address => memory.Address;
    public int Size => memory.Length;
    /// <summary>One function without loops or calls: it returns within a bounded number of instructions, so its
    /// delegate calls it without the GC transition.</summary>
    public bool Bounded { get; }
    /// <summary>Offsets of the functions and stubs in the code, with their names.</summary>
    public IReadOnlyDictionary<int, string> Symbols { get; }

    /// <summary>The machine code, one line per instruction, with function names as labels.</summary>
    public string Disassemble() => Disassembler.Disassemble(memory, Symbols);

    public void Dispose() => memory.Dispose();
}
