using System.Reflection;
using MiniJit.Cil;
using MiniJit.Ir;
using MiniJit.Lowering;
using MiniJit.Optimization;
using MiniJit.RegisterAllocation;

namespace MiniJit.Tests.Backend;

/// <summary>Runs the back end's stages one by one, so tests can look at each stage's output.</summary>
static class BackendPipeline
{
    public static readonly CallingConvention Convention = CallingConvention.SystemV;

    public static (LoweredFunction Lowered, LiveIntervals Live, Allocation Allocation) Allocate(Function function)
    {
        var lowered = X64Lowering.Lower(function);
        var live = Liveness.Analyze(lowered, Convention);
        return (lowered, live, LinearScanAllocator.Allocate(lowered, live, Convention));
    }

    public static Function Optimized(MethodInfo method)
    {
        var ir = CilImporter.Import(CilMethod.FromMethod(method));
        Optimization.Optimizer.Run(ir);
        return ir;
    }

    public static MethodInfo Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)!;

    /// <summary>The allocator's two promises: values live at the same time never share a register, and no value
    /// sits in a register that an instruction destroys while the value is live.</summary>
    public static List<string> Violations(LiveIntervals live, Allocation allocation)
    {
        var problems = new List<string>();
        var inRegisters = Enumerable.Range(0, allocation.Locations.Length)
            .Where(v => allocation.Locations[v].Kind == LocationKind.Register && live.IsLive(v)).ToList();
        foreach (var v in inRegisters)
            foreach (var w in inRegisters)
            {
                if (v >= w || allocation.Locations[v].Register != allocation.Locations[w].Register) continue;
                if (live.Intersect(v, w))
                    problems.Add($"v{v} and v{w} are live at the same time and share {allocation.Locations[v]}");
            }
        foreach (var (position, registers) in live.Clobbers)
            foreach (var v in inRegisters)
                if ((registers & X64Registers.Mask(allocation.Locations[v].Register)) != 0 && live.Covers(v, position - 1) && live.Covers(v, position + 1))
                    problems.Add($"v{v} in {allocation.Locations[v]} is live across a clobber at {position}");
        return problems;
    }
}
