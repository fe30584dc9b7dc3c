using System.Globalization;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// The suite's settings and how it starts the commands it times: this program (<c>gemm</c>, <c>epoch</c>,
/// <c>bandwidth</c>) and the peers under <c>bench/peers</c> with the system Python.
/// </summary>
public sealed class SuiteContext
{
    /// <summary>The sections, in the order they run.</summary>
    public static IReadOnlyList<string> Sections { get; } = ["gemm", "epoch", "bandwidth", "determinism", "soak"];

    public const string Usage = """
        usage: bench/run.sh [--smoke] [--only SECTIONS] [--out DIR] [--threads N] [--rounds N] [--gemm-rounds N]
                           [--bandwidth-rounds N] [--soak-epochs N] [--dry-run]
          (about 20 minutes; writes bench/RESULTS.md and bench/results.json)
          --smoke               every part at tiny sizes in about a minute (results in bench/out/smoke); figures meaningless
          --only LIST           comma-separated sections: gemm, epoch, bandwidth, determinism, soak. Without --out a
                                partial run writes to bench/out/only-<sections>, never over bench/RESULTS.md
          --out DIR             where RESULTS.md and results.json go
          --threads N           threads of our GEMM, epoch, bandwidth and soak runs and of the NumPy GEMM peer's OpenBLAS
                                (2, the speed issue's setting, at most the CPUs; BACKPROP_THREADS in the environment is ignored); the
                                training peers run on 1 and N
          --rounds N            alternating rounds of the training-epoch comparison (2; smoke 1)
          --gemm-rounds N       alternating rounds of the GEMM comparison (3; smoke 1)
          --bandwidth-rounds N  rounds of the element-wise kernels, each on N threads and on 1 (3; smoke 1)
          --soak-epochs N       epochs of the soak run (30; smoke 3)
          --peers DIR           the peer scripts' folder (bench/peers)
          --dry-run             print what the run would do and where it would write, and run nothing
          --help                this text
        """;

