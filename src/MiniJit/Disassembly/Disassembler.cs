using Iced.Intel;
using StringBuilder = System.Text.StringBuilder;
using MiniJit.CodeMemory;

namespace MiniJit.Disassembly;

/// <summary>One decoded instruction of compiled code.</summary>
/// <param name="Address">Where it runs.</param>
/// <param name="Bytes">Its encoding.</param>
/// <param name="Mnemonic">Intel syntax, lower case (<c>imul</c>; with any prefix, <c>rep stosb</c>).</param>
/// <param name="Operands">Its operands as Intel syntax prints them, branch and call targets by name
/// (<c>rsi, rsi</c>; <c>DemoPrograms.Fib</c>); empty when it has none.</param>
/// <param name="Function">The function or stub it belongs to (<c>DemoPrograms.Fib</c>, <c>entry stub</c>), when the code has names.</param>
/// <param name="Label">The name of the function or stub that starts at this instruction, or null.</param>
/// <param name="Constant">The value of a constant-pool entry it reads (<c>0.5</c>), or null.</param>
public sealed record DisassembledInstruction(ulong Address, byte[] Bytes, string Mnemonic, string Operands, string? Function, string? Label, string? Constant)
{
    /// <summary>The instruction as one line of Intel syntax: <c>imul rsi, rsi</c>.</summary>
    public string Text => Operands.Length == 0 ? Mnemonic : $"{Mnemonic} {Operands}";
}

/// <summary>
/// Prints machine code as text, one instruction a line: address, raw bytes, Intel syntax — or gives it as data
/// (<see cref="Decode(ReadOnlySpan{byte}, ulong, IReadOnlyDictionary{int, string}?, int?)"/>). Iced does the
/// decoding; this class only lays out the listing. It lets a student see exactly what the JIT produced.
/// </summary>
public static class Disassembler
{
    /// <summary>Room for ten bytes ("xx " each); longer instructions push their text one space further.</summary>
    const int BytesColumnWidth = 30;

    /// <summary>Disassembles the code of a compiled unit at its real address.</summary>
    /// <param name="codeLength">Where the instructions end and the constant pool begins (all of it by default).</param>
    public static string Disassemble(ExecutableMemory memory, IReadOnlyDictionary<int, string>? labels = null, int? codeLength = null) =>
        Disassemble(memory.Code, (ulong)memory.Address, labels, codeLength);

    /// <summary>The code of a compiled unit as data, one record per instruction (the constant pool left out).</summary>
    public static IReadOnlyList<DisassembledInstruction> Decode(ExecutableMemory memory, IReadOnlyDictionary<int, string>? labels = null, int? codeLength = null) =>
        Decode(memory.Code, (ulong)memory.Address, labels, codeLength);

