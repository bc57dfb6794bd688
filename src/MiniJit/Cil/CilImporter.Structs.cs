using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using MiniJit.Binding;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// Structs of primitive fields (<see cref="StructShape"/>). A struct lives in memory, always: a struct variable is a
/// slot of the frame area (8-byte aligned, its size rounded up to 8), and a struct value on the evaluation stack is the
/// address of a copy that nothing writes again — a temporary slot per IL instruction that makes one. So <c>ldfld</c> is
/// a load at an offset from an address whether it is given a value or an address, and the rest is copying: a struct
/// is copied in loads and stores of 8 bytes, then 4, 2 and 1.
/// </summary>
/// <remarks>
/// <para>Between calls, a struct travels by the System V classification (<see cref="StructShape"/>): one of at most 16
/// bytes, naturally aligned, as one or two eightbytes, each in the next free general-purpose or xmm register by its
/// class (as IR parameters of type i64 or f64, whose bits are the struct's bytes); a larger one as the address of a copy
/// the caller made, which the callee copies into its own slot (System V copies it onto the stack instead). A struct of
/// at most 8 bytes in registers comes back in rax or xmm0; any other comes back through a buffer the caller passes as
/// a hidden first argument (System V does that from 17 bytes on, and returns 9 to 16 in two registers). Every call is
/// between MiniJit's own functions or from its thunks, so both sides always agree.</para>
/// <para>Methods of a struct take <c>this</c> as a by-ref (ECMA-335 II.13.3), so calling them is calling a static
/// method with an address first; <c>newobj</c> of a struct is a zeroed temporary passed to its constructor.</para>
/// <para>Struct values are never promoted to registers: a field read is a load. Scalar replacement of frame slots is a
/// separate, later optimization.</para>
/// </remarks>
public sealed partial class CilImporter
{
    /// <summary>The temporary slot of each IL instruction that makes a struct value, by IL offset. An instruction runs
    /// again only after everything it pushed has been consumed (the stack cannot grow around a loop), so one slot each
    /// is enough.</summary>
    readonly Dictionary<int, int> structTemps = [];

    /// <summary>Addresses that are known not to be null: frame slots and the fields of checked addresses. Dereferencing
    /// them needs no check.</summary>
    readonly HashSet<int> nonNullAddresses = [];

    /// <summary>The frame offset each frameaddr value points at, so that a field of a frame slot is one more frameaddr.</summary>
    readonly Dictionary<int, int> frameAddressOffsets = [];

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Importing CIL is refused under NativeAOT (there is no IL to read), before any importer exists.")]
    static StructShape? StructOf(Type type) => StructShape.IsSupported(type, out _) ? StructShape.Of(type) : null;

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Importing CIL is refused under NativeAOT (there is no IL to read), before any importer exists.")]
    static int OffsetOf(FieldInfo field) => StructShape.OffsetOf(field);

    static IrType TypeOfEightbyte(ArgumentClass eightbyte) => eightbyte == ArgumentClass.Double ? IrType.F64 : IrType.I64;

    /// <summary>The IR parameters a struct parameter takes: its eightbytes, or the address of a copy.</summary>
    static IEnumerable<IrType> ParameterTypesOf(StructShape shape) => shape.Slots.Select(TypeOfEightbyte);

    /// <summary>The IR types of a struct result's eightbytes, which come back in registers; null for one that comes back
    /// through a buffer.</summary>
    static IrType[]? ResultTypesOf(StructShape shape) => shape.ResultClasses?.Select(TypeOfEightbyte).ToArray();

    bool IsStructVariable(int variable) => variable >= thisOffset && variable < stackBase && structShapes[variable] is not null;

    /// <summary>frameaddr of byte <paramref name="offset"/> of the frame area.</summary>
    int FrameAddress(Block block, int offset)
    {
        var instr = function.Append(block, Op.FrameAddress, IrType.I64);
        instr.Imm = offset;
        frameAddressOffsets[instr.Result] = offset;
        nonNullAddresses.Add(instr.Result);
        return instr.Result;
    }

