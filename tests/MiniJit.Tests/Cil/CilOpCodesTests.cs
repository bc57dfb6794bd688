using System.Reflection;
using System.Reflection.Emit;
using MiniJit.Cil;
using EmitOpCode = System.Reflection.Emit.OpCode;

namespace MiniJit.Tests.Cil;

/// <summary>Checks our hand-written opcode table against the CLR's own description in Reflection.Emit.</summary>
public class CilOpCodesTests
{
    // Reflection.Emit also lists the reserved prefix bytes 0xF8-0xFF (prefix1..prefix7, prefixref) as "internal"
    // opcodes; they are not instructions, so our table leaves them out.
    static readonly EmitOpCode[] s_clrOpCodes =
    [
        .. typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (EmitOpCode)f.GetValue(null)!)
            .Where(o => o.OpCodeType != OpCodeType.Nternal),
    ];

    // ECMA-335 defines "no." (0xFE 0x19) but Reflection.Emit has no field for it.
    static readonly CilOp[] s_missingFromReflectionEmit = [CilOp.No];

    public static TheoryData<string> ClrOpCodeNames() => [.. s_clrOpCodes.Select(o => o.Name!)];

    [Theory]
    [MemberData(nameof(ClrOpCodeNames))]
    public void Matches_the_CLR_description(string name)
    {
        var clr = s_clrOpCodes.Single(o => o.Name == name);
        var ours = CilOpCodes.Get((CilOp)(ushort)clr.Value);

        Assert.Equal(clr.Name, ours.Name);
        Assert.Equal((ushort)clr.Value, ours.Value);
        Assert.Equal(clr.Size, ours.OpCodeSize);
        Assert.Contains(ours.Operand, OperandKinds(clr.OperandType));
        Assert.Equal(Flow(clr.FlowControl), ours.Flow);
        Assert.Equal(StackCount(clr.StackBehaviourPop.ToString()), ours.Pops);
        Assert.Equal(StackCount(clr.StackBehaviourPush.ToString()), ours.Pushes);
    }

    [Fact]
    public void Has_no_entries_beyond_the_CLR_list()
    {
        var clrValues = s_clrOpCodes.Select(o => (ushort)o.Value).ToHashSet();
        var extra = CilOpCodes.All.Where(o => !clrValues.Contains(o.Value)).Select(o => o.Op);
        Assert.Equal(s_missingFromReflectionEmit, extra);
        Assert.Equal(s_clrOpCodes.Length + s_missingFromReflectionEmit.Length, CilOpCodes.All.Length);
    }

    [Fact]
    public void Enum_and_table_agree_one_to_one()
    {
        Assert.Equal(Enum.GetValues<CilOp>(), CilOpCodes.All.Select(o => o.Op));
        Assert.Equal(CilOpCodes.All.Length, CilOpCodes.All.Select(o => o.Value).Distinct().Count());
    }

    [Fact]
    public void Enum_names_follow_the_naming_rule()
    {
        foreach (var opCode in CilOpCodes.All)
        {
            var parts = opCode.Name.TrimEnd('.').Split('.').Select(p => char.ToUpperInvariant(p[0]) + p[1..]);
            Assert.Equal(string.Join('_', parts), opCode.Op.ToString());
            Assert.Equal(opCode.IsPrefix, opCode.Name.EndsWith('.'));
        }
    }

    [Fact]
    public void Lookup_pages_return_the_right_rows_and_reject_unassigned_bytes()
    {
        Assert.True(CilOpCodes.TryGetOneByte(0x2B, out var brS));
        Assert.Equal(CilOp.Br_S, brS.Op);
        Assert.True(CilOpCodes.TryGetTwoByte(0x01, out var ceq));
        Assert.Equal(CilOp.Ceq, ceq.Op);
        Assert.False(CilOpCodes.TryGetOneByte(0x24, out _));
        Assert.False(CilOpCodes.TryGetOneByte(CilOpCodes.TwoBytePrefix, out _));
        Assert.False(CilOpCodes.TryGetTwoByte(0x08, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => CilOpCodes.Get((CilOp)0x24));
    }

    // Reflection.Emit calls both ldc.i4.s's signed byte and unaligned.'s unsigned alignment "ShortInlineI";
    // ECMA-335 gives them different signedness, so we keep two kinds.
    static CilOperandKind[] OperandKinds(OperandType type) => type switch
    {
        OperandType.InlineNone => [CilOperandKind.None],
        OperandType.ShortInlineI => [CilOperandKind.Int8, CilOperandKind.UInt8],
        OperandType.ShortInlineVar => [CilOperandKind.UInt8Var],
        OperandType.InlineVar => [CilOperandKind.UInt16Var],
        OperandType.InlineI => [CilOperandKind.Int32],
        OperandType.InlineI8 => [CilOperandKind.Int64],
        OperandType.ShortInlineR => [CilOperandKind.Float32],
        OperandType.InlineR => [CilOperandKind.Float64],
        OperandType.ShortInlineBrTarget => [CilOperandKind.BranchTarget8],
        OperandType.InlineBrTarget => [CilOperandKind.BranchTarget32],
        OperandType.InlineSwitch => [CilOperandKind.Switch],
        OperandType.InlineMethod => [CilOperandKind.Method],
        OperandType.InlineField => [CilOperandKind.Field],
        OperandType.InlineType => [CilOperandKind.Type],
        OperandType.InlineString => [CilOperandKind.String],
        OperandType.InlineSig => [CilOperandKind.Signature],
        OperandType.InlineTok => [CilOperandKind.Token],
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    static CilFlow Flow(FlowControl flow) => flow switch
    {
        FlowControl.Next => CilFlow.Next,
        FlowControl.Break => CilFlow.Break,
        FlowControl.Branch => CilFlow.Branch,
        FlowControl.Cond_Branch => CilFlow.CondBranch,
        FlowControl.Return => CilFlow.Return,
        FlowControl.Throw => CilFlow.Throw,
        FlowControl.Call => CilFlow.Call,
        FlowControl.Meta => CilFlow.Meta,
        _ => throw new ArgumentOutOfRangeException(nameof(flow), flow, null),
    };

    // StackBehaviour names list one part per slot: Popref_popi_pop1 pops 3, Push1_push1 pushes 2.
    static sbyte StackCount(string behaviour) => behaviour switch
    {
        "Varpop" or "Varpush" => CilOpCode.Variable,
        "Pop0" or "Push0" => 0,
        _ => (sbyte)behaviour.Split('_').Length,
    };
}
