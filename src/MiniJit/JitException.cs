using System.Linq.Expressions;
using System.Reflection;

namespace MiniJit;

/// <summary>Thrown when MiniJit cannot compile a method: it names the method, the IL offset, the opcode and
/// the reason — or, for an expression tree, the lambda, the node type and the node's path in the tree — so that nothing
/// is ever silently wrong.</summary>
public sealed class JitException : Exception
{
    /// <summary>A method that cannot be compiled; the message reads "Type.Method at IL_offset (opcode): reason".</summary>
    public JitException(MethodBase? method, int? ilOffset, string? opCode, string reason)
        : base(Describe(method, ilOffset, opCode, reason))
    {
        Method = method;
        ILOffset = ilOffset;
        OpCode = opCode;
        Reason = reason;
    }

    /// <summary>A failure that belongs to no method (a signature that cannot be bound, for example).</summary>
    public JitException(string reason) : this(null, null, null, reason) { }

    /// <summary>A node of an expression tree that cannot be compiled.</summary>
    /// <param name="lambda">The lambda's name, as the message shows it.</param>
    /// <param name="path">Where the node is, from the lambda: for example <c>Body.Right.Arguments[0]</c>.</param>
    public JitException(string lambda, string path, ExpressionType nodeType, string reason)
        : base($"expression tree {lambda}: {nodeType} at {path}: {reason}")
    {
        ExpressionPath = path;
        NodeType = nodeType;
        Reason = reason;
    }

    /// <summary>The method being compiled, when known.</summary>
    public MethodBase? Method { get; }
    /// <summary>Offset of the offending IL instruction, when the failure belongs to one.</summary>
    public int? ILOffset { get; }
    /// <summary>Name of the offending opcode (for example <c>ldfld</c>), when the failure belongs to one.</summary>
    public string? OpCode { get; }
    /// <summary>Why, without the method and the place.</summary>
    public string Reason { get; }
    /// <summary>For an expression tree: the path from the lambda to the offending node (<c>Body.Left.Operand</c>).</summary>
    public string? ExpressionPath { get; }
    /// <summary>For an expression tree: the type of the offending node.</summary>
    public ExpressionType? NodeType { get; }

    /// <summary>How messages name a method: <c>Namespace.Type.Method</c>.</summary>
    public static string MethodName(MethodBase method) => $"{method.DeclaringType?.FullName}.{method.Name}";

    static string Describe(MethodBase? method, int? ilOffset, string? opCode, string reason)
    {
        var where = method is null ? "" : MethodName(method);
        if (ilOffset is int offset) where += $" at IL_{offset:x4}";
        if (opCode is not null) where += $" ({opCode})";
        return where.Length == 0 ? reason : $"{where.TrimStart()}: {reason}";
    }
}
