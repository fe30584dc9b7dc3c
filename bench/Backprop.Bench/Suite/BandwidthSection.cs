using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>Element-wise and reduction layers on a 4096 × 4096 float32 matrix, on 2 threads and on 1, over the rounds.</summary>
public static class BandwidthSection
{
    public static SectionResult Run(SuiteContext ctx)
    {
        string[] size = ctx.Smoke ? ["--rows", "512", "--cols", "512", "--seconds", "0.02"] : ["--seconds", "0.5"];
        var by = new Dictionary<(string Kernel, int Threads), List<JsonObject>>();
        for (int round = 0; round < ctx.GemmRounds; round++)
            foreach (var threads in new[] { 2, 1 })
            {
                SuiteContext.Log($"bandwidth round {round + 1}/{ctx.GemmRounds}, {threads} thread(s)");
                foreach (var j in SuiteContext.JsonLines(ctx.Self(["bandwidth", "--threads", threads.ToString(CultureInfo.InvariantCulture), .. size], TimeSpan.FromMinutes(5))))
                {
                    var key = ((string)j["kernel"]!, threads);
                    if (!by.TryGetValue(key, out var list)) by[key] = list = [];
                    list.Add(j);
                }
            }
        var md = new StringBuilder();
        md.AppendLine("| kernel (4096 × 4096 float32) | bytes per call | 2 threads: ms, GB/s | % of 80 GB/s (target ≥ 60%) | % of measured read bandwidth | 1 thread: GB/s |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- |");
        var rows = new JsonArray();
        foreach (var kernel in by.Keys.Select(k => k.Kernel).Distinct())
        {
            var two = by.GetValueOrDefault((kernel, 2)) ?? [];
            var one = by.GetValueOrDefault((kernel, 1)) ?? [];
            if (two.Count == 0) continue;
            var ms = Stat.Of(two.Select(j => 1000 * (double)j["seconds"]!));
            var gb = Stat.Of(two.Select(j => (double)j["gbps"]!));
            var pct = Stat.Of(two.Select(j => (double)j["pct_bandwidth"]!));
            var pctRead = Stat.Of(two.Select(j => (double?)j["pct_measured_read_bandwidth"] ?? double.NaN));
            var gb1 = Stat.Of(one.Select(j => (double)j["gbps"]!));
            long bytes = (long)two[0]["bytes"]!;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {kernel} | {bytes / (1 << 20)} MiB | {ms.Show("F2")}, {gb.Show("F1")} | {pct.Show("F0")}% | {pctRead.Show("F0")}% | {gb1.Show("F1")} |");
            rows.Add(new JsonObject
            {
                ["kernel"] = kernel, ["rows"] = (int)two[0]["rows"]!, ["cols"] = (int)two[0]["cols"]!, ["bytes"] = bytes,
                ["ms_2_threads"] = GemmSection.Node(ms), ["gbps_2_threads"] = GemmSection.Node(gb), ["pct_bandwidth_2_threads"] = GemmSection.Node(pct), ["pct_measured_read_bandwidth_2_threads"] = GemmSection.Node(pctRead),
                ["gbps_1_thread"] = GemmSection.Node(gb1),
            });
        }
        md.AppendLine();
        md.AppendLine("Bytes per call: every array each pass of the kernel reads or writes, counted once per pass (batch-norm forward reads x three times — sum, centred squares, normalise — and writes x̂ and the output; backward reads dout and x̂ twice and writes dx; softmax reads the scores and writes the gradient, each row's intermediate passes staying in L1).");
        return new SectionResult("bandwidth", md.ToString(), new JsonObject { ["kernels"] = rows });
    }
}
