using System.Runtime.CompilerServices;

namespace MiniJit.Tests.MemoryAccess;

/// <summary>C# methods over memory, compiled by MiniJit and compared with the CLR by <see cref="MemoryParity"/>.</summary>
public static unsafe class MemoryPrograms
{
    // ---------------------------------------------------------------- one opcode each, for every element type
    public static T Load<T>(T[] a, int i) => a[i];
    public static int Store<T>(T[] a, int i, T v) { a[i] = v; return a.Length; }
    public static int Length<T>(T[] a) => a.Length;
    public static T ThroughElementRef<T>(T[] a, int i, T v) { ref T r = ref a[i]; T old = r; r = v; return old; }
    public static T LoadNativeIndex<T>(T[] a, nint i) => a[i];
    public static T LoadLongIndex<T>(T[] a, long i) => a[i];

    // ---------------------------------------------------------------- array programs
    public static int Sum(int[] a) { int s = 0; for (int i = 0; i < a.Length; i++) s += a[i]; return s; }
    public static long SumForeach(long[] a) { long s = 0; foreach (var x in a) s += x; return s; }
    /// <summary>A strided loop whose check moves into its test (loop-test-strengthening): a negative start or a
    /// negative step reaches a negative index, which must still throw IndexOutOfRangeException after the stores
    /// before it.</summary>
    public static int StridedStore(int[] a, int start, int step)
    {
        int count = 0;
        for (int j = start; j < a.Length; j += step) { a[j] = j; count++; }
        return count;
    }

