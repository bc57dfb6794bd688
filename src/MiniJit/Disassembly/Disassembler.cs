using Iced.Intel;
using StringBuilder = System.Text.StringBuilder;
using MiniJit.CodeMemory;

namespace MiniJit.Disassembly;

/// <summary>
/// Prints machine code as text, one instruction a line: address, raw bytes, Intel syntax. Iced does the
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

    /// <summary>
    /// Disassembles <paramref name="code"/> as if it were loaded at <paramref name="address"/>.
    /// </summary>
    /// <param name="labels">Optional names for code offsets (for example function entry points). Each is printed
    /// as a <c>name:</c> line before the instruction starting at that offset, and branches and calls to it show
    /// the name instead of the address.</param>
    /// <param name="codeLength">Bytes of instructions; the rest is the constant pool, printed as data, and each
    /// instruction that reads a constant shows its value.</param>
    public static string Disassemble(ReadOnlySpan<byte> code, ulong address, IReadOnlyDictionary<int, string>? labels = null, int? codeLength = null)
    {
        var all = code;
        code = code[..(codeLength ?? code.Length)];
        var decoder = Decoder.Create(64, new ByteArrayCodeReader(code.ToArray()), address);
        var formatter = new IntelFormatter(labels is null ? null : new LabelResolver(address, labels));
        formatter.Options.SpaceAfterOperandSeparator = true;
        formatter.Options.HexPrefix = "0x";
        formatter.Options.HexSuffix = null;
        formatter.Options.UppercaseHex = false;
        formatter.Options.BranchLeadingZeros = false;
        formatter.Options.ShowBranchSize = false;

        var listing = new StringBuilder();
        var text = new StringOutput();
        var end = address + (ulong)code.Length;
        // Every address printed with as many digits as the last one, so that the byte columns line up.
        var addressFormat = "x" + Math.Max(end - 1, address).ToString("x").Length;
        while (decoder.IP < end)
        {
            var offset = (int)(decoder.IP - address);
            if (labels is not null && labels.TryGetValue(offset, out var name)) listing.Append(name).Append(":\n");

            decoder.Decode(out var instruction);
            formatter.Format(instruction, text);

            listing.Append("0x").Append(instruction.IP.ToString(addressFormat)).Append(' ');
            foreach (var b in code.Slice(offset, instruction.Length)) listing.Append(b.ToString("x2")).Append(' ');
            listing.Append(' ', Math.Max(0, BytesColumnWidth - 3 * instruction.Length));
            // Bytes that are no valid instruction show as "(bad)"; the listing goes on after them.
            listing.Append(text.ToStringAndReset());
            if (instruction.IsIPRelativeMemoryOperand && instruction.IPRelativeMemoryAddress - address is var at
                && at >= (ulong)code.Length && at + 8 <= (ulong)all.Length)
                listing.Append("  ; ").Append(ConstantText(all[(int)at..], instruction));
            listing.Append('\n');
        }
        if (code.Length < all.Length)
        {
            listing.Append("constant pool:\n");
            int first = (code.Length + 15) & ~15;
            for (int at = first; at + 16 <= all.Length; at += 16)
                listing.Append("0x").Append((address + (ulong)at).ToString(addressFormat)).Append(' ')
                    .Append(Convert.ToHexString(all.Slice(at, 16)).ToLowerInvariant()).Append('\n');
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
