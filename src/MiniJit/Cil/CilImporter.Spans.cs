using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MiniJit.Ir;

namespace MiniJit.Cil;

/// <summary>
/// <c>Span&lt;T&gt;</c> and <c>ReadOnlySpan&lt;T&gt;</c> of primitive T, taken apart into their two fields: a pointer
/// to element 0 and a length. A span variable is two SSA variables; a span parameter is two IR parameters (the thunk
/// pins what the span points into and passes both); a span on the evaluation stack is an entry of
/// <see cref="spanEntries"/>, pushed as a negative number. The span's methods are recognized and imported as what they
/// compute (RyuJIT treats them as intrinsics too): the indexer is a bounds check and an element address, Slice checks
/// its range and moves the pointer, and so on. Their IL bodies are never compiled.
/// </summary>
/// <remarks>
/// Span values may not cross a block boundary on the evaluation stack, and span methods that allocate or call into
/// the runtime (ToArray, CopyTo, Fill, ToString, …) are refused.
/// </remarks>
public sealed partial class CilImporter
{
    /// <summary>A span on the evaluation stack: its value (pointer and length), or the address of a span variable (what
    /// ldloca/ldarga give, for calling the span's instance methods).</summary>
    readonly record struct SpanEntry(int Pointer, int Length, int Variable);

    readonly List<SpanEntry> spanEntries = [];

    static bool IsSpan(Type type) => type.IsGenericType && !type.IsGenericTypeDefinition
        && (type.GetGenericTypeDefinition() == typeof(Span<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlySpan<>))
        && AccessOf(type.GetGenericArguments()[0]) is not null && !type.GetGenericArguments()[0].IsPointer;

    static int SizeOfElement(Type spanOrArray) => AccessOf(spanOrArray.IsArray ? spanOrArray.GetElementType()! : spanOrArray.GetGenericArguments()[0])!.Value.Width;

    static bool IsSpanMarker(int value) => value < 0;

    int PushSpan(List<int> stack, SpanEntry entry)
    {
        spanEntries.Add(entry);
        int marker = -2 - (spanEntries.Count - 1);
        stack.Add(marker);
        return marker;
    }

    SpanEntry SpanAt(int marker) => spanEntries[-2 - marker];

    /// <summary>Pops a span value (a span variable's address is read as its value, as ldobj would).</summary>
    SpanEntry PopSpanValue(Block block, List<int> stack, CilInstruction at)
    {
        int marker = PopEntry(stack, at);
        if (!IsSpanMarker(marker)) throw Error(at, "expected a span on the evaluation stack (invalid IL, or a span MiniJit cannot follow)");
        var entry = SpanAt(marker);
        return entry.Variable < 0 ? entry : new SpanEntry(Read(entry.Variable, block), Read(spanLengths[entry.Variable], block), -1);
    }

    int PopSpanAddress(List<int> stack, CilInstruction at)
    {
        int marker = PopEntry(stack, at);
        if (!IsSpanMarker(marker) || SpanAt(marker).Variable < 0)
            throw Error(at, "a span method called on something other than a span variable (MiniJit follows spans only through their local variables and parameters)");
        return SpanAt(marker).Variable;
    }

    /// <summary>ldloc/ldarg of a span variable.</summary>
    void PushSpanVariable(Block block, List<int> stack, int variable) =>
        PushSpan(stack, new SpanEntry(Read(variable, block), Read(spanLengths[variable], block), -1));

    void WriteSpan(Block block, int variable, SpanEntry span)
    {
        Write(variable, block, span.Pointer);
        Write(spanLengths[variable], block, span.Length);
    }

