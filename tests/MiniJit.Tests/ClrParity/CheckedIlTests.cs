using System.Reflection;
using MiniJit.Cil;
using MiniJit.Tests.Cil;

namespace MiniJit.Tests.ClrParity;

/// <summary>Checked IL the C# compiler never writes, compared with the CLR: every conv.ovf.* opcode on every integer
/// stack type (C# picks the one form it needs), and checked arithmetic mixing int32 with native int, where the CLR
/// sign-extends the int32 for add.ovf but zero-extends it for the .un forms.</summary>
public class CheckedIlTests
{
    static readonly CilOp[] Conversions =
    [
        CilOp.Conv_Ovf_I1, CilOp.Conv_Ovf_U1, CilOp.Conv_Ovf_I2, CilOp.Conv_Ovf_U2, CilOp.Conv_Ovf_I4, CilOp.Conv_Ovf_U4,
        CilOp.Conv_Ovf_I8, CilOp.Conv_Ovf_U8, CilOp.Conv_Ovf_I, CilOp.Conv_Ovf_U,
        CilOp.Conv_Ovf_I1_Un, CilOp.Conv_Ovf_U1_Un, CilOp.Conv_Ovf_I2_Un, CilOp.Conv_Ovf_U2_Un, CilOp.Conv_Ovf_I4_Un,
        CilOp.Conv_Ovf_U4_Un, CilOp.Conv_Ovf_I8_Un, CilOp.Conv_Ovf_U8_Un, CilOp.Conv_Ovf_I_Un, CilOp.Conv_Ovf_U_Un,
    ];

    /// <summary>The CLR type the result is returned as: what the opcode pushes (int32, int64 or native int).</summary>
    static Type ResultOf(CilOp op) => op switch
    {
        CilOp.Conv_Ovf_I8 or CilOp.Conv_Ovf_U8 or CilOp.Conv_Ovf_I8_Un or CilOp.Conv_Ovf_U8_Un => typeof(long),
        CilOp.Conv_Ovf_I or CilOp.Conv_Ovf_U or CilOp.Conv_Ovf_I_Un or CilOp.Conv_Ovf_U_Un => typeof(nint),
        _ => typeof(int),
    };

    public static TheoryData<string, string> ConversionCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var op in Conversions)
            foreach (var source in new[] { nameof(Int32), nameof(Int64), nameof(IntPtr) })
                data.Add(op.ToString(), source);
        return data;
    }

    [Theory]
    [MemberData(nameof(ConversionCases))]
    public void EveryCheckedConversionOfEveryIntegerAgreesWithTheClr(string opName, string sourceName)
    {
        var op = Enum.Parse<CilOp>(opName);
        var source = Type.GetType($"System.{sourceName}")!;
        var method = EmittedMethod.Build(ResultOf(op), [source], () => new IlWriter().Op(CilOp.Ldarg_0).Op(op).Op(CilOp.Ret));
        Parity.Check(method, Parity.EdgeInputs(method), Values.Vector([Values.Mixed]), randomSamples: 200, context: $"{opName} of {sourceName}");
    }

    /// <summary>Constant operands: folded when they fit, and otherwise left for run time as immediates, which the
    /// templates must load (unoptimized code keeps every constant an immediate).</summary>
    [Fact]
    public void ConstantOperandsAgreeWithTheClr()
    {
        long[] constants = [0, 1, -1, 2, 127, 128, 255, 256, -129, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue, long.MinValue, long.MaxValue];
        foreach (var op in Conversions)
            foreach (var k in constants)
            {
                var method = EmittedMethod.Build(ResultOf(op), [], () => new IlWriter().Op(CilOp.Ldc_I8).I64(k).Op(op).Op(CilOp.Ret));
                Parity.Check(method, [[]], Values.Vector([]), randomSamples: 0, context: $"{op} of int64 {k}");
                if (k != (int)k) continue;
                method = EmittedMethod.Build(ResultOf(op), [], () => new IlWriter().Op(CilOp.Ldc_I4).I32((int)k).Op(op).Op(CilOp.Ret));
                Parity.Check(method, [[]], Values.Vector([]), randomSamples: 0, context: $"{op} of int32 {k}");
            }
        foreach (var op in new[] { CilOp.Add_Ovf, CilOp.Add_Ovf_Un, CilOp.Sub_Ovf, CilOp.Sub_Ovf_Un, CilOp.Mul_Ovf, CilOp.Mul_Ovf_Un })
            foreach (var (a, b) in new[] { (1, 2), (-1, 1), (int.MaxValue, 1), (int.MinValue, -1), (65536, 65536), (46341, 46340), (0, -1) })
            {
                var method = EmittedMethod.Build(typeof(int), [], () => new IlWriter().Op(CilOp.Ldc_I4).I32(a).Op(CilOp.Ldc_I4).I32(b).Op(op).Op(CilOp.Ret));
                Parity.Check(method, [[]], Values.Vector([]), randomSamples: 0, context: $"{op} of {a} and {b}");
            }
    }

    [Theory]
    [InlineData(nameof(CilOp.Add_Ovf))]
    [InlineData(nameof(CilOp.Add_Ovf_Un))]
    [InlineData(nameof(CilOp.Sub_Ovf))]
    [InlineData(nameof(CilOp.Sub_Ovf_Un))]
    [InlineData(nameof(CilOp.Mul_Ovf))]
    [InlineData(nameof(CilOp.Mul_Ovf_Un))]
    public void AnInt32MeetingANativeIntIsWidenedAsTheClrWidensIt(string opName)
    {
        var op = Enum.Parse<CilOp>(opName);
        foreach (var parameters in new[] { new[] { typeof(nint), typeof(int) }, [typeof(int), typeof(nint)] })
        {
            var method = EmittedMethod.Build(typeof(nint), parameters,
                () => new IlWriter().Op(CilOp.Ldarg_0).Op(CilOp.Ldarg_1).Op(op).Op(CilOp.Ret));
            Parity.Check(method, Parity.EdgeInputs(method), Values.Vector([Values.Mixed, Values.Mixed]), randomSamples: 200,
                context: $"{opName} of {parameters[0].Name} and {parameters[1].Name}");
        }
    }
}
