using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Backprop.Tests.Bench;

/// <summary>
/// <c>bench/run.sh --smoke</c> builds the benchmark program and runs every part of the suite at tiny sizes: the report
/// and the JSON come out with every section, training is bit-identical on 1, 2 and 3 threads, and the soak run
/// reports memory per epoch; our epochs come with their phase-by-phase time; every epoch run is tagged with the host's
/// phase (core-to-core round trip before and after; for ours also the kernels' placement checks during it) and the peer ratios are split by it; the peers' OpenBLAS kernel set is chosen by timing them; the machine's peak FLOP rate, read bandwidth and core-to-core round trip are measured (float64 half of float32), and the FMA loop is read again beside every GEMM case and timed epoch for their % of peak.
/// Every run must succeed (each peer's only where its library is installed; then every GEMM case and data set
/// has a ratio against each peer); the suite's thread count holds whatever BACKPROP_THREADS says; the element-wise
/// arrays are labelled cache-resident. No figure is judged (the peers may be missing, and timings mean nothing at
/// these sizes).
/// </summary>
[Collection(Kernels.KernelCollection.Name)]
public class HarnessSmokeTests
{
    [Fact]
    public async Task SmokeRun_WritesEverySection()
    {
        string repo = Repo();
        string outDir = Path.Combine(Path.GetTempPath(), $"backprop-bench-smoke-{Guid.NewGuid():N}");
        try
        {
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            // The suite gives its runs their thread count itself (2): a caller's BACKPROP_THREADS must change nothing.
            psi.Environment["BACKPROP_THREADS"] = "1";
            foreach (var a in new[] { Path.Combine(repo, "bench", "run.sh"), "--smoke", "--out", outDir }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(10)), "the smoke run did not finish in 10 minutes");
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"run.sh --smoke exited {p.ExitCode}:\n{await stderr}");

            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
            Assert.True((bool)json["machine"]!["smoke"]!);
            // Every run succeeded: ours always, each peer's wherever its library is installed (check-results also
            // requires at least one ratio per GEMM case and data set against that peer then).
            bool numpy = (string?)json["machine"]!["numpy"] != "unavailable", torch = (string?)json["machine"]!["torch"] != "unavailable";
            var check = BenchProgram.Run("check-results", Path.Combine(outDir, "results.json"));
            Assert.True(check.ExitCode == 0, check.Output);
            Assert.All(json["failed_runs"]!.AsArray(), f => Assert.True(
                (bool)f!["peer"]! && (((string)f["command"]!).Contains("torch", StringComparison.Ordinal) ? !torch : !numpy), f!.ToJsonString()));
            int threads = Math.Min(2, Environment.ProcessorCount);
            Assert.Equal("1", (string?)json["machine"]!["threads"]!["backprop_threads_in_environment_ignored"]);
            Assert.Equal(2, (int)json["machine"]!["threads"]!["suite_threads"]!);
            Assert.All(json["gemm"]!["cases"]!.AsArray(), c => Assert.Equal(threads, (int)c!["threads"]!));
            if (numpy) Assert.Equal($"{threads}", (string?)json["gemm"]!["threads_numpy"]);
            if (OperatingSystem.IsLinux()) Assert.True((bool)json["machine"]!["peak_timed_by_cpu_time"]!, "the peak loop is timed by each thread's CPU time");
            double peak32 = (double)json["machine"]!["peak_gflops_float32"]!, peak64 = (double)json["machine"]!["peak_gflops_float64"]!;
            Assert.True(peak32 > 0 && peak64 > 0, $"measured peaks {peak32} / {peak64} GFLOP/s");
            Assert.True((double)json["machine"]!["read_bandwidth_gbps"]! > 0);
            if (Environment.ProcessorCount >= 2)
                Assert.True((double)json["machine"]!["core_round_trip_ns_start"]! > 0 && (double)json["machine"]!["core_round_trip_ns_end"]! > 0);
            // The peers' OpenBLAS kernel set is chosen by timing (nothing is tried where NumPy is missing).
            var blas = json["machine"]!["peer_blas"]!;
            foreach (var tried in blas["tried"]!.AsArray())
                Assert.True((double)tried!["gflops_float32"]! > 0 && !string.IsNullOrEmpty((string?)tried["blas_core"]), tried.ToJsonString());
            if (blas["openblas_coretype"] is { } chosen)
                Assert.Contains(blas["tried"]!.AsArray(), t => (string?)t!["coretype"] == (string?)chosen);
            Assert.Contains("Peers' OpenBLAS kernel set", File.ReadAllText(Path.Combine(outDir, "RESULTS.md")));
            Assert.NotEmpty(json["gemm"]!["cases"]!.AsArray());
            // % of peak is taken against the FMA loop read beside each case (and, apart, against the start-of-run reading).
            foreach (var c in json["gemm"]!["cases"]!.AsArray())
                foreach (var key in new[] { "peak_gflops", "ours_pct_peak", "ours_pct_start_peak" })
                    Assert.True((double)c![key]!["median"]! > 0, $"gemm {c["case"]} {key}: {c[key]!.ToJsonString()}");
            foreach (var data in new[] { "cifar10-random", "fashion-mnist" })
            {
                Assert.Equal(1, (int)json["epoch"]![data]!["ours_seconds"]!["count"]!);
                Assert.True((double)json["memory"]![data]!["peak_rss_mib"]!["median"]! > 0);
                var phases = json["epoch"]![data]!["phases"]!.AsArray().Select(e => ((string)e!["phase"]!, (int?)e!["layer"])).ToList();
                Assert.Contains(("affine_forward", 1), phases);
                Assert.Contains(("affine_backward", 3), phases);
                Assert.Contains(("update", null), phases);
                if (Environment.ProcessorCount >= 2)
                {
                    // Every run is tagged with the host's phase, and the ratios split by it account for every round with a ratio.
                    // Ours also carry the kernels' own placement checks, which decide their phase when there are any.
                    foreach (var run in json["epoch"]![data]!["runs"]!["backprop"]!.AsArray())
                    {
                        Assert.All(run!["core_round_trip_ns"]!.AsArray(), ns => Assert.True((double)ns! > 0));
                        long readings = (long)run["placement_checks"]!["readings"]!, far = (long)run["placement_checks"]!["far"]!;
                        Assert.InRange(far, 0, readings);
                        Assert.True((double)run["read_gbps_before"]! > 0, "each epoch run is preceded by a memory read");
                        // The FMA loop is read before the first timed epoch and after each: one more reading than timed epochs.
                        var speed = run["speed"]!;
                        Assert.Equal(speed["epoch_seconds"]!.AsArray().Count + 1, speed["peak_gflops_readings"]!.AsArray().Count);
                        Assert.All(speed["peak_gflops_readings"]!.AsArray(), g => Assert.True((double)g! > 0));
                        Assert.True((double)speed["pct_peak"]! > 0 && (double)speed["pct_peak_start"]! > 0);
                    }
                    foreach (var (peer, ratio) in new[] { ("pytorch", "ours_over_torch"), ("numpy", "ours_over_numpy") })
                    {
                        var groups = json["epoch"]![data]!["ratios_by_host_phase"]![peer]!;
                        int split = new[] { "near", "far", "mixed" }.Sum(g => (int)groups[g]!["count"]!);
                        Assert.Equal((int)json["epoch"]![data]![ratio]!["count"]!, split);
                        // 0 = 0 above when a peer is broken: where its library is installed there must be a ratio.
                        if (peer == "numpy" ? numpy : torch) Assert.True(split >= 1, $"{data}: no ratio against {peer}");
                    }
                }
            }
            Assert.Equal(5, json["bandwidth"]!["kernels"]!.AsArray().Count);
            // The smoke run's 512 × 512 arrays fit in the cache, and the report says so.
            Assert.Equal("cache-resident", (string?)json["bandwidth"]!["array"]!["residency"]);
            Assert.True((long)json["bandwidth"]!["array"]!["llc_bytes"]! > 0);
            Assert.True((bool)json["determinism"]!["identical"]!, "training differs between thread counts");
            Assert.Equal(3, (int)json["soak"]!["epochs"]!);
            // The soak run has no warm-up epoch: its first epoch holds the first iteration's buffers, counted apart.
            Assert.True((double)json["soak"]!["allocated_bytes_first_epoch"]! > 0);
            Assert.NotNull(json["soak"]!["allocated_bytes_per_iteration_after_first_epoch"]);
            Assert.Equal(3, json["soak"]!["allocated_bytes_per_epoch"]!.AsArray().Count);
            Assert.Equal(3, json["soak"]!["allocated_bytes_per_epoch_training_thread"]!.AsArray().Count);

