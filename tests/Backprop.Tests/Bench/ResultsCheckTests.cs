using System.Text.Json.Nodes;

namespace Backprop.Tests.Bench;

/// <summary>
/// <c>check-results</c> fails a suite's results.json where a peer that was installed failed: a failed run, a GEMM case
/// or data set with no ratio against a peer (counts of 0, which a check comparing 0 with 0 passes). Where NumPy and
/// PyTorch are not installed the peers' failures are expected and pass.
/// </summary>
[Collection(Kernels.KernelCollection.Name)]
public class ResultsCheckTests
{
    /// <summary>A smoke-sized results.json: one GEMM case and one data set, the NumPy side broken when <paramref name="numpyBroken"/>.</summary>
    private static JsonObject Results(string numpyTorch, bool numpyBroken)
    {
        JsonObject Stat(int count) => new() { ["median"] = count > 0 ? 1.0 : null, ["min"] = null, ["max"] = null, ["count"] = count };
        JsonObject Run(bool ok) => ok ? new() { ["speed"] = new JsonObject { ["median_epoch_seconds"] = 1.5 } } : new() { ["core_round_trip_ns"] = new JsonArray(100, 100) };
        var failed = new JsonArray();
        if (numpyBroken)
        {
            failed.Add(new JsonObject { ["command"] = "numpy_gemm.py --dtype float32", ["peer"] = true, ["exit_code"] = 1, ["stderr_tail"] = "ImportError" });
            failed.Add(new JsonObject { ["command"] = "numpy_fcnet.py --mode speed", ["peer"] = true, ["exit_code"] = 1, ["stderr_tail"] = "ImportError" });
        }
        return new JsonObject
        {
            ["machine"] = new JsonObject { ["numpy_torch"] = numpyTorch, ["peer_blas"] = new JsonObject { ["tried"] = numpyBroken ? new JsonArray()
                : new JsonArray(new JsonObject { ["coretype"] = "detected", ["blas_core"] = "Haswell", ["gflops_float32"] = 100.0 }) } },
            ["failed_runs"] = failed,
            ["gemm"] = new JsonObject
            {
                ["cases"] = new JsonArray(new JsonObject
                {
                    ["case"] = "fwd-100x500x500", ["dtype"] = "float32", ["ours_gflops"] = Stat(1),
                    ["numpy_gflops"] = Stat(numpyBroken ? 0 : 1), ["ratio"] = Stat(numpyBroken ? 0 : 1),
                }),
            },
            ["epoch"] = new JsonObject
            {
                ["fashion-mnist"] = new JsonObject
                {
                    ["ours_seconds"] = Stat(1), ["ours_over_torch"] = Stat(1), ["ours_over_numpy"] = Stat(numpyBroken ? 0 : 1),
                    ["runs"] = new JsonObject
                    {
                        ["backprop"] = new JsonArray(Run(true)), ["torch 1/1"] = new JsonArray(Run(true)), ["numpy 1"] = new JsonArray(Run(!numpyBroken)),
                    },
                },
            },
        };
    }

    private static ProcessResult Check(JsonObject results)
    {
        string file = Path.Combine(Path.GetTempPath(), $"backprop-results-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, results.ToJsonString());
            return BenchProgram.Run("check-results", file);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void BrokenPeer_FailsTheCheck_WhenPeersAreInstalled()
    {
        var r = Check(Results("1.24.2 1.13.0a0", numpyBroken: true));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("peer run failed (exit 1): numpy_gemm.py", r.Stdout);
        Assert.Contains("gemm fwd-100x500x500 float32: no NumPy figure", r.Stdout);
        Assert.Contains("gemm fwd-100x500x500 float32: no ours / NumPy ratio", r.Stdout);
        Assert.Contains("epoch fashion-mnist: no ours_over_numpy ratio", r.Stdout);
        Assert.Contains("epoch fashion-mnist: numpy 1 round 1 has no time", r.Stdout);
        Assert.Contains("peers' OpenBLAS kernel set: no setting could be timed", r.Stdout);
        Assert.DoesNotContain("ours_over_torch", r.Stdout);
    }

    [Fact]
    public void BrokenPeer_Passes_WhenPeersAreNotInstalled()
    {
        var r = Check(Results("unavailable", numpyBroken: true));
        Assert.True(r.ExitCode == 0, r.Output);
        Assert.Contains("peers unavailable, not required", r.Stdout);
    }

    [Fact]
    public void CompleteResults_Pass()
    {
        var r = Check(Results("1.24.2 1.13.0a0", numpyBroken: false));
        Assert.True(r.ExitCode == 0, r.Output);
    }

    [Fact]
    public void OurFailedRun_FailsTheCheck_Always()
    {
        var results = Results("unavailable", numpyBroken: false);
        results["failed_runs"]!.AsArray().Add(new JsonObject { ["command"] = "Backprop.Bench epoch --data fashion-mnist", ["peer"] = false, ["exit_code"] = 134, ["stderr_tail"] = "crash" });
        var r = Check(results);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("our run failed (exit 134): Backprop.Bench epoch", r.Stdout);
    }

    [Fact]
    public void ASectionAskedForAndMissing_FailsTheCheck()
    {
        // A run that asked for gemm and epoch and whose results hold neither (a section that stopped being written
        // passed before: nothing in it to fail).
        var results = Results("1.24.2 1.13.0a0", numpyBroken: false);
        results["machine"]!["sections"] = new JsonArray("gemm", "epoch");
        results.Remove("gemm");
        var r = Check(results);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("gemm: the run asked for it, and results.json has no such section.", r.Stdout);
        Assert.Contains("memory: the run asked for it", r.Stdout);
        Assert.DoesNotContain("epoch: the run asked", r.Stdout);

        // An epoch section whose data sets all lost their runs.
        results = Results("unavailable", numpyBroken: false);
        results["epoch"]!["fashion-mnist"]!.AsObject().Remove("runs");
        r = Check(results);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("epoch: no data set has runs.", r.Stdout);
    }

    [Fact]
    public void EachPeerIsJudgedByItsOwnLibrary()
    {
        // NumPy installed, PyTorch not: a broken NumPy peer fails the check; PyTorch's absence does not.
        var results = Results("unavailable", numpyBroken: true);
        results["machine"]!["numpy"] = "1.24.2";
        results["machine"]!["torch"] = "unavailable";
        results["epoch"]!["fashion-mnist"]!["ours_over_torch"] = new JsonObject { ["count"] = 0 };
        var r = Check(results);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("peer run failed (exit 1): numpy_gemm.py", r.Stdout);
        Assert.Contains("gemm fwd-100x500x500 float32: no NumPy figure", r.Stdout);
        Assert.DoesNotContain("ours_over_torch", r.Stdout);
    }
}