    /// <summary>The address <paramref name="bytes"/> past <paramref name="address"/> (a field, a chunk of a copy); within
    /// the frame, another frameaddr.</summary>
    int Offset(Block block, int address, int bytes)
    {
        if (bytes == 0) return address;
        if (frameAddressOffsets.TryGetValue(address, out int frame)) return FrameAddress(block, frame + bytes);
        int result = ops.Emit(block, Op.Add, IrType.I64, address, ops.Const(block, IrType.I64, bytes));
        if (nonNullAddresses.Contains(address)) nonNullAddresses.Add(result);
        return result;
    }

    /// <summary>How a field sits in memory, read without sign extension (a copy moves its bits).</summary>
    static Access RawAccess(StructField field) => AccessOf(field.Type)!.Value with { Signed = false };

    /// <summary>Copies a struct field by field (padding is not copied: its bytes mean nothing). Field by field, every
    /// access to a struct's slot is an access to one field, which is what lets scalar replacement turn a slot that
    /// never escapes into one SSA value per field.</summary>
    void CopyStruct(Block block, int destination, int source, StructShape shape)
    {
        foreach (var field in shape.Fields)
        {
            var access = RawAccess(field);
            StoreTo(block, Offset(block, destination, field.Offset), LoadFrom(block, Offset(block, source, field.Offset), access), access);
        }
    }

    /// <summary>The temporary slot of the instruction being imported (see <see cref="structTemps"/>).</summary>
    int StructTemp(Block block, CilInstruction at, int size)
    {
        if (!structTemps.TryGetValue(at.Offset, out int offset)) structTemps[at.Offset] = offset = function.AllocateFrameBytes(size);
        return FrameAddress(block, offset);
    }

    /// <summary>A struct value: a copy of the struct at <paramref name="address"/> — unless the next instruction reads a
    /// field of it right away (<c>s.X</c> as C# compiles it), which can read the original.</summary>
    int StructValue(Block block, CilInstruction at, int address, StructShape shape)
    {
        int next = indexAt[at.Offset] + 1;
        if (next < code.Length && code[next].Op == CilOp.Ldfld && !isBlockStart[code[next].Offset]) return address;
        int copy = StructTemp(block, at, shape.Size);
        CopyStruct(block, copy, address, shape);
        return copy;
    }

    /// <summary>The fields that lie in eightbyte <paramref name="index"/> (fields never straddle two: a struct with an
    /// unaligned field travels in memory).</summary>
    static IEnumerable<StructField> FieldsOf(StructShape shape, int index) =>
        shape.Fields.Where(f => f.Offset / 8 == index);

    /// <summary>The eightbytes of the struct value at <paramref name="address"/>, as call arguments or results: each
    /// assembled from its fields (shifted into place and or-ed, a float's bits through bitcast), so that the slot is
    /// still read one field at a time.</summary>
    int[] LoadEightbytes(Block block, int address, StructShape shape)
    {
        var classes = shape.Eightbytes!;
        var values = new int[classes.Length];
        for (int i = 0; i < classes.Length; i++)
        {
            var type = TypeOfEightbyte(classes[i]);
            var fields = FieldsOf(shape, i).ToList();
            if (fields.FirstOrDefault(f => f.Offset == 8 * i && RawAccess(f).Width == 8) is { Type: not null } whole)
            {
                values[i] = LoadFrom(block, Offset(block, address, whole.Offset), RawAccess(whole) with { Type = type });
                continue;
            }
            int bits = ops.Const(block, IrType.I64, 0);
            foreach (var field in fields)
            {
                var access = RawAccess(field);
                int value = LoadFrom(block, Offset(block, address, field.Offset), access);
                if (access.Type == IrType.F32) value = ops.Emit(block, Op.Bitcast, IrType.I32, value);
                value = ops.Emit(block, Op.ZeroExtend32, IrType.I64, value);
                if (field.Offset % 8 != 0) value = ops.Emit(block, Op.Shl, IrType.I64, value, ops.Const(block, IrType.I32, 8 * (field.Offset % 8)));
                bits = ops.Emit(block, Op.Or, IrType.I64, bits, value);
            }
            values[i] = type == IrType.F64 ? ops.Emit(block, Op.Bitcast, IrType.F64, bits) : bits;
        }
        return values;
    }

