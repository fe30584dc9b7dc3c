using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// The <c>suite</c> command (what <c>bench/run.sh</c> runs): GEMM against NumPy, training epochs against PyTorch and
/// NumPy, memory, element-wise bandwidth, thread-count determinism and a soak run, then <c>RESULTS.md</c> and
/// <c>results.json</c>, with every failed run listed. Options: <see cref="SuiteContext.Usage"/> (checked before anything
/// runs).
/// </summary>
public static class SuiteRunner
{
    public static int Run(string[] args)
    {
        var ctx = new SuiteContext(args);
        if (ctx.Help) { Console.WriteLine(SuiteContext.Usage); return 0; }
        if (ctx.DryRun) { Console.WriteLine(ctx.Plan()); return 0; }
        string? callerThreads = SuiteContext.IgnoreCallerThreads();
        if (callerThreads is not null) SuiteContext.Log($"BACKPROP_THREADS={callerThreads} in the environment is ignored: the suite runs ours on --threads {ctx.Threads}");
        Directory.CreateDirectory(ctx.Out);
        MachineInfo.HandDownPeaks();
        var machine = MachineInfo.Describe(ctx);
        machine["threads"] = new JsonObject
        {
            ["suite_threads"] = ctx.Threads, ["numpy_gemm_openblas_num_threads"] = ctx.Threads,
            ["backprop_threads_in_environment_ignored"] = callerThreads,
        };
        // What was asked for, so that check-results can tell a partial run from a section that failed to appear.
        machine["sections"] = new JsonArray([.. SuiteContext.Sections.Where(ctx.Runs).Select(s => (JsonNode?)s)]);
        SuiteContext.Log($"suite{(ctx.Smoke ? " (smoke)" : "")}: results to {ctx.Out}{(ctx.Only.Length > 0 && !ctx.Smoke ? $" (a partial run: only {string.Join(", ", ctx.Only)})" : "")}; load average {machine["loadavg_start"]}");
        if (ctx.Runs("gemm") || ctx.Runs("epoch")) machine["peer_blas"] = PeerBlas.Choose(ctx, MachineInfo.CpuFlags());
        var sections = new List<SectionResult>();
        if (ctx.Runs("gemm")) sections.Add(GemmSection.Run(ctx));
        if (ctx.Runs("epoch"))
        {
            var (speed, memory) = EpochSection.Run(ctx);
            sections.Add(speed);
            sections.Add(memory);
        }
        if (ctx.Runs("bandwidth")) sections.Add(BandwidthSection.Run(ctx));
        if (ctx.Runs("determinism")) sections.Add(DeterminismSection.Run(ctx));
        if (ctx.Runs("soak")) sections.Add(SoakSection.Run(ctx));
        machine["loadavg_end"] = MachineInfo.LoadAvg();
        machine["core_round_trip_ns_end"] = MachineInfo.CoreRoundTrip();

        var json = new JsonObject { ["machine"] = machine, ["failed_runs"] = new JsonArray([.. ctx.Failures.Select(f => (JsonNode?)f.ToJson())]) };
        foreach (var s in sections) json[s.Name] = s.Json;
        var options = new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
        File.WriteAllText(Path.Combine(ctx.Out, "results.json"), json.ToJsonString(options) + "\n");
        File.WriteAllText(Path.Combine(ctx.Out, "RESULTS.md"), Markdown(machine, sections, ctx.Failures));
        SuiteContext.Log($"wrote {Path.Combine(ctx.Out, "RESULTS.md")} and {Path.Combine(ctx.Out, "results.json")}{(ctx.Failures.Count > 0 ? $"; {ctx.Failures.Count} run(s) FAILED (listed at the top of RESULTS.md)" : "")}");
        return 0;
    }

    private static readonly Dictionary<string, string> Titles = new()
    {
        ["gemm"] = "GEMM (C = op(A)·op(B)), ours vs NumPy/OpenBLAS",
        ["epoch"] = "Training epoch: [500,500,500] + batch norm, Adam, batch 100, float32",
        ["memory"] = "Memory of our training processes",
        ["bandwidth"] = "Element-wise and reductions",
        ["determinism"] = "Same answer on 1, 2 and 3 threads",
        ["soak"] = "Soak: memory over a long run",
    };

