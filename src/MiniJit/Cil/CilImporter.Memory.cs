using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// The memory opcodes: arrays, loads and stores through pointers and by-refs, variables whose address is taken,
/// stackalloc and static fields.
/// </summary>
/// <remarks>
/// <para><b>The GC rule.</b> Native code has no GC information, so every object whose address it holds must stay
/// where it is while the code runs. Objects reach compiled code only as arguments, which the thunk pins for the whole
/// call (arrays, the targets of ref parameters); everything else it addresses cannot move (the stack, native memory,
/// the storage of primitive static fields). So nothing here may produce an object reference that did not come in as
/// an argument: <c>newarr</c>, <c>ldelem.ref</c>, reference-typed fields and the like are refused.</para>
/// <para>Every array access checks, in the CLR's order, that the array is not null (<c>checknull</c>) and that the
/// index is below its length (<c>checkbounds</c>); the optimizer removes the checks it can prove redundant.</para>
/// </remarks>
public sealed partial class CilImporter
{
    /// <summary>How a value of a primitive type sits in memory: its width in bytes, whether a narrow one is
    /// sign-extended when loaded, and its IR type on the evaluation stack.</summary>
    /// <summary>How a primitive is read or written in memory: its width in bytes, whether a load sign-extends it, and
    /// the IR type of the value.</summary>
    internal readonly record struct Access(int Width, bool Signed, IrType Type);

    internal static Access? AccessOf(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean or TypeCode.Byte => new Access(1, false, IrType.I32),
        TypeCode.SByte => new Access(1, true, IrType.I32),
        TypeCode.Int16 => new Access(2, true, IrType.I32),
        TypeCode.UInt16 or TypeCode.Char => new Access(2, false, IrType.I32),
        TypeCode.Int32 or TypeCode.UInt32 => new Access(4, false, IrType.I32),
        TypeCode.Int64 or TypeCode.UInt64 => new Access(8, false, IrType.I64),
        TypeCode.Single => new Access(4, false, IrType.F32),
        TypeCode.Double => new Access(8, false, IrType.F64),
        _ when type == typeof(nint) || type == typeof(nuint) || type.IsPointer || type.IsFunctionPointer => new Access(8, false, IrType.I64),
        _ => null,
    };

    /// <summary>The element type a typed ldelem/stelem/ldind/stind opcode names (null: it takes a token).</summary>
    internal static Type? ElementTypeOf(CilOp op) => op switch
    {
        CilOp.Ldelem_I1 or CilOp.Stelem_I1 or CilOp.Ldind_I1 or CilOp.Stind_I1 => typeof(sbyte),
        CilOp.Ldelem_U1 or CilOp.Ldind_U1 => typeof(byte),
        CilOp.Ldelem_I2 or CilOp.Stelem_I2 or CilOp.Ldind_I2 or CilOp.Stind_I2 => typeof(short),
        CilOp.Ldelem_U2 or CilOp.Ldind_U2 => typeof(ushort),
        CilOp.Ldelem_I4 or CilOp.Stelem_I4 or CilOp.Ldind_I4 or CilOp.Stind_I4 => typeof(int),
        CilOp.Ldelem_U4 or CilOp.Ldind_U4 => typeof(uint),
        CilOp.Ldelem_I8 or CilOp.Stelem_I8 or CilOp.Ldind_I8 or CilOp.Stind_I8 => typeof(long),
        CilOp.Ldelem_I or CilOp.Stelem_I or CilOp.Ldind_I or CilOp.Stind_I => typeof(nint),
        CilOp.Ldelem_R4 or CilOp.Stelem_R4 or CilOp.Ldind_R4 or CilOp.Stind_R4 => typeof(float),
        CilOp.Ldelem_R8 or CilOp.Stelem_R8 or CilOp.Ldind_R8 or CilOp.Stind_R8 => typeof(double),
        _ => null,
    };

    /// <summary>The primitive type an instruction loads or stores: named by the opcode or by its type token.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    (Type Type, Access Access) AccessedType(CilInstruction at, string what)
    {
        var type = ElementTypeOf(at.Op) ?? method.ResolveType((int)at.Int, at);
        if (AccessOf(type) is { } access) return (type, access);
        throw Error(at, $"{what} of type {type.Name}: only primitive types (and pointers) can be {what}" +
            (type.IsValueType ? $" ({StructRefusal(type)})" : " (object references cannot be held by native code, which the GC cannot see)"));
    }

