using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// The thunk for a delegate whose signature has an array, a byref (<c>ref</c>, <c>out</c>, <c>in</c>), a pointer, a
/// span or a struct (<see cref="ParameterKind"/>), or returns a pointer or a struct. The generic thunks cannot bind those (a byref, a pointer or a
/// span cannot be a type argument), so the Invoke a delegate of such a type is bound to is emitted at run time, once per
/// delegate type, as a <see cref="DynamicMethod"/> owned by this class: its first argument is the thunk, the others
/// are the delegate's. It pins what needs pinning, stores every argument slot into a <see cref="JitFrame"/> on its
/// stack, and calls <see cref="Run"/>, which makes the call as every frame thunk does.
/// </summary>
/// <remarks>
/// <para><b>The pinning rule.</b> Compiled code has no GC information: the collector neither sees the addresses it holds
/// nor updates them when it moves an object. And while the code runs, a collection can happen: the call makes the normal
/// GC transition (code that may run long must not hold up every collection), so the thread counts as stopped and a
/// compacting collection started by another thread goes ahead and moves objects under it (the same holds when code
/// reports a type initializer or a throw helper: managed code runs between the re-runs of <c>FrameThunk.Failed</c>). So
/// every object whose address the code receives is pinned for the whole call, here, in the emitted Invoke:</para>
/// <list type="bullet">
/// <item>an array (<c>T[]</c>): a pinned local holds a ref to its elements (<see cref="ArrayData"/>), which pins the
/// array; the slot holds the array object's own address, <see cref="Ir.ArrayLayout.DataOffset"/> below the elements (0 for null);</item>
/// <item>a byref: a pinned local holds it, which pins the object it points into (a byref to the stack or to native memory
/// needs no pin; pinning it is harmless);</item>
/// <item>a span: a pinned local holds the ref to its first element (<c>MemoryMarshal.GetReference</c>), which pins the
/// array or object under it; the slots hold that address and the length.</item>
/// </list>
/// Pointers are not pinned: the caller owns that memory, and it was fixed before it became a pointer. A pinned local pins
/// for as long as the method that declares it is executing (ECMA-335 II.7.1.2), and the emitted Invoke never clears one,
/// so everything stays pinned from before the first call into the code until <see cref="Run"/> has returned, including
/// every re-run after a type initializer. Nothing outlives the call: compiled code keeps no address once it returns, and
/// it returns no array, byref or span (<see cref="NativeBinding.ResultClassOf"/>); a pointer it returns into an argument's
/// object is, like a pointer taken out of a C# <c>fixed</c> block, only good while that object is pinned, which is over.
/// <para>The Invoke stays small and fixed in shape; everything else is ordinary C# here. For
/// <c>delegate long Sum(int[] a, ref int r, ReadOnlySpan&lt;byte&gt; s)</c> it is, in C# terms:</para>
/// <code>
/// long Invoke(PinningThunk thunk, int[] a, ref int r, ReadOnlySpan&lt;byte&gt; s)
/// {
///     JitFrame frame = default;                                   // zeroed: small types and lengths are zero-padded
///     ref byte pinned p0 = ref ArrayData(a);
///     frame.Arguments[0] = ArraySlot((nint)p0);
///     ref int pinned p1 = ref r;
///     frame.Arguments[1] = (nint)p1;
///     ref byte pinned p2 = ref ReadOnlySpanElements(s, out int length2);
///     frame.Arguments[2] = (nint)p2;
///     *(int*)&amp;frame.Arguments[3] = length2;
///     long result = thunk.Run(&amp;frame);
///     return *(long*)&amp;result;                                    // the result's low bytes as the return type
/// }
/// </code>
/// </remarks>
internal sealed unsafe class PinningThunk(nint entryStub, ExecutableMemory memory, object owner, bool bounded)
    : FrameThunk(entryStub, memory, owner, bounded)
{

    /// <summary>The call, once the emitted Invoke has pinned the arguments and filled in the frame's slots: what
    /// <see cref="FrameThunk"/> does for every call (the status, the stack limit, type initializers and throw helpers, the
    /// code region kept until the end), and the result's slot.</summary>
    public long Run(JitFrame* frame)
    {
        Call(frame);
        return frame->Result;
    }

    /// <summary>A ref to element 0 of <paramref name="array"/> (where it would be when the array is empty: such a ref pins
    /// the array all the same), for the emitted Invoke to pin; a null ref for a null array.</summary>
    public static ref byte ArrayData(Array? array) =>
        ref array is null ? ref Unsafe.NullRef<byte>() : ref MemoryMarshal.GetArrayDataReference(array);

    /// <summary>The array's slot from the address of its (pinned) element 0: the object's address, or 0 for null.</summary>
    public static long ArraySlot(nint elements) => elements == 0 ? 0 : elements - Ir.ArrayLayout.DataOffset;

    /// <summary>A ref to element 0 of <paramref name="span"/>, for the emitted Invoke to pin, and its length. For an empty
    /// span the ref may be anything, even null (the code must not read through it).</summary>
    public static ref T SpanElements<T>(Span<T> span, out int length)
    {
        length = span.Length;
        return ref MemoryMarshal.GetReference(span);
    }

    /// <inheritdoc cref="SpanElements{T}"/>
    public static ref T ReadOnlySpanElements<T>(ReadOnlySpan<T> span, out int length)
    {
        length = span.Length;
        return ref MemoryMarshal.GetReference(span);
    }

    static readonly MethodInfo RunMethod = typeof(PinningThunk).GetMethod(nameof(Run))!;
    static readonly MethodInfo ArrayDataMethod = typeof(PinningThunk).GetMethod(nameof(ArrayData))!;
    static readonly MethodInfo ArraySlotMethod = typeof(PinningThunk).GetMethod(nameof(ArraySlot))!;
    static readonly MethodInfo SpanElementsMethod = typeof(PinningThunk).GetMethod(nameof(SpanElements))!;
    static readonly MethodInfo ReadOnlySpanElementsMethod = typeof(PinningThunk).GetMethod(nameof(ReadOnlySpanElements))!;

    /// <summary>Emits the Invoke for <paramref name="delegateType"/> (see the remarks of <see cref="PinningThunk"/>) and
    /// returns the factory that binds it to a new thunk. <see cref="NativeBinding"/> caches the factory per delegate type,
    /// so the method is emitted and compiled once.</summary>
    /// <param name="kinds">The kind of each parameter, from <see cref="NativeBinding.KindsOf"/>, which has checked the
    /// signature (the types, the slot count, the return type).</param>
    [RequiresDynamicCode("Emits the Invoke of a thunk for the delegate's signature with System.Reflection.Emit.")]
    [UnconditionalSuppressMessage("Trimming", "IL2060", Justification = "SpanElements and ReadOnlySpanElements are found "
        + "by name on this class, and their type parameter carries no annotations, so any instantiation meets its requirements.")]
    internal static ThunkFactory MakeFactory(Type delegateType, MethodInfo invoke, ParameterKind[] kinds)
    {
        var parameters = invoke.GetParameters();
        var invokeMethod = new DynamicMethod($"PinningThunk.Invoke({delegateType.Name})", invoke.ReturnType,
            [typeof(PinningThunk), .. parameters.Select(p => p.ParameterType)], typeof(PinningThunk), skipVisibility: true)
        {
            // The frame starts zeroed: a primitive stored in its own width and a length stored as an int32 are then
            // zero-padded to their 8-byte slots, as the generic thunks make them.
            InitLocals = true,
        };
        var il = invokeMethod.GetILGenerator();
        var frame = il.DeclareLocal(typeof(JitFrame));
        var slot = 0;
        // Pushes the address of the next argument slot of the frame.
        void NextSlot()
        {
            il.Emit(OpCodes.Ldloca, frame);
            il.Emit(OpCodes.Ldc_I4, JitFrame.ArgumentsOffset + 8 * slot++);
            il.Emit(OpCodes.Add);
        }
        // A byref (the argument itself, or the argument's address) held in a pinned local, and the address in the next slot.
        void PinnedAddressInNextSlot(Type byRefType, OpCode load, short argument)
        {
            var pinned = il.DeclareLocal(byRefType, pinned: true);
            il.Emit(load, argument);
            il.Emit(OpCodes.Stloc, pinned);
            NextSlot();
            il.Emit(OpCodes.Ldloc, pinned);
            il.Emit(OpCodes.Conv_U);
            il.Emit(OpCodes.Stind_I);
        }
        var returnType = invoke.ReturnType;
        // A struct result too large for a register comes back through a buffer, here a local of this Invoke, whose
        // address goes before the arguments.
        var resultBuffer = NativeBinding.ResultBufferSlotsOf(returnType).Count == 1 ? il.DeclareLocal(returnType) : null;
        if (resultBuffer is not null)
        {
            NextSlot();
            il.Emit(OpCodes.Ldloca, resultBuffer);
            il.Emit(OpCodes.Conv_U);
            il.Emit(OpCodes.Stind_I);
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            var argument = (short)(i + 1);  // argument 0 is the thunk
            switch (kinds[i])
            {
                case ParameterKind.Primitive:
                    // Its bits in the low bytes of the slot (a double's IEEE bits), as FrameThunk.Slot makes them.
                    NextSlot();
                    il.Emit(OpCodes.Ldarg, argument);
                    il.Emit(OpCodes.Stobj, type);
                    break;
                case ParameterKind.Pointer:
                    NextSlot();
                    il.Emit(OpCodes.Ldarg, argument);
                    il.Emit(OpCodes.Stind_I);
                    break;
                case ParameterKind.Array:
                    var elements = il.DeclareLocal(typeof(byte).MakeByRefType(), pinned: true);
                    il.Emit(OpCodes.Ldarg, argument);
                    il.Emit(OpCodes.Call, ArrayDataMethod);
                    il.Emit(OpCodes.Stloc, elements);
                    NextSlot();
                    il.Emit(OpCodes.Ldloc, elements);
                    il.Emit(OpCodes.Conv_U);
                    il.Emit(OpCodes.Call, ArraySlotMethod);
                    il.Emit(OpCodes.Stind_I8);
                    break;
                case ParameterKind.ByRef:
                    PinnedAddressInNextSlot(type, OpCodes.Ldarg, argument);
                    break;
                case ParameterKind.Span:
                    var element = type.GetGenericArguments()[0];
                    var first = il.DeclareLocal(element.MakeByRefType(), pinned: true);
                    var length = il.DeclareLocal(typeof(int));
                    var getElements = type.GetGenericTypeDefinition() == typeof(Span<>) ? SpanElementsMethod : ReadOnlySpanElementsMethod;
                    il.Emit(OpCodes.Ldarg, argument);
                    il.Emit(OpCodes.Ldloca, length);
                    il.Emit(OpCodes.Call, getElements.MakeGenericMethod(element));
                    il.Emit(OpCodes.Stloc, first);
                    NextSlot();
                    il.Emit(OpCodes.Ldloc, first);
                    il.Emit(OpCodes.Conv_U);
                    il.Emit(OpCodes.Stind_I);
                    NextSlot();
                    il.Emit(OpCodes.Ldloc, length);
                    il.Emit(OpCodes.Stind_I4);
                    break;
                case ParameterKind.Struct when StructShape.Of(type).Eightbytes is { } eightbytes:
                    // Its bytes, copied into as many slots as it has eightbytes (the zeroed frame pads the last one).
                    NextSlot();
                    il.Emit(OpCodes.Ldarga, argument);
                    il.Emit(OpCodes.Ldc_I4, StructShape.SizeOf(type));
                    il.Emit(OpCodes.Cpblk);
                    slot += eightbytes.Length - 1;
                    break;
                case ParameterKind.Struct:
                    // The address of the argument itself, which the code copies before anything else (as it would copy
                    // the caller's copy, System V's stack argument). It lives on this Invoke's stack; pinning it is
                    // harmless and keeps the rule uniform.
                    PinnedAddressInNextSlot(type.MakeByRefType(), OpCodes.Ldarga, argument);
                    break;
            }
        }
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldloca, frame);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Call, RunMethod);
        if (returnType == typeof(void)) il.Emit(OpCodes.Pop);
        else if (resultBuffer is not null)
        {
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ldloc, resultBuffer);
        }
        else if (NativeBinding.ResultSlotsOf(returnType).Count == 2)
        {
            // The struct's two eightbytes, in the frame's result slots one after the other.
            il.Emit(OpCodes.Pop);
            il.Emit(OpCodes.Ldloca, frame);
            il.Emit(OpCodes.Ldc_I4, JitFrame.ResultOffset);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Ldobj, returnType);
        }
        else if (returnType.IsPointer) il.Emit(OpCodes.Conv_U);
        else
        {
            // The low bytes of the result's slot read as the return type, as FrameThunk.Result reads them.
            var result = il.DeclareLocal(typeof(long));
            il.Emit(OpCodes.Stloc, result);
            il.Emit(OpCodes.Ldloca, result);
            il.Emit(OpCodes.Ldobj, returnType);
        }
        il.Emit(OpCodes.Ret);
        return (entryStub, memory, owner, bounded) =>
            invokeMethod.CreateDelegate(delegateType, new PinningThunk(entryStub, memory, owner, bounded));
    }
}
