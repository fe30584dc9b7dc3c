namespace Backprop.Bench;

/// <summary>
/// The <c>peak</c> command: one JSON line with the FMA loop's float32 GFLOP/s per CPU and in all (float64 is half) and
/// the streaming read's GB/s: what "% of peak" and "% of measured read bandwidth" divide by.
/// </summary>
public static class PeakCommand
{
    private const string Usage = "usage: Backprop.Bench peak\n  Prints the FMA loop's GFLOP/s (MachinePeak) and the streaming read's GB/s (MachineBandwidth) as JSON.";

    public static int Run(string[] args)
    {
        if (new BenchArgs("peak", args, []).Help) { Console.WriteLine(Usage); return 0; }
        int cpus = Environment.ProcessorCount;
        double perCpu = MachinePeak.Measure(), gbps = MachineBandwidth.Measure();
        Console.WriteLine(FormattableString.Invariant($"{{\"logical_cpus\":{cpus},\"float32_gflops_per_cpu\":{perCpu:F1},\"float32_gflops\":{MachinePeak.Gflops(perCpu, typeof(float), cpus):F1},\"float64_gflops\":{MachinePeak.Gflops(perCpu, typeof(double), cpus):F1},\"read_gbps\":{gbps:F1}}}"));
        return 0;
    }
}
