using System.Globalization;
using System.Linq.Expressions;
using System.Text;

namespace MiniJit.Expressions;

/// <summary>
/// Prints an expression tree one node per line, children indented under their parent, each line naming the node
/// type, what it holds (a constant's value, a parameter's name, a called method) and its type. It is the first stage
/// of <c>minijit explain</c> for a tree: what the importer reads.
/// </summary>
public static class ExpressionPrinter
{
    public static string Print(LambdaExpression lambda)
    {
        var text = new StringBuilder();
        Print(lambda, 0, text);
        return text.ToString().TrimEnd('\n');
    }

    static void Print(Expression node, int depth, StringBuilder text)
    {
        text.Append(' ', depth * 2).Append(node.NodeType);
        var detail = node switch
        {
            LambdaExpression l => $"({string.Join(", ", l.Parameters.Select(p => $"{TypeName(p.Type)} {p.Name}"))})",
            ConstantExpression c => c.Value switch
            {
                null => "null",
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                float f => f.ToString("R", CultureInfo.InvariantCulture),
                IFormattable v => v.ToString(null, CultureInfo.InvariantCulture),
                var v => v.ToString(),
            },
            ParameterExpression p => p.Name ?? "(unnamed)",
            MethodCallExpression m => $"{m.Method.DeclaringType?.Name}.{m.Method.Name}",
            BlockExpression b when b.Variables.Count > 0 => $"[{string.Join(", ", b.Variables.Select(v => $"{TypeName(v.Type)} {v.Name}"))}]",
            GotoExpression g => $"{g.Kind} {g.Target}",
            LabelExpression l => l.Target.ToString(),
            _ => null,
        };
        if (detail is not null) text.Append(' ').Append(detail);
        text.Append(" : ").Append(TypeName(node is LambdaExpression lambda ? lambda.ReturnType : node.Type)).Append('\n');
        foreach (var child in Children(node)) Print(child, depth + 1, text);
    }

    static IEnumerable<Expression> Children(Expression node) => node switch
    {
        LambdaExpression l => [l.Body],
        BinaryExpression b => [b.Left, b.Right],
        UnaryExpression u => [u.Operand],
        ConditionalExpression c => [c.Test, c.IfTrue, c.IfFalse],
        MethodCallExpression m => m.Object is null ? m.Arguments : [m.Object, .. m.Arguments],
        InvocationExpression i => [i.Expression, .. i.Arguments],
        BlockExpression b => b.Expressions,
        LoopExpression l => [l.Body],
        GotoExpression { Value: { } value } => [value],
        LabelExpression { DefaultValue: { } value } => [value],
        SwitchExpression s => [s.SwitchValue, .. s.Cases.SelectMany(c => c.TestValues.Append(c.Body)), .. s.DefaultBody is null ? [] : new[] { s.DefaultBody }],
        MemberExpression { Expression: { } target } => [target],
        _ => [],
    };

    static string TypeName(Type type) => type == typeof(void) ? "void" : type.Name;
}
