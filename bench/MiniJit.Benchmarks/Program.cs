using BenchmarkDotNet.Running;

// The benchmark suite is filled in by the benchmark issue; the project builds in CI so it never rots.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
