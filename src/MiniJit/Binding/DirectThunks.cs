using System.Runtime.CompilerServices;
using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>
/// A thunk that calls a unit's direct entry (<see cref="CompiledCode.DirectEntry"/>): the compiled function as the plain
/// System V function of its signature, with the arguments in registers. No frame, no entry stub, no status check — for
/// <c>(x, y) =&gt; x * y + 3</c> the call costs a few nanoseconds less than through <see cref="FrameThunk"/>, which
/// is most of what such a call costs.
/// </summary>
/// <remarks>
/// Only code that has a direct entry is called this way: bounded code (one function, no loops, no calls of compiled
/// code, so it returns soon and may be called without the GC transition) that cannot fail (it reports no status, reads
/// no frame and saves the registers it uses itself). So every Invoke is the same three steps: take the region (throw
/// once the code is disposed, see <see cref="Thunk.Disposed{T}"/>), call, keep the region alive until the call is over
/// (<see cref="Thunk.Region"/>).
/// <para>Each signature needs a class of its own, not one generic class: the pointer's type must name double or long
/// itself, since the runtime refuses to marshal generic type arguments in an unmanaged signature (the reason
/// <see cref="FrameThunk"/> carries arguments through memory). Because they are ordinary classes named in the source,
/// they exist under NativeAOT as well.</para>
/// <para>A bool result is declared int and its low byte taken here: the byte a frame thunk reads from the result slot,
/// with no assumption about whether the runtime normalizes a narrow result of a native call.</para>
/// </remarks>
internal abstract class DirectThunk(nint directEntry, ExecutableMemory memory, object owner) : Thunk(memory, owner)
{
    /// <summary>The address the subclass's pointer type is cast from, once per call (the cast costs nothing).</summary>
    protected readonly nint Entry = directEntry;

    /// <summary>The byte of rax that is a bool result (see the remarks).</summary>
    protected static bool LowByte(int rax) => Unsafe.BitCast<byte, bool>((byte)rax);
}

/// <summary>Makes the delegate for one binding: a new direct thunk over the direct entry.</summary>
internal delegate Delegate DirectThunkFactory(nint directEntry, ExecutableMemory memory, object owner);

/// <summary>The delegate types that have a direct thunk, and the factory of each.</summary>
internal static class DirectThunks
{
    static readonly Dictionary<Type, DirectThunkFactory> Factories = Build();

    /// <summary>Every delegate type with a direct thunk.</summary>
    public static IReadOnlyCollection<Type> DelegateTypes => Factories.Keys;

    /// <summary>The factory for exactly <paramref name="delegateType"/>, or null when it has no direct thunk.</summary>
    public static DirectThunkFactory? Find(Type delegateType) => Factories.GetValueOrDefault(delegateType);

    static Dictionary<Type, DirectThunkFactory> Build()
    {
        var factories = new Dictionary<Type, DirectThunkFactory>();
        Add<Func<double, double>>(factories, (e, m, o) => new DoubleFunc1(e, m, o).Invoke);
        Add<Func<double, double, double>>(factories, (e, m, o) => new DoubleFunc2(e, m, o).Invoke);
        Add<Func<double, double, double, double>>(factories, (e, m, o) => new DoubleFunc3(e, m, o).Invoke);
        Add<Func<double, double, double, double, double>>(factories, (e, m, o) => new DoubleFunc4(e, m, o).Invoke);
        Add<Func<double, bool>>(factories, (e, m, o) => new DoublePredicate1(e, m, o).Invoke);
        Add<Func<double, double, bool>>(factories, (e, m, o) => new DoublePredicate2(e, m, o).Invoke);
        Add<Func<float, float>>(factories, (e, m, o) => new FloatFunc1(e, m, o).Invoke);
        Add<Func<float, float, float>>(factories, (e, m, o) => new FloatFunc2(e, m, o).Invoke);
        Add<Func<long, long>>(factories, (e, m, o) => new LongFunc1(e, m, o).Invoke);
        Add<Func<long, long, long>>(factories, (e, m, o) => new LongFunc2(e, m, o).Invoke);
        Add<Func<long, long, long, long>>(factories, (e, m, o) => new LongFunc3(e, m, o).Invoke);
        Add<Func<long, bool>>(factories, (e, m, o) => new LongPredicate1(e, m, o).Invoke);
        Add<Func<long, long, bool>>(factories, (e, m, o) => new LongPredicate2(e, m, o).Invoke);
        Add<Func<int, int>>(factories, (e, m, o) => new IntFunc1(e, m, o).Invoke);
        Add<Func<int, int, int>>(factories, (e, m, o) => new IntFunc2(e, m, o).Invoke);
        Add<Func<int, int, bool>>(factories, (e, m, o) => new IntPredicate2(e, m, o).Invoke);
        return factories;
    }

