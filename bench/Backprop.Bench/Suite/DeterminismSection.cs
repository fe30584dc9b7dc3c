using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>The same training run (batch norm, dropout, Adam) on 1, 2 and 3 threads: the parameters' SHA-256 must agree.</summary>
public static class DeterminismSection
{
    public static SectionResult Run(SuiteContext ctx)
    {
        string[] args = ["epoch", "--data", "cifar10-random", "--num-train", ctx.Smoke ? "500" : "3000", "--hidden", ctx.Smoke ? "60,40" : "500,500,500",
            "--normalization", "batchnorm", "--dropout", "0.9", "--warmup", "0", "--epochs", ctx.Smoke ? "1" : "2"];
        var hashes = new JsonObject();
        var losses = new JsonObject();
        foreach (var threads in new[] { 1, 2, 3 })
        {
            SuiteContext.Log($"determinism: {threads} thread(s)");
            var j = SuiteContext.Json(ctx.Self([.. args, "--threads", threads.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(5)));
            hashes[$"{threads}"] = (string?)j?["params_sha256"] ?? "failed";
            losses[$"{threads}"] = (double?)j?["speed"]?["last_loss"];
        }
        var values = hashes.Select(kv => (string)kv.Value!).ToList();
        bool identical = values.All(v => v != "failed") && values.Distinct().Count() == 1;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"`{string.Join(' ', args)}` on 1, 2 and 3 threads: parameters' SHA-256 {(identical ? "identical" : "DIFFER")} ({values[0][..Math.Min(16, values[0].Length)]}…), last loss {losses["1"]}.");
        return new SectionResult("determinism", md.ToString(), new JsonObject { ["identical"] = identical, ["sha256_by_threads"] = hashes, ["last_loss_by_threads"] = losses });
    }
}
