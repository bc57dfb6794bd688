using System.Reflection;
using MiniJit.Assembler;
using MiniJit.Binding;
using MiniJit.Cil;
using MiniJit.CodeGeneration;
using MiniJit.CodeMemory;
using MiniJit.Lowering;

namespace MiniJit.Tests.Backend;

public class EmitterTests
{
    static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    static long AcrossCalls(long a)
    {
        long x = a * 3, y = a * 5, z = a * 7, w = a ^ 0x55;
        long r = Leaf(a) + Leaf(x) * Leaf(y);
        return x + y + z + w + r;
    }

    static long Leaf(long a) => a + 1;

    static long Twelve(long a, int b, long c, short d, long e, byte f, long g, long h, uint i, long j, sbyte k, long l) =>
        a - 2 * b + 3 * c - 4 * d + 5 * e - 6 * f + 7 * g - 8 * h + 9 * i - 10 * j + 11 * k - 12 * l;

    static long CallsTwelve(long x, long y) =>
        Twelve(x, (int)y, x ^ y, (short)x, y, (byte)(x + y), -x, x * y, (uint)x, y - x, (sbyte)y, x + 1)
        + Twelve(y, (int)x, 7, (short)y, x, (byte)y, y, -y, (uint)y, x, (sbyte)x, y * 3);

    /// <summary>System V passes five integer arguments (after the hidden frame pointer) in registers and the other
    /// seven on the stack; the callee finds them above its return address, past its saved registers and frame.</summary>
    [Fact]
    public void Calls_with_more_than_six_arguments_pass_the_rest_on_the_stack()
    {
        var compiled = Jit.Compile<Func<long, long, long>>(CallsTwelve);
        foreach (var (x, y) in new[] { (0L, 0L), (1L, 2L), (-5L, 1000L), (long.MaxValue, long.MinValue), (0x1234_5678_9ABCL, -77L) })
            Assert.Equal(CallsTwelve(x, y), compiled(x, y));
        Assert.Contains("[rsp+", Jit.Disassemble(compiled));
    }

    /// <summary>The callee-saved registers compiled code may use: the frame register is the entry stub's to set.</summary>
    static readonly Register[] CalleeSaved = [.. CallingConvention.SystemV.CalleeSaved.Where(r => r != X64Registers.Frame)];

    /// <summary>
    /// A native harness puts a known value in every callee-saved register, calls the compiled function (which uses
    /// callee-saved registers of its own), and returns a bit for each register that did not survive. The entry stub
    /// restores them for the managed caller anyway, so only code like this can see a function that forgets to.
    /// </summary>
    /// <summary>Compiles <paramref name="root"/> and its callees the way the driver does, under any convention,
    /// behind an entry stub that calls <paramref name="harness"/> when given (else the root itself).</summary>
    static (Func<long, long> Call, IDisposable Memory, bool PushesSomething) CompileUnit(MethodInfo root, CallingConvention convention,
        Action<X64Assembler, Label>? harness = null, Func<MethodBase, Action<X64Assembler>?>? handWritten = null)
    {
        var asm = new X64Assembler();
        var errorExit = asm.CreateLabel("error exit");
        var entries = new Dictionary<MethodBase, Label>();
        var pending = new Queue<MethodBase>();
        Label EntryOf(MethodBase method)
        {
            if (!entries.TryGetValue(method, out var label))
            {
                entries[method] = label = asm.CreateLabel(method.Name);
                pending.Enqueue(method);
            }
            return label;
        }
        var body = EntryOf(root);
        var start = body;
        if (harness is not null)
        {
            start = asm.CreateLabel("harness");
            asm.Bind(start);
            harness(asm, body);
        }
        while (pending.TryDequeue(out var method))
        {
            if (handWritten?.Invoke(method) is { } write)
            {
                asm.Bind(entries[method]);
                write(asm);
                continue;
            }
            JitCompiler.CompileFunction(CilMethod.FromMethod(method), false, new JitOptions(), convention, asm, entries[method],
                target => EntryOf(target.Method!), errorExit);
        }
        var stub = EntryStub.Emit(asm, start, [ArgumentClass.Integer], ArgumentClass.Integer, convention);
        EntryStub.EmitErrorExit(asm, errorExit, convention);
        var bytes = asm.Assemble();
        // The compiled functions lie between the root's entry and the stub.
        int from = asm.OffsetOf(body), to = asm.OffsetOf(stub);
        var decoder = Iced.Intel.Decoder.Create(64, new Iced.Intel.ByteArrayCodeReader(bytes[from..to]));
        bool pushesSomething = false;
        while (decoder.IP < (ulong)(to - from)) pushesSomething |= decoder.Decode().Mnemonic == Iced.Intel.Mnemonic.Push;
        var memory = ExecutableMemory.Create(bytes);
        return (NativeBinding.CreateDelegate<Func<long, long>>(memory.Address + asm.OffsetOf(stub), memory), memory, pushesSomething);
    }

