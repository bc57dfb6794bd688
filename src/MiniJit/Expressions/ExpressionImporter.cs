using System.Diagnostics.CodeAnalysis;
using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.Ir;
using MiniJit.Optimization;

namespace MiniJit.Expressions;

/// <summary>
/// Turns a lambda expression tree into SSA IR directly, without CIL in between; the optimizer and back end are then
/// the same as for methods.
/// </summary>
/// <remarks>
/// The reference for every node's meaning is <c>Expression.Compile()</c>, which emits CIL for it; so each node is
/// imported as the CIL instructions <c>Compile()</c> would emit, through <see cref="CilOperations"/> — the same
/// definitions the CIL importer uses. That decides the corners: a short's arithmetic is done on int32 and converted
/// back (<c>conv.i2</c>, or <c>conv.ovf.i2</c> when checked); a variable of a small type keeps only its bits (it is
/// an IL local); block variables start at zero once per call, not each time their block is entered; compound
/// assignments and increments are imported as the nodes they reduce to.
/// Variables (parameters, block variables, label values, the results of conditionals) go through
/// <see cref="SsaBuilder"/>. Blocks entered only through structured control flow are sealed as soon as their
/// predecessors are known; a label's block may be the target of a goto not seen yet, so it is sealed at the end.
/// </remarks>
public sealed class ExpressionImporter
{
    readonly LambdaExpression lambda;
    readonly string name;
    readonly Function function;
    readonly SsaBuilder ssa;
    readonly CilOperations ops;
    readonly Dictionary<ParameterExpression, int> variables = [];
    readonly Dictionary<LabelTarget, LabelBlock> labels = [];
    readonly Dictionary<object, GCHandle> pins;
    // Where the node being imported is, from the lambda: pushed and popped around each child.
    readonly List<(string Name, int Index)> path = [];
    Expression? node;
    Block current;

    /// <summary>A label's block, and the variable that carries its value (-1 for a label without one).</summary>
    sealed class LabelBlock(Block block, int variable)
    {
        public readonly Block Block = block;
        public readonly int Variable = variable;
        public bool Placed;
    }

    ExpressionImporter(LambdaExpression lambda, string name, Dictionary<object, GCHandle> pins)
    {
        this.pins = pins;
        this.lambda = lambda;
        this.name = name;
        var parameterTypes = new IrType[lambda.Parameters.Count];
        for (int i = 0; i < parameterTypes.Length; i++)
        {
            path.Add(("Parameters", i));
            node = lambda.Parameters[i];
            if (lambda.Parameters[i].IsByRef) throw Error("by-ref parameters are not supported");
            parameterTypes[i] = IrTypeOf(lambda.Parameters[i].Type, "the parameter");
            path.RemoveAt(path.Count - 1);
        }
        node = lambda;
        var returnType = lambda.ReturnType == typeof(void) ? IrType.Void : IrTypeOf(lambda.ReturnType, "the return type");
        function = new Function(name, parameterTypes, returnType);
        ssa = new SsaBuilder(function);
        ops = new CilOperations(function, Error);
        current = ssa.NewBlock();
        ssa.Seal(current);
    }

    /// <summary>Imports <paramref name="lambda"/> as the IR function <paramref name="name"/>.</summary>
    /// <param name="pins">Receives the objects whose fields the code reads in place (captured variables), pinned; the
    /// caller frees them once the code can no longer run, or at once if compilation fails.</param>
    /// <exception cref="JitException">A node MiniJit cannot compile: the message names its type, its path and why.</exception>
    public static Function Import(LambdaExpression lambda, string name, Dictionary<object, GCHandle> pins) =>
        new ExpressionImporter(lambda, name, pins).Run();

    /// <summary>The name a lambda's code goes by: its own name if it has one.</summary>
    public static string NameOf(LambdaExpression lambda) => lambda.Name is { Length: > 0 } own ? own : "lambda";

    Function Run()
    {
        for (int i = 0; i < lambda.Parameters.Count; i++)
        {
            var param = function.Append(current, Op.Param, function.ParamTypes[i]);
            param.Imm = i;
            Define(lambda.Parameters[i], ops.Normalize(current, param.Result, lambda.Parameters[i].Type));
        }
        int result = Visit(lambda.Body, "Body");
        int[] returned = lambda.ReturnType == typeof(void) ? [] : [ops.Normalize(current, result, lambda.ReturnType)];
        function.Terminate(current, Op.Return, returned);
        foreach (var (target, label) in labels)
            if (!label.Placed)
                throw new JitException(name, "Body", ExpressionType.Goto, $"the label {target} is jumped to but is not in the tree");
        ssa.Finish();
        // Code after a goto or a return lands in blocks nothing jumps to; they go before anything else sees them.
        UnreachableBlockElimination.Run(function);
        return function;
    }

    // ---------------------------------------------------------------- plumbing

    JitException Error(string reason) => new(name, PathText(), node?.NodeType ?? ExpressionType.Lambda, reason);

    string PathText() => string.Concat(path.Select((step, i) =>
        (i > 0 ? "." : "") + step.Name + (step.Index >= 0 ? $"[{step.Index}]" : "")));

