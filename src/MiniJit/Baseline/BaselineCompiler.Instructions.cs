using System.Reflection;
using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.Ir;
using MiniJit.Lowering;
using AluOp = MiniJit.Assembler.X64Assembler.AluOp;

namespace MiniJit.Baseline;

// One template per CIL instruction.
sealed partial class BaselineCompiler
{
    /// <summary>Translates one instruction; false when control does not go on to the next one.</summary>
    bool Translate(in CilInstruction at)
    {
        var op = at.Op is >= CilOp.Br_S and <= CilOp.Blt_Un_S ? at.Op + (CilOp.Br - CilOp.Br_S) : at.Op;
        switch (op)
        {
            case CilOp.Nop:
                return true;
            case (>= CilOp.Ldarg_0 and <= CilOp.Ldloc_3) or CilOp.Ldarg_S or CilOp.Ldloc_S or CilOp.Ldarg or CilOp.Ldloc:
                {
                    int v = VariableOf(at)!.Value;
                    Push(new Entry(Place.Variable, variableIrTypes[v], v));
                    return true;
                }
            case (>= CilOp.Stloc_0 and <= CilOp.Stloc_3) or CilOp.Starg_S or CilOp.Stloc_S or CilOp.Starg or CilOp.Stloc:
                {
                    int v = VariableOf(at)!.Value;
                    var value = Pop();
                    if (value.Place == Place.Variable && value.Value == v) return true;   // x = x
                    Assign(v, value);
                    return true;
                }
            case CilOp.Ldloca_S or CilOp.Ldloca or CilOp.Ldarga_S or CilOp.Ldarga:
                {
                    // The scan allowed it only before Math.DivRem or Math.BigMul, with no branch target between.
                    if (labels[code[position + 1].Offset] is not null) throw new Refusal("a branch target between an address and its call");
                    outVariable = VariableOf(at)!.Value;
                    return true;
                }
            case >= CilOp.Ldc_I4_M1 and <= CilOp.Ldc_I4_8:
                Push(new Entry(Place.Constant, IrType.I32, (int)op - (int)CilOp.Ldc_I4_0));
                return true;
            case CilOp.Ldc_I4_S or CilOp.Ldc_I4:
                Push(new Entry(Place.Constant, IrType.I32, (int)at.Int));
                return true;
            case CilOp.Ldc_I8:
                Push(new Entry(Place.Constant, IrType.I64, at.Int));
                return true;
            case CilOp.Ldc_R4:
                Push(new Entry(Place.Constant, IrType.F32, at.Int));
                return true;
            case CilOp.Ldc_R8:
                Push(new Entry(Place.Constant, IrType.F64, at.Int));
                return true;
            case CilOp.Dup:
                {
                    var top = Pop();
                    Push(top);
                    if (top.Place is Place.Constant or Place.Variable) Push(top);
                    else Push(top with { Place = Place.Register, Register = Load(top, top.Type, Allocate(top.Type), intoTarget: true) });
                    return true;
                }
            case CilOp.Pop:
                Pop();
                return true;
            case CilOp.Ret:
                Return();
                return false;
            case CilOp.Br:
                MeetAt(at.Target);
                asm.Jmp(labels[at.Target]!);
                return false;
            case CilOp.Brtrue or CilOp.Brfalse:
                return BranchOnValue(at, op == CilOp.Brtrue);
            case >= CilOp.Beq and <= CilOp.Blt_Un:
                CompareAndBranch(at, op);
                return true;
            case CilOp.Switch:
                {
                    var index = Pop();
                    foreach (int target in at.Targets!) MeetAt(target);
                    var register = Load(index, IrType.I32, Scratch).As32;
                    for (int i = 0; i < at.Targets!.Length; i++)
                    {
                        asm.Cmp(register, i);
                        asm.Jcc(Condition.E, labels[at.Targets[i]]!);
                    }
                    return true;
                }
            case CilOp.Add or CilOp.Sub or CilOp.Mul or CilOp.And or CilOp.Or or CilOp.Xor:
                Binary(op, Condition.O, check: false);
                return true;
            case CilOp.Add_Ovf or CilOp.Sub_Ovf or CilOp.Mul_Ovf:
                Binary(op switch { CilOp.Add_Ovf => CilOp.Add, CilOp.Sub_Ovf => CilOp.Sub, _ => CilOp.Mul }, Condition.O, check: true);
                return true;
            case CilOp.Add_Ovf_Un or CilOp.Sub_Ovf_Un:
                Binary(op == CilOp.Add_Ovf_Un ? CilOp.Add : CilOp.Sub, Condition.B, check: true);
                return true;
            case CilOp.Div or CilOp.Div_Un or CilOp.Rem or CilOp.Rem_Un or CilOp.Mul_Ovf_Un:
                if (depth > 1 && stack[depth - 1].Type.IsFloat() && op == CilOp.Div) Binary(op, Condition.O, check: false);
                else if (depth > 1 && stack[depth - 1].Type.IsFloat() && op == CilOp.Rem)
                {
                    // The CLR's % on floating point is C's fmod.
                    var type = Pair(stack[depth - 2].Type, stack[depth - 1].Type);
                    CallHelper("rem", [type, type], type, (ops, block, args) => ops.Arithmetic(block, Op.Rem, args[0], args[1]));
                }
                else Divide(op);
                return true;
            case CilOp.Shl or CilOp.Shr or CilOp.Shr_Un:
                Shift(op);
                return true;
            case CilOp.Neg or CilOp.Not:
                Unary(op);
                return true;
            case >= CilOp.Ceq and <= CilOp.Clt_Un:
                Compare(op);
                return true;
            case CilOp.Ldnull:
                Push(new Entry(Place.Constant, IrType.I64, 0));
                return true;
            case CilOp.Ldlen:
                ArrayLength();
                return true;
            case var memory when IsMemoryAccess(memory):
                AccessMemory(memory, ElementAccess(at)!.Value);
                return true;
            case var field when IsStaticField(field):
                StaticField(at);
                return true;
            case CilOp.Call when outVariable >= 0:
                WithOut(at);
                return true;
            case CilOp.Call:
                Call(at);
                return true;
            default:
                Convert(op);
                return true;
        }
    }

