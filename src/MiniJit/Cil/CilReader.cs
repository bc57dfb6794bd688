using System.Buffers.Binary;
using System.Reflection;

namespace MiniJit.Cil;

/// <summary>Decodes a CIL byte stream into instructions, rejecting anything malformed with a <see cref="JitException"/>.</summary>
public static class CilReader
{
    /// <summary>
    /// Decodes the whole body. Each prefix (<c>tail.</c>, <c>constrained.</c>…) comes back as its own instruction,
    /// as ildasm shows it; the importer attaches it to the instruction that follows.
    /// </summary>
    /// <param name="method">Only used to name the method in error messages.</param>
    public static CilInstruction[] Decode(ReadOnlySpan<byte> il, MethodBase? method = null)
    {
        if (il.IsEmpty)
            throw new JitException(method, null, null, "the method body is empty: there is no IL to compile");

        // Count first, so the instructions go straight into one array of the right size: a growing list would
        // allocate and copy several times (decoding is cheap; only a switch allocates, for its targets).
        var count = 0;
        for (var offset = 0; offset < il.Length; count++)
            offset = DecodeAt(il, offset, method).NextOffset;
        var code = new CilInstruction[count];
        for (int i = 0, offset = 0; i < count; offset = code[i++].NextOffset)
            code[i] = DecodeAt(il, offset, method);
        CheckBranchTargets(code, il.Length, method);
        return code;
    }

    static CilInstruction DecodeAt(ReadOnlySpan<byte> il, int offset, MethodBase? method)
    {
        var opCode = DecodeOpCode(il, offset, method);
        var pos = offset + opCode.OpCodeSize;

        // Every operand starts with a fixed-size field; reading it through one bounds check keeps the cases below short.
        var fixedSize = opCode.OperandSize;
        if (il.Length - pos < fixedSize)
            throw Truncated(method, offset, opCode, fixedSize, il.Length - pos);
        var operand = il.Slice(pos, fixedSize);
        pos += fixedSize;

        switch (opCode.Operand)
        {
            case CilOperandKind.None:
                return new(offset, pos - offset, opCode);
            case CilOperandKind.Int8:
                return new(offset, pos - offset, opCode, Int: (sbyte)operand[0]);
            case CilOperandKind.UInt8 or CilOperandKind.UInt8Var:
                return new(offset, pos - offset, opCode, Int: operand[0]);
            case CilOperandKind.UInt16Var:
                return new(offset, pos - offset, opCode, Int: BinaryPrimitives.ReadUInt16LittleEndian(operand));
            case CilOperandKind.Int64:
                return new(offset, pos - offset, opCode, Int: BinaryPrimitives.ReadInt64LittleEndian(operand));
            case CilOperandKind.Float32:
                var bits32 = BinaryPrimitives.ReadUInt32LittleEndian(operand);
                return new(offset, pos - offset, opCode, Int: bits32, Float: BitConverter.UInt32BitsToSingle(bits32));
            case CilOperandKind.Float64:
                var bits64 = BinaryPrimitives.ReadInt64LittleEndian(operand);
                return new(offset, pos - offset, opCode, Int: bits64, Float: BitConverter.Int64BitsToDouble(bits64));
            case CilOperandKind.BranchTarget8:
            {
                var displacement = (sbyte)operand[0];
                return new(offset, pos - offset, opCode, Int: displacement,
                    Target: BranchTarget(il.Length, offset, opCode, pos, displacement, method));
            }
            case CilOperandKind.BranchTarget32:
            {
                var displacement = BinaryPrimitives.ReadInt32LittleEndian(operand);
                return new(offset, pos - offset, opCode, Int: displacement,
                    Target: BranchTarget(il.Length, offset, opCode, pos, displacement, method));
            }
            case CilOperandKind.Switch:
                return DecodeSwitch(il, offset, opCode, pos, BinaryPrimitives.ReadUInt32LittleEndian(operand), method);
            default:
                // Int32 immediates and all metadata tokens: a plain little-endian int32.
                return new(offset, pos - offset, opCode, Int: BinaryPrimitives.ReadInt32LittleEndian(operand));
        }
    }

    static CilOpCode DecodeOpCode(ReadOnlySpan<byte> il, int offset, MethodBase? method)
    {
        var first = il[offset];
        if (first != CilOpCodes.TwoBytePrefix)
        {
            return CilOpCodes.TryGetOneByte(first, out var opCode)
                ? opCode
                : throw new JitException(method, offset, $"0x{first:X2}", "unknown opcode");
        }
        if (offset + 1 >= il.Length)
            throw new JitException(method, offset, "0xFE", "the body ends inside a two-byte opcode (0xFE with no second byte)");
        var second = il[offset + 1];
        return CilOpCodes.TryGetTwoByte(second, out var twoByte)
            ? twoByte
            : throw new JitException(method, offset, $"0xFE 0x{second:X2}", "unknown opcode");
    }

    static CilInstruction DecodeSwitch(ReadOnlySpan<byte> il, int offset, CilOpCode opCode, int pos, uint count, MethodBase? method)
    {
        // Compare in 64 bits: a hostile count times 4 would overflow int and slip past the check.
        var tableSize = 4L * count;
        if (il.Length - pos < tableSize)
            throw Truncated(method, offset, opCode, 4 + tableSize, il.Length - pos + 4);

        // Case displacements count from the end of the whole instruction, i.e. after the last table entry.
        var next = pos + (int)tableSize;
        var targets = new int[count];
        for (var i = 0; i < targets.Length; i++)
        {
            var displacement = BinaryPrimitives.ReadInt32LittleEndian(il.Slice(pos + 4 * i, 4));
            targets[i] = BranchTarget(il.Length, offset, opCode, next, displacement, method);
        }
        return new(offset, next - offset, opCode, Int: count, Targets: targets);
    }

    static int BranchTarget(int bodyLength, int offset, CilOpCode opCode, int next, int displacement, MethodBase? method)
    {
        var target = (long)next + displacement;
        if (target < 0 || target >= bodyLength)
        {
            throw new JitException(method, offset, opCode.Name,
                $"branch target {target} lies outside the method body (0..{bodyLength - 1})");
        }
        return (int)target;
    }

    static JitException Truncated(MethodBase? method, int offset, CilOpCode opCode, long needed, long left) =>
        new(method, offset, opCode.Name,
            $"truncated operand: the {opCode.Operand} operand needs {needed} bytes but the body has only {left} left");

    // Runs after decoding because a forward branch may name an offset that has not been decoded yet.
    static void CheckBranchTargets(CilInstruction[] code, int bodyLength, MethodBase? method)
    {
        var isStart = new bool[bodyLength];
        foreach (var instruction in code)
            isStart[instruction.Offset] = true;

        foreach (var instruction in code)
        {
            switch (instruction.OpCode.Operand)
            {
                case CilOperandKind.BranchTarget8 or CilOperandKind.BranchTarget32:
                    Check(instruction, instruction.Target);
                    break;
                case CilOperandKind.Switch:
                    foreach (var target in instruction.Targets!)
                        Check(instruction, target);
                    break;
            }
        }

        void Check(CilInstruction instruction, int target)
        {
            if (!isStart[target])
            {
                throw new JitException(method, instruction.Offset, instruction.OpCode.Name,
                    $"branch target IL_{target:x4} is inside another instruction, not at the start of one");
            }
        }
    }
}