    IrType IrTypeOf(Type type, string what) => CilImporter.TryGetType(type, out var irType)
        ? irType
        : throw Error($"{what} has type {type.Name}, which is not supported (MiniJit compiles primitive numbers and bool)");

    /// <summary>Imports a child node; its value, or -1 when its type is void.</summary>
    int Visit(Expression child, string step, int index = -1)
    {
        path.Add((step, index));
        var parent = node;
        node = child;
        int value = Import(child);
        node = parent;
        path.RemoveAt(path.Count - 1);
        return value;
    }

    int Const(IrType type, long bits) => ops.Const(current, type, bits);

    void Jump(Block to)
    {
        function.Terminate(current, Op.Jump, [], to);
        current = DeadBlock();
    }

    /// <summary>Where code after a goto goes: a block with no way in, removed at the end.</summary>
    Block DeadBlock()
    {
        var block = ssa.NewBlock();
        ssa.Seal(block);
        return block;
    }

    /// <summary>Ends the current block with a branch on <paramref name="condition"/> to two new, sealed blocks.</summary>
    (Block IfTrue, Block IfFalse) Branch(int condition)
    {
        Block ifTrue = ssa.NewBlock(), ifFalse = ssa.NewBlock();
        function.Terminate(current, Op.Branch, [condition], ifTrue, ifFalse);
        ssa.Seal(ifTrue);
        ssa.Seal(ifFalse);
        return (ifTrue, ifFalse);
    }

    void Define(ParameterExpression variable, int value) => ssa.Write(variables[variable] = ssa.NewVariable(function.ValueTypes[value]), current, value);

    int VariableOf(ParameterExpression variable) => variables.TryGetValue(variable, out var v)
        ? v
        : throw Error($"the variable {variable.Name ?? "(unnamed)"} is not a parameter of the lambda nor of an enclosing block");

    static bool IsUnsigned(Type type) => Type.GetTypeCode(type) is TypeCode.Byte or TypeCode.UInt16 or TypeCode.Char or TypeCode.UInt32 or TypeCode.UInt64;

    static bool IsFloat(Type type) => Type.GetTypeCode(type) is TypeCode.Single or TypeCode.Double;

    // ---------------------------------------------------------------- nodes

    int Import(Expression e) => e.NodeType switch
    {
        ExpressionType.Constant => ImportConstant((ConstantExpression)e),
        ExpressionType.Parameter => ssa.Read(VariableOf((ParameterExpression)e), current),
        ExpressionType.Default => e.Type == typeof(void) ? -1 : Const(IrTypeOf(e.Type, "the default value"), 0),
        ExpressionType.Add or ExpressionType.AddChecked or ExpressionType.Subtract or ExpressionType.SubtractChecked
            or ExpressionType.Multiply or ExpressionType.MultiplyChecked or ExpressionType.Divide or ExpressionType.Modulo
            or ExpressionType.And or ExpressionType.Or or ExpressionType.ExclusiveOr or ExpressionType.LeftShift
            or ExpressionType.RightShift or ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan
            or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual
            or ExpressionType.Power => ImportBinary((BinaryExpression)e),
        ExpressionType.AndAlso or ExpressionType.OrElse => ImportShortCircuit((BinaryExpression)e),
        ExpressionType.Not or ExpressionType.Negate or ExpressionType.NegateChecked or ExpressionType.UnaryPlus
            or ExpressionType.OnesComplement or ExpressionType.Increment or ExpressionType.Decrement
            or ExpressionType.IsTrue or ExpressionType.IsFalse => ImportUnary((UnaryExpression)e),
        ExpressionType.Convert or ExpressionType.ConvertChecked or ExpressionType.Unbox => ImportConvert((UnaryExpression)e),
        ExpressionType.Conditional => ImportConditional((ConditionalExpression)e),
        ExpressionType.Call => ImportCall((MethodCallExpression)e),
        ExpressionType.Invoke => ImportInvoke((InvocationExpression)e),
        ExpressionType.Block => ImportBlock((BlockExpression)e),
        ExpressionType.Assign => ImportAssign((BinaryExpression)e),
        ExpressionType.Loop => ImportLoop((LoopExpression)e),
        ExpressionType.Label => ImportLabel((LabelExpression)e),
        ExpressionType.Goto => ImportGoto((GotoExpression)e),
        ExpressionType.Switch => ImportSwitch((SwitchExpression)e),
        ExpressionType.DebugInfo => -1,
        ExpressionType.MemberAccess => ImportField((MemberExpression)e),
        // Compound assignments, increments and decrements of variables are defined by what they reduce to, and
        // Compile() imports them that way too.
        _ when e.CanReduce => Visit(e.Reduce(), "Reduced"),
        _ => throw Error(e.NodeType switch
        {
            ExpressionType.Lambda or ExpressionType.Quote => "a lambda is supported only where it is invoked (Invoke of a lambda is inlined)",
            ExpressionType.ArrayIndex or ExpressionType.ArrayLength or ExpressionType.Index or ExpressionType.NewArrayInit
                or ExpressionType.NewArrayBounds => "arrays are not supported yet",
            ExpressionType.Try or ExpressionType.Throw => "exception handling is not supported",
            _ => $"{e.NodeType} nodes are not supported",
        }),
    };

