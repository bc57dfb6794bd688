namespace MiniJit.Tests;

/// <summary>The examples README.md shows, exactly as written there, compiled and compared with the CLR — so the
/// README cannot promise what MiniJit does not do.</summary>
public class ReadmeExamples
{
    static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    static long Gcd(long a, long b) { while (b != 0) (a, b) = (b, a % b); return a; }

    static int CollatzSteps(long n)
    {
        if (n < 1) return -1;
        int steps = 0;
        while (n != 1) { n = (n & 1) == 0 ? n / 2 : 3 * n + 1; steps++; }
        return steps;
    }

    static bool IsEven(uint n) => n == 0 || IsOdd(n - 1);
    static bool IsOdd(uint n) => n != 0 && IsEven(n - 1);

    static int State(int input) => input switch { 0 => 10, 1 => 20, 2 => 30, 3 => 5, _ => -1 };

    static int Mandelbrot(double cr, double ci, int limit)
    {
        double zr = 0, zi = 0;
        int n = 0;
        while (n < limit && zr * zr + zi * zi <= 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; n++; }
        return n;
    }

    static double AcrossCalls(double x) => Math.Sin(x) * Math.Cos(x) + Math.Sqrt(Math.Abs(x)) * Math.Exp(-x * x);

    static int Area(int w, int h) => checked(w * h);   // imul + jo: Area(65536, 65536) throws OverflowException

    static int Sieve(bool[] composite)                  // Jit.Compile<Func<bool[], int>>(Sieve)
    {
        int count = 0;
        for (int i = 2; i < composite.Length; i++)
        {
            if (composite[i]) continue;
            count++;
            for (int j = i * 2; j < composite.Length; j += i) composite[j] = true;
        }
        return count;
    }

    delegate uint Checksum(ReadOnlySpan<byte> data);
    static uint Adler32(ReadOnlySpan<byte> data)        // Jit.Compile<Checksum>(Adler32)(bytes.AsSpan(10, 500))
    {
        uint a = 1, b = 0;
        foreach (byte x in data) { a = (a + x) % 65521; b = (b + a) % 65521; }
        return (b << 16) | a;
    }

    delegate void SwapInts(ref int a, ref int b);
    static void Swap(ref int a, ref int b) => (a, b) = (b, a);
    unsafe delegate long SumInts(int* p, int n);
    static unsafe long Sum(int* p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }

    [Fact]
    public unsafe void The_memory_examples_match_the_clr()
    {
        var sieve = Jit.Compile<Func<bool[], int>>(Sieve);
        Assert.Equal(Sieve(new bool[10_000]), sieve(new bool[10_000]));
        var bytes = new byte[1000];
        new Random(1).NextBytes(bytes);
        Assert.Equal(Adler32(bytes.AsSpan(10, 500)), Jit.Compile<Checksum>(Adler32)(bytes.AsSpan(10, 500)));
        int x = 1, y = 2;
        Jit.Compile<SwapInts>(Swap)(ref x, ref y);
        Assert.Equal((2, 1), (x, y));
        int[] values = [3, -4, int.MaxValue, 5];
        fixed (int* p = values) Assert.Equal(Sum(p, 4), Jit.Compile<SumInts>(Sum)(p, 4));
    }

    public struct Complex
    {
        public double Re, Im;
        public Complex(double re, double im) { Re = re; Im = im; }
        public static Complex operator +(Complex a, Complex b) => new(a.Re + b.Re, a.Im + b.Im);
        public static Complex operator *(Complex a, Complex b) => new(a.Re * b.Re - a.Im * b.Im, a.Re * b.Im + a.Im * b.Re);
        public readonly double Norm2() => Re * Re + Im * Im;
    }

    static int Mandelbrot(double re, double im)      // Jit.Compile<Func<double, double, int>>(Mandelbrot)
    {
        var c = new Complex(re, im);
        var z = default(Complex);
        int n = 0;
        while (n < 200 && z.Norm2() <= 4) { z = z * z + c; n++; }
        return n;
    }

    static Complex Square(Complex z) => z * z;       // Jit.Compile<Func<Complex, Complex>>(Square): structs cross too
    public struct Point { public int X, Y; }
    delegate void ShiftPoint(ref Point p, int by);
    static void Shift(ref Point p, int by) { p.X += by; p.Y -= by; }
    unsafe delegate int ReadPoint(Point* p);
    static unsafe int ThroughPointer(Point* p) => p->X - p->Y;   // null throws NullReferenceException