    /// <summary>Imports a memory opcode; false when <paramref name="at"/> is not one.</summary>
    bool ImportMemory(Block block, CilInstruction at, List<int> stack)
    {
        switch (at.Op)
        {
            case CilOp.Ldlen:
                {
                    int array = ops.Emit(block, Op.CheckNull, IrType.I64, Address(block, Pop(stack, at), at));
                    // ldlen gives a native unsigned int; conv.i4 after it (as C# writes) takes it back to the same value.
                    stack.Add(ops.Emit(block, Op.ZeroExtend32, IrType.I64, ops.Emit(block, Op.ArrayLength, IrType.I32, array)));
                    return true;
                }
            case >= CilOp.Ldelem_I1 and <= CilOp.Ldelem_R8 or CilOp.Ldelem:
                {
                    var (_, access) = AccessedType(at, "array elements loaded");
                    int index = Pop(stack, at);
                    stack.Add(LoadFrom(block, ElementAddress(block, at, Pop(stack, at), index, access.Width), access));
                    return true;
                }
            case >= CilOp.Stelem_I and <= CilOp.Stelem_R8 or CilOp.Stelem:
                {
                    var (type, access) = AccessedType(at, "array elements stored");
                    int value = Pop(stack, at), index = Pop(stack, at);
                    int address = ElementAddress(block, at, Pop(stack, at), index, access.Width);
                    StoreTo(block, address, ops.Normalize(block, value, type), access);
                    return true;
                }
            case CilOp.Ldelema:
                {
                    var (_, access) = AccessedType(at, "array elements addressed");
                    int index = Pop(stack, at);
                    stack.Add(ElementAddress(block, at, Pop(stack, at), index, access.Width));
                    return true;
                }
            case CilOp.Ldelem_Ref or CilOp.Stelem_Ref:
                throw Error(at, "arrays of object references are not supported: native code cannot hold a reference the GC does not see");
            case >= CilOp.Ldind_I1 and <= CilOp.Ldind_R8 or CilOp.Ldobj:
                {
                    var (_, access) = AccessedType(at, "values loaded through a pointer");
                    stack.Add(LoadFrom(block, CheckedPointer(block, at, Pop(stack, at)), access));
                    return true;
                }
            case >= CilOp.Stind_I1 and <= CilOp.Stind_R8 or CilOp.Stind_I or CilOp.Stobj:
                {
                    var (type, access) = AccessedType(at, "values stored through a pointer");
                    int value = Pop(stack, at);
                    StoreTo(block, CheckedPointer(block, at, Pop(stack, at)), ops.Normalize(block, value, type), access);
                    return true;
                }
            case CilOp.Ldind_Ref or CilOp.Stind_Ref:
                throw Error(at, "object references through pointers are not supported: native code cannot hold a reference the GC does not see");
            case CilOp.Ldnull:
                // A null reference: no object, so nothing to pin (fixed statements store it to unpin).
                stack.Add(ops.Const(block, IrType.I64, 0));
                return true;
            case CilOp.Localloc:
                stack.Add(StackAlloc(block, at, Pop(stack, at)));
                return true;
            case CilOp.Ldsfld or CilOp.Stsfld or CilOp.Ldsflda:
                ImportStaticField(block, at, stack);
                return true;
            case CilOp.Initblk:
                InitBlock(block, at, stack);
                return true;
            case CilOp.Cpblk:
                throw Error(at, "cpblk (Unsafe.CopyBlock, Buffer.MemoryCopy) is not supported: copy in a loop");
            case CilOp.Unaligned or CilOp.Volatile or CilOp.Readonly:
                // x64 loads and stores of these widths need no alignment and are never reordered with each other
                // as seen from one thread: the prefixes need no code.
                return true;
            default:
                return false;
        }
    }

    /// <summary>An address operand: a pointer, by-ref or object reference is an i64 (an int32 one is invalid IL but
    /// widens as native int would).</summary>
    int Address(Block block, int value, CilInstruction at) =>
        ops.TypeOf(value) == IrType.I64 ? value : ops.TypeOf(value) == IrType.I32
            ? ops.Widen(block, value, IrType.I64)
            : throw Error(at, $"needs an address, not {ops.TypeOf(value).Name()} (invalid IL)");