    /// <summary>A span's methods and constructors, the static helpers that make spans from arrays, and the common
    /// MemoryMarshal and Unsafe helpers. Returns false when <paramref name="callee"/> is none of them.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = OnlyInsideImport)]
    bool ImportSpanCall(Block block, CilInstruction at, List<int> stack, MethodBase callee, bool isNewobj)
    {
        var type = callee.DeclaringType!;
        string name = JitException.MethodName(callee);
        if (IsSpan(type))
        {
            int size = SizeOfElement(type);
            var parameters = callee.GetParameters();
            if (callee is ConstructorInfo)
            {
                var span = ConstructSpan(block, at, stack, parameters, size, name);
                if (isNewobj) PushSpan(stack, span);
                else WriteSpan(block, PopSpanAddress(stack, at), span);
                return true;
            }
            switch (callee.Name)
            {
                case "op_Implicit" when parameters[0].ParameterType.IsArray:
                    PushSpan(stack, SpanOfArray(block, Pop(stack, at)));
                    return true;
                case "op_Implicit":
                    PushSpan(stack, PopSpanValue(block, stack, at));  // Span<T> to ReadOnlySpan<T>: the same two fields
                    return true;
                case "get_Length":
                    stack.Add(Read(spanLengths[PopSpanAddress(stack, at)], block));
                    return true;
                case "get_IsEmpty":
                    stack.Add(ops.Emit(block, Op.Eq, IrType.I32, Read(spanLengths[PopSpanAddress(stack, at)], block), ops.Const(block, IrType.I32, 0)));
                    return true;
                case "get_Item":
                    {
                        int index = ops.IntegerOperand(Pop(stack, at));
                        int variable = PopSpanAddress(stack, at);
                        var check = function.Append(block, Op.CheckBounds, IrType.Void, ops.Widen(block, index, IrType.I32), Read(spanLengths[variable], block));
                        check.ILOffset = at.Offset;
                        stack.Add(ElementAddressOp(block, Read(variable, block), ops.Widen(block, index, IrType.I64), size));
                        return true;
                    }
                case "Slice":
                    {
                        int? length = parameters.Length == 2 ? ops.Widen(block, Pop(stack, at), IrType.I32) : null;
                        int start = ops.Widen(block, Pop(stack, at), IrType.I32);
                        int variable = PopSpanAddress(stack, at);
                        PushSpan(stack, Slice(block, new SpanEntry(Read(variable, block), Read(spanLengths[variable], block), -1), start, length, size));
                        return true;
                    }
                case "GetPinnableReference":
                    {
                        // A reference to element 0, or null for an empty span (what `fixed` pins).
                        int variable = PopSpanAddress(stack, at);
                        int nonEmpty = ops.Emit(block, Op.Ne, IrType.I32, Read(spanLengths[variable], block), ops.Const(block, IrType.I32, 0));
                        stack.Add(ops.Emit(block, Op.And, IrType.I64, Read(variable, block), MaskOf(block, nonEmpty)));
                        return true;
                    }
                default:
                    throw Error(at, $"call to {name}: MiniJit supports a span's Length, IsEmpty, indexer, Slice, GetPinnableReference and its constructors from an array or a pointer; this one would allocate or call into the runtime");
            }
        }
        if (type == typeof(MemoryExtensions) && callee.Name == "AsSpan" && callee is MethodInfo { ReturnType: var returned } && IsSpan(returned)
            && callee.GetParameters() is [{ ParameterType.IsArray: true }, ..] asSpanParameters
            && asSpanParameters.Skip(1).All(p => p.ParameterType == typeof(int)))
        {
            int size = SizeOfElement(returned);
            int? length = asSpanParameters.Length == 3 ? ops.Widen(block, Pop(stack, at), IrType.I32) : null;
            int? start = asSpanParameters.Length >= 2 ? ops.Widen(block, Pop(stack, at), IrType.I32) : null;
            var span = SpanOfArray(block, Pop(stack, at));
            PushSpan(stack, start is int s ? Slice(block, span, s, length, size) : span);
            return true;
        }
        if (type == typeof(MemoryMarshal) && callee.Name == "GetReference")
        {
            stack.Add(PopSpanValue(block, stack, at).Pointer);
            return true;
        }
        if (type == typeof(MemoryMarshal) && callee.Name == "GetArrayDataReference" && callee.GetParameters()[0].ParameterType.IsSZArray)
        {
            int array = ops.Emit(block, Op.CheckNull, IrType.I64, Address(block, Pop(stack, at), at));
            stack.Add(ops.Emit(block, Op.Add, IrType.I64, array, ops.Const(block, IrType.I64, ArrayLayout.DataOffset)));
            return true;
        }
        if (type == typeof(Unsafe)) return ImportUnsafe(block, at, stack, (MethodInfo)callee, name);
        return false;
    }

