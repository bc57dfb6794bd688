using System.Text;

namespace MiniJit.Ir;

/// <summary>
/// Draws a function's control-flow graph in Graphviz DOT: one box per block listing its instructions, one arrow
/// per successor. Render it with <c>dot -Tsvg fib.dot -o fib.svg</c>.
/// <code>
/// digraph "Program.Fib" {
///   node [shape=box, fontname="monospace"];
///   b0 [label="b0:\l  v0:i64 = param 0\l  ...\l  branch v2, b1, b2\l"];
///   b0 -> b1 [label="T"];
///   b0 -> b2 [label="F"];
/// }
/// </code>
/// </summary>
public static class IrGraphviz
{
    public static string ToDot(Function function)
    {
        var dot = new StringBuilder();
        dot.Append("digraph ").Append(Quote(function.Name)).Append(" {\n");
        dot.Append("  node [shape=box, fontname=\"monospace\"];\n");
        var lines = BlockLines(function);
        foreach (var block in function.Blocks)
        {
            // "\l" ends a left-justified line; a plain "\n" would centre each instruction under the previous one.
            var label = string.Concat(lines[block].Select(line => Escape(line) + "\\l"));
            dot.Append("  ").Append(block.Name).Append(" [label=\"").Append(label).Append("\"];\n");
        }
        foreach (var block in function.Blocks)
            foreach (var (target, label) in Edges(block))
            {
                dot.Append("  ").Append(block.Name).Append(" -> ").Append(target.Name);
                if (label is not null) dot.Append(" [label=").Append(Quote(label)).Append(']');
                dot.Append(";\n");
            }
        return dot.Append("}\n").ToString();
    }

    /// <summary>The successors of <paramref name="block"/> in terminator order, each with what selects it:
    /// T or F for a branch, the case number or "default" for a switch, nothing for a jump.</summary>
    public static IEnumerable<(Block Target, string? Label)> Edges(Block block)
    {
        var targets = block.Succs;
        return block.Terminator?.Op switch
        {
            Op.Branch => targets.Select((target, i) => (target, (string?)(i == 0 ? "T" : "F"))),
            Op.Switch => targets.Select((target, i) => (target, (string?)(i == targets.Length - 1 ? "default" : i.ToString()))),
            _ => targets.Select(target => (target, (string?)null)),
        };
    }

    /// <summary>Each block's printed lines (its name, then one line per instruction). They are cut out of
    /// <see cref="IrPrinter.Print(Function)"/> because only the whole-function printer knows which predecessor
    /// each phi operand comes from; that printer writes a header line, then per block its name and one line per
    /// instruction, in <see cref="Function.Blocks"/> order.</summary>
    static Dictionary<Block, string[]> BlockLines(Function function)
    {
        var printed = IrPrinter.Print(function).Split('\n');
        var lines = new Dictionary<Block, string[]>();
        int next = 1;
        foreach (var block in function.Blocks)
        {
            lines[block] = printed[next..(next + 1 + block.Instrs.Count)];
            next += 1 + block.Instrs.Count;
        }
        return lines;
    }

    static string Quote(string text) => "\"" + Escape(text) + "\"";

    /// <summary>Backslashes and quotes would end or corrupt the DOT string; braces, angle brackets and bars are
    /// escaped too because they are field syntax in record-shaped nodes, so the label stays literal whatever
    /// shape a reader switches to.</summary>
    static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '"' or '{' or '}' or '<' or '>' or '|') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }
}
