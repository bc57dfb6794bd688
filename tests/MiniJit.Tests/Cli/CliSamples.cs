namespace MiniJit.Tests.Cli;

/// <summary>Methods for the CLI tests to find by name in this test assembly and compile.</summary>
public static class CliSamples
{
    public static long Square(long x) => x * x;

    /// <summary>A loop around a switch, so its control-flow graph has a back edge and a many-way branch.</summary>
    public static int Tally(int n)
    {
        int total = 0;
        for (int i = 0; i < n; i++)
        {
            switch (i % 4)
            {
                case 0: total += 1; break;
                case 1: total += 10; break;
                case 2: total += 100; break;
                default: total -= 1; break;
            }
        }
        return total;
    }

    public static long Divide(long a, long b) => a / b;
    public static int AddInts(int a, int b) => a + b;
    public static uint AddUInts(uint a, uint b) => a + b;
    public static ulong Half(ulong x) => x / 2;
    public static short Negate(short x) => (short)-x;
    public static ushort Double(ushort x) => (ushort)(x * 2);
    public static byte AddBytes(byte a, byte b) => (byte)(a + b);
    public static sbyte Decrement(sbyte x) => (sbyte)(x - 1);
    // Not x > uint.MaxValue: its ldc.i4.m1 is imported as 65535, a known importer bug.
    public static bool IsBig(ulong x) => x >= 1UL << 32;
    public static int Choose(bool b) => b ? 1 : 2;
    public static char Next(char c) => (char)(c + 1);
    public static nint Offset(nint p, nint n) => p + n;
    public static nuint Mask(nuint x) => x & 0xff;
    public static void Nothing(long x) { }
    static long Hidden(long x) => x + 1;

    public static long Overloaded(long x) => x;
    public static long Overloaded(long x, long y) => x + y;

    /// <summary>Allocates an object, which MiniJit cannot compile.</summary>
    public static int Allocates(int x) => new object().GetHashCode() + x;

    public static class Nested
    {
        public static long Twice(long x) => 2 * x;
    }

    public static long CallsHidden(long x) => Hidden(x);
}

/// <summary>Has an instance method, to be refused by name.</summary>
public sealed class CliInstanceSample
{
    public long Value(long x) => x;
}