    /// <summary>Stores eightbytes (parameters, a call's results) into the struct at <paramref name="address"/>, field by
    /// field: the reverse of <see cref="LoadEightbytes"/>.</summary>
    void StoreEightbytes(Block block, int address, StructShape shape, int[] eightbytes)
    {
        for (int i = 0; i < eightbytes.Length; i++)
        {
            int eightbyte = eightbytes[i];
            int? bits = null;
            foreach (var field in FieldsOf(shape, i))
            {
                var access = RawAccess(field);
                if (access.Width == 8)
                {
                    int whole = function.ValueTypes[eightbyte] == access.Type ? eightbyte : ops.Emit(block, Op.Bitcast, access.Type, eightbyte);
                    StoreTo(block, Offset(block, address, field.Offset), whole, access);
                    continue;
                }
                bits ??= function.ValueTypes[eightbyte] == IrType.I64 ? eightbyte : ops.Emit(block, Op.Bitcast, IrType.I64, eightbyte);
                int part = field.Offset % 8 == 0 ? bits.Value
                    : ops.Emit(block, Op.ShrU, IrType.I64, bits.Value, ops.Const(block, IrType.I32, 8 * (field.Offset % 8)));
                part = ops.Emit(block, Op.Truncate, IrType.I32, part);
                if (access.Type == IrType.F32) part = ops.Emit(block, Op.Bitcast, IrType.F32, part);
                StoreTo(block, Offset(block, address, field.Offset), part, access);
            }
        }
    }

    /// <summary>A struct parameter on entry: its eightbytes (IR parameters from <paramref name="firstParameter"/> on)
    /// stored into its slot, or the copy its address points to copied there.</summary>
    void ReceiveStruct(int variable, StructShape shape, int firstParameter)
    {
        int slot = FrameSlot(entry, variable);
        if (shape.Eightbytes is { } classes)
        {
            var eightbytes = new int[classes.Length];
            for (int i = 0; i < classes.Length; i++)
            {
                var param = function.Append(entry, Op.Param, TypeOfEightbyte(classes[i]));
                param.Imm = firstParameter + i;
                eightbytes[i] = param.Result;
            }
            StoreEightbytes(entry, slot, shape, eightbytes);
        }
        else
        {
            var param = function.Append(entry, Op.Param, IrType.I64);
            param.Imm = firstParameter;
            CopyStruct(entry, slot, param.Result, shape);
        }
    }

    /// <summary>Pops a struct argument of a call and adds what carries it to <paramref name="reversed"/> (the arguments
    /// in reverse order).</summary>
    void PopStructArgument(Block block, CilInstruction at, List<int> stack, StructShape shape, List<int> reversed)
    {
        int value = Address(block, Pop(stack, at), at);
        if (shape.Eightbytes is not null)
        {
            var eightbytes = LoadEightbytes(block, value, shape);
            for (int i = eightbytes.Length - 1; i >= 0; i--) reversed.Add(eightbytes[i]);
        }
        else reversed.Add(value);  // a temporary copy, which nothing else writes: the callee copies it again
    }

