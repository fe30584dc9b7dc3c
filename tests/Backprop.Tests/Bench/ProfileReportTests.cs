using System.Diagnostics;

namespace Backprop.Tests.Bench;

/// <summary>
/// <c>bench/profile_report.py</c> (behind <c>bench/profile.sh</c>) turns perf's sample lines into CPU-seconds per group
/// and thread: fed lines in perf's own format (taken from a real profile), it must put each symbol in its group, keep
/// the setup and the runtime's other threads out of the shares, and divide by the sampling frequency.
/// </summary>
public class ProfileReportTests
{
    private const string PerfLines = """
        # Samples: 33K of event 'cpu-clock'
         25.85% | 8000       |dotnet         |[JIT] tid 27425              |[.] void [Backprop] Backprop.Kernels.GemmKernel512Wide`1[System.Single]::Run(!0*,!0*,native int,int32,!0*,native int,bool)[Optimized]
         24.61% | 6000       |Backprop worker|[JIT] tid 27425              |[.] void [Backprop] Backprop.Kernels.GemmKernel512Wide`1[System.Single]::Run(!0*,!0*,native int,int32,!0*,native int,bool)[Optimized]
         11.99% | 3000       |dotnet         |[JIT] tid 27425              |[.] float32 [Backprop.Bench] Backprop.Bench.MachinePeak::Chains512(int32)[Optimized]
         3.06%  | 1000       |Backprop worker|[JIT] tid 27425              |[.] void [Backprop] Backprop.Optim.AdamKernel`1[System.Single]::Row(valuetype Backprop.Optim.AdamCall`1<!0>&,!0*,!0*,!0*,!0*,int64)[Optimized]
         2.45%  | 500        |Backprop worker|libcoreclr.so                |[.] 0x000000000046e442
         1.90%  | 2000       |dotnet         |[JIT] tid 27425              |[.] void [Backprop] Backprop.Kernels.GemmPacking::PackBVector(!!0*,int32,int32,bool,int32,int32,int32,int32,int32,!!0*)[Optimized]
         0.60%  | 700        |Backprop worker|[JIT] tid 27425              |[.] void [Backprop] Backprop.Kernels.GemmDriver`2[System.Single,Backprop.Kernels.GemmKernel512Wide`1[System.Single]]::SweepRows(valuetype Backprop.Kernels.GemmCall`1<!0>&,int32,int32,bool,int32,int32,!0*,!0*,!0*)[Optimized]
         0.50%  | 400        |dotnet         |[JIT] tid 27425              |[.] void [Backprop] Backprop.Kernels.BatchNormKernels`1[System.Single]::Backward(int32,valuetype Backprop.Kernels.BatchNormCall`1<!0>&)[OptimizedTier1]
         0.40%  | 300        |dotnet         |[kernel.kallsyms]            |[k] clear_page_erms
         0.30%  | 200        |dotnet         |[kernel.kallsyms]            |[k] __schedule
         0.20%  | 100        |.NET Tiered Com|libc.so.6                    |[.] __strcmp_evex
        """;

    [Fact]
    public async Task GroupsSamplesByCodeAndThread()
    {
        string output = await Run(PerfLines, frequency: 1000);
        // Training samples: everything but the peak loop (3000) and the JIT thread (100): 19,100. The driver's name
        // mentions its kernel; its samples are the driver's, not the kernel's.
        Assert.Contains("| GEMM micro-kernel | 8.00 | 6.00 | 73.3% |", output);
        Assert.Contains("| GEMM packing and driver | 2.00 | 0.70 | 14.1% |", output);
        Assert.Contains("| Adam (fused and separate) | 0.00 | 1.00 | 5.2% |", output);
        Assert.Contains("| pool: dispatch and waiting for work | 0.00 | 0.50 | 2.6% |", output);
        Assert.Contains("| batch norm, ReLU, softmax, element-wise | 0.40 | 0.00 | 2.1% |", output);
        Assert.Contains("| OS: page faults | 0.30 | 0.00 | 1.6% |", output);
        Assert.Contains("| OS: scheduler, yields, the rest | 0.20 | 0.00 | 1.0% |", output);
        Assert.Contains("training samples: 19100 (19.1 CPU-s); setup left out: 3.1 CPU-s", output);
        Assert.DoesNotContain("| other |", output);
    }

    [Fact]
    public async Task NoSamples_IsAnError()
    {
        var (code, _, stderr) = await RunRaw("# nothing sampled\n", frequency: 1000);
        Assert.Equal(1, code);
        Assert.Contains("no samples", stderr);
    }

    private static async Task<string> Run(string input, int frequency)
    {
        var (code, stdout, stderr) = await RunRaw(input, frequency);
        Assert.True(code == 0, $"profile_report.py exited {code}: {stderr}");
        return stdout;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunRaw(string input, int frequency)
    {
        string script = Path.Combine(HarnessSmokeTests.Repo(), "bench", "profile_report.py");
        var psi = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var a in new[] { script, "--frequency", frequency.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(input);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(1)), "profile_report.py did not finish in a minute");
        p.WaitForExit();
        return (p.ExitCode, await stdout, await stderr);
    }
}
