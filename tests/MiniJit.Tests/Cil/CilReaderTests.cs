using System.Reflection;
using CsCheck;
using MiniJit.Cil;

namespace MiniJit.Tests.Cil;

public class CilReaderTests
{
    static CilMethod Sample(string name) => CilMethod.FromMethod(typeof(CilSamples).GetMethod(name)!);

    static string[] Names(CilInstruction[] code) => [.. code.Select(i => i.OpCode.Name)];

    [Fact]
    public void Decodes_an_expression_bodied_add()
    {
        var code = Sample(nameof(CilSamples.Add)).Decode();
        Assert.Equal(["ldarg.0", "ldarg.1", "add", "ret"], Names(code));
        Assert.Equal([0, 1, 2, 3], code.Select(i => i.Offset));
    }

    [Fact]
    public void Decodes_recursive_calls_and_a_conditional_branch()
    {
        var method = Sample(nameof(CilSamples.Fib));
        var code = method.Decode();

        var branch = Assert.Single(code, i => i.OpCode.Flow == CilFlow.CondBranch);
        Assert.Equal(CilOp.Blt_S, branch.Op);
        Assert.Equal(CilOp.Ldarg_0, code.Single(i => i.Offset == branch.Target).Op);

        var calls = code.Where(i => i.Op == CilOp.Call).ToArray();
        Assert.Equal(2, calls.Length);
        Assert.All(calls, c => Assert.Equal(method.Method, method.ResolveMethod(c.Token, c)));
    }

    [Fact]
    public void Decodes_64_bit_and_floating_point_constants()
    {
        var big = Sample(nameof(CilSamples.BigConstant)).Decode()[0];
        Assert.Equal((CilOp.Ldc_I8, 1234567890123L, 9), (big.Op, big.Int, big.Size));

        var half = Sample(nameof(CilSamples.Half)).Decode()[0];
        Assert.Equal((CilOp.Ldc_R8, 2.5, BitConverter.DoubleToInt64Bits(2.5)), (half.Op, half.Float, half.Int));

        var quarter = Sample(nameof(CilSamples.Quarter)).Decode()[0];
        Assert.Equal((CilOp.Ldc_R4, 0.25, (long)BitConverter.SingleToUInt32Bits(0.25f)), (quarter.Op, quarter.Float, quarter.Int));
    }

    [Fact]
    public void Decodes_a_string_literal_token()
    {
        var method = Sample(nameof(CilSamples.Greeting));
        var ldstr = method.Decode()[0];
        Assert.Equal(CilOp.Ldstr, ldstr.Op);
        Assert.Equal("text", method.ResolveString(ldstr.Token, ldstr));
    }

    [Fact]
    public void Decodes_a_switch_statement_into_absolute_case_targets()
    {
        var code = Sample(nameof(CilSamples.Classify)).Decode();
        var @switch = Assert.Single(code, i => i.Op == CilOp.Switch);
        Assert.Equal(4, @switch.Int);
        Assert.Equal(1 + 4 + 4 * 4, @switch.Size);

        // Each case lands on the "ldc.i4.s <result>" of its return statement.
        var cases = @switch.Targets!.Select(t => code.Single(i => i.Offset == t)).ToArray();
        Assert.All(cases, c => Assert.Equal(CilOp.Ldc_I4_S, c.Op));
        Assert.Equal([10L, 20L, 30L, 40L], cases.Select(c => c.Int));
    }

    [Fact]
    public void Decodes_a_loop_with_a_backward_branch()
    {
        var code = Sample(nameof(CilSamples.SumTo)).Decode();
        Assert.Contains(code, i => i.OpCode.Flow == CilFlow.CondBranch && i.Target < i.Offset);
    }

    public static TheoryData<Type> RealWorldTypes() =>
    [
        typeof(CilSamples), typeof(Counter), typeof(Point), typeof(List<>), typeof(Dictionary<,>), typeof(string),
        typeof(Enumerable), typeof(Math), typeof(System.Numerics.BigInteger), typeof(System.Text.StringBuilder),
        typeof(System.Text.Json.JsonSerializer), typeof(System.Text.RegularExpressions.Regex),
    ];

    [Theory]
    [MemberData(nameof(RealWorldTypes))]
    public void Every_method_body_of_a_type_decodes_consistently(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static
                                 | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        MethodBase[] methods = [.. type.GetMethods(all), .. type.GetConstructors(all)];
        var decoded = 0;
        foreach (var method in methods.Where(m => m.GetMethodBody()?.GetILAsByteArray() is { Length: > 0 }))
        {
            var cil = CilMethod.FromMethod(method);
            AssertConsistent(cil.IL, cil.Decode());
            decoded++;
        }
        Assert.True(decoded > 0, $"no method bodies found in {type}");
    }

