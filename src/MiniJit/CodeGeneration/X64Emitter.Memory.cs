using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.RegisterAllocation;

namespace MiniJit.CodeGeneration;

/// <summary>Templates of the memory operations: loads and stores with their addressing modes, the null and bounds
/// checks, array lengths and addresses.</summary>
public sealed partial class X64Emitter
{
    /// <summary>Where the frame area (frameaddr) begins: above the outgoing arguments and the spill slots.</summary>
    int FrameAreaOffset => 8 * (outgoingSlots + allocation.SpillSlots);

    /// <summary>
    /// The memory operand of a load or store of <paramref name="size"/> bytes at <paramref name="address"/>: a fused
    /// frameaddr is <c>[rsp + offset]</c>, a fused elemaddr <c>[base + index*scale]</c> (a constant operand becomes the
    /// displacement), anything else <c>[address]</c>. Operands in memory are loaded into the scratch registers, the base
    /// into <see cref="Scratch"/> and the index into <see cref="Scratch2"/>.
    /// </summary>
    Memory AddressOf(int address, int size)
    {
        if (!lowered.Fused[address] || definitions[address] is not { } definition)
            return new Memory(size, InRegister(address, 8, Scratch).As64);
        if (definition.Op == Op.FrameAddress) return new Memory(size, Register.Rsp, null, 1, FrameAreaOffset + (int)definition.Imm);

        int scale = (int)definition.Imm;
        long displacement = 0;
        Register? @base = null, index = null;
        if (Where(definition.Args[0], 8) is { IsImmediate: true } constantBase) displacement += constantBase.Immediate;
        else @base = InRegister(definition.Args[0], 8, Scratch).As64;
        if (Where(definition.Args[1], 8) is { IsImmediate: true } constantIndex && constantIndex.Immediate * scale + displacement is >= int.MinValue and <= int.MaxValue)
            displacement += constantIndex.Immediate * scale;
        else index = InRegister(definition.Args[1], 8, Scratch2).As64;
        if (displacement is < int.MinValue or > int.MaxValue)
        {
            // Only a constant base far from zero gets here; it goes into the base register instead.
            Add(MOp.Mov, Scratch, MOperand.Imm(displacement));
            if (@base is { } other) Add(MOp.Add, Scratch, other);
            (@base, displacement) = (Scratch, 0);
        }
        return new Memory(size, @base, index, index is null ? 1 : scale, (int)displacement);
    }

    /// <summary>load: movzx for one or two bytes, a plain move of four or eight (into an xmm register for a float).
    /// A four-byte load into an i64 zero-extends, as every 32-bit move does.</summary>
    void EmitLoad(Instr instr)
    {
        int width = (int)instr.Imm;
        var memory = AddressOf(instr.Args[0], width);
        if (width >= 4)
        {
            var target = Target(instr);
            Add(instr.Type switch { IrType.F64 => MOp.Movsd, IrType.F32 => MOp.Movss, _ => MOp.Mov },
                width == 4 && !instr.Type.IsFloat() ? target.As32 : target, memory);
            Store(instr, target);
            return;
        }
        var extended = Target(instr);
        Add(MOp.Movzx, extended.As32, memory);
        Store(instr, extended);
    }

    /// <summary>store: the value's low bytes, from a register or as an immediate. An integer value in a stack slot needs a
    /// register of its own: when the address took both scratch registers, it is first combined into one with lea.</summary>
    void EmitStore(Instr instr)
    {
        int width = (int)instr.Imm;
        var type = function.ValueTypes[instr.Args[1]];
        var memory = AddressOf(instr.Args[0], width);
        var value = Where(instr.Args[1], SizeOf(type));
        if (type.IsFloat())
        {
            var register = value.IsRegister ? value.Register : X64Registers.XmmScratch;
            if (!value.IsRegister) MoveXmm(register, value);
            Add(type == IrType.F64 ? MOp.Movsd : MOp.Movss, memory, register);
            return;
        }
        if (value.IsImmediate && (width < 8 || value.Immediate is >= int.MinValue and <= int.MaxValue))
        {
            Add(MOp.Mov, memory, MOperand.Imm(width switch { 1 => (sbyte)value.Immediate, 2 => (short)value.Immediate, 4 => (int)value.Immediate, _ => value.Immediate }));
            return;
        }
        Register source;
        if (value.IsRegister) source = value.Register;
        else
        {
            if (memory.Index is { } index && index.Number == Scratch2.Number)
            {
                Add(MOp.Lea, Scratch, memory);
                memory = new Memory(width, Scratch);
            }
            source = Scratch2;
            Add(MOp.Mov, Sized(Scratch2, SizeOf(type)), value);
        }
        Add(MOp.Mov, memory, width switch { 1 => source.As8, 2 => source.As16, 4 => source.As32, _ => source.As64 });
    }

