using System.Collections.Immutable;
using K = MiniJit.Cil.CilOperandKind;
using F = MiniJit.Cil.CilFlow;

namespace MiniJit.Cil;

/// <summary>
/// The opcode table of ECMA-335 Partition III: one row per opcode, plus constant-time lookup by encoding.
/// Unassigned encodings (for example <c>0x24</c>, <c>0xA6</c>–<c>0xB2</c>, <c>0xFE 0x08</c>) have no row;
/// the reserved bytes <c>0xF8</c>–<c>0xFF</c> are not opcodes either, except <c>0xFE</c>, which introduces the second page.
/// </summary>
public static class CilOpCodes
{
    /// <summary>The first byte of every two-byte opcode.</summary>
    public const byte TwoBytePrefix = 0xFE;

    const sbyte V = CilOpCode.Variable;

    /// <summary>Every opcode, in encoding order. Stack counts follow Partition III's "stack transition" lines.</summary>
    public static ImmutableArray<CilOpCode> All { get; } =
    [
        new(CilOp.Nop, "nop", K.None, F.Next, 0, 0),
        new(CilOp.Break, "break", K.None, F.Break, 0, 0),
        new(CilOp.Ldarg_0, "ldarg.0", K.None, F.Next, 0, 1),
        new(CilOp.Ldarg_1, "ldarg.1", K.None, F.Next, 0, 1),
        new(CilOp.Ldarg_2, "ldarg.2", K.None, F.Next, 0, 1),
        new(CilOp.Ldarg_3, "ldarg.3", K.None, F.Next, 0, 1),
        new(CilOp.Ldloc_0, "ldloc.0", K.None, F.Next, 0, 1),
        new(CilOp.Ldloc_1, "ldloc.1", K.None, F.Next, 0, 1),
        new(CilOp.Ldloc_2, "ldloc.2", K.None, F.Next, 0, 1),
        new(CilOp.Ldloc_3, "ldloc.3", K.None, F.Next, 0, 1),
        new(CilOp.Stloc_0, "stloc.0", K.None, F.Next, 1, 0),
        new(CilOp.Stloc_1, "stloc.1", K.None, F.Next, 1, 0),
        new(CilOp.Stloc_2, "stloc.2", K.None, F.Next, 1, 0),
        new(CilOp.Stloc_3, "stloc.3", K.None, F.Next, 1, 0),
        new(CilOp.Ldarg_S, "ldarg.s", K.UInt8Var, F.Next, 0, 1),
        new(CilOp.Ldarga_S, "ldarga.s", K.UInt8Var, F.Next, 0, 1),
        new(CilOp.Starg_S, "starg.s", K.UInt8Var, F.Next, 1, 0),
        new(CilOp.Ldloc_S, "ldloc.s", K.UInt8Var, F.Next, 0, 1),
        new(CilOp.Ldloca_S, "ldloca.s", K.UInt8Var, F.Next, 0, 1),
        new(CilOp.Stloc_S, "stloc.s", K.UInt8Var, F.Next, 1, 0),
        new(CilOp.Ldnull, "ldnull", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_M1, "ldc.i4.m1", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_0, "ldc.i4.0", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_1, "ldc.i4.1", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_2, "ldc.i4.2", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_3, "ldc.i4.3", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_4, "ldc.i4.4", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_5, "ldc.i4.5", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_6, "ldc.i4.6", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_7, "ldc.i4.7", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_8, "ldc.i4.8", K.None, F.Next, 0, 1),
        new(CilOp.Ldc_I4_S, "ldc.i4.s", K.Int8, F.Next, 0, 1),
        new(CilOp.Ldc_I4, "ldc.i4", K.Int32, F.Next, 0, 1),
        new(CilOp.Ldc_I8, "ldc.i8", K.Int64, F.Next, 0, 1),
        new(CilOp.Ldc_R4, "ldc.r4", K.Float32, F.Next, 0, 1),
        new(CilOp.Ldc_R8, "ldc.r8", K.Float64, F.Next, 0, 1),
        new(CilOp.Dup, "dup", K.None, F.Next, 1, 2),
        new(CilOp.Pop, "pop", K.None, F.Next, 1, 0),
        // jmp requires an empty stack and passes the caller's own arguments on.
        new(CilOp.Jmp, "jmp", K.Method, F.Call, 0, 0),
        new(CilOp.Call, "call", K.Method, F.Call, V, V),
        new(CilOp.Calli, "calli", K.Signature, F.Call, V, V),
        new(CilOp.Ret, "ret", K.None, F.Return, V, 0),
        new(CilOp.Br_S, "br.s", K.BranchTarget8, F.Branch, 0, 0),
        new(CilOp.Brfalse_S, "brfalse.s", K.BranchTarget8, F.CondBranch, 1, 0),
        new(CilOp.Brtrue_S, "brtrue.s", K.BranchTarget8, F.CondBranch, 1, 0),
        new(CilOp.Beq_S, "beq.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Bge_S, "bge.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Bgt_S, "bgt.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Ble_S, "ble.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Blt_S, "blt.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Bne_Un_S, "bne.un.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Bge_Un_S, "bge.un.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Bgt_Un_S, "bgt.un.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Ble_Un_S, "ble.un.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Blt_Un_S, "blt.un.s", K.BranchTarget8, F.CondBranch, 2, 0),
        new(CilOp.Br, "br", K.BranchTarget32, F.Branch, 0, 0),
        new(CilOp.Brfalse, "brfalse", K.BranchTarget32, F.CondBranch, 1, 0),
        new(CilOp.Brtrue, "brtrue", K.BranchTarget32, F.CondBranch, 1, 0),
        new(CilOp.Beq, "beq", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Bge, "bge", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Bgt, "bgt", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Ble, "ble", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Blt, "blt", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Bne_Un, "bne.un", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Bge_Un, "bge.un", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Bgt_Un, "bgt.un", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Ble_Un, "ble.un", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Blt_Un, "blt.un", K.BranchTarget32, F.CondBranch, 2, 0),
        new(CilOp.Switch, "switch", K.Switch, F.CondBranch, 1, 0),
        new(CilOp.Ldind_I1, "ldind.i1", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_U1, "ldind.u1", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_I2, "ldind.i2", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_U2, "ldind.u2", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_I4, "ldind.i4", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_U4, "ldind.u4", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_I8, "ldind.i8", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_I, "ldind.i", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_R4, "ldind.r4", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_R8, "ldind.r8", K.None, F.Next, 1, 1),
        new(CilOp.Ldind_Ref, "ldind.ref", K.None, F.Next, 1, 1),
        new(CilOp.Stind_Ref, "stind.ref", K.None, F.Next, 2, 0),
        new(CilOp.Stind_I1, "stind.i1", K.None, F.Next, 2, 0),
        new(CilOp.Stind_I2, "stind.i2", K.None, F.Next, 2, 0),
        new(CilOp.Stind_I4, "stind.i4", K.None, F.Next, 2, 0),
        new(CilOp.Stind_I8, "stind.i8", K.None, F.Next, 2, 0),
        new(CilOp.Stind_R4, "stind.r4", K.None, F.Next, 2, 0),
        new(CilOp.Stind_R8, "stind.r8", K.None, F.Next, 2, 0),
        new(CilOp.Add, "add", K.None, F.Next, 2, 1),
        new(CilOp.Sub, "sub", K.None, F.Next, 2, 1),
        new(CilOp.Mul, "mul", K.None, F.Next, 2, 1),
        new(CilOp.Div, "div", K.None, F.Next, 2, 1),
        new(CilOp.Div_Un, "div.un", K.None, F.Next, 2, 1),
        new(CilOp.Rem, "rem", K.None, F.Next, 2, 1),
        new(CilOp.Rem_Un, "rem.un", K.None, F.Next, 2, 1),
        new(CilOp.And, "and", K.None, F.Next, 2, 1),
        new(CilOp.Or, "or", K.None, F.Next, 2, 1),
        new(CilOp.Xor, "xor", K.None, F.Next, 2, 1),
        new(CilOp.Shl, "shl", K.None, F.Next, 2, 1),
        new(CilOp.Shr, "shr", K.None, F.Next, 2, 1),
        new(CilOp.Shr_Un, "shr.un", K.None, F.Next, 2, 1),
        new(CilOp.Neg, "neg", K.None, F.Next, 1, 1),
        new(CilOp.Not, "not", K.None, F.Next, 1, 1),
        new(CilOp.Conv_I1, "conv.i1", K.None, F.Next, 1, 1),
        new(CilOp.Conv_I2, "conv.i2", K.None, F.Next, 1, 1),
        new(CilOp.Conv_I4, "conv.i4", K.None, F.Next, 1, 1),
        new(CilOp.Conv_I8, "conv.i8", K.None, F.Next, 1, 1),
        new(CilOp.Conv_R4, "conv.r4", K.None, F.Next, 1, 1),
        new(CilOp.Conv_R8, "conv.r8", K.None, F.Next, 1, 1),
        new(CilOp.Conv_U4, "conv.u4", K.None, F.Next, 1, 1),
        new(CilOp.Conv_U8, "conv.u8", K.None, F.Next, 1, 1),
        new(CilOp.Callvirt, "callvirt", K.Method, F.Call, V, V),
        new(CilOp.Cpobj, "cpobj", K.Type, F.Next, 2, 0),
        new(CilOp.Ldobj, "ldobj", K.Type, F.Next, 1, 1),
        new(CilOp.Ldstr, "ldstr", K.String, F.Next, 0, 1),
        // newobj pops the constructor's arguments (not counting 'this') and always pushes the new object.
        new(CilOp.Newobj, "newobj", K.Method, F.Call, V, 1),
        new(CilOp.Castclass, "castclass", K.Type, F.Next, 1, 1),
        new(CilOp.Isinst, "isinst", K.Type, F.Next, 1, 1),
        new(CilOp.Conv_R_Un, "conv.r.un", K.None, F.Next, 1, 1),
        new(CilOp.Unbox, "unbox", K.Type, F.Next, 1, 1),
        new(CilOp.Throw, "throw", K.None, F.Throw, 1, 0),
        new(CilOp.Ldfld, "ldfld", K.Field, F.Next, 1, 1),
        new(CilOp.Ldflda, "ldflda", K.Field, F.Next, 1, 1),
        new(CilOp.Stfld, "stfld", K.Field, F.Next, 2, 0),
        new(CilOp.Ldsfld, "ldsfld", K.Field, F.Next, 0, 1),
        new(CilOp.Ldsflda, "ldsflda", K.Field, F.Next, 0, 1),
        new(CilOp.Stsfld, "stsfld", K.Field, F.Next, 1, 0),
        new(CilOp.Stobj, "stobj", K.Type, F.Next, 2, 0),
        new(CilOp.Conv_Ovf_I1_Un, "conv.ovf.i1.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I2_Un, "conv.ovf.i2.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I4_Un, "conv.ovf.i4.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I8_Un, "conv.ovf.i8.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U1_Un, "conv.ovf.u1.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U2_Un, "conv.ovf.u2.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U4_Un, "conv.ovf.u4.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U8_Un, "conv.ovf.u8.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I_Un, "conv.ovf.i.un", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U_Un, "conv.ovf.u.un", K.None, F.Next, 1, 1),
        new(CilOp.Box, "box", K.Type, F.Next, 1, 1),
        new(CilOp.Newarr, "newarr", K.Type, F.Next, 1, 1),
        new(CilOp.Ldlen, "ldlen", K.None, F.Next, 1, 1),
        new(CilOp.Ldelema, "ldelema", K.Type, F.Next, 2, 1),
        new(CilOp.Ldelem_I1, "ldelem.i1", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_U1, "ldelem.u1", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_I2, "ldelem.i2", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_U2, "ldelem.u2", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_I4, "ldelem.i4", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_U4, "ldelem.u4", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_I8, "ldelem.i8", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_I, "ldelem.i", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_R4, "ldelem.r4", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_R8, "ldelem.r8", K.None, F.Next, 2, 1),
        new(CilOp.Ldelem_Ref, "ldelem.ref", K.None, F.Next, 2, 1),
        new(CilOp.Stelem_I, "stelem.i", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_I1, "stelem.i1", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_I2, "stelem.i2", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_I4, "stelem.i4", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_I8, "stelem.i8", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_R4, "stelem.r4", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_R8, "stelem.r8", K.None, F.Next, 3, 0),
        new(CilOp.Stelem_Ref, "stelem.ref", K.None, F.Next, 3, 0),
        new(CilOp.Ldelem, "ldelem", K.Type, F.Next, 2, 1),
        new(CilOp.Stelem, "stelem", K.Type, F.Next, 3, 0),
        new(CilOp.Unbox_Any, "unbox.any", K.Type, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I1, "conv.ovf.i1", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U1, "conv.ovf.u1", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I2, "conv.ovf.i2", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U2, "conv.ovf.u2", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I4, "conv.ovf.i4", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U4, "conv.ovf.u4", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I8, "conv.ovf.i8", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U8, "conv.ovf.u8", K.None, F.Next, 1, 1),
        new(CilOp.Refanyval, "refanyval", K.Type, F.Next, 1, 1),
        new(CilOp.Ckfinite, "ckfinite", K.None, F.Next, 1, 1),
        new(CilOp.Mkrefany, "mkrefany", K.Type, F.Next, 1, 1),
        new(CilOp.Ldtoken, "ldtoken", K.Token, F.Next, 0, 1),
        new(CilOp.Conv_U2, "conv.u2", K.None, F.Next, 1, 1),
        new(CilOp.Conv_U1, "conv.u1", K.None, F.Next, 1, 1),
        new(CilOp.Conv_I, "conv.i", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_I, "conv.ovf.i", K.None, F.Next, 1, 1),
        new(CilOp.Conv_Ovf_U, "conv.ovf.u", K.None, F.Next, 1, 1),
        new(CilOp.Add_Ovf, "add.ovf", K.None, F.Next, 2, 1),
        new(CilOp.Add_Ovf_Un, "add.ovf.un", K.None, F.Next, 2, 1),
        new(CilOp.Mul_Ovf, "mul.ovf", K.None, F.Next, 2, 1),
        new(CilOp.Mul_Ovf_Un, "mul.ovf.un", K.None, F.Next, 2, 1),
        new(CilOp.Sub_Ovf, "sub.ovf", K.None, F.Next, 2, 1),
        new(CilOp.Sub_Ovf_Un, "sub.ovf.un", K.None, F.Next, 2, 1),
        // endfinally and leave empty the evaluation stack whatever its depth; the table records no fixed pops.
        new(CilOp.Endfinally, "endfinally", K.None, F.Return, 0, 0),
        new(CilOp.Leave, "leave", K.BranchTarget32, F.Branch, 0, 0),
        new(CilOp.Leave_S, "leave.s", K.BranchTarget8, F.Branch, 0, 0),
        new(CilOp.Stind_I, "stind.i", K.None, F.Next, 2, 0),
        new(CilOp.Conv_U, "conv.u", K.None, F.Next, 1, 1),

        new(CilOp.Arglist, "arglist", K.None, F.Next, 0, 1),
        new(CilOp.Ceq, "ceq", K.None, F.Next, 2, 1),
        new(CilOp.Cgt, "cgt", K.None, F.Next, 2, 1),
        new(CilOp.Cgt_Un, "cgt.un", K.None, F.Next, 2, 1),
        new(CilOp.Clt, "clt", K.None, F.Next, 2, 1),
        new(CilOp.Clt_Un, "clt.un", K.None, F.Next, 2, 1),
        new(CilOp.Ldftn, "ldftn", K.Method, F.Next, 0, 1),
        new(CilOp.Ldvirtftn, "ldvirtftn", K.Method, F.Next, 1, 1),
        new(CilOp.Ldarg, "ldarg", K.UInt16Var, F.Next, 0, 1),
        new(CilOp.Ldarga, "ldarga", K.UInt16Var, F.Next, 0, 1),
        new(CilOp.Starg, "starg", K.UInt16Var, F.Next, 1, 0),
        new(CilOp.Ldloc, "ldloc", K.UInt16Var, F.Next, 0, 1),
        new(CilOp.Ldloca, "ldloca", K.UInt16Var, F.Next, 0, 1),
        new(CilOp.Stloc, "stloc", K.UInt16Var, F.Next, 1, 0),
        new(CilOp.Localloc, "localloc", K.None, F.Next, 1, 1),
        new(CilOp.Endfilter, "endfilter", K.None, F.Return, 1, 0),
        new(CilOp.Unaligned, "unaligned.", K.UInt8, F.Meta, 0, 0),
        new(CilOp.Volatile, "volatile.", K.None, F.Meta, 0, 0),
        new(CilOp.Tail, "tail.", K.None, F.Meta, 0, 0),
        new(CilOp.Initobj, "initobj", K.Type, F.Next, 1, 0),
        new(CilOp.Constrained, "constrained.", K.Type, F.Meta, 0, 0),
        new(CilOp.Cpblk, "cpblk", K.None, F.Next, 3, 0),
        new(CilOp.Initblk, "initblk", K.None, F.Next, 3, 0),
        new(CilOp.No, "no.", K.UInt8, F.Meta, 0, 0),
        new(CilOp.Rethrow, "rethrow", K.None, F.Throw, 0, 0),
        new(CilOp.Sizeof, "sizeof", K.Type, F.Next, 0, 1),
        new(CilOp.Refanytype, "refanytype", K.None, F.Next, 1, 1),
        new(CilOp.Readonly, "readonly.", K.None, F.Meta, 0, 0),
    ];

    // Two 256-entry pages indexed by the (last) opcode byte: decoding is one array read per instruction.
    static readonly CilOpCode?[] s_oneByte = BuildPage(twoByte: false);
    static readonly CilOpCode?[] s_twoByte = BuildPage(twoByte: true);

    static CilOpCode?[] BuildPage(bool twoByte)
    {
        var page = new CilOpCode?[256];
        foreach (var opCode in All)
            if (opCode.IsTwoByte == twoByte)
                page[opCode.Value & 0xFF] = opCode;
        return page;
    }

    /// <summary>Finds the one-byte opcode encoded as <paramref name="value"/>; false for unassigned bytes and for 0xFE.</summary>
    public static bool TryGetOneByte(byte value, out CilOpCode opCode) => TryGet(s_oneByte, value, out opCode);

    /// <summary>Finds the opcode encoded as <c>0xFE</c>, <paramref name="second"/>.</summary>
    public static bool TryGetTwoByte(byte second, out CilOpCode opCode) => TryGet(s_twoByte, second, out opCode);

    static bool TryGet(CilOpCode?[] page, byte value, out CilOpCode opCode)
    {
        opCode = page[value].GetValueOrDefault();
        return page[value].HasValue;
    }

    /// <summary>The table row of <paramref name="op"/>.</summary>
    public static CilOpCode Get(CilOp op)
    {
        var value = (ushort)op;
        var page = (value >> 8) switch
        {
            0 => s_oneByte,
            TwoBytePrefix => s_twoByte,
            _ => null,
        };
        return page?[value & 0xFF] ?? throw new ArgumentOutOfRangeException(nameof(op), op, "not a defined CilOp");
    }
}
