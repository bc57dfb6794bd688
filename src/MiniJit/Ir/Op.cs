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
    /// <summary>Reads or writes memory, or computes an address: never evaluated at compile time, since addresses exist
    /// only when the code runs and memory may change between any two instructions.</summary>
    Memory = 128,
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
/// <param name="Rule">What it computes (see <see cref="OpRules"/>): how the interpreter runs it and how constant folding
/// folds it. Null for the ops that read the function's surroundings rather than their operands — param, phi, frameaddr,
/// calls, the type-initializer check and the terminators — which the interpreter runs itself and nothing folds.</param>
public readonly record struct OpInfo(string Name, int Arity, OpFlags Flags, OpTypes Types, OpRule? Rule)
{
    public bool Is(OpFlags flag) => (Flags & flag) != 0;
}

/// <summary>
/// Every op in one table: its name in the text form, its operand count, its flags, its type rule and its meaning. A new
/// op is one row here (and its x64 template in the emitter); the parser, printer, verifier, interpreter and constant
/// folding read the row.
/// </summary>
public static class OpTable
{
    const OpFlags P = OpFlags.Pure, C = OpFlags.Commutative, T = OpFlags.Terminator, X = OpFlags.CanThrow,
        S = OpFlags.SideEffect, Cmp = OpFlags.Compare | OpFlags.Pure, Imm = OpFlags.Immediate, M = OpFlags.Memory;

    static readonly OpInfo[] Table = Build();

