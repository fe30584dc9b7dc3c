using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// Training epochs of [500,500,500] + batch norm, Adam, batch 100, float32: Backprop (the suite's N threads, 2 unless
/// told) against PyTorch (1/1, N/N and 1/N intra-op/OpenBLAS threads, the best taken per round) and the CS231n NumPy
/// code (1 and N threads, best per round), alternating in every round; also the memory figures of our runs.
/// </summary>
public static class EpochSection
{
    private sealed record Setting(string Label, string Peer, string[] Threads);

    public static (SectionResult Speed, SectionResult Memory) Run(SuiteContext ctx)
    {
        string[] datasets = ["cifar10-random", "fashion-mnist"];
        var settings = Settings(ctx);
        var md = new StringBuilder();
        md.AppendLine("| data | ours s/epoch | PyTorch best s/epoch | NumPy best s/epoch | ours / PyTorch (target ≤ 0.5) | ours / NumPy (target ≤ 0.3) | ours GFLOP/s, % of peak (target ≥ 50%) | % of the start-of-run peak |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var detail = new StringBuilder();
        var json = new JsonObject();
        var memJson = new JsonObject();
        var memMd = new StringBuilder();
        var flagged = new List<string>();
        var oursUsed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var data in datasets)
        {
            var results = settings.ToDictionary(s => s.Label, _ => new List<(double Median, JsonObject Json, ChildResult Run, HostPhase Phase)>());
            for (int round = 0; round < ctx.Rounds; round++)
            {
                foreach (var s in settings)
                {
                    SuiteContext.Log($"epoch {data} round {round + 1}/{ctx.Rounds}: {s.Label}");
                    // The host's memory moves between runs as its placement does (other guests share it): read it too.
                    double readGBps = MachineBandwidth.Measure();
                    double? before = MachineInfo.CoreRoundTrip();
                    var run = s.Peer == ""
                        ? ctx.Self(["epoch", "--data", data, "--phases", .. Size(ctx, data, ours: true), .. s.Threads], TimeSpan.FromMinutes(10))
                        : ctx.Peer($"{s.Peer}_fcnet.py", ["--mode", "speed", "--data", data, .. Size(ctx, data, ours: false), .. s.Threads], TimeSpan.FromMinutes(15));
                    double? after = MachineInfo.CoreRoundTrip();
                    var j = SuiteContext.Json(run);
                    var checks = j?["placement_checks"];
                    var phase = new HostPhase(before, after, (long?)checks?["readings"] ?? 0, (long?)checks?["far"] ?? 0);
                    double median = j?["speed"]?["median_epoch_seconds"] is JsonNode m ? (double)m : double.NaN;
                    if (j is null) SuiteContext.Log($"  failed (exit {run.ExitCode}): {Tail(run.Stderr)}");
                    else SuiteContext.Log($"  {median:F3} s/epoch, core round trip {phase.Show()}, memory {readGBps:F1} GB/s before");
                    j ??= new JsonObject();
                    j["core_round_trip_ns"] = new JsonArray(phase.Before, phase.After);
                    j["read_gbps_before"] = Math.Round(readGBps, 1);
                    results[s.Label].Add((median, j, run, phase));
                }
            }
            // Per round: ours against the best setting of each peer in that round.
            var ours = results["backprop"];
            // The peer's fastest run of the round, and the host's phase during it.
            (double Seconds, HostPhase Phase) Best(string peer, int round) => settings.Where(s => s.Peer == peer)
                .Select(s => results[s.Label][round]).Where(r => double.IsFinite(r.Median))
                .Select(r => (r.Median, r.Phase)).DefaultIfEmpty((double.NaN, default)).MinBy(r => r.Item1);
            var torchRuns = Enumerable.Range(0, ctx.Rounds).Select(r => Best("torch", r)).ToList();
            var numpyRuns = Enumerable.Range(0, ctx.Rounds).Select(r => Best("numpy", r)).ToList();
            var torchBest = torchRuns.Select(r => r.Seconds).ToList();
            var numpyBest = numpyRuns.Select(r => r.Seconds).ToList();
            var oursStat = Stat.Of(ours.Select(o => o.Median));
            var vsTorch = Stat.Of(ours.Select((o, r) => o.Median / torchBest[r]));
            var vsNumpy = Stat.Of(ours.Select((o, r) => o.Median / numpyBest[r]));
            var gflops = Stat.Of(ours.Select(o => (double?)o.Json["speed"]?["gemm_gflops_per_second"] ?? double.NaN));
            var pct = Stat.Of(ours.Select(o => (double?)o.Json["speed"]?["pct_peak"] ?? double.NaN));
            var pctStart = Stat.Of(ours.Select(o => (double?)o.Json["speed"]?["pct_peak_start"] ?? double.NaN));
            var loop = Stat.Of(ours.SelectMany(o => o.Json["speed"]?["peak_gflops_readings"] is JsonArray a ? a.Select(v => (double)v!) : []));
            if (PeakShare.Above(pct) || PeakShare.Above(pctStart)) flagged.Add(data);
            md.AppendLine(CultureInfo.InvariantCulture, $"| {data} | {oursStat.Show()} | {Stat.Of(torchBest).Show()} | {Stat.Of(numpyBest).Show()} | {vsTorch.Show()} | {vsNumpy.Show()} | {gflops.Show("F0")}, {PeakShare.Show(pct)}% | {PeakShare.Show(pctStart)}% |");

            detail.AppendLine(CultureInfo.InvariantCulture, $"**{data}** — median s/epoch of each run (in brackets: other processes' CPU seconds per timed epoch; the core-to-core round trip just before and after the run, see the machine line, and for our runs how many of the kernels' placement checks in the timed epochs read the cores far apart; the machine's streaming read just before the run):");
            detail.AppendLine();
            detail.AppendLine("| setting (threads the runs report using) | " + string.Join(" | ", Enumerable.Range(1, ctx.Rounds).Select(r => $"round {r}")) + " |");
            detail.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" --- |", ctx.Rounds)));
            var perSetting = new JsonObject();
            foreach (var s in settings)
            {
                var cells = results[s.Label].Select(r => double.IsFinite(r.Median)
                    ? FormattableString.Invariant($"{r.Median:F2} ({OthersPerEpoch(r.Json):F1}; {r.Phase.Show()}; {(double?)r.Json["read_gbps_before"]:F0} GB/s)") : $"failed ({r.Run.ExitCode})");
                var used = results[s.Label].Select(r => ThreadsUsed(r.Json)).Where(t => t != "?").Distinct().ToList();
                if (s.Peer == "") oursUsed.UnionWith(used);
                detail.AppendLine($"| {s.Label} ({(used.Count == 0 ? "n/a" : string.Join(", ", used))}) | {string.Join(" | ", cells)} |");
                perSetting[s.Label] = new JsonArray([.. results[s.Label].Select(r => (JsonNode?)r.Json.DeepClone())]);
            }
            detail.AppendLine();
            detail.AppendLine(CultureInfo.InvariantCulture, $"{data}: the FMA loop beside our timed epochs read {loop.Show("F0")} GFLOP/s (float32, all CPUs; the denominator of % of peak).");
            detail.AppendLine();
            var byPhase = RatiosByPhase(ours.Select(o => (o.Median, o.Phase)).ToList(), torchRuns, numpyRuns);
            detail.AppendLine(CultureInfo.InvariantCulture, $"{data}, ratios by the host's phase (rounds in which our run and the peer's fastest run both saw the two vCPUs near each other throughout (one CCD of the Zen 4 host) or both far apart (two CCDs); the other rounds mixed phases. Our runs' phase is what the kernels' own placement checks read in the timed epochs (far a/b), one phase when at most {HostPhase.StrayChecks * 100:F0}% of them read the other way; the peers' is the round trip before and after the run, near below {HostPhase.NearBelowNs} ns at both ends): {byPhase.Text}");
            detail.AppendLine();
            var phases = PhaseTable(data, ours.Select(o => o.Json).ToList(), detail);
            json[data] = new JsonObject
            {
                ["ours_seconds"] = GemmSection.Node(oursStat), ["torch_best_seconds"] = GemmSection.Node(Stat.Of(torchBest)),
                ["numpy_best_seconds"] = GemmSection.Node(Stat.Of(numpyBest)), ["ours_over_torch"] = GemmSection.Node(vsTorch),
                ["ours_over_numpy"] = GemmSection.Node(vsNumpy), ["ours_gflops"] = GemmSection.Node(gflops), ["ours_pct_peak"] = GemmSection.Node(pct),
                ["ours_pct_start_peak"] = GemmSection.Node(pctStart), ["loop_gflops_readings"] = GemmSection.Node(loop),
                ["ratios_by_host_phase"] = byPhase.Json,
                ["phases"] = phases,
                ["runs"] = perSetting,
            };
            AddMemory(data, ours.Select(o => o.Json).ToList(), memMd, memJson);
        }
        md.AppendLine();
        if (flagged.Count > 0) { md.AppendLine(PeakShare.Note(flagged)); md.AppendLine(); }
        md.Append(detail);
        md.AppendLine(CultureInfo.InvariantCulture, $"Each run: {(ctx.Smoke ? "tiny smoke sizes" : "1 untimed warm-up epoch, then 3 timed epochs (ours) or 2 (peers)")}; a run's figure is its median timed epoch; {ctx.Rounds} rounds, each running every setting in turn; ratios are taken within a round (ours over that round's best PyTorch and best NumPy setting), then the median (min–max) over rounds. PyTorch settings are intra-op / OpenBLAS threads. % of peak: the GEMM FLOPs we compute per epoch over the epoch's wall time, against the FMA loop read just before and after that epoch (the median over the run's timed epochs, then over rounds); the last column is against the one reading at the start of the run, as runs before 2026-12-06 07:40 UTC reported.");
        json["pct_peak_above_100"] = PeakShare.Json(flagged);
        string title = $"Training epoch: [500,500,500] + batch norm, Adam, batch 100, float32; ours on {(oursUsed.Count == 0 ? "n/a" : string.Join(", ", oursUsed))} thread(s), the peers at the settings below";
        return (new SectionResult("epoch", md.ToString(), json, title), new SectionResult("memory", memMd.ToString(), memJson));
    }

    /// <summary>
    /// Ours on the suite's thread count N; PyTorch at 1/1, N/N and 1/N intra-op/OpenBLAS threads and NumPy on 1 and N
    /// (the best of each peer taken per round); at N = 1, or in a smoke run, only the 1-thread settings.
    /// </summary>
    private static List<Setting> Settings(SuiteContext ctx)
    {
        string n = ctx.Threads.ToString(CultureInfo.InvariantCulture);
        var all = new List<Setting> { new("backprop", "", ["--threads", n]), new("torch 1/1", "torch", ["--threads", "1"]) };
        if (!ctx.Smoke && ctx.Threads > 1)
            all.AddRange([new($"torch {n}/{n}", "torch", ["--threads", n]), new($"torch 1/{n}", "torch", ["--threads", "1", "--blas-threads", n])]);
        all.Add(new("numpy 1", "numpy", ["--threads", "1"]));
        if (!ctx.Smoke && ctx.Threads > 1) all.Add(new($"numpy {n}", "numpy", ["--threads", n]));
        return all;
    }

    /// <summary>
    /// The threads a run reports using: ours its kernels' count; PyTorch intra-op/OpenBLAS; NumPy OpenBLAS's ("?"
    /// where the run failed or OpenBLAS was not found).
    /// </summary>
    private static string ThreadsUsed(JsonObject j) => (string?)j["peer"] switch
    {
        "backprop" => $"{j["config"]?["threads"]}",
        "torch" => $"{j["runtime"]?["torch_threads"] ?? "?"}/{j["runtime"]?["openblas"]?["threads"] ?? "?"}",
        "numpy" => $"{j["runtime"]?["openblas"]?["threads"] ?? "?"}",
        _ => "?",
    };

    private static string[] Size(SuiteContext ctx, string data, bool ours)
    {
        string[] net = ctx.Smoke ? ["--hidden", "50,50", "--num-train", "1000"] : ["--hidden", "500,500,500"];
        string[] common = [.. net, "--normalization", "batchnorm", "--update-rule", "adam", "--learning-rate", "1e-3", "--batch-size", "100", "--dtype", "float32", "--seed", "0"];
        string[] epochs = ctx.Smoke ? ["--warmup", "0", "--epochs", "1"] : ours ? ["--warmup", "1", "--epochs", "3"] : ["--warmup", "1", "--epochs", "2"];
        // The peers train Fashion-MNIST on all 60000 images with no validation split (ours takes its validation rows from the test set).
        string[] split = !ours && data == "fashion-mnist" && !ctx.Smoke ? ["--num-train", "60000", "--num-val", "0"] : [];
        return [.. common, .. epochs, .. split];
    }

    /// <summary>
    /// Ours over the peer's best, round by round, grouped by the host's phase in both runs (see <see cref="HostPhase"/>):
    /// on the Zen 4 host the PyTorch ratio moved with it, since PyTorch gained more than we did while the two vCPUs shared a CCD.
    /// </summary>
    private static (string Text, JsonObject Json) RatiosByPhase(List<(double Seconds, HostPhase Phase)> ours,
        List<(double Seconds, HostPhase Phase)> torch, List<(double Seconds, HostPhase Phase)> numpy)
    {
        var text = new StringBuilder();
        var json = new JsonObject();
        foreach (var (peer, runs) in new[] { ("PyTorch", torch), ("NumPy", numpy) })
        {
            var groups = new JsonObject();
            var parts = new List<string>();
            foreach (var kind in new[] { HostPhaseKind.Near, HostPhaseKind.Far, HostPhaseKind.Mixed })
            {
                var stat = Stat.Of(ours.Select((o, r) => HostPhase.Common(o.Phase, runs[r].Phase) == kind ? o.Seconds / runs[r].Seconds : double.NaN));
                groups[HostPhase.Name(kind)] = GemmSection.Node(stat);
                parts.Add(FormattableString.Invariant($"{HostPhase.Display(kind)} {stat.Show()} ({stat.Count} round(s))"));
            }
            json[peer.ToLowerInvariant()] = groups;
            text.Append(CultureInfo.InvariantCulture, $"ours / {peer}: {string.Join(", ", parts)}. ");
        }
        return (text.ToString().TrimEnd(), json);
    }

    /// <summary>
    /// Where our timed epochs went (the runs' <c>phases</c>, see <see cref="EpochRunner"/>): per phase and layer, the
    /// median over rounds of the seconds per epoch, of the share of the steps' time, and of the GEMM rate of the
    /// affine phases.
    /// </summary>
    private static JsonArray PhaseTable(string data, List<JsonObject> runs, StringBuilder md)
    {
        var rows = new Dictionary<(string Phase, int? Layer), List<(double Seconds, double Share, double Gflops)>>();
        foreach (var run in runs)
            if (run["phases"] is JsonArray entries)
                foreach (var e in entries.OfType<JsonObject>())
                {
                    var key = ((string)e["phase"]!, (int?)e["layer"]);
                    if (!rows.TryGetValue(key, out var list)) rows[key] = list = [];
                    list.Add(((double)e["seconds_per_epoch"]!, (double)e["share"]!, (double?)e["gemm_gflops_per_second"] ?? double.NaN));
                }
        var json = new JsonArray();
        if (rows.Count == 0) return json;
        md.AppendLine(CultureInfo.InvariantCulture, $"**{data}** — where our timed epochs went, phase by phase (each run's steps timed phase by phase with `epoch --phases`; median (min–max) over our {runs.Count} run(s) above; a layer's affine_backward includes its weights' Adam step where that is fused into the weight-gradient product (weights of 4 MiB or more: the CIFAR-shaped first layer), `update` is the other parameters' Adam passes):");
        md.AppendLine();
        md.AppendLine("| phase | layer | ms per epoch | share of the steps | GEMM GFLOP/s while in it |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var ((phase, layer), list) in rows)
        {
            var ms = Stat.Of(list.Select(x => 1000 * x.Seconds));
            var share = Stat.Of(list.Select(x => 100 * x.Share));
            var gflops = Stat.Of(list.Select(x => x.Gflops));
            md.AppendLine(CultureInfo.InvariantCulture, $"| {phase} | {layer} | {ms.Show("F1")} | {share.Show("F1")}% | {(double.IsFinite(gflops.Median) ? gflops.Show("F0") : "")} |");
            json.Add(new JsonObject
            {
                ["phase"] = phase, ["layer"] = layer, ["ms_per_epoch"] = GemmSection.Node(ms), ["share_pct"] = GemmSection.Node(share),
                ["gemm_gflops"] = double.IsFinite(gflops.Median) ? GemmSection.Node(gflops) : null,
            });
        }
        md.AppendLine();
        return json;
    }

    private static double OthersPerEpoch(JsonObject j) =>
        j["speed"]?["other_processes_cpu_seconds"] is JsonArray a && a.Count > 0 ? a.Average(v => (double)v!) : double.NaN;

    private static void AddMemory(string data, List<JsonObject> runs, StringBuilder md, JsonObject json)
    {
        var ok = runs.Where(r => r["peak_rss_mib"] is not null).ToList();
        if (ok.Count == 0) return;
        double trainBytes = (double)ok[0]["data"]!["train_bytes"]!;
        double boundMiB = (1.25 * trainBytes) / (1 << 20) + 150;
        var peak = Stat.Of(ok.Select(r => (double)r["peak_rss_mib"]!));
        var alloc = Stat.Of(ok.Select(r => (double)r["memory"]!["allocated_bytes_per_iteration"]!));
        var gcs = Stat.Of(ok.Select(r => (double)r["memory"]!["gen0_collections_timed"]!));
        if (md.Length == 0)
        {
            md.AppendLine("| data | training set | peak RSS | bound 1.25 × set + 150 MiB | within | allocated per iteration (timed epochs) | gen-0 GCs in timed epochs |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"| {data} | {trainBytes / (1 << 20):F0} MiB | {peak.Show("F0")} MiB | {boundMiB:F0} MiB | {(peak.Max <= boundMiB ? "yes" : "no")} | {alloc.Show("F1")} B | {gcs.Show("F0")} |");
        json[data] = new JsonObject
        {
            ["train_bytes"] = trainBytes, ["peak_rss_mib"] = GemmSection.Node(peak), ["bound_mib"] = boundMiB,
            ["within_bound"] = peak.Max <= boundMiB, ["allocated_bytes_per_iteration"] = GemmSection.Node(alloc),
        };
    }

    private static string Tail(string s) => s.Length <= 300 ? s.Trim() : s[^300..].Trim();
}
