using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.Ir;
using MiniJit.Lowering;

namespace MiniJit.Baseline;

// Arrays of primitives: ldlen, ldelem, stelem and ldelema, with the CLR's checks in its order (the array is not null,
// then the index is below its length), and ldind/stind through by-refs: by-ref parameters, and the element addresses
// ldelema makes (C# writes `a[i] += x` and a swap of two elements that way). An array reaches compiled code only as an argument, pinned by the thunk for the call, so its
// reference is a plain address here: the object's start, its length 8 bytes in, its elements 16 bytes in.
sealed partial class BaselineCompiler
{
    /// <summary>Whether a variable of <paramref name="type"/> is a reference the baseline reads and writes through: an
    /// array of one dimension with elements of a primitive (or enum) type, or a by-ref (ref, out, in, a ref local) to one.
    /// A by-ref parameter arrives pinned as an array does, and a ref local can only hold an element's address (the
    /// baseline takes no other).</summary>
    static bool IsPrimitiveReference(Type type) =>
        (type.IsSZArray || type.IsByRef || type.IsPointer) && type.GetElementType() is { IsPointer: false } element && CilImporter.AccessOf(element) is not null;

    /// <summary>How an ldelem, stelem, ldelema, ldind or stind reads or writes its value (the type named by the opcode
    /// or by its type token), or null when it is not a primitive.</summary>
    CilImporter.Access? ElementAccess(in CilInstruction at) =>
        CilImporter.AccessOf(CilImporter.ElementTypeOf(at.Op) ?? cil.ResolveType(at.Token, at));

    static bool IsElementLoad(CilOp op) => op is (>= CilOp.Ldelem_I1 and <= CilOp.Ldelem_R8) or CilOp.Ldelem;

    static bool IsElementStore(CilOp op) => op is (>= CilOp.Stelem_I and <= CilOp.Stelem_R8) or CilOp.Stelem;

    static bool IsIndirectLoad(CilOp op) => op is (>= CilOp.Ldind_I1 and <= CilOp.Ldind_R8) or CilOp.Ldobj;

    static bool IsIndirectStore(CilOp op) => op is (>= CilOp.Stind_I1 and <= CilOp.Stind_R8) or CilOp.Stind_I or CilOp.Stobj;

    /// <summary>The memory instructions the baseline translates, all of which name a primitive type.</summary>
    static bool IsMemoryAccess(CilOp op) =>
        IsElementLoad(op) || IsElementStore(op) || op == CilOp.Ldelema || IsIndirectLoad(op) || IsIndirectStore(op);

    static bool WritesMemory(CilOp op) => IsElementStore(op) || IsIndirectStore(op) || op == CilOp.Stsfld;

    /// <summary>ldelem, stelem, ldelema, ldind or stind of a value of <paramref name="access"/>'s type.</summary>
    void AccessMemory(CilOp op, CilImporter.Access access)
    {
        if (IsElementLoad(op)) LoadElement(access);
        else if (IsElementStore(op)) StoreElement(access);
        else if (op == CilOp.Ldelema) ElementAddress(access);
        else if (IsIndirectLoad(op)) LoadIndirect(access);
        else StoreIndirect(access);
    }

    static bool IsStaticField(CilOp op) => op is CilOp.Ldsfld or CilOp.Stsfld or CilOp.Ldsflda;

    /// <summary>ldsfld, stsfld, ldsflda of a primitive static field (the importer's rules: its type's initializer has run
    /// at compile time, a static readonly field is a constant, the storage of the others never moves).</summary>
    void StaticField(in CilInstruction at)
    {
        var (_, access, constant, address) = staticFields![at.Offset];
        if (constant is { } bits)
        {
            Push(new Entry(Place.Constant, access.Type, bits));
            return;
        }
        switch (at.Op)
        {
            case CilOp.Ldsflda:
                Push(new Entry(Place.Constant, IrType.I64, address, NotNull: true));
                break;
            case CilOp.Ldsfld:
                asm.Mov(Scratch.As64, (long)address);
                LoadFrom(new Memory(access.Width, Scratch.As64), access, 0);
                break;
            default:
                var value = ValueToStore(Pop(), access, 0);
                asm.Mov(Scratch.As64, (long)address);
                StoreTo(new Memory(access.Width, Scratch.As64), value, access);
                break;
        }
    }

    /// <summary>ldlen: the length as a native unsigned int (the 32-bit load clears the upper half).</summary>
    void ArrayLength()
    {
        var array = Pop();
        var a = NonNull(array, 0);
        var dst = array.Place == Place.Register ? a : Allocate(IrType.I64, X64Registers.Mask(a));
        asm.Mov(dst.As32, Memory.Dword(a, ArrayLayout.LengthOffset));
        Push(new Entry(Place.Register, IrType.I64, Register: dst));
    }

    void LoadElement(CilImporter.Access access)
    {
        var index = Pop();
        var array = Pop();
        var element = Element(array, index, access.Width, 0, out uint used);
        LoadFrom(element, access, used);
    }

