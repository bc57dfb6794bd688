using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MiniJit.Binding;

/// <summary>
/// Static constructors, run exactly when the CLR would run them.
/// </summary>
/// <remarks>
/// A type without <c>beforefieldinit</c> ("precise") must be initialized at the first call into one of its methods,
/// not earlier — the initializer may have side effects or throw — and if it throws, that call and every later one
/// throw its <see cref="TypeInitializationException"/>. So each compiled method of such a type starts with a check
/// of a flag that lives outside the code (code memory is never writable). While the flag is 0, the check reports the
/// type to the thunk and unwinds; the thunk runs the initializer in managed code (RuntimeHelpers.RunClassConstructor,
/// which throws the CLR's own TypeInitializationException), sets the flag, and calls the compiled code again from
/// the start. Repeating the work done before the check is invisible as long as that work wrote no memory outside its
/// own frame: the driver refuses a unit that writes memory and has a check anywhere but at the root's entry, so the
/// only repeated effects are initializers, each run once, in order.
/// A <c>beforefieldinit</c> type is initialized no later than the first access to one of its static fields: MiniJit
/// runs it when it compiles an access (static fields of precise types are refused), so its methods need no check.
/// Flags are 8 bytes of native memory per type, kept for the life of the process.
/// <para>The types carry <see cref="DynamicallyAccessedMembersAttribute"/> for their constructors: that is what
/// tells the trimmer to keep the static constructor this class reads and runs.</para>
/// </remarks>
public static unsafe class TypeInitializers
{
    static readonly Lock Gate = new();
    static readonly Dictionary<Type, nint> FlagByType = [];
    static readonly Dictionary<nint, Initialized> TypeByFlag = [];

    /// <summary>A type whose initializer runs through a flag; the wrapper carries the annotation that a dictionary's
    /// type argument cannot.</summary>
    sealed class Initialized([DynamicallyAccessedMembers(Constructors)] Type type)
    {
        [DynamicallyAccessedMembers(Constructors)]
        public Type Type { get; } = type;
    }

    /// <summary>The members the static constructor is among.</summary>
    const DynamicallyAccessedMemberTypes Constructors =
        DynamicallyAccessedMemberTypes.PublicConstructors | DynamicallyAccessedMemberTypes.NonPublicConstructors;

    /// <summary>True when calling a method of <paramref name="type"/> must first run its static constructor.</summary>
    public static bool NeedsCheck([DynamicallyAccessedMembers(Constructors)] Type type) =>
        type.TypeInitializer is not null && (type.Attributes & TypeAttributes.BeforeFieldInit) == 0;

    /// <summary>The address of the flag that is 1 once <paramref name="type"/>'s initializer has run.</summary>
    public static nint FlagOf([DynamicallyAccessedMembers(Constructors)] Type type)
    {
        lock (Gate)
        {
            if (!FlagByType.TryGetValue(type, out var flag))
            {
                flag = (nint)NativeMemory.AllocZeroed(sizeof(long));
                FlagByType[type] = flag;
                TypeByFlag[flag] = new Initialized(type);
            }
            return flag;
        }
    }

    /// <summary>Runs the initializer of the type whose flag is at <paramref name="flag"/> — or throws its
    /// TypeInitializationException, as the CLR does at every access once it has failed — and sets the flag.</summary>
    public static void Run(nint flag)
    {
        Initialized initialized;
        lock (Gate) initialized = TypeByFlag[flag];
        RuntimeHelpers.RunClassConstructor(initialized.Type.TypeHandle);
        Volatile.Write(ref *(long*)flag, 1);
    }
}
