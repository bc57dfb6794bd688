namespace MiniJit.Binding;

/// <summary>How a parameter of a delegate's signature crosses into compiled code (see <see cref="NativeBinding.SlotsOf"/>).</summary>
internal enum ParameterKind
{
    /// <summary>A primitive (long, int, double, bool, …): its bits in one slot.</summary>
    Primitive,
    /// <summary>A one-dimensional array of primitives: the object's address in one slot (0 for null), pinned for the call.</summary>
    Array,
    /// <summary>A <c>ref</c>, <c>out</c> or <c>in</c> parameter: the target's address in one slot, pinned for the call.</summary>
    ByRef,
    /// <summary>A pointer: its value in one slot; the caller owns the memory.</summary>
    Pointer,
    /// <summary>A <c>Span&lt;T&gt;</c> or <c>ReadOnlySpan&lt;T&gt;</c>: the address of its first element (pinned for the
    /// call) and its length, in two slots.</summary>
    Span,
    /// <summary>A struct of primitive fields (<see cref="StructShape"/>), by value: its bytes in one slot per eightbyte when
    /// it travels in registers, otherwise the address of the thunk's copy in one slot.</summary>
    Struct,
}
