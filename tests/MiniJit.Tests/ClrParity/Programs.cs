namespace MiniJit.Tests.ClrParity;

/// <summary>Test programs in MiniJit's supported subset, as plain C# so the CLR can run them as the oracle.
/// Every public static method here is picked up by <see cref="ProgramParityTests"/>; methods whose inputs
/// must be bounded (recursion depth, running time) carry an <see cref="InputsAttribute"/>.</summary>
public static class Programs
{
    // ---- The seed's programs (all long) ----
    public static long Identity(long n) => n;
    public static long Times101(long n) => n * 101;
    public static long SumOfSquares(long a, long b) => a * a + b * b;
    public static long LocalThenAdd(long a)
    {
        long b = a * 101;
        return b + a + 2;
    }
    public static long Polynomial(long a, long b, long c) => a * a + 2 * a * b + c;
    public static long ArgumentReassigned(long n)
    {
        n -= 10;
        return n;
    }
    public static long DifferenceOfSquares(long a, long b) => a * a - b * b;
    public static long BigExpression(long a, long b, long c) =>
        (a + c) * b - a * a * (a - c - b) - b * 2 + (c * (2 + 3 * a * b - c * a) - 3 * c);
    public static long AddLargeConstant(long n) => n + 123456789;

    // ---- Control flow ----
    [Inputs(0, 25)]
    public static long Fibonacci(long n) => n < 2 ? n : Fibonacci(n - 1) + Fibonacci(n - 2);

    [Inputs(-5, 25)]
    public static long Factorial(long n) => n <= 1 ? 1 : n * Factorial(n - 1);

    public static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    public static long GcdRecursive(long a, long b) => b == 0 ? a : GcdRecursive(b, a % b);

    [Inputs(0, 2, 0, 3)]
    public static long Ackermann(long m, long n)
    {
        if (m == 0) return n + 1;
        if (n == 0) return Ackermann(m - 1, 1);
        return Ackermann(m - 1, Ackermann(m, n - 1));
    }

    [Inputs(-3, 100_000)]
    public static int CollatzSteps(long n)
    {
        if (n < 1) return -1;
        int steps = 0;
        while (n != 1)
        {
            n = (n & 1) == 0 ? n / 2 : 3 * n + 1;
            steps++;
        }
        return steps;
    }

    [Inputs(-10, 1_000_000)]
    public static bool IsPrime(long n)
    {
        if (n < 2) return false;
        for (long d = 2; d * d <= n; d++)
            if (n % d == 0) return false;
        return true;
    }

    [Inputs(-10, 2_000)]
    public static int CountPrimesBelow(int n)
    {
        int count = 0;
        for (int i = 2; i < n; i++)
        {
            bool prime = true;
            for (int d = 2; d * d <= i; d++)
            {
                if (i % d == 0) { prime = false; break; }
            }
            if (prime) count++;
        }
        return count;
    }

    [Inputs(-100, 100_000)]
    public static long SumTo(long n)
    {
        long sum = 0;
        for (long i = 1; i <= n; i++) sum += i;
        return sum;
    }

    [Inputs(long.MinValue, long.MaxValue, 0, 70)]
    public static long PowerBySquaring(long b, long e)
    {
        long result = 1;
        while (e > 0)
        {
            if ((e & 1) != 0) result *= b;
            b *= b;
            e >>= 1;
        }
        return result;
    }

    public static ulong ISqrt(ulong n)
    {
        if (n < 2) return n;
        ulong x = n / 2 + 1;
        ulong y = (x + n / x) / 2;
        while (y < x)
        {
            x = y;
            y = (x + n / x) / 2;
        }
        return x;
    }

    public static int BitCount(ulong v)
    {
        int count = 0;
        while (v != 0)
        {
            count += (int)(v & 1);
            v >>= 1;
        }
        return count;
    }

    public static int BitCountKernighan(long v)
    {
        int count = 0;
        while (v != 0)
        {
            v &= v - 1;
            count++;
        }
        return count;
    }