    /// <summary>
    /// Decodes <paramref name="code"/> as if it were loaded at <paramref name="address"/>: each instruction's address,
    /// bytes, mnemonic and operands (Intel syntax, branch targets by name), the function it belongs to, and the value of
    /// a constant it reads.
    /// </summary>
    /// <param name="labels">Optional names for code offsets (for example function entry points): an instruction at or
    /// after one belongs to it, and branches and calls to it show the name instead of the address.</param>
    /// <param name="codeLength">Bytes of instructions; the rest is the constant pool.</param>
    public static IReadOnlyList<DisassembledInstruction> Decode(ReadOnlySpan<byte> code, ulong address, IReadOnlyDictionary<int, string>? labels = null, int? codeLength = null)
    {
        var all = code;
        code = code[..(codeLength ?? code.Length)];
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code.ToArray()), address);
        var formatter = new IntelFormatter(labels is null ? null : new LabelResolver(address, labels));
        formatter.Options.SpaceAfterOperandSeparator = true;
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = null;
        formatter.Options.UppercaseHex = false;
        formatter.Options.BranchLeadingZeros = false;
        formatter.Options.ShowBranchSize = false;

        var instructions = new List<DisassembledInstruction>();
        var text = new StringOutput();
        var end = address + (ulong)code.Length;
        string? function = null;
        while (decoder.IP < end)
        {
            var offset = (int)(decoder.IP - address);
            string? label = labels is not null && labels.TryGetValue(offset, out var name) ? name : null;
            function = label ?? function;
            decoder.Decode(out var instruction);
            // Bytes that are no valid instruction show as "(bad)"; the listing goes on after them.
            formatter.FormatMnemonic(instruction, text);
            var mnemonic = text.ToStringAndReset();
            formatter.FormatAllOperands(instruction, text);
            var operands = text.ToStringAndReset();
            string? constant = instruction.IsIPRelativeMemoryOperand && instruction.IPRelativeMemoryAddress - address is var at
                && at >= (ulong)code.Length && at + 8 <= (ulong)all.Length ? ConstantText(all[(int)at..], instruction) : null;
            instructions.Add(new DisassembledInstruction(instruction.IP, code.Slice(offset, instruction.Length).ToArray(), mnemonic, operands, function, label, constant));
        }
        return instructions;
    }

    /// <summary>
    /// Disassembles <paramref name="code"/> as if it were loaded at <paramref name="address"/>: the listing of
    /// <see cref="Decode(ReadOnlySpan{byte}, ulong, IReadOnlyDictionary{int, string}?, int?)"/>, a <c>name:</c> line
    /// before each labelled instruction, and the constant pool as data.
    /// </summary>
    public static string Disassemble(ReadOnlySpan<byte> code, ulong address, IReadOnlyDictionary<int, string>? labels = null, int? codeLength = null)
    {
        var instructions = Decode(code, address, labels, codeLength);
        int length = codeLength ?? code.Length;
        var listing = new StringBuilder();
        var end = address + (ulong)length;
        // Every address printed with as many digits as the last one, so that the byte columns line up.
        var addressFormat = "x" + Math.Max(end - 1, address).ToString("x").Length;
        foreach (var instruction in instructions)
        {
            if (instruction.Label is { } label) listing.Append(label).Append(":\n");
            listing.Append("0x").Append(instruction.Address.ToString(addressFormat)).Append(' ');
            foreach (var b in instruction.Bytes) listing.Append(b.ToString("x2")).Append(' ');
            listing.Append(' ', Math.Max(0, BytesColumnWidth - 3 * instruction.Bytes.Length));
            listing.Append(instruction.Text);
            if (instruction.Constant is { } constant) listing.Append("  ; ").Append(constant);
            listing.Append('\n');
        }
        if (length < code.Length)
        {
            listing.Append("constant pool:\n");
            int first = (length + 15) & ~15;
            for (int at = first; at + 16 <= code.Length; at += 16)
                listing.Append("0x").Append((address + (ulong)at).ToString(addressFormat)).Append(' ')
                    .Append(Convert.ToHexString(code.Slice(at, 16)).ToLowerInvariant()).Append('\n');
        }
        return listing.ToString();
    }

    /// <summary>A constant as the instruction reads it: a float for the ss forms, a double for the sd ones, bits for
    /// the masks of the packed ones.</summary>
    static string ConstantText(ReadOnlySpan<byte> bytes, in Instruction instruction)
    {
        var name = instruction.Mnemonic.ToString();
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (name.EndsWith("ss", StringComparison.OrdinalIgnoreCase) && !name.StartsWith("Cvtss", StringComparison.OrdinalIgnoreCase))
            return BitConverter.ToSingle(bytes).ToString("R", invariant);
        if (name.EndsWith("sd", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Cvtss", StringComparison.OrdinalIgnoreCase))
            return BitConverter.ToDouble(bytes).ToString("R", invariant);
        return "0x" + BitConverter.ToUInt64(bytes).ToString("x16");
    }

    /// <summary>Tells Iced the names of branch and call targets.</summary>
    sealed class LabelResolver(ulong baseAddress, IReadOnlyDictionary<int, string> labels) : ISymbolResolver
    {
        public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address,
            int addressSize, out SymbolResult symbol)
        {
            // Only branch targets: an immediate that happens to equal a code address is still just a number.
            var isBranch = instructionOperand >= 0 && instruction.GetOpKind(instructionOperand) == OpKind.NearBranch64;
            var offset = address - baseAddress;
            if (isBranch && offset <= int.MaxValue && labels.TryGetValue((int)offset, out var name))
            {
                symbol = new SymbolResult(address, name);
                return true;
            }
            symbol = default;
            return false;
        }
    }
}
