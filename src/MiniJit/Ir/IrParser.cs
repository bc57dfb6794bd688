using System.Globalization;

namespace MiniJit.Ir;

/// <summary>
/// Reads the text form that <see cref="IrPrinter"/> writes, so tests can state IR as text ("filetests"): parse,
/// run a pass, print, compare. Value and block numbers are kept exactly as written, so printing a parsed function
/// gives back the same text. A <c>;</c> starts a comment that runs to the end of the line.
/// </summary>
/// <remarks>
/// Two phases: the first finds every block label (a jump may name a block defined further down), the second reads
/// the instructions. Predecessor lists are not written in the text; they are rebuilt from the terminators in block
/// order, and each phi's <c>bN vM</c> pairs are then put in that order.
/// </remarks>
public static class IrParser
{
    public static Function Parse(string text)
    {
        var lines = ReadLines(text);
        if (lines.Count == 0) throw new FormatException("empty IR text: expected 'function Name(types) -> type {'");
        var function = ParseHeader(lines[0]);
        if (lines[^1].Text != "}") throw Error(lines[^1].Number, "expected '}' closing the function");

        var body = lines[1..^1];
        var blocks = DeclareBlocks(function, body);
        var reader = new Reader(function, blocks);
        foreach (var line in body) reader.Read(line);
        reader.Finish();
        return function;
    }

    readonly record struct Line(int Number, string Text);

    static List<Line> ReadLines(string text)
    {
        var lines = new List<Line>();
        var raw = text.Split('\n');
        for (int i = 0; i < raw.Length; i++)
        {
            var line = raw[i];
            int comment = line.IndexOf(';');
            if (comment >= 0) line = line[..comment];
            line = line.Trim();
            if (line.Length > 0) lines.Add(new Line(i + 1, line));
        }
        return lines;
    }

    static FormatException Error(int line, string message) => new($"IR line {line}: {message}");

