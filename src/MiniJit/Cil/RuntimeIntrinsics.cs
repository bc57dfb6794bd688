using System.Reflection;

namespace MiniJit.Cil;

/// <summary>
/// Methods the runtime's own JIT replaces with special code: those marked with its internal
/// <c>System.Runtime.CompilerServices.IntrinsicAttribute</c>, or declared in a type so marked (the hardware intrinsic
/// classes such as <c>Popcnt</c>). Their IL is a fallback, or not even that — <c>Popcnt.IsSupported</c> calls itself —
/// so compiling it would be wrong. MiniJit folds the hardware <c>IsSupported</c> checks and refuses the rest.
/// </summary>
public static class RuntimeIntrinsics
{
    const string AttributeName = "System.Runtime.CompilerServices.IntrinsicAttribute";

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
