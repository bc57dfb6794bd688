namespace MiniJit.Benchmarks;

/// <summary>The memory kernels of the suite: plain C# over arrays and spans, as a performance-minded C# programmer
/// writes them for RyuJIT (spans of one length where two arrays are walked together), compiled by both JITs.</summary>
public static class MemoryKernels
{
    /// <summary>Sieve of Eratosthenes over <paramref name="composite"/> (all false on entry): how many primes below its length.</summary>
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

    /// <summary>c = a × b for n × n matrices stored by rows, in i-k-j order: the inner loop walks a row of b and a row of c.</summary>
    public static void MatMul(int[] a, int[] b, int[] c, int n)
    {
        for (int i = 0; i < n; i++)
        {
            Span<int> row = c.AsSpan(i * n, n);
            for (int j = 0; j < row.Length; j++) row[j] = 0;
            for (int k = 0; k < n; k++)
            {
                int aik = a[i * n + k];
                ReadOnlySpan<int> bRow = b.AsSpan(k * n, n);
                for (int j = 0; j < row.Length; j++) row[j] += aik * bRow[j];
            }
        }
    }

    /// <summary>The dot product of two vectors (the second at least as long as the first).</summary>
    public static double Dot(double[] a, double[] b)
    {
        ReadOnlySpan<double> x = a;
        ReadOnlySpan<double> y = b.AsSpan(0, x.Length);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    public delegate uint Checksum(ReadOnlySpan<byte> data);

    /// <summary>Adler-32, one byte at a time.</summary>
    public static uint Adler32(ReadOnlySpan<byte> data)
    {
        uint a = 1, b = 0;
        for (int i = 0; i < data.Length; i++)
        {
            a = (a + data[i]) % 65521;
            b = (b + a) % 65521;
        }
        return (b << 16) | a;
    }

    /// <summary>Counts each byte value: a store at a computed index.</summary>
    public static void Histogram(byte[] data, int[] counts)
    {
        for (int i = 0; i < data.Length; i++) counts[data[i]]++;
    }
}