    /// <summary>stloc and the like: entries that still stand for the variable's old value take it into a register first
    /// (none of <paramref name="value"/>'s), then the value is stored.</summary>
    void Assign(int v, in Entry value)
    {
        for (int i = 0; i < depth; i++)
            if (stack[i] is { Place: Place.Variable } old && old.Value == v)
            {
                var register = Allocate(old.Type, MaskOf(value));
                stack[i] = new Entry(Place.Register, old.Type, Register: Load(old, old.Type, register, intoTarget: true));
            }
        StoreVariable(v, value);
    }

    /// <summary>Math.DivRem(a, b, out r) and Math.BigMul(a, b, out low), in rdx:rax: one result is pushed, the other
    /// goes to the variable whose address came before the call.</summary>
    void WithOut(in CilInstruction at)
    {
        var withOut = MathIntrinsics.FindWithOut((MethodInfo)cil.ResolveMethod(at.Token, at))!;
        int v = outVariable;
        outVariable = -1;
        if (withOut.Kind == MathIntrinsics.WithOutKind.DivRem)
        {
            Divide(CilOp.Div, withOut.Type);
            Assign(v, new Entry(Place.Register, withOut.Type, Register: Register.Rdx));
            return;
        }
        var b = Pop();
        var a = Pop();
        Evict(X64Registers.Mask(Register.Rax) | X64Registers.Mask(Register.Rdx));
        Load(b, IrType.I64, Scratch, intoTarget: true);
        Load(a, IrType.I64, Register.Rax, intoTarget: true);
        if (withOut.Kind == MathIntrinsics.WithOutKind.BigMulSigned) asm.Imul(Scratch); else asm.Mul(Scratch);
        Push(new Entry(Place.Register, IrType.I64, Register: Register.Rdx));   // the high half
        Assign(v, new Entry(Place.Register, IrType.I64, Register: Register.Rax));
    }

    /// <summary>Stores a value into a variable's home, keeping only the bits of a small type (and extending them
    /// back, as the CLR reads such a variable).</summary>
    void StoreVariable(int v, in Entry value)
    {
        var type = variableIrTypes[v];
        if (homeRegisters[v] is { } home)
        {
            Load(value, type, home, intoTarget: true);
            if (!type.IsFloat()) Normalize(home, variableTypes[v]);
            return;
        }
        var register = Load(value, type, type.IsFloat() ? XmmScratch : Scratch);
        if (!type.IsFloat() && IsSmall(variableTypes[v]))
        {
            if (register != Scratch) asm.Mov(Scratch.As32, register.As32);
            Normalize(Scratch, variableTypes[v]);
            register = Scratch;
        }
        StoreRegister(new Memory(SizeOf(type), Register.Rsp, null, 1, homeSlots[v]), register, type);
    }

    static bool IsSmall(Type type) => Type.GetTypeCode(type) is TypeCode.SByte or TypeCode.Byte or TypeCode.Boolean
        or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Char;

    void Normalize(Register register, Type type)
    {
        switch (Type.GetTypeCode(type))
        {
            case TypeCode.SByte: asm.Movsx(register.As32, register.As8); break;
            case TypeCode.Byte or TypeCode.Boolean: asm.Movzx(register.As32, register.As8); break;
            case TypeCode.Int16: asm.Movsx(register.As32, register.As16); break;
            case TypeCode.UInt16 or TypeCode.Char: asm.Movzx(register.As32, register.As16); break;
        }
    }

    void Return()
    {
        if (cil.ReturnType != typeof(void))
        {
            var value = Pop();
            CilImporter.TryGetType(cil.ReturnType, out var type);
            var register = Load(value, type, type.IsFloat() ? convention.FloatReturn : convention.IntegerReturn, intoTarget: true);
            if (!type.IsFloat()) Normalize(register, cil.ReturnType);
        }
        if (depth != 0) throw new Refusal("the evaluation stack is not empty at ret (invalid IL)");
        if (frameBytes > 0) asm.Add(Register.Rsp, frameBytes);
        for (int i = pushed.Count - 1; i >= 0; i--) asm.Pop(pushed[i]);
        asm.Ret();
    }