    /// <summary>
    /// A native harness puts a known value in every callee-saved register, calls the compiled function (which uses
    /// callee-saved registers of its own), and returns a bit for each register that did not survive. The entry stub
    /// restores them for the managed caller anyway, so only code like this can see a function that forgets to.
    /// </summary>
    [Fact]
    public void Callee_saved_registers_survive_a_call_into_compiled_code()
    {
        var (call, memory, pushesSomething) = CompileUnit(BackendPipeline.Method(typeof(EmitterTests), nameof(AcrossCalls)),
            CallingConvention.SystemV, (asm, body) =>
            {
                // harness(frame, a): load the frame register as the entry stub does, plant sentinels, call the body
                // (rsi passes through), then compare.
                asm.Mov(X64Registers.Frame, Register.Rdi);
                for (int i = 0; i < CalleeSaved.Length; i++) asm.Mov(CalleeSaved[i], Sentinel(i));
                asm.Push(Register.Rdi);  // keeps the frame pointer for the check below, and aligns rsp for the call
                asm.Call(body);
                asm.Pop(Register.Rdx);
                asm.Xor(Register.Eax, Register.Eax);
                var frameIntact = asm.CreateLabel();
                asm.Cmp(X64Registers.Frame, Register.Rdx);  // no compiled code may change the frame register
                asm.Jcc(Condition.E, frameIntact);
                asm.Or(Register.Rax, 1L << 7);
                asm.Bind(frameIntact);
                for (int i = 0; i < CalleeSaved.Length; i++)
                {
                    var intact = asm.CreateLabel();
                    asm.Mov(Register.R11, Sentinel(i));
                    asm.Cmp(CalleeSaved[i], Register.R11);
                    asm.Jcc(Condition.E, intact);
                    asm.Or(Register.Rax, 1L << i);
                    asm.Bind(intact);
                }
                asm.Ret();
            });
        using (memory)
        {
            Assert.True(pushesSomething, "the test needs a function that uses callee-saved registers");
            Assert.Equal(0, call(12345));
        }
    }

    static long Probe(long x) => x;  // replaced by hand-written code that returns rsp mod 16 at its entry

    static long OneSpillOfPressure(long a)
    {
        long x1 = a * 3, x2 = a * 5, x3 = a * 7, x4 = a * 11, x5 = a * 13, x6 = a * 17, x7 = a * 19, x8 = a * 23;
        long r = Probe(a);
        return r * 1000 + ((x1 ^ x2 ^ x3 ^ x4 ^ x5 ^ x6 ^ x7 ^ x8) & 7);
    }

    static long TwoLiveAcross(long a) { long x = a + 1, y = a * 3; return Probe(a) * 1000 + ((x ^ y) & 7); }
    static long OneLiveAcross(long a) { long x = a + 1; return Probe(a) * 1000 + (x & 7); }
    static long Nested(long a) => OneLiveAcross(a + 1) + TwoLiveAcross(a) + OneSpillOfPressure(a);
    static long ManyArguments(long a) => Probe(a) * 1000 + (Twelve(a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11) & 7);

