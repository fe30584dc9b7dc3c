using System.Diagnostics;
using System.Text.Json;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;
using static Backprop.Layers.Layer;

namespace Backprop.Bench;

/// <summary>
/// The <c>bandwidth</c> command: times the element-wise and reduction layers on a (rows × cols) float32 matrix past the
/// caches (default 4096 × 4096, 64 MiB) and prints one JSON object per kernel: the median seconds per call and the
/// memory traffic its passes make (every array each pass reads or writes, once) over that time, against the issue's
/// nominal 80 GB/s and against this machine's measured read bandwidth (<see cref="MachineBandwidth"/>).
/// </summary>
/// <remarks>Options: <c>--rows R --cols C</c>, <c>--threads N</c>, <c>--seconds S</c> per kernel.</remarks>
public static class BandwidthRunner
{
    /// <summary>Memory read bandwidth of the reference machine (Zen 5) on 2 threads, GB/s: the target's denominator.</summary>
    public const double NominalGBps = 80;

    public static int Run(string[] args)
    {
        var o = new BenchArgs("bandwidth", args, ["--rows", "--cols", "--threads", "--seconds"]);
        if (o.Help) { Console.WriteLine("usage: Backprop.Bench bandwidth [--rows R --cols C (4096)] [--threads N] [--seconds S (1)]"); return 0; }
        int rows = o.Int("--rows", 4096), cols = o.Int("--cols", 4096);
        double seconds = o.Double("--seconds", 1);
        if (o.Get("--threads") is not null) Parallelism.MaxThreads = o.Int("--threads", 0, 1, Parallelism.MaxThreadCount);
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
        // (name, passes' bytes, the call): the workspace is reset so every call reuses its buffers.
        var kernels = new (string Name, long Bytes, Action Call)[]
        {
            ("relu-forward", 2 * n, () => { ws.Reset(); ReluForward(x, ws); }),
            ("relu-backward", 3 * n, () => { ws.Reset(); ReluBackward(dout, new ReluCache<float>(x), ws); }),
            // statistics: x twice (sum, centred squares); normalise: x in, x̂ and out written
            ("batchnorm-forward", 5 * n, () => { ws.Reset(); BatchNormForward(x, gamma, beta, bn, ws); }),
            // sums: dout and x̂ in; dx: dout and x̂ in, dx written
            ("batchnorm-backward", 5 * n, () => { ws.Reset(); BatchNormBackwardAlt(dout, bnCache, ws); }),
            // each row is read once from memory (max, then exp from cache) and its gradient written once
            ("softmax-loss", 2 * n, () => { ws.Reset(); SoftmaxLoss(x, y, ws); }),
        };
        foreach (var (name, bytes, call) in kernels)
        {
            var times = Time(call, seconds);
            double median = times[times.Count / 2];
            double gbps = bytes / median / 1e9;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                impl = "backprop", kernel = name, rows, cols, dtype = "float32",
                threads = Math.Min(Parallelism.MaxThreads, Environment.ProcessorCount),
                seconds = median, best_seconds = times[0], bytes, gbps = Math.Round(gbps, 1),
                best_gbps = Math.Round(bytes / times[0] / 1e9, 1),
                pct_bandwidth = Math.Round(100 * gbps / NominalGBps, 1),
                pct_measured_read_bandwidth = Math.Round(100 * gbps / MachineBandwidth.ReadGBps(), 1),
            }));
        }
        return 0;
    }

    private static List<double> Time(Action call, double budget)
    {
        // Warm up past tiered compilation (its first tier makes the vector code many times slower).
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 40 || warm.Elapsed.TotalSeconds < Math.Min(0.3, budget); i++) call();
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