    // ------------------------------------------------------------------ operands

    /// <summary>The common type of a binary instruction's operands (CIL widens int32 with native int, float with double).</summary>
    static IrType Pair(IrType a, IrType b) => a == b ? a
        : a == IrType.I64 || b == IrType.I64 ? IrType.I64
        : a == IrType.F64 || b == IrType.F64 ? IrType.F64 : a;

    /// <summary>A register holding the entry's value as <paramref name="type"/>: its own when it has one, else a new one.</summary>
    Register InRegister(in Entry entry, IrType type, uint exclude) =>
        entry.Type == type && CurrentRegister(entry) is { } held ? held : Load(entry, type, Allocate(type, exclude), intoTarget: true);

    /// <summary>The register a result goes to: the first operand's own register when it is one of the stack's
    /// (its value is consumed), else a new one; the first operand is loaded there.</summary>
    Register Destination(in Entry first, IrType type, uint exclude)
    {
        var register = first.Place == Place.Register ? first.Register : Allocate(type, exclude);
        return Load(first, type, register, intoTarget: true);
    }

    /// <summary>A second operand as the instruction can take it: an immediate (integers that fit 32 bits), memory of the
    /// right size, or a register.</summary>
    (Register? Register, Memory? Memory, long? Immediate) Operand(in Entry entry, IrType type, uint exclude)
    {
        if (entry.Place == Place.Constant && !type.IsFloat() && (type == IrType.I32 || entry.Type == IrType.I32 || Encoding.FitsInt32(entry.Value)))
            return (null, null, type == IrType.I32 ? (int)entry.Value : entry.Value);
        if (entry.Type == type)
        {
            if (CurrentRegister(entry) is { } register) return (register, null, null);
            if (entry.Place is Place.Slot or Place.Variable) return (null, MemoryOf(entry), null);
            if (entry.Place == Place.Constant && type.IsFloat())
                return (null, type == IrType.F64 ? Memory.Rip(asm.Constant(entry.Value), 8) : Memory.Rip(asm.Constant((uint)entry.Value), 4), null);
        }
        return (InRegister(entry, type, exclude), null, null);
    }

    static Register Sized(Register register, IrType type) => type switch
    {
        IrType.I32 => register.As32,
        IrType.I64 => register.As64,
        _ => register,
    };

    void Alu(AluOp op, Register dst, (Register? Register, Memory? Memory, long? Immediate) src, IrType type)
    {
        dst = Sized(dst, type);
        if (src.Immediate is { } imm) asm.Alu(op, dst, imm);
        else if (src.Memory is { } memory) asm.Alu(op, dst, memory);
        else asm.Alu(op, dst, Sized(src.Register!.Value, type));
    }

    // ------------------------------------------------------------------ arithmetic

    void Binary(CilOp op, Condition overflow, bool check)
    {
        var b = Pop();
        var a = Pop();
        // A constant goes second: the CLR's order, which decides which NaN comes out of a floating-point + or *.
        if (op is CilOp.Add or CilOp.Mul && a.Place == Place.Constant && b.Place != Place.Constant) (a, b) = (b, a);
        var type = Pair(a.Type, b.Type);
        if (a.Type.IsFloat() != b.Type.IsFloat()) throw new Refusal("an integer and a floating-point operand (invalid IL)");
        if (check && overflow == Condition.B) (a, b) = (ZeroExtended(a, type, MaskOf(b)), ZeroExtended(b, type, MaskOf(a)));
        var dst = Destination(a, type, MaskOf(b));
        var src = Operand(b, type, X64Registers.Mask(dst) | MaskOf(b));
        if (type.IsFloat())
        {
            if (check || op is not (CilOp.Add or CilOp.Sub or CilOp.Mul or CilOp.Div))
                throw new Refusal($"{op} of floating-point values");
            FloatArithmetic(op, dst, src, type);
        }
        else if (op == CilOp.Mul)
        {
            var wide = Sized(dst, type);
            if (src.Immediate is { } imm) asm.Imul(wide, wide, imm);
            else if (src.Memory is { } memory) asm.Imul(wide, memory);
            else asm.Imul(wide, Sized(src.Register!.Value, type));
        }
        else Alu(op switch { CilOp.Add => AluOp.Add, CilOp.Sub => AluOp.Sub, CilOp.And => AluOp.And, CilOp.Or => AluOp.Or, _ => AluOp.Xor }, dst, src, type);
        if (check) asm.Jcc(overflow, ErrorStub(JitStatus.Overflow));
        Push(new Entry(Place.Register, type, Register: dst));
    }