    int ImportConstant(ConstantExpression constant)
    {
        var type = constant.Type;
        if (type.IsValueType && constant.Value is { } value && CilImporter.TryGetType(type, out var irType))
            return Const(irType, BitsOf(value));
        throw Error(constant.Value is null
            ? $"a null constant of type {type.Name} is not supported"
            : $"a constant of type {type.Name} is not supported (only primitive numbers and bool, or such a value boxed and unboxed by Convert)");
    }

    /// <summary>The bits of a primitive value (or enum) as a constant of its IR type holds them.</summary>
    static long BitsOf(object value) => value switch
    {
        bool b => b ? 1 : 0,
        char c => c,
        float f => BitConverter.SingleToInt32Bits(f),
        double d => BitConverter.DoubleToInt64Bits(d),
        nint n => n,
        nuint u => (long)u,
        ulong u => (long)u,
        _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A field of a constant object: how a C# lambda reads a captured variable (a field of the compiler's closure
    /// object, held by the tree as a constant). Compile() reads the field at each call, so a later change to the
    /// variable is seen; so here too: the code loads the field from the object itself, which is pinned for as long as
    /// the code lives (native code has no GC information, so it may only hold the address of an object that cannot
    /// move). Only an object without references can be pinned. A static readonly field is a constant once its class
    /// is initialized.
    /// </summary>
    int ImportField(MemberExpression member)
    {
        if (member.Member is not FieldInfo field)
            throw Error($"reading the property {member.Member.Name} is not supported (only fields of captured variables)");
        var type = field.FieldType;
        if (!CilImporter.TryGetType(type, out var irType) || type.IsEnum)
            throw Error($"the field {field.Name} has type {type.Name}, which is not supported (MiniJit reads fields of primitive types)");
        if (field.IsStatic)
        {
            if (!field.IsInitOnly) throw Error($"reading the mutable static field {field.Name} is not supported (static readonly fields are)");
            // Reading the field runs its class's static constructor first, as the CLR does before any static access.
            return Const(irType, BitsOf(field.GetValue(null)!));
        }
        if (member.Expression is not ConstantExpression { Value: { } target } || target.GetType().IsValueType)
            throw Error($"reading the field {field.Name} is supported only on a constant object (a captured variable), not on a value computed in the tree");
        if (!pins.TryGetValue(target, out var pin))
        {
            try
            {
                pin = GCHandle.Alloc(target, GCHandleType.Pinned);
            }
            catch (ArgumentException)
            {
                throw Error($"the object holding {field.Name} ({target.GetType().Name}) also holds references, so it cannot be pinned; " +
                    "MiniJit reads captured variables in place and can do so only from an object of plain values (capture fewer variables, or pass the value as a parameter)");
            }
            pins[target] = pin;
        }
        int address = Const(IrType.I64, FieldAddress(target, field));
        var load = function.Append(current, Op.Load, irType, address);
        load.Imm = Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean or TypeCode.SByte or TypeCode.Byte => 1,
            TypeCode.Char or TypeCode.Int16 or TypeCode.UInt16 => 2,
            TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Single => 4,
            _ => 8,
        };
        return ops.Normalize(current, load.Result, type);
    }

    /// <summary>The address of a field of a pinned object.</summary>
    static nint FieldAddress(object target, FieldInfo field)
    {
        var reference = TypedReference.MakeTypedReference(target, [field]);
        return Type.GetTypeCode(field.FieldType) switch
        {
            TypeCode.Boolean => AddressOf<bool>(reference),
            TypeCode.Char => AddressOf<char>(reference),
            TypeCode.SByte => AddressOf<sbyte>(reference),
            TypeCode.Byte => AddressOf<byte>(reference),
            TypeCode.Int16 => AddressOf<short>(reference),
            TypeCode.UInt16 => AddressOf<ushort>(reference),
            TypeCode.Int32 => AddressOf<int>(reference),
            TypeCode.UInt32 => AddressOf<uint>(reference),
            TypeCode.Int64 => AddressOf<long>(reference),
            TypeCode.UInt64 => AddressOf<ulong>(reference),
            TypeCode.Single => AddressOf<float>(reference),
            TypeCode.Double => AddressOf<double>(reference),
            _ when field.FieldType == typeof(nint) => AddressOf<nint>(reference),
            _ => AddressOf<nuint>(reference),
        };
    }

    static unsafe nint AddressOf<T>(TypedReference reference) => (nint)Unsafe.AsPointer(ref __refvalue(reference, T));

