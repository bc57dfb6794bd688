namespace MiniJit.Ir;

/// <summary>Every IR operation. Its properties live in one table, <see cref="OpTable"/>, never in scattered switches.</summary>
public enum Op : byte
{
    // Values that come from outside the computation.
    Const, Param,
    // SSA plumbing.
    Copy, Phi,
    // Arithmetic: integer or floating point by the instruction's type.
    Add, Sub, Mul, Div, DivU, Rem, RemU, Neg,
    // The high half of the full signed product (64×64 → upper 64 bits): what division by a constant multiplies by.
    MulHigh,
    // Bitwise, integer only.
    And, Or, Xor, Not, Shl, Shr, ShrU,
    // Integer width changes. Narrowing within I32 keeps the low bits and extends them back to 32.
    SignExtend8, SignExtend16, ZeroExtend8, ZeroExtend16,
    SignExtend32, ZeroExtend32, Truncate,
    // Comparisons produce an I32 0 or 1. The U forms compare unsigned integers (or unordered floats).
    Eq, Ne, Lt, Le, Gt, Ge, LtU, LeU, GtU, GeU,
    // Floating point (f32 or f64 by the instruction's type). Separate from the integer ops, so no integer identity
    // (x * 0 = 0, x - x = 0, reassociation) can ever reach them: IEEE signed zeros and NaN break all of those.
    FAdd, FSub, FMul, FDiv, FNeg, FAbs, FSqrt,
    // Math.Min, Math.Max (NaN if either is NaN; -0.0 is less than +0.0) and Math.CopySign. fma: a * b + c rounded
    // once (Math.FusedMultiplyAdd).
    FMin, FMax, FCopySign, FMulAdd,
    // Rounding to an integral value (SSE4.1 roundsd): to nearest even, down, up, towards zero.
    FRoundEven, FFloor, FCeiling, FTruncate,
    // Float comparisons produce an I32 0 or 1. The plain forms are false when either operand is NaN (ceq, clt, cgt),
    // the .u forms and fne are true then (clt.un, cgt.un, bne.un).
    FEq, FNe, FLt, FLe, FGt, FGe, FLtU, FLeU, FGtU, FGeU,
    // Conversions. itof/utof: a signed/unsigned integer to the result's float type. fconv: f32 <-> f64. ftoi/ftou: an
    // f64 to a signed/unsigned integer, truncating and saturating (NaN gives 0), as the CLR does since .NET 9.
    // ftoi.ovf/ftou.ovf: the same but checked (Imm: the target's width in bits, 8 to 64). bitcast: the same bits.
    IntToFloat, UIntToFloat, FloatConvert, FloatToInt, FloatToUInt, FloatToIntChecked, FloatToUIntChecked, Bitcast,
    // ckfinite: the operand, or (as the CLR does) an OverflowException when it is NaN or infinite. fsign: Math.Sign of a float
    // (an I32 -1, 0 or 1), or an ArithmeticException for NaN.
    CheckFinite, FSign,
    // Calls: Callee names the target. CallNative calls a function of the C math library (Imm: its address; Callee:
    // its symbol), which is how the CLR itself computes Math.Sin, Math.Pow, double % double and the like.
    // result2: the second result of the call right before it (its operand is that call's result): the second
    // eightbyte of a struct, which comes back in rdx or xmm1.
    Call, CallNative, SecondResult,
    // Operand: the address of a type's "initializer has run" flag. While it is 0, reports the type to the thunk,
    // which runs the initializer and calls again (see TypeInitializers).
    EnsureTypeInitialized,
    // Terminators: the last instruction of every block, and only there. ThrowViaHelper calls a method that never
    // returns (Callee; Imm: its index in ThrowHelpers) in managed code, after the native frames are left.
    Jump, Branch, Switch, ThrowViaHelper, Return,
    // Checked integer arithmetic, named after the CIL opcodes they import: the value, or an OverflowException where
    // the CLR throws one (see CheckedArithmetic). The .un forms read their operands as unsigned.
    AddOvf, AddOvfUn, SubOvf, SubOvfUn, MulOvf, MulOvfUn,
    // Checked conversions of an integer to the range of i1 … u8, the result widened to i32 (targets up to 32 bits)
    // or i64; the .un forms read the operand as unsigned. conv.ovf.i8 and conv.ovf.u8.un never overflow from an
    // integer, so they import as plain extensions and have no op.
    ConvOvfI1, ConvOvfU1, ConvOvfI2, ConvOvfU2, ConvOvfI4, ConvOvfU4, ConvOvfU8,
    ConvOvfI1Un, ConvOvfU1Un, ConvOvfI2Un, ConvOvfU2Un, ConvOvfI4Un, ConvOvfU4Un, ConvOvfI8Un,
    // Memory. Addresses are i64; every one the code can hold points into memory that cannot move while it runs (an
    // object pinned by the thunk or for the code's lifetime, the stack, native memory).
    // load: the Imm bytes (1, 2, 4 or 8; 1 and 2 zero-extended) at the address in its operand. store: writes the low
    // Imm bytes of its second operand at the address in its first. Neither is ever folded, numbered or moved: memory
    // may change between any two of them.
    Load, Store,
    // checknull: its operand (an object's address), or a NullReferenceException when it is 0. Every address derived
    // from an object is computed from a checked one, so the pure ops below never see null. A second identical check
    // that the first dominates is redundant.
    CheckNull,
    // checkbounds: nothing, or an IndexOutOfRangeException unless 0 <= index < length (index i32 or i64, length i32),
    // which is one unsigned comparison.
    CheckBounds,
    // checkrange: nothing, or an ArgumentOutOfRangeException unless index < limit (both i64, unsigned): the range
    // checks of Span's Slice and constructors.
    CheckArgumentRange,
    // arraylen: the i32 length of the array at its operand, which comes from checknull. An array's length never
    // changes, so it is Pure: numbered, hoisted and removed like arithmetic.
    ArrayLength,
    // elemaddr: base + index * Imm (the element size: 1, 2, 4 or 8), all i64. x64 folds it into the memory operand
    // of a load or store right after it ([base + index*scale]).
    ElementAddress,
    // zero: sets the Imm bytes at the address in its operand to zero (stackalloc, initblk of a constant size).
    Zero,
    // frameaddr: the address of byte Imm of the function's frame area (locals whose address is taken, stackalloc):
    // it never moves, and lives until the function returns.
    FrameAddress,
}

