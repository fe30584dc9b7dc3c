using System.Diagnostics;
using System.Text.Json;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;
using static Backprop.Layers.Layer;

namespace Backprop.Bench;

/// <summary>
/// The <c>bandwidth</c> command: times the element-wise and reduction layers on (rows × cols) float32 arrays past the
/// last-level cache (sized from it by <see cref="BandwidthPlan.Choose"/>: 12544² on the Xeon's 300 MiB L3) and prints
/// one JSON object per kernel: the median seconds per call and the memory traffic its passes make (every array each
/// pass reads or writes, once) over that time, against the nominal 80 GB/s and against this machine's measured
/// read bandwidth (<see cref="MachineBandwidth"/>), with the plan's fields (array and cache sizes, residency).
/// </summary>
public static class BandwidthRunner
{
    /// <summary>Memory read bandwidth of the reference machine (Zen 5) on 2 threads, GB/s: the target's denominator.</summary>
    public const double NominalGBps = 80;

    private const string Usage = """
        usage: Backprop.Bench bandwidth [--rows R] [--cols C] [--threads N] [--seconds S] [--llc-mib M] [--cache-dir DIR] [--plan]
          --rows, --cols  the arrays' shape (default: square, sized from the last-level cache so that the two arrays of
                          the smallest kernel are at least 4 × the cache, at most a quarter of the memory in all)
          --threads       kernel threads (default: $BACKPROP_THREADS, else one per CPU)
          --seconds       timed seconds per kernel (1)
          --llc-mib       the last-level cache's size, when sysfs does not know it (default: read from sysfs)
          --cache-dir     read the cache description from DIR's index* folders instead of sysfs's (for tests)
          --plan          print the arrays' shape and the cache it was sized against, and time nothing
        """;

    public static int Run(string[] args)
    {
        var o = new BenchArgs("bandwidth", args, ["--rows", "--cols", "--threads", "--seconds", "--llc-mib", "--cache-dir"], ["--plan"]);
        if (o.Help) { Console.WriteLine(Usage); return 0; }
        var cache = o.Get("--llc-mib") is null ? LastLevelCache.Read(o.Get("--cache-dir") ?? LastLevelCache.SysfsFolder)
            : new LastLevelCache((long)o.Int("--llc-mib", 0) << 20, 0, "given");
        var plan = o.Get("--rows") is null && o.Get("--cols") is null
            ? BandwidthPlan.Choose(cache, ProcStats.MemTotalBytes())
            : new BandwidthPlan(o.Int("--rows", 4096), o.Int("--cols", 4096), cache);
        double seconds = o.Double("--seconds", 1);
        if (o.Get("--threads") is not null) Parallelism.MaxThreads = o.Int("--threads", 0, 1, Parallelism.MaxThreadCount);
        if (o.Flag("--plan"))
        {
            Console.WriteLine(JsonSerializer.Serialize(plan.Fields()));
            return 0;
        }
        // Tiered compilation first, on arrays small enough to be called 40 times in a blink (its first tier makes the
        // vector code many times slower); then the planned arrays, whose calls can take a tenth of a second each.
        foreach (var (_, _, _, call) in Kernels(Math.Min(plan.Rows, 1024), Math.Min(plan.Cols, 1024))) Warm(call, calls: 40, seconds: 0.3);
        foreach (var (name, arrays, bytes, call) in Kernels(plan.Rows, plan.Cols))
        {
            Warm(call, calls: 2, seconds: Math.Min(0.3, seconds));
            var times = Time(call, seconds);
            double median = times[times.Count / 2];
            double gbps = bytes / median / 1e9;
            var line = new Dictionary<string, object>
            {
                ["impl"] = "backprop", ["kernel"] = name, ["dtype"] = "float32",
                ["threads"] = Math.Min(Parallelism.MaxThreads, Environment.ProcessorCount),
                ["seconds"] = median, ["best_seconds"] = times[0], ["bytes"] = bytes, ["gbps"] = Math.Round(gbps, 1),
                ["best_gbps"] = Math.Round(bytes / times[0] / 1e9, 1),
                ["pct_bandwidth"] = Math.Round(100 * gbps / NominalGBps, 1),
                ["pct_measured_read_bandwidth"] = Math.Round(100 * gbps / MachineBandwidth.ReadGBps(), 1),
                ["arrays_touched"] = arrays, ["footprint_over_llc"] = Math.Round(plan.FootprintOverLlc(arrays), 2),
            };
            foreach (var (k, v) in plan.Fields()) line[k] = v;
            Console.WriteLine(JsonSerializer.Serialize(line));
        }
        return 0;
    }

    /// <summary>
    /// The kernels on fresh (rows × cols) inputs: (name, arrays it touches together, bytes its passes move, the call).
    /// The workspace is reset before every call, so every call reuses its buffers.
    /// </summary>
    private static List<(string Name, int Arrays, long Bytes, Action Call)> Kernels(int rows, int cols)
    {
        var rng = new NumpyRandom(0);
        var x = rng.Randn<float>(rows, cols);
        var dout = rng.Randn<float>(rows, cols);
        var gamma = NDArray<float>.Ones(cols);
        var beta = new NDArray<float>(cols);
        var y = rng.Randint(cols, rows);
        var ws = new Workspace();
        var bn = new BatchNormParam<float>();
        var (_, bnCache) = BatchNormForward(x, gamma, beta, bn, ws);
        long n = (long)rows * cols * sizeof(float);
        return
        [
            ("relu-forward", 2, 2 * n, () => { ws.Reset(); ReluForward(x, ws); }),
            ("relu-backward", 3, 3 * n, () => { ws.Reset(); ReluBackward(dout, new ReluCache<float>(x), ws); }),
            // statistics: x twice (sum, centred squares); normalise: x in, x̂ and out written
            ("batchnorm-forward", 3, 5 * n, () => { ws.Reset(); BatchNormForward(x, gamma, beta, bn, ws); }),
            // sums: dout and x̂ in; dx: dout and x̂ in, dx written
            ("batchnorm-backward", 3, 5 * n, () => { ws.Reset(); BatchNormBackwardAlt(dout, bnCache, ws); }),
            // each row is read once from memory (max, then exp from cache) and its gradient written once
            ("softmax-loss", 2, 2 * n, () => { ws.Reset(); SoftmaxLoss(x, y, ws); }),
        ];
    }

    /// <summary>Calls <paramref name="call"/> at least <paramref name="calls"/> times and for at least <paramref name="seconds"/>.</summary>
    private static void Warm(Action call, int calls, double seconds)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < calls || clock.Elapsed.TotalSeconds < seconds; i++) call();
    }

    /// <summary>Seconds of each call, sorted: at least five calls, then more until <paramref name="budget"/> seconds have passed.</summary>
    private static List<double> Time(Action call, double budget)
    {
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < budget && times.Count < 10_000))
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        times.Sort();
        return times;
    }
}
