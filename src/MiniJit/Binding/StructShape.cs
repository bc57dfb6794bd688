using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace MiniJit.Binding;

/// <summary>
/// A struct of primitive fields as compiled code sees it: its size, where each field lives, and how a value of it
/// travels in registers under the System V rules (AMD64 ABI §3.2.3). The value is cut into eightbytes; an eightbyte
/// holding only <c>float</c>/<c>double</c> fields is of class SSE (an xmm register), any other of class INTEGER (a
/// general-purpose register). A struct larger than 16 bytes, or with a field that is not naturally aligned, is of
/// class MEMORY: it does not travel in registers at all.
/// </summary>
/// <param name="Eightbytes">The class of each eightbyte (<see cref="ArgumentClass.Integer"/> or
/// <see cref="ArgumentClass.Double"/>, which stands for SSE), or null for class MEMORY.</param>
/// <param name="Fields">Every primitive field, nested structs flattened, with its offset from the struct's start, in
/// order of offset (fields of a union share one).</param>
public sealed record StructShape(Type Type, int Size, ArgumentClass[]? Eightbytes, IReadOnlyList<StructField> Fields)
{
    /// <summary>The largest struct MiniJit copies. Every copy is unrolled into loads and stores of up to 8 bytes, so a
    /// larger one would bloat the code; such values are better passed by reference.</summary>
    public const int MaxSize = 1024;

    /// <summary>The argument slots (and IR parameters) a parameter of this struct takes: its eightbytes, or one for the
    /// address of a copy.</summary>
    public IReadOnlyList<ArgumentClass> Slots => Eightbytes ?? [ArgumentClass.Integer];

    /// <summary>The classes of the registers a result of this struct comes back in (its eightbytes: rax or xmm0, then rdx
    /// or xmm1), or null when it is of class MEMORY and comes back through a buffer the caller passes as a hidden first
    /// argument.</summary>
    public IReadOnlyList<ArgumentClass>? ResultClasses => Eightbytes;

    /// <summary>Whether <paramref name="type"/> is a struct MiniJit compiles: a value type (neither primitive, enum,
    /// span nor pointer) whose instance fields are primitives, enums, pointers or such structs, at most
    /// <see cref="MaxSize"/> bytes, and not generic. Reads no field offsets, so it needs no dynamic code.</summary>
    public static bool IsSupported(Type type, [NotNullWhen(false)] out string? refusal)
    {
        // Asked for every parameter and result of every compile (most are primitives): the answer is kept per type.
        refusal = Refusals.GetOrAdd(type, RefusalOf);
        return refusal is null;
    }

    static readonly ConcurrentDictionary<Type, string?> Refusals = new();

    /// <summary>Why <paramref name="type"/> is not a struct MiniJit compiles, or null when it is.</summary>
    static string? RefusalOf(Type type)
    {
        if (!type.IsValueType || type == typeof(void) || type.IsPrimitive || type.IsEnum || type.IsPointer || type.IsByRefLike || type == typeof(decimal)
            || type.ContainsGenericParameters || Nullable.GetUnderlyingType(type) is not null)
            return $"{type.Name} is not a struct of primitive fields";
        if (type.IsGenericType)
            return $"{type.Name} is a generic struct; MiniJit supports structs of primitive fields that are not generic";
        foreach (var field in InstanceFields(type))
        {
            var fieldType = field.FieldType;
            if (IsLeaf(fieldType) || fieldType.IsValueType && IsSupported(fieldType, out _)) continue;
            return $"struct {type.Name}: " + (fieldType.IsValueType
                ? $"its field {field.Name} is a {fieldType.Name}: {RefusalOf(fieldType)}"
                : $"its field {field.Name} holds a reference ({fieldType.Name}), which native code cannot hold (the GC could not see it)");
        }
        return SizeOf(type) > MaxSize
            ? $"struct {type.Name} has {SizeOf(type)} bytes; MiniJit copies structs of at most {MaxSize} (pass a larger one by reference)"
            : null;
    }

