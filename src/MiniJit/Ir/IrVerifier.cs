using MiniJit.Optimization;

namespace MiniJit.Ir;

/// <summary>
/// Checks the rules every pass may rely on and must preserve: block shape, phis in step with predecessors,
/// predecessor lists matching the terminators, single definitions that dominate their uses, and operand types
/// that fit each operation. Run after every pass in tests, a broken invariant is caught by the pass that broke it.
/// </summary>
public static class IrVerifier
{
    /// <summary>Throws when <see cref="Verify"/> finds anything, listing every problem.</summary>
    public static void Check(Function function)
    {
        var problems = Verify(function);
        if (problems.Count > 0)
            throw new InvalidOperationException($"invalid IR in {function.Name}:\n  " + string.Join("\n  ", problems) +
                                                "\n" + IrPrinter.Print(function));
    }

    public static List<string> Verify(Function function)
    {
        var problems = new List<string>();
        var inFunction = function.Blocks.ToHashSet();
        foreach (var block in function.Blocks) CheckShape(block, inFunction, problems);
        // The later checks walk terminators and look up definitions; on a malformed CFG they would only pile up noise.
        if (problems.Count > 0) return problems;
        CheckPreds(function, problems);
        var defs = CheckDefinitions(function, problems);
        if (problems.Count > 0) return problems;
        CheckDominance(function, defs, problems);
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                CheckTypes(function, defs, block, instr, problems);
        return problems;
    }

    static string At(Block block, Instr instr) => $"{block.Name}: '{IrPrinter.Print(instr)}'";

    static void CheckShape(Block block, HashSet<Block> inFunction, List<string> problems)
    {
        if (block.Instrs.Count == 0)
        {
            problems.Add($"{block.Name}: empty block");
            return;
        }
        if (!block.Instrs[^1].IsTerminator) problems.Add($"{block.Name}: does not end with a terminator");
        bool pastPhis = false;
        for (int i = 0; i < block.Instrs.Count; i++)
        {
            var instr = block.Instrs[i];
            if (instr.IsTerminator && i < block.Instrs.Count - 1) problems.Add($"{At(block, instr)}: terminator before the end of the block");
            if (instr.Op != Op.Phi) pastPhis = true;
            else if (pastPhis) problems.Add($"{At(block, instr)}: phi after a non-phi instruction");
            if (instr.Op == Op.Phi && instr.Args.Length != block.Preds.Count)
                problems.Add($"{At(block, instr)}: phi has {instr.Args.Length} operands but the block has {block.Preds.Count} predecessors");
            if (!instr.IsTerminator && instr.Targets.Length > 0) problems.Add($"{At(block, instr)}: only terminators have targets");
            foreach (var target in instr.Targets)
                if (!inFunction.Contains(target)) problems.Add($"{At(block, instr)}: target {target.Name} is not in the function");
        }
    }

    /// <summary>Each block's predecessors must be exactly the blocks whose terminator targets it, each listed once.</summary>
    static void CheckPreds(Function function, List<string> problems)
    {
        var expected = function.Blocks.ToDictionary(b => b, _ => new HashSet<Block>());
        foreach (var block in function.Blocks)
            foreach (var target in block.Succs)
                expected[target].Add(block);
        foreach (var block in function.Blocks)
        {
            var actual = block.Preds.ToHashSet();
            if (actual.Count != block.Preds.Count) problems.Add($"{block.Name}: a predecessor is listed twice");
            if (!actual.SetEquals(expected[block]))
                problems.Add($"{block.Name}: predecessors [{string.Join(", ", block.Preds)}] but jumped to from [{string.Join(", ", expected[block])}]");
        }
    }

    /// <summary>Maps each value to its defining block and position; reports values defined twice or never.</summary>
    static (Block Block, int Index)?[] CheckDefinitions(Function function, List<string> problems)
    {
        var defs = new (Block, int)?[function.ValueCount];
        foreach (var block in function.Blocks)
            for (int i = 0; i < block.Instrs.Count; i++)
            {
                var instr = block.Instrs[i];
                if (!instr.HasResult) continue;
                if (instr.Result >= function.ValueCount) problems.Add($"{At(block, instr)}: v{instr.Result} has no entry in the value table");
                else if (defs[instr.Result] is not null) problems.Add($"{At(block, instr)}: v{instr.Result} is defined more than once");
                else defs[instr.Result] = (block, i);
            }
        foreach (var block in function.Blocks)
            foreach (var instr in block.Instrs)
                foreach (int arg in instr.Args)
                    if (arg < 0 || arg >= defs.Length || defs[arg] is null) problems.Add($"{At(block, instr)}: v{arg} is never defined");
        return defs;
    }

