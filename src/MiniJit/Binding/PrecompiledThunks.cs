using MiniJit.CodeMemory;

namespace MiniJit.Binding;

/// <summary>Makes the delegate for one binding: a new thunk over the entry stub, with the delegate bound to the
/// thunk's Invoke.</summary>
internal delegate Delegate ThunkFactory(nint entryStub, ExecutableMemory memory, object owner, bool bounded);

/// <summary>
/// The delegate types MiniJit binds without generating code at run time: each has a factory written out below, so
/// the generic thunk it needs is named in the source and compiled ahead of time.
/// </summary>
/// <remarks>
/// Under NativeAOT nothing can instantiate a generic class over value types while the program runs:
/// <c>FuncThunk&lt;double, double&gt;</c> exists only if some code names it. So without dynamic code the delegate
/// types are a fixed set, chosen for what compiles expressions at run time there, formula engines and filters: all
/// parameters of one type T — double, float, long or int — with 0 to 8 of them (the most a frame carries), returning
/// T (<c>Func&lt;double, double, double&gt;</c>) or bool (<c>Func&lt;long, long, bool&gt;</c>). That is
/// 4 × 9 + 4 × 8 + 1 = 69 delegate types (<c>Func&lt;bool&gt;</c> is shared), each costing its thunk's Invoke in the
/// binary. Mixed signatures cannot all be listed (14 types in 9 positions); they are called through a
/// <see cref="SlotFunction"/> instead.
/// </remarks>
internal static class PrecompiledThunks
{
    static readonly Dictionary<Type, ThunkFactory> Factories = Build();

    /// <summary>Every delegate type with a factory.</summary>
    public static IReadOnlyCollection<Type> DelegateTypes => Factories.Keys;

    /// <summary>The factory for exactly <paramref name="delegateType"/>, or null when it is not in the set.</summary>
    public static ThunkFactory? Find(Type delegateType) => Factories.GetValueOrDefault(delegateType);

    static Dictionary<Type, ThunkFactory> Build()
    {
        var factories = new Dictionary<Type, ThunkFactory>();
        AddEveryArity<double, double>(factories);
        AddEveryArity<float, float>(factories);
        AddEveryArity<long, long>(factories);
        AddEveryArity<int, int>(factories);
        AddEveryArity<double, bool>(factories);
        AddEveryArity<float, bool>(factories);
        AddEveryArity<long, bool>(factories);
        AddEveryArity<int, bool>(factories);
        return factories;
    }

    /// <summary>Func&lt;TResult&gt; and Func&lt;T, …, TResult&gt; with 1 to 8 parameters of type T. Called with
    /// value types written in the source, so the AOT compiler makes every thunk named here.</summary>
    static void AddEveryArity<T, TResult>(Dictionary<Type, ThunkFactory> factories)
    {
        Add<Func<TResult>>(factories, (e, m, o, b) => new FuncThunk<TResult>(e, m, o, b).Invoke);
        Add<Func<T, TResult>>(factories, (e, m, o, b) => new FuncThunk<T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, TResult>>(factories, (e, m, o, b) => new FuncThunk<T, T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, T, TResult>>(factories, (e, m, o, b) => new FuncThunk<T, T, T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, T, T, TResult>>(factories, (e, m, o, b) => new FuncThunk<T, T, T, T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, T, T, T, TResult>>(factories, (e, m, o, b) => new FuncThunk<T, T, T, T, T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, T, T, T, T, TResult>>(factories,
            (e, m, o, b) => new FuncThunk<T, T, T, T, T, T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, T, T, T, T, T, TResult>>(factories,
            (e, m, o, b) => new FuncThunk<T, T, T, T, T, T, T, TResult>(e, m, o, b).Invoke);
        Add<Func<T, T, T, T, T, T, T, T, TResult>>(factories,
            (e, m, o, b) => new FuncThunk<T, T, T, T, T, T, T, T, TResult>(e, m, o, b).Invoke);
    }

    /// <param name="bind">Creates the thunk and binds <typeparamref name="TDelegate"/> to its Invoke: an ordinary
    /// method-group conversion, the same delegate <c>Delegate.CreateDelegate</c> makes on the JIT path.</param>
    static void Add<TDelegate>(Dictionary<Type, ThunkFactory> factories, Func<nint, ExecutableMemory, object, bool, TDelegate> bind)
        where TDelegate : Delegate =>
        factories[typeof(TDelegate)] = (entryStub, memory, owner, bounded) => bind(entryStub, memory, owner, bounded);
}