    static unsafe OpInfo[] Build()
    {
        var table = new OpInfo[Enum.GetValues<Op>().Length];
        void Add(Op op, string name, int arity, OpFlags flags, OpTypes types, OpRule? rule = null) =>
            table[(int)op] = new OpInfo(name, arity, flags, types, rule);
        void Checked(Op op, string name, int arity, OpFlags flags, OpTypes types) => Add(op, name, arity, flags, types, OpRules.Checked(op));

        Add(Op.Const, "const", 0, P, OpTypes.Special, (in OpInput x) => x.Imm);
        Add(Op.Param, "param", 0, Imm, OpTypes.Special);
        Add(Op.Copy, "copy", 1, P, OpTypes.Same, (in OpInput x) => x.A);
        Add(Op.Phi, "phi", -1, OpFlags.None, OpTypes.Same);

        Add(Op.Add, "add", 2, P | C, OpTypes.Integer, OpRules.Integer((x, y) => x + y, (x, y) => x + y));
        Add(Op.Sub, "sub", 2, P, OpTypes.Integer, OpRules.Integer((x, y) => x - y, (x, y) => x - y));
        Add(Op.Mul, "mul", 2, P | C, OpTypes.Integer, OpRules.Integer((x, y) => x * y, (x, y) => x * y));
        // Division can fault on x64, so it is not Pure: its rule throws what the CLR throws, and folding leaves such a
        // division to run (and throw) at run time.
        Add(Op.Div, "div", 2, X, OpTypes.Integer, OpRules.Integer(
            (x, y) => x / OpRules.Divisor(y, x == int.MinValue), (x, y) => x / OpRules.Divisor(y, x == long.MinValue)));
        Add(Op.DivU, "div.u", 2, X, OpTypes.Integer, OpRules.Integer(
            (x, y) => (int)((uint)x / (uint)OpRules.Divisor(y, false)), (x, y) => (long)((ulong)x / (ulong)OpRules.Divisor(y, false))));
        Add(Op.Rem, "rem", 2, X, OpTypes.Integer, OpRules.Integer(
            (x, y) => x % OpRules.Divisor(y, x == int.MinValue), (x, y) => x % OpRules.Divisor(y, x == long.MinValue)));
        Add(Op.RemU, "rem.u", 2, X, OpTypes.Integer, OpRules.Integer(
            (x, y) => (int)((uint)x % (uint)OpRules.Divisor(y, false)), (x, y) => (long)((ulong)x % (ulong)OpRules.Divisor(y, false))));
        Add(Op.Neg, "neg", 1, P, OpTypes.Integer, OpRules.Integer(x => -x, x => -x));
        Add(Op.MulHigh, "mulhi", 2, P | C, OpTypes.Integer, OpRules.Integer((x, y) => (int)((long)x * y >> 32), (x, y) => Math.BigMul(x, y, out _)));
        Add(Op.And, "and", 2, P | C, OpTypes.Integer, OpRules.Integer((x, y) => x & y, (x, y) => x & y));
        Add(Op.Or, "or", 2, P | C, OpTypes.Integer, OpRules.Integer((x, y) => x | y, (x, y) => x | y));
        Add(Op.Xor, "xor", 2, P | C, OpTypes.Integer, OpRules.Integer((x, y) => x ^ y, (x, y) => x ^ y));
        Add(Op.Not, "not", 1, P, OpTypes.Integer, OpRules.Integer(x => ~x, x => ~x));
        // C# masks a shift count to its low 5 bits (int) or 6 bits (long), exactly as x86 and the CLR do; the cast of a
        // long count keeps those bits.
        Add(Op.Shl, "shl", 2, P, OpTypes.Shift, OpRules.Integer((x, y) => x << y, (x, y) => x << (int)y));
        Add(Op.Shr, "shr", 2, P, OpTypes.Shift, OpRules.Integer((x, y) => x >> y, (x, y) => x >> (int)y));
        Add(Op.ShrU, "shr.u", 2, P, OpTypes.Shift, OpRules.Integer((x, y) => x >>> y, (x, y) => x >>> (int)y));
        Add(Op.SignExtend8, "sext8", 1, P, OpTypes.I32ToI32, OpRules.Bits(x => (sbyte)x));
        Add(Op.SignExtend16, "sext16", 1, P, OpTypes.I32ToI32, OpRules.Bits(x => (short)x));
        Add(Op.ZeroExtend8, "zext8", 1, P, OpTypes.I32ToI32, OpRules.Bits(x => (byte)x));
        Add(Op.ZeroExtend16, "zext16", 1, P, OpTypes.I32ToI32, OpRules.Bits(x => (ushort)x));
        Add(Op.SignExtend32, "sext32", 1, P, OpTypes.I32ToI64, OpRules.Bits(x => (int)x));
        Add(Op.ZeroExtend32, "zext32", 1, P, OpTypes.I32ToI64, OpRules.Bits(x => (uint)x));
        Add(Op.Truncate, "trunc", 1, P, OpTypes.I64ToI32, OpRules.Bits(x => (int)x));
        Add(Op.Eq, "eq", 2, Cmp | C, OpTypes.IntegerCompare, OpRules.Compare(false, order => order == 0));
        Add(Op.Ne, "ne", 2, Cmp | C, OpTypes.IntegerCompare, OpRules.Compare(false, order => order != 0));
        Add(Op.Lt, "lt", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(false, order => order < 0));
        Add(Op.Le, "le", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(false, order => order <= 0));
        Add(Op.Gt, "gt", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(false, order => order > 0));
        Add(Op.Ge, "ge", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(false, order => order >= 0));
        Add(Op.LtU, "lt.u", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(true, order => order < 0));
        Add(Op.LeU, "le.u", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(true, order => order <= 0));
        Add(Op.GtU, "gt.u", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(true, order => order > 0));
        Add(Op.GeU, "ge.u", 2, Cmp, OpTypes.IntegerCompare, OpRules.Compare(true, order => order >= 0));

        Add(Op.FAdd, "fadd", 2, P | C, OpTypes.Float, OpRules.Float((x, y, _) => x + y, (x, y, _) => x + y));
        Add(Op.FSub, "fsub", 2, P, OpTypes.Float, OpRules.Float((x, y, _) => x - y, (x, y, _) => x - y));
        Add(Op.FMul, "fmul", 2, P | C, OpTypes.Float, OpRules.Float((x, y, _) => x * y, (x, y, _) => x * y));
        Add(Op.FDiv, "fdiv", 2, P, OpTypes.Float, OpRules.Float((x, y, _) => x / y, (x, y, _) => x / y));
        Add(Op.FNeg, "fneg", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => -x, (x, _, _) => -x));
        Add(Op.FAbs, "fabs", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => Math.Abs(x), (x, _, _) => MathF.Abs(x)));
        Add(Op.FSqrt, "fsqrt", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => Math.Sqrt(x), (x, _, _) => MathF.Sqrt(x)));
        // Math.Min's and Math.Max's rules: NaN if either is NaN, -0.0 below +0.0.
        Add(Op.FMin, "fmin", 2, P | C, OpTypes.Float, OpRules.Float((x, y, _) => Math.Min(x, y), (x, y, _) => MathF.Min(x, y)));
        Add(Op.FMax, "fmax", 2, P | C, OpTypes.Float, OpRules.Float((x, y, _) => Math.Max(x, y), (x, y, _) => MathF.Max(x, y)));
        Add(Op.FCopySign, "fcopysign", 2, P, OpTypes.Float, OpRules.Float((x, y, _) => Math.CopySign(x, y), (x, y, _) => MathF.CopySign(x, y)));
        Add(Op.FMulAdd, "fma", 3, P, OpTypes.Float, OpRules.Float(Math.FusedMultiplyAdd, MathF.FusedMultiplyAdd));
        Add(Op.FRoundEven, "fround.even", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => Math.Round(x), (x, _, _) => MathF.Round(x)));
        Add(Op.FFloor, "ffloor", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => Math.Floor(x), (x, _, _) => MathF.Floor(x)));
        Add(Op.FCeiling, "fceil", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => Math.Ceiling(x), (x, _, _) => MathF.Ceiling(x)));
        Add(Op.FTruncate, "ftrunc", 1, P, OpTypes.Float, OpRules.Float((x, _, _) => Math.Truncate(x), (x, _, _) => MathF.Truncate(x)));
        Add(Op.FEq, "feq", 2, Cmp | C, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => x == y));
        Add(Op.FNe, "fne", 2, Cmp | C, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => x != y));
        Add(Op.FLt, "flt", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => x < y));
        Add(Op.FLe, "fle", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => x <= y));
        Add(Op.FGt, "fgt", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => x > y));
        Add(Op.FGe, "fge", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => x >= y));
        Add(Op.FLtU, "flt.u", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => OpRules.Unordered(x, y) || x < y));
        Add(Op.FLeU, "fle.u", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => OpRules.Unordered(x, y) || x <= y));
        Add(Op.FGtU, "fgt.u", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => OpRules.Unordered(x, y) || x > y));
        Add(Op.FGeU, "fge.u", 2, Cmp, OpTypes.FloatCompare, OpRules.FloatCompare((x, y) => OpRules.Unordered(x, y) || x >= y));
        Add(Op.IntToFloat, "itof", 1, P, OpTypes.IntegerToFloat, OpRules.IntegerToFloat(signed: true));
        Add(Op.UIntToFloat, "utof", 1, P, OpTypes.IntegerToFloat, OpRules.IntegerToFloat(signed: false));
        Add(Op.FloatConvert, "fconv", 1, P, OpTypes.FloatToFloat,
            OpRules.FromFloat((x, input) => input.Type == IrType.F32 ? OpRules.BitsOf((float)x) : OpRules.BitsOf(x)));
        // C#'s casts saturate (NaN gives 0), as the CLR's conversions do since .NET 9.
        Add(Op.FloatToInt, "ftoi", 1, P, OpTypes.DoubleToInteger, OpRules.FromFloat((x, input) => input.Type == IrType.I32 ? (int)x : (long)x));
        Add(Op.FloatToUInt, "ftou", 1, P, OpTypes.DoubleToInteger,
            OpRules.FromFloat((x, input) => input.Type == IrType.I32 ? (int)(uint)x : (long)(ulong)x));
        Add(Op.FloatToIntChecked, "ftoi.ovf", 1, X | Imm, OpTypes.DoubleToIntegerChecked,
            OpRules.FromFloat((x, input) => OpRules.CheckedFromFloat(true, input.Imm, x)));
        Add(Op.FloatToUIntChecked, "ftou.ovf", 1, X | Imm, OpTypes.DoubleToIntegerChecked,
            OpRules.FromFloat((x, input) => OpRules.CheckedFromFloat(false, input.Imm, x)));
        Add(Op.Bitcast, "bitcast", 1, P, OpTypes.Bitcast, OpRules.Bits(x => x));
        // What the CLR throws: OverflowException for a NaN or infinite ckfinite, ArithmeticException for Math.Sign(NaN).
        Add(Op.CheckFinite, "ckfinite", 1, X, OpTypes.Float,
            OpRules.FromFloat((x, input) => double.IsFinite(x) ? input.A : throw new OverflowException("ckfinite of a NaN or infinity")));
        Add(Op.FSign, "fsign", 1, X, OpTypes.FloatToI32, OpRules.FromFloat((x, _) => Math.Sign(x)));

        Add(Op.Call, "call", -1, S | X, OpTypes.Special);
        // The C library cannot fail or see the frame; a call into it is a pure function of its operands, but its result
        // comes from the library at run time, so the interpreter calls it and nothing folds it.
        Add(Op.CallNative, "call.c", -1, P, OpTypes.Float);
        Add(Op.SecondResult, "result2", 1, OpFlags.None, OpTypes.Special);
        Add(Op.EnsureTypeInitialized, "typeinit", 1, S | X, OpTypes.Special);
        Add(Op.Jump, "jump", 0, T, OpTypes.Special);
        Add(Op.Branch, "branch", 1, T, OpTypes.Special);
        Add(Op.Switch, "switch", 1, T, OpTypes.Special);
        Add(Op.ThrowViaHelper, "throw.helper", -1, T | S | X, OpTypes.Special);
        Add(Op.Return, "return", -1, T | S, OpTypes.Special);

        // Checked operations may throw, so they are not Pure: only a proof that they cannot overflow removes or folds them.
        Checked(Op.AddOvf, "add.ovf", 2, X | C, OpTypes.Integer);
        Checked(Op.AddOvfUn, "add.ovf.un", 2, X | C, OpTypes.Integer);
        Checked(Op.SubOvf, "sub.ovf", 2, X, OpTypes.Integer);
        Checked(Op.SubOvfUn, "sub.ovf.un", 2, X, OpTypes.Integer);
        Checked(Op.MulOvf, "mul.ovf", 2, X | C, OpTypes.Integer);
        Checked(Op.MulOvfUn, "mul.ovf.un", 2, X | C, OpTypes.Integer);
        Checked(Op.ConvOvfI1, "conv.ovf.i1", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU1, "conv.ovf.u1", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfI2, "conv.ovf.i2", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU2, "conv.ovf.u2", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfI4, "conv.ovf.i4", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU4, "conv.ovf.u4", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU8, "conv.ovf.u8", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfI1Un, "conv.ovf.i1.un", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU1Un, "conv.ovf.u1.un", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfI2Un, "conv.ovf.i2.un", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU2Un, "conv.ovf.u2.un", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfI4Un, "conv.ovf.i4.un", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfU4Un, "conv.ovf.u4.un", 1, X, OpTypes.CheckedConversion);
        Checked(Op.ConvOvfI8Un, "conv.ovf.i8.un", 1, X, OpTypes.CheckedConversion);

        // Memory: the rules read and write real addresses, so the interpreter runs them and folding never does (M).
        Add(Op.Load, "load", 1, Imm | M, OpTypes.Load, OpRules.Load);
        Add(Op.Store, "store", 2, S | Imm | M, OpTypes.Special, OpRules.Store);
        Add(Op.CheckNull, "checknull", 1, X | M, OpTypes.Address, (in OpInput x) => x.A != 0 ? x.A : throw new NullReferenceException());
        // One unsigned comparison: a negative index reads as a huge one.
        Add(Op.CheckBounds, "checkbounds", 2, X | S | M, OpTypes.Special, (in OpInput x) =>
            (x.OperandType == IrType.I64 ? (ulong)x.A : (uint)x.A) < (uint)x.B ? 0 : throw new IndexOutOfRangeException());
        Add(Op.CheckArgumentRange, "checkrange", 2, X | S | M, OpTypes.Special, (in OpInput x) =>
            (ulong)x.A < (ulong)x.B ? 0 : throw new ArgumentOutOfRangeException(null, "index past the limit of a span"));
        Add(Op.ArrayLength, "arraylen", 1, P | M, OpTypes.I64ToI32, (in OpInput x) => *(int*)(x.A + ArrayLayout.LengthOffset));
        Add(Op.Zero, "zero", 1, S | Imm | M, OpTypes.Special, (in OpInput x) =>
        {
            new Span<byte>((void*)x.A, (int)x.Imm).Clear();
            return 0;
        });
        Add(Op.ElementAddress, "elemaddr", 2, P | Imm | M, OpTypes.Address, (in OpInput x) => x.A + x.B * x.Imm);
        Add(Op.FrameAddress, "frameaddr", 0, P | Imm | M, OpTypes.Address);
        return table;
    }

    public static OpInfo Info(this Op op) => Table[(int)op];
    public static string Name(this Op op) => Table[(int)op].Name;
    public static bool Is(this Op op, OpFlags flag) => Table[(int)op].Is(flag);

    /// <summary>What <paramref name="op"/> computes from <paramref name="input"/> (the row's rule).</summary>
    /// <exception cref="NotSupportedException">The op has no rule of its own (see <see cref="OpInfo.Rule"/>).</exception>
    public static long Evaluate(this Op op, in OpInput input) =>
        (Table[(int)op].Rule ?? throw new NotSupportedException($"{op.Name()} has no rule: it depends on more than its operands"))(input);

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
