using Iced.Intel;
using MiniJit.Assembler;
using MiniJit.CodeGeneration;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.RegisterAllocation;
using Label = MiniJit.Assembler.Label;
using Register = MiniJit.Assembler.Register;

namespace MiniJit.Tests.Backend;

/// <summary>
/// The emitter's half of the contract in <see cref="X64Registers"/>: the code of an instruction writes only the
/// registers the allocation gave to values, the scratch registers, the registers its op declares it clobbers
/// (<see cref="X64Registers.Clobbers"/>, which is what the allocator and the allocation checker plan around), the
/// callee-saved registers the prologue saves, and the result registers. Iced decodes the machine code and says what
/// each instruction writes, so a template that uses a register it did not declare fails here — whichever allocator
/// placed the values. Error stubs (out-of-line paths that end in a jump to the error exit) may set the exit's
/// arguments and are left out.
/// </summary>
public class EmitterContractTests
{
    public static TheoryData<string> Instructions() =>
    [
        "i64 = add v0, v1", "i64 = sub v0, v1", "i64 = mul v0, v1", "i64 = div v0, v1", "i64 = div.u v0, v1",
        "i64 = rem v0, v1", "i64 = rem.u v0, v1", "i64 = mulhi v0, v1", "i64 = and v0, v1", "i64 = or v0, v1",
        "i64 = xor v0, v1", "i64 = shl v0, v1", "i64 = shr v0, v1", "i64 = shr.u v0, v1", "i64 = neg v0", "i64 = not v0",
        "i64 = add.ovf v0, v1", "i64 = add.ovf.un v0, v1", "i64 = sub.ovf v0, v1", "i64 = sub.ovf.un v0, v1",
        "i64 = mul.ovf v0, v1", "i64 = mul.ovf.un v0, v1", "i32 = conv.ovf.i1 v0", "i32 = conv.ovf.u4.un v0",
        "i32 = lt v0, v1", "i32 = ge.u v0, v1", "i32 = trunc v0",
        "f64 = fadd v2, v3", "f64 = fsub v2, v3", "f64 = fmul v2, v3", "f64 = fdiv v2, v3", "f64 = fneg v2", "f64 = fabs v2",
        "f64 = fsqrt v2", "f64 = fmin v2, v3", "f64 = fmax v2, v3", "f64 = fcopysign v2, v3", "f64 = fma v2, v3, v2",
        "f64 = fround.even v2", "f64 = ffloor v2", "f64 = fceil v2", "f64 = ftrunc v2",
        "i32 = flt v2, v3", "i32 = feq v2, v3", "i32 = fne v2, v3", "i32 = fge.u v2, v3",
        "f64 = itof v0", "f64 = utof v0", "f32 = fconv v2", "i64 = ftoi v2", "i64 = ftou v2", "i32 = ftoi.ovf 16, v2",
        "i64 = ftou.ovf 64, v2", "i32 = fsign v2", "f64 = ckfinite v2", "i64 = bitcast v2", "f64 = call.c sin(v2)",
    ];

    [Theory]
    [MemberData(nameof(Instructions))]
    public void An_instruction_writes_only_what_the_contract_allows(string instruction)
    {
        foreach (bool spillEverything in new[] { false, true })
        {
            var function = IrParser.Parse($$"""
                function T.F(i64, i64, f64, f64) -> {{instruction[..3]}} {
                b0:
                  v0:i64 = param 0
                  v1:i64 = param 1
                  v2:f64 = param 2
                  v3:f64 = param 3
                  v4:{{instruction}}
                  return v4
                }
                """);
            var problems = Violations(function, spillEverything);
            Assert.True(problems.Count == 0, $"{instruction} ({(spillEverything ? "every value in memory" : "linear scan")}): " + string.Join("; ", problems));
        }
    }

