namespace MiniJit.Benchmarks;

/// <summary>The struct kernels: plain C# with small structs, as RyuJIT users write it (operators, readonly methods,
/// a struct accumulator), compiled by both JITs.</summary>
public static class StructKernels
{
    public struct Complex
    {
        public double Re, Im;
        public Complex(double re, double im) { Re = re; Im = im; }
        public static Complex operator +(Complex a, Complex b) => new(a.Re + b.Re, a.Im + b.Im);
        public static Complex operator *(Complex a, Complex b) => new(a.Re * b.Re - a.Im * b.Im, a.Re * b.Im + a.Im * b.Re);
        public readonly double Norm2() => Re * Re + Im * Im;
    }

    /// <summary>Iterations of z = z² + c over a size × size grid of c in [-2, 0.5] × [-1.25, 1.25], at most 100 each:
    /// every step two operator calls that take and return a 16-byte struct.</summary>
    public static int ComplexMandelbrot(int size)
    {
        int total = 0;
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                var c = new Complex(-2 + 2.5 * x / size, -1.25 + 2.5 * y / size);
                var z = default(Complex);
                int n = 0;
                while (n < 100 && z.Norm2() <= 4) { z = z * z + c; n++; }
                total += n;
            }
        return total;
    }

    public struct Moments { public double Sum, SumOfSquares; public long Count; }

    /// <summary>A struct accumulator updated in a loop, field by field, with no call: what keeping struct fields in
    /// registers (scalar replacement) is worth.</summary>
    public static double Variance(double[] values)
    {
        var m = default(Moments);
        foreach (double v in values)
        {
            m.Sum += v;
            m.SumOfSquares += v * v;
            m.Count++;
        }
        double mean = m.Sum / m.Count;
        return m.SumOfSquares / m.Count - mean * mean;
    }
}