    int ImportBinary(BinaryExpression b)
    {
        if (b.Method is { } method) return ImportCallOf(method, [b.Left, b.Right], ["Left", "Right"]);
        int left = Visit(b.Left, "Left");
        int right = Visit(b.Right, "Right");
        var type = b.Left.Type;
        bool unsigned = IsUnsigned(type), isFloat = IsFloat(type);
        switch (b.NodeType)
        {
            case ExpressionType.Add: return ArithmeticResult(ops.Arithmetic(current, Op.Add, left, right), type, isChecked: false);
            case ExpressionType.Subtract: return ArithmeticResult(ops.Arithmetic(current, Op.Sub, left, right), type, isChecked: false);
            case ExpressionType.Multiply: return ArithmeticResult(ops.Arithmetic(current, Op.Mul, left, right), type, isChecked: false);
            case ExpressionType.Divide: return ArithmeticResult(ops.Arithmetic(current, unsigned ? Op.DivU : Op.Div, left, right), type, isChecked: false);
            // A remainder always fits its type: Compile() converts nothing.
            case ExpressionType.Modulo: return ops.Arithmetic(current, unsigned ? Op.RemU : Op.Rem, left, right);
            case ExpressionType.AddChecked:
                return isFloat ? ops.Arithmetic(current, Op.Add, left, right)
                    : ArithmeticResult(ops.CheckedBinary(current, unsigned ? Op.AddOvfUn : Op.AddOvf, left, right), type, isChecked: true);
            case ExpressionType.SubtractChecked:
                if (isFloat) return ops.Arithmetic(current, Op.Sub, left, right);
                // An unsigned difference that did not overflow fits its type.
                return unsigned ? ops.CheckedBinary(current, Op.SubOvfUn, left, right)
                    : ArithmeticResult(ops.CheckedBinary(current, Op.SubOvf, left, right), type, isChecked: true);
            case ExpressionType.MultiplyChecked:
                return isFloat ? ops.Arithmetic(current, Op.Mul, left, right)
                    : ArithmeticResult(ops.CheckedBinary(current, unsigned ? Op.MulOvfUn : Op.MulOvf, left, right), type, isChecked: true);
            // Bitwise operations on bool are the same on 0 and 1.
            case ExpressionType.And: return ops.Arithmetic(current, Op.And, left, right);
            case ExpressionType.Or: return ops.Arithmetic(current, Op.Or, left, right);
            case ExpressionType.ExclusiveOr: return ops.Arithmetic(current, Op.Xor, left, right);
            case ExpressionType.LeftShift: return ArithmeticResult(ops.Shift(current, Op.Shl, left, ShiftCount(type, right)), type, isChecked: false);
            case ExpressionType.RightShift: return ops.Shift(current, unsigned ? Op.ShrU : Op.Shr, left, ShiftCount(type, right));
            case ExpressionType.Equal: return ops.Compare(current, Op.Eq, left, right);
            // bool != bool is xor; on numbers ceq then ceq 0, which is fne for floats (true on NaN).
            case ExpressionType.NotEqual: return ops.Compare(current, Op.Ne, left, right);
            case ExpressionType.LessThan: return ops.Compare(current, unsigned ? Op.LtU : Op.Lt, left, right);
            case ExpressionType.GreaterThan: return ops.Compare(current, unsigned ? Op.GtU : Op.Gt, left, right);
            // Compile() emits !(a >.un b) for floats: false when either is NaN, which is the ordered a <= b.
            case ExpressionType.LessThanOrEqual: return ops.Compare(current, unsigned ? Op.LeU : Op.Le, left, right);
            case ExpressionType.GreaterThanOrEqual: return ops.Compare(current, unsigned ? Op.GeU : Op.Ge, left, right);
            default: throw Error($"{b.NodeType} on {type.Name} is not supported");
        }
    }

    /// <summary>C#'s (and Compile()'s) shift count: masked to the width of the shifted value.</summary>
    int ShiftCount(Type type, int count) =>
        ops.Arithmetic(current, Op.And, count, Const(IrType.I32, Type.GetTypeCode(type) is TypeCode.Int64 or TypeCode.UInt64 ? 63 : 31));

    /// <summary>Arithmetic on 8- and 16-bit types is done on int32; Compile() converts the result back to the type
    /// (checked when the operation was), as the CLR's conv.* does.</summary>
    int ArithmeticResult(int value, Type type, bool isChecked) => Type.GetTypeCode(type) switch
    {
        TypeCode.Byte => isChecked ? ops.CheckedConversion(current, value, Op.ConvOvfU1) : ops.Narrow(current, value, Op.ZeroExtend8),
        TypeCode.SByte => isChecked ? ops.CheckedConversion(current, value, Op.ConvOvfI1) : ops.Narrow(current, value, Op.SignExtend8),
        TypeCode.UInt16 => isChecked ? ops.CheckedConversion(current, value, Op.ConvOvfU2) : ops.Narrow(current, value, Op.ZeroExtend16),
        TypeCode.Int16 => isChecked ? ops.CheckedConversion(current, value, Op.ConvOvfI2) : ops.Narrow(current, value, Op.SignExtend16),
        _ => value,
    };

