using MiniJit.Cli.Fuzzing;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;

namespace MiniJit.Tests.ClrParity;

/// <summary>The opcode × type matrix: one tiny static method per (operation, type), generated as C# source,
/// compiled by Roslyn in Debug and Release (different IL shapes), each compared with the CLR over
/// edge × edge values and random values under both optimizer settings.</summary>
public static class OpcodeMatrix
{
    public static readonly string[] IntegerTypes = ["int", "long", "uint", "ulong", "short", "ushort", "byte", "sbyte", "char", "nint", "nuint"];
    public static readonly string[] FloatTypes = ["float", "double"];
    static readonly HashSet<string> Unsigned = ["uint", "ulong", "ushort", "byte", "char", "nuint"];

    static readonly (string Name, string Op)[] Binary =
        [("Add", "+"), ("Sub", "-"), ("Mul", "*"), ("Div", "/"), ("Rem", "%"), ("And", "&"), ("Or", "|"), ("Xor", "^")];
    static readonly (string Name, string Op)[] Shifts = [("Shl", "<<"), ("Shr", ">>"), ("Ushr", ">>>")];
    static readonly (string Name, string Op)[] Comparisons =
        [("Eq", "=="), ("Ne", "!="), ("Lt", "<"), ("Le", "<="), ("Gt", ">"), ("Ge", ">=")];
    /// <summary>The types that Math.Max, Min, Clamp (and, signed, Abs and Sign) have an overload for.</summary>
    static readonly string[] MathTypes = [.. IntegerTypes.Where(t => t != "char")];
    static readonly long[] Constants = [1, -1, 2, 3, 7, 8, 10, 16, 1000, -1000, int.MaxValue, int.MinValue, long.MinValue];

    public static readonly string Source = Generate();