    /// <summary>Runs a little state machine over the bits of <paramref name="input"/>, driven by a dense switch.</summary>
    public static int StateMachine(long input)
    {
        int state = 0;
        int acc = 0;
        for (int i = 0; i < 64; i++)
        {
            int bit = (int)((input >> i) & 1);
            switch (state)
            {
                case 0: state = bit == 0 ? 1 : 2; acc += 1; break;
                case 1: state = bit == 0 ? 3 : 0; acc ^= i; break;
                case 2: state = 4; acc -= 3; break;
                case 3: state = bit; acc *= 3; break;
                case 4:
                    if (bit == 1) return acc + 1000;
                    state = 2; acc += i * i;
                    break;
                default: return -1;
            }
        }
        return acc;
    }

    /// <summary>A sparse switch (Roslyn emits compare-and-branch chains, not a jump table).</summary>
    public static int SparseSwitch(int x) => x switch
    {
        -1000 => 1,
        3 => 2,
        17 => 3,
        1 << 20 => 4,
        int.MaxValue => 5,
        int.MinValue => 6,
        _ => x & 0xff,
    };

    [Inputs(-50, 5_000)]
    public static bool IsEven(long n) => n == 0 || (n > 0 ? IsOdd(n - 1) : IsOdd(n + 1));
    [Inputs(-50, 5_000)]
    public static bool IsOdd(long n) => n != 0 && (n > 0 ? IsEven(n - 1) : IsEven(n + 1));

    [Inputs(-5, 60, -5, 60)]
    public static long NestedLoops(long rows, long cols)
    {
        long total = 0;
        for (long i = 0; i < rows; i++)
            for (long j = 0; j < cols; j++)
                total += (i ^ j) * (i + 1) - j;
        return total;
    }

    [Inputs(-10, 1_000, long.MinValue, long.MaxValue)]
    public static long FirstMultipleIndex(long limit, long divisor)
    {
        for (long i = 1; i <= limit; i++)
        {
            if (divisor != 0 && (i * 7) % divisor == 0) return i;
            if (i > 500) return -i;
        }
        return 0;
    }

    public static long EightArguments(long a, long b, long c, long d, long e, long f, long g, long h) =>
        a - 2 * b + 3 * c - 4 * d + 5 * e - 6 * f + 7 * g - 8 * h;

    // Twelve and sixteen arguments are more than a delegate boundary takes (8); compiled code calls them, passing
    // the arguments beyond the fifth on the stack.
    internal static long TwelveArguments(long a, int b, long c, uint d, long e, short f, long g, byte h,
        long i, sbyte j, long k, ushort l) =>
        a * 3 + b - c * 5 + d ^ e - f + (g << 2) - h + i * j - (k >> 3) + l;

    internal static int SixteenArguments(int a, int b, int c, int d, int e, int f, int g, int h,
        int i, int j, int k, int l, int m, int n, int o, int p) =>
        ((a - b) * c ^ d) + (e | f) - (g & h) + i * 31 - j + (k << 1) - (l >> 2) + m * n - o + p;

    public static int CallsSixteenArguments(int x, int y) =>
        SixteenArguments(x, y, x + y, x - y, x * y, ~x, -y, x ^ y, x >> 3, y << 2, x | y, x & y, 7, x, y, 1000)
        + SixteenArguments(y, x, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, x, y, x * 31);

    /// <summary>Calls the 8- and 12-argument methods, so stack-passed arguments cross a call.</summary>
    public static long CallsManyArguments(long x, long y) =>
        EightArguments(x, y, x + 1, y - 1, x * 2, y * 3, -x, ~y)
        - TwelveArguments(y, (int)x, x, (uint)y, y, (short)x, x, (byte)y, y, (sbyte)x, y, (ushort)x);

    public static long Ternaries(long a, long b, bool flag) =>
        (a > b ? a : b) * (flag ? 3 : -3) + (a == 0 ? 1 : (b < 0 ? a : b)) - (flag && a < b ? a - b : b - a);

