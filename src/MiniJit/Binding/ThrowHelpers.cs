using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using MiniJit.Cil;

namespace MiniJit.Binding;

/// <summary>
/// Methods that never return normally (<c>[DoesNotReturn]</c>, or a body whose only exits are <c>throw</c>), such as the BCL's throw helpers: Math.Abs(int.MinValue)
/// ends in one that builds an OverflowException with a resource string. Compiled code cannot run them (they build
/// objects and strings), so it leaves the native frames and the thunk runs the helper in managed code, which throws
/// exactly the CLR's exception and message. Each helper gets a process-wide index, kept for the life of the process.
/// </summary>
public static unsafe class ThrowHelpers
{
    static readonly Lock Gate = new();
    static readonly List<MethodInfo> Helpers = [];
    static readonly Dictionary<MethodInfo, int> IndexByHelper = [];

    const string DoesNotReturn = "System.Diagnostics.CodeAnalysis.DoesNotReturnAttribute";

    // Weak keys: a method of a collectible assembly must not be kept alive (and its assembly loaded) by this cache.
    static readonly ConditionalWeakTable<MethodBase, object> OnlyThrowsByMethod = new();

    /// <summary>True when <paramref name="method"/> never returns normally: it is marked so, or its IL has no
    /// <c>ret</c> and ends in <c>throw</c> (a throw helper written without the attribute).</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    public static bool NeverReturns(MethodBase method)
    {
        foreach (var attribute in method.CustomAttributes)
            if (attribute.AttributeType.FullName == DoesNotReturn) return true;
        return (bool)OnlyThrowsByMethod.GetValue(method, m => OnlyThrows(m));
    }

    /// <summary>Every way out of the body is a <c>throw</c>: there is no <c>ret</c> (nor <c>jmp</c>) at all. IL that
    /// does not decode is left to the normal compilation, which reports it.</summary>
    [RequiresUnreferencedCode(CilMethod.ReadsIL)]
    static bool OnlyThrows(MethodBase method)
    {
        if (method.GetMethodBody()?.GetILAsByteArray() is not { Length: > 0 } il) return false;
        try
        {
            var code = CilReader.Decode(il, method);
            return code.Any(i => i.Op == CilOp.Throw) && !code.Any(i => i.Op is CilOp.Ret or CilOp.Jmp);
        }
        catch (JitException)
        {
            return false;
        }
    }

    public static int IndexOf(MethodInfo helper)
    {
        lock (Gate)
        {
            if (!IndexByHelper.TryGetValue(helper, out int index))
            {
                index = Helpers.Count;
                Helpers.Add(helper);
                IndexByHelper[helper] = index;
            }
            return index;
        }
    }

    /// <summary>Calls the helper the frame names, with the arguments the compiled code left in the frame, and
    /// rethrows what it throws as it is (not wrapped in a TargetInvocationException).</summary>
    [DoesNotReturn]
    public static void Run(JitFrame* frame)
    {
        MethodInfo helper;
        lock (Gate) helper = Helpers[(int)frame->Result];
        var parameters = helper.GetParameters();
        var arguments = new object[parameters.Length];
        for (int i = 0; i < arguments.Length; i++) arguments[i] = Argument(frame->Arguments[i], parameters[i].ParameterType);
        try
        {
            helper.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
        throw new InvalidOperationException($"{JitException.MethodName(helper)} was taken for a method that never returns, but returned");
    }

    /// <summary>An argument slot's bits as the parameter's type (enums by their underlying type).</summary>
    static object Argument(long bits, Type type)
    {
        var underlying = type.IsEnum ? Enum.GetUnderlyingType(type) : type;
        object value = Type.GetTypeCode(underlying) switch
        {
            TypeCode.Boolean => (int)bits != 0,
            TypeCode.Char => (char)bits,
            TypeCode.SByte => (sbyte)bits,
            TypeCode.Byte => (byte)bits,
            TypeCode.Int16 => (short)bits,
            TypeCode.UInt16 => (ushort)bits,
            TypeCode.Int32 => (int)bits,
            TypeCode.UInt32 => (uint)bits,
            TypeCode.Int64 => bits,
            TypeCode.UInt64 => (ulong)bits,
            TypeCode.Single => BitConverter.Int32BitsToSingle((int)bits),
            TypeCode.Double => BitConverter.Int64BitsToDouble(bits),
            _ when underlying == typeof(nint) => (nint)bits,
            _ => (nuint)(ulong)bits,
        };
        return type.IsEnum ? Enum.ToObject(type, value) : value;
    }
}