    /// <summary>The contract is not vacuous: a template writing a register nobody declared is reported.</summary>
    [Fact]
    public void An_undeclared_write_is_reported()
    {
        var function = IrParser.Parse("""
            function T.F(i64, i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i64 = param 1
              v2:i64 = add v0, v1
              return v2
            }
            """);
        Assert.Contains(Violations(function, false, extra: new MachineInstr(MOp.Mov, Register.Rbx, MOperand.Imm(1))), p => p.Contains("rbx"));
    }

    static List<string> Violations(Function function, bool spillEverything, MachineInstr? extra = null)
    {
        var convention = CallingConvention.SystemV;
        var lowered = X64Lowering.Lower(function);
        var live = Liveness.Analyze(lowered, convention);
        var allocation = spillEverything
            ? LinearScanAllocator.SpillEverything(lowered, live, convention)
            : LinearScanAllocator.Allocate(lowered, live, convention);
        var asm = new X64Assembler();
        var errorExit = asm.CreateLabel("error exit");
        var result = X64Emitter.Emit(lowered, allocation, convention, asm, asm.CreateLabel(function.Name),
            _ => throw new InvalidOperationException("no compiled calls here"), errorExit);
        if (extra is { } write) result.Code.Insert(result.Code.FindIndex(i => i.Op == MOp.Ret), write);
        Peephole.Run(result.Code);
        MachineEncoder.Encode(result.Code, asm);
        asm.Bind(errorExit);
        asm.Int3();
        var bytes = asm.Assemble();
        int exit = asm.OffsetOf(errorExit);

        uint allowed = X64Registers.Mask(Register.Rsp) | X64Registers.Mask(Register.Rax) | X64Registers.Mask(Register.Xmm0)
            | X64Registers.Mask(X64Registers.Scratch) | X64Registers.Mask(X64Registers.CycleScratch)
            | X64Registers.Mask(X64Registers.XmmScratch) | X64Registers.Mask(X64Registers.XmmScratch2);
        foreach (var location in allocation.Locations)
            if (location.Kind == LocationKind.Register) allowed |= X64Registers.Mask(location.Register);
        foreach (var register in allocation.CalleeSavedUsed) allowed |= X64Registers.Mask(register);
        foreach (var instr in lowered.Function.Blocks.SelectMany(b => b.Instrs))
            allowed |= X64Registers.Clobbers(instr, lowered.Immediate, convention);

        var decoded = new List<Instruction>();
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(bytes[..exit]));
        while (decoder.IP < (ulong)exit) decoded.Add(decoder.Decode());
        var problems = new List<string>();
        var info = new InstructionInfoFactory();
        var line = new List<Instruction>();
        foreach (var instruction in decoded)
        {
            line.Add(instruction);
            if (instruction.FlowControl is not (FlowControl.UnconditionalBranch or FlowControl.Return)) continue;
            // A straight line ending in a jump to the error exit is an error stub: it may set the exit's arguments.
            bool errorStub = instruction.FlowControl == FlowControl.UnconditionalBranch && instruction.NearBranchTarget == (ulong)exit;
            if (!errorStub)
                foreach (var written in line.SelectMany(i => info.GetInfo(i).GetUsedRegisters()))
                {
                    if (written.Access is not (OpAccess.Write or OpAccess.CondWrite or OpAccess.ReadWrite or OpAccess.ReadCondWrite)) continue;
                    var register = written.Register;
                    int index = register.IsGPR() ? register.GetFullRegister().GetNumber()
                        : register.IsXMM() || register.IsYMM() || register.IsZMM() ? 16 + register.GetNumber() : -1;
                    if (index >= 0 && (allowed & (1u << index)) == 0)
                        problems.Add($"writes {register.ToString().ToLowerInvariant()} in '{line.First(i => info.GetInfo(i).GetUsedRegisters().Any(u => u.Register == register && u.Access != OpAccess.Read))}'");
                }
            line.Clear();
        }
        return problems;
    }
}