    static Function ParseHeader(Line line)
    {
        const string prefix = "function ";
        int arrow = line.Text.LastIndexOf(") -> ", StringComparison.Ordinal);
        int open = arrow < 0 ? -1 : line.Text.LastIndexOf('(', arrow);
        if (!line.Text.StartsWith(prefix, StringComparison.Ordinal) || open < prefix.Length || !line.Text.EndsWith(" {", StringComparison.Ordinal))
            throw Error(line.Number, "expected 'function Name(types) -> type {'");
        var name = line.Text[prefix.Length..open];
        var paramText = line.Text[(open + 1)..arrow];
        var returnText = line.Text[(arrow + ") -> ".Length)..^2];
        var frameSlots = new List<int>();
        if (returnText.IndexOf(" frame ", StringComparison.Ordinal) is var frame and >= 0)
        {
            foreach (var size in returnText[(frame + " frame ".Length)..].Split('+'))
            {
                if (!int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out int bytes) || bytes % 8 != 0 || bytes == 0)
                    throw Error(line.Number, "expected 'frame N' or 'frame N+M+…', the sizes of its slots, each a multiple of 8");
                frameSlots.Add(bytes);
            }
            returnText = returnText[..frame];
        }
        try
        {
            var paramTypes = paramText.Length == 0 ? [] : paramText.Split(", ").Select(IrTypes.Parse).ToArray();
            var returnTypes = returnText.Split(", ").Select(IrTypes.Parse).ToArray();
            if (returnTypes.Length > 2) throw new FormatException("a function returns at most two values");
            var function = new Function(name, paramTypes, returnTypes[0])
            {
                SecondReturnType = returnTypes.Length == 2 ? returnTypes[1] : IrType.Void,
            };
            foreach (int bytes in frameSlots) function.AllocateFrameBytes(bytes);
            return function;
        }
        catch (FormatException e)
        {
            throw Error(line.Number, e.Message);
        }
    }

    static bool IsLabel(string text) => text.EndsWith(':') && text.StartsWith('b');

    /// <summary>Creates the blocks in the order their labels appear, keeping the numbers written in the text.</summary>
    static Dictionary<string, Block> DeclareBlocks(Function function, List<Line> body)
    {
        var blocks = new Dictionary<string, Block>();
        foreach (var line in body)
        {
            if (!IsLabel(line.Text)) continue;
            var name = line.Text[..^1];
            if (!int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw Error(line.Number, $"bad block label '{line.Text}'");
            if (blocks.ContainsKey(name)) throw Error(line.Number, $"block {name} is defined twice");
            blocks[name] = function.NewBlock(id);
        }
        return blocks;
    }

    /// <summary>Reads instructions one line at a time into the current block.</summary>
    sealed class Reader(Function function, Dictionary<string, Block> blocks)
    {
        Block? current;
        readonly List<(Block Block, Instr Phi, Block[] From, int Line)> phis = [];

        public void Read(Line line)
        {
            if (IsLabel(line.Text))
            {
                current = blocks[line.Text[..^1]];
                return;
            }
            if (current is null) throw Error(line.Number, "instruction before the first block label");
            current.Instrs.Add(ParseInstr(current, line));
        }

        /// <summary>Rebuilds the predecessor lists from the terminators, then orders each phi's operands to match.</summary>
        public void Finish()
        {
            foreach (var block in function.Blocks)
                foreach (var target in (block.Terminator?.Targets ?? []).Distinct())
                    target.Preds.Add(block);
            foreach (var (block, phi, from, line) in phis)
            {
                if (from.Length != block.Preds.Count || from.Distinct().Count() != from.Length)
                    throw Error(line, $"phi in {block.Name} must name each predecessor once: {string.Join(", ", block.Preds)}");
                var args = new int[from.Length];
                for (int i = 0; i < from.Length; i++)
                {
                    int index = block.Preds.IndexOf(from[i]);
                    if (index < 0) throw Error(line, $"{from[i].Name} is not a predecessor of {block.Name}");
                    args[index] = phi.Args[i];
                }
                phi.Args = args;
            }
        }

        Instr ParseInstr(Block block, Line line)
        {
            var text = line.Text;
            int result = -1;
            var type = IrType.Void;
            int equals = text.IndexOf(" = ", StringComparison.Ordinal);
            if (equals >= 0)
            {
                var def = text[..equals].Split(':');
                if (def.Length != 2) throw Error(line.Number, $"expected 'vN:type' before '=', found '{text[..equals]}'");
                result = ParseValue(def[0], line);
                type = ParseType(def[1], line);
                text = text[(equals + 3)..];
            }

            int space = text.IndexOf(' ');
            var opName = space < 0 ? text : text[..space];
            var rest = space < 0 ? "" : text[(space + 1)..];
            if (!OpTable.TryParse(opName, out var op)) throw Error(line.Number, $"unknown operation '{opName}'");
            var instr = new Instr(op, type, result, []);
            if (result >= 0) DefineValue(result, type);

            switch (op)
            {
                case Op.Const: instr.Imm = ParseConstant(rest, type, line); break;
                case Op.Phi: ParsePhi(block, instr, rest, line); break;
                case Op.Call or Op.ThrowViaHelper: ParseCall(instr, rest, line); break;
                case Op.CallNative:
                    ParseCall(instr, rest, line);
                    instr.Imm = Binding.CMathLibrary.AddressOf(instr.Callee!.Name);
                    break;
                case var _ when op.Is(OpFlags.Immediate):
                    {
                        int comma = rest.IndexOf(',');
                        instr.Imm = ParseInteger(comma < 0 ? rest : rest[..comma], line);
                        ParseOperands(instr, comma < 0 ? "" : rest[(comma + 1)..].Trim(), line);
                        break;
                    }
                case Op.Switch: ParseSwitch(instr, rest, line); break;
                default: ParseOperands(instr, rest, line); break;
            }
            return instr;
        }

        void DefineValue(int value, IrType type)
        {
            EnsureValue(value);
            function.ValueTypes[value] = type;
        }

        /// <summary>Value numbers are kept from the text, so numbers never defined stay as Void holes.</summary>
        void EnsureValue(int value)
        {
            while (function.ValueTypes.Count <= value) function.ValueTypes.Add(IrType.Void);
        }

        int Use(string token, Line line)
        {
            int value = ParseValue(token, line);
            EnsureValue(value);
            return value;
        }

        Block Target(string token, Line line) =>
            blocks.TryGetValue(token.Trim(), out var block) ? block : throw Error(line.Number, $"unknown block '{token.Trim()}'");

        static string[] List(string text) => text.Length == 0 ? [] : text.Split(',').Select(t => t.Trim()).ToArray();

        void ParseOperands(Instr instr, string rest, Line line)
        {
            var args = new List<int>();
            var targets = new List<Block>();
            foreach (var token in List(rest))
            {
                if (token.StartsWith('v')) args.Add(Use(token, line));
                else if (token.StartsWith('b')) targets.Add(Target(token, line));
                else throw Error(line.Number, $"expected a value 'vN' or a block 'bN', found '{token}'");
            }
            instr.Args = [.. args];
            instr.Targets = [.. targets];
        }

        void ParsePhi(Block block, Instr instr, string rest, Line line)
        {
            var from = new List<Block>();
            var args = new List<int>();
            foreach (var pair in List(rest))
            {
                var parts = pair.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 2) throw Error(line.Number, $"expected 'bN vM' in phi, found '{pair}'");
                from.Add(Target(parts[0], line));
                args.Add(Use(parts[1], line));
            }
            instr.Args = [.. args];
            phis.Add((block, instr, [.. from], line.Number));
        }

        void ParseCall(Instr instr, string rest, Line line)
        {
            int open = rest.IndexOf('(');
            if (open <= 0 || !rest.EndsWith(')')) throw Error(line.Number, "expected 'call Name(v1, v2, ...)'");
            instr.Callee = new CallTarget(rest[..open], null);
            instr.Args = List(rest[(open + 1)..^1]).Select(t => Use(t, line)).ToArray();
        }

        void ParseSwitch(Instr instr, string rest, Line line)
        {
            var tokens = List(rest);
            if (tokens.Length < 2 || !tokens[^1].StartsWith("default ", StringComparison.Ordinal))
                throw Error(line.Number, "expected 'switch vN, b1, ..., default bD'");
            instr.Args = [Use(tokens[0], line)];
            instr.Targets = [.. tokens[1..^1].Select(t => Target(t, line)), Target(tokens[^1]["default ".Length..], line)];
        }

        static int ParseValue(string token, Line line)
        {
            token = token.Trim();
            if (token.Length < 2 || token[0] != 'v' ||
                !int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
                throw Error(line.Number, $"expected a value 'vN', found '{token}'");
            return value;
        }

        static IrType ParseType(string text, Line line)
        {
            try { return IrTypes.Parse(text); }
            catch (FormatException e) { throw Error(line.Number, e.Message); }
        }

        static long ParseInteger(string text, Line line) =>
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
                ? value
                : throw Error(line.Number, $"expected an integer, found '{text}'");

        /// <summary>Integers are stored normalized for their type; floats as their IEEE bits, like the builder does.</summary>
        static long ParseConstant(string text, IrType type, Line line)
        {
            if (type.IsInteger()) return type.Normalize(ParseInteger(text, line));
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                throw Error(line.Number, $"expected a floating-point number, found '{text}'");
            return type == IrType.F32 ? BitConverter.SingleToInt32Bits((float)value) : BitConverter.DoubleToInt64Bits(value);
        }
    }
}