    /// <param name="args">The <c>suite</c> command's arguments; checked here, before anything runs (<see cref="UsageException"/>).</param>
    public SuiteContext(string[] args)
    {
        var o = new BenchArgs("suite", args, ["--repo", "--out", "--rounds", "--gemm-rounds", "--bandwidth-rounds", "--soak-epochs", "--only", "--threads", "--peers"], ["--smoke", "--dry-run"]);
        Help = o.Help;
        DryRun = o.Flag("--dry-run");
        Smoke = o.Flag("--smoke");
        Rounds = o.Int("--rounds", Smoke ? 1 : 2);
        GemmRounds = o.Int("--gemm-rounds", Smoke ? 1 : 3);
        BandwidthRounds = o.Int("--bandwidth-rounds", Smoke ? 1 : 3);
        SoakEpochs = o.Int("--soak-epochs", Smoke ? 3 : 30);
        // No more than the CPUs: ours caps itself there, and a report of counts that never ran compares nothing.
        Threads = o.Int("--threads", Math.Min(2, Environment.ProcessorCount), 1, Environment.ProcessorCount);
        Only = o.Get("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (o.Get("--only") is not null && Only.Length == 0) throw new UsageException($"suite: --only takes sections separated by commas: {string.Join(", ", Sections)}.");
        foreach (var s in Only)
            if (!Sections.Contains(s)) throw new UsageException($"suite: --only: unknown section '{s}'; the sections: {string.Join(", ", Sections)}.");
        Repo = Path.GetFullPath(o.Get("--repo") ?? FindRepo());
        Out = Path.GetFullPath(o.Get("--out") ?? DefaultOut(Repo, Smoke, Only));
        Peers = Path.GetFullPath(o.Get("--peers") ?? Path.Combine(Repo, "bench", "peers"));
        if (!Directory.Exists(Peers)) throw new UsageException($"suite: --peers: no folder '{Peers}'.");
    }

    /// <summary>
    /// Where a run writes without <c>--out</c>: bench/ for the full suite, bench/out/smoke for a smoke run, and
    /// bench/out/only-SECTIONS for a partial one, which must not replace the committed full report.
    /// </summary>
    public static string DefaultOut(string repo, bool smoke, IReadOnlyList<string> only) =>
        smoke ? Path.Combine(repo, "bench", "out", "smoke")
        : only.Count > 0 ? Path.Combine(repo, "bench", "out", "only-" + string.Join('-', Sections.Where(only.Contains)))
        : Path.Combine(repo, "bench");

    /// <summary>Whether <c>--help</c> was asked for: print <see cref="Usage"/> and run nothing.</summary>
    public bool Help { get; }

    /// <summary>Whether <c>--dry-run</c> was asked for: print <see cref="Plan"/> and run nothing.</summary>
    public bool DryRun { get; }

    /// <summary>What the run will do, one "key: value" line each (the <c>--dry-run</c> output).</summary>
    public string Plan() => string.Join('\n',
        $"sections: {string.Join(", ", Sections.Where(Runs))}",
        $"out: {Out}",
        $"smoke: {(Smoke ? "yes" : "no")}",
        $"rounds: epoch {Rounds}, gemm {GemmRounds}, bandwidth {BandwidthRounds}; soak epochs {SoakEpochs}",
        $"threads: {Threads}" + (Environment.GetEnvironmentVariable(Kernels.Parallelism.ThreadsVariable) is { Length: > 0 } had
            ? $" (BACKPROP_THREADS={had} in the environment is ignored)" : ""));

    /// <summary>Tiny sizes, one round: proves every part runs, in seconds; its figures mean nothing.</summary>
    public bool Smoke { get; }
    public string Repo { get; }
    /// <summary>Folder for RESULTS.md and results.json (<see cref="DefaultOut"/> unless <c>--out</c> is given).</summary>
    public string Out { get; }
    /// <summary>Alternating rounds of the training-epoch comparison.</summary>
    public int Rounds { get; }
    public int GemmRounds { get; }
    /// <summary>Rounds of the element-wise kernels (each: a run on <see cref="Threads"/> threads and one on 1).</summary>
    public int BandwidthRounds { get; }
    /// <summary>
    /// Threads of our runs (<c>--threads</c>, passed on explicitly) and of the NumPy GEMM peer's OpenBLAS
    /// (<c>OPENBLAS_NUM_THREADS</c>): 2 unless given, whatever the caller's environment says.
    /// </summary>
    public int Threads { get; }
    public int SoakEpochs { get; }
    /// <summary>Sections to run (gemm, epoch, bandwidth, determinism, soak); all when empty.</summary>
    public string[] Only { get; }

    public string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    /// <summary>The peer scripts' folder: bench/peers unless <c>--peers</c> names another.</summary>
    public string Peers { get; }

    /// <summary>Every run of this suite that failed (exit code not 0), ours and the peers', in order.</summary>
    public List<FailedRun> Failures { get; } = [];

    public bool Runs(string section) => Only.Length == 0 || Only.Contains(section);

    /// <summary>Runs this program with a sub-command (a failure is kept in <see cref="Failures"/>).</summary>
    public ChildResult Self(IEnumerable<string> args, TimeSpan timeout)
    {
        string exe = Environment.ProcessPath!;
        var list = args.ToList();
        var all = Path.GetFileNameWithoutExtension(exe) == "dotnet" ? new[] { typeof(SuiteContext).Assembly.Location }.Concat(list) : list;
        return Note(ChildRun.Run(exe, all, timeout), "Backprop.Bench " + string.Join(' ', list), peer: false);
    }

    /// <summary>Variables every peer runs with (the OpenBLAS kernel set <see cref="PeerBlas"/> chose); empty until then.</summary>
    public IReadOnlyDictionary<string, string> PeerEnvironment { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// Runs a peer script (numpy_fcnet.py …) with the system Python, in <see cref="PeerEnvironment"/> plus
    /// <paramref name="env"/>.
    /// </summary>
    public ChildResult Peer(string script, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var all = PeerEnvironment.ToDictionary();
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) all[k] = v;
        var list = args.ToList();
        string variables = string.Concat(all.Where(kv => kv.Key.StartsWith("OPENBLAS", StringComparison.Ordinal)).Select(kv => $"{kv.Key}={kv.Value} "));
        return Note(ChildRun.Run(Python, new[] { Path.Combine(Peers, script) }.Concat(list), timeout, all), $"{variables}{script} {string.Join(' ', list)}", peer: true);
    }

    private ChildResult Note(ChildResult r, string command, bool peer)
    {
        if (!r.Ok)
        {
            Failures.Add(new FailedRun(command, peer, r.ExitCode, FailedRun.Tail(r.Stderr)));
            Log($"  FAILED (exit {r.ExitCode}): {command}");
        }
        return r;
    }

    /// <summary>The NumPy GEMM peer's environment: OpenBLAS on <see cref="Threads"/> threads.</summary>
    public Dictionary<string, string> GemmPeerThreads() => new() { ["OPENBLAS_NUM_THREADS"] = Threads.ToString(CultureInfo.InvariantCulture) };

    /// <summary>
    /// Takes BACKPROP_THREADS out of this process's environment, which every run inherits: the suite gives its runs
    /// their thread count itself. Returns what the caller had set, or null.
    /// </summary>
    public static string? IgnoreCallerThreads()
    {
        string? had = Environment.GetEnvironmentVariable(Kernels.Parallelism.ThreadsVariable);
        Environment.SetEnvironmentVariable(Kernels.Parallelism.ThreadsVariable, null);
        return string.IsNullOrEmpty(had) ? null : had;
    }

    /// <summary>Parses a child's stdout as one JSON object (null when it failed or printed none).</summary>
    public static JsonObject? Json(ChildResult r)
    {
        if (!r.Ok) return null;
        try { return JsonNode.Parse(r.Stdout) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>Parses a child's stdout as JSON lines.</summary>
    public static List<JsonObject> JsonLines(ChildResult r) =>
        r.Ok ? [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)).OfType<JsonObject>()] : [];

    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");


    private static string FindRepo()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.sln"))) return dir.FullName;
        return Directory.GetCurrentDirectory();
    }
}