    /// <param name="bind">Creates the thunk and binds <typeparamref name="TDelegate"/> to its Invoke: naming the type
    /// here makes the compiler check that the key and the delegate agree.</param>
    static void Add<TDelegate>(Dictionary<Type, DirectThunkFactory> factories, Func<nint, ExecutableMemory, object, TDelegate> bind)
        where TDelegate : Delegate =>
        factories[typeof(TDelegate)] = (directEntry, memory, owner) => bind(directEntry, memory, owner);
}

// One class per signature; each Invoke takes the region, calls, keeps the region alive.

internal sealed unsafe class DoubleFunc1(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public double Invoke(double a1)
    {
        if (Region is not { } region) return Disposed<double>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<double, double>)Entry)(a1);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class DoubleFunc2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public double Invoke(double a1, double a2)
    {
        if (Region is not { } region) return Disposed<double>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<double, double, double>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class DoubleFunc3(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public double Invoke(double a1, double a2, double a3)
    {
        if (Region is not { } region) return Disposed<double>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<double, double, double, double>)Entry)(a1, a2, a3);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class DoubleFunc4(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public double Invoke(double a1, double a2, double a3, double a4)
    {
        if (Region is not { } region) return Disposed<double>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<double, double, double, double, double>)Entry)(a1, a2, a3, a4);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class DoublePredicate1(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public bool Invoke(double a1)
    {
        if (Region is not { } region) return Disposed<bool>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<double, int>)Entry)(a1);
        GC.KeepAlive(region);
        return LowByte(result);
    }
}

internal sealed unsafe class DoublePredicate2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public bool Invoke(double a1, double a2)
    {
        if (Region is not { } region) return Disposed<bool>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<double, double, int>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return LowByte(result);
    }
}

internal sealed unsafe class FloatFunc1(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public float Invoke(float a1)
    {
        if (Region is not { } region) return Disposed<float>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<float, float>)Entry)(a1);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class FloatFunc2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public float Invoke(float a1, float a2)
    {
        if (Region is not { } region) return Disposed<float>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<float, float, float>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class LongFunc1(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public long Invoke(long a1)
    {
        if (Region is not { } region) return Disposed<long>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<long, long>)Entry)(a1);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class LongFunc2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public long Invoke(long a1, long a2)
    {
        if (Region is not { } region) return Disposed<long>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<long, long, long>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class LongFunc3(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public long Invoke(long a1, long a2, long a3)
    {
        if (Region is not { } region) return Disposed<long>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<long, long, long, long>)Entry)(a1, a2, a3);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class LongPredicate1(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public bool Invoke(long a1)
    {
        if (Region is not { } region) return Disposed<bool>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<long, int>)Entry)(a1);
        GC.KeepAlive(region);
        return LowByte(result);
    }
}

internal sealed unsafe class LongPredicate2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public bool Invoke(long a1, long a2)
    {
        if (Region is not { } region) return Disposed<bool>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<long, long, int>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return LowByte(result);
    }
}

internal sealed unsafe class IntFunc1(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public int Invoke(int a1)
    {
        if (Region is not { } region) return Disposed<int>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<int, int>)Entry)(a1);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class IntFunc2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public int Invoke(int a1, int a2)
    {
        if (Region is not { } region) return Disposed<int>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<int, int, int>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return result;
    }
}

internal sealed unsafe class IntPredicate2(nint e, ExecutableMemory m, object o) : DirectThunk(e, m, o)
{
    public bool Invoke(int a1, int a2)
    {
        if (Region is not { } region) return Disposed<bool>();
        var result = ((delegate* unmanaged[SuppressGCTransition]<int, int, int>)Entry)(a1, a2);
        GC.KeepAlive(region);
        return LowByte(result);
    }
}
