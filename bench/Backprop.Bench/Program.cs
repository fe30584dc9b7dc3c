using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Backprop.Bench;

// `peak`: the FMA-loop rate and the read bandwidth that "% of peak" and "% of bandwidth" divide by.
// `gemm [--case NAME] [--dtype float32|float64] [--threads N] [--seconds S] [--ab SWITCH]`: quick JSON-lines runner
// (with --ab, one of the driver's choices against its opposite, call by call).
// Anything else goes to BenchmarkDotNet, whose artifacts land in bench/BenchmarkDotNet.Artifacts.
if (args.Length > 0 && args[0] == "gemm") return GemmRunner.Run(args[1..]);
if (args.Length > 0 && args[0] == "epoch") return EpochRunner.Run(args[1..]);
if (args.Length > 0 && args[0] == "bandwidth") return BandwidthRunner.Run(args[1..]);
if (args.Length > 0 && args[0] == "peak")
{
    int cpus = Environment.ProcessorCount;
    double perCpu = MachinePeak.Measure(), gbps = MachineBandwidth.Measure();
    Console.WriteLine(System.FormattableString.Invariant($"{{\"logical_cpus\":{cpus},\"float32_gflops_per_cpu\":{perCpu:F1},\"float32_gflops\":{MachinePeak.Gflops(perCpu, typeof(float), cpus):F1},\"float64_gflops\":{MachinePeak.Gflops(perCpu, typeof(double), cpus):F1},\"read_gbps\":{gbps:F1}}}"));
    return 0;
}
// `latency [--count N] [--every S]`: a cache line's round trip between CPUs 0 and 1, N readings S seconds apart.
if (args.Length > 0 && args[0] == "latency") return CoreLatency.Run(args[1..]);
// `split-writes [--rows R] [--cols C] [--gap G] [--calls N]`: two threads writing a batch by column halves or by row halves.
if (args.Length > 0 && args[0] == "split-writes") return WriteSplit.Run(args[1..]);
if (args.Length > 0 && args[0] == "suite") return Backprop.Bench.Suite.SuiteRunner.Run(args[1..]);
// `peer-blas [--smoke]`: which OpenBLAS kernel set the peers should run with on this CPU (the suite's choice), as JSON.
if (args.Length > 0 && args[0] == "peer-blas")
{
    var choice = Backprop.Bench.Suite.PeerBlas.Choose(new Backprop.Bench.Suite.SuiteContext(args[1..]), Backprop.Bench.Suite.MachineInfo.CpuFlags());
    Console.WriteLine(choice.ToJsonString());
    return 0;
}
var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(BenchFolder(), "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args, config);
return 0;

// The bench/ folder above the build output (bench/Backprop.Bench/bin/...), else the working directory.
static string BenchFolder()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "Backprop.Bench.csproj"))) return dir.Parent!.FullName;
    return Directory.GetCurrentDirectory();
}