    /// <summary>The address of element <paramref name="index"/>, after the checks the CLR makes in its order: the
    /// array is not null, then the index is within its length.</summary>
    int ElementAddress(Block block, CilInstruction at, int arrayRef, int index, int width)
    {
        index = ops.IntegerOperand(index);
        int array = ops.Emit(block, Op.CheckNull, IrType.I64, Address(block, arrayRef, at));
        int length = ops.Emit(block, Op.ArrayLength, IrType.I32, array);
        var check = function.Append(block, Op.CheckBounds, IrType.Void, index, length);
        check.ILOffset = at.Offset;
        int data = ops.Emit(block, Op.Add, IrType.I64, array, ops.Const(block, IrType.I64, ArrayLayout.DataOffset));
        // A checked int32 index is non-negative, so its sign extension is its value.
        return ElementAddressOp(block, data, ops.Widen(block, index, IrType.I64), width);
    }

    int ElementAddressOp(Block block, int @base, int index, int scale)
    {
        var instr = function.Append(block, Op.ElementAddress, IrType.I64, @base, index);
        instr.Imm = scale;
        instr.ILOffset = ops.ILOffset;
        return instr.Result;
    }

    /// <summary>A pointer or by-ref about to be dereferenced: an exact null throws NullReferenceException, as the CLR's
    /// does. Addresses MiniJit computed itself (frame slots, checked array elements) need no check. Any other invalid
    /// pointer faults, exactly as it would in unsafe C#: pointers are trusted.</summary>
    int CheckedPointer(Block block, CilInstruction at, int pointer)
    {
        pointer = Address(block, pointer, at);
        if (nonNullAddresses.Contains(pointer) || block.Instrs.LastOrDefault(i => i.Result == pointer) is { Op: Op.ElementAddress or Op.CheckNull })
            return pointer;
        return ops.Emit(block, Op.CheckNull, IrType.I64, pointer);
    }

    int LoadFrom(Block block, int address, Access access)
    {
        var load = function.Append(block, Op.Load, access.Type, address);
        load.Imm = access.Width;
        load.ILOffset = ops.ILOffset;
        if (!access.Signed) return load.Result;
        return ops.Emit(block, access.Width == 1 ? Op.SignExtend8 : Op.SignExtend16, IrType.I32, load.Result);
    }

    void StoreTo(Block block, int address, int value, Access access)
    {
        var store = function.Append(block, Op.Store, IrType.Void, address, ops.Widen(block, value, access.Type));
        store.Imm = access.Width;
        store.ILOffset = ops.ILOffset;
    }

    // ---------------------------------------------------------------- variables in memory

    /// <summary>Arguments and locals whose address the method takes (other than for Math.DivRem's out argument)
    /// live in the frame, where the address stays valid until the method returns; reads and writes of them become
    /// loads and stores. So does every struct variable. Indexed by variable number; -1 for variables that are SSA
    /// values.</summary>
    int[] FindVariablesInMemory()
    {
        var offsets = new int[localBase + method.LocalTypes.Length];
        Array.Fill(offsets, -1);
        for (int v = thisOffset; v < offsets.Length; v++)
            if (structShapes[v] is { } shape) offsets[v] = function.AllocateFrameBytes(shape.Size);
        for (int i = 0; i < code.Length; i++)
        {
            var at = code[i];
            if (at.Op is not (CilOp.Ldloca_S or CilOp.Ldloca or CilOp.Ldarga_S or CilOp.Ldarga) || IsOutArgumentOfIntrinsic(i)) continue;
            bool local = at.Op is CilOp.Ldloca_S or CilOp.Ldloca;
            int index = (int)at.Int;
            if (local) CheckLocal(at, index); else CheckArgument(at, index);
            if (!local && index < thisOffset) throw Error(at, "the method takes the address of `this`");
            int variable = local ? localBase + index : index;
            var type = local ? method.LocalTypes[index] : argTypes[index];
            if (IsSpan(type) || structShapes[variable] is not null) continue;  // a span's address is only ever the receiver of its own methods
            if (AccessOf(type) is null)
                throw Error(at, $"taking the address of a variable of type {type.Name} is not supported (only primitive types and pointers)");
            if (offsets[variable] < 0) offsets[variable] = function.AllocateFrameBytes(8);
        }
        return offsets;
    }