    /// <summary>ldelema: the element's address, after both checks.</summary>
    void ElementAddress(CilImporter.Access access)
    {
        var index = Pop();
        var array = Pop();
        var element = Element(array, index, access.Width, 0, out uint used);
        var dst = Allocate(IrType.I64, used);
        asm.Lea(dst.As64, element);
        Push(new Entry(Place.Register, IrType.I64, Register: dst, NotNull: true));
    }

    /// <summary>ldind: a load through an address (exactly null throws NullReferenceException, as the CLR's does).</summary>
    void LoadIndirect(CilImporter.Access access)
    {
        var p = NonNull(Pop(), 0);
        LoadFrom(new Memory(access.Width, p.As64), access, X64Registers.Mask(p));
    }

    void StoreIndirect(CilImporter.Access access)
    {
        var value = Pop();
        var pointer = Pop();
        var v = ValueToStore(value, access, MaskOf(pointer));
        var p = NonNull(pointer, X64Registers.Mask(v));
        StoreTo(new Memory(access.Width, p.As64), v, access);
    }

    /// <summary>Loads <paramref name="access"/>'s value from <paramref name="memory"/> into a new register, not one of
    /// <paramref name="used"/>, and pushes it.</summary>
    void LoadFrom(Memory memory, CilImporter.Access access, uint used)
    {
        var dst = Allocate(access.Type, used);
        switch (access)
        {
            case { Type: IrType.F64 }: asm.Movsd(dst, memory); break;
            case { Type: IrType.F32 }: asm.Movss(dst, memory); break;
            case { Width: 1 or 2, Signed: true }: asm.Movsx(dst.As32, memory); break;
            case { Width: 1 or 2 }: asm.Movzx(dst.As32, memory); break;
            case { Width: 4 }: asm.Mov(dst.As32, memory); break;
            default: asm.Mov(dst.As64, memory); break;
        }
        Push(new Entry(Place.Register, access.Type, Register: dst));
    }

    void StoreElement(CilImporter.Access access)
    {
        var value = Pop();
        var index = Pop();
        var array = Pop();
        var v = ValueToStore(value, access, MaskOf(index) | MaskOf(array));
        StoreTo(Element(array, index, access.Width, X64Registers.Mask(v), out _), v, access);
    }

    /// <summary>The value a store writes, in a register of the stored type: stelem.r4 rounds a double, stelem.i8 widens
    /// an int32; a narrower store keeps the low bytes.</summary>
    Register ValueToStore(in Entry value, CilImporter.Access access, uint exclude)
    {
        if (value.Type.IsFloat() != access.Type.IsFloat()) throw new Refusal("a store of the other kind of number (invalid IL)");
        return InRegister(value, access.Type, exclude);
    }

    void StoreTo(Memory memory, Register value, CilImporter.Access access)
    {
        switch (access)
        {
            case { Type: IrType.F64 }: asm.Movsd(memory, value); break;
            case { Type: IrType.F32 }: asm.Movss(memory, value); break;
            case { Width: 1 }: asm.Mov(memory, value.As8); break;
            case { Width: 2 }: asm.Mov(memory, value.As16); break;
            case { Width: 4 }: asm.Mov(memory, value.As32); break;
            default: asm.Mov(memory, value.As64); break;
        }
    }

    /// <summary>An array reference or an address in a register (its own, or a new one not in <paramref name="exclude"/>),
    /// after the null check.</summary>
    Register NonNull(in Entry reference, uint exclude)
    {
        if (reference.Type != IrType.I64) throw new Refusal("a reference or address that is not 64 bits (invalid IL)");
        var a = InRegister(reference, IrType.I64, exclude);
        if (!reference.NotNull)
        {
            asm.Test(a.As64, a.As64);
            asm.Jcc(Condition.E, ErrorStub(JitStatus.NullReference));
        }
        return a;
    }

    /// <summary>The element's memory after both checks. An int32 index is compared unsigned (a negative one is out of
    /// range) and copied into r11, which clears its upper half for the address; a native int index is compared with
    /// the length in r11. <paramref name="used"/> says which registers the operand holds.</summary>
    Memory Element(in Entry array, in Entry index, int width, uint exclude, out uint used)
    {
        if (index.Type.IsFloat()) throw new Refusal("a floating-point array index (invalid IL)");
        var a = NonNull(array, exclude | MaskOf(index));
        var length = Memory.Dword(a, ArrayLayout.LengthOffset);
        Register i;
        if (index.Type == IrType.I32)
        {
            i = Load(index, IrType.I32, Scratch, intoTarget: true);
            asm.Cmp(i.As32, length);
        }
        else
        {
            i = InRegister(index, IrType.I64, exclude | X64Registers.Mask(a));
            asm.Mov(Scratch.As32, length);
            asm.Cmp(i.As64, Scratch.As64);
        }
        asm.Jcc(Condition.AE, ErrorStub(JitStatus.IndexOutOfRange));
        used = X64Registers.Mask(a) | X64Registers.Mask(i);
        return new Memory(width, a, i.As64, width, ArrayLayout.DataOffset);
    }
}
