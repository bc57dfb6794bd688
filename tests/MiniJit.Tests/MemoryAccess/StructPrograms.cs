using System.Runtime.InteropServices;

namespace MiniJit.Tests.MemoryAccess;

// Structs of every System V class: each comment gives the eightbytes' classes (INTEGER, SSE) or MEMORY.

/// <summary>8 bytes: INTEGER. Returned in rax.</summary>
public struct Point
{
    public int X, Y;
    public Point(int x, int y) { X = x; Y = y; }
    public readonly int Sum => X + Y;
    public void Scale(int k) { X *= k; Y *= k; }
    public readonly Point Swapped() => new(Y, X);
    public readonly long Dot(Point other) => (long)X * other.X + (long)Y * other.Y;
}

/// <summary>16 bytes: SSE, SSE. Passed in two xmm registers, returned through a buffer.</summary>
public struct Complex
{
    public double Re, Im;
    public Complex(double re, double im) { Re = re; Im = im; }
    public static Complex operator +(Complex a, Complex b) => new(a.Re + b.Re, a.Im + b.Im);
    public static Complex operator *(Complex a, Complex b) => new(a.Re * b.Re - a.Im * b.Im, a.Re * b.Im + a.Im * b.Re);
    public readonly double Norm2() => Re * Re + Im * Im;
}

/// <summary>16 bytes: INTEGER, SSE.</summary>
public struct LongDouble { public long A; public double B; }

/// <summary>16 bytes: SSE, INTEGER.</summary>
public struct DoubleLong { public double A; public long B; }

/// <summary>12 bytes: SSE (A, B), SSE (C).</summary>
public struct Floats3 { public float A, B, C; }

/// <summary>4 bytes: SSE. Returned in xmm0.</summary>
public struct OneFloat { public float Value; }

/// <summary>24 bytes: MEMORY. Passed as the address of a copy.</summary>
public struct Vec3
{
    public double X, Y, Z;
    public Vec3(double x, double y, double z) { X = x; Y = y; Z = z; }
    public readonly double Dot(in Vec3 o) => X * o.X + Y * o.Y + Z * o.Z;
}

/// <summary>8 bytes of narrow fields with padding: INTEGER.</summary>
public struct Narrow { public byte A; public short B; public int C; }

/// <summary>A bool, a char and an enum: INTEGER.</summary>
public struct Flags { public bool On; public char Letter; public DayOfWeek Day; }

/// <summary>A nested struct: 16 bytes, INTEGER, INTEGER.</summary>
public struct Outer { public Point P; public long Q; }

/// <summary>48 bytes: MEMORY.</summary>
public struct Six { public long A, B, C, D, E, F; }

/// <summary>Two views of the same 8 bytes (C's union): the eightbyte is INTEGER, since one field is.</summary>
[StructLayout(LayoutKind.Explicit)]
public struct Bits { [FieldOffset(0)] public long Long; [FieldOffset(0)] public double Double; }

/// <summary>Over MiniJit's limit for a struct it copies: refused.</summary>
[StructLayout(LayoutKind.Sequential, Size = 2048)]
public struct Huge { public long First; }

/// <summary>A struct with a reference: refused.</summary>
public struct Labeled { public string? Label; public int Value; }

public static unsafe class StructPrograms
{
    public static int PointMethods(int a, int b)
    {
        var p = new Point(a, b);
        p.Scale(3);
        var q = p.Swapped();
        return p.Sum * 7 + q.X - (int)q.Dot(p);
    }

    public static int CopiesAreValues(int a)
    {
        var p = new Point(a, 1);
        var q = p;
        q.X = 100;
        q.Scale(2);
        return p.X * 1000 + q.X + p.Y;
    }

    public static int Mandelbrot(double re, double im)
    {
        var c = new Complex(re, im);
        var z = default(Complex);
        int n = 0;
        while (n < 200 && z.Norm2() <= 4)
        {
            z = z * z + c;
            n++;
        }
        return n;
    }