    /// <summary>The checked .un forms read both operands as unsigned, so an int32 meeting a native int is
    /// zero-extended (the CLR's rule; everywhere else it is sign-extended).</summary>
    Entry ZeroExtended(in Entry entry, IrType type, uint exclude)
    {
        if (type != IrType.I64 || entry.Type != IrType.I32) return entry;
        if (entry.Place == Place.Constant) return entry with { Type = IrType.I64, Value = (uint)entry.Value };
        var register = entry.Place == Place.Register ? entry.Register : Allocate(IrType.I32, exclude);
        Load(entry, IrType.I32, register, intoTarget: true);
        asm.Mov(register.As32, register.As32);   // writing 32 bits clears the upper half
        return new Entry(Place.Register, IrType.I64, Register: register);
    }

    void FloatArithmetic(CilOp op, Register dst, (Register? Register, Memory? Memory, long? Immediate) src, IrType type)
    {
        bool d = type == IrType.F64;
        if (src.Memory is { } m)
            switch (op)
            {
                case CilOp.Add: if (d) asm.Addsd(dst, m); else asm.Addss(dst, m); break;
                case CilOp.Sub: if (d) asm.Subsd(dst, m); else asm.Subss(dst, m); break;
                case CilOp.Mul: if (d) asm.Mulsd(dst, m); else asm.Mulss(dst, m); break;
                default: if (d) asm.Divsd(dst, m); else asm.Divss(dst, m); break;
            }
        else
        {
            var r = src.Register!.Value;
            switch (op)
            {
                case CilOp.Add: if (d) asm.Addsd(dst, r); else asm.Addss(dst, r); break;
                case CilOp.Sub: if (d) asm.Subsd(dst, r); else asm.Subss(dst, r); break;
                case CilOp.Mul: if (d) asm.Mulsd(dst, r); else asm.Mulss(dst, r); break;
                default: if (d) asm.Divsd(dst, r); else asm.Divss(dst, r); break;
            }
        }
    }

    /// <summary>Integer division and remainder, and the unsigned checked multiply: rdx:rax with the divisor in the
    /// scratch register. A zero divisor and MinValue / -1 go to the error exit, as the CLR throws for them.</summary>
    void Divide(CilOp op, IrType? asType = null)
    {
        var b = Pop();
        var a = Pop();
        var type = asType ?? Pair(a.Type, b.Type);
        if (type.IsFloat()) throw new Refusal($"{op} of floating-point values");
        if (op == CilOp.Mul_Ovf_Un) (a, b) = (ZeroExtended(a, type, MaskOf(b)), ZeroExtended(b, type, MaskOf(a)));
        Evict(X64Registers.Mask(Register.Rax) | X64Registers.Mask(Register.Rdx));
        var divisor = Sized(Load(b, type, Scratch, intoTarget: true), type);
        var rax = Sized(Load(a, type, Register.Rax, intoTarget: true), type);
        if (op == CilOp.Mul_Ovf_Un)
        {
            asm.Mul(divisor);
            asm.Jcc(Condition.O, ErrorStub(JitStatus.Overflow));
            Push(new Entry(Place.Register, type, Register: Register.Rax));
            return;
        }
        bool constant = b.Place == Place.Constant;
        long known = constant ? type == IrType.I32 ? (int)b.Value : b.Value : 0;
        if (!constant || known == 0)
        {
            asm.Test(divisor, divisor);
            asm.Jcc(Condition.E, ErrorStub(JitStatus.DivideByZero));
        }
        if (op is CilOp.Div or CilOp.Rem)
        {
            if (!constant || known == -1)
            {
                var normal = asm.CreateLabel();
                asm.Cmp(divisor, -1);
                asm.Jcc(Condition.NE, normal);
                if (type == IrType.I32) asm.Cmp(rax, int.MinValue);
                else
                {
                    asm.Mov(Register.Rdx, long.MinValue);
                    asm.Cmp(rax, Register.Rdx);
                }
                asm.Jcc(Condition.E, ErrorStub(JitStatus.Overflow));
                asm.Bind(normal);
            }
            if (type == IrType.I32) asm.Cdq(); else asm.Cqo();
            asm.Idiv(divisor);
        }
        else
        {
            asm.Xor(Register.Edx, Register.Edx);
            asm.Div(divisor);
        }
        Push(new Entry(Place.Register, type, Register: op is CilOp.Div or CilOp.Div_Un ? Register.Rax : Register.Rdx));
    }

    void Shift(CilOp op)
    {
        var count = Pop();
        var value = Pop();
        var type = value.Type;
        if (type.IsFloat() || count.Type.IsFloat()) throw new Refusal("a shift of a floating-point value (invalid IL)");
        Register dst;
        if (count.Place == Place.Constant)
        {
            dst = Sized(Destination(value, type, 0), type);
            int n = (int)count.Value & (type == IrType.I32 ? 31 : 63);
            if (op == CilOp.Shl) asm.Shl(dst, n); else if (op == CilOp.Shr) asm.Sar(dst, n); else asm.Shr(dst, n);
        }
        else
        {
            var rcx = X64Registers.Mask(Register.Rcx);
            Evict(rcx);
            dst = value.Place == Place.Register && value.Register != Register.Rcx ? value.Register : Allocate(type, rcx | MaskOf(count));
            dst = Sized(Load(value, type, dst, intoTarget: true), type);
            Load(count, count.Type, Register.Rcx, intoTarget: true);
            if (op == CilOp.Shl) asm.Shl(dst, Register.Cl); else if (op == CilOp.Shr) asm.Sar(dst, Register.Cl); else asm.Shr(dst, Register.Cl);
        }
        Push(new Entry(Place.Register, type, Register: dst.As64));
    }

