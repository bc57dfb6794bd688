using System.Globalization;
using System.Text;

namespace MiniJit.Ir;

/// <summary>
/// Prints IR in its stable text form — the form <see cref="IrParser"/> reads back, and the one tests compare:
/// <code>
/// function Program.Foo(i64, i64) -> i64 {      ("-> i64 frame 16 {" when it has 16 bytes of frame memory)
/// b0:
///   v0:i64 = param 0
///   v2:i64 = mul v0, v0
///   v4:i32 = lt v0, v1
///   branch v4, b1, b2
/// b1:
///   v5:i64 = phi b0 v0, b2 v3
///   v6:i64 = call Program.Fib(v5)
///   switch v4, b1, b2, default b3
///   return v6
/// }
/// </code>
/// </summary>
public static class IrPrinter
{
    public static string Print(Function function)
    {
        var text = new StringBuilder();
        text.Append("function ").Append(function.Name).Append('(')
            .AppendJoin(", ", function.ParamTypes.Select(t => t.Name()))
            .Append(") -> ").Append(function.ReturnType.Name());
        if (function.SecondReturnType != IrType.Void) text.Append(", ").Append(function.SecondReturnType.Name());
        // The frame area's size, or the sizes of its slots when it has several: "frame 8+16".
        if (function.FrameBytes > 0)
            text.Append(" frame ").AppendJoin('+', function.FrameSlots.Count > 1 ? function.FrameSlots.Select(s => s.Size) : [function.FrameBytes]);
        text.Append(" {\n");
        foreach (var block in function.Blocks)
        {
            text.Append(block.Name).Append(":\n");
            foreach (var instr in block.Instrs)
                text.Append("  ").Append(Print(instr, block)).Append('\n');
        }
        return text.Append("}\n").ToString();
    }

    public static string Print(Instr instr) => Print(instr, null);

    /// <summary>One instruction; with its block, phi operands show the predecessor each comes from.</summary>
    public static string Print(Instr instr, Block? block)
    {
        var text = new StringBuilder();
        if (instr.HasResult) text.Append('v').Append(instr.Result).Append(':').Append(instr.Type.Name()).Append(" = ");
        text.Append(instr.Op.Name());
        switch (instr.Op)
        {
            case Op.Const:
                text.Append(' ').Append(instr.Type.IsInteger()
                    ? instr.Imm.ToString(CultureInfo.InvariantCulture)
                    : instr.FloatValue.ToString("R", CultureInfo.InvariantCulture));
                break;
            case Op.Phi:
                for (int i = 0; i < instr.Args.Length; i++)
                {
                    text.Append(i == 0 ? " " : ", ");
                    text.Append(block is not null && i < block.Preds.Count ? block.Preds[i].Name : "?").Append(" v").Append(instr.Args[i]);
                }
                break;
            case Op.Call or Op.CallNative or Op.ThrowViaHelper:
                text.Append(' ').Append(instr.Callee?.Name).Append('(').AppendJoin(", ", instr.Args.Select(a => "v" + a)).Append(')');
                break;
            case Op.Switch:
                text.Append(" v").Append(instr.Args[0]);
                foreach (var target in instr.Targets[..^1]) text.Append(", ").Append(target.Name);
                text.Append(", default ").Append(instr.Targets[^1].Name);
                break;
            default:
                var operands = instr.Args.Select(a => "v" + a).Concat(instr.Targets.Select(t => t.Name));
                if (instr.Op.Is(OpFlags.Immediate)) operands = operands.Prepend(instr.Imm.ToString(CultureInfo.InvariantCulture));
                var joined = string.Join(", ", operands);
                if (joined.Length > 0) text.Append(' ').Append(joined);
                break;
        }
        return text.ToString();
    }
}
