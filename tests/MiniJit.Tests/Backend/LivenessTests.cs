using MiniJit.Assembler;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests.Backend;

public class LivenessTests
{
    /// <summary>
    /// Positions: b0 = instructions 0–2, b1 = 3–5, b2 = 6–7, b3 = 8; instruction i reads at 2i and writes at 2i+1.
    /// The limit v0, a parameter, is live from the prologue (0) around the whole loop (to the end of b2, position 15). The counter v2, a phi, lives from
    /// the start of b1 (6) to its last use in the body (12), and again in b3 for the return (16): between them is a
    /// lifetime hole, exactly where the next value v4 lives (13 to the end of b2, where the phi takes it) — so v4 can
    /// have v2's register and the back edge needs no move. The constant is an immediate and the compare is fused
    /// into its branch: neither needs a location.
    /// </summary>
    [Fact]
    public void A_loop_counter_has_a_lifetime_hole_where_its_next_value_lives()
    {
        var lowered = X64Lowering.Lower(IrParser.Parse("""
            function T.Loop(i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = const 0
              jump b1
            b1:
              v2:i64 = phi b0 v1, b2 v4
              v3:i32 = lt v2, v0
              branch v3, b2, b3
            b2:
              v4:i64 = add v2, v0
              jump b1
            b3:
              return v2
            }
            """));
        var live = Liveness.Analyze(lowered, CallingConvention.SystemV);
        Assert.Equal("""
            v0: [0, 15]
            v2: [6, 12] [16, 16]
            v4: [13, 15]
            """, live.ToString());
    }

    [Fact]
    public void Calls_divisions_and_variable_shifts_record_the_registers_they_destroy()
    {
        var lowered = X64Lowering.Lower(IrParser.Parse("""
            function T.Clobbers(i64, i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = param 1
              v2:i64 = shl v0, v1
              v3:i64 = div v2, v1
              v4:i64 = call T.Other(v3)
              return v4
            }
            """));
        var live = Liveness.Analyze(lowered, CallingConvention.SystemV);
        var rcx = X64Registers.Mask(Register.Rcx);
        var raxRdx = X64Registers.Mask(Register.Rax) | X64Registers.Mask(Register.Rdx);
        Assert.Equal([(5, rcx), (7, raxRdx), (9, X64Registers.CallerSaved(CallingConvention.SystemV))], live.Clobbers);
        // The frame pointer lives in its own register, not in a virtual one: nothing but the parameters and results.
        Assert.Equal([0, 1, 2, 3, 4], Enumerable.Range(0, live.Ranges.Length).Where(live.IsLive));
    }
}