    /// <summary>
    /// rsp must be 16-byte aligned at every call, whatever the caller saved and spilled: the probe, entered through a
    /// call, must see rsp ≡ 8 (mod 16). A misaligned call would go unnoticed in integer code, so the probe reports it.
    /// Each probe adds 8000 to the result (the rest is below 1000), so the thousands count 8 per probe.
    /// </summary>
    [Theory]
    [InlineData(nameof(OneLiveAcross), 1)]
    [InlineData(nameof(TwoLiveAcross), 1)]
    [InlineData(nameof(OneSpillOfPressure), 1)]
    [InlineData(nameof(Nested), 3)]
    [InlineData(nameof(ManyArguments), 1)]
    public void The_stack_is_16_byte_aligned_at_every_call(string name, int probes)
    {
        var probe = BackendPipeline.Method(typeof(EmitterTests), nameof(Probe));
        var (call, memory, _) = CompileUnit(BackendPipeline.Method(typeof(EmitterTests), name), CallingConvention.SystemV,
            handWritten: method => method != probe ? null : asm =>
            {
                asm.Mov(Register.Rax, Register.Rsp);
                asm.And(Register.Rax, 15);
                asm.Ret();
            });
        using (memory)
            foreach (var a in new[] { 0L, 5, -7 })
                Assert.Equal(8 * probes, call(a) / 1000);
    }

    static long CallsTwelveOnce(long x) => CallsTwelve(x, x * 7 - 3);

    /// <summary>Windows x64 reserves 32 bytes of shadow space above the return address for the callee. The emitter and
    /// the entry stub honour <see cref="CallingConvention.ShadowSpace"/>: stack arguments move up past it on both
    /// sides of every call, so a unit compiled under System V with shadow space added still computes the same.</summary>
    [Fact]
    public void Shadow_space_moves_stack_arguments_consistently()
    {
        var withShadowSpace = CallingConvention.SystemV with { Name = "System V with shadow space", ShadowSpace = 32 };
        var (call, memory, _) = CompileUnit(BackendPipeline.Method(typeof(EmitterTests), nameof(CallsTwelveOnce)), withShadowSpace);
        using (memory)
            foreach (var x in new[] { 0L, 1, -9, 123456789, long.MaxValue, long.MinValue })
                Assert.Equal(CallsTwelveOnce(x), call(x));
    }

    static long Sentinel(int i) => 0x0101_0101_0101_0101L * (i + 1) + 0x7700;

    [Fact]
    public void The_seed_s_foo_is_straight_register_code_without_push_or_pop()
    {
        var foo = Jit.Compile<Func<long, long, long>>((a, b) => a * a - b * b);
        var body = FunctionText(Jit.Disassemble(foo), "b__");  // the lambda's compiler-generated name
        Assert.Contains("imul", body);
        Assert.DoesNotContain("push", body);
        Assert.DoesNotContain("pop", body);
        Assert.DoesNotContain("[rsp", body);  // no stack slots either
        Assert.Equal(5, foo(3, 2));
    }

    [Fact]
    public void Recursive_fibonacci_pushes_and_pops_only_in_its_prologue_and_epilogue()
    {
        var fib = Jit.Compile<Func<long, long>>(Fib);
        var lines = FunctionText(Jit.Disassemble(fib), "EmitterTests.Fib").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var mnemonics = lines.Select(l => l[44..].Split(' ')[0]).ToList();
        int firstOther = mnemonics.FindIndex(m => m is not ("push" or "cmp" or "jb"));
        int lastPop = mnemonics.FindLastIndex(m => m == "pop");
        Assert.DoesNotContain("push", mnemonics.Skip(firstOther));
        // Every pop belongs to an epilogue: a run of pops that ends in ret.
        for (int i = 0; i <= lastPop; i++)
            if (mnemonics[i] == "pop") Assert.Contains(mnemonics.Skip(i).SkipWhile(m => m == "pop").First(), new[] { "ret" });
        Assert.Equal(6765, fib(20));
    }

    /// <summary>The lines of one function in a disassembly listing (from its label to the next label).</summary>
    static string FunctionText(string listing, string nameContains)
    {
        var lines = listing.Split('\n');
        int start = Array.FindIndex(lines, l => l.EndsWith(':') && l.Contains(nameContains));
        if (start < 0) return "";
        var body = lines.Skip(start + 1).TakeWhile(l => !l.EndsWith(':'));
        return string.Join("\n", body);
    }
}