[Flags]
public enum OpFlags : byte
{
    None = 0,
    /// <summary>Operands may be swapped.</summary>
    Commutative = 1,
    /// <summary>Ends a block.</summary>
    Terminator = 2,
    /// <summary>May report a status (a division by zero, an overflow) instead of producing a value.</summary>
    CanThrow = 4,
    /// <summary>Has an effect beyond its result, so it is never removed even when its result is unused.</summary>
    SideEffect = 8,
    /// <summary>The result depends only on the operands: safe to fold, to number and to remove when unused.</summary>
    Pure = 16,
    /// <summary>A comparison producing 0 or 1.</summary>
    Compare = 32,
    /// <summary>Imm is an operand, written in the text form right after the name (a parameter's index, a width).</summary>
    Immediate = 64,
}

/// <summary>What types an operation takes and gives; the verifier checks each instruction against its op's rule.</summary>
public enum OpTypes : byte
{
    /// <summary>Its own rule, in the verifier (parameters, calls, terminators).</summary>
    Special,
    /// <summary>The result and every operand have one type (copy, phi).</summary>
    Same,
    /// <summary>An integer result, every operand of its type.</summary>
    Integer,
    /// <summary>An integer value and an integer count of either width.</summary>
    Shift,
    /// <summary>A float result, every operand of its type.</summary>
    Float,
    /// <summary>An i32 0 or 1 from two integers of one type.</summary>
    IntegerCompare,
    /// <summary>An i32 0 or 1 from two floats of one type.</summary>
    FloatCompare,
    I32ToI32, I32ToI64, I64ToI32,
    IntegerToFloat,
    /// <summary>f32 to f64 or back.</summary>
    FloatToFloat,
    /// <summary>An f64 to an integer of the result's type.</summary>
    DoubleToInteger,
    /// <summary>An f64 to the i32 or i64 that holds Imm bits.</summary>
    DoubleToIntegerChecked,
    /// <summary>An i32 from a float (its sign).</summary>
    FloatToI32,
    /// <summary>The same bits in the other class: f64 and i64, f32 and i32.</summary>
    Bitcast,
    /// <summary>An integer to the result type its conversion names (see CheckedArithmetic).</summary>
    CheckedConversion,
    /// <summary>Any value from an i64 address.</summary>
    Load,
    /// <summary>An i64 address from i64 operands (checknull, elemaddr, frameaddr).</summary>
    Address,
}

