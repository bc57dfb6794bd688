using CsCheck;
using MiniJit.Ir;

namespace MiniJit.Tests.Optimizer;

public class OptimizerTests
{
    [Fact]
    public void PassesCooperateUntilNothingIsLeft()
    {
        var function = IrParser.Parse("""
            function T.Fold(i64) -> i64 {
            b0:
              v0:i64 = param 0
              v1:i32 = const 3
              v2:i32 = const 4
              v3:i32 = lt v1, v2
              branch v3, b1, b2
            b1:
              v4:i64 = const 0
              v5:i64 = add v0, v4
              jump b3
            b2:
              v6:i64 = mul v0, v0
              jump b3
            b3:
              v7:i64 = phi b1 v5, b2 v6
              v8:i64 = sub v7, v0
              return v8
            }
            """);
        var seen = new List<string>();
        var totals = Optimization.Optimizer.Run(function, (pass, f, count) =>
        {
            IrVerifier.Check(f);
            seen.Add(pass);
        });
        Assert.Equal("""
            function T.Fold(i64) -> i64 {
            b0:
              v8:i64 = const 0
              return v8
            }

            """, IrPrinter.Print(function));
        string[] passes = ["scalar-replacement", "constant-folding", "algebraic-simplification", "division-by-constant", "copy-propagation",
            "common-subexpressions", "loop-invariant-code-motion", "bounds-check-elimination", "loop-test-strengthening",
            "dead-code-elimination", "unreachable-block-elimination", "jump-threading"];
        Assert.Equal(passes, seen.Take(passes.Length));
        Assert.Equal(0, seen.Count % passes.Length);
        // Every pass had work here except the ones for what the function does not have: divisions, repeated
        // computations, loops and memory.
        string[] idle = ["scalar-replacement", "division-by-constant", "common-subexpressions", "loop-invariant-code-motion",
            "loop-test-strengthening", "bounds-check-elimination"];
        Assert.All(totals, t => Assert.True(t.Count > 0 == !idle.Contains(t.Pass), t.Pass));
    }

    /// <summary>
    /// Random integer programs — a straight-line entry block, then a diamond whose arms compute more values and
    /// meet in a phi — run through the reference interpreter before and after optimization: the results (or the
    /// exception) must match on every input, and the IR must verify after each pass.
    /// </summary>
    [Fact]
    public void OptimizedProgramsComputeTheSameResults() => Gen.Int.Sample(seed =>
    {
        var random = new Random(seed);
        var original = RandomProgram.Build(random);
        var optimized = RandomProgram.Build(new Random(seed));
        long[][] inputs = [.. Enumerable.Range(0, 8).Select(_ => new[] { RandomProgram.Interesting(random), RandomProgram.Interesting(random) })];
        Optimization.Optimizer.Run(optimized, (_, f, _) => IrVerifier.Check(f));
        foreach (var input in inputs)
            Assert.True(Outcome(original, input) == Outcome(optimized, input),
                $"input ({input[0]}, {input[1]})\n{original}\n{optimized}");
    }, iter: 2000);

    static string Outcome(Function function, long[] input)
    {
        try { return IrInterpreter.Run(function, input).ToString()!; }
        catch (ArithmeticException e) { return e.GetType().Name; }
    }
}

static class RandomProgram
{
    static readonly long[] Special = [0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 33, 63, 64, 255, 65535, int.MaxValue, int.MinValue,
        long.MaxValue, long.MinValue, 0x80000000, 0xFFFFFFFF];

    static readonly Op[] Binary = [Op.Add, Op.Sub, Op.Mul, Op.Div, Op.DivU, Op.Rem, Op.RemU, Op.And, Op.Or, Op.Xor,
        Op.Shl, Op.Shr, Op.ShrU, Op.Eq, Op.Ne, Op.Lt, Op.Le, Op.Gt, Op.Ge, Op.LtU, Op.LeU, Op.GtU, Op.GeU];

    static readonly Op[] Unary32 = [Op.Neg, Op.Not, Op.SignExtend8, Op.SignExtend16, Op.ZeroExtend8, Op.ZeroExtend16];

    public static long Interesting(Random random) => random.Next(3) == 0 ? random.NextInt64(long.MinValue, long.MaxValue)
        : Special[random.Next(Special.Length)] + random.Next(-1, 2);

    public static Function Build(Random random)
    {
        var function = new Function("T.Random", [IrType.I64, IrType.I32], IrType.I64);
        var entry = function.NewBlock();
        var first = function.Append(entry, Op.Param, IrType.I64);
        var second = function.Append(entry, Op.Param, IrType.I32);
        second.Imm = 1;
        var pool = new List<int> { first.Result, second.Result };
        Fill(function, entry, pool, random, random.Next(3, 20));

        var left = function.NewBlock();
        var right = function.NewBlock();
        var join = function.NewBlock();
        function.Terminate(entry, Op.Branch, [Pick(function, pool, IrType.I32, random)], left, right);
        int leftValue = Arm(function, left, join, pool, random);
        int rightValue = Arm(function, right, join, pool, random);
        var phi = function.Append(join, Op.Phi, IrType.I64, leftValue, rightValue);
        pool.Add(phi.Result);
        Fill(function, join, pool, random, random.Next(0, 6));
        function.Terminate(join, Op.Return, [Pick(function, pool, IrType.I64, random)]);
        return function;
    }

    static int Arm(Function function, Block arm, Block join, List<int> pool, Random random)
    {
        var local = new List<int>(pool);
        Fill(function, arm, local, random, random.Next(0, 6));
        int value = Pick(function, local, IrType.I64, random);
        function.Terminate(arm, Op.Jump, [], join);
        return value;
    }

    static void Fill(Function function, Block block, List<int> pool, Random random, int count)
    {
        for (int i = 0; i < count; i++) pool.Add(Next(function, block, pool, random).Result);
    }

    static Instr Next(Function function, Block block, List<int> pool, Random random)
    {
        var type = random.Next(2) == 0 ? IrType.I32 : IrType.I64;
        switch (random.Next(10))
        {
            case < 3:
                return function.AppendConst(block, type, Interesting(random));
            case 3 when type == IrType.I32:
                return function.Append(block, Unary32[random.Next(Unary32.Length)], type, Pick(function, pool, type, random));
            case 3:
                return function.Append(block, random.Next(2) == 0 ? Op.Neg : Op.Not, type, Pick(function, pool, type, random));
            case 4:
                var (op, from) = type == IrType.I64
                    ? (random.Next(2) == 0 ? Op.SignExtend32 : Op.ZeroExtend32, IrType.I32)
                    : (Op.Truncate, IrType.I64);
                return function.Append(block, op, type, Pick(function, pool, from, random));
            default:
                var binary = Binary[random.Next(Binary.Length)];
                bool shift = binary is Op.Shl or Op.Shr or Op.ShrU;
                int x = Pick(function, pool, type, random);
                int y = Pick(function, pool, shift && random.Next(2) == 0 ? IrType.I32 : type, random);
                return function.Append(block, binary, binary.Is(OpFlags.Compare) ? IrType.I32 : type, x, y);
        }
    }

    /// <summary>A value of the type from the pool, favouring recent ones so that chains of operations form.</summary>
    static int Pick(Function function, List<int> pool, IrType type, Random random)
    {
        var candidates = pool.Where(v => function.ValueTypes[v] == type).ToList();
        int recent = Math.Min(candidates.Count, 4);
        return random.Next(3) > 0 ? candidates[^(1 + random.Next(recent))] : candidates[random.Next(candidates.Count)];
    }
}