    [Fact]
    public unsafe void The_struct_examples_match_the_clr()
    {
        var mandelbrot = Jit.Compile<Func<double, double, int>>(Mandelbrot);
        for (double re = -2; re < 0.5; re += 0.1) Assert.Equal(Mandelbrot(re, 0.3), mandelbrot(re, 0.3));
        Assert.Equal(Square(new Complex(1.5, -2)), Jit.Compile<Func<Complex, Complex>>(Square)(new Complex(1.5, -2)));
        var p = new Point { X = 1, Y = 2 };
        Jit.Compile<ShiftPoint>(Shift)(ref p, 5);
        Assert.Equal((6, -3), (p.X, p.Y));
        var read = Jit.Compile<ReadPoint>(ThroughPointer);
        Assert.Equal(9, read(&p));
        Assert.Throws<NullReferenceException>(() => read(null));
    }

    [Fact]
    public void The_opening_example_returns_5()
    {
        var foo = Jit.Compile<Func<long, long, long>>((a, b) => a * a - b * b);
        Assert.Equal(5, foo(3, 2));
        Assert.Contains("imul", Jit.Disassemble(foo));
    }

    [Fact]
    public void The_expression_tree_examples_print_what_the_readme_says()
    {
        System.Linq.Expressions.Expression<Func<double, double, double>> formula = (x, y) => x * x + Math.Sin(y);
        var f = formula.CompileNative();
        Assert.Equal(9, f(3, 0));
        var disassembly = Jit.Disassemble(f);
        Assert.Contains("mulsd", disassembly);
        Assert.Contains("addsd", disassembly);
        Assert.Contains("call", disassembly);
        Assert.Equal(formula.Compile()(1.5, -2), f(1.5, -2));

        double scale = 2;
        System.Linq.Expressions.Expression<Func<double, double>> scaled = x => x * scale;
        var g = scaled.CompileNative();
        scale = 10;
        Assert.Equal(30, g(3));
    }

    [Fact]
    public void The_examples_of_what_compiles_match_the_clr()
    {
        var fib = Jit.Compile<Func<long, long>>(Fib);
        var gcd = Jit.Compile<Func<long, long, long>>(Gcd);
        var collatz = Jit.Compile<Func<long, int>>(CollatzSteps);
        var isEven = Jit.Compile<Func<uint, bool>>(IsEven);
        var state = Jit.Compile<Func<int, int>>(State);
        for (long n = -3; n <= 25; n++) Assert.Equal(Fib(n), fib(n));
        foreach (var (a, b) in new[] { (0L, 0L), (12L, 18L), (-12L, 18L), (1071L, 462L), (long.MaxValue, 6L), (7L, 0L) })
            Assert.Equal(Gcd(a, b), gcd(a, b));
        foreach (var n in new[] { -5L, 0, 1, 2, 3, 27, 97, 871, 1_000_000_007 }) Assert.Equal(CollatzSteps(n), collatz(n));
        for (uint n = 0; n < 200; n++) Assert.Equal(IsEven(n), isEven(n));
        for (int i = -3; i < 7; i++) Assert.Equal(State(i), state(i));
    }

    [Fact]
    public void The_floating_point_and_checked_examples_match_the_clr()
    {
        var mandelbrot = Jit.Compile<Func<double, double, int, int>>(Mandelbrot);
        var acrossCalls = Jit.Compile<Func<double, double>>(AcrossCalls);
        var area = Jit.Compile<Func<int, int, int>>(Area);
        foreach (var (r, i) in new[] { (-0.75, 0.1), (0.3, 0.5), (-2.0, 0.0), (double.NaN, 0.0), (0.25, 0.0) })
            Assert.Equal(Mandelbrot(r, i, 1000), mandelbrot(r, i, 1000));
        foreach (var x in new[] { 0.0, -0.0, 1.5, -2.75, 1e-300, double.NaN, double.PositiveInfinity })
            Assert.Equal(BitConverter.DoubleToInt64Bits(AcrossCalls(x)), BitConverter.DoubleToInt64Bits(acrossCalls(x)));
        Assert.Equal(Area(300, 200), area(300, 200));
        Assert.Throws<OverflowException>(() => area(65536, 65536));
        var code = Jit.Disassemble(area);
        Assert.Contains("imul", code);
        Assert.Contains("jo ", code);
    }

    [Fact]
    public void Tiers_tiered_compilation()
    {
        var fib = Jit.Compile<Func<long, long>>(Fib, new JitOptions { Tiered = true });
        Assert.Equal(6765, fib(20));
        Assert.Null(Jit.CodeOf(fib).Optimized);
        for (int i = 0; i < 30; i++) Assert.Equal(55, fib(10));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Jit.CodeOf(fib).Optimized is null)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "no tier-up");
            Thread.Sleep(5);
        }
        Assert.Equal(6765, fib(20));
    }
}
