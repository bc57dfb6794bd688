using Iced.Intel;
using MiniJit.Assembler;
using Xunit.Abstractions;
using Register = MiniJit.Assembler.Register;

namespace MiniJit.Tests.Assembler;

/// <summary>Exhaustive general-purpose instruction encodings, each checked against Iced's decoder.</summary>
public sealed class IntegerEncodingTests(ITestOutputHelper output)
{
    static readonly int[] Sizes = [1, 2, 4, 8];
    static readonly string[] AluOps = ["Add", "Or", "Adc", "Sbb", "And", "Sub", "Xor", "Cmp"];
    static readonly string[] UnaryOps = ["Inc", "Dec", "Not", "Neg", "Mul", "Imul", "Div", "Idiv"];
    static readonly string[] ShiftOps = ["Shl", "Shr", "Sar", "Rol", "Ror"];

    /// <summary>Immediates around every boundary that changes the encoding, per operand size.</summary>
    static long[] Immediates(int size) => size switch
    {
        1 => [0, 1, -1, 127, -128, 255, 0x5A],
        2 => [0, 1, -1, 127, -128, 128, -129, 0x7FFF, -0x8000, 0xFFFF, 0xFF80],
        4 => [0, 1, -1, 127, -128, 128, -129, int.MaxValue, int.MinValue, uint.MaxValue, 0xFFFFFF80, 0x12345678],
        _ => [0, 1, -1, 127, -128, 128, -129, int.MaxValue, int.MinValue, 0x12345678],
    };

    static long[] OutOfRange(int size) => size switch
    {
        1 => [256, -129],
        2 => [0x10000, -0x8001],
        4 => [1L << 32, int.MinValue - 1L],
        _ => [1L << 31, int.MinValue - 1L, long.MinValue, long.MaxValue],
    };

    /// <summary>Expected sign-extended-imm8 eligibility (what the value means at that width).</summary>
    static bool FitsImm8(long v, int size) => size != 1 && (size switch { 2 => (short)v, 4 => (int)v, _ => v }) is >= -128 and <= 127;

    /// <summary>Length of "[66] [REX] opcode ModRM imm" for a register operand.</summary>
    static int RegImmLength(Register r, int opcodeBytes, int immBytes) =>
        (r.Size == 2 ? 1 : 0) + (r.Size == 8 || r.RequiresRex ? 1 : 0) + opcodeBytes + 1 + immBytes;

    static void AllPairs(Oracle o, string name, int[] sizes, bool swapExpected = false)
    {
        foreach (int size in sizes)
            foreach (var a in Oracle.Gprs(size))
                foreach (var b in Oracle.Gprs(size))
                    o.CheckOrReject(name, [a, b], expected: swapExpected ? [b, a] : null);
    }

    /// <summary>Every memory shape once, with the register operand and size rotating.</summary>
    static void AllMemories(Oracle o, int[] sizes, Action<MemArg, Register, int, int> each)
    {
        var mems = Oracle.Memories;
        for (int k = 0; k < mems.Length; k++)
        {
            int size = sizes[k % sizes.Length];
            var regs = Oracle.Gprs(size);
            each(mems[k].WithSize(size), regs[k / sizes.Length % regs.Length], size, k);
        }
    }