    public static int TernaryAsArgument(int a, int b) => Clamp(a < b ? a : b, -100, a > 0 ? a : 100) + (a != b ? 1 : 0);
    public static int Clamp(int v, int lo, int hi) => v < lo ? lo : v > hi ? hi : v;

    public static int MaxOfThree(int a, int b, int c) => a > b ? (a > c ? a : c) : (b > c ? b : c);

    [Inputs(0, 600)]
    public static int ByteLoopWraps(int n)
    {
        byte b = 250;
        int wraps = 0;
        for (int i = 0; i < n; i++)
        {
            b++;
            if (b == 0) wraps++;
        }
        return wraps * 1000 + b;
    }

    [Inputs(0, 70_000)]
    public static int ShortLoopWraps(int n)
    {
        short s = 32760;
        int negatives = 0;
        for (int i = 0; i < n; i++)
        {
            s += 3;
            if (s < 0) negatives++;
        }
        return negatives ^ s;
    }

    [Inputs(0, 70_000)]
    public static int CharLoopWraps(int n)
    {
        char c = (char)65530;
        int sum = 0;
        for (int i = 0; i < n; i++)
        {
            c++;
            sum += c & 7;
        }
        return sum * 65536 + c;
    }

    [Inputs(0, 300)]
    public static sbyte SByteCountdown(int n)
    {
        sbyte s = -120;
        while (n-- > 0) s -= 7;
        return s;
    }

    public static ushort UShortArithmetic(ushort a, ushort b) => (ushort)(a * b + (a ^ b) - (b >> 3));

    public static uint UIntMix(uint a, uint b) => a / (b | 1) + a % (b | 1) + (a >> 31) + (b << 5);

    public static ulong ULongCompare(ulong a, ulong b) => a > b ? a - b : b > a ? b - a : a ^ 0x5555_5555_5555_5555;

    public static nint NativeInts(nint a, nint b) => (a + b) * 3 - (a >> 2) ^ b;
    public static nuint NativeUInts(nuint a, nuint b) => a > b ? (a - b) >> 1 : a * 7 + b;

    public static char NextLetter(char c) => c >= 'a' && c < 'z' ? (char)(c + 1) : c == 'z' ? 'a' : c;

    public static bool Xor(bool a, bool b) => a != b;
    public static int BoolToInt(bool a, bool b) => (a ? 2 : 0) + (b ? 1 : 0) + (a & !b ? 4 : 0);

    public static long DivMod(long a, long b) => a / b * 1000 + a % b;
    public static int DivModInt(int a, int b) => a / b - a % b;
    public static ulong DivModUnsigned(ulong a, ulong b) => a / b + a % b;

    [Inputs(-5, 50, -5, 50)]
    public static long DivideDeep(long depth, long divisor) => depth <= 0 ? 1000 / divisor : DivideDeep(depth - 1, divisor) + 1;

    /// <summary>Many live values at once, so the register allocator has to spill.</summary>
    public static long RegisterPressure(long a, long b)
    {
        long c = a + 1, d = b - 2, e = a * b, f = a ^ b, g = a | 7, h = b & 0xff, i = a >> 3, j = b << 2;
        long k = c * d, l = e - f, m = g + h, n = i - j, o = c ^ e, p = d | f;
        for (int t = 0; t < 4; t++)
        {
            c += k; d -= l; e ^= m; f += n; g -= o; h ^= p; i += c; j -= d;
            k = c * 3; l = d + e; m = f - g; n = h * i; o = j + k; p = l ^ m;
        }
        return a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p;
    }

    /// <summary>Caller-saved registers across calls: values live across two calls.</summary>
    public static long LiveAcrossCalls(long a, long b)
    {
        long x = a * 3, y = b - 7, z = a ^ b;
        long r1 = Polynomial(x, y, z);
        long r2 = SumOfSquares(y, z);
        return x + y + z + r1 - r2;
    }
}

/// <summary>Bounds the random inputs of a program: pairs of (min, max), one pair per parameter.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class InputsAttribute(params long[] bounds) : Attribute
{
    public long[] Bounds { get; } = bounds;
}