/// <param name="Arity">Number of operands, or -1 when it varies (phi, call, return).</param>
/// <param name="Types">The types it takes and gives.</param>
public readonly record struct OpInfo(string Name, int Arity, OpFlags Flags, OpTypes Types)
{
    public bool Is(OpFlags flag) => (Flags & flag) != 0;
}

public static class OpTable
{
    const OpFlags P = OpFlags.Pure, C = OpFlags.Commutative, T = OpFlags.Terminator, X = OpFlags.CanThrow,
        S = OpFlags.SideEffect, Cmp = OpFlags.Compare | OpFlags.Pure;

    static readonly OpInfo[] Table = Build();

    static OpInfo[] Build()
    {
        var table = new OpInfo[Enum.GetValues<Op>().Length];
        void Add(Op op, string name, int arity, OpFlags flags, OpTypes types) => table[(int)op] = new OpInfo(name, arity, flags, types);
        Add(Op.Const, "const", 0, P, OpTypes.Special);
        Add(Op.Param, "param", 0, OpFlags.Immediate, OpTypes.Special);
        Add(Op.Copy, "copy", 1, P, OpTypes.Same);
        Add(Op.Phi, "phi", -1, OpFlags.None, OpTypes.Same);
        Add(Op.Add, "add", 2, P | C, OpTypes.Integer);
        Add(Op.Sub, "sub", 2, P, OpTypes.Integer);
        Add(Op.Mul, "mul", 2, P | C, OpTypes.Integer);
        // Division can fault on x64, so it is not Pure: folding must prove the divisor safe first.
        Add(Op.Div, "div", 2, X, OpTypes.Integer);
        Add(Op.DivU, "div.u", 2, X, OpTypes.Integer);
        Add(Op.Rem, "rem", 2, X, OpTypes.Integer);
        Add(Op.RemU, "rem.u", 2, X, OpTypes.Integer);
        Add(Op.Neg, "neg", 1, P, OpTypes.Integer);
        Add(Op.MulHigh, "mulhi", 2, P | C, OpTypes.Integer);
        Add(Op.And, "and", 2, P | C, OpTypes.Integer);
        Add(Op.Or, "or", 2, P | C, OpTypes.Integer);
        Add(Op.Xor, "xor", 2, P | C, OpTypes.Integer);
        Add(Op.Not, "not", 1, P, OpTypes.Integer);
        Add(Op.Shl, "shl", 2, P, OpTypes.Shift);
        Add(Op.Shr, "shr", 2, P, OpTypes.Shift);
        Add(Op.ShrU, "shr.u", 2, P, OpTypes.Shift);
        Add(Op.SignExtend8, "sext8", 1, P, OpTypes.I32ToI32);
        Add(Op.SignExtend16, "sext16", 1, P, OpTypes.I32ToI32);
        Add(Op.ZeroExtend8, "zext8", 1, P, OpTypes.I32ToI32);
        Add(Op.ZeroExtend16, "zext16", 1, P, OpTypes.I32ToI32);
        Add(Op.SignExtend32, "sext32", 1, P, OpTypes.I32ToI64);
        Add(Op.ZeroExtend32, "zext32", 1, P, OpTypes.I32ToI64);
        Add(Op.Truncate, "trunc", 1, P, OpTypes.I64ToI32);
        Add(Op.Eq, "eq", 2, Cmp | C, OpTypes.IntegerCompare);
        Add(Op.Ne, "ne", 2, Cmp | C, OpTypes.IntegerCompare);
        Add(Op.Lt, "lt", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.Le, "le", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.Gt, "gt", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.Ge, "ge", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.LtU, "lt.u", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.LeU, "le.u", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.GtU, "gt.u", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.GeU, "ge.u", 2, Cmp, OpTypes.IntegerCompare);
        Add(Op.FAdd, "fadd", 2, P | C, OpTypes.Float);
        Add(Op.FSub, "fsub", 2, P, OpTypes.Float);
        Add(Op.FMul, "fmul", 2, P | C, OpTypes.Float);
        Add(Op.FDiv, "fdiv", 2, P, OpTypes.Float);
        Add(Op.FNeg, "fneg", 1, P, OpTypes.Float);
        Add(Op.FAbs, "fabs", 1, P, OpTypes.Float);
        Add(Op.FSqrt, "fsqrt", 1, P, OpTypes.Float);
        Add(Op.FMin, "fmin", 2, P | C, OpTypes.Float);
        Add(Op.FMax, "fmax", 2, P | C, OpTypes.Float);
        Add(Op.FCopySign, "fcopysign", 2, P, OpTypes.Float);
        Add(Op.FMulAdd, "fma", 3, P, OpTypes.Float);
        Add(Op.FRoundEven, "fround.even", 1, P, OpTypes.Float);
        Add(Op.FFloor, "ffloor", 1, P, OpTypes.Float);
        Add(Op.FCeiling, "fceil", 1, P, OpTypes.Float);
        Add(Op.FTruncate, "ftrunc", 1, P, OpTypes.Float);
        Add(Op.FEq, "feq", 2, Cmp | C, OpTypes.FloatCompare);
        Add(Op.FNe, "fne", 2, Cmp | C, OpTypes.FloatCompare);
        Add(Op.FLt, "flt", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FLe, "fle", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FGt, "fgt", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FGe, "fge", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FLtU, "flt.u", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FLeU, "fle.u", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FGtU, "fgt.u", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.FGeU, "fge.u", 2, Cmp, OpTypes.FloatCompare);
        Add(Op.IntToFloat, "itof", 1, P, OpTypes.IntegerToFloat);
        Add(Op.UIntToFloat, "utof", 1, P, OpTypes.IntegerToFloat);
        Add(Op.FloatConvert, "fconv", 1, P, OpTypes.FloatToFloat);
        Add(Op.FloatToInt, "ftoi", 1, P, OpTypes.DoubleToInteger);
        Add(Op.FloatToUInt, "ftou", 1, P, OpTypes.DoubleToInteger);
        Add(Op.FloatToIntChecked, "ftoi.ovf", 1, X | OpFlags.Immediate, OpTypes.DoubleToIntegerChecked);
        Add(Op.FloatToUIntChecked, "ftou.ovf", 1, X | OpFlags.Immediate, OpTypes.DoubleToIntegerChecked);
        Add(Op.Bitcast, "bitcast", 1, P, OpTypes.Bitcast);
        Add(Op.CheckFinite, "ckfinite", 1, X, OpTypes.Float);
        Add(Op.FSign, "fsign", 1, X, OpTypes.FloatToI32);
        Add(Op.Call, "call", -1, S | X, OpTypes.Special);
        // The C library cannot fail or see the frame; a call into it is a pure function of its operands.
        Add(Op.CallNative, "call.c", -1, P, OpTypes.Float);
        Add(Op.SecondResult, "result2", 1, OpFlags.None, OpTypes.Special);
        Add(Op.EnsureTypeInitialized, "typeinit", 1, S | X, OpTypes.Special);
        Add(Op.Jump, "jump", 0, T, OpTypes.Special);
        Add(Op.Branch, "branch", 1, T, OpTypes.Special);
        Add(Op.Switch, "switch", 1, T, OpTypes.Special);
        Add(Op.ThrowViaHelper, "throw.helper", -1, T | S | X, OpTypes.Special);
        Add(Op.Return, "return", -1, T | S, OpTypes.Special);
        // Checked operations may throw, so they are not Pure: only a proof that they cannot overflow removes or folds them.
        Add(Op.AddOvf, "add.ovf", 2, X | C, OpTypes.Integer);
        Add(Op.AddOvfUn, "add.ovf.un", 2, X | C, OpTypes.Integer);
        Add(Op.SubOvf, "sub.ovf", 2, X, OpTypes.Integer);
        Add(Op.SubOvfUn, "sub.ovf.un", 2, X, OpTypes.Integer);
        Add(Op.MulOvf, "mul.ovf", 2, X | C, OpTypes.Integer);
        Add(Op.MulOvfUn, "mul.ovf.un", 2, X | C, OpTypes.Integer);
        Add(Op.ConvOvfI1, "conv.ovf.i1", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU1, "conv.ovf.u1", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfI2, "conv.ovf.i2", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU2, "conv.ovf.u2", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfI4, "conv.ovf.i4", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU4, "conv.ovf.u4", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU8, "conv.ovf.u8", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfI1Un, "conv.ovf.i1.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU1Un, "conv.ovf.u1.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfI2Un, "conv.ovf.i2.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU2Un, "conv.ovf.u2.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfI4Un, "conv.ovf.i4.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfU4Un, "conv.ovf.u4.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.ConvOvfI8Un, "conv.ovf.i8.un", 1, X, OpTypes.CheckedConversion);
        Add(Op.Load, "load", 1, OpFlags.Immediate, OpTypes.Load);
        Add(Op.Store, "store", 2, S | OpFlags.Immediate, OpTypes.Special);
        Add(Op.CheckNull, "checknull", 1, X, OpTypes.Address);
        Add(Op.CheckBounds, "checkbounds", 2, X | S, OpTypes.Special);
        Add(Op.CheckArgumentRange, "checkrange", 2, X | S, OpTypes.Special);
        Add(Op.ArrayLength, "arraylen", 1, P, OpTypes.I64ToI32);
        Add(Op.Zero, "zero", 1, S | OpFlags.Immediate, OpTypes.Special);
        Add(Op.ElementAddress, "elemaddr", 2, P | OpFlags.Immediate, OpTypes.Address);
        Add(Op.FrameAddress, "frameaddr", 0, P | OpFlags.Immediate, OpTypes.Address);
        return table;
    }