            string md = File.ReadAllText(Path.Combine(outDir, "RESULTS.md"));
            foreach (var heading in new[] { "## GEMM", "## Training epoch", "## Memory", "## Element-wise", "## Same answer", "## Soak" })
                Assert.Contains(heading, md);
            Assert.Contains("(cache-resident)", md);
            Assert.Contains("- Threads: the suite ran ours on 2", md);
            Assert.Contains("where our timed epochs went", md);
            Assert.Contains("Allocated after the first epoch:", md);

            // The split-writes command (README, "What the round of 15:10 UTC changed") runs from the build run.sh made.
            var line = JsonNode.Parse(await RunBench(repo, "split-writes", "--calls", "50"))!;
            foreach (var key in new[] { "one_thread_us", "column_halves_us", "column_halves_gap_64_us", "row_halves_us",
                                        "batchnorm_relu_forward_1_thread_us", "batchnorm_relu_forward_2_threads_us" })
                Assert.True((double)line[key]! > 0, $"split-writes {key}: {line[key]}");

            // The GEMM command's --ab mode times a driver choice against its opposite, call by call, and leaves it on.
            var ab = JsonNode.Parse(await RunBench(repo, "gemm", "--ab", "in-place-a", "--case", "dW-100x500x500", "--dtype", "float32", "--seconds", "0.2"))!;
            Assert.Equal("in-place-a", (string)ab["switch"]!);
            Assert.True((int)ab["calls"]! >= 5);
            foreach (var key in new[] { "gflops_on", "gflops_off", "on_over_off" })
                Assert.True((double)ab[key]! > 0, $"gemm --ab {key}: {ab[key]}");
        }
        finally
        {
            if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        }
    }

    /// <summary>The benchmark program's standard output for <paramref name="args"/> (it must exit 0).</summary>
    private static async Task<string> RunBench(string repo, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(repo, "bench", "Backprop.Bench", "bin", "Release", "net10.0", "Backprop.Bench.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(2)), $"bench {string.Join(' ', args)} did not finish in 2 minutes");
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"bench {string.Join(' ', args)} exited {p.ExitCode}:\n{await stderr}");
        return (await stdout).Trim();
    }

    internal static string Repo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.sln"))) return dir.FullName;
        throw new InvalidOperationException("Backprop.sln not found above the test's folder.");
    }
}