    public static Complex Square(Complex z) => z * z;
    public static Point Swap(Point p) => new(p.Y, p.X);
    public static LongDouble ScaleLongDouble(LongDouble v, long k) { v.A *= k; v.B *= k; return v; }
    public static DoubleLong ScaleDoubleLong(DoubleLong v, long k) { v.A *= k; v.B -= k; return v; }
    /// <summary>Two-register results between compiled methods, in every order of classes, with values live across.</summary>
    public static double ResultsInTwoRegisters(long a, double b, int k)
    {
        var x = ScaleLongDouble(new LongDouble { A = a, B = b }, k);
        var y = ScaleDoubleLong(new DoubleLong { A = x.B, B = x.A }, 2);
        var z = Square(new Complex(b, y.A));
        var w = Swap(new Point(k, (int)a));
        var f = AddFloats(new Floats3 { A = (float)b, B = k, C = 2 }, new Floats3 { A = 1, B = 2, C = (float)z.Re });
        return x.A + x.B * 3 + y.A * 5 + y.B * 7 + z.Re + z.Im * 11 + w.X * 13 + w.Y + f.A + f.B * 17 + f.C + a + b + k;
    }

    public static Floats3 AddFloats(Floats3 a, Floats3 b) => new() { A = a.A + b.A, B = a.B + b.B, C = a.C * b.C };
    public static OneFloat Half(OneFloat f) => new() { Value = f.Value / 2 };
    public static Vec3 Cross(Vec3 a, Vec3 b) => new(a.Y * b.Z - a.Z * b.Y, a.Z * b.X - a.X * b.Z, a.X * b.Y - a.Y * b.X);
    public static double CrossDot(Vec3 a, Vec3 b) { var c = Cross(a, b); return c.Dot(a) + c.Dot(c); }
    public static Narrow Bump(Narrow n) { n.A++; n.B--; n.C += n.A * n.B; return n; }
    public static int FlagsCode(Flags f) => (f.On ? 1000 : 0) + f.Letter * 10 + (int)f.Day;
    public static Flags NextDay(Flags f) { f.Day = (DayOfWeek)(((int)f.Day + 1) % 7); f.On = !f.On; f.Letter++; return f; }
    public static long Nested(Outer o) { var c = o; c.P.X = 100; c.P.Scale(2); return o.P.X + o.P.Y * 10 + o.Q * 100 + c.P.X * 1000; }
    public static Six Rotate(Six s) => new() { A = s.B, B = s.C, C = s.D, D = s.E, E = s.F, F = s.A };
    public static long SixSum(Six s) { var r = Rotate(Rotate(s)); return r.A - r.B * 2 + r.C * 3 - r.D * 4 + r.E * 5 - r.F * 6; }
    public static double LongBitsAsDouble(long bits) { Bits b = default; b.Long = bits; return b.Double; }

    public static void Shift(ref Point p, int by) { p.X += by; p.Y -= by; }
    public static int ShiftTwice(int a) { var p = new Point(a, a * 2); Shift(ref p, 3); Shift(ref p, -1); return p.X * 100 + p.Y; }
    public static double InDot(in Vec3 a, in Vec3 b) => a.Dot(b);
    public static void MakePoint(int x, out Point p) => p = new Point(x, -x);
    public static int OutPoint(int x) { MakePoint(x, out var p); return p.X - p.Y; }

    public static int Choose(bool first, int a, int b)
    {
        var p = first ? new Point(a, b) : new Point(b, a);
        return p.X * 10 + p.Y;
    }

    public static long SumPoints(int n)
    {
        var total = default(Point);
        for (int i = 0; i < n; i++) total = new Point(total.X + i, total.Y + (i & 3));
        return total.Dot(new Point(1, 1000));
    }

    /// <summary>A struct threaded through recursion, by value and as the result.</summary>
    public static Point FibPair(int n) => n <= 0 ? new Point(0, 1) : Next(FibPair(n - 1));
    static Point Next(Point p) => new(p.Y, p.X + p.Y);
    public static int Fib(int n) => FibPair(n).X;

    public static int StackPoints(int a)
    {
        Point* points = stackalloc Point[3];
        points[0] = new Point(a, 1);
        points[1].X = a * 2;
        points[2] = points[0];
        points[2].Y += points[1].X;
        return points[2].Y * 100 + points[1].Y + points->X;
    }

    public static int ThroughPointer(Point* p) => p->X - p->Y;
    public static void WriteThrough(Point* p, int v) { p->Y = v; p[0].X += v; }

    public static int FieldIndexArrays(int[] a, Point p) => a[p.X] + a[p.Y];

    public static long BaseLibraryStruct(long ticks) => new TimeSpan(ticks).Milliseconds + TimeSpan.FromTicks(ticks * 3).Ticks;

    // Refused.
    public static int LabeledValue(Labeled l) => l.Value;
    public static long HugeFirst(Huge h) => h.First;
    public static int TupleSum(int a) { var t = (a, a + 1); return t.Item1 + t.Item2; }
    public static int PointArray(Point[] points) => points[0].X;
    public static string? PointText(Point p) => p.ToString();
}
