using MiniJit.Disassembly;
using MiniJit.CodeMemory;

namespace MiniJit.Tests.Disassembly;

public class DisassemblerTests
{
    static string[] Lines(string listing) => listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Prints_address_bytes_and_intel_syntax()
    {
        // mov rbx, rdi; imul rax, rdi; ret
        byte[] code = [0x48, 0x89, 0xFB, 0x48, 0x0F, 0xAF, 0xC7, 0xC3];
        var lines = Lines(Disassembler.Disassemble(code, 0x7f86765f9000));
        Assert.Equal(
            [
                "0x7f86765f9000 48 89 fb                      mov rbx, rdi",
                "0x7f86765f9003 48 0f af c7                   imul rax, rdi",
                "0x7f86765f9007 c3                            ret",
            ],
            lines);
    }

    [Fact]
    public void Immediates_are_lowercase_hex_with_prefix()
    {
        // mov rax, 0x123456789abcdef0
        byte[] code = [0x48, 0xB8, 0xF0, 0xDE, 0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12];
        Assert.EndsWith("mov rax, 0x123456789abcdef0", Lines(Disassembler.Disassemble(code, 0))[0]);
    }

    [Fact]
    public void Labels_name_offsets_and_branch_targets()
    {
        // call +1 (to offset 6); ret; lea rax, [rdi+1]; ret
        byte[] code = [0xE8, 0x01, 0x00, 0x00, 0x00, 0xC3, 0x48, 0x8D, 0x47, 0x01, 0xC3];
        var labels = new Dictionary<int, string> { [0] = "main", [6] = "increment" };
        var lines = Lines(Disassembler.Disassemble(code, 0x1000, labels));
        Assert.Equal("main:", lines[0]);
        Assert.EndsWith("call increment", lines[1]);
        Assert.EndsWith("ret", lines[2]);
        Assert.Equal("increment:", lines[3]);
        Assert.EndsWith("lea rax, [rdi+1]", lines[4]);
        Assert.Equal(6, lines.Length);
    }

    [Fact]
    public void Branches_without_labels_show_the_target_address()
    {
        byte[] code = [0xEB, 0xFE]; // jmp to itself
        Assert.EndsWith("jmp 0x2000", Lines(Disassembler.Disassemble(code, 0x2000))[0]);
    }

    [Fact]
    public void Undecodable_bytes_are_marked_bad()
    {
        byte[] code = [0x90, 0x06]; // nop; push es, which does not exist in 64-bit mode
        var lines = Lines(Disassembler.Disassemble(code, 0));
        Assert.Equal(["0x0 90                            nop", "0x1 06                            (bad)"], lines);
    }

    [Fact]
    public void Empty_code_gives_an_empty_listing() => Assert.Equal("", Disassembler.Disassemble([], 0));

    [Fact]
    public void Executable_memory_is_listed_at_its_real_address()
    {
        using var memory = ExecutableMemory.Create([0xC3]);
        Assert.Equal($"0x{memory.Address:x} c3 {new string(' ', 27)}ret\n", Disassembler.Disassemble(memory));
    }

    [Fact]
    public void Addresses_have_equal_width_so_columns_line_up()
    {
        var code = Enumerable.Repeat((byte)0x90, 17).ToArray();
        var lines = Lines(Disassembler.Disassemble(code, 0));
        Assert.StartsWith("0x00 90 ", lines[0]);
        Assert.StartsWith("0x10 90 ", lines[16]);
        Assert.Single(lines.Select(line => line.IndexOf("nop", StringComparison.Ordinal)).Distinct());
    }

    [Fact]
    public void Decode_gives_each_instruction_as_data()
    {
        // f: mov rbx, rdi; call f; ret; g: movsd xmm0, [rip + pool]; ret; then the pool (one 16-byte entry).
        byte[] code = [0x48, 0x89, 0xFB, 0xE8, 0xF8, 0xFF, 0xFF, 0xFF, 0xC3, 0xF2, 0x0F, 0x10, 0x05, 0x01, 0x00, 0x00, 0x00, 0xC3,
            .. BitConverter.GetBytes(0.5), 0, 0, 0, 0, 0, 0, 0, 0];
        var labels = new Dictionary<int, string> { [0] = "f", [9] = "g" };
        var instructions = Disassembler.Decode(code, 0x1000, labels, codeLength: 18);
        Assert.Equal(5, instructions.Count);
        var first = instructions[0];
        Assert.Equal((0x1000UL, "mov", "rbx, rdi", "f", "f", (string?)null), (first.Address, first.Mnemonic, first.Operands, first.Function, first.Label, first.Constant));
        Assert.Equal([0x48, 0x89, 0xFB], first.Bytes);
        Assert.Equal(("call", "f", "f", (string?)null), (instructions[1].Mnemonic, instructions[1].Operands, instructions[1].Function, instructions[1].Label));
        Assert.Equal(("ret", "", "f"), (instructions[2].Mnemonic, instructions[2].Operands, instructions[2].Function));
        Assert.Equal((0x1009UL, "movsd", "g", "g", "0.5"), (instructions[3].Address, instructions[3].Mnemonic, instructions[3].Function, instructions[3].Label, instructions[3].Constant));
        Assert.Equal("ret", instructions[4].Text);
        // The listing is the same data, laid out: the text after the address and the bytes column.
        var lines = Lines(Disassembler.Disassemble(code, 0x1000, labels, codeLength: 18)).Where(l => l.StartsWith("0x1", StringComparison.Ordinal)).Take(5);
        Assert.Equal(instructions.Select(i => i.Text + (i.Constant is null ? "" : $"  ; {i.Constant}")), lines.Select(l => l[(l.IndexOf(' ') + 1 + 30)..]));
    }

    [Fact]
    public void Compiled_code_is_decoded_with_its_function_names()
    {
        var foo = Jit.Compile<Func<long, long, long>>((a, b) => a * a - b * b);
        var instructions = Jit.DisassembleInstructions(foo);
        var code = Jit.CodeOf(foo);
        Assert.Equal((ulong)code.Address, instructions[0].Address);
        Assert.Equal(code.Symbols[0], instructions[0].Label);
        Assert.Contains(instructions, i => i.Mnemonic == "imul" && i.Function == code.Symbols[0]);
        Assert.Contains(instructions, i => i.Label == "entry stub");
        Assert.Equal(code.CodeLength, instructions.Sum(i => i.Bytes.Length));
    }
}
