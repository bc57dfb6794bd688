using System.Globalization;

namespace MiniJit.Cli.Fuzzing;

/// <summary>The choices <see cref="ExpressionGenerator"/> makes at each node. Each covers a family of node types
/// (<see cref="Arithmetic"/> is Add, Subtract, Multiply, Divide and Modulo), so that a weight turns a whole family on
/// or off.</summary>
public enum TreeShape
{
    // Leaves.
    Constant,
    /// <summary>A constant of type object holding a boxed primitive, unboxed by Convert or Unbox.</summary>
    BoxedConstant,
    /// <summary>A parameter or variable in scope.</summary>
    Parameter,
    /// <summary>A field of a constant object: what a C# lambda's captured variable looks like in its tree.</summary>
    CapturedField,
    Default,

    // Operators.
    Arithmetic,
    /// <summary>AddChecked, SubtractChecked, MultiplyChecked.</summary>
    CheckedArithmetic,
    /// <summary>And, Or, ExclusiveOr on integers and bools.</summary>
    Bitwise,
    Shift,
    Comparison,
    Power,
    /// <summary>AndAlso, OrElse.</summary>
    Logical,
    Not,
    /// <summary>Negate, NegateChecked, UnaryPlus.</summary>
    Negate,
    OnesComplement,
    /// <summary>Increment, Decrement (the pure operators: no variable changes).</summary>
    Increment,
    Conditional,
    Convert,
    ConvertChecked,
    /// <summary>Convert through a narrow type (byte, sbyte, short, ushort, uint, ulong, char) and back.</summary>
    Narrowing,
    /// <summary>A call of a static System.Math or System.MathF method.</summary>
    MathCall,
    /// <summary>Invoke of a nested lambda.</summary>
    Invoke,

    // Control flow and variables.
    /// <summary>A block with variables, statements and a last value.</summary>
    Block,
    /// <summary>A loop that counts to a small bound and breaks, with its own break and continue labels.</summary>
    Loop,
    Switch,
    Assign,
    /// <summary>AddAssign, SubtractAssign, … and their checked forms.</summary>
    CompoundAssign,
    /// <summary>PreIncrementAssign, PostIncrementAssign, PreDecrementAssign, PostDecrementAssign.</summary>
    IncrementAssign,
    /// <summary>A Return or Break used as an operand (a goto with a type): control leaves a half-evaluated
    /// expression.</summary>
    JumpFromOperand,

    // Statements only.
    /// <summary>IfThen, IfThenElse.</summary>
    If,
    /// <summary>A Return to the lambda's return label, under an IfThen.</summary>
    Return,
    /// <summary>A Break or Continue to an enclosing loop, under an IfThen.</summary>
    BreakContinue,
    /// <summary>A Goto forward to a Label later in an enclosing block.</summary>
    Goto,
}

/// <summary>How often <see cref="ExpressionGenerator"/> picks each <see cref="TreeShape"/> where it fits; 0 turns it
/// off. As text (for <c>minijit fuzz --trees … --weights</c>): <c>Loop=0,Invoke=5</c>, each changing the default.</summary>
public sealed class ExpressionWeights
{
    static readonly Dictionary<TreeShape, int> Defaults = new()
    {
        [TreeShape.Constant] = 14,
        [TreeShape.BoxedConstant] = 2,
        [TreeShape.Parameter] = 22,
        [TreeShape.CapturedField] = 2,
        [TreeShape.Default] = 1,
        [TreeShape.Arithmetic] = 10,
        [TreeShape.CheckedArithmetic] = 3,
        [TreeShape.Bitwise] = 4,
        [TreeShape.Shift] = 3,
        [TreeShape.Comparison] = 10,
        [TreeShape.Power] = 2,
        [TreeShape.Logical] = 4,
        [TreeShape.Not] = 2,
        [TreeShape.Negate] = 2,
        [TreeShape.OnesComplement] = 1,
        [TreeShape.Increment] = 1,
        [TreeShape.Conditional] = 4,
        [TreeShape.Convert] = 6,
        [TreeShape.ConvertChecked] = 2,
        [TreeShape.Narrowing] = 3,
        [TreeShape.MathCall] = 5,
        [TreeShape.Invoke] = 2,
        [TreeShape.Block] = 3,
        [TreeShape.Loop] = 2,
        [TreeShape.Switch] = 2,
        [TreeShape.Assign] = 4,
        [TreeShape.CompoundAssign] = 4,
        [TreeShape.IncrementAssign] = 2,
        [TreeShape.JumpFromOperand] = 1,
        [TreeShape.If] = 6,
        [TreeShape.Return] = 3,
        [TreeShape.BreakContinue] = 4,
        [TreeShape.Goto] = 3,
    };

    public static ExpressionWeights Default { get; } = new(Defaults);

    readonly Dictionary<TreeShape, int> weights;

    ExpressionWeights(Dictionary<TreeShape, int> weights) => this.weights = weights;

    public int this[TreeShape shape] => weights[shape];

    public ExpressionWeights With(TreeShape shape, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        return new(new Dictionary<TreeShape, int>(weights) { [shape] = weight });
    }

    /// <summary>The defaults changed by <paramref name="text"/>, such as <c>Loop=0,Invoke=5</c>.</summary>
    /// <exception cref="FormatException">An unknown shape or a weight that is not a number of at least 0.</exception>
    public static ExpressionWeights Parse(string text)
    {
        var result = Default;
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !Enum.TryParse<TreeShape>(parts[0], ignoreCase: true, out var shape) || !Enum.IsDefined(shape)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
                throw new FormatException($"'{item}' is not SHAPE=WEIGHT with a shape among {string.Join(", ", Enum.GetNames<TreeShape>())}");
            result = result.With(shape, weight);
        }
        return result;
    }

    /// <summary>The changes from the defaults, in the form <see cref="Parse"/> reads ("" for the defaults).</summary>
    public override string ToString() => string.Join(",", Enum.GetValues<TreeShape>()
        .Where(s => weights[s] != Defaults[s])
        .Select(s => $"{s}={weights[s].ToString(CultureInfo.InvariantCulture)}"));
}