    void Unary(CilOp op)
    {
        var value = Pop();
        var type = value.Type;
        var dst = Destination(value, type, 0);
        if (type.IsFloat())
        {
            if (op == CilOp.Not) throw new Refusal("not of a floating-point value (invalid IL)");
            // Negation flips the sign bit (0 - x would give +0 for x = +0).
            if (type == IrType.F64) asm.Xorps(dst, Memory.Rip(asm.Constant(long.MinValue), 16));
            else asm.Xorps(dst, Memory.Rip(asm.Constant(int.MinValue & 0xFFFF_FFFFL), 16));
        }
        else if (op == CilOp.Neg) asm.Neg(Sized(dst, type));
        else asm.Not(Sized(dst, type));
        Push(new Entry(Place.Register, type, Register: dst));
    }

    // ------------------------------------------------------------------ comparisons and branches

    static Condition IntegerCondition(CilOp op) => op switch
    {
        CilOp.Ceq or CilOp.Beq => Condition.E,
        CilOp.Bne_Un => Condition.NE,
        CilOp.Cgt or CilOp.Bgt => Condition.G,
        CilOp.Cgt_Un or CilOp.Bgt_Un => Condition.A,
        CilOp.Clt or CilOp.Blt => Condition.L,
        CilOp.Clt_Un or CilOp.Blt_Un => Condition.B,
        CilOp.Bge => Condition.GE,
        CilOp.Bge_Un => Condition.AE,
        CilOp.Ble => Condition.LE,
        _ => Condition.BE,
    };

    /// <summary>After <c>ucomis</c>, which sets the flags like an unsigned compare and reports unordered (a NaN) as
    /// "below and equal": the operand order and condition that make each comparison true exactly when the CLR's is
    /// (ordered ones false with a NaN, .un ones true). Equality needs the parity flag too, handled by the callers.</summary>
    static (bool Swap, Condition Condition) FloatCondition(CilOp op) => op switch
    {
        CilOp.Cgt or CilOp.Bgt => (false, Condition.A),
        CilOp.Clt or CilOp.Blt => (true, Condition.A),
        CilOp.Cgt_Un or CilOp.Bgt_Un => (true, Condition.B),
        CilOp.Clt_Un or CilOp.Blt_Un => (false, Condition.B),
        CilOp.Bge => (false, Condition.AE),
        CilOp.Ble => (true, Condition.AE),
        CilOp.Bge_Un => (true, Condition.BE),
        CilOp.Ble_Un => (false, Condition.BE),
        _ => (false, Condition.E),
    };

    /// <summary>Sets the flags from comparing the top two entries; returns the condition for "true".</summary>
    Condition CompareTop(CilOp op, out bool isFloat)
    {
        var b = Pop();
        var a = Pop();
        var type = Pair(a.Type, b.Type);
        isFloat = type.IsFloat();
        if (a.Type.IsFloat() != b.Type.IsFloat()) throw new Refusal("an integer compared with a floating-point value (invalid IL)");
        if (!isFloat)
        {
            var left = InRegister(a, type, MaskOf(b));
            Alu(AluOp.Cmp, left, Operand(b, type, X64Registers.Mask(left) | MaskOf(b)), type);
            return IntegerCondition(op);
        }
        var (swap, condition) = FloatCondition(op);
        if (swap) (a, b) = (b, a);
        var x = InRegister(a, type, MaskOf(b));
        var y = Operand(b, type, X64Registers.Mask(x) | MaskOf(b));
        if (y.Memory is { } memory) { if (type == IrType.F64) asm.Ucomisd(x, memory); else asm.Ucomiss(x, memory); }
        else if (type == IrType.F64) asm.Ucomisd(x, y.Register!.Value);
        else asm.Ucomiss(x, y.Register!.Value);
        return condition;
    }

    void Compare(CilOp op)
    {
        var condition = CompareTop(op, out bool isFloat);
        if (!(isFloat && op == CilOp.Ceq))
        {
            Push(new Entry(Place.Flags, IrType.I32, Condition: condition));
            return;
        }
        // Equal and ordered: ZF set and PF clear.
        var register = Allocate(IrType.I32);
        asm.Set(Condition.E, register.As8);
        asm.Set(Condition.NP, Scratch.As8);
        asm.And(register.As32, Scratch.As32);
        asm.Movzx(register.As32, register.As8);
        Push(new Entry(Place.Register, IrType.I32, Register: register));
    }

