using System.Reflection;
using MiniJit.Tests.ClrParity;

namespace MiniJit.Tests.Regression;

/// <summary>Back-end bugs found by the random programs, each reduced to a small method and compared with the CLR
/// (optimized and not) on the inputs that exposed it plus the edge values.</summary>
#pragma warning disable CS0162, CS0219, CS1717, CS0652, CS1718 // the generated method below keeps its dead code, as generated
public class BackendRegressionTests
{
    static void Check(string name, params object?[][] inputs)
    {
        var m = typeof(BackendRegressionTests).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        Parity.Check(m, inputs.Concat(Parity.EdgeInputs(m)), random: null!, randomSamples: 0);
    }

    /// <summary>The prologue moves every parameter into place at once, so d must not get the register of c, whose last
    /// read (its zero-extension) comes before d's param instruction: liveness starts both at the entry
    /// (random programs 72, 80, 89 and 111).</summary>
    public static long ParametersArriveTogether(char a, long b, char c, int d)
    {
        long t = d + 1;
        long q = b / (a | 1);
        return q + t + a + b + c;
    }

    [Fact]
    public void ParametersAreLiveFromTheEntry() => Check(nameof(ParametersArriveTogether), ['\ua31d', 1803574730L, '\ud9d4', -3]);

    /// <summary>The division used to load the dividend into rax before its checks, while the frame pointer — then a
    /// virtual register, read last by the division — could sit in rax: the error stub passed garbage as the frame
    /// and the process crashed instead of throwing DivideByZeroException (random program seed 200086). The checks
    /// now come first, and the frame pointer has a register of its own.</summary>
    public static long FrameLastReadByDivision(long a, uint b, short c) => (~(long)b >> ((int)a % ((int)c | (int)b))) + b;

    [Fact]
    public void DivisionChecksComeBeforeRaxIsLoaded() =>
        Check(nameof(FrameLastReadByDivision), [4294967294L, 0u, (short)0], [long.MinValue, uint.MaxValue, (short)-1]);

    /// <summary>Random program seed 8, index 253, as generated. v0 is a product truncated to 32 bits (0 for p2 =
    /// int.MinValue) and compared as a ulong: a truncation (<c>mov r9d, eax</c>) then a zero-extension back into rax
    /// (<c>mov eax, r9d</c>). The peephole pass took the second move for a copy back and dropped it, but it clears
    /// rax's upper half: the compare saw the untruncated product, took the branch that divides by v0, and threw
    /// DivideByZeroException where the CLR returns true.</summary>
    public static bool TruncatedThenZeroExtended(long p0, short p1, long p2)
    {
        unchecked
        {
            uint v0 = (uint)(long)(((738022812462079903L * p2) ^ p2));
            if (((ulong)v0 > (ulong)p0))
            {
                p0 = (long)(((int)(ushort)(((ulong)v0 << (int)((int)v0))) / (int)v0));
                p0 = ((((int)p0 >= (-1)) != (6482695110690588337L == 3530385602377363947L)) ? p0 : p2);
            }
            else
            {
                if ((((ulong)v0 | 5220033112965155817UL) >= ((ulong)p2 - (ulong)v0)))
                {
                    uint v1 = (uint)((1012623574u * (~((uint)p1 ^ 2147483648u))));
                }
                else
                {
                    for (int i2 = 0; i2 < (int)((int)p0 & 7); i2++)
                    {
                        p1 = (short)(((((long)v0 | 51L) | (long)p1) - p0));
                        ulong v3 = (ulong)i2;
                        p1 = (short)(((-2) % 2));
                        int v4 = (int)((((((int)v3 == (-3)) ? (int)p0 : (int)v3) >> (int)((0 << 24))) % (((int)p0 & 15) + 1)));
                    }
                }
            }
            v0 += (((-7711443008028596229L) == (-566L)) ? (~2769556315u) : (((int)p2 < (int)p2) ? v0 : (uint)p0));
            int v5 = (int)(sbyte)((((int)p2 / (((int)p2 & 15) + 1)) >>> (int)((((uint)p0 == (uint)p0) ? (int)p0 : (int)p2))));
            return (((int)v0 != (int)p1) | ((p2 == 1677088415L) ^ ((int)p2 < (-173))));
        }
    }


    [Fact]
    public void ZeroExtensionAfterTruncationIsKept() =>
        Check(nameof(TruncatedThenZeroExtended), [271155198L, (short)-4173, -2147483648L]);

    /// <summary>Issue 8: the textbook Fibonacci loop returned 2^(n-1). The header's phi for <c>a</c> takes the phi for
    /// <c>b</c> from the back edge; liveness removed b's phi result from the back edge's live-out while adding it as
    /// a's operand, so <c>t = a + b</c> took b's register and the edge move read t instead of b.</summary>
    public static int FibonacciLoop(int n)
    {
        int a = 0, b = 1;
        for (int k = 0; k < n; k++) { int t = a + b; a = b; b = t; }
        return a;
    }

    public static long FibonacciLoopLong(long n)
    {
        long a = 0, b = 1;
        for (long k = 0; k < n; k++) { long t = a + b; a = b; b = t; }
        return a;
    }

    /// <summary>Issue 8, the same class: x takes y's phi from the back edge, and y + 1 overwrote it first (101 for 950).</summary>
    public static long PhiReadsPhiOfTheSameHeader(long a)
    {
        long x = a, y = 0;
        int n = 0;
        while (x > n) { x = y; y++; n++; }
        return x * 100 + y;
    }

    /// <summary>Issue 8: <c>while (x &gt; 0) { x = y; y++; }</c> never terminated; bounded here by a counter.</summary>
    public static long CopyThenIncrementTerminates(long x)
    {
        long y = 0;
        int guard = 0;
        while (x > 0 && guard < 1000) { x = y; y++; guard++; }
        return guard * 1000 + y;
    }

    /// <summary>Only the inputs given: the loops run n times, so the edge values (long.MaxValue) would never end.</summary>
    static void CheckOnly(string name, params object?[][] inputs) =>
        Parity.Check(typeof(BackendRegressionTests).GetMethod(name)!, inputs, random: null!, randomSamples: 0);

    [Fact]
    public void LoopCarriedValuesRotatedThroughPhis()
    {
        CheckOnly(nameof(FibonacciLoop), [0], [1], [2], [3], [10], [46], [47], [-5]);
        CheckOnly(nameof(FibonacciLoopLong), [0L], [2L], [10L], [92L], [long.MinValue]);
        Check(nameof(PhiReadsPhiOfTheSameHeader), [950L], [0L], [1L], [5L]);
        Check(nameof(CopyThenIncrementTerminates), [950L], [0L], [-3L], [1L]);
    }
}
