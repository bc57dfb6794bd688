using MiniJit.Assembler;
using Xunit.Abstractions;
using Register = MiniJit.Assembler.Register;

namespace MiniJit.Tests.Assembler;

/// <summary>Exhaustive SSE encodings (all 16×16 register pairs, every memory shape), checked against Iced.</summary>
public sealed class SseEncodingTests(ITestOutputHelper output)
{
    /// <summary>xmm, xmm/m forms and the memory size Iced reports for them.</summary>
    static readonly (string Name, int MemSize)[] XmmXmm =
    [
        ("Movsd", 8), ("Movss", 4),
        ("Addsd", 8), ("Subsd", 8), ("Mulsd", 8), ("Divsd", 8), ("Sqrtsd", 8), ("Minsd", 8), ("Maxsd", 8),
        ("Addss", 4), ("Subss", 4), ("Mulss", 4), ("Divss", 4), ("Sqrtss", 4), ("Minss", 4), ("Maxss", 4),
        ("Ucomisd", 8), ("Comisd", 8), ("Ucomiss", 4), ("Comiss", 4),
        ("Cvtss2sd", 4), ("Cvtsd2ss", 8),
        ("Xorpd", 16), ("Andpd", 16), ("Xorps", 16), ("Andps", 16), ("Orps", 16),
        ("Movq", 8),
    ];

    [Fact]
    public void XmmXmm_And_XmmMem_Forms()
    {
        var o = new Oracle();
        foreach (var (name, memSize) in XmmXmm)
        {
            foreach (var a in Oracle.Xmm) foreach (var b in Oracle.Xmm) o.Check(name, [a, b]);
            var mems = Oracle.Memories;
            for (int k = 0; k < mems.Length; k++)
            {
                var x = Oracle.Xmm[k % 16];
                var m = mems[k].WithSize(memSize);
                o.Check(name, [x, m]);
                if (name is "Movsd" or "Movss" or "Movq") o.Check(name, [m, x]); // stores
            }
            o.Reject(name, Register.Xmm0, Register.Eax);
            o.Reject(name, Register.Eax, Register.Xmm1);
        }
        o.AssertAllPassed(output);
    }

    /// <summary>movaps copies whole registers (code generation never loads or stores with it).</summary>
    [Fact]
    public void Movaps_Registers()
    {
        var o = new Oracle();
        foreach (var a in Oracle.Xmm) foreach (var b in Oracle.Xmm) o.Check("Movaps", [a, b]);
        o.Reject("Movaps", Register.Xmm0, Register.Eax);
        o.AssertAllPassed(output);
    }

    /// <summary>FMA3 (VEX-encoded): every register triple, and every memory shape as the third operand.</summary>
    [Fact]
    public void Vfmadd213_Forms()
    {
        var o = new Oracle();
        foreach (var (name, size) in new[] { ("Vfmadd213sd", 8), ("Vfmadd213ss", 4) })
        {
            foreach (var a in Oracle.Xmm) foreach (var b in Oracle.Xmm) foreach (var c in Oracle.Xmm) o.Check(name, [a, b, c]);
            var mems = Oracle.Memories;
            for (int k = 0; k < mems.Length; k++) o.Check(name, [Oracle.Xmm[k % 16], Oracle.Xmm[(k * 7) % 16], mems[k].WithSize(size)]);
            o.Reject(name, Register.Xmm0, Register.Eax, Register.Xmm1);
        }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Movd_Movq_Gpr()
    {
        var o = new Oracle();
        foreach (var x in Oracle.Xmm)
            foreach (var r in Oracle.Gpr64)
            {
                o.Check("Movd", [x, r.As32]);
                o.Check("Movd", [r.As32, x]);
                o.Check("Movq", [x, r]);
                o.Check("Movq", [r, x]);
                o.Reject("Movd", x, r);
                o.Reject("Movq", x, r.As32);
                o.Reject("Movd", r.As32, r);
            }
        for (int k = 0; k < Oracle.Memories.Length; k++)
        {
            var m = Oracle.Memories[k].WithSize(4);
            o.Check("Movd", [Oracle.Xmm[k % 16], m]);
            o.Check("Movd", [m, Oracle.Xmm[k % 16]]);
        }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Conversions_Int_Float()
    {
        var o = new Oracle();
        foreach (string name in (string[])["Cvtsi2sd", "Cvtsi2ss"])
        {
            foreach (var x in Oracle.Xmm)
                foreach (var r in Oracle.Gpr64)
                {
                    o.Check(name, [x, r]);
                    o.Check(name, [x, r.As32]);
                }
            for (int k = 0; k < Oracle.Memories.Length; k++)
                o.Check(name, [Oracle.Xmm[k % 16], Oracle.Memories[k].WithSize(k % 2 == 0 ? 4 : 8)]);
            o.Reject(name, Register.Xmm0, Register.Rax.As16);
            o.Reject(name, Register.Xmm0, Oracle.Memories[0].WithSize(2));
        }
        foreach (var (name, memSize) in new[] { ("Cvttsd2si", 8), ("Cvttss2si", 4) })
        {
            foreach (var r in Oracle.Gpr64)
                foreach (var x in Oracle.Xmm)
                {
                    o.Check(name, [r, x]);
                    o.Check(name, [r.As32, x]);
                }
            for (int k = 0; k < Oracle.Memories.Length; k++)
            {
                var r = Oracle.Gpr64[k % 16];
                o.Check(name, [k % 2 == 0 ? r : r.As32, Oracle.Memories[k].WithSize(memSize)]);
            }
            o.Reject(name, Register.Xmm0, Register.Xmm1);
            o.Reject(name, Register.Rax.As16, Register.Xmm1);
        }
        o.AssertAllPassed(output);
    }

    [Fact]
    public void Roundsd_Roundss()
    {
        var o = new Oracle();
        foreach (var (name, memSize) in new[] { ("Roundsd", 8), ("Roundss", 4) })
        {
            int k = 0;
            foreach (var a in Oracle.Xmm) foreach (var b in Oracle.Xmm) o.Check(name, [a, b, (byte)(k++ % 16)]);
            for (int i = 0; i < Oracle.Memories.Length; i++)
                o.Check(name, [Oracle.Xmm[i % 16], Oracle.Memories[i].WithSize(memSize), (byte)(i % 12)]);
        }
        o.AssertAllPassed(output);
    }
}