    /// <summary>zero: eight bytes at a time (then the odd ones), unrolled up to 64 bytes and otherwise in a loop that
    /// counts in the scratch registers, so the allocator gives up no register for it.</summary>
    void EmitZero(Instr instr)
    {
        long bytes = instr.Imm;
        var memory = AddressOf(instr.Args[0], 8);
        Add(MOp.Lea, Scratch, memory);
        long whole = bytes / 8 * 8;
        if (whole > 64)
        {
            var loop = asm.CreateLabel($"{function.Name}.zero");
            Add(MOp.Mov, Scratch2.As32, MOperand.Imm(whole / 8));
            Add(MOp.Label, loop);
            Add(MOp.Mov, Memory.Qword(Scratch, 0), MOperand.Imm(0));
            Add(MOp.Add, Scratch, MOperand.Imm(8));
            Add(MOp.Sub, Scratch2.As32, MOperand.Imm(1));
            Add(MOp.Jcc, loop, condition: Condition.NE);
        }
        else
            for (long offset = 0; offset < whole; offset += 8) Add(MOp.Mov, Memory.Qword(Scratch, (int)offset), MOperand.Imm(0));
        int tail = whole > 64 ? 0 : (int)whole;
        for (long offset = whole; offset < bytes; offset++) Add(MOp.Mov, new Memory(1, Scratch, null, 1, tail + (int)(offset - whole)), MOperand.Imm(0));
    }

    /// <summary>checknull: <c>test</c> and a jump to the NullReferenceException stub when zero; the result is the operand.</summary>
    void EmitCheckNull(Instr instr)
    {
        var value = Where(instr.Args[0], 8);
        if (value.IsImmediate)
        {
            if (value.Immediate == 0) Add(MOp.Jmp, ErrorStub(JitStatus.NullReference));
        }
        else
        {
            if (value.IsRegister) Add(MOp.Test, value, value);
            else Add(MOp.Cmp, value, MOperand.Imm(0));
            Add(MOp.Jcc, ErrorStub(JitStatus.NullReference), condition: Condition.E);
        }
        if (allocation.Locations[instr.Result].Kind != LocationKind.None) Move(Where(instr.Result), value);
    }

    /// <summary>checkbounds and checkrange: one unsigned comparison of the index with the length (a negative index is a
    /// huge one) and a jump to the stub of IndexOutOfRangeException (checkrange: ArgumentOutOfRangeException). A 64-bit
    /// index is compared with a 32-bit length zero-extended.</summary>
    void EmitCheckBounds(Instr instr)
    {
        var stub = ErrorStub(instr.Op == Op.CheckBounds ? JitStatus.IndexOutOfRange : JitStatus.ArgumentOutOfRange);
        bool wide = function.ValueTypes[instr.Args[0]] == IrType.I64;
        bool wideLength = function.ValueTypes[instr.Args[1]] == IrType.I64;
        int size = wide ? 8 : 4;
        var index = Where(instr.Args[0], size);
        var length = Where(instr.Args[1], wideLength ? 8 : 4);
        if (index.IsImmediate && length.IsImmediate)
        {
            ulong unsignedIndex = wide ? (ulong)index.Immediate : (uint)index.Immediate;
            ulong unsignedLength = wideLength ? (ulong)length.Immediate : (uint)length.Immediate;
            if (unsignedIndex >= unsignedLength) Add(MOp.Jmp, stub);
            return;
        }
        if (wideLength && length.IsImmediate && length.Immediate < 0)
        {
            // A limit of 2^63 or more as an immediate would be sign-extended: put it in a register.
            length = InRegister(instr.Args[1], 8, Scratch2);
        }
        if (wide && !wideLength)
        {
            // The length, zero-extended to 64 bits (a 32-bit move clears the upper half).
            Add(MOp.Mov, Scratch2.As32, length);
            length = Scratch2.As64;
        }
        if (index.IsImmediate && (!wide || index.Immediate is >= 0 and <= int.MaxValue))
        {
            // length <= index (unsigned) fails: the comparison turned around, with the index as the immediate.
            if (length.IsImmediate) length = InRegister(instr.Args[1], 4, Scratch);
            Add(MOp.Cmp, length, MOperand.Imm(index.Immediate));
            Add(MOp.Jcc, stub, condition: Condition.BE);
            return;
        }
        if (index.IsImmediate || index.IsMemory && length.IsMemory) index = InRegister(instr.Args[0], size, Scratch);
        Add(MOp.Cmp, index, length);
        Add(MOp.Jcc, stub, condition: Condition.AE);
    }

    /// <summary>arraylen: the int32 after the method-table pointer.</summary>
    void EmitArrayLength(Instr instr)
    {
        var target = Target(instr);
        Add(MOp.Mov, target.As32, new Memory(4, InRegister(instr.Args[0], 8, Scratch).As64, null, 1, ArrayLayout.LengthOffset));
        Store(instr, target);
    }

    /// <summary>An elemaddr or frameaddr that no load or store absorbed: <c>lea</c> of the same addressing mode.</summary>
    void EmitAddress(Instr instr)
    {
        if (lowered.Fused[instr.Result]) return;
        Memory memory;
        if (instr.Op == Op.FrameAddress) memory = new Memory(8, Register.Rsp, null, 1, FrameAreaOffset + (int)instr.Imm);
        else
        {
            var @base = InRegister(instr.Args[0], 8, Scratch).As64;
            var index = InRegister(instr.Args[1], 8, Scratch2).As64;
            memory = new Memory(8, @base, index, (int)instr.Imm);
        }
        var target = Target(instr);
        Add(MOp.Lea, target, memory);
        Store(instr, target);
    }
}