    /// <summary>a &amp;&amp; b and a || b: the right operand runs only when the left does not decide.</summary>
    int ImportShortCircuit(BinaryExpression b)
    {
        if (b.Method is not null) throw Error("a user-defined && or || operator is not supported");
        int result = ssa.NewVariable(IrType.I32);
        int left = Visit(b.Left, "Left");
        ssa.Write(result, current, left);
        var join = ssa.NewBlock();
        var (ifTrue, ifFalse) = Branch(left);
        bool isAnd = b.NodeType == ExpressionType.AndAlso;
        function.Terminate(isAnd ? ifFalse : ifTrue, Op.Jump, [], join);
        current = isAnd ? ifTrue : ifFalse;
        // Visit first: the right operand may end in another block than it starts in (a loop, a label), and the value
        // must be written where it ends (C# would read `current` before the call).
        int right = Visit(b.Right, "Right");
        ssa.Write(result, current, right);
        Jump(join);
        ssa.Seal(join);
        current = join;
        return ssa.Read(result, current);
    }

    int ImportUnary(UnaryExpression u)
    {
        if (u.Method is { } method) return ImportCallOf(method, [u.Operand], ["Operand"]);
        var type = u.Operand.Type;
        if (u.NodeType == ExpressionType.NegateChecked && !IsFloat(type))
        {
            // Compile() rewrites checked negation of an integer as 0 - x, with x stored (so normalized) first.
            int negated = Visit(u.Operand, "Operand");
            int operand = ops.Normalize(current, negated, type);
            int difference = ops.CheckedBinary(current, Op.SubOvf, Const(ops.TypeOf(operand), 0), operand);
            return ArithmeticResult(difference, type, isChecked: true);
        }
        int value = Visit(u.Operand, "Operand");
        switch (u.NodeType)
        {
            case ExpressionType.UnaryPlus: return value;
            // A negation fits its type (short.MinValue aside, which Compile() leaves as int32 32768, and so do we).
            case ExpressionType.Negate or ExpressionType.NegateChecked: return ops.Negate(current, value);
            case ExpressionType.Not when type == typeof(bool): return ops.Compare(current, Op.Eq, value, Const(IrType.I32, 0));
            case ExpressionType.IsFalse: return ops.Compare(current, Op.Eq, value, Const(IrType.I32, 0));
            case ExpressionType.IsTrue: return ops.Compare(current, Op.Eq, value, Const(IrType.I32, 1));
            case ExpressionType.Not or ExpressionType.OnesComplement:
                {
                    int complement = ops.Emit(current, Op.Not, ops.TypeOf(ops.IntegerOperand(value)), value);
                    // ~ of a signed small value stays in range; of an unsigned one it must be cut back.
                    return IsUnsigned(type) ? ArithmeticResult(complement, type, isChecked: false) : complement;
                }
            case ExpressionType.Increment or ExpressionType.Decrement:
                {
                    var irType = ops.TypeOf(value);
                    long one = irType switch
                    {
                        IrType.F64 => BitConverter.DoubleToInt64Bits(1.0),
                        IrType.F32 => BitConverter.SingleToInt32Bits(1.0f),
                        _ => 1,
                    };
                    var op = u.NodeType == ExpressionType.Increment ? Op.Add : Op.Sub;
                    return ArithmeticResult(ops.Arithmetic(current, op, value, Const(irType, one)), type, isChecked: false);
                }
            default: throw Error($"{u.NodeType} on {type.Name} is not supported");
        }
    }

    int ImportConvert(UnaryExpression u)
    {
        if (u.Method is { } method) return ImportCallOf(method, [u.Operand], ["Operand"]);
        var from = u.Operand.Type;
        var to = u.Type;
        if (!from.IsValueType && to.IsValueType) return Unbox(u.Operand, to);
        int value = Visit(u.Operand, "Operand");
        if (from == to) return value;
        IrTypeOf(to, "the converted value");
        IrTypeOf(from, "the operand");
        return NumericConversion(value, Type.GetTypeCode(from), Type.GetTypeCode(to), u.NodeType == ExpressionType.ConvertChecked);
    }

    /// <summary>Unboxing a constant object — how a tree holds a value boxed by the code that built it — is that value,
    /// known now. Anything else (an object computed at run time, or unboxing that would throw) is refused.</summary>
    int Unbox(Expression operand, Type to)
    {
        if (operand is ConstantExpression { Value: { } boxed } && CilImporter.TryGetType(to, out var irType)
            && Type.GetTypeCode(boxed.GetType()) == Type.GetTypeCode(to)
            && (boxed.GetType() == to || boxed.GetType().IsEnum || to.IsEnum))
            return Const(irType, BitsOf(boxed));
        throw Error(operand is ConstantExpression { Value: null }
            ? $"unboxing null to {to.Name} (Compile() throws NullReferenceException when it runs) is not supported"
            : $"unboxing to {to.Name} is supported only for a constant holding a boxed {to.Name}");
    }