    static void AssertConsistent(byte[] il, CilInstruction[] code)
    {
        Assert.Equal(0, code[0].Offset);
        for (var i = 1; i < code.Length; i++)
            Assert.Equal(code[i - 1].NextOffset, code[i].Offset);
        Assert.Equal(il.Length, code[^1].NextOffset);

        var starts = code.Select(i => i.Offset).ToHashSet();
        foreach (var instruction in code)
        {
            var op = instruction.OpCode;
            var tableSize = op.Operand == CilOperandKind.Switch ? 4 * instruction.Targets!.Length : 0;
            Assert.Equal(op.OpCodeSize + op.OperandSize + tableSize, instruction.Size);
            if (op.Operand is CilOperandKind.BranchTarget8 or CilOperandKind.BranchTarget32)
                Assert.Contains(instruction.Target, starts);
            Assert.All(instruction.Targets ?? [], t => Assert.Contains(t, starts));
        }
    }

    // One generated instruction: which opcode, a raw operand value, a choice of branch target and a switch size.
    record struct Item(int OpIndex, long Raw, int Pick, int Cases);

    [Fact]
    public void Random_instruction_sequences_round_trip_through_bytes()
    {
        Gen.Select(Gen.Int[0, CilOpCodes.All.Length - 1], Gen.Long, Gen.Int[0, int.MaxValue], Gen.Int[0, 4],
                (op, raw, pick, cases) => new Item(op, raw, pick, cases))
            .Array[1, 40]
            .Sample(items =>
            {
                var (il, expected) = Encode(items);
                var actual = CilReader.Decode(il);
                Assert.Equal(expected.Length, actual.Length);
                for (var i = 0; i < expected.Length; i++)
                {
                    Assert.Equal(expected[i] with { Targets = null }, actual[i] with { Targets = null });
                    Assert.Equal(expected[i].Targets, actual[i].Targets);
                }
            }, iter: 2000);
    }

    // Lays the instructions out first (sizes do not depend on targets), then picks every branch target among
    // the instruction starts, so the encoded body is always valid; short branches only pick targets in reach.
    static (byte[] IL, CilInstruction[] Expected) Encode(Item[] items)
    {
        var opCodes = items.Select(i => CilOpCodes.All[i.OpIndex]).ToArray();
        var offsets = new int[items.Length + 1];
        for (var i = 0; i < items.Length; i++)
        {
            var op = opCodes[i];
            var cases = op.Operand == CilOperandKind.Switch ? items[i].Cases : 0;
            offsets[i + 1] = offsets[i] + op.OpCodeSize + op.OperandSize + 4 * cases;
        }

        var writer = new IlWriter();
        var expected = new CilInstruction[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var (op, raw, pick) = (opCodes[i], items[i].Raw, items[i].Pick);
            var (offset, next) = (offsets[i], offsets[i + 1]);
            var instruction = new CilInstruction(offset, next - offset, op);
            writer.Op(op.Op);
            switch (op.Operand)
            {
                case CilOperandKind.None:
                    break;
                case CilOperandKind.Int8:
                    writer.I8((sbyte)raw);
                    instruction = instruction with { Int = (sbyte)raw };
                    break;
                case CilOperandKind.UInt8 or CilOperandKind.UInt8Var:
                    writer.U8((byte)raw);
                    instruction = instruction with { Int = (byte)raw };
                    break;
                case CilOperandKind.UInt16Var:
                    writer.U16((ushort)raw);
                    instruction = instruction with { Int = (ushort)raw };
                    break;
                case CilOperandKind.Int64:
                    writer.I64(raw);
                    instruction = instruction with { Int = raw };
                    break;
                case CilOperandKind.Float32:
                    writer.I32((int)raw);
                    instruction = instruction with { Int = (uint)raw, Float = BitConverter.UInt32BitsToSingle((uint)raw) };
                    break;
                case CilOperandKind.Float64:
                    writer.I64(raw);
                    instruction = instruction with { Int = raw, Float = BitConverter.Int64BitsToDouble(raw) };
                    break;
                case CilOperandKind.BranchTarget8:
                {
                    int[] inReach = [.. Enumerable.Range(0, items.Length).Where(t => offsets[t] - next is >= sbyte.MinValue and <= sbyte.MaxValue)];
                    var target = offsets[inReach[pick % inReach.Length]];
                    writer.I8((sbyte)(target - next));
                    instruction = instruction with { Int = target - next, Target = target };
                    break;
                }
                case CilOperandKind.BranchTarget32:
                {
                    var target = offsets[pick % items.Length];
                    writer.I32(target - next);
                    instruction = instruction with { Int = target - next, Target = target };
                    break;
                }
                case CilOperandKind.Switch:
                {
                    int[] targets = [.. Enumerable.Range(0, items[i].Cases).Select(c => offsets[(pick + 7 * c) % items.Length])];
                    writer.I32(targets.Length);
                    foreach (var target in targets)
                        writer.I32(target - next);
                    instruction = instruction with { Int = targets.Length, Targets = targets };
                    break;
                }
                default:
                    writer.I32((int)raw);
                    instruction = instruction with { Int = (int)raw };
                    break;
            }
            expected[i] = instruction;
        }
        return (writer.ToArray(), expected);
    }