    /// <summary>new Span&lt;T&gt;(array), (array, start, length) and (pointer, length), with the checks their constructors
    /// make (a negative length, a range outside the array: ArgumentOutOfRangeException).</summary>
    SpanEntry ConstructSpan(Block block, CilInstruction at, List<int> stack, ParameterInfo[] parameters, int size, string name)
    {
        switch (parameters.Select(p => p.ParameterType).ToArray())
        {
            case [{ IsArray: true }]:
                return SpanOfArray(block, Pop(stack, at));
            case [{ IsArray: true }, var s, var l] when s == typeof(int) && l == typeof(int):
                {
                    int length = ops.Widen(block, Pop(stack, at), IrType.I32), start = ops.Widen(block, Pop(stack, at), IrType.I32);
                    return Slice(block, SpanOfArray(block, Pop(stack, at)), start, length, size);
                }
            case [{ IsPointer: true }, var l] when l == typeof(int):
                {
                    int length = ops.Widen(block, Pop(stack, at), IrType.I32);
                    int pointer = Address(block, Pop(stack, at), at);
                    // A negative length is an ArgumentOutOfRangeException: (uint)length < 2^31.
                    CheckRange(block, ops.Emit(block, Op.ZeroExtend32, IrType.I64, length), ops.Const(block, IrType.I64, 1L << 31));
                    return new SpanEntry(pointer, length, -1);
                }
            default:
                throw Error(at, $"call to {name}: only the span constructors from an array, an array range and a pointer with a length are supported");
        }
    }

    /// <summary>Zeroed native memory laid out like an empty array: a null array's span reads its length (0) from here,
    /// without a branch.</summary>
    static readonly unsafe nint EmptyArrayHeader = (nint)NativeMemory.AllocZeroed(ArrayLayout.DataOffset);

    /// <summary>The span over a whole array; a null array gives the empty span (a null pointer and length 0), as the
    /// CLR's conversion does. Computed with masks, so the block does not split: the length comes from the array, or
    /// from <see cref="EmptyArrayHeader"/> when there is none.</summary>
    SpanEntry SpanOfArray(Block block, int array)
    {
        array = Address(block, array, current!.Value);
        int nonNull = ops.Emit(block, Op.Ne, IrType.I32, array, ops.Const(block, IrType.I64, 0));
        int mask = MaskOf(block, nonNull);
        int header = ops.Const(block, IrType.I64, EmptyArrayHeader);
        // header ^ ((array ^ header) & mask): the array when there is one, the empty header otherwise.
        int source = ops.Emit(block, Op.Xor, IrType.I64, header,
            ops.Emit(block, Op.And, IrType.I64, ops.Emit(block, Op.Xor, IrType.I64, array, header), mask));
        var length = function.Append(block, Op.Load, IrType.I32, ops.Emit(block, Op.Add, IrType.I64, source, ops.Const(block, IrType.I64, ArrayLayout.LengthOffset)));
        length.Imm = 4;
        int pointer = ops.Emit(block, Op.And, IrType.I64, ops.Emit(block, Op.Add, IrType.I64, array, ops.Const(block, IrType.I64, ArrayLayout.DataOffset)), mask);
        return new SpanEntry(pointer, length.Result, -1);
    }

    /// <summary>All ones (i64) when the i32 condition is 1, zero when it is 0.</summary>
    int MaskOf(Block block, int condition) =>
        ops.Emit(block, Op.Neg, IrType.I64, ops.Emit(block, Op.ZeroExtend32, IrType.I64, condition));

