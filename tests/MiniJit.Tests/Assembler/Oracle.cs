using System.Reflection;
using System.Text;
using Iced.Intel;
using MiniJit.Assembler;
using IcedRegister = Iced.Intel.Register;
using Register = MiniJit.Assembler.Register;
using Label = MiniJit.Assembler.Label;
using Xunit.Abstractions;

namespace MiniJit.Tests.Assembler;

/// <summary>A memory operand shape, independent of any assembler (RIP-relative ones get their label when
/// the instruction is emitted). <see cref="ExpectedSize"/> is the size Iced should report (0 = don't check).</summary>
public sealed record MemArg(Register? Base, Register? Index, int Scale, int Displacement, bool Rip, int Size, int ExpectedSize)
{
    public Memory Make(Label rip) => Rip ? Memory.Rip(rip, Size, Displacement) : new Memory(Size, Base, Index, Scale, Displacement);
    public MemArg WithSize(int size, int? expected = null) => this with { Size = size, ExpectedSize = expected ?? size };
    public bool UsesExtended => Base is { IsExtended: true } || Index is { IsExtended: true };
    public override string ToString() => Rip ? $"[rip->end{Displacement:+0;-0}] (size {Size})" : new Memory(Size, Base, Index, Scale, Displacement).ToString();
}

/// <summary>Encodes one instruction with MiniJit, decodes it with Iced and compares mnemonic, operands and
/// length. Expected operands default to the arguments themselves: a Register must come back as that
/// register, a MemArg as the same base/index/scale/displacement (or RIP target) and size, an integer as the
/// immediate (compared at the width Iced reports). Failures are collected, not thrown, so one [Fact] can
/// cover thousands of combinations.</summary>
public sealed class Oracle
{
    public static readonly Register[] Gpr64 = [.. Enumerable.Range(0, 16).Select(Register.Gpr)];
    public static readonly Register[] Gpr32 = [.. Gpr64.Select(r => r.As32)];
    public static readonly Register[] Gpr16 = [.. Gpr64.Select(r => r.As16)];
    public static readonly Register[] Gpr8 = [.. Gpr64.Select(r => r.As8)];
    public static readonly Register[] High8 = [Register.Ah, Register.Ch, Register.Dh, Register.Bh];
    public static readonly Register[] Xmm = [.. Enumerable.Range(0, 16).Select(Register.XmmRegister)];

    /// <summary>All GPRs of a size; for bytes also ah..bh (20 registers).</summary>
    public static Register[] Gprs(int size) => size switch { 1 => [.. Gpr8, .. High8], 2 => Gpr16, 4 => Gpr32, _ => Gpr64 };

    public static readonly int[] Displacements = [0, 127, -128, 128, -129, 0x12345678, int.MinValue];

    /// <summary>Every ModRM/SIB shape: no base / each of the 16 bases × no index / each of the 15 legal
    /// indexes × each scale × each displacement class; some 32-bit-address forms; RIP-relative forms.</summary>
    public static readonly MemArg[] Memories = BuildMemories();

    static MemArg[] BuildMemories()
    {
        var list = new List<MemArg>();
        Register?[] bases = [null, .. Gpr64.Select(r => (Register?)r)];
        Register?[] indexes = [null, .. Gpr64.Where(r => r.Number != 4).Select(r => (Register?)r)];
        foreach (var b in bases)
            foreach (var i in indexes)
                foreach (int scale in i is null ? [1] : (int[])[1, 2, 4, 8])
                    foreach (int d in Displacements)
                        list.Add(new MemArg(b, i, scale, d, false, 8, 8));
        foreach (var (b, i) in new (Register?, Register?)[] { (Register.Eax, null), (Register.Esp, null), (Register.Ebp, Register.Esi), (Register.R12.As32, Register.R13.As32), (Register.R13.As32, null), (null, Register.R9.As32) })
            foreach (int d in (int[])[0, -5, 0x1000])
                list.Add(new MemArg(b, i, i is null ? 1 : 4, d, false, 8, 8));
        foreach (int d in (int[])[0, 16, -8, 0x100000])
            list.Add(new MemArg(null, null, 1, d, true, 8, 8));
        return [.. list];
    }