    /// <summary>ldloca/ldarga right before a call to Math.DivRem or Math.BigMul: the call writes the variable, which SSA
    /// expresses directly, so the variable stays a value.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    bool IsOutArgumentOfIntrinsic(int index)
    {
        int next = index + 1;
        // Roslyn pads the long form (a local numbered past 255) with nops.
        while (next < code.Length && code[next].Op == CilOp.Nop && !isBlockStart[code[next].Offset]) next++;
        return next < code.Length && !isBlockStart[code[next].Offset] && code[next].Op == CilOp.Call
            && method.ResolveMethod((int)code[next].Int, code[next]) is MethodInfo callee && MathIntrinsics.FindWithOut(callee) is not null;
    }

    Type VariableClrType(int variable) => variable >= localBase ? method.LocalTypes[variable - localBase] : argTypes[variable];

    int FrameSlot(Block block, int variable) => FrameAddress(block, frameOffsets[variable]);

    int ReadVariable(int variable, Block block) => frameOffsets[variable] < 0
        ? Read(variable, block)
        : LoadFrom(block, FrameSlot(block, variable), AccessOf(VariableClrType(variable))!.Value);

    void WriteVariable(int variable, Block block, int value)
    {
        if (frameOffsets[variable] < 0) Write(variable, block, value);
        else StoreTo(block, FrameSlot(block, variable), value, AccessOf(VariableClrType(variable))!.Value);
    }

    // ---------------------------------------------------------------- stackalloc

    /// <summary>localloc of a constant size outside any loop: a piece of the frame, zeroed (C# methods initialize their
    /// locals) and valid until the method returns. A size computed at run time, or a stackalloc that may run more than
    /// once per call, would need a frame that grows, which MiniJit's frames do not.</summary>
    int StackAlloc(Block block, CilInstruction at, int size)
    {
        if (ConstantOf(size) is not long bytes)
            throw Error(at, "stackalloc of a size computed at run time is not supported (only a constant size)");
        if (bytes is < 0 or > 64 * 1024)
            throw Error(at, $"stackalloc of {bytes} bytes: MiniJit allocates at most 64 KiB on the stack");
        foreach (var branch in code)
            if (branch.Offset > at.Offset && branch.OpCode.Flow is CilFlow.Branch or CilFlow.CondBranch
                && (branch.Targets ?? [branch.Target]).Any(target => target <= at.Offset))
                throw Error(at, "stackalloc inside a loop is not supported (each pass would need new memory)");
        int offset = function.AllocateFrameBytes((int)Math.Max(bytes, 8));
        var frame = function.Append(block, Op.FrameAddress, IrType.I64);
        frame.Imm = offset;
        if (bytes > 0) Zero(block, frame.Result, bytes);
        return frame.Result;
    }

    void Zero(Block block, int address, long bytes)
    {
        var zero = function.Append(block, Op.Zero, IrType.Void, address);
        zero.Imm = bytes;
        zero.ILOffset = ops.ILOffset;
    }

    /// <summary>initblk of a constant size with the value 0 (what Unsafe.InitBlock(p, 0, n) and clearing a struct
    /// compile to); other values and sizes computed at run time are refused, as is cpblk.</summary>
    void InitBlock(Block block, CilInstruction at, List<int> stack)
    {
        int size = Pop(stack, at), value = Pop(stack, at);
        int address = CheckedPointer(block, at, Pop(stack, at));
        if (ConstantOf(value) != 0 || ConstantOf(size) is not long bytes || bytes is < 0 or > int.MaxValue)
            throw Error(at, "initblk is supported only with the value 0 and a constant size");
        if (bytes > 0) Zero(block, address, bytes);
    }

    /// <summary>The value of <paramref name="value"/> when it is a constant, seen through the widening and the
    /// multiplication by the element size that C# puts around stackalloc's count.</summary>
    long? ConstantOf(int value)
    {
        var definitions = function.Blocks.SelectMany(b => b.Instrs).Where(i => i.HasResult).ToDictionary(i => i.Result);
        long? Evaluate(int v) => definitions.GetValueOrDefault(v) switch
        {
            { Op: Op.Const } constant => constant.Imm,
            { Op: Op.ZeroExtend32 } zext => Evaluate(zext.Args[0]) is long x ? (uint)x : null,
            { Op: Op.SignExtend32 } sext => Evaluate(sext.Args[0]) is long x ? (int)x : null,
            { Op: Op.Mul or Op.MulOvfUn or Op.MulOvf } mul => Evaluate(mul.Args[0]) is long x && Evaluate(mul.Args[1]) is long y ? x * y : null,
            _ => null,
        };
        return Evaluate(value);
    }

    // ---------------------------------------------------------------- static fields