    /// <summary>
    /// A conversion between primitive types, as Compile() emits it: the conv.* (or conv.ovf.*, with .un from an
    /// unsigned source) for the target, or nothing where the value on the IL stack is already right (int to uint,
    /// byte to short, long to ulong unchecked).
    /// </summary>
    int NumericConversion(int value, TypeCode from, TypeCode to, bool isChecked)
    {
        if (from == to) return value;
        bool unsignedSource = from is TypeCode.Byte or TypeCode.UInt16 or TypeCode.Char or TypeCode.UInt32 or TypeCode.UInt64;
        bool floatSource = from is TypeCode.Single or TypeCode.Double;
        int Checked(Op signedSource, Op unsignedSourceOp) => ops.CheckedConversion(current, value, unsignedSource ? unsignedSourceOp : signedSource);
        switch (to)
        {
            case TypeCode.Single: return ops.ToFloat(current, value, IrType.F32, unsignedSource);
            case TypeCode.Double: return ops.ToFloat(current, value, IrType.F64, unsignedSource);
            case TypeCode.SByte: return isChecked ? Checked(Op.ConvOvfI1, Op.ConvOvfI1Un) : ops.Narrow(current, value, Op.SignExtend8);
            case TypeCode.Byte: return isChecked ? Checked(Op.ConvOvfU1, Op.ConvOvfU1Un) : ops.Narrow(current, value, Op.ZeroExtend8);
            case TypeCode.Int16:
                if (from is TypeCode.SByte or TypeCode.Byte) return value;
                return isChecked ? Checked(Op.ConvOvfI2, Op.ConvOvfI2Un) : ops.Narrow(current, value, Op.SignExtend16);
            case TypeCode.UInt16 or TypeCode.Char:
                if (from is TypeCode.Byte or TypeCode.Char or TypeCode.UInt16) return value;
                return isChecked ? Checked(Op.ConvOvfU2, Op.ConvOvfU2Un) : ops.Narrow(current, value, Op.ZeroExtend16);
            case TypeCode.Int32:
                if (from is TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16) return value;
                if (from == TypeCode.UInt32 && !isChecked) return value;
                return isChecked ? Checked(Op.ConvOvfI4, Op.ConvOvfI4Un) : ops.Narrow(current, value, null);
            case TypeCode.UInt32:
                if (from is TypeCode.Byte or TypeCode.Char or TypeCode.UInt16) return value;
                if (from is TypeCode.SByte or TypeCode.Int16 or TypeCode.Int32 && !isChecked) return value;
                return isChecked ? Checked(Op.ConvOvfU4, Op.ConvOvfU4Un) : ops.Narrow(current, value, null, unsigned: true);
            case TypeCode.Int64:
                if (from == TypeCode.UInt64 && !isChecked) return value;
                if (isChecked) return unsignedSource ? ops.CheckedConversion(current, value, Op.ConvOvfI8Un) : ops.CheckedToInt64(current, value, signed: true);
                return ops.Extend(current, value, unsignedSource ? Op.ZeroExtend32 : Op.SignExtend32);
            case TypeCode.UInt64:
                if (from == TypeCode.Int64 && !isChecked) return value;
                if (isChecked) return unsignedSource || floatSource ? ops.CheckedToInt64(current, value, signed: false) : ops.CheckedConversion(current, value, Op.ConvOvfU8);
                return ops.Extend(current, value, unsignedSource || floatSource ? Op.ZeroExtend32 : Op.SignExtend32);
            default: throw Error($"a conversion from {from} to {to} is not supported");
        }
    }

    int ImportConditional(ConditionalExpression c)
    {
        int condition = Visit(c.Test, "Test");
        bool hasValue = c.Type != typeof(void);
        int result = hasValue ? ssa.NewVariable(IrTypeOf(c.Type, "the conditional's value")) : -1;
        var join = ssa.NewBlock();
        var (ifTrue, ifFalse) = Branch(condition);
        current = ifTrue;
        int whenTrue = Visit(c.IfTrue, "IfTrue");
        if (hasValue) ssa.Write(result, current, whenTrue);
        Jump(join);
        current = ifFalse;
        int whenFalse = Visit(c.IfFalse, "IfFalse");
        if (hasValue) ssa.Write(result, current, whenFalse);
        Jump(join);
        ssa.Seal(join);
        current = join;
        return hasValue ? ssa.Read(result, current) : -1;
    }

    int ImportCall(MethodCallExpression call)
    {
        if (call.Object is not null) throw Error($"calling the instance method {call.Method.Name} is not supported (only static methods)");
        return ImportCallOf(call.Method, call.Arguments, null);
    }

