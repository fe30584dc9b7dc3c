using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// GEMM: every case of <see cref="GemmCase"/> (float32, and the square ones in float64) with Backprop's runner and
/// NumPy's, alternating A B A B over the rounds; GFLOP/s medians, the per-round ratio and the share of peak.
/// </summary>
public static class GemmSection
{
    public static SectionResult Run(SuiteContext ctx)
    {
        var runs = new List<(string Dtype, string[] Args)>
        {
            ("float32", ctx.Smoke ? ["--dtype", "float32", "--case", "100x500x500", "--seconds", "0.02"] : ["--dtype", "float32", "--seconds", "0.5"]),
        };
        if (!ctx.Smoke) runs.Add(("float64", ["--dtype", "float64", "--case", "square", "--seconds", "0.5"]));
        var ours = new Dictionary<(string, string), List<JsonObject>>();
        var peer = new Dictionary<(string, string), List<JsonObject>>();
        var others = new List<double>();
        for (int round = 0; round < ctx.GemmRounds; round++)
        {
            foreach (var (dtype, args) in runs)
            {
                SuiteContext.Log($"gemm {dtype} round {round + 1}/{ctx.GemmRounds}: backprop");
                var a = ctx.Self(["gemm", "--threads", ctx.Threads.ToString(CultureInfo.InvariantCulture), .. args], TimeSpan.FromMinutes(10));
                SuiteContext.Log($"gemm {dtype} round {round + 1}/{ctx.GemmRounds}: numpy");
                var b = ctx.Peer("numpy_gemm.py", args, TimeSpan.FromMinutes(10), ctx.GemmPeerThreads());
                others.Add(a.OthersCpuSeconds / Math.Max(a.WallSeconds, 1e-9));
                others.Add(b.OthersCpuSeconds / Math.Max(b.WallSeconds, 1e-9));
                foreach (var j in SuiteContext.JsonLines(a)) Add(ours, j);
                foreach (var j in SuiteContext.JsonLines(b)) Add(peer, j);
            }
        }

        var md = new StringBuilder();
        md.AppendLine("| case | layout | dtype | ours GFLOP/s | NumPy GFLOP/s | ours / NumPy | ours % of peak | ours % of the start-of-run peak | target |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        var rows = new JsonArray();
        var flagged = new List<string>();
        foreach (var ((name, dtype), list) in ours)
        {
            var p = peer.GetValueOrDefault((name, dtype)) ?? [];
            var g = Stat.Of(list.Select(j => (double)j["gflops"]!));
            var gp = Stat.Of(p.Select(j => (double)j["gflops"]!));
            var ratio = Stat.Of(list.Zip(p, (x, y) => (double)x["gflops"]! / (double)y["gflops"]!));
            var pct = Stat.Of(list.Select(j => (double)j["pct_peak"]!));
            var pctStart = Stat.Of(list.Select(j => (double)j["pct_peak_start"]!));
            bool square = name.StartsWith("square", StringComparison.Ordinal);
            bool narrow = name.EndsWith("x10", StringComparison.Ordinal);
            string target = square ? "≥ 85% peak, ≥ 1.8× NumPy" : narrow ? "(N = 10: not a target shape)" : "≥ 65% peak";
            if (PeakShare.Above(pct) || PeakShare.Above(pctStart)) flagged.Add($"{name} {dtype}");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {list[0]["layout"]} | {dtype} | {g.Show("F1")} | {gp.Show("F1")} | {ratio.Show("F2")} | {PeakShare.Show(pct)} | {PeakShare.Show(pctStart)} | {target} |");
            rows.Add(new JsonObject
            {
                ["case"] = name, ["layout"] = (string?)list[0]["layout"], ["dtype"] = dtype, ["threads"] = (int)list[0]["threads"]!,
                ["ours_gflops"] = Node(g), ["numpy_gflops"] = Node(gp), ["ratio"] = Node(ratio), ["ours_pct_peak"] = Node(pct),
                ["ours_pct_start_peak"] = Node(pctStart), ["peak_gflops"] = Node(Stat.Of(list.Select(j => (double)j["peak_gflops"]!))),
                ["ours_gflops_per_cpu"] = Node(Stat.Of(list.Select(j => (double)j["gflops_per_cpu"]!))),
            });
        }
        var busy = Stat.Of(others);
        // The loop's readings beside our float32 runs, on two threads: how far the host's clock moved during the section.
        var loop = Stat.Of(ours.Values.SelectMany(l => l).Where(j => (string?)j["dtype"] == "float32").Select(j => (double)j["peak_gflops"]!));
        md.AppendLine();
        if (flagged.Count > 0) { md.AppendLine(PeakShare.Note(flagged)); md.AppendLine(); }
        md.AppendLine(CultureInfo.InvariantCulture, $"{ctx.GemmRounds} alternating rounds (ours, NumPy); each figure is the median call of a run, then the median (min–max) over rounds. Other processes used {busy.Show("F2")} cores on average during these runs. % of peak: against the FMA loop read just before and after each case's timed calls (float32 on the {ctx.Threads} CPU(s) the products use: {loop.Show("F0")} GFLOP/s over this section), since the host's clock moves from minute to minute; the next column is against the one reading at the start of the run, as runs before 2026-12-06 07:40 UTC reported.");
        // The thread counts the runs report using (ours: the kernels' count capped at the CPUs; NumPy: OpenBLAS's own).
        string oursThreads = Threads(ours.Values), numpyThreads = Threads(peer.Values);
        string title = $"GEMM (C = op(A)·op(B)), ours vs NumPy/OpenBLAS: ours on {oursThreads} thread(s), NumPy's OpenBLAS on {numpyThreads}";
        return new SectionResult("gemm", md.ToString(), new JsonObject { ["cases"] = rows, ["other_processes_cores"] = Node(busy), ["loop_gflops_float32"] = Node(loop), ["pct_peak_above_100"] = PeakShare.Json(flagged), ["threads_ours"] = oursThreads, ["threads_numpy"] = numpyThreads }, title);
    }

    /// <summary>The distinct <c>threads</c> the runs' lines report ("2", "1, 2"), or "n/a" when none ran.</summary>
    private static string Threads(IEnumerable<List<JsonObject>> lines)
    {
        var counts = lines.SelectMany(l => l).Select(j => (int?)j["threads"]).OfType<int>().Distinct().Order().ToList();
        return counts.Count == 0 ? "n/a" : string.Join(", ", counts);
    }

    private static void Add(Dictionary<(string, string), List<JsonObject>> into, JsonObject j)
    {
        var key = ((string)j["case"]!, (string)j["dtype"]!);
        if (!into.TryGetValue(key, out var list)) into[key] = list = [];
        list.Add(j);
    }

    internal static JsonNode Node(Stat s) => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(s.ToJson(),
        new System.Text.Json.JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }))!;
}
