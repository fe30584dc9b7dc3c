using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>A long training run on Fashion-MNIST ([500,500,500] + batch norm, Adam): resident memory after every epoch.</summary>
public static class SoakSection
{
    public static SectionResult Run(SuiteContext ctx)
    {
        string[] net = ctx.Smoke ? ["--num-train", "1000", "--hidden", "50,50"] : ["--hidden", "500,500,500"];
        SuiteContext.Log($"soak: {ctx.SoakEpochs} epochs of fashion-mnist");
        var run = ctx.Self(["epoch", "--data", "fashion-mnist", .. net, "--warmup", "0", "--epochs", ctx.SoakEpochs.ToString(CultureInfo.InvariantCulture),
            "--threads", ctx.Threads.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(30));
        var j = SuiteContext.Json(run);
        var md = new StringBuilder();
        if (j is null)
        {
            md.AppendLine($"Soak run failed (exit {run.ExitCode}).");
            return new SectionResult("soak", md.ToString(), new JsonObject { ["failed"] = true });
        }
        var rss = ((JsonArray)j["memory"]!["rss_after_epoch_mib"]!).Select(v => (double)v!).ToList();
        var seconds = ((JsonArray)j["speed"]!["epoch_seconds"]!).Select(v => (double)v!).ToList();
        double growth = rss.Count > 1 ? rss[^1] - rss[1] : 0;
        // The run has no warm-up epoch, so the first epoch's count holds the first iteration's buffers (workspaces,
        // optimizer state); the loop's own allocation is what the later epochs show.
        var perEpoch = ((JsonArray)j["memory"]!["allocated_bytes_per_epoch"]!).Select(v => (double)v!).ToList();
        int iterations = (int)j["speed"]!["iterations_per_epoch"]!;
        double afterFirst = perEpoch.Count > 1 ? perEpoch.Skip(1).Sum() / ((perEpoch.Count - 1.0) * iterations) : double.NaN;
        md.AppendLine(CultureInfo.InvariantCulture, $"{rss.Count} epochs of Fashion-MNIST in one process: RSS after epoch 1 {rss[0]:F0} MiB, after epoch 2 {(rss.Count > 1 ? rss[1] : rss[0]):F0} MiB, after the last {rss[^1]:F0} MiB (max {rss.Max():F0}, change from epoch 2 to the last {growth:+0.0;-0.0;0} MiB); peak RSS {(double)j["peak_rss_mib"]!:F0} MiB; allocated: {perEpoch[0] / 1024:F0} KiB in the first epoch (the first iteration's buffers), {afterFirst:F1} bytes per iteration after it; {(int)j["memory"]!["gen0_collections_timed"]!} gen-0 collections; epoch time {Stat.Of(seconds).Show()} s.");
        md.AppendLine();
        // The count is process-wide (GC.GetTotalAllocatedBytes), so a runtime thread's allocation during an epoch shows
        // too: naming the epochs tells a one-off apart from a per-step allocation, which would show in every epoch.
        var here = ((JsonArray)j["memory"]!["allocated_bytes_per_epoch_training_thread"]!).Select(v => (double)v!).ToList();
        var nonZero = perEpoch.Select((b, e) => (Bytes: b, Here: here[e], Epoch: e + 1)).Skip(1).Where(x => x.Bytes > 0).ToList();
        md.AppendLine("Allocated after the first epoch: " + (nonZero.Count == 0 ? "nothing in any epoch."
            : string.Join(", ", nonZero.Select(x => FormattableString.Invariant($"{x.Bytes:F0} B in epoch {x.Epoch} ({x.Here:F0} B of it on the training thread)"))) + $" ({nonZero.Count} of {perEpoch.Count - 1} epochs; process-wide count, every thread)."));
        md.AppendLine();
        md.AppendLine("RSS after each epoch (MiB): " + string.Join(", ", rss.Select(v => v.ToString("F0", CultureInfo.InvariantCulture))));
        return new SectionResult("soak", md.ToString(), new JsonObject
        {
            ["epochs"] = rss.Count, ["rss_after_epoch_mib"] = new JsonArray([.. rss.Select(v => (JsonNode?)v)]),
            ["growth_after_epoch_2_mib"] = growth, ["peak_rss_mib"] = (double)j["peak_rss_mib"]!,
            ["allocated_bytes_per_iteration"] = (double)j["memory"]!["allocated_bytes_per_iteration"]!,
            ["allocated_bytes_first_epoch"] = perEpoch[0], ["allocated_bytes_per_iteration_after_first_epoch"] = afterFirst,
            ["allocated_bytes_per_epoch"] = new JsonArray([.. perEpoch.Select(v => (JsonNode?)v)]),
            ["allocated_bytes_per_epoch_training_thread"] = new JsonArray([.. here.Select(v => (JsonNode?)v)]),
            ["epoch_seconds"] = GemmSection.Node(Stat.Of(seconds)),
        });
    }
}