    /// <summary>The struct's size as the CLR lays it out (what <c>sizeof</c> gives).</summary>
    public static int SizeOf(Type type) => RuntimeHelpers.SizeOf(type.TypeHandle);

    /// <summary>The shape of <paramref name="type"/>, which <see cref="IsSupported"/> accepted. The field offsets come from
    /// the CLR itself (a tiny dynamic method takes each field's address), never from a guess about its layout rules.</summary>
    [RequiresDynamicCode("Reads field offsets with a dynamic method.")]
    public static StructShape Of(Type type) => Shapes.GetOrAdd(type, Classify);

    /// <summary>The offset of an instance field of a struct in its declaring type.</summary>
    [RequiresDynamicCode("Reads field offsets with a dynamic method.")]
    public static int OffsetOf(FieldInfo field) => Offsets.GetOrAdd(field, MeasureOffset);

    static readonly ConcurrentDictionary<Type, StructShape> Shapes = new();
    static readonly ConcurrentDictionary<FieldInfo, int> Offsets = new();

    /// <summary>Primitives, enums and pointers: what a struct's fields may be besides other structs.</summary>
    static bool IsLeaf(Type type) => type.IsPrimitive || type.IsEnum || type.IsPointer;

    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "A struct's fields are kept with the struct: the code that compiled it reads them.")]
    static IEnumerable<FieldInfo> InstanceFields(Type type) =>
        type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    [RequiresDynamicCode("Reads field offsets with a dynamic method.")]
    static StructShape Classify(Type type)
    {
        int size = SizeOf(type);
        // SSE until a field that is not floating point makes its eightbyte INTEGER (the ABI's merge rule).
        var classes = new ArgumentClass[(size + 7) / 8];
        Array.Fill(classes, ArgumentClass.Double);
        bool aligned = true;
        var fields = new List<StructField>();
        void Visit(Type t, int offset)
        {
            foreach (var field in InstanceFields(t))
            {
                int at = offset + OffsetOf(field);
                var fieldType = field.FieldType;
                if (!IsLeaf(fieldType))
                {
                    Visit(fieldType, at);
                    continue;
                }
                int width = SizeOf(fieldType.IsEnum ? Enum.GetUnderlyingType(fieldType) : fieldType.IsPointer ? typeof(nint) : fieldType);
                aligned &= at % width == 0;
                fields.Add(new StructField(at, fieldType));
                if (fieldType != typeof(double) && fieldType != typeof(float))
                    classes[at / 8] = ArgumentClass.Integer;
            }
        }
        Visit(type, 0);
        // An eightbyte with no field at all (explicit padding) is passed as INTEGER: both sides of every call are
        // MiniJit's (or its thunks'), so only agreement matters there.
        return new StructShape(type, size, size <= 16 && aligned ? classes : null, [.. fields.OrderBy(f => f.Offset)]);
    }

    [RequiresDynamicCode("Reads field offsets with a dynamic method.")]
    static int MeasureOffset(FieldInfo field)
    {
        var owner = field.DeclaringType!;
        var reader = new DynamicMethod("OffsetOf" + field.Name, typeof(nint), [], typeof(StructShape).Module, skipVisibility: true);
        var il = reader.GetILGenerator();
        var local = il.DeclareLocal(owner);
        il.Emit(OpCodes.Ldloca, local);
        il.Emit(OpCodes.Ldflda, field);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Ldloca, local);
        il.Emit(OpCodes.Conv_U);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Ret);
        return (int)((Func<nint>)reader.CreateDelegate(typeof(Func<nint>)))();
    }
}

/// <summary>A primitive field (a primitive, an enum or a pointer) of a struct, at <paramref name="Offset"/> bytes from
/// the start of the outermost struct.</summary>
public readonly record struct StructField(int Offset, Type Type);
