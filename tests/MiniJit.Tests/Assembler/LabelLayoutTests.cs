using Iced.Intel;
using MiniJit.Assembler;
using Xunit.Abstractions;
using Label = MiniJit.Assembler.Label;
using Register = MiniJit.Assembler.Register;

namespace MiniJit.Tests.Assembler;

/// <summary>Labels, short/near jump selection with iterative layout, calls, RIP-relative operands,
/// nops and alignment; branch targets are verified by decoding with Iced.</summary>
public sealed class LabelLayoutTests(ITestOutputHelper output)
{
    /// <summary>Decodes the whole buffer (data after <paramref name="codeEnd"/> excluded).</summary>
    static List<Instruction> DecodeAll(byte[] code, int? codeEnd = null)
    {
        int end = codeEnd ?? code.Length;
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code, 0, end), 0);
        var list = new List<Instruction>();
        while (decoder.IP < (ulong)end)
        {
            var instr = decoder.Decode();
            Assert.False(instr.Code == Code.INVALID, $"invalid instruction at {instr.IP:X}: {Oracle.Hex(code)}");
            list.Add(instr);
        }
        return list;
    }

    static Instruction Branch(List<Instruction> all, int index) => all.Where(i => i.Mnemonic != Mnemonic.Nop).ElementAt(index);

    [Theory]
    [InlineData(0, 2)]     // empty forward
    [InlineData(127, 2)]   // largest rel8
    [InlineData(128, 5)]   // one more: near
    [InlineData(1000, 5)]
    public void ForwardJmp_ShortOrNear(int gap, int size)
    {
        var a = new X64Assembler();
        var l = a.CreateLabel("target");
        a.Jmp(l);
        a.Nop(gap);
        a.Bind(l);
        a.Ret();
        var code = a.Assemble();
        var jmp = Oracle.DecodeAt(code, 0);
        Assert.Equal(Mnemonic.Jmp, jmp.Mnemonic);
        Assert.Equal(size, jmp.Length);
        Assert.Equal((ulong)a.OffsetOf(l), jmp.NearBranchTarget);
        Assert.Equal(size + gap, a.OffsetOf(l));
    }

    [Theory]
    [InlineData(0, 2)]
    [InlineData(126, 2)]   // rel = -128: still short
    [InlineData(127, 6)]   // rel = -129: near
    [InlineData(500, 6)]
    public void BackwardJcc_ShortOrNear(int gap, int size)
    {
        var a = new X64Assembler();
        var l = a.CreateLabel("loop");
        a.Bind(l);
        a.Nop(gap);
        a.Jcc(Condition.NE, l);
        var code = a.Assemble();
        var jcc = Oracle.DecodeAt(code, gap);
        Assert.Equal(Mnemonic.Jne, jcc.Mnemonic);
        Assert.Equal(size, jcc.Length);
        Assert.Equal(0UL, jcc.NearBranchTarget);
        Assert.Equal(gap + size, code.Length);
    }

    [Fact]
    public void AllConditions_ShortAndNear()
    {
        foreach (var cc in Enum.GetValues<Condition>())
        {
            var a = new X64Assembler();
            var near = a.CreateLabel("near");
            var back = a.CreateLabel("back");
            a.Bind(back);
            a.Jcc(cc, back);    // short backward
            a.Jcc(cc, near);    // near forward
            a.Nop(300);
            a.Bind(near);
            var code = a.Assemble();
            var all = DecodeAll(code);
            var expected = Enum.Parse<Mnemonic>("J" + cc, ignoreCase: true);
            Assert.Equal(expected, all[0].Mnemonic);
            Assert.Equal(2, all[0].Length);
            Assert.Equal(0UL, all[0].NearBranchTarget);
            Assert.Equal(expected, all[1].Mnemonic);
            Assert.Equal(6, all[1].Length);
            Assert.Equal((ulong)a.OffsetOf(near), all[1].NearBranchTarget);
            Assert.Equal(cc, cc.Negate().Negate());
            Assert.NotEqual(cc, cc.Negate());
        }
    }

    /// <summary>Each jump's span contains the next jump, with 124 bytes of nops: short fits (126) only while
    /// the next jump is short (near would make it 129). The last jump is forced near, so the growth ripples
    /// back one jump per layout pass until every jump is near.</summary>
    [Theory]
    [InlineData(200, 5)]
    [InlineData(100, 2)]
    public void CascadingGrowth(int lastGap, int expectedSize)
    {
        const int count = 20;
        var a = new X64Assembler();
        var labels = Enumerable.Range(0, count).Select(i => a.CreateLabel($"L{i}")).ToArray();
        a.Jmp(labels[0]);
        for (int i = 1; i < count; i++)
        {
            a.Nop(124);
            a.Jmp(labels[i]);
            a.Bind(labels[i - 1]);
        }
        a.Nop(lastGap);
        a.Bind(labels[count - 1]);
        var code = a.Assemble();
        var all = DecodeAll(code);
        for (int i = 0; i < count; i++)
        {
            var jmp = Branch(all, i);
            Assert.Equal(Mnemonic.Jmp, jmp.Mnemonic);
            Assert.Equal(expectedSize, jmp.Length);
            Assert.Equal((ulong)a.OffsetOf(labels[i]), jmp.NearBranchTarget);
        }
    }

    [Fact]
    public void Calls_AreAlwaysRel32()
    {
        var a = new X64Assembler();
        var f = a.CreateLabel("f");
        var g = a.CreateLabel("g");
        a.Bind(g);
        a.Call(f);   // forward
        a.Call(g);   // backward
        a.Bind(f);
        a.Ret();
        var code = a.Assemble();
        var all = DecodeAll(code);
        Assert.Equal(Mnemonic.Call, all[0].Mnemonic);
        Assert.Equal(5, all[0].Length);
        Assert.Equal(10UL, all[0].NearBranchTarget);
        Assert.Equal(0UL, all[1].NearBranchTarget);
    }

    [Fact]
    public void RipRelative_ConstantPool_AfterAlignedData()
    {
        var a = new X64Assembler();
        var pool = a.CreateLabel("pool");
        var back = a.CreateLabel("back");
        a.Bind(back);
        a.Movsd(Register.Xmm3, Memory.Rip(pool, 8));
        a.Lea(Register.R11, Memory.Rip(pool, 8, 8));
        a.Add(Memory.Rip(pool, 4, 4), 1000);            // immediate after the displacement
        a.Cmp(Memory.Rip(back, 1), 5);
        a.Ret();
        a.DataAlign(16);
        a.Bind(pool);
        a.Data([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        var code = a.Assemble();
        int poolAt = a.OffsetOf(pool);
        Assert.Equal(0, poolAt % 16);
        var all = new List<Instruction>();
        for (int at = 0; all.Count < 5; at = (int)all[^1].NextIP) all.Add(Oracle.DecodeAt(code, at));
        Assert.Equal((ulong)poolAt, all[0].IPRelativeMemoryAddress);
        Assert.Equal((ulong)poolAt + 8, all[1].IPRelativeMemoryAddress);
        Assert.Equal((ulong)poolAt + 4, all[2].IPRelativeMemoryAddress);
        Assert.Equal(1000UL, all[2].GetImmediate(1));
        Assert.Equal(0UL, all[3].IPRelativeMemoryAddress);
        Assert.Equal(Mnemonic.Ret, all[4].Mnemonic);
        Assert.All(code[(int)all[4].NextIP..poolAt], b => Assert.Equal(0, b));
        Assert.Equal(1, code[poolAt]);
    }

    [Fact]
    public void Nop_AllLengths_AndAlign()
    {
        for (int n = 0; n <= 40; n++)
        {
            var a = new X64Assembler();
            a.Nop(n);
            var code = a.Assemble();
            Assert.Equal(n, code.Length);
            Assert.All(DecodeAll(code), i => Assert.Equal(Mnemonic.Nop, i.Mnemonic));
            if (n is >= 1 and <= 9) Assert.Single(DecodeAll(code)); // one recommended nop per length up to 9
        }
        foreach (int boundary in (int[])[1, 2, 4, 8, 16, 32, 64])
            for (int before = 0; before < 70; before += 7)
            {
                var a = new X64Assembler();
                var l = a.CreateLabel();
                a.Nop(before);
                a.Align(boundary);
                a.Bind(l);
                a.Int3();
                var code = a.Assemble();
                Assert.Equal(0, a.OffsetOf(l) % boundary);
                Assert.True(a.OffsetOf(l) - before < boundary);
                var all = DecodeAll(code);
                Assert.All(all.SkipLast(1), i => Assert.Equal(Mnemonic.Nop, i.Mnemonic));
                Assert.Equal(Mnemonic.Int3, all[^1].Mnemonic);
            }
    }

    /// <summary>Seeded random programs mixing forward/backward jumps, jcc, calls, nops, alignment and labels:
    /// every branch must decode to its label, and (without alignment) every near jump must really need rel32.</summary>
    [Fact]
    public void RandomPrograms_AllTargetsCorrect()
    {
        var rng = new Random(12345);
        int branches = 0;
        for (int p = 0; p < 300; p++)
        {
            var a = new X64Assembler();
            bool useAlign = p % 2 == 0;
            var labels = Enumerable.Range(0, 12).Select(i => a.CreateLabel($"L{i}")).ToArray();
            var unbound = new List<Label>(labels);
            var expected = new List<Label>();  // target of each branch, in order
            for (int step = 0; step < 60; step++)
            {
                int r = rng.Next(10);
                var target = labels[rng.Next(labels.Length)];
                if (r < 3) { a.Jmp(target); expected.Add(target); }
                else if (r < 5) { a.Jcc((Condition)rng.Next(16), target); expected.Add(target); }
                else if (r < 6) { a.Call(target); expected.Add(target); }
                else if (r < 8) a.Nop(rng.Next(1, 90));
                else if (r < 9 && useAlign) a.Align(1 << rng.Next(1, 6));
                else if (unbound.Count > 0) { var l = unbound[rng.Next(unbound.Count)]; unbound.Remove(l); a.Bind(l); }
            }
            foreach (var l in unbound) a.Bind(l);
            var code = a.Assemble();
            var all = DecodeAll(code).Where(i => i.Mnemonic != Mnemonic.Nop).ToList();
            Assert.Equal(expected.Count, all.Count);
            for (int i = 0; i < all.Count; i++)
            {
                Assert.Equal((ulong)a.OffsetOf(expected[i]), all[i].NearBranchTarget);
                bool near = all[i].Length >= 5 && all[i].Mnemonic != Mnemonic.Call;
                if (near && !useAlign)
                {
                    // Without alignment, distances only grow, so a near jump must not fit rel8 even had it
                    // stayed short: forward, the short form's rel8 equals the rel32 (the code in between
                    // would shrink by as much as the jump); backward, it is target - (ip + 2).
                    long target = (long)all[i].NearBranchTarget, ip = (long)all[i].IP;
                    long shortRel = target > ip ? target - (ip + all[i].Length) : target - (ip + 2);
                    Assert.False(shortRel is >= -128 and <= 127, $"near jump at {ip:X} to {target:X} would fit rel8");
                }
                branches++;
            }
        }
        output.WriteLine($"{branches} branches checked in 300 programs.");
    }

    [Fact]
    public void LabelErrors()
    {
        var a = new X64Assembler();
        var missing = a.CreateLabel("nowhere");
        a.Jmp(missing);
        var e = Assert.Throws<InvalidOperationException>(() => a.Assemble());
        Assert.Contains("nowhere", e.Message);

        var b = new X64Assembler();
        var rip = b.CreateLabel("pool");
        b.Movsd(Register.Xmm0, Memory.Rip(rip, 8));
        Assert.Contains("pool", Assert.Throws<InvalidOperationException>(() => b.Assemble()).Message);

        var c = new X64Assembler();
        var twice = c.CreateLabel("twice");
        c.Bind(twice);
        Assert.Throws<InvalidOperationException>(() => c.Bind(twice));
        Assert.Throws<InvalidOperationException>(() => c.OffsetOf(twice)); // before Assemble
        Assert.Throws<ArgumentException>(() => c.Jmp(a.CreateLabel("foreign")));
        Assert.Throws<ArgumentException>(() => c.Align(3));
        Assert.Throws<ArgumentException>(() => c.Nop(-1));
    }

    [Fact]
    public void Rewind_drops_the_code_and_the_labels_bound_since_the_mark()
    {
        var asm = new X64Assembler();
        asm.Mov(Register.Rax, 1);
        var kept = asm.CreateLabel("kept");
        asm.Bind(kept);   // bound before the mark, to whatever comes next
        var mark = asm.Mark();
        var dropped = asm.CreateLabel("dropped");
        asm.Bind(dropped);
        asm.Mov(Register.Rcx, 2);
        asm.Jmp(dropped);
        asm.Rewind(mark);
        Assert.False(dropped.IsBound);
        Assert.True(kept.IsBound);
        asm.Ret();
        var bytes = asm.Assemble();
        Assert.Equal([0xB8, 1, 0, 0, 0, 0xC3], bytes);
        Assert.Equal(5, asm.OffsetOf(kept));
    }
}