    [Fact]
    public void Mov_AllForms()
    {
        var o = new Oracle();
        AllPairs(o, "Mov", Sizes);
        AllMemories(o, Sizes, (m, r, size, k) =>
        {
            o.CheckOrReject("Mov", [r, m]);
            o.CheckOrReject("Mov", [m, r]);
            var imms = Immediates(size);
            o.Check("Mov", [m, imms[k % imms.Length]]);
        });
        foreach (int size in Sizes)
            foreach (var r in Oracle.Gprs(size))
            {
                foreach (long imm in Immediates(size))
                {
                    if (size != 8) { o.Check("Mov", [r, imm], length: RegImmLength(r, 0, size)); continue; }
                    // Shortest form: mov r32, imm32 zero-extends; REX.W C7 sign-extends an imm32.
                    if (imm is >= 0 and <= uint.MaxValue) o.Check("Mov", [r, imm], expected: [r.As32, imm], length: r.IsExtended ? 6 : 5);
                    else o.Check("Mov", [r, imm], length: 7);
                }
                if (size == 8)
                    foreach (long imm in (long[])[1L << 32, -(1L << 31) - 1, long.MaxValue, long.MinValue, 0x123456789ABCDEF0])
                        o.Check("Mov", [r, imm], length: 10);
                foreach (long bad in OutOfRange(size)) if (size != 8) o.Reject("Mov", r, bad);
            }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Mov_UnsignedImmediate()
    {
        var o = new Oracle();
        foreach (var r in Oracle.Gpr64)
        {
            o.Check("Mov", [r, ulong.MaxValue], expected: [r, -1L], length: 7);                 // sign-extended imm32
            o.Check("Mov", [r, 0x8000_0000_0000_0000UL], expected: [r, long.MinValue], length: 10);
            o.Check("Mov", [r, 0xFFFF_FFFFUL], expected: [r.As32, 0xFFFF_FFFFL], length: r.IsExtended ? 6 : 5);
            o.Reject("Mov", r.As32, ulong.MaxValue);
            o.Reject("Mov", r.As32, 1UL << 32);
        }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Movzx_Movsx_Movsxd_Lea()
    {
        var o = new Oracle();
        foreach (string name in (string[])["Movzx", "Movsx"])
        {
            foreach (int dsize in (int[])[2, 4, 8])
                foreach (int ssize in (int[])[1, 2])
                {
                    if (ssize >= dsize) continue;
                    foreach (var d in Oracle.Gprs(dsize))
                        foreach (var s in Oracle.Gprs(ssize))
                            o.CheckOrReject(name, [d, s]);
                }
            var mems = Oracle.Memories;
            (int d, int s)[] pairs = [(2, 1), (4, 1), (8, 1), (4, 2), (8, 2)];
            for (int k = 0; k < mems.Length; k++)
            {
                var (dsize, ssize) = pairs[k % pairs.Length];
                o.Check(name, [Oracle.Gprs(dsize)[k / 5 % 16], mems[k].WithSize(ssize)]);
            }
            o.Reject(name, Register.Eax, Register.Ecx);
            o.Reject(name, Register.Rax.As16, Register.Rcx.As16);
        }
        foreach (var d in Oracle.Gpr64) foreach (var s in Oracle.Gpr32) o.Check("Movsxd", [d, s]);
        for (int k = 0; k < Oracle.Memories.Length; k++)
        {
            var m = Oracle.Memories[k];
            o.Check("Movsxd", [Oracle.Gpr64[k % 16], m.WithSize(4)]);
            int size = 2 << (k % 3);
            o.Check("Lea", [Oracle.Gprs(size)[k / 3 % 16], m.WithSize(8, expected: 0)]);
        }
        o.Reject("Movsxd", Register.Eax, Register.Ecx);
        o.Reject("Lea", Register.Al, Oracle.Memories[0]);
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Alu_AllForms()
    {
        var o = new Oracle();
        foreach (string name in AluOps)
        {
            AllPairs(o, name, Sizes);
            AllMemories(o, Sizes, (m, r, size, k) =>
            {
                o.CheckOrReject(name, [r, m]);
                o.CheckOrReject(name, [m, r]);
                var imms = Immediates(size);
                o.Check(name, [m, imms[k % imms.Length]]);
            });
            foreach (int size in Sizes)
                foreach (var r in Oracle.Gprs(size))
                {
                    foreach (long imm in Immediates(size))
                        o.Check(name, [r, imm], length: RegImmLength(r, 1, FitsImm8(imm, size) || size == 1 ? 1 : Math.Min(size, 4)));
                    foreach (long bad in OutOfRange(size)) o.Reject(name, r, bad);
                }
        }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Test_AllForms()
    {
        var o = new Oracle();
        AllPairs(o, "Test", Sizes);
        AllMemories(o, Sizes, (m, r, size, k) =>
        {
            o.CheckOrReject("Test", [m, r]);
            o.CheckOrReject("Test", [r, m], expected: [m, r]); // test is symmetric; Iced prints r/m first
            var imms = Immediates(size);
            o.Check("Test", [m, imms[k % imms.Length]]);
        });
        foreach (int size in Sizes)
            foreach (var r in Oracle.Gprs(size))
            {
                foreach (long imm in Immediates(size)) o.Check("Test", [r, imm], length: RegImmLength(r, 1, Math.Min(size, 4)));
                foreach (long bad in OutOfRange(size)) o.Reject("Test", r, bad);
            }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Unary_AllForms()
    {
        var o = new Oracle();
        foreach (string name in UnaryOps)
        {
            foreach (int size in Sizes) foreach (var r in Oracle.Gprs(size)) o.Check(name, [r]);
            AllMemories(o, Sizes, (m, _, _, _) => o.Check(name, [m]));
        }
        o.Check("Cqo", []);
        o.Check("Cdq", []);
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Imul_TwoAndThreeOperand()
    {
        var o = new Oracle();
        int[] sizes = [2, 4, 8];
        AllPairs(o, "Imul", sizes);
        foreach (int size in sizes)
        {
            var imms = Immediates(size);
            int k = 0;
            foreach (var a in Oracle.Gprs(size))
                foreach (var b in Oracle.Gprs(size))
                {
                    long imm = imms[k++ % imms.Length];
                    o.Check("Imul", [a, b, imm], length: (size == 2 ? 1 : 0) + (size == 8 || a.IsExtended || b.IsExtended ? 1 : 0) + 2 + (FitsImm8(imm, size) ? 1 : Math.Min(size, 4)));
                }
            foreach (long bad in OutOfRange(size)) o.Reject("Imul", Oracle.Gprs(size)[0], Oracle.Gprs(size)[1], bad);
        }
        AllMemories(o, sizes, (m, r, size, k) =>
        {
            o.Check("Imul", [r, m]);
            var imms = Immediates(size);
            o.Check("Imul", [r, m, imms[k % imms.Length]]);
        });
        o.Reject("Imul", Register.Al, Register.Cl);
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Shifts_AllForms()
    {
        var o = new Oracle();
        int[] counts = [1, 2, 7, 31, 63, 255];
        foreach (string name in ShiftOps)
        {
            foreach (int size in Sizes)
                foreach (var r in Oracle.Gprs(size))
                {
                    foreach (int c in counts) o.Check(name, [r, c], length: RegImmLength(r, 1, c == 1 ? 0 : 1));
                    o.Check(name, [r, Register.Cl]);
                    // Any count register other than cl is refused.
                    foreach (int cs in Sizes)
                        foreach (var c in Oracle.Gprs(cs))
                            if (c != Register.Cl) o.Reject(name, r, c);
                }
            AllMemories(o, Sizes, (m, _, _, k) =>
            {
                o.Check(name, [m, counts[k % counts.Length]]);
                o.Check(name, [m, Register.Cl]);
            });
            o.Reject(name, Register.Eax, 256);
            o.Reject(name, Register.Eax, -1);
        }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Setcc_Cmovcc_AllConditions()
    {
        var o = new Oracle();
        foreach (var cc in Enum.GetValues<Condition>())
        {
            var set = Enum.Parse<Mnemonic>("Set" + cc, ignoreCase: true);
            var cmov = Enum.Parse<Mnemonic>("Cmov" + cc, ignoreCase: true);
            foreach (var r in Oracle.Gprs(1)) o.Check("Set", [cc, r], set, [r]);
            foreach (int size in (int[])[2, 4, 8])
                foreach (var a in Oracle.Gprs(size))
                    foreach (var b in Oracle.Gprs(size))
                        o.Check("Cmov", [cc, a, b], cmov, [a, b]);
            o.Reject("Set", cc, Register.Eax);
            o.Reject("Cmov", cc, Register.Al, Register.Cl);
            o.Reject("Cmov", cc, Register.Eax, Register.Rcx);
        }
        var conditions = Enum.GetValues<Condition>();
        AllMemories(o, [2, 4, 8], (m, r, _, k) =>
        {
            var cc = conditions[k % 16];
            o.Check("Cmov", [cc, r, m], Enum.Parse<Mnemonic>("Cmov" + cc, ignoreCase: true), [r, m]);
            o.Check("Set", [cc, m.WithSize(1)], Enum.Parse<Mnemonic>("Set" + cc, ignoreCase: true), [m.WithSize(1)]);
        });
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Stack_IndirectBranches_Misc()
    {
        var o = new Oracle();
        foreach (var r in Oracle.Gpr64)
        {
            o.Check("Push", [r], length: r.IsExtended ? 2 : 1);
            o.Check("Pop", [r], length: r.IsExtended ? 2 : 1);
            o.Check("Jmp", [r]);
            o.Check("Call", [r]);
            o.Reject("Push", r.As32);
            o.Reject("Jmp", r.As32);
        }
        foreach (int imm in (int[])[0, 1, -1, 127, -128, 128, -129, int.MaxValue, int.MinValue])
            o.Check("Push", [imm], expected: [(long)imm], length: Encoding_FitsInt8(imm) ? 2 : 5);
        foreach (var m in Oracle.Memories)
        {
            o.Check("Push", [m]);
            o.Check("Pop", [m]);
            o.Check("Jmp", [m]);
            o.Check("Call", [m]);
        }
        o.Check("Ret", []);
        o.Check("Int3", []);
        o.Check("Ud2", []);
        o.AssertAllPassed(output);
    }

    static bool Encoding_FitsInt8(long v) => v is >= -128 and <= 127;
}
