using BenchmarkDotNet.Running;
using Backprop.Bench;

// `gemm [--case NAME] [--dtype float32|float64] [--threads N] [--seconds S]`: quick JSON-lines runner.
// Anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "gemm") return GemmRunner.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
return 0;