    void CompareAndBranch(in CilInstruction at, CilOp op)
    {
        var target = labels[at.Target]!;
        // The stack below the operands goes to its slots first: stores leave the flags alone, and the operands keep
        // their registers.
        var b = stack[depth - 1];
        var a = stack[depth - 2];
        depth -= 2;
        MeetAt(at.Target);
        Push(a);
        Push(b);
        var condition = CompareTop(op, out bool isFloat);
        if (isFloat && op == CilOp.Beq)
        {
            var skip = asm.CreateLabel();
            asm.Jcc(Condition.P, skip);
            asm.Jcc(Condition.E, target);
            asm.Bind(skip);
        }
        else if (isFloat && op == CilOp.Bne_Un)
        {
            asm.Jcc(Condition.P, target);
            asm.Jcc(Condition.NE, target);
        }
        else asm.Jcc(condition, target);
    }

    bool BranchOnValue(in CilInstruction at, bool onTrue)
    {
        var value = Pop();
        MeetAt(at.Target);
        var target = labels[at.Target]!;
        if (value.Place == Place.Flags)
        {
            asm.Jcc(onTrue ? value.Condition : Negate(value.Condition), target);
            return true;
        }
        if (value.Place == Place.Constant)
        {
            if ((value.Value != 0) != onTrue) return true;
            asm.Jmp(target);
            return false;
        }
        if (value.Type.IsFloat()) throw new Refusal("a branch on a floating-point value (invalid IL)");
        var register = Sized(Load(value, value.Type, Scratch), value.Type);
        asm.Test(register, register);
        asm.Jcc(onTrue ? Condition.NE : Condition.E, target);
        return true;
    }

    static Condition Negate(Condition condition) => (Condition)((int)condition ^ 1);

    // ------------------------------------------------------------------ conversions

    void Convert(CilOp op)
    {
        var value = Pop();
        var from = value.Type;
        if (value.Place == Place.Constant && !from.IsFloat() && ConvertConstant(op, from, from == IrType.I32 ? (int)value.Value : value.Value) is { } constant)
        {
            Push(constant);
            return;
        }
        switch (op)
        {
            case CilOp.Conv_I1 or CilOp.Conv_U1 or CilOp.Conv_I2 or CilOp.Conv_U2 or CilOp.Conv_I4 or CilOp.Conv_U4:
                {
                    if (from.IsFloat() && op == CilOp.Conv_U4)
                    {
                        Push(value);
                        CallHelper("conv.u4", [from], IrType.I32, (ops, block, args) => ops.Narrow(block, args[0], null, unsigned: true));
                        return;
                    }
                    var dst = from.IsFloat() ? FloatToInteger(value, IrType.I32) : Destination(value, IrType.I32, 0);
                    Normalize(dst, op switch
                    {
                        CilOp.Conv_I1 => typeof(sbyte),
                        CilOp.Conv_U1 => typeof(byte),
                        CilOp.Conv_I2 => typeof(short),
                        CilOp.Conv_U2 => typeof(ushort),
                        _ => typeof(int),
                    });
                    Push(new Entry(Place.Register, IrType.I32, Register: dst));
                    return;
                }
            case CilOp.Conv_I8 or CilOp.Conv_I or CilOp.Conv_U8 or CilOp.Conv_U:
                {
                    bool unsigned = op is CilOp.Conv_U8 or CilOp.Conv_U;
                    Register dst;
                    if (from.IsFloat())
                    {
                        if (unsigned)
                        {
                            Push(value);
                            CallHelper("conv.u8", [from], IrType.I64, (ops, block, args) => ops.Extend(block, args[0], Op.ZeroExtend32));
                            return;
                        }
                        dst = FloatToInteger(value, IrType.I64);
                    }
                    else if (unsigned && from == IrType.I32)
                    {
                        dst = Destination(value, IrType.I32, 0);
                        asm.Mov(dst.As32, dst.As32);   // writing a 32-bit register clears the upper half
                    }
                    else dst = Destination(value, IrType.I64, 0);
                    Push(new Entry(Place.Register, IrType.I64, Register: dst));
                    return;
                }
            case CilOp.Conv_R8 or CilOp.Conv_R4:
                {
                    var to = op == CilOp.Conv_R8 ? IrType.F64 : IrType.F32;
                    Register dst;
                    if (from.IsFloat()) dst = Destination(value, to, 0);
                    else
                    {
                        var source = Sized(InRegister(value, from, 0), from);
                        dst = Allocate(to);
                        asm.Xorps(dst, dst);   // cvtsi2s* writes only the low lane: no wait on the register's old value
                        if (to == IrType.F64) asm.Cvtsi2sd(dst, source); else asm.Cvtsi2ss(dst, source);
                    }
                    Push(new Entry(Place.Register, to, Register: dst));
                    return;
                }
            case CilOp.Conv_R_Un:
                {
                    if (from.IsFloat()) throw new Refusal("conv.r.un of a floating-point value");
                    // `(float)someUlong` is conv.r.un; conv.r4, which the CLR rounds once: the pair is one conversion.
                    bool toSingle = position + 1 < code.Length && code[position + 1].Op == CilOp.Conv_R4 && labels[code[position + 1].Offset] is null;
                    Push(new Entry(Place.Register, toSingle ? IrType.F32 : IrType.F64, Register: UnsignedToFloat(value, toSingle ? IrType.F32 : IrType.F64)));
                    return;
                }
            default:
                CheckedConversion(op, value);
                return;
        }
    }

