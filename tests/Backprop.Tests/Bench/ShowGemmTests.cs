namespace Backprop.Tests.Bench;

/// <summary>
/// <c>bench/show_gemm.py</c> prints which implementation each line is, and sets every line against the results' own
/// peak: a line's <c>peak_gflops</c>, else the FMA loop's rate per CPU found in the other lines (no fixed Zen 5 figure).
/// </summary>
public class ShowGemmTests
{
    private const string Lines = """
        {"impl":"backprop","case":"square-1024","dtype":"float32","threads":2,"gflops":300.0,"best_gflops":310.0,"pct_peak":75.0,"peak_gflops":400.0,"gflops_per_cpu":150.0}
        {"impl":"numpy","case":"square-1024","dtype":"float32","threads":2,"gflops":100.0,"best_gflops":110.0,"pct_peak":null,"peak_gflops":null}
        {"impl":"numpy","case":"square-1024","dtype":"float64","threads":2,"gflops":50.0,"best_gflops":55.0,"pct_peak":null,"peak_gflops":null}
        """;

    [SkippableFact]
    public void Table_HasImplAndTheResultsOwnPeak()
    {
        Skip.IfNot(File.Exists(BenchProgram.Python), "no system Python");
        var r = BenchProgram.RunProcess(BenchProgram.Python, [Path.Combine(HarnessSmokeTests.Repo(), "bench", "show_gemm.py")],
            new Dictionary<string, string?> { ["BACKPROP_BENCH_PEAK_GFLOPS_PER_CPU"] = null }, TimeSpan.FromMinutes(1), Lines + "\n");
        Assert.True(r.ExitCode == 0, r.Output);
        var rows = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("impl", rows[0]);
        Assert.StartsWith("backprop", rows[1]);
        Assert.Contains(" 75.0%", rows[1]);
        // NumPy's lines: against the loop's 200 GFLOP/s per CPU from ours (400 on 2 threads); float64 half of that.
        Assert.StartsWith("numpy", rows[2]);
        Assert.Contains(" 25.0%", rows[2]);
        Assert.Contains(" 25.0%", rows[3]);
    }
}
