using MiniJit.Assembler;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests.Backend;

public class LivenessTests
{
    /// <summary>
    /// Positions: b0 = instructions 0–2, b1 = 3–5, b2 = 6–7, b3 = 8; instruction i reads at 2i and writes at 2i+1.
    /// The limit v0, a parameter, is live from position 0 (the prologue moves it into place) around the whole loop
    /// (to the end of b2, position 15); the counter v2, a phi, from the start of b1 (6) to the return (16); v4 from
    /// its definition (13) to the end of b2, where the phi reads it.
    /// The constant is an immediate and the compare is fused into its branch: neither has an interval.
    /// </summary>
    [Fact]
    public void Values_live_around_a_loop_cover_the_whole_loop()
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
            v2: [6, 16]
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
        Assert.Equal([(7, rcx), (9, raxRdx), (11, X64Registers.CallerSaved(CallingConvention.SystemV))], live.Clobbers);
        // The frame pointer (v5, set up by the prologue) is read by the division and by the call.
        Assert.Equal((0, 10), (live.Start[5], live.End[5]));
    }
}
