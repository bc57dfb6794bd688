using System.Reflection;

namespace MiniJit;

/// <summary>Thrown when MiniJit cannot compile a method: it names the method, the IL offset, the opcode and
/// the reason, so that nothing is ever silently wrong.</summary>
public sealed class JitException : Exception
{
    public JitException(MethodBase? method, int? ilOffset, string? opCode, string reason)
        : base(Describe(method, ilOffset, opCode, reason))
    {
        Method = method;
        ILOffset = ilOffset;
        OpCode = opCode;
        Reason = reason;
    }

    public JitException(string reason) : this(null, null, null, reason) { }

    /// <summary>The method being compiled, when known.</summary>
    public MethodBase? Method { get; }
    /// <summary>Offset of the offending IL instruction, when the failure belongs to one.</summary>
    public int? ILOffset { get; }
    /// <summary>Name of the offending opcode (for example <c>ldfld</c>), when the failure belongs to one.</summary>
    public string? OpCode { get; }
    public string Reason { get; }

    public static string MethodName(MethodBase method) => $"{method.DeclaringType?.FullName}.{method.Name}";

    static string Describe(MethodBase? method, int? ilOffset, string? opCode, string reason)
    {
        var where = method is null ? "" : MethodName(method);
        if (ilOffset is int offset) where += $" at IL_{offset:x4}";
        if (opCode is not null) where += $" ({opCode})";
        return where.Length == 0 ? reason : $"{where.TrimStart()}: {reason}";
    }
}
