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
        var rounds = new List<(int Round, HostPhase Phase, double Read, List<JsonObject> Lines)>();
        string startRead = Environment.GetEnvironmentVariable(MachineBandwidth.EnvironmentVariable) ?? "";
        for (int round = 0; round < ctx.GemmRounds; round++)
            foreach (var threads in new[] { 2, 1 })
            {
                SuiteContext.Log($"bandwidth round {round + 1}/{ctx.GemmRounds}, {threads} thread(s)");
                // The memory a shared host gives two vCPUs moves with their placement (one CCD's link or two), so each
                // round's kernels are set against the read measured just before them, and the placement is recorded.
                double read = MachineBandwidth.Measure();
                Environment.SetEnvironmentVariable(MachineBandwidth.EnvironmentVariable, read.ToString("R", CultureInfo.InvariantCulture));
                double? before = MachineInfo.CoreRoundTrip();
                var lines = SuiteContext.JsonLines(ctx.Self(["bandwidth", "--threads", threads.ToString(CultureInfo.InvariantCulture), .. size], TimeSpan.FromMinutes(5))).ToList();
                var phase = new HostPhase(before, MachineInfo.CoreRoundTrip());
                foreach (var j in lines)
                {
                    j["read_gbps_before"] = Math.Round(read, 1);
                    j["core_round_trip_ns"] = new JsonArray(phase.Before, phase.After);
                    var key = ((string)j["kernel"]!, threads);
                    if (!by.TryGetValue(key, out var list)) by[key] = list = [];
                    list.Add(j);
                }
                if (threads == 2) rounds.Add((round + 1, phase, read, lines));
            }
        Environment.SetEnvironmentVariable(MachineBandwidth.EnvironmentVariable, startRead);
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
        md.AppendLine("Each round's 2-thread run, with the host's placement of the two vCPUs (core-to-core round trip before and after) and the machine's streaming read just before it (GB/s), which each round's \"% of measured read bandwidth\" divides by:");
        md.AppendLine();
        var kernels = by.Keys.Where(k => k.Threads == 2).Select(k => k.Kernel).ToList();
        md.AppendLine("| round | placement | read GB/s | " + string.Join(" | ", kernels.Select(k => k + " GB/s")) + " |");
        md.AppendLine("| --- | --- | --- |" + string.Concat(Enumerable.Repeat(" --- |", kernels.Count)));
        foreach (var (round, phase, read, lines) in rounds)
        {
            // By name, so a kernel missing from one round's output leaves its own cell empty.
            var cells = kernels.Select(k => lines.FirstOrDefault(j => (string)j["kernel"]! == k) is { } j
                ? FormattableString.Invariant($"{(double)j["gbps"]!:F1}") : "");
            md.AppendLine(FormattableString.Invariant($"| {round} | {HostPhase.Display(phase.Kind)} ({phase.Show()}) | {read:F1} | ") + string.Join(" | ", cells) + " |");
        }
        md.AppendLine();
        md.AppendLine("Bytes per call: every array each pass of the kernel reads or writes, counted once per pass (batch-norm forward reads x three times — sum, centred squares, normalise — and writes x̂ and the output; backward reads dout and x̂ twice and writes dx; softmax reads the scores and writes the gradient, each row's intermediate passes staying in L1).");
        return new SectionResult("bandwidth", md.ToString(), new JsonObject { ["kernels"] = rows });
    }
}