    /// <summary>
    /// A use must be dominated by its definition: earlier in the same block, or in a dominating block. A phi reads its
    /// i-th operand at the end of predecessor i, so that is where the definition must dominate. Code that cannot run
    /// (unreachable blocks) is not checked, as dominance means nothing there.
    /// </summary>
    static void CheckDominance(Function function, (Block Block, int Index)?[] defs, List<string> problems)
    {
        var tree = new DominatorTree(function);
        foreach (var block in function.Blocks)
        {
            if (!tree.IsReachable(block)) continue;
            for (int i = 0; i < block.Instrs.Count; i++)
            {
                var instr = block.Instrs[i];
                for (int a = 0; a < instr.Args.Length; a++)
                {
                    var (defBlock, defIndex) = defs[instr.Args[a]]!.Value;
                    bool dominated = instr.Op == Op.Phi
                        ? !tree.IsReachable(block.Preds[a]) || tree.IsReachable(defBlock) && tree.Dominates(defBlock, block.Preds[a])
                        : defBlock == block ? defIndex < i : tree.IsReachable(defBlock) && tree.Dominates(defBlock, block);
                    if (!dominated) problems.Add($"{At(block, instr)}: v{instr.Args[a]} is used where its definition does not dominate");
                }
            }
        }
    }

