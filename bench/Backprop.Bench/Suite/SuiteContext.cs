using System.Globalization;
using System.Text.Json.Nodes;

namespace Backprop.Bench.Suite;

/// <summary>
/// The suite's settings and how it starts the commands it times: this program (<c>gemm</c>, <c>epoch</c>,
/// <c>bandwidth</c>) and the peers under <c>bench/peers</c> with the system Python.
/// </summary>
public sealed class SuiteContext
{
    public SuiteContext(string[] args)
    {
        Smoke = args.Contains("--smoke");
        Repo = Path.GetFullPath(BenchArgs.Option(args, "--repo") ?? FindRepo());
        Out = Path.GetFullPath(BenchArgs.Option(args, "--out") ?? (Smoke ? Path.Combine(Repo, "bench", "out", "smoke") : Path.Combine(Repo, "bench")));
        Rounds = int.Parse(BenchArgs.Option(args, "--rounds") ?? (Smoke ? "1" : "2"), CultureInfo.InvariantCulture);
        GemmRounds = int.Parse(BenchArgs.Option(args, "--gemm-rounds") ?? (Smoke ? "1" : "3"), CultureInfo.InvariantCulture);
        SoakEpochs = int.Parse(BenchArgs.Option(args, "--soak-epochs") ?? (Smoke ? "3" : "30"), CultureInfo.InvariantCulture);
        Only = BenchArgs.Option(args, "--only")?.Split(',') ?? [];
    }

    /// <summary>Tiny sizes, one round: proves every part runs, in seconds; its figures mean nothing.</summary>
    public bool Smoke { get; }
    public string Repo { get; }
    /// <summary>Folder for RESULTS.md and results.json (bench/, or bench/out/smoke for --smoke).</summary>
    public string Out { get; }
    /// <summary>Alternating rounds of the training-epoch comparison.</summary>
    public int Rounds { get; }
    public int GemmRounds { get; }
    public int SoakEpochs { get; }
    /// <summary>Sections to run (gemm, epoch, bandwidth, determinism, soak); all when empty.</summary>
    public string[] Only { get; }

    public string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    public string Peers => Path.Combine(Repo, "bench", "peers");

    public bool Runs(string section) => Only.Length == 0 || Only.Contains(section);

    /// <summary>Runs this program with a sub-command.</summary>
    public ChildResult Self(IEnumerable<string> args, TimeSpan timeout)
    {
        string exe = Environment.ProcessPath!;
        var all = Path.GetFileNameWithoutExtension(exe) == "dotnet" ? new[] { typeof(SuiteContext).Assembly.Location }.Concat(args) : args;
        return ChildRun.Run(exe, all, timeout);
    }

    /// <summary>Variables every peer runs with (the OpenBLAS kernel set <see cref="PeerBlas"/> chose); empty until then.</summary>
    public IReadOnlyDictionary<string, string> PeerEnvironment { get; set; } = new Dictionary<string, string>();

    /// <summary>
    /// Runs a peer script (numpy_fcnet.py …) with the system Python, in <see cref="PeerEnvironment"/>, or in
    /// <paramref name="env"/> alone when given.
    /// </summary>
    public ChildResult Peer(string script, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null) =>
        ChildRun.Run(Python, new[] { Path.Combine(Peers, script) }.Concat(args), timeout, env ?? PeerEnvironment.ToDictionary());

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