    public static OpInfo Info(this Op op) => Table[(int)op];
    public static string Name(this Op op) => Table[(int)op].Name;
    public static bool Is(this Op op, OpFlags flag) => Table[(int)op].Is(flag);

    /// <summary>An operation on memory or addresses (load, store and the ops after them in <see cref="Op"/>): never
    /// evaluated at compile time.</summary>
    public static bool IsMemory(this Op op) => op is Op.Load or Op.Store or Op.CheckNull or Op.CheckBounds
        or Op.CheckArgumentRange or Op.ArrayLength or Op.Zero or Op.ElementAddress or Op.FrameAddress;

    static readonly Dictionary<string, Op> ByName = Enum.GetValues<Op>().ToDictionary(op => op.Name());

    public static bool TryParse(string name, out Op op) => ByName.TryGetValue(name, out op);

    /// <summary>The comparison that holds exactly when <paramref name="op"/> does not. For floats the ordered and
    /// unordered forms trade places: not (a &lt; b) is (a &gt;= b or either is NaN).</summary>
    public static Op Negate(this Op op) => op switch
    {
        Op.Eq => Op.Ne, Op.Ne => Op.Eq,
        Op.Lt => Op.Ge, Op.Ge => Op.Lt, Op.Le => Op.Gt, Op.Gt => Op.Le,
        Op.LtU => Op.GeU, Op.GeU => Op.LtU, Op.LeU => Op.GtU, Op.GtU => Op.LeU,
        Op.FEq => Op.FNe, Op.FNe => Op.FEq,
        Op.FLt => Op.FGeU, Op.FGeU => Op.FLt, Op.FLe => Op.FGtU, Op.FGtU => Op.FLe,
        Op.FGt => Op.FLeU, Op.FLeU => Op.FGt, Op.FGe => Op.FLtU, Op.FLtU => Op.FGe,
        _ => throw new ArgumentException($"{op} is not a comparison"),
    };

    /// <summary>The comparison with its operands swapped: a &lt; b is b &gt; a.</summary>
    public static Op Swap(this Op op) => op switch
    {
        Op.Lt => Op.Gt, Op.Gt => Op.Lt, Op.Le => Op.Ge, Op.Ge => Op.Le,
        Op.LtU => Op.GtU, Op.GtU => Op.LtU, Op.LeU => Op.GeU, Op.GeU => Op.LeU,
        Op.FLt => Op.FGt, Op.FGt => Op.FLt, Op.FLe => Op.FGe, Op.FGe => Op.FLe,
        Op.FLtU => Op.FGtU, Op.FGtU => Op.FLtU, Op.FLeU => Op.FGeU, Op.FGeU => Op.FLeU,
        _ => op,
    };
}