    static void CheckTypes(Function function, (Block Block, int Index)?[] defs, Block block, Instr instr, List<string> problems)
    {
        void Problem(string message) => problems.Add($"{At(block, instr)}: {message}");
        IrType Arg(int i) => function.ValueTypes[instr.Args[i]];

        var info = instr.Info;
        if (info.Arity >= 0 && instr.Args.Length != info.Arity)
        {
            Problem($"expects {info.Arity} operands, has {instr.Args.Length}");
            return;
        }
        if (instr.HasResult && function.ValueTypes[instr.Result] != instr.Type)
            Problem($"result type {instr.Type.Name()} differs from the value table's {function.ValueTypes[instr.Result].Name()}");
        bool needsResult = !instr.IsTerminator && !instr.Op.Is(OpFlags.SideEffect);
        if (needsResult && (!instr.HasResult || instr.Type == IrType.Void)) Problem("must define a value");
        if (instr.IsTerminator && instr.HasResult) Problem("a terminator defines no value");

        var t = instr.Type;
        switch (info.Types)
        {
            case OpTypes.Same:
                ExpectAll(t, "the result");
                break;
            case OpTypes.Integer:
                if (!t.IsInteger()) Problem("needs an integer type");
                ExpectAll(t, "the result");
                break;
            case OpTypes.Shift:
                if (!t.IsInteger()) Problem("needs an integer type");
                if (Arg(0) != t) Problem($"shifted value must be {t.Name()}");
                if (!Arg(1).IsInteger()) Problem("shift count must be an integer");
                break;
            case OpTypes.Float:
                if (!t.IsFloat()) Problem("needs a float type");
                ExpectAll(t, "the result");
                break;
            case OpTypes.IntegerCompare or OpTypes.FloatCompare:
                bool floats = info.Types == OpTypes.FloatCompare;
                if (t != IrType.I32) Problem("a comparison produces an i32");
                if (Arg(0) != Arg(1)) Problem($"compares {Arg(0).Name()} with {Arg(1).Name()}");
                if (Arg(0).IsFloat() != floats) Problem(floats ? "compares floats" : "compares integers (floats have their own comparisons)");
                break;
            case OpTypes.I32ToI32: Convert(IrType.I32, IrType.I32); break;
            case OpTypes.I32ToI64: Convert(IrType.I32, IrType.I64); break;
            case OpTypes.I64ToI32: Convert(IrType.I64, IrType.I32); break;
            case OpTypes.IntegerToFloat:
                if (!Arg(0).IsInteger() || !t.IsFloat()) Problem("converts an integer to a float");
                break;
            case OpTypes.FloatToFloat:
                if (!Arg(0).IsFloat() || !t.IsFloat() || Arg(0) == t) Problem("converts between f32 and f64");
                break;
            case OpTypes.DoubleToInteger:
                Convert(IrType.F64, t);
                if (!t.IsInteger()) Problem("converts to an integer");
                break;
            case OpTypes.DoubleToIntegerChecked:
                Convert(IrType.F64, instr.Imm == 64 ? IrType.I64 : IrType.I32);
                if (instr.Imm is not (8 or 16 or 32 or 64)) Problem("the target width must be 8, 16, 32 or 64");
                break;
            case OpTypes.FloatToI32:
                if (!Arg(0).IsFloat() || t != IrType.I32) Problem("gives an i32 from a float");
                break;
            case OpTypes.Bitcast:
                if (Arg(0).Bits() != t.Bits() || Arg(0).IsFloat() == t.IsFloat()) Problem("reinterprets a float as the integer of its width, or back");
                break;
            case OpTypes.Load:
                if (Arg(0) != IrType.I64) Problem("the address must be an i64");
                if (instr.Imm is not (1 or 2 or 4 or 8) || instr.Imm > t.Bits() / 8 || t.IsFloat() && instr.Imm != t.Bits() / 8)
                    Problem($"cannot load {instr.Imm} bytes into {t.Name()}");
                break;
            case OpTypes.Address:
                if (t != IrType.I64) Problem("an address is an i64");
                ExpectAll(IrType.I64, "an address's operand");
                if (instr.Op == Op.ElementAddress && instr.Imm is not (1 or 2 or 4 or 8)) Problem("the element size must be 1, 2, 4 or 8");
                if (instr.Op == Op.FrameAddress && (instr.Imm < 0 || instr.Imm >= Math.Max(1, function.FrameBytes)))
                    Problem($"byte {instr.Imm} is outside the frame area of {function.FrameBytes} bytes");
                break;
            case OpTypes.CheckedConversion:
                var conversion = CheckedArithmetic.ConversionOf(instr.Op)!.Value;
                if (!Arg(0).IsInteger()) Problem("operand must be an integer");
                if (t != conversion.ResultType) Problem($"result must be {conversion.ResultType.Name()}");
                break;
        }

        // What a rule cannot say: where parameters and targets come from, what a function returns.
        switch (instr.Op)
        {
            case Op.Param:
                if (instr.Imm < 0 || instr.Imm >= function.ParamTypes.Length) Problem($"no parameter {instr.Imm}");
                else if (function.ParamTypes[instr.Imm] != t) Problem($"parameter {instr.Imm} has type {function.ParamTypes[instr.Imm].Name()}");
                break;
            case Op.CallNative:
                if (instr.Imm == 0) Problem("has no address");
                break;
            case Op.Jump:
                if (instr.Targets.Length != 1) Problem("jump has one target");
                break;
            case Op.Branch:
                if (instr.Targets.Length != 2) Problem("branch has two targets");
                if (Arg(0) != IrType.I32) Problem("branch condition must be an i32");
                break;
            case Op.Switch:
                if (instr.Targets.Length < 1) Problem("switch needs a default target");
                if (Arg(0) != IrType.I32) Problem("switch selector must be an i32");
                break;
            case Op.Store:
                if (Arg(0) != IrType.I64) Problem("the address must be an i64");
                if (instr.Imm is not (1 or 2 or 4 or 8) || instr.Imm > Arg(1).Bits() / 8 || Arg(1).IsFloat() && instr.Imm != Arg(1).Bits() / 8)
                    Problem($"cannot store {instr.Imm} bytes of {Arg(1).Name()}");
                if (instr.HasResult) Problem("a store defines no value");
                break;
            case Op.CheckBounds:
                if (!Arg(0).IsInteger() || Arg(1) != IrType.I32) Problem("checks an integer index against an i32 length");
                if (instr.HasResult) Problem("a bounds check defines no value");
                break;
            case Op.Zero:
                if (Arg(0) != IrType.I64) Problem("the address must be an i64");
                if (instr.Imm <= 0) Problem("zeroes at least one byte");
                if (instr.HasResult) Problem("zero defines no value");
                break;
            case Op.CheckArgumentRange:
                if (Arg(0) != IrType.I64 || Arg(1) != IrType.I64) Problem("checks an i64 against an i64 limit");
                if (instr.HasResult) Problem("a range check defines no value");
                break;
            case Op.ArrayLength:
                if (instr.Args.Length == 1 && !ComesFromCheckNull(instr.Args[0])) Problem("the array must come from checknull");
                break;
            case Op.ThrowViaHelper:
                if (instr.Targets.Length != 0) Problem("throw.helper has no targets");
                break;
            case Op.Return:
                IrType[] returned = function.ReturnType == IrType.Void ? [] : function.SecondReturnType == IrType.Void
                    ? [function.ReturnType] : [function.ReturnType, function.SecondReturnType];
                if (!instr.Args.Select(a => function.ValueTypes[a]).SequenceEqual(returned))
                    Problem($"function returns {(returned.Length == 0 ? "void" : string.Join(", ", returned.Select(r => r.Name())))}");
                break;
            case Op.SecondResult:
                // Read from rdx or xmm1 right after the call, before anything can overwrite them.
                int at = block.Instrs.IndexOf(instr);
                if (at < 1 || block.Instrs[at - 1] is not { Op: Op.Call, HasResult: true } call || instr.Args[0] != call.Result)
                    Problem("result2 must follow the call whose result is its operand");
                if (t == IrType.Void) Problem("result2 defines a value");
                break;
        }

        // Through copies (value numbering leaves a copy of the dominating check until copy propagation runs).
        bool ComesFromCheckNull(int value)
        {
            for (int steps = 0; steps < defs.Length && defs[value] is { } at; steps++)
            {
                var definition = at.Block.Instrs[at.Index];
                if (definition.Op != Op.Copy) return definition.Op == Op.CheckNull;
                value = definition.Args[0];
            }
            return false;
        }

        void ExpectAll(IrType type, string what)
        {
            for (int i = 0; i < instr.Args.Length; i++)
                if (Arg(i) != type) Problem($"operand v{instr.Args[i]} is {Arg(i).Name()}, {what} is {type.Name()}");
        }

        void Convert(IrType from, IrType to)
        {
            if (Arg(0) != from) Problem($"operand must be {from.Name()}");
            if (t != to) Problem($"result must be {to.Name()}");
        }
    }
}