    /// <summary>A call of a static method: a math intrinsic (an IR operation or a C library call), a method that
    /// only throws, or a method compiled from its IL with the tree.</summary>
    /// <param name="steps">The path step of each argument; null: Arguments[i].</param>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "A method that is not an intrinsic is looked at (and later " +
        "compiled) from its IL only where dynamic code is supported, which is checked first; a method the tree calls is kept, with " +
        "its IL, by the tree's reference to it.")]
    int ImportCallOf(MethodInfo method, IReadOnlyList<Expression> arguments, string[]? steps)
    {
        if (!method.IsStatic) throw Error($"calling the instance method {method.Name} is not supported (only static methods)");
        int Argument(int i) => steps is null ? Visit(arguments[i], "Arguments", i) : Visit(arguments[i], steps[i]);
        var methodName = JitException.MethodName(method);
        if (RuntimeIntrinsics.HardwareSupport(method) is bool supported) return Const(IrType.I32, supported ? 1 : 0);
        if (MathIntrinsics.Find(method) is { } intrinsic)
        {
            var operands = new int[arguments.Count];
            for (int i = 0; i < operands.Length; i++) operands[i] = ops.Widen(current, Argument(i), intrinsic.Operands[i]);
            return ops.Intrinsic(current, intrinsic, operands);
        }
        if (MathIntrinsics.RoundWithMode(method) is IrType rounded)
        {
            if (arguments[1] is not ConstantExpression { Value: MidpointRounding mode })
                throw Error($"{methodName} with a rounding mode computed at run time is not supported (only a constant MidpointRounding)");
            return ops.RoundWithMode(current, ops.Widen(current, Argument(0), rounded), rounded, (long)mode);
        }
        if (MathIntrinsics.FindClassification(method) is { } classification)
            return ops.Classify(current, classification.Test, classification.Type, ops.Widen(current, Argument(0), classification.Type));
        if (RuntimeIntrinsics.IsRefused(method))
            throw Error($"{methodName} is a runtime intrinsic, whose IL is only a fallback; MiniJit does not implement it");
        if (!RuntimeFeature.IsDynamicCodeSupported)
            throw Error($"calling {methodName} needs its IL, which NativeAOT does not keep (only the math intrinsics can be called here)");

        var parameters = method.GetParameters();
        var args = new int[parameters.Length];
        for (int i = 0; i < args.Length; i++)
            args[i] = ops.Widen(current, Argument(i), IrTypeOf(parameters[i].ParameterType, $"parameter {parameters[i].Name} of {methodName}"));
        if (ThrowHelpers.NeverReturns(method))
        {
            if (args.Length > JitFrame.MaxArguments)
                throw Error($"{methodName} never returns and takes {args.Length} arguments; such a method gets them through the frame, which holds {JitFrame.MaxArguments}");
            var exit = function.Terminate(current, Op.ThrowViaHelper, args);
            exit.Imm = ThrowHelpers.IndexOf(method);
            exit.Callee = new CallTarget(CilImporter.NameOf(method), method);
            current = DeadBlock();
            return method.ReturnType == typeof(void) ? -1 : Const(IrTypeOf(method.ReturnType, "the return type"), 0);
        }
        var returnType = method.ReturnType == typeof(void) ? IrType.Void : IrTypeOf(method.ReturnType, $"the return type of {methodName}");
        var instr = function.Append(current, Op.Call, returnType, args);
        instr.Callee = new CallTarget(CilImporter.NameOf(method), method);
        return instr.Result;
    }

    /// <summary>Invoking a lambda written in the tree inlines it: its parameters become variables holding the
    /// arguments (stored, so normalized, as Compile() does when it inlines).</summary>
    int ImportInvoke(InvocationExpression invoke)
    {
        if (invoke.Expression is not LambdaExpression inner)
            throw Error("only a lambda written in the tree can be invoked (a delegate value cannot be called from native code)");
        var values = new int[invoke.Arguments.Count];
        for (int i = 0; i < values.Length; i++) values[i] = Visit(invoke.Arguments[i], "Arguments", i);
        var saved = inner.Parameters.Select(p => variables.TryGetValue(p, out var v) ? v : -1).ToArray();
        for (int i = 0; i < values.Length; i++)
            Define(inner.Parameters[i], ops.Normalize(current, values[i], inner.Parameters[i].Type));
        path.Add(("Expression", -1));
        int result = Visit(inner.Body, "Body");
        path.RemoveAt(path.Count - 1);
        Restore(inner.Parameters, saved);
        return inner.ReturnType == typeof(void) ? -1 : result;
    }

    void Restore(IReadOnlyList<ParameterExpression> scope, int[] saved)
    {
        for (int i = 0; i < scope.Count; i++)
            if (saved[i] >= 0) variables[scope[i]] = saved[i];
            else variables.Remove(scope[i]);
    }

    /// <summary>A block's variables are IL locals in Compile()'s code: zero when the call starts (a read before any
    /// write finds the entry's zero), and not cleared when the block is entered again in a loop.</summary>
    int ImportBlock(BlockExpression block)
    {
        var saved = block.Variables.Select(v => variables.TryGetValue(v, out var old) ? old : -1).ToArray();
        foreach (var variable in block.Variables)
        {
            if (variable.IsByRef) throw Error($"the by-ref variable {variable.Name} is not supported");
            variables[variable] = ssa.NewVariable(IrTypeOf(variable.Type, $"variable {variable.Name}"));
        }
        int value = -1;
        for (int i = 0; i < block.Expressions.Count; i++) value = Visit(block.Expressions[i], "Expressions", i);
        Restore(block.Variables, saved);
        return block.Type == typeof(void) ? -1 : value;
    }

    /// <summary>x = value: the variable keeps the value's bits for its type; the assignment's own value is the
    /// right-hand side as computed (Compile() duplicates it before the store).</summary>
    int ImportAssign(BinaryExpression assign)
    {
        if (assign.Left is not ParameterExpression variable)
            throw Error($"assigning to a {assign.Left.NodeType} is not supported (only to a variable or parameter)");
        int target = VariableOf(variable);
        int value = Visit(assign.Right, "Right");
        ssa.Write(target, current, ops.Normalize(current, value, variable.Type));
        return value;
    }

    LabelBlock LabelOf(LabelTarget target)
    {
        if (!labels.TryGetValue(target, out var label))
        {
            int variable = target.Type == typeof(void) ? -1 : ssa.NewVariable(IrTypeOf(target.Type, $"the value of label {target}"));
            labels[target] = label = new LabelBlock(ssa.NewBlock(), variable);
        }
        return label;
    }

    /// <summary>Control reaches a label by falling into it (with its default value) or by a goto (with the goto's).</summary>
    void EnterLabel(LabelBlock label, int value, Type type)
    {
        if (label.Placed) throw Error("the label is placed twice in the tree");
        label.Placed = true;
        if (label.Variable >= 0) ssa.Write(label.Variable, current, ops.Normalize(current, value, type));
        Jump(label.Block);
        current = label.Block;
    }

    int ImportLabel(LabelExpression expression)
    {
        var label = LabelOf(expression.Target);
        int value = expression.DefaultValue is null ? -1 : Visit(expression.DefaultValue, "DefaultValue");
        if (label.Variable >= 0 && value < 0) value = Const(ssa.TypeOf(label.Variable), 0);
        EnterLabel(label, value, expression.Target.Type);
        return label.Variable >= 0 ? ssa.Read(label.Variable, current) : -1;
    }

    int ImportGoto(GotoExpression jump)
    {
        var label = LabelOf(jump.Target);
        int value = jump.Value is null ? -1 : Visit(jump.Value, "Value");
        if (label.Variable >= 0)
            ssa.Write(label.Variable, current, ops.Normalize(current, value >= 0 ? value : Const(ssa.TypeOf(label.Variable), 0), jump.Target.Type));
        Jump(label.Block);
        // A goto used as a value never produces one; the code that would use it is unreachable.
        return jump.Type == typeof(void) ? -1 : Const(IrTypeOf(jump.Type, "the goto's type"), 0);
    }

    /// <summary>loop { body }: the continue label is the top, the break label the exit; the loop's value is the
    /// break label's.</summary>
    int ImportLoop(LoopExpression loop)
    {
        var top = loop.ContinueLabel is { } continueLabel ? LabelOf(continueLabel) : new LabelBlock(ssa.NewBlock(), -1);
        EnterLabel(top, -1, typeof(void));
        Visit(loop.Body, "Body");
        Jump(top.Block);
        if (loop.BreakLabel is not { } breakLabel) return -1;
        var exit = LabelOf(breakLabel);
        if (exit.Placed) throw Error("the loop's break label is placed twice in the tree");
        exit.Placed = true;
        current = exit.Block;
        return exit.Variable >= 0 ? ssa.Read(exit.Variable, current) : -1;
    }

    /// <summary>switch: the value is stored (so normalized), then compared with each case's test values in order.</summary>
    int ImportSwitch(SwitchExpression s)
    {
        if (s.Comparison is not null) throw Error("a switch with a comparison method is not supported");
        var type = s.SwitchValue.Type;
        int switchValue = Visit(s.SwitchValue, "SwitchValue");
        int value = ops.Normalize(current, switchValue, type);
        bool hasValue = s.Type != typeof(void);
        int result = hasValue ? ssa.NewVariable(IrTypeOf(s.Type, "the switch's value")) : -1;
        var join = ssa.NewBlock();
        var bodies = new Block[s.Cases.Count];
        for (int i = 0; i < bodies.Length; i++)
        {
            bodies[i] = ssa.NewBlock();
            for (int j = 0; j < s.Cases[i].TestValues.Count; j++)
            {
                path.Add(("Cases", i));
                int test = Visit(s.Cases[i].TestValues[j], "TestValues", j);
                path.RemoveAt(path.Count - 1);
                var next = ssa.NewBlock();
                function.Terminate(current, Op.Branch, [ops.Compare(current, Op.Eq, value, test)], bodies[i], next);
                ssa.Seal(next);
                current = next;
            }
        }
        foreach (var body in bodies) ssa.Seal(body);
        void Arm(Expression? body, string step, int index)
        {
            int armValue = body is null ? -1 : Visit(body, step, index);
            if (hasValue) ssa.Write(result, current, armValue >= 0 ? armValue : Const(ssa.TypeOf(result), 0));
            Jump(join);
        }
        Arm(s.DefaultBody, "DefaultBody", -1);
        for (int i = 0; i < bodies.Length; i++)
        {
            current = bodies[i];
            path.Add(("Cases", i));
            Arm(s.Cases[i].Body, "Body", -1);
            path.RemoveAt(path.Count - 1);
        }
        ssa.Seal(join);
        current = join;
        return hasValue ? ssa.Read(result, current) : -1;
    }
}