    /// <summary>Slice(start) and Slice(start, length), with their check: start &lt;= Length, and start + length &lt;=
    /// Length, all unsigned (in 64 bits, so that the sum cannot wrap); ArgumentOutOfRangeException otherwise.</summary>
    SpanEntry Slice(Block block, SpanEntry span, int start, int? length, int size)
    {
        int wideStart = ops.Emit(block, Op.ZeroExtend32, IrType.I64, start);
        int limit = ops.Emit(block, Op.Add, IrType.I64, ops.Emit(block, Op.ZeroExtend32, IrType.I64, span.Length), ops.Const(block, IrType.I64, 1));
        int end = length is int l ? ops.Emit(block, Op.Add, IrType.I64, wideStart, ops.Emit(block, Op.ZeroExtend32, IrType.I64, l)) : wideStart;
        CheckRange(block, end, limit);
        int pointer = ElementAddressOp(block, span.Pointer, wideStart, size);
        return new SpanEntry(pointer, length ?? ops.Emit(block, Op.Sub, IrType.I32, span.Length, start), -1);
    }

    void CheckRange(Block block, int index, int limit)
    {
        var check = function.Append(block, Op.CheckArgumentRange, IrType.Void, index, limit);
        check.ILOffset = ops.ILOffset;
    }

    /// <summary>The Unsafe helpers RyuJIT expands inline: pointer arithmetic, reinterpretation, unaligned access and
    /// sizes, for primitive element types.</summary>
    bool ImportUnsafe(Block block, CilInstruction at, List<int> stack, MethodInfo callee, string name)
    {
        var typeArguments = callee.GetGenericArguments();
        int SizeOf(Type t) => AccessOf(t)?.Width ?? throw Error(at, $"call to {name}: only primitive type arguments are supported");
        switch (callee.Name)
        {
            case "SizeOf":
                stack.Add(ops.Const(block, IrType.I32, SizeOf(typeArguments[0])));
                return true;
            case "Add" or "Subtract" when callee.GetParameters() is [{ ParameterType.IsByRef: true } or { ParameterType.IsPointer: true }, var offset]
                && offset.ParameterType != typeof(nuint):
                {
                    int count = ops.Widen(block, Pop(stack, at), IrType.I64);
                    int pointer = Address(block, Pop(stack, at), at);
                    if (callee.Name == "Subtract") count = ops.Emit(block, Op.Neg, IrType.I64, count);
                    stack.Add(ElementAddressOp(block, pointer, count, SizeOf(typeArguments[0])));
                    return true;
                }
            case "As" when typeArguments.Length == 2 || callee.GetParameters() is [{ ParameterType.IsByRef: true }]:
            case "AsRef" or "AsPointer":
                stack.Add(Address(block, Pop(stack, at), at));  // the same address, seen as another type
                return true;
            case "AreSame":
                {
                    int b = Address(block, Pop(stack, at), at), a = Address(block, Pop(stack, at), at);
                    stack.Add(ops.Emit(block, Op.Eq, IrType.I32, a, b));
                    return true;
                }
            case "InitBlock" or "InitBlockUnaligned" when callee.GetParameters()[0].ParameterType.IsPointer || callee.GetParameters()[0].ParameterType.IsByRef:
                InitBlock(block, at, stack);
                return true;
            case "ReadUnaligned" or "Read":
                {
                    var access = AccessOf(typeArguments[0]) ?? throw Error(at, $"call to {name}: only primitive types can be read");
                    stack.Add(LoadFrom(block, CheckedPointer(block, at, Pop(stack, at)), access));
                    return true;
                }
            case "WriteUnaligned" or "Write":
                {
                    var access = AccessOf(typeArguments[0]) ?? throw Error(at, $"call to {name}: only primitive types can be written");
                    int value = ops.Normalize(block, Pop(stack, at), typeArguments[0]);
                    StoreTo(block, CheckedPointer(block, at, Pop(stack, at)), value, access);
                    return true;
                }
            default:
                throw Error(at, $"call to {name}: MiniJit implements Unsafe's SizeOf, Add, Subtract, As, AsRef, AsPointer, AreSame, InitBlock (with 0), Read, ReadUnaligned, Write and WriteUnaligned");
        }
    }
}