    static JitException DecodeFails(IlWriter il, MethodBase? method = null) =>
        Assert.Throws<JitException>(() => CilReader.Decode(il.ToArray(), method));

    [Fact]
    public void Rejects_an_empty_body()
    {
        var error = Assert.Throws<JitException>(() => CilReader.Decode([]));
        Assert.Null(error.ILOffset);
        Assert.Contains("empty", error.Reason);
    }

    [Fact]
    public void Rejects_an_unknown_one_byte_opcode()
    {
        var error = DecodeFails(new IlWriter().Op(CilOp.Nop).U8(0x24));
        Assert.Equal((1, "0x24"), (error.ILOffset, error.OpCode));
        Assert.Contains("unknown opcode", error.Reason);
    }

    [Fact]
    public void Rejects_an_unknown_two_byte_opcode()
    {
        var error = DecodeFails(new IlWriter().Op(CilOp.Nop).U8(0xFE).U8(0x2A));
        Assert.Equal((1, "0xFE 0x2A"), (error.ILOffset, error.OpCode));
    }

    [Fact]
    public void Rejects_a_body_ending_after_the_two_byte_prefix()
    {
        var error = DecodeFails(new IlWriter().Op(CilOp.Nop).U8(0xFE));
        Assert.Equal((1, "0xFE"), (error.ILOffset, error.OpCode));
    }

    [Theory]
    [InlineData(CilOp.Ldc_I4, 3)]
    [InlineData(CilOp.Ldc_I8, 7)]
    [InlineData(CilOp.Ldc_R8, 0)]
    [InlineData(CilOp.Ldarg_S, 0)]
    [InlineData(CilOp.Ldloc, 1)]
    [InlineData(CilOp.Br, 2)]
    [InlineData(CilOp.Call, 3)]
    [InlineData(CilOp.Switch, 2)]
    public void Rejects_a_truncated_operand(CilOp op, int bytesPresent)
    {
        var il = new IlWriter().Op(CilOp.Ldarg_0).Op(op);
        for (var i = 0; i < bytesPresent; i++)
            il.U8(0);
        var error = DecodeFails(il);
        Assert.Equal((1, CilOpCodes.Get(op).Name), (error.ILOffset, error.OpCode));
        Assert.Contains("truncated", error.Reason);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(uint.MaxValue)]
    public void Rejects_a_switch_whose_table_runs_past_the_end(uint count)
    {
        // A count of 0xFFFFFFFF must not overflow the size check.
        var error = DecodeFails(new IlWriter().Op(CilOp.Switch).I32((int)count).Op(CilOp.Ret));
        Assert.Equal((0, "switch"), (error.ILOffset, error.OpCode));
        Assert.Contains("truncated", error.Reason);
    }

    [Fact]
    public void Rejects_a_branch_past_the_end_of_the_body()
    {
        // br.s +0 targets offset 2, which is the end of the body, not an instruction.
        var error = DecodeFails(new IlWriter().Op(CilOp.Br_S).I8(0));
        Assert.Equal((0, "br.s"), (error.ILOffset, error.OpCode));
        Assert.Contains("outside", error.Reason);
    }

    [Fact]
    public void Rejects_a_branch_before_the_start_of_the_body()
    {
        var error = DecodeFails(new IlWriter().Op(CilOp.Nop).Op(CilOp.Br).I32(-100).Op(CilOp.Ret));
        Assert.Equal((1, "br"), (error.ILOffset, error.OpCode));
        Assert.Contains("outside", error.Reason);
    }

    [Fact]
    public void Rejects_a_switch_case_outside_the_body()
    {
        var error = DecodeFails(new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Switch).I32(1).I32(int.MaxValue).Op(CilOp.Ret));
        Assert.Equal((1, "switch"), (error.ILOffset, error.OpCode));
    }

    [Fact]
    public void Rejects_a_forward_branch_into_the_middle_of_an_instruction()
    {
        // br.s +1 lands on the second byte of the ldc.i4 that follows it.
        var il = new IlWriter().Op(CilOp.Nop).Op(CilOp.Br_S).I8(1).Op(CilOp.Ldc_I4).I32(7).Op(CilOp.Ret);
        var error = DecodeFails(il);
        Assert.Equal((1, "br.s"), (error.ILOffset, error.OpCode));
        Assert.Contains("IL_0004", error.Reason);
    }

    [Fact]
    public void Rejects_a_switch_case_into_the_middle_of_an_instruction()
    {
        var il = new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Switch).I32(2).I32(0).I32(-1).Op(CilOp.Ret);
        var error = DecodeFails(il);
        Assert.Equal((1, "switch"), (error.ILOffset, error.OpCode));
        Assert.Contains("not at the start", error.Reason);
    }

    [Fact]
    public void Errors_name_the_method()
    {
        var method = typeof(CilSamples).GetMethod(nameof(CilSamples.Add))!;
        var error = DecodeFails(new IlWriter().U8(0xA6), method);
        Assert.Same(method, error.Method);
        Assert.StartsWith("MiniJit.Tests.Cil.CilSamples.Add at IL_0000 (0xA6)", error.Message);
    }
}