    /// <summary>
    /// ldsfld, stsfld and ldsflda of a primitive static field. The storage of primitive statics never moves, so its
    /// address is a constant of the code. The type must be <c>beforefieldinit</c> (no static constructor in C#, field
    /// initializers allowed): its initializer may then run at any time before the first access, so it runs here, at
    /// compile time. A <c>static readonly</c> field cannot change once initialized: its value becomes a constant.
    /// </summary>
    void ImportStaticField(Block block, CilInstruction at, List<int> stack)
    {
        var (field, access, constant, staticAddress) = ResolveStaticField(method, at);
        if (constant is { } bits)
        {
            stack.Add(ops.Const(block, access.Type, bits));
            return;
        }
        int address = ops.Const(block, IrType.I64, staticAddress);
        switch (at.Op)
        {
            case CilOp.Ldsfld: stack.Add(LoadFrom(block, address, access)); break;
            case CilOp.Ldsflda: stack.Add(address); break;
            default: StoreTo(block, address, ops.Normalize(block, Pop(stack, at), field.FieldType), access); break;
        }
    }

    /// <summary>A primitive static field an ldsfld, stsfld or ldsflda names: how it is read or written, its value as a
    /// constant (ldsfld of a <c>static readonly</c> field) or else its address. Runs the type's initializer. Shared by
    /// the importer and the baseline tier.</summary>
    /// <exception cref="JitException">The field is not one MiniJit supports; the message says why.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = OnlyInsideImport)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = OnlyInsideImport)]
    [UnconditionalSuppressMessage("Trimming", "IL2059", Justification = OnlyInsideImport)]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Importing CIL is refused under NativeAOT (there is no IL to read), before any importer exists.")]
    internal static (FieldInfo Field, Access Access, long? Constant, nint Address) ResolveStaticField(CilMethod method, CilInstruction at)
    {
        JitException Error(string reason) => new(method.Method, at.Offset, at.OpCode.Name, reason);
        var field = method.ResolveField((int)at.Int, at);
        var name = $"{field.DeclaringType?.Name}.{field.Name}";
        if (!field.IsStatic) throw Error($"{name} is not static (invalid IL)");
        if (AccessOf(field.FieldType) is not { } access || field.FieldType.IsPointer)
            throw Error($"static field {name} has type {field.FieldType.Name}: only static fields of primitive types are supported");
        if (field.IsDefined(typeof(ThreadStaticAttribute), false))
            throw Error($"static field {name} is [ThreadStatic], which is not supported");
        var owner = field.DeclaringType!;
        if (Binding.TypeInitializers.NeedsCheck(owner))
            throw Error($"static field {name}: its type has a static constructor, which must run exactly at the first access; MiniJit supports static fields of types without one (field initializers are fine)");
        if (owner.ContainsGenericParameters) throw Error($"static field {name} of an open generic type (invalid IL)");
        RuntimeHelpers.RunClassConstructor(owner.TypeHandle);
        return at.Op == CilOp.Ldsfld && field.IsInitOnly
            ? (field, access, ConstantBits(field.GetValue(null)!), 0)
            : (field, access, null, StaticFieldAddress(field));
    }

    /// <summary>The bits of a boxed primitive as its IR constant.</summary>
    static long ConstantBits(object value) => value switch
    {
        double d => BitConverter.DoubleToInt64Bits(d),
        float f => BitConverter.SingleToInt32Bits(f),
        bool b => b ? 1 : 0,
        char c => c,
        ulong u => (long)u,
        nuint u => (long)u,
        nint n => n,
        Enum e => Convert.ToInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    static readonly Dictionary<FieldInfo, nint> StaticAddresses = [];

    /// <summary>Where a primitive static lives: what <c>ldsflda</c> gives, read once by a tiny dynamic method.</summary>
    [RequiresDynamicCode("Emits a method that takes the field's address.")]
    static nint StaticFieldAddress(FieldInfo field)
    {
        lock (StaticAddresses)
        {
            if (StaticAddresses.TryGetValue(field, out var address)) return address;
            var reader = new DynamicMethod("AddressOf" + field.Name, typeof(nint), [], typeof(CilImporter).Module, skipVisibility: true);
            var il = reader.GetILGenerator();
            il.Emit(OpCodes.Ldsflda, field);
            il.Emit(OpCodes.Conv_U);
            il.Emit(OpCodes.Ret);
            address = ((Func<nint>)reader.CreateDelegate(typeof(Func<nint>)))();
            StaticAddresses[field] = address;
            return address;
        }
    }
}
