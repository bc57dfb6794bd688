using System.Reflection;

namespace MiniJit.Cil;

/// <summary>
/// Methods the runtime's own JIT replaces with special code: those marked with its internal
/// <c>System.Runtime.CompilerServices.IntrinsicAttribute</c>, or declared in a type so marked (the hardware intrinsic
/// classes such as <c>Popcnt</c>). Their IL is a fallback, or not even that — <c>Popcnt.IsSupported</c> calls itself —
/// so compiling it would be wrong. MiniJit folds the hardware <c>IsSupported</c> checks and refuses the rest, except
/// the few whose IL is known to be a complete and correct implementation (<see cref="IlIsTheImplementation"/>).
/// </summary>
public static class RuntimeIntrinsics
{
    const string AttributeName = "System.Runtime.CompilerServices.IntrinsicAttribute";

    /// <summary>An intrinsic that MiniJit must not compile from its IL.</summary>
    public static bool IsRefused(MethodBase method) => IsIntrinsic(method) && !IlIsTheImplementation(method);

    /// <summary>
    /// Intrinsics whose IL says exactly what they compute, so they are compiled like any other method. Math.Max and
    /// Math.Min on integers are marked only so that the runtime's JIT may use its own compare-and-select; their IL is
    /// the comparison itself (<c>ldarg.0; ldarg.1; bge; ldarg.1; ret; ldarg.0; ret</c>, with the .un branch for the
    /// unsigned types). Only these integer overloads' IL has been checked, so the floating-point ones stay refused.
    /// </summary>
    static bool IlIsTheImplementation(MethodBase method) =>
        method.DeclaringType == typeof(Math) && method.Name is nameof(Math.Max) or nameof(Math.Min)
        && method.GetParameters() is [var a, var b] && a.ParameterType == b.ParameterType && IsInteger(a.ParameterType);

    static bool IsInteger(Type type) => Type.GetTypeCode(type) is TypeCode.SByte or TypeCode.Byte or TypeCode.Int16
        or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64
        || type == typeof(nint) || type == typeof(nuint);

    public static bool IsIntrinsic(MethodBase method)
    {
        if (HasAttribute(method)) return true;
        for (var type = method.DeclaringType; type is not null; type = type.DeclaringType)
            if (HasAttribute(type)) return true;
        return false;
    }

    /// <summary>The running CPU's answer to a hardware intrinsic class's <c>IsSupported</c> (such as
    /// <c>Popcnt.IsSupported</c> or <c>Popcnt.X64.IsSupported</c>), or null when <paramref name="method"/> is not one.
    /// Calling the property through reflection runs the runtime's own JIT-compiled getter, which is that answer.</summary>
    public static bool? HardwareSupport(MethodBase method) =>
        method is MethodInfo { Name: "get_IsSupported", IsStatic: true } getter
        && getter.ReturnType == typeof(bool) && getter.GetParameters().Length == 0
        && getter.DeclaringType?.Namespace?.StartsWith("System.Runtime.Intrinsics", StringComparison.Ordinal) == true
        && IsIntrinsic(getter)
            ? (bool)getter.Invoke(null, null)!
            : null;

    static bool HasAttribute(MemberInfo member)
    {
        foreach (var attribute in member.CustomAttributes)
            if (attribute.AttributeType.FullName == AttributeName) return true;
        return false;
    }
}