    public static IcedRegister ToIced(Register r) => r.Kind switch
    {
        RegisterKind.Gpr64 => IcedRegister.RAX + r.Number,
        RegisterKind.Gpr32 => IcedRegister.EAX + r.Number,
        RegisterKind.Gpr16 => IcedRegister.AX + r.Number,
        RegisterKind.Gpr8 => r.Number < 4 ? IcedRegister.AL + r.Number : r.Number < 8 ? IcedRegister.SPL + (r.Number - 4) : IcedRegister.R8L + (r.Number - 8),
        RegisterKind.Gpr8High => IcedRegister.AH + (r.Number - 4),
        _ => IcedRegister.XMM0 + r.Number,
    };

    static readonly IntelFormatter Formatter = new()
    {
        Options = { HexPrefix = "0x", HexSuffix = null, UppercaseHex = false, SpaceAfterOperandSeparator = true },
    };

    public static string Format(in Instruction instr)
    {
        var output = new StringOutput();
        Formatter.Format(instr, output);
        return output.ToStringAndReset();
    }

    public static string Hex(byte[] bytes) => Convert.ToHexString(bytes);

    public static Instruction DecodeAt(byte[] code, int offset)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code, offset, code.Length - offset), (ulong)offset);
        return decoder.Decode();
    }

    // ---- the driver --------------------------------------------------------------------------------

    readonly List<string> _failures = [];
    public int Count { get; private set; }

    static readonly Dictionary<string, MethodInfo> Methods = [];

    static object[] Materialize(object[] args, Label rip) =>
        [.. args.Select(a => a is MemArg m ? m.Make(rip) : a)];

    static MethodInfo Find(string name, object[] args)
    {
        var types = args.Select(a => a is MemArg ? typeof(Memory) : a.GetType()).ToArray();
        string key = name + "(" + string.Join(",", types.Select(t => t.Name)) + ")";
        lock (Methods)
        {
            if (!Methods.TryGetValue(key, out var m))
                Methods[key] = m = typeof(X64Assembler).GetMethod(name, types) ?? throw new InvalidOperationException($"No method X64Assembler.{key}");
            return m;
        }
    }

    static string Describe(string name, object[] args) => name + " " + string.Join(", ", args);

    /// <summary>Emits <c>asm.{name}(args)</c> as the only instruction and returns its bytes (null on failure).</summary>
    static byte[] Emit(string name, object[] args, out int ripEnd)
    {
        var asm = new X64Assembler();
        var rip = asm.CreateLabel("end");
        var method = Find(name, args);
        try { method.Invoke(asm, Materialize(args, rip)); }
        catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
        asm.Bind(rip);
        var bytes = asm.Assemble();
        ripEnd = asm.OffsetOf(rip);
        return bytes;
    }

    /// <summary>True when the request mixes ah..bh with something that needs a REX prefix: must be rejected.</summary>
    public static bool HighByteConflict(object[] args, bool rexW = false)
    {
        bool high = args.Any(a => a is Register { Kind: RegisterKind.Gpr8High });
        bool rex = rexW || args.Any(a => a is Register r && (r.RequiresRex || r.Kind == RegisterKind.Gpr64) || a is MemArg { UsesExtended: true });
        return high && rex;
    }

    /// <summary>Checks one instruction. <paramref name="mnemonic"/> defaults to <paramref name="name"/>;
    /// <paramref name="expected"/> defaults to the arguments; <paramref name="length"/>, if given, is the
    /// exact length we expect (to pin the shortest form).</summary>
    public void Check(string name, object[] args, Mnemonic? mnemonic = null, object[]? expected = null, int? length = null)
    {
        Count++;
        string what = Describe(name, args);
        byte[] bytes;
        int ripEnd;
        try { bytes = Emit(name, args, out ripEnd); }
        catch (Exception e) { Fail($"{what}: threw {e.GetType().Name}: {e.Message}"); return; }

        var instr = DecodeAt(bytes, 0);
        string Text() => $"{what}: {Hex(bytes)}" + (instr.Code == Code.INVALID ? "" : $" decoded as '{Format(instr)}'");
        if (instr.Code == Code.INVALID) { Fail($"{Text()}: invalid encoding"); return; }
        if (instr.Length != bytes.Length) { Fail($"{Text()}: decoder used {instr.Length} of {bytes.Length} bytes"); return; }
        if (length is { } len && len != bytes.Length) { Fail($"{Text()}: expected {len} bytes (shortest form)"); return; }
        var mn = mnemonic ?? Enum.Parse<Mnemonic>(name);
        if (instr.Mnemonic != mn) { Fail($"{Text()}: mnemonic {instr.Mnemonic}, expected {mn}"); return; }
        expected ??= args;
        if (instr.OpCount != expected.Length) { Fail($"{Text()}: {instr.OpCount} operands, expected {expected.Length}"); return; }
        for (int i = 0; i < expected.Length; i++)
        {
            string? why = CompareOperand(instr, i, expected[i], ripEnd);
            if (why is not null) { Fail($"{Text()}: operand {i}: {why}"); return; }
        }
    }

    static string? CompareOperand(in Instruction instr, int i, object expected, int ripEnd)
    {
        var kind = instr.GetOpKind(i);
        switch (expected)
        {
            case Register r:
                if (kind != OpKind.Register) return $"kind {kind}, expected register {r}";
                return instr.GetOpRegister(i) == ToIced(r) ? null : $"register {instr.GetOpRegister(i)}, expected {r}";
            case MemArg m:
                if (kind != OpKind.Memory) return $"kind {kind}, expected memory";
                if (m.ExpectedSize != 0 && instr.MemorySize.GetSize() != m.ExpectedSize) return $"memory size {instr.MemorySize}, expected {m.ExpectedSize}";
                if (m.Rip)
                    return instr.IsIPRelativeMemoryOperand && instr.IPRelativeMemoryAddress == (ulong)(ripEnd + m.Displacement)
                        ? null : $"rip-relative target {instr.IPRelativeMemoryAddress:X}, expected {ripEnd + m.Displacement:X}";
                var wantBase = m.Base is { } b ? ToIced(b) : IcedRegister.None;
                var wantIndex = m.Index is { } x ? ToIced(x) : IcedRegister.None;
                if (instr.MemoryBase != wantBase) return $"base {instr.MemoryBase}, expected {wantBase}";
                if (instr.MemoryIndex != wantIndex) return $"index {instr.MemoryIndex}, expected {wantIndex}";
                if (m.Index is not null && instr.MemoryIndexScale != m.Scale) return $"scale {instr.MemoryIndexScale}, expected {m.Scale}";
                bool addr32 = (m.Base ?? m.Index) is { Kind: RegisterKind.Gpr32 };
                ulong wantDisp = addr32 ? (uint)m.Displacement : (ulong)(long)m.Displacement;
                return instr.MemoryDisplacement64 == wantDisp ? null : $"displacement {instr.MemoryDisplacement64:X}, expected {wantDisp:X}";
            case int or long or byte:
                long v = Convert.ToInt64(expected);
                int bits = kind switch
                {
                    OpKind.Immediate8 => 8,
                    OpKind.Immediate16 or OpKind.Immediate8to16 => 16,
                    OpKind.Immediate32 or OpKind.Immediate8to32 => 32,
                    OpKind.Immediate64 or OpKind.Immediate8to64 or OpKind.Immediate32to64 => 64,
                    _ => 0,
                };
                if (bits == 0) return $"kind {kind}, expected immediate {v}";
                ulong mask = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
                return (instr.GetImmediate(i) & mask) == ((ulong)v & mask) ? null : $"immediate {instr.GetImmediate(i):X}, expected {v:X}";
            default:
                return $"bad expectation {expected}";
        }
    }

    /// <summary>Checks that the request is refused with an ArgumentException.</summary>
    public void Reject(string name, params object[] args)
    {
        Count++;
        try
        {
            var bytes = Emit(name, args, out _);
            Fail($"{Describe(name, args)}: should be rejected but encoded {Hex(bytes)} ('{Format(DecodeAt(bytes, 0))}')");
        }
        catch (ArgumentException) { }
        catch (Exception e) { Fail($"{Describe(name, args)}: rejected with {e.GetType().Name} instead of ArgumentException: {e.Message}"); }
    }

    /// <summary>Check or Reject depending on whether ah..bh meets a REX-requiring operand.</summary>
    public void CheckOrReject(string name, object[] args, bool rexW = false, Mnemonic? mnemonic = null, object[]? expected = null)
    {
        if (HighByteConflict(args, rexW)) Reject(name, args);
        else Check(name, args, mnemonic, expected);
    }

    void Fail(string message) { lock (_failures) _failures.Add(message); }

    /// <summary>Asserts no failures, showing the first few.</summary>
    public void AssertAllPassed(ITestOutputHelper? output = null)
    {
        output?.WriteLine($"{Count} combinations checked, {_failures.Count} failed.");
        if (_failures.Count > 0)
        {
            var sb = new StringBuilder($"{_failures.Count} of {Count} combinations failed; first ones:\n");
            foreach (var f in _failures.Take(15)) sb.AppendLine(f);
            Assert.Fail(sb.ToString());
        }
        Assert.True(Count > 0);
    }
}