    public static int Sieve(bool[] composite)
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
    public static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
    public static float SumFloats(float[] a) { float s = 0; for (int i = a.Length - 1; i >= 0; i--) s += a[i]; return s; }
    public static void Reverse(int[] a) { for (int i = 0, j = a.Length - 1; i < j; i++, j--) (a[i], a[j]) = (a[j], a[i]); }
    public static void Histogram(byte[] data, int[] counts) { for (int i = 0; i < data.Length; i++) counts[data[i]]++; }
    public static void PrefixSums(long[] a) { for (int i = 1; i < a.Length; i++) a[i] += a[i - 1]; }
    public static int BinarySearch(int[] sorted, int value)
    {
        int lo = 0, hi = sorted.Length - 1;
        while (lo <= hi)
        {
            int mid = lo + ((hi - lo) >> 1);
            if (sorted[mid] == value) return mid;
            if (sorted[mid] < value) lo = mid + 1; else hi = mid - 1;
        }
        return ~lo;
    }
    public static void BubbleSort(short[] a)
    {
        for (int n = a.Length; n > 1; n--)
            for (int i = 1; i < n; i++)
                if (a[i - 1] > a[i]) (a[i - 1], a[i]) = (a[i], a[i - 1]);
    }
    public static void MatMul(int[] a, int[] b, int[] c, int n)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                int s = 0;
                for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
                c[i * n + j] = s;
            }
    }
    public static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        for (int i = 0; i < data.Length; i++) { a = (a + data[i]) % 65521; b = (b + a) % 65521; }
        return (b << 16) | a;
    }
    public static int MaxIndex(sbyte[] a) { int best = 0; for (int i = 1; i < a.Length; i++) if (a[i] > a[best]) best = i; return best; }
    public static int CountChars(char[] text, char c) { int n = 0; foreach (char x in text) if (x == c) n++; return n; }
    public static ulong Copy(ulong[] from, ulong[] to) { for (int i = 0; i < from.Length; i++) to[i] = from[i] * 3; return to[0]; }
    public static int ConstantIndexes(int[] a) => a[3] + a[1] + a[0] + a[2];
    public static int LastElement(int[] a) => a[a.Length - 1];
    public static int Helper(int[] a, int i) => a[i] * 2 + 1;
    public static int CallsHelper(int[] a) { int s = 0; for (int i = 0; i < a.Length; i++) s += Helper(a, i); return s; }
    public static int ArrayInLocal(int[] a, int[] b, bool first) { var x = first ? a : b; return x.Length + x[0]; }
    public static int NullCompare(int[] a) => a == null ? -1 : a.Length;

    // ---------------------------------------------------------------- by-refs
    public static void Swap(ref int a, ref int b) => (a, b) = (b, a);
    public static long Increment(ref long x) => ++x;
    public static bool TryDivide(int a, int b, out int quotient)
    {
        if (b == 0 || (a == int.MinValue && b == -1)) { quotient = 0; return false; }
        quotient = a / b;
        return true;
    }
    public static double ReadIn(in double x, in double y) => x * y;
    public static int AddressTakenLocal(int x) { int y = 5; Bump(ref y); Bump(ref x); return x * 100 + y; }
    static void Bump(ref int v) => v++;
    public static int AddressTakenParameter(int a, int b) { ref int r = ref (a > b ? ref a : ref b); r *= 2; return a - b; }
    public static int RefIntoArray(int[] a) { ref int first = ref a[0]; Bump(ref first); Bump(ref a[1]); return first; }

    // ---------------------------------------------------------------- pointers
    public static long SumPointer(int* p, int n) { long s = 0; for (int i = 0; i < n; i++) s += p[i]; return s; }
    public static void FillPointer(byte* p, int n, byte value) { for (byte* end = p + n; p < end; p++) *p = value; }
    public static double ReadDoublePointer(double* p, int i) => *(p + i);
    public static int StackAlloc(int seed)
    {
        int* buffer = stackalloc int[8];
        for (int i = 0; i < 8; i++) buffer[i] = seed * i;
        int s = 0;
        for (int i = 0; i < 8; i++) s += buffer[i] ^ i;
        return s;
    }
    public static long StackAllocZeroed() { long* p = stackalloc long[4]; return p[0] + p[1] + p[2] + p[3]; }
    public static long StackAllocLarge(int seed)
    {
        byte* odd = stackalloc byte[13];
        long* big = stackalloc long[200];
        long s = 0;
        for (int i = 0; i < 13; i++) s += odd[i];
        for (int i = 0; i < 200; i++) { s += big[i]; big[i] = seed ^ i; }
        for (int i = 0; i < 200; i += 7) s += big[i];
        return s;
    }
    public static int InitBlock(int[] a, int count)
    {
        fixed (int* p = a) Unsafe.InitBlock(p, 0, 12);
        return a[0] + a[1] + a[2] + (a.Length > 3 ? a[3] : 0) + count;
    }
    public static int Fixed(int[] a) { fixed (int* p = a) { return p == null ? -1 : p[0] + *(p + a.Length - 1); } }
    public static int SizeOfs() => sizeof(long) + sizeof(double) * 10 + sizeof(char) * 100 + sizeof(byte) * 1000;

    // ---------------------------------------------------------------- spans
    public static int SpanSum(int[] a) { ReadOnlySpan<int> s = a; int sum = 0; foreach (int x in s) sum += x; return sum; }
    public static long SpanSlices(long[] a, int start, int length)
    {
        Span<long> s = a.AsSpan(start, length);
        long sum = s.Length;
        for (int i = 0; i < s.Length; i++) { s[i] *= 3; sum += s[i]; }
        return sum + (s.IsEmpty ? 1000 : 0);
    }
    public static int SliceFrom(int[] a, int start) { Span<int> s = a; s = s.Slice(start); return s.Length > 0 ? s[0] + s.Length : -s.Length; }
    public static int SliceTwice(int[] a, int start, int length) { var s = new Span<int>(a).Slice(start, length); return s.Length == 0 ? -1 : s[s.Length - 1]; }
    public static int SpanConstructor(int[] a, int start, int length) { var s = new ReadOnlySpan<int>(a, start, length); return s.Length * 1000 + (s.IsEmpty ? 0 : s[0]); }
    public static int SpanIndex(int[] a, int i) { Span<int> s = a; return s[i]; }
    public static int StackAllocSpan(int seed)
    {
        Span<int> buffer = stackalloc int[10];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = seed + i;
        int sum = 0;
        foreach (int x in buffer) sum += x * x;
        return sum;
    }
    public static double SpanHelper(double[] a) => SumOf(a, 1);
    static double SumOf(ReadOnlySpan<double> s, int skip) { double sum = 0; for (int i = skip; i < s.Length; i++) sum += s[i]; return sum; }
    public static int Pinned(int[] a) { Span<int> s = a; fixed (int* p = s) { return p == null ? -1 : *p; } }
    public static int UnsafeHelpers(int[] a)
    {
        ref int first = ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(a);
        ref int third = ref Unsafe.Add(ref first, 2);
        third += 10;
        return third + Unsafe.SizeOf<long>() + Unsafe.ReadUnaligned<byte>(ref Unsafe.As<int, byte>(ref first));
    }
    public static int GetReference(int[] a) { ReadOnlySpan<int> s = a; return a.Length == 0 ? 0 : System.Runtime.InteropServices.MemoryMarshal.GetReference(s); }

    // ---------------------------------------------------------------- static fields
    public static int Counter;
    public static double Scale = 2.5;
    public static readonly long Limit = 1_000_000_007;
    public static int NextCount() => ++Counter;
    public static double Scaled(double x) => x * Scale;
    public static long ModLimit(long x) => x % Limit;
    public static ref int CounterRef() => ref Counter;
    public static int ThroughStaticAddress() { ref int c = ref Counter; c += 10; return c; }

    // ---------------------------------------------------------------- refused
    public static int NewArray(int n) => new int[n].Length;
    public static int Strings(string[] s) => s.Length + s[0].Length;
    public static int Objects(object[] o) => o.Length;
    public static int TwoDimensional(int[,] a) => a[0, 0];
    public static int StackAllocVariable(int n) { int* p = stackalloc int[n]; p[0] = 1; return p[0]; }
#pragma warning disable CA2014 // the point: MiniJit refuses it
    public static int StackAllocInLoop(int n) { int s = 0; for (int i = 0; i < n; i++) { int* p = stackalloc int[4]; p[0] = i; s += p[0]; } return s; }
#pragma warning restore CA2014
    public static int StructConstructed(int x) => new DateTimeOffset(x, 1, 1, 0, 0, 0, TimeSpan.Zero).Year;
    [ThreadStatic] public static int PerThread;
    public static int ReadThreadStatic() => PerThread;
    public static int ReadPrecise() => Precise.Value;
}

/// <summary>A type with a static constructor: its initializer must run exactly at the first access.</summary>
public static class Precise
{
    public static int Value;
    static Precise() => Value = 42;
}

/// <summary>A precise type (it has a static constructor) whose method is called after memory was written.</summary>
public static class PreciseHelper
{
    public static int Calls;
    static PreciseHelper() => Calls = 0;
    public static int Twice(int x) => x * 2;
    public static int WriteThenCall(int[] a) { a[0]++; return Twice(a[0]); }
}
