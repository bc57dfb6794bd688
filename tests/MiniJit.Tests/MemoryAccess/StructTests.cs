using System.Reflection;
using System.Runtime.CompilerServices;
using MiniJit.Binding;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.MemoryAccess;

/// <summary>Structs of primitive fields — locals, parameters, results, fields, methods, by-refs and pointers to them —
/// against the CLR, with random field values (edge values included), the optimizer on and off; every System V class
/// at the delegate boundary and between compiled methods.</summary>
public unsafe class StructTests
{
    static MethodInfo Method(string name) => typeof(StructPrograms).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new ArgumentException(name);

    /// <summary>A value of <paramref name="type"/> (a primitive, or a struct with every field set at random, nested
    /// structs too); by-refs get a value of their target type.</summary>
    static object RandomValue(Type type, Random random)
    {
        if (type.IsByRef) type = type.GetElementType()!;
        if (type.IsPrimitive || type.IsEnum)
        {
            long raw = random.Next(4) == 0 ? Values.EdgesFor(type)[random.Next(Values.EdgesFor(type).Length)] : random.Next(-50, 50);
            if (type.IsEnum) return Enum.ToObject(type, (int)((ulong)raw % 7));
            return Values.Convert(type == typeof(double) || type == typeof(float) ? BitConverter.DoubleToInt64Bits(raw / 4.0) : raw, type);
        }
        var value = RuntimeHelpers.GetUninitializedObject(type);
        foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            field.SetValue(value, RandomValue(field.FieldType, random));
        return value;
    }