    private static string Markdown(JsonObject m, List<SectionResult> sections, IReadOnlyList<FailedRun> failures)
    {
        var md = new StringBuilder();
        md.AppendLine(m["smoke"]!.GetValue<bool>() ? "# Benchmark results (SMOKE RUN: tiny sizes, figures meaningless)" : "# Benchmark results");
        md.AppendLine();
        md.AppendLine("Written by `bench/run.sh`; the raw figures are in `results.json` beside this file.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {m["cpu"]}, {m["logical_cpus"]} logical CPUs{((bool)m["avx512f"]! ? ", AVX-512" : "")}, {m["memory_gib"]} GiB; {m["os"]}; {m["dotnet"]}; NumPy / PyTorch {m["numpy_torch"]}; commit {m["commit"]}; {m["date_utc"]} UTC.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Peaks for \"% of peak\": a register-resident FMA loop on every CPU at once (the bench's `peak` command; {((bool)m["peak_timed_by_cpu_time"]! ? "each thread timed by its own CPU time in bursts of 20 ms, its best burst kept, so the reading is the cores' rate while running, whatever share of them other processes take" : "timed by the wall clock (no per-thread CPU clock here), so other processes' load lowers it")}; a figure above 100% is flagged {PeakShare.Mark}), read just before and after each GEMM case and each timed epoch (the readings are given beside each table), since its rate follows the clock the host gives the cores from minute to minute; at the start of the run it read {m["peak_gflops_float32"]} GFLOP/s float32, {m["peak_gflops_float64"]} float64 (the \"start-of-run peak\" columns) (CPU family/model {m["cpu_family_model"]}; the issue's Zen 5 reference machine: 448 / 224, two 512-bit FMAs per cycle per core; a Zen 4 does half of that per clock). Memory: targets against the nominal {m["nominal_bandwidth_gbps"]} GB/s; this machine read {m["read_bandwidth_gbps"]} GB/s in a streaming sum on all CPUs.");
        md.AppendLine(PeerBlas.Describe(m["peer_blas"] as JsonObject));
        var t = m["threads"]!;
        md.AppendLine(CultureInfo.InvariantCulture, $"- Threads: the suite ran ours on {t["suite_threads"]} (`--threads`, given to every run of ours explicitly; BACKPROP_THREADS from the environment {(t["backprop_threads_in_environment_ignored"] is { } had ? $"was {had} and is ignored" : "is ignored")}, the determinism runs take 1, 2 and 3) and NumPy's GEMM with OPENBLAS_NUM_THREADS={t["numpy_gemm_openblas_num_threads"]}; the training peers at the settings in their table. Each section's heading and tables give the counts the runs report using.");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Contention: the machine is shared with other engineers' builds and runs. Load average {m["loadavg_start"]} at the start, {m["loadavg_end"]} at the end; each table gives the CPU time other processes used during the runs (from /proc/stat, all CPU time minus the measured process's). Comparisons alternate ours and the peers and are taken round by round, so both sides see similar load. A cache line's round trip between CPUs 0 and 1 (the bench's `latency` command) took {m["core_round_trip_ns_start"]} ns at the start and {m["core_round_trip_ns_end"]} ns at the end: on the Zen 4 host of earlier runs ~105 ns while the two virtual CPUs shared a CCD and ~360 ns while they did not, a phase that moved every two-thread figure there.");
        md.AppendLine(FailedRun.Markdown(failures));
        md.AppendLine();
        foreach (var s in sections)
        {
            md.AppendLine($"## {s.Title ?? Titles.GetValueOrDefault(s.Name, s.Name)}");
            md.AppendLine();
            md.AppendLine(s.Markdown.TrimEnd());
            md.AppendLine();
        }
        return md.ToString();
    }
}
