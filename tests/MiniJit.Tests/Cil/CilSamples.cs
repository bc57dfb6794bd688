using System.Runtime.CompilerServices;

namespace MiniJit.Tests.Cil;

/// <summary>Small C# methods whose compiled IL the reader tests decode.</summary>
static class CilSamples
{
    public static int Add(int a, int b) => a + b;

    public static long Fib(long n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    public static long BigConstant() => 1234567890123L;

    public static double Half() => 2.5;

    public static float Quarter() => 0.25f;

    public static string Greeting() => "text";

    public static string Escaped() => "say \"hi\"\n\\";

    public static int SumTo(int n)
    {
        var sum = 0;
        for (var i = 0; i < n; i++)
            sum += i;
        return sum;
    }

    public static int Classify(int x)
    {
        switch (x)
        {
            case 0: return 10;
            case 1: return 20;
            case 2: return 30;
            case 3: return 40;
            default: return -1;
        }
    }

    public static int Guarded(int[] values)
    {
        try
        {
            return values[0];
        }
        catch (IndexOutOfRangeException)
        {
            return -1;
        }
        finally
        {
            Counter.Count++;
        }
    }

    public static List<T> Wrap<T>(T value) => [value];

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static double Mixed(long a, double b, string s) => a * b + s.Length + Math.Sqrt(b);
}

class Counter
{
    public static int Count;
    public int Value;

    public Counter(int value) => Value = value;

    public int Next() => ++Value;
}

struct Point
{
    public int X;

    public Point(int x) => X = x;

    public readonly int Twice() => X * 2;
}

abstract class Shape
{
    public abstract double Area();
}

static class NativeSamples
{
    [System.Runtime.InteropServices.DllImport("libc")]
    public static extern int getpid();
}
