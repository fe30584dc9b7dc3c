using System.Globalization;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// Which OpenBLAS kernel set the peers (NumPy, and PyTorch through Debian's libblas.so.3) run with. OpenBLAS picks it
/// from the CPU's family and model, and a CPU newer than its release falls back to a generic SSE3 set: Debian's 0.3.21
/// on a Xeon of family 6, model 207 (Emerald Rapids) chose "Prescott" and multiplied 2048² float32 matrices at
/// 59–68 GFLOP/s, against 312–336 with OPENBLAS_CORETYPE=SkylakeX. The issue compares against each peer at its best
/// setting, so the suite times NumPy's 2048³ float32 product under the detected set and under each set the CPU's flags
/// allow, and runs every peer with the fastest (<see cref="SuiteContext.PeerEnvironment"/>).
/// </summary>
public static class PeerBlas
{
    /// <summary>The setting that leaves OPENBLAS_CORETYPE unset: OpenBLAS's own detection.</summary>
    private const string Detected = "detected";

    /// <summary>How much faster than the detected set another must be to replace it (the peers stay as installed otherwise).</summary>
    private const double Margin = 1.05;

    /// <summary>OPENBLAS_CORETYPE values worth trying on this CPU, by its flags (the detected set is always tried too).</summary>
    public static IEnumerable<string> Candidates(string cpuFlags)
    {
        var flags = cpuFlags.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        if (new[] { "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd" }.All(flags.Contains)) yield return "SkylakeX";
        if (flags.Contains("avx2") && flags.Contains("fma")) yield return "Haswell";
    }

    /// <summary>
    /// The <c>peer-blas [--smoke]</c> command: <see cref="Choose"/> on its own, as JSON (the peers' scripts that run
    /// outside the suite, <c>bench/accuracy/run.sh</c> and <c>bench/peers/run_checks.sh</c>, take their setting from it).
    /// </summary>
    public static int Run(string[] args)
    {
        var o = new BenchArgs("peer-blas", args, [], ["--smoke"]);
        if (o.Help) { Console.WriteLine("usage: Backprop.Bench peer-blas [--smoke]\n  Which OPENBLAS_CORETYPE the peers should run with on this CPU, as JSON."); return 0; }
        Console.WriteLine(Choose(new SuiteContext(o.Flag("--smoke") ? ["--smoke"] : []), MachineInfo.CpuFlags()).ToJsonString());
        return 0;
    }

    /// <summary>
    /// Times the candidates (one NumPy run of square-2048 float32 each, alternated twice; once in a smoke run), sets
    /// the fastest as the peers' environment and describes the choice. An OPENBLAS_CORETYPE already in this process's
    /// environment is kept (the peers inherit it) and nothing is timed.
    /// </summary>
    public static JsonObject Choose(SuiteContext ctx, string cpuFlags)
    {
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } chosen)
        {
            SuiteContext.Log($"peers' OpenBLAS: OPENBLAS_CORETYPE={chosen}, set by the caller");
            return new JsonObject { ["detected_core"] = null, ["openblas_coretype"] = chosen, ["set_by_caller"] = true, ["tried"] = new JsonArray() };
        }
        // "detected" runs with no OPENBLAS_CORETYPE; the others set it to their name.
        var settings = new List<string> { Detected };
        settings.AddRange(Candidates(cpuFlags));
        var gflops = settings.ToDictionary(s => s, _ => new List<double>());
        var cores = new Dictionary<string, string>();
        string[] args = ctx.Smoke ? ["--case", "square-1024", "--dtype", "float32", "--seconds", "0.05"] : ["--case", "square-2048", "--dtype", "float32", "--seconds", "1"];
        for (int round = 0; round < (ctx.Smoke ? 1 : 2); round++)
        {
            foreach (var setting in settings)
            {
                var env = ctx.GemmPeerThreads();
                if (setting != Detected) env["OPENBLAS_CORETYPE"] = setting;
                var line = SuiteContext.JsonLines(ctx.Peer("numpy_gemm.py", args, TimeSpan.FromMinutes(2), env)).FirstOrDefault();
                if (line?["gflops"] is null) continue;
                gflops[setting].Add((double)line["gflops"]!);
                cores[setting] = (string?)line["blas_core"] ?? "not OpenBLAS";
            }
        }
        var tried = new JsonArray();
        string best = Detected;
        double bestRate = double.NegativeInfinity;
        foreach (var (setting, rates) in gflops)
        {
            if (rates.Count == 0) continue;
            double median = Stat.Of(rates).Median;
            tried.Add(new JsonObject { ["coretype"] = setting, ["blas_core"] = cores[setting], ["case"] = args[1], ["gflops_float32"] = median });
            double bar = setting == Detected ? median : median / Margin;
            if (bar > bestRate) (best, bestRate) = (setting, bar);
        }
        string? coretype = best == Detected ? null : best;
        ctx.PeerEnvironment = coretype is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["OPENBLAS_CORETYPE"] = coretype };
        string detected = cores.GetValueOrDefault(Detected) ?? "unknown";
        SuiteContext.Log($"peers' OpenBLAS: detected {detected}; running them with {(coretype is null ? "the detected set" : "OPENBLAS_CORETYPE=" + coretype)}");
        return new JsonObject { ["detected_core"] = detected, ["openblas_coretype"] = coretype, ["tried"] = tried };
    }

    /// <summary>One line for RESULTS.md: what was detected, what was tried and what the peers ran with.</summary>
    public static string Describe(JsonObject? choice)
    {
        if (choice?["set_by_caller"] is not null) return $"- Peers' OpenBLAS kernel set: OPENBLAS_CORETYPE={choice["openblas_coretype"]}, set by the caller of the suite.";
        if (choice is null || choice["tried"]!.AsArray().Count == 0) return "- Peers' OpenBLAS kernel set: not measured in this run.";
        var tried = string.Join("; ", choice["tried"]!.AsArray().Select(t => string.Create(CultureInfo.InvariantCulture,
            $"{t!["coretype"]} ({t["blas_core"]}) {(double)t["gflops_float32"]!:F0} GFLOP/s")));
        string used = choice["openblas_coretype"] is { } c ? $"OPENBLAS_CORETYPE={c}" : "the set OpenBLAS detected";
        return $"- Peers' OpenBLAS kernel set: detected {choice["detected_core"]}; NumPy's {choice["tried"]![0]!["case"]} float32 product timed with each set this CPU's flags allow ({tried}); every peer (NumPy, PyTorch) ran with {used}, the fastest (another set must beat the detected one by {(Margin - 1) * 100:F0}%).";
    }
}