    /// <summary>An integer conversion of a constant (<c>ldc.i4.1; conv.i8</c> is how C# writes <c>1L</c>) is a constant.</summary>
    static Entry? ConvertConstant(CilOp op, IrType from, long value) => op switch
    {
        CilOp.Conv_I1 => new Entry(Place.Constant, IrType.I32, (sbyte)value),
        CilOp.Conv_U1 => new Entry(Place.Constant, IrType.I32, (byte)value),
        CilOp.Conv_I2 => new Entry(Place.Constant, IrType.I32, (short)value),
        CilOp.Conv_U2 => new Entry(Place.Constant, IrType.I32, (ushort)value),
        CilOp.Conv_I4 or CilOp.Conv_U4 => new Entry(Place.Constant, IrType.I32, (int)value),
        CilOp.Conv_I8 or CilOp.Conv_I => new Entry(Place.Constant, IrType.I64, value),
        CilOp.Conv_U8 or CilOp.Conv_U => new Entry(Place.Constant, IrType.I64, from == IrType.I32 ? (uint)value : value),
        CilOp.Conv_R8 => new Entry(Place.Constant, IrType.F64, BitConverter.DoubleToInt64Bits(value)),
        CilOp.Conv_R4 => new Entry(Place.Constant, IrType.F32, BitConverter.SingleToInt32Bits(value)),
        _ => null,
    };

    /// <summary>An integer read as unsigned to float or double, rounded once. Below 2^63 the signed conversion is exact
    /// input; from there the value is halved, keeping its lowest bit so the rounding still sees it, converted and doubled.</summary>
    Register UnsignedToFloat(in Entry value, IrType to)
    {
        var dst = Allocate(to);
        bool single = to == IrType.F32;
        var source = Scratch;
        if (value.Type == IrType.I32) asm.Mov(source.As32, Sized(Load(value, IrType.I32, Scratch), IrType.I32));   // zero-extends
        else Load(value, IrType.I64, Scratch, intoTarget: true);
        asm.Xorps(dst, dst);
        var big = asm.CreateLabel();
        var done = asm.CreateLabel();
        asm.Test(source, source);
        asm.Jcc(Condition.S, big);
        if (single) asm.Cvtsi2ss(dst, source); else asm.Cvtsi2sd(dst, source);
        asm.Jmp(done);
        asm.Bind(big);
        var low = Allocate(IrType.I64, X64Registers.Mask(dst));
        asm.Mov(low, source);
        asm.And(low, 1);
        asm.Shr(source, 1);
        asm.Or(source, low);
        if (single) { asm.Cvtsi2ss(dst, source); asm.Addss(dst, dst); }
        else { asm.Cvtsi2sd(dst, source); asm.Addsd(dst, dst); }
        asm.Bind(done);
        return dst;
    }