    /// <summary>The address a field access starts from: a struct value or an address on the stack, checked for null
    /// unless MiniJit made it.</summary>
    int FieldOwner(Block block, CilInstruction at, List<int> stack, FieldInfo field, string what)
    {
        if (field.IsStatic) throw Error(at, $"{what} of the static field {field.Name} (invalid IL)");
        if (!(field.DeclaringType?.IsValueType ?? false))
            throw Error(at, $"{what} of {field.DeclaringType?.Name}.{field.Name}: fields of objects are not supported (native code cannot hold a reference the GC does not see); fields of structs are");
        if (StructOf(field.DeclaringType) is null)
            throw Error(at, $"{what} of {field.DeclaringType.Name}.{field.Name}: {StructRefusal(field.DeclaringType)}");
        int owner = CheckedPointer(block, at, Pop(stack, at));
        return Offset(block, owner, OffsetOf(field));
    }

    /// <summary>Why a struct is refused: its own reason, or (for a struct MiniJit supports) where it stands.</summary>
    static string StructRefusal(Type type) => StructShape.IsSupported(type, out var refusal)
        ? $"{type.Name} is a struct, which is supported as a variable, parameter, result or field, not here (arrays and spans of structs are not supported)"
        : refusal;

    /// <summary>ldfld, stfld, ldflda, and initobj, ldobj, stobj, cpobj of a struct type; false for anything else.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    bool ImportStructOp(Block block, CilInstruction at, List<int> stack)
    {
        switch (at.Op)
        {
            case CilOp.Ldfld:
                {
                    var field = method.ResolveField((int)at.Int, at);
                    int address = FieldOwner(block, at, stack, field, "ldfld");
                    if (StructOf(field.FieldType) is { } inner) stack.Add(StructValue(block, at, address, inner));
                    else stack.Add(LoadFrom(block, address, FieldAccess(at, field)));
                    return true;
                }
            case CilOp.Stfld:
                {
                    var field = method.ResolveField((int)at.Int, at);
                    int value = Pop(stack, at);
                    int address = FieldOwner(block, at, stack, field, "stfld");
                    if (StructOf(field.FieldType) is { } inner) CopyStruct(block, address, Address(block, value, at), inner);
                    else StoreTo(block, address, ops.Normalize(block, value, field.FieldType), FieldAccess(at, field));
                    return true;
                }
            case CilOp.Ldflda:
                {
                    var field = method.ResolveField((int)at.Int, at);
                    stack.Add(FieldOwner(block, at, stack, field, "ldflda"));
                    return true;
                }
            case CilOp.Initobj or CilOp.Ldobj or CilOp.Stobj or CilOp.Cpobj when StructOf(method.ResolveType((int)at.Int, at)) is { } shape:
                switch (at.Op)
                {
                    case CilOp.Initobj:
                        Zero(block, CheckedPointer(block, at, Pop(stack, at)), shape.Size);
                        break;
                    case CilOp.Ldobj:
                        stack.Add(StructValue(block, at, CheckedPointer(block, at, Pop(stack, at)), shape));
                        break;
                    case CilOp.Stobj:
                        {
                            int value = Address(block, Pop(stack, at), at);
                            CopyStruct(block, CheckedPointer(block, at, Pop(stack, at)), value, shape);
                            break;
                        }
                    default:
                        {
                            int source = CheckedPointer(block, at, Pop(stack, at));
                            CopyStruct(block, CheckedPointer(block, at, Pop(stack, at)), source, shape);
                            break;
                        }
                }
                return true;
            default:
                return false;
        }
    }

    Access FieldAccess(CilInstruction at, FieldInfo field) => AccessOf(field.FieldType)
        ?? throw Error(at, $"field {field.Name} has type {field.FieldType.Name}, which is not supported");

    /// <summary>ret of a struct: its eightbytes in registers, or a copy into the caller's buffer.</summary>
    int[] ReturnStruct(Block block, CilInstruction at, List<int> stack, StructShape shape)
    {
        int value = Address(block, Pop(stack, at), at);
        if (shape.Eightbytes is not null) return LoadEightbytes(block, value, shape);
        CopyStruct(block, returnBuffer, value, shape);
        return [];
    }
}
