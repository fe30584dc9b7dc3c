using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Backprop.Bench;
using Backprop.Bench.Suite;

// The bench's commands (bench/README.md); anything else goes to BenchmarkDotNet, whose artifacts land in
// bench/BenchmarkDotNet.Artifacts. A bad command line is refused with exit code 2 before anything is timed.
try
{
    string[] rest = args.Length > 0 ? args[1..] : [];
    switch (args.Length > 0 ? args[0] : "")
    {
        case "gemm": return GemmRunner.Run(rest);
        case "epoch": return EpochRunner.Run(rest);
        case "bandwidth": return BandwidthRunner.Run(rest);
        case "peak": return PeakCommand.Run(rest);
        case "latency": return CoreLatency.Run(rest);
        case "split-writes": return WriteSplit.Run(rest);
        case "suite": return SuiteRunner.Run(rest);
        case "check-results": return ResultsCheck.Run(rest);
        case "peer-blas": return PeerBlas.Run(rest);
    }
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
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
