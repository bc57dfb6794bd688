using MiniJit.Assembler;
using MiniJit.Lowering;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.Backend;

/// <summary>The x64 templates of the checked operations: the flag each one tests, and mul.ovf.un's use of rdx:rax,
/// which values living across it must stay out of.</summary>
public class CheckedCodeTests
{
    public static ulong MultiplyUnsigned(ulong a, ulong b) => checked(a * b);
    public static uint AddUnsigned(uint a, uint b) => checked(a + b);
    public static long SubtractSigned(long a, long b) => checked(a - b);
    public static int Narrow(long a) => checked((int)a);
    public static uint NarrowUnsigned(long a) => checked((uint)a);
    public static long FromUnsigned(ulong a) => checked((long)a);
    public static byte ToByte(int a) => checked((byte)a);

    /// <summary>Values live across each unsigned multiply, more of them than the registers other than rax and rdx.</summary>
    public static ulong LiveAcrossMultiplies(ulong a, ulong b, uint c)
    {
        ulong x1 = a ^ 3, x2 = b + 5, x3 = a - b, x4 = a | 9, x5 = b & 0xFFFF, x6 = a >> 3, x7 = b << 2, x8 = a + 11;
        ulong p = checked((a & 0xFFFF) * (b & 0xFFFF));
        uint q = checked(c * (c >> 16));
        ulong r = checked(p * (x5 + 1));
        return x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + p + q + r;
    }

    static System.Reflection.MethodInfo Method(string name) => typeof(CheckedCodeTests).GetMethod(name)!;

    [Theory]
    [InlineData(nameof(MultiplyUnsigned), "mul ", "jo ")]   // one-operand mul: OF when rdx, the high half, is not zero
    [InlineData(nameof(AddUnsigned), "add ", "jb ")]        // the carry
    [InlineData(nameof(SubtractSigned), "sub ", "jo ")]
    [InlineData(nameof(Narrow), "movsxd ", "jne ")]         // sign-extending the low half gives the value back
    [InlineData(nameof(NarrowUnsigned), "mov r10d", "jne ")]  // and zero-extending it
    [InlineData(nameof(FromUnsigned), "test ", "js ")]      // a ulong fits a long when its sign bit is clear
    [InlineData(nameof(ToByte), "cmp ", "ja ")]             // negative values are huge unsigned ones
    public void EachCheckTestsItsFlag(string name, string operation, string jump)
    {
        var code = Jit.Disassemble(Parity.Compile(Method(name), new JitOptions()));
        Assert.Contains(operation, code);
        Assert.Contains(jump, code);
    }

    [Theory]
    [InlineData(nameof(MultiplyUnsigned))]
    [InlineData(nameof(AddUnsigned))]
    [InlineData(nameof(SubtractSigned))]
    [InlineData(nameof(Narrow))]
    [InlineData(nameof(NarrowUnsigned))]
    [InlineData(nameof(FromUnsigned))]
    [InlineData(nameof(ToByte))]
    [InlineData(nameof(LiveAcrossMultiplies))]
    public void AgreesWithTheClr(string name) =>
        Parity.Check(Method(name), Parity.EdgeInputs(Method(name)),
            Values.Vector([.. Method(name).GetParameters().Select(_ => Values.Mixed)]), randomSamples: 200);

    [Fact]
    public void NoValueLivesInRaxOrRdxAcrossAnUnsignedCheckedMultiply()
    {
        var (_, live, allocation) = BackendPipeline.Allocate(BackendPipeline.Optimized(Method(nameof(LiveAcrossMultiplies))));
        Assert.Contains(live.Clobbers, c => c.Registers == (X64Registers.Mask(Register.Rax) | X64Registers.Mask(Register.Rdx)));
        Assert.Empty(BackendPipeline.Violations(live, allocation));
    }
}
