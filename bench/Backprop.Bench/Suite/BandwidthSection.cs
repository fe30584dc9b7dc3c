using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// Element-wise and reduction layers on float32 arrays past the last-level cache (sized from it by the
/// <c>bandwidth</c> command, <see cref="BandwidthPlan"/>; a smoke run takes 512 × 512, cache-resident, and says so), on
/// the suite's N threads and on 1, over <see cref="SuiteContext.BandwidthRounds"/> rounds.
/// </summary>
public static class BandwidthSection
{
    public static SectionResult Run(SuiteContext ctx)
    {
        string[] size = ctx.Smoke ? ["--rows", "512", "--cols", "512", "--seconds", "0.02"] : ["--seconds", "0.5"];
        int[] threadCounts = [.. new[] { ctx.Threads, 1 }.Distinct()];
        var by = new Dictionary<(string Kernel, int Threads), List<JsonObject>>();
        var rounds = new List<(int Round, HostPhase Phase, double Read, List<JsonObject> Lines)>();
        string startRead = Environment.GetEnvironmentVariable(MachineBandwidth.EnvironmentVariable) ?? "";
        for (int round = 0; round < ctx.BandwidthRounds; round++)
            foreach (var threads in threadCounts)
            {
                SuiteContext.Log($"bandwidth round {round + 1}/{ctx.BandwidthRounds}, {threads} thread(s)");
                // The memory a shared host gives two vCPUs moves with their placement (one CCD's link or two), so each
                // round's kernels are set against the read measured just before them, and the placement is recorded.
                double read = MachineBandwidth.Measure();
                Environment.SetEnvironmentVariable(MachineBandwidth.EnvironmentVariable, read.ToString("R", CultureInfo.InvariantCulture));
                double? before = MachineInfo.CoreRoundTrip();
                var lines = SuiteContext.JsonLines(ctx.Self(["bandwidth", "--threads", threads.ToString(CultureInfo.InvariantCulture), .. size], TimeSpan.FromMinutes(10))).ToList();
                var phase = new HostPhase(before, MachineInfo.CoreRoundTrip());
                foreach (var j in lines)
                {
                    j["read_gbps_before"] = Math.Round(read, 1);
                    j["core_round_trip_ns"] = new JsonArray(phase.Before, phase.After);
                    var key = ((string)j["kernel"]!, threads);
                    if (!by.TryGetValue(key, out var list)) by[key] = list = [];
                    list.Add(j);
                }
                if (threads == ctx.Threads) rounds.Add((round + 1, phase, read, lines));
            }
        Environment.SetEnvironmentVariable(MachineBandwidth.EnvironmentVariable, startRead);

        // The arrays and the cache they were sized against, as the runs report them.
        var first = by.Values.SelectMany(l => l).FirstOrDefault();
        var array = first is null ? new JsonObject() : new JsonObject
        {
            ["rows"] = (int)first["rows"]!, ["cols"] = (int)first["cols"]!, ["array_bytes"] = (long)first["array_bytes"]!,
            ["llc_bytes"] = (long)first["llc_bytes"]!, ["llc_level"] = (int)first["llc_level"]!, ["llc_source"] = (string?)first["llc_source"],
            ["smallest_footprint_over_llc"] = (double)first["smallest_footprint_over_llc"]!, ["residency"] = (string?)first["residency"],
            ["capped_by_memory"] = (bool)first["capped_by_memory"]!,
        };
        string shape = first is null ? "n/a" : $"{first["rows"]} × {first["cols"]} float32";
        string n = ctx.Threads.ToString(CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        if (first is not null)
            md.AppendLine(CultureInfo.InvariantCulture, $"Arrays: {shape}, {(long)first["array_bytes"]! / (double)(1 << 20):0.#} MiB each, against a {(long)first["llc_bytes"]! / (double)(1 << 20):0.#} MiB last-level cache (L{first["llc_level"]}, {first["llc_source"]}); every kernel's arrays together are {(double)first["smallest_footprint_over_llc"]!:0.0#} × the cache or more: **{first["residency"]}**{((bool)first["capped_by_memory"]! ? " (capped by the machine's memory)" : "")}{(ctx.Smoke ? " (a smoke run's small arrays: their figures are the caches', not memory's)" : "")}.");
        md.AppendLine();
        md.AppendLine($"| kernel ({shape}) | bytes per call | arrays together (× cache) | {n} thread(s): ms, GB/s | % of 80 GB/s (target ≥ 60%) | % of measured read bandwidth | 1 thread: GB/s |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        var rows = new JsonArray();
        foreach (var kernel in by.Keys.Select(k => k.Kernel).Distinct())
        {
            var many = by.GetValueOrDefault((kernel, ctx.Threads)) ?? [];
            var one = by.GetValueOrDefault((kernel, 1)) ?? [];
            if (many.Count == 0) continue;
            var ms = Stat.Of(many.Select(j => 1000 * (double)j["seconds"]!));
            var gb = Stat.Of(many.Select(j => (double)j["gbps"]!));
            var pct = Stat.Of(many.Select(j => (double)j["pct_bandwidth"]!));
            var pctRead = Stat.Of(many.Select(j => (double?)j["pct_measured_read_bandwidth"] ?? double.NaN));
            var gb1 = Stat.Of(one.Select(j => (double)j["gbps"]!));
            long bytes = (long)many[0]["bytes"]!;
            md.AppendLine(CultureInfo.InvariantCulture, $"| {kernel} | {bytes / (1 << 20)} MiB | {many[0]["arrays_touched"]} ({(double)many[0]["footprint_over_llc"]!:0.0#}) | {ms.Show("F2")}, {gb.Show("F1")} | {pct.Show("F0")}% | {pctRead.Show("F0")}% | {gb1.Show("F1")} |");
            rows.Add(new JsonObject
            {
                ["kernel"] = kernel, ["rows"] = (int)many[0]["rows"]!, ["cols"] = (int)many[0]["cols"]!, ["bytes"] = bytes,
                ["arrays_touched"] = (int)many[0]["arrays_touched"]!, ["footprint_over_llc"] = (double)many[0]["footprint_over_llc"]!,
                ["threads"] = (int)many[0]["threads"]!, ["ms"] = GemmSection.Node(ms), ["gbps"] = GemmSection.Node(gb),
                ["pct_bandwidth"] = GemmSection.Node(pct), ["pct_measured_read_bandwidth"] = GemmSection.Node(pctRead),
                ["gbps_1_thread"] = GemmSection.Node(gb1),
            });
        }
        md.AppendLine();
        md.AppendLine($"Each round's {n}-thread run, with the host's placement of the two vCPUs (core-to-core round trip before and after) and the machine's streaming read just before it (GB/s), which each round's \"% of measured read bandwidth\" divides by:");
        md.AppendLine();
        var kernels = by.Keys.Where(k => k.Threads == ctx.Threads).Select(k => k.Kernel).ToList();
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
        md.AppendLine("Bytes per call: every array each pass of the kernel reads or writes, counted once per pass (batch-norm forward reads x three times — sum, centred squares, normalise — and writes x̂ and the output; backward reads dout and x̂ twice and writes dx; softmax reads the scores and writes the gradient, each row's intermediate passes staying in L1). Arrays together: the distinct arrays a call touches, and their bytes over the last-level cache's.");
        string title = first is null ? "Element-wise and reductions"
            : $"Element-wise and reductions on {shape} ({first["residency"]}), {n} thread(s) and 1";
        return new SectionResult("bandwidth", md.ToString(), new JsonObject { ["array"] = array, ["kernels"] = rows }, title);
    }
}