    static string Generate()
    {
        var s = new StringBuilder("public static class M\n{\n");
        void Add(string line) => s.Append("    public static ").Append(line).Append('\n');
        foreach (var t in IntegerTypes)
        {
            foreach (var (name, op) in Binary) Add($"{t} {name}_{t}({t} a, {t} b) => unchecked(({t})(a {op} b));");
            // nint/nuint shifts compile to IL that masks the count with `sizeof`, which is not supported yet:
            // NativeIntegerShiftsAreRejectedAtSizeof expects the JitException instead.
            if (t is not ("nint" or "nuint"))
                foreach (var (name, op) in Shifts) Add($"{t} {name}_{t}({t} a, int n) => unchecked(({t})(a {op} n));");
            if (t is not ("ulong" or "nuint")) Add($"{t} Neg_{t}({t} a) => unchecked(({t})(-a));");
            Add($"{t} Not_{t}({t} a) => unchecked(({t})(~a));");
            foreach (var (name, op) in Comparisons)
            {
                Add($"bool {name}_{t}({t} a, {t} b) => a {op} b;");
                Add($"int Branch{name}_{t}({t} a, {t} b) {{ if (a {op} b) return 10; return 20; }}");
            }
            foreach (var from in IntegerTypes.Where(f => f != t)) Add($"{t} Conv_{t}_from_{from}({from} a) => unchecked(({t})a);");
            Add($"bool ToBool_{t}({t} a) => a != 0;");
            // Checked: add.ovf, sub.ovf and mul.ovf (.un for unsigned types; narrow types compute in int and then
            // convert with conv.ovf), and every conversion, whose unsigned sources give the conv.ovf.*.un forms.
            foreach (var (name, op) in Binary[..3]) Add($"{t} Checked{name}_{t}({t} a, {t} b) => checked(({t})(a {op} b));");
            if (!Unsigned.Contains(t)) Add($"{t} CheckedNeg_{t}({t} a) => checked(({t})(-a));");
            foreach (var from in IntegerTypes.Where(f => f != t)) Add($"{t} CheckedConv_{t}_from_{from}({from} a) => checked(({t})a);");
        }
        foreach (var (t, i) in MathTypes.Select((t, i) => (t, i)))
        {
            Add($"{t} MathMax_{t}({t} a, {t} b) => System.Math.Max(a, b);");
            Add($"{t} MathMin_{t}({t} a, {t} b) => System.Math.Min(a, b);");
            Add($"{t} MathClamp_{t}({t} a, {t} min, {t} max) => System.Math.Clamp(a, min, max);");
            if (Unsigned.Contains(t)) continue;
            Add($"{t} MathAbs_{t}({t} a) => System.Math.Abs(a);");
            Add($"int MathSign_{t}({t} a) => System.Math.Sign(a);");
        }
        Add("long MathBigMul_int(int a, int b) => System.Math.BigMul(a, b);");
        Add("ulong MathBigMul_uint(uint a, uint b) => System.Math.BigMul(a, b);");
        foreach (var t in new[] { "int", "long", "uint", "ulong" })
        {
            foreach (var (c, i) in Constants.Select((c, i) => (c, i)))
            {
                if (Unsigned.Contains(t) && c < 0) continue;
                var k = $"unchecked(({t})({c}L))";
                if (c == long.MinValue) k = $"unchecked(({t})long.MinValue)";
                Add($"{t} DivC{i}_{t}({t} a) => unchecked(({t})(a / {k}));");
                Add($"{t} RemC{i}_{t}({t} a) => unchecked(({t})(a % {k}));");
                Add($"{t} MulC{i}_{t}({t} a) => unchecked(({t})(a * {k}));");
                Add($"{t} AddC{i}_{t}({t} a) => unchecked(({t})(a + {k}));");
                Add($"{t} AndC{i}_{t}({t} a) => unchecked(({t})(a & {k}));");
                Add($"bool LtC{i}_{t}({t} a) => a < {k};");
                Add($"bool EqC{i}_{t}({t} a) => a == {k};");
                Add($"{t} CheckedAddC{i}_{t}({t} a) => checked(a + {k});");
                Add($"{t} CheckedSubC{i}_{t}({t} a) => checked(a - {k});");
                Add($"{t} CheckedSubFromC{i}_{t}({t} a) => checked({k} - a);");
                Add($"{t} CheckedMulC{i}_{t}({t} a) => checked(a * {k});");
            }
            foreach (var n in new[] { 0, 1, 7, 31, 32, 63, 64 })
            {
                Add($"{t} ShlC{n}_{t}({t} a) => unchecked(({t})(a << {n}));");
                Add($"{t} ShrC{n}_{t}({t} a) => unchecked(({t})(a >> {n}));");
                Add($"{t} UshrC{n}_{t}({t} a) => unchecked(({t})(a >>> {n}));");
            }
        }
        // Booleans.
        Add("bool And_bool(bool a, bool b) => a & b;");
        Add("bool Or_bool(bool a, bool b) => a | b;");
        Add("bool Xor_bool(bool a, bool b) => a ^ b;");
        Add("bool AndAlso_bool(bool a, bool b) => a && b;");
        Add("bool OrElse_bool(bool a, bool b) => a || b;");
        Add("bool Not_bool(bool a) => !a;");
        Add("bool Eq_bool(bool a, bool b) => a == b;");
        Add("bool Ne_bool(bool a, bool b) => a != b;");
        Add("int Select_bool(bool a, int x, int y) => a ? x : y;");
        // Mixed widths: implicit widening feeding arithmetic.
        Add("long MulWide_int(int a, int b) => (long)a * b;");
        Add("ulong MulWide_uint(uint a, uint b) => (ulong)a * b;");
        Add("long AddMixed_int_long(int a, long b) => a + b;");
        Add("long AddMixed_uint_long(uint a, long b) => a + b;");
        Add("long SubMixed_uint_int(uint a, int b) => a - b;");
        Add("ulong AddMixed_byte_ulong(byte a, ulong b) => a + b;");
        Add("int AddMixed_sbyte_short(sbyte a, short b) => a + b;");
        Add("int MulMixed_char_byte(char a, byte b) => a * b;");
        Add("long ShlMixed_int(int a, int n) => (long)a << n;");
        Add("nint AddMixed_nint_int(nint a, int b) => a + b;");
        Add("bool LtMixed_int_uint(int a, uint b) => a < b;");
        Add("bool EqMixed_long_ulong_trunc(long a, ulong b) => (ulong)a == b;");
        Add("long CheckedAddMixed_int_long(int a, long b) => checked(a + b);");
        Add("long CheckedMulMixed_uint_long(uint a, long b) => checked(a * b);");
        Add("nint CheckedAddMixed_nint_int(nint a, int b) => checked(a + b);");
        Add("nuint CheckedMulMixed_nuint_uint(nuint a, uint b) => checked(a * b);");
        Add("int CheckedMulMixed_char_byte(char a, byte b) => checked(a * b);");
        AddFloatingPoint(Add);
        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>float and double: arithmetic, comparisons and branches (negated ones give the .un forms), every
    /// conversion to and from every integer type (unchecked and checked), and the math library.</summary>
    static void AddFloatingPoint(Action<string> Add)
    {
        foreach (var t in FloatTypes)
        {
            var math = t == "float" ? "System.MathF" : "System.Math";
            foreach (var (name, op) in Binary.Take(5)) Add($"{t} {name}_{t}({t} a, {t} b) => a {op} b;");
            Add($"{t} Neg_{t}({t} a) => -a;");
            Add($"{t} Poly_{t}({t} a) => ({t})1.5 * a * a - ({t})0.1 * a + ({t})2;");
            Add($"{t} DivC_{t}({t} a) => a / ({t})3;");
            Add($"{t} Zero_{t}({t} a) => a * 0 + (a - a);");
            foreach (var (name, op) in Comparisons)
            {
                Add($"bool {name}_{t}({t} a, {t} b) => a {op} b;");
                Add($"bool Not{name}_{t}({t} a, {t} b) => !(a {op} b);");
                Add($"int Branch{name}_{t}({t} a, {t} b) {{ if (a {op} b) return 10; return 20; }}");
                Add($"int BranchNot{name}_{t}({t} a, {t} b) {{ if (!(a {op} b)) return 10; return 20; }}");
            }
            Add($"{t} Select_{t}({t} a, {t} b) => a < b ? a + 1 : b * 2;");
            foreach (var from in IntegerTypes)
            {
                Add($"{t} Conv_{t}_from_{from}({from} a) => ({t})a;");
                Add($"{from} Conv_{from}_from_{t}({t} a) => unchecked(({from})a);");
                Add($"{from} ConvOvf_{from}_from_{t}({t} a) => checked(({from})a);");
            }
            Add($"{t} Sqrt_{t}({t} a) => {math}.Sqrt(a);");
            Add($"{t} Abs_{t}({t} a) => {math}.Abs(a);");
            foreach (var f in new[] { "Floor", "Ceiling", "Truncate", "Round", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Tanh", "Exp", "Log", "Log10", "Log2", "Cbrt" })
                Add($"{t} {f}_{t}({t} a) => {math}.{f}(a);");
            foreach (var f in new[] { "Atan2", "Pow", "Max", "Min", "CopySign" })
                Add($"{t} {f}_{t}({t} a, {t} b) => {math}.{f}(a, b);");
            Add($"{t} Fma_{t}({t} a, {t} b) => {math}.FusedMultiplyAdd(a, b, ({t})0.5);");
            foreach (var mode in new[] { "ToEven", "AwayFromZero", "ToZero", "ToNegativeInfinity", "ToPositiveInfinity" })
                Add($"{t} Round{mode}_{t}({t} a) => {math}.Round(a, System.MidpointRounding.{mode});");
            Add($"bool IsNaN_{t}({t} a) => {t}.IsNaN(a);");
            Add($"bool IsFinite_{t}({t} a) => {t}.IsFinite(a);");
            Add($"bool IsInfinity_{t}({t} a) => {t}.IsInfinity(a);");
            Add($"bool IsPositiveInfinity_{t}({t} a) => {t}.IsPositiveInfinity(a);");
            Add($"bool IsNegativeInfinity_{t}({t} a) => {t}.IsNegativeInfinity(a);");
            Add($"int BranchIsNaN_{t}({t} a) => {t}.IsNaN(a) ? 1 : {t}.IsFinite(a) ? 2 : 3;");
            Add($"int Sign_{t}({t} a) => {math}.Sign(a);");
        }
        Add("double Widen_float(float a) => a;");
        Add("float Narrow_double(double a) => (float)a;");
        Add("double MulMixed_float_double(float a, double b) => a * b;");
        Add("float MulMixed_float_int(float a, int b) => a * b;");
        Add("long Bits_double(double a) => System.BitConverter.DoubleToInt64Bits(a);");
        Add("double FromBits_long(long a) => System.BitConverter.Int64BitsToDouble(a);");
        Add("int Bits_float(float a) => System.BitConverter.SingleToInt32Bits(a);");
        Add("float FromBits_int(int a) => System.BitConverter.Int32BitsToSingle(a);");
        Add("double Mix_double(double a, float b, long c, int d, double e, float f, double g, double h) => a * b + c - d / e + f * g - h;");
    }

    static readonly Dictionary<OptimizationLevel, Lazy<Type>> Compiled = new()
    {
        [OptimizationLevel.Debug] = new(() => ProgramCompiler.Compile(Source, "OpcodeMatrixDebug", OptimizationLevel.Debug).GetType("M")!),
        [OptimizationLevel.Release] = new(() => ProgramCompiler.Compile(Source, "OpcodeMatrixRelease", OptimizationLevel.Release).GetType("M")!),
    };

    public static MethodInfo Method(OptimizationLevel level, string name) =>
        Compiled[level].Value.GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new InvalidOperationException($"no generated method {name}");

    public static IEnumerable<string> MethodNames() =>
        Compiled[OptimizationLevel.Release].Value.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly).Select(m => m.Name);

    /// <summary>The generated source line of one method, for failure messages.</summary>
    public static string SourceOf(string name) =>
        Source.Split('\n').FirstOrDefault(l => l.Contains($" {name}(", StringComparison.Ordinal))?.Trim() ?? name;
}

public class OpcodeMatrixTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in OpcodeMatrix.MethodNames())
            foreach (var level in new[] { nameof(OptimizationLevel.Release), nameof(OptimizationLevel.Debug) })
                data.Add(level, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesClr(string roslynOptimization, string method)
    {
        var m = OpcodeMatrix.Method(Enum.Parse<OptimizationLevel>(roslynOptimization), method);
        var gens = m.GetParameters().Select(_ => Values.Mixed).ToArray();
        Parity.Check(m, Parity.EdgeInputs(m), Values.Vector(gens), randomSamples: 100,
            context: $"Roslyn {roslynOptimization} build of: {OpcodeMatrix.SourceOf(method)}");
    }

    [Fact]
    public void MatrixCoversEveryTypeAndOperation()
    {
        var names = OpcodeMatrix.MethodNames().ToHashSet();
        foreach (var t in OpcodeMatrix.IntegerTypes)
            foreach (var op in new[] { "Add", "Sub", "Mul", "Div", "Rem", "And", "Or", "Xor", "Shl", "Shr", "Ushr", "Not", "Eq", "Lt", "Ge", "BranchLe" })
                if (!(t is "nint" or "nuint" && op.EndsWith("hl", StringComparison.Ordinal) || t is "nint" or "nuint" && op.EndsWith("hr", StringComparison.Ordinal)))
                    Assert.Contains($"{op}_{t}", names);
        foreach (var t in OpcodeMatrix.IntegerTypes)
        {
            foreach (var op in new[] { "CheckedAdd", "CheckedSub", "CheckedMul" }) Assert.Contains($"{op}_{t}", names);
            foreach (var from in OpcodeMatrix.IntegerTypes.Where(f => f != t)) Assert.Contains($"CheckedConv_{t}_from_{from}", names);
            if (t != "char") Assert.Contains($"MathMax_{t}", names);
        }
        foreach (var t in OpcodeMatrix.FloatTypes)
            foreach (var name in new[] { "Add", "Sub", "Mul", "Div", "Rem", "Neg", "Eq", "NotLt", "BranchNotGe", "Sqrt", "Sin", "Pow", "Round" }
                         .Select(op => $"{op}_{t}").Concat([$"Conv_ulong_from_{t}", $"ConvOvf_int_from_{t}", $"Conv_{t}_from_ulong"]))
                Assert.Contains(name, names);
        Assert.True(names.Count > 1300, $"only {names.Count} generated methods");
    }
}

/// <summary>C# shifts of nint/nuint mask the count with <c>sizeof native int</c>; MiniJit does not support the
/// <c>sizeof</c> opcode yet, so it must refuse them, pointing at it (never compile them wrongly).</summary>
public static class NativeIntegerShifts
{
    public static nint Shl(nint a, int n) => a << n;
    public static nint Shr(nint a, int n) => a >> n;
    public static nuint Ushr(nuint a, int n) => a >>> n;
}

/// <summary>C# masks the count of a shift on nint with <c>sizeof(nint) * 8 - 1</c>, so these also cover sizeof.</summary>
public class NativeIntegerShiftTests
{
    [Theory]
    [InlineData(nameof(NativeIntegerShifts.Shl))]
    [InlineData(nameof(NativeIntegerShifts.Shr))]
    [InlineData(nameof(NativeIntegerShifts.Ushr))]
    public void NativeIntegerShiftsMatchTheClr(string name)
    {
        var m = typeof(NativeIntegerShifts).GetMethod(name)!;
        Parity.Check(m, Parity.EdgeInputs(m), Values.Vector([Values.Mixed, Values.Mixed]), randomSamples: 100);
    }
}