    static IEnumerable<object?[]> RandomInputs(MethodInfo m, int count, int seed = 1)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
            yield return [.. m.GetParameters().Select(p => p.ParameterType.IsArray ? null : RandomValue(p.ParameterType, random))];
    }

    [Theory]
    [InlineData(nameof(StructPrograms.PointMethods))]
    [InlineData(nameof(StructPrograms.CopiesAreValues))]
    [InlineData(nameof(StructPrograms.Mandelbrot))]
    [InlineData(nameof(StructPrograms.Square))]
    [InlineData(nameof(StructPrograms.Swap))]
    [InlineData(nameof(StructPrograms.ScaleLongDouble))]
    [InlineData(nameof(StructPrograms.ScaleDoubleLong))]
    [InlineData(nameof(StructPrograms.AddFloats))]
    [InlineData(nameof(StructPrograms.ResultsInTwoRegisters))]
    [InlineData(nameof(StructPrograms.Half))]
    [InlineData(nameof(StructPrograms.Cross))]
    [InlineData(nameof(StructPrograms.CrossDot))]
    [InlineData(nameof(StructPrograms.Bump))]
    [InlineData(nameof(StructPrograms.FlagsCode))]
    [InlineData(nameof(StructPrograms.NextDay))]
    [InlineData(nameof(StructPrograms.Nested))]
    [InlineData(nameof(StructPrograms.Rotate))]
    [InlineData(nameof(StructPrograms.SixSum))]
    [InlineData(nameof(StructPrograms.LongBitsAsDouble))]
    [InlineData(nameof(StructPrograms.Shift))]
    [InlineData(nameof(StructPrograms.ShiftTwice))]
    [InlineData(nameof(StructPrograms.InDot))]
    [InlineData(nameof(StructPrograms.MakePoint))]
    [InlineData(nameof(StructPrograms.OutPoint))]
    [InlineData(nameof(StructPrograms.Choose))]
    [InlineData(nameof(StructPrograms.SumPoints))]
    [InlineData(nameof(StructPrograms.Fib))]
    [InlineData(nameof(StructPrograms.StackPoints))]
    [InlineData(nameof(StructPrograms.BaseLibraryStruct))]
    public void MatchesTheClr(string name) => MemoryParity.Check(Method(name), RandomInputs(Method(name), 60));

    [Fact]
    public void FieldsIndexArraysWithTheirChecks()
    {
        int[] a = [10, 20, 30];
        var random = new Random(3);
        var inputs = Enumerable.Range(0, 40).Select(_ => new object?[] { random.Next(4) == 0 ? null : a, new Point(random.Next(-1, 4), random.Next(0, 4)) });
        MemoryParity.Check(Method(nameof(StructPrograms.FieldIndexArrays)), inputs);
    }

    delegate int PointReader(Point* p);
    delegate void PointWriter(Point* p, int value);

    [Fact]
    public void PointersToStructsReadAndWriteFieldsAndNullThrows()
    {
        var point = new Point(7, 3);
        var read = Jit.Compile<PointReader>(Method(nameof(StructPrograms.ThroughPointer)));
        var write = Jit.Compile<PointWriter>(Method(nameof(StructPrograms.WriteThrough)));
        Assert.Equal(StructPrograms.ThroughPointer(&point), read(&point));
        write(&point, 5);
        Assert.Equal((12, 5), (point.X, point.Y));
        Assert.Throws<NullReferenceException>(() => read(null));
        Assert.Throws<NullReferenceException>(() => write(null, 1));
    }

    [Theory]
    [InlineData(nameof(StructPrograms.LabeledValue), "", "its field Label holds a reference (String)")]
    [InlineData(nameof(StructPrograms.TupleSum), "", "ValueTuple`2 is a generic struct")]
    [InlineData(nameof(StructPrograms.HugeFirst), "", "struct Huge has 2048 bytes; MiniJit copies structs of at most 1024")]
    [InlineData(nameof(StructPrograms.PointArray), "ldarg.0", "has type Point[], which is not supported (arrays of structs are not supported)")]
    [InlineData(nameof(StructPrograms.PointText), "", "String")]
    public void RefusedWithTheReason(string name, string opcode, string reason) => MemoryParity.CheckRefused(Method(name), opcode, reason);

    [Fact]
    public void AVirtualCallOnAStructIsRefusedAtTheCall()
    {
        var e = Assert.Throws<JitException>(() => Jit.Compile<Func<Point, int>>(typeof(StructTests).GetMethod(nameof(HashOf), BindingFlags.NonPublic | BindingFlags.Static)!));
        Assert.Equal("constrained.", e.OpCode);
        Assert.Contains("virtual calls", e.Reason);
    }

    static int HashOf(Point p) => p.GetHashCode();

    [Fact]
    public void ShapesFollowTheSystemVClassification()
    {
        Assert.Equal([ArgumentClass.Integer], StructShape.Of(typeof(Point)).Eightbytes);
        Assert.Equal([ArgumentClass.Double, ArgumentClass.Double], StructShape.Of(typeof(Complex)).Eightbytes);
        Assert.Equal([ArgumentClass.Integer, ArgumentClass.Double], StructShape.Of(typeof(LongDouble)).Eightbytes);
        Assert.Equal([ArgumentClass.Double, ArgumentClass.Integer], StructShape.Of(typeof(DoubleLong)).Eightbytes);
        Assert.Equal([ArgumentClass.Double, ArgumentClass.Double], StructShape.Of(typeof(Floats3)).Eightbytes);
        Assert.Equal([ArgumentClass.Double], StructShape.Of(typeof(OneFloat)).Eightbytes);
        Assert.Equal([ArgumentClass.Integer], StructShape.Of(typeof(Bits)).Eightbytes);
        Assert.Equal([ArgumentClass.Integer, ArgumentClass.Integer], StructShape.Of(typeof(Outer)).Eightbytes);
        Assert.Null(StructShape.Of(typeof(Vec3)).Eightbytes);
        Assert.Null(StructShape.Of(typeof(Six)).Eightbytes);
        Assert.Equal([ArgumentClass.Double], StructShape.Of(typeof(OneFloat)).ResultClasses);
        Assert.Equal([ArgumentClass.Double, ArgumentClass.Double], StructShape.Of(typeof(Complex)).ResultClasses);
        Assert.Null(StructShape.Of(typeof(Vec3)).ResultClasses);
        Assert.Equal(12, StructShape.Of(typeof(Floats3)).Size);
    }
}
