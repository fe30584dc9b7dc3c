using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// The <c>check-results FILE</c> command: whether a suite's results.json holds every comparison it should. Our runs
/// must all have succeeded; where NumPy and PyTorch were installed (<c>machine.numpy_torch</c> not "unavailable"), every
/// peer run too, and every GEMM case and data set must have at least one ratio against each peer (a broken peer leaves
/// counts of 0, which a check of "as many ratios as rounds with a ratio" would pass). Exit 0 when it does, 1 with the
/// problems listed when it does not.
/// </summary>
public static class ResultsCheck
{
    public static int Run(string[] args)
    {
        const string Usage = "usage: Backprop.Bench check-results RESULTS_JSON\n  Exit 0 when the suite's results hold every run and ratio they should (the peers' only where NumPy and PyTorch were installed), else 1 with the problems.";
        if (args is ["--help"] or ["-h"]) { Console.WriteLine(Usage); return 0; }
        if (args.Length != 1 || args[0].StartsWith('-')) throw new UsageException($"check-results: give one results.json.\n{Usage}");
        JsonObject results;
        try { results = JsonNode.Parse(File.ReadAllText(args[0])) as JsonObject ?? throw new UsageException($"check-results: {args[0]} holds no JSON object."); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new UsageException($"check-results: cannot read {args[0]}: {e.Message}");
        }
        var problems = Problems(results);
        foreach (var p in problems) Console.WriteLine("problem: " + p);
        Console.WriteLine(problems.Count == 0 ? $"{args[0]}: every run and ratio is there ({(PeersExpected(results) ? "peers included" : "peers unavailable, not required")})."
            : $"{args[0]}: {problems.Count} problem(s).");
        return problems.Count == 0 ? 0 : 1;
    }

    /// <summary>Whether the machine had NumPy or PyTorch, so that that peer's runs must have succeeded.</summary>
    public static bool PeersExpected(JsonObject results) => Installed(results, "numpy") || Installed(results, "torch");

    /// <summary>
    /// Whether <paramref name="library"/> (numpy or torch) was installed: <c>machine.numpy</c> / <c>machine.torch</c>,
    /// or, in results from before they were recorded apart, <c>machine.numpy_torch</c> for both.
    /// </summary>
    public static bool Installed(JsonObject results, string library) =>
        (string?)(results["machine"]?[library] ?? results["machine"]?["numpy_torch"]) is { } v && v != "unavailable";

    // The peer a command or a setting belongs to (numpy_gemm.py, numpy_fcnet.py, "numpy 2"; torch_fcnet.py, "torch 1/2").
    private static string? PeerOf(string text) => text.Contains("torch", StringComparison.Ordinal) ? "torch" : text.Contains("numpy", StringComparison.Ordinal) ? "numpy" : null;

    /// <summary>What is missing or failed, one sentence each; empty when nothing is.</summary>
    public static List<string> Problems(JsonObject results)
    {
        var problems = new List<string>();
        bool numpy = Installed(results, "numpy"), torch = Installed(results, "torch");
        bool Expected(string? peer) => peer == "numpy" ? numpy : peer == "torch" ? torch : numpy || torch;
        if (results["machine"] is null) problems.Add("no machine section.");
        foreach (var section in results["machine"]?["sections"]?.AsArray().Select(s => (string?)s) ?? [])
            foreach (var name in section == "epoch" ? ["epoch", "memory"] : new[] { section })
                if (results[name!] is null) problems.Add($"{name}: the run asked for it, and results.json has no such section.");
        foreach (var f in results["failed_runs"]?.AsArray().OfType<JsonObject>() ?? [])
            if (!(bool)f["peer"]! || Expected(PeerOf((string?)f["command"] ?? "")))
                problems.Add($"{((bool)f["peer"]! ? "peer" : "our")} run failed (exit {f["exit_code"]}): {f["command"]}: {f["stderr_tail"]}");

        if (results["gemm"]?["cases"] is JsonArray cases)
        {
            if (cases.Count == 0) problems.Add("gemm: no case ran.");
            foreach (var c in cases.OfType<JsonObject>())
            {
                string name = $"gemm {c["case"]} {c["dtype"]}";
                if (Count(c["ours_gflops"]) < 1) problems.Add($"{name}: no figure of ours.");
                if (numpy && Count(c["numpy_gflops"]) < 1) problems.Add($"{name}: no NumPy figure (its runs failed).");
                if (numpy && Count(c["ratio"]) < 1) problems.Add($"{name}: no ours / NumPy ratio.");
            }
        }
        if (results["epoch"] is JsonObject epoch)
        {
            if (!epoch.Any(kv => kv.Value is JsonObject { } d && d["runs"] is JsonObject)) problems.Add("epoch: no data set has runs.");
            foreach (var (data, node) in epoch)
            {
                if (node is not JsonObject d || d["runs"] is not JsonObject runs) continue;
                if (Count(d["ours_seconds"]) < 1) problems.Add($"epoch {data}: no epoch time of ours.");
                foreach (var (key, peer) in new[] { ("ours_over_torch", "torch"), ("ours_over_numpy", "numpy") })
                    if (Expected(peer) && Count(d[key]) < 1) problems.Add($"epoch {data}: no {key} ratio (the peer's runs failed).");
                foreach (var (setting, list) in runs)
                    foreach (var (run, i) in (list?.AsArray() ?? []).Select((r, i) => (r, i)))
                        if ((PeerOf(setting) is not { } peer || Expected(peer)) && run?["speed"]?["median_epoch_seconds"] is null)
                            problems.Add($"epoch {data}: {setting} round {i + 1} has no time (failed).");
            }
        }
        if (numpy && results["machine"]?["peer_blas"] is JsonObject blas && blas["set_by_caller"] is null && (blas["tried"]?.AsArray().Count ?? 0) == 0)
            problems.Add("peers' OpenBLAS kernel set: no setting could be timed (numpy_gemm.py failed).");
        return problems;
    }

    private static int Count(JsonNode? stat) => (int?)stat?["count"] ?? 0;
}
