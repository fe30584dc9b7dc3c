using System.Text.Json.Nodes;

namespace Backprop.Tests.Bench;

/// <summary>
/// One smoke run of the GEMM section with a NumPy GEMM peer that exits 3 (a copy of bench/peers with numpy_gemm.py
/// replaced) and a start-of-run peak handed down absurdly low (0.001 GFLOP/s per CPU): the report must say which runs
/// failed, <c>check-results</c> must fail it where NumPy is installed, and the "% of peak" figures above
/// 100% must be flagged. Nothing is judged by speed.
/// </summary>
public sealed class BrokenPeerRun : IDisposable
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"backprop-broken-peer-{Guid.NewGuid():N}");
    public ProcessResult Suite { get; }
    public string Markdown { get; }
    public JsonNode Json { get; }

    public BrokenPeerRun()
    {
        string repo = HarnessSmokeTests.Repo(), peers = Path.Combine(Folder, "peers"), output = Path.Combine(Folder, "out");
        Directory.CreateDirectory(peers);
        foreach (var f in Directory.GetFiles(Path.Combine(repo, "bench", "peers"))) File.Copy(f, Path.Combine(peers, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(peers, "numpy_gemm.py"), "import sys\nsys.stderr.write('numpy_gemm.py broken on purpose\\n')\nsys.exit(3)\n");
        Suite = BenchProgram.Run(new Dictionary<string, string?> { ["BACKPROP_BENCH_PEAK_GFLOPS_PER_CPU"] = "0.001" },
            "suite", "--repo", repo, "--smoke", "--only", "gemm", "--peers", peers, "--out", output);
        Markdown = File.Exists(Path.Combine(output, "RESULTS.md")) ? File.ReadAllText(Path.Combine(output, "RESULTS.md")) : "";
        Json = File.Exists(Path.Combine(output, "results.json")) ? JsonNode.Parse(File.ReadAllText(Path.Combine(output, "results.json")))! : new JsonObject();
    }

    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}

[Collection(Kernels.KernelCollection.Name)]
public class BrokenPeerRunTests(BrokenPeerRun run) : IClassFixture<BrokenPeerRun>
{
    [Fact]
    public void Report_NamesTheFailedPeerRuns()
    {
        Assert.True(run.Suite.ExitCode == 0, run.Suite.Output);
        Assert.Contains("**Failed runs (", run.Markdown);
        Assert.Contains("numpy_gemm.py --dtype float32", run.Markdown);
        Assert.Contains("broken on purpose", run.Markdown);
        var failed = run.Json["failed_runs"]!.AsArray();
        Assert.NotEmpty(failed);
        Assert.All(failed, f => Assert.True((bool)f!["peer"]! && (int)f["exit_code"]! == 3, f!.ToJsonString()));
    }

    [Fact]
    public void Check_FailsTheResults_WhereNumPyIsInstalled()
    {
        // The broken peer is NumPy's, so NumPy alone decides (PyTorch may be missing: CI installs NumPy only).
        var r = BenchProgram.Run("check-results", Path.Combine(run.Folder, "out", "results.json"));
        if ((string?)run.Json["machine"]!["numpy"] == "unavailable") Assert.Equal(0, r.ExitCode);
        else
        {
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("no NumPy figure", r.Stdout);
        }
    }

    [Fact]
    public void PercentOfPeakAbove100_IsFlagged()
    {
        // Against 0.002 GFLOP/s on two CPUs, any product is far above 100% of the start-of-run peak.
        Assert.Contains("⚠ Above 100% of peak (", run.Markdown);
        Assert.NotEmpty(run.Json["gemm"]!["pct_peak_above_100"]!.AsArray());
    }
}