    /// <summary>conv.ovf.* of an integer: the value, read as signed (or as unsigned by the .un forms), must lie in the
    /// target's range, else OverflowException. In range, its low bits already are the target's value.</summary>
    void CheckedConversion(CilOp op, in Entry value)
    {
        var (bits, signedTarget, unsignedSource) = op switch
        {
            CilOp.Conv_Ovf_I1 => (8, true, false), CilOp.Conv_Ovf_U1 => (8, false, false),
            CilOp.Conv_Ovf_I2 => (16, true, false), CilOp.Conv_Ovf_U2 => (16, false, false),
            CilOp.Conv_Ovf_I4 => (32, true, false), CilOp.Conv_Ovf_U4 => (32, false, false),
            CilOp.Conv_Ovf_I8 or CilOp.Conv_Ovf_I => (64, true, false), CilOp.Conv_Ovf_U8 or CilOp.Conv_Ovf_U => (64, false, false),
            CilOp.Conv_Ovf_I1_Un => (8, true, true), CilOp.Conv_Ovf_U1_Un => (8, false, true),
            CilOp.Conv_Ovf_I2_Un => (16, true, true), CilOp.Conv_Ovf_U2_Un => (16, false, true),
            CilOp.Conv_Ovf_I4_Un => (32, true, true), CilOp.Conv_Ovf_U4_Un => (32, false, true),
            CilOp.Conv_Ovf_I8_Un or CilOp.Conv_Ovf_I_Un => (64, true, true), CilOp.Conv_Ovf_U8_Un or CilOp.Conv_Ovf_U_Un => (64, false, true),
            _ => throw new Refusal($"{op} is not translated by the baseline"),
        };
        if (value.Type.IsFloat())
        {
            Push(value);
            CallHelper(op.ToString().ToLowerInvariant().Replace('_', '.'), [value.Type], bits == 64 ? IrType.I64 : IrType.I32,
                (ops, block, args) => ops.CheckedConversion(block, args[0], op));
            return;
        }
        // The value as 64 bits, extended the way the conversion reads it.
        var dst = value.Place == Place.Register ? value.Register : Allocate(IrType.I64);
        if (value.Type == IrType.I32 && unsignedSource) asm.Mov(dst.As32, Sized(Load(value, IrType.I32, dst, intoTarget: true), IrType.I32));
        else Load(value, IrType.I64, dst, intoTarget: true);
        long max = bits == 64 ? (signedTarget ? long.MaxValue : -1) : signedTarget ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
        long min = signedTarget ? bits == 64 ? long.MinValue : -(1L << (bits - 1)) : 0;
        var overflow = ErrorStub(JitStatus.Overflow);
        void CompareWith(long bound)
        {
            if (Encoding.FitsInt32(bound)) asm.Cmp(dst, bound);
            else
            {
                asm.Mov(Scratch, bound);
                asm.Cmp(dst, Scratch);
            }
        }
        if (unsignedSource)
        {
            // Unsigned: only the top can be passed (every value is at least 0).
            if (max != -1)
            {
                CompareWith(max);
                asm.Jcc(Condition.A, overflow);
            }
        }
        else
        {
            if (min != long.MinValue)
            {
                CompareWith(min);
                asm.Jcc(Condition.L, overflow);
            }
            if (max != -1 && max != long.MaxValue)
            {
                CompareWith(max);
                asm.Jcc(Condition.G, overflow);
            }
        }
        var type = bits == 64 ? IrType.I64 : IrType.I32;
        if (type == IrType.I32) asm.Mov(dst.As32, dst.As32);
        Push(new Entry(Place.Register, type, Register: dst));
    }

    /// <summary>double (or float) to int32 or int64, saturating as the CLR does since .NET 9: NaN gives 0, values past
    /// either end the end's value. cvttsd2si answers MinValue for all three, so only that answer needs a second look.</summary>
    Register FloatToInteger(in Entry value, IrType to)
    {
        var source = Load(value, IrType.F64, XmmScratch);
        var dst = Allocate(to);
        var wide = Sized(dst, to);
        var done = asm.CreateLabel();
        var nan = asm.CreateLabel();
        asm.Cvttsd2si(wide, source);
        asm.Cmp(wide, 1);
        asm.Jcc(Condition.NO, done);
        asm.Ucomisd(source, Memory.Rip(asm.Constant(0), 8));
        asm.Jcc(Condition.P, nan);
        asm.Jcc(Condition.B, done);
        asm.Mov(wide, to == IrType.I32 ? int.MaxValue : long.MaxValue);
        asm.Jmp(done);
        asm.Bind(nan);
        asm.Xor(dst.As32, dst.As32);
        asm.Bind(done);
        return dst;
    }

    // ------------------------------------------------------------------ calls

    /// <summary>A call of another compiled function. Entries in caller-saved registers go to their slots first (the
    /// callee may change those registers); the arguments then load from wherever they are into the convention's
    /// registers, which none of them is in any more.</summary>
    void Call(in CilInstruction at) => Call(callees![at.Token]);

    /// <summary>A call of a helper compiled through the IR (see <see cref="HelperFunctions"/>) with the top entries as
    /// arguments; the scan saw to it that nothing lives in a caller-saved register across it (see <see cref="MayCallHelper"/>).</summary>
    void CallHelper(string name, IrType[] parameters, IrType result, Func<CilOperations, Block, int[], int> body) =>
        Call(HelperFunctions.Operation(name, parameters, result, body));

    void Call(Callee callee)
    {
        // A call clobbers every xmm register: floating-point variables may be homed in some only when the scan saw no call.
        if (!hasCalls) throw new Refusal("a call the scan did not foresee");
        int count = callee.Parameters.Length;
        var registers = ArgumentRegisters(callee.Parameters);
        if (depth < count) throw new Refusal("the evaluation stack underflows (invalid IL)");
        for (int i = 0; i < depth; i++)
            if (stack[i].Place is Place.Register or Place.Flags) ToSlot(i);
        int first = depth - count;
        for (int i = 0, onStack = 0; i < count; i++)
        {
            var type = callee.Parameters[i];
            if (registers[i] is { } register) Load(stack[first + i], type, register, intoTarget: true);
            else StoreRegister(new Memory(SizeOf(type), Register.Rsp, null, 1, 8 * onStack++), Load(stack[first + i], type, type.IsFloat() ? XmmScratch : Scratch), type);
        }
        depth = first;
        asm.Call(calleeEntry(callee.Target));
        if (callee.Result != IrType.Void)
            Push(new Entry(Place.Register, callee.Result, Register: callee.Result.IsFloat() ? convention.FloatReturn : convention.IntegerReturn));
        usesFloatingPoint |= callee.Result.IsFloat() || callee.Parameters.Any(t => t.IsFloat());
    }
}
