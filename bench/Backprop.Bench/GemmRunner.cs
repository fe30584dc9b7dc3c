using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Backprop.Kernels;

namespace Backprop.Bench;

/// <summary>
/// The <c>gemm</c> command: times every <see cref="GemmCase"/> for float and double and prints one JSON object per
/// line: {"impl","case","dtype","m","n","k","layout","threads","seconds","gflops","best_gflops","pct_peak","gflops_per_cpu"}.
/// </summary>
public static class GemmRunner
{
    public static int Run(string[] args)
    {
        string? filter = BenchArgs.Option(args, "--case");
        double seconds = double.Parse(BenchArgs.Option(args, "--seconds") ?? "1", CultureInfo.InvariantCulture);
        if (BenchArgs.Option(args, "--threads") is { } t) Parallelism.MaxThreads = int.Parse(t, CultureInfo.InvariantCulture);
        string? dtype = BenchArgs.Option(args, "--dtype");
        foreach (var c in GemmCase.All)
        {
            if (filter is not null && !c.Name.Contains(filter, StringComparison.Ordinal)) continue;
            if (dtype is null or "float32") Console.WriteLine(Time<float>(c, seconds));
            if (dtype is null or "float64") Console.WriteLine(Time<double>(c, seconds));
        }
        return 0;
    }


    /// <summary>Median time per call over repeated calls for about <paramref name="budget"/> seconds, after warm-up.</summary>
    private static string Time<T>(GemmCase c, double budget) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(42);
        var a = new T[c.M * c.K];
        var b = new T[c.K * c.N];
        var cm = new T[c.M * c.N];
        for (int i = 0; i < a.Length; i++) a[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = T.CreateTruncating(rng.NextDouble() - 0.5);

        void Call() => Gemm.Multiply<T>(a, b, cm, c.M, c.N, c.K, c.TransA, c.TransB);
        var warm = Stopwatch.StartNew();
        int warmCalls = 0;
        while (warmCalls < 3 || warm.Elapsed.TotalSeconds < Math.Min(0.3, budget / 3)) { Call(); warmCalls++; }

        var times = new List<double>();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var total = Stopwatch.StartNew();
        while (times.Count < 5 || (total.Elapsed.TotalSeconds < budget && times.Count < 100_000))
        {
            long t0 = Stopwatch.GetTimestamp();
            Call();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        process.Refresh();
        double cpuPerCall = (process.TotalProcessorTime - cpu0).TotalSeconds / times.Count;
        times.Sort();
        double median = times[times.Count / 2], best = times[0];
        int threads = Math.Min(Parallelism.MaxThreads, Environment.ProcessorCount);
        double gflops = c.Flops / median / 1e9;
        double peak = MachinePeak.Gflops(typeof(T), threads);
        return JsonSerializer.Serialize(new
        {
            impl = "backprop",
            @case = c.Name,
            dtype = typeof(T) == typeof(float) ? "float32" : "float64",
            m = c.M, n = c.N, k = c.K, layout = c.Layout, threads,
            seconds = median,
            gflops = Math.Round(gflops, 1),
            best_gflops = Math.Round(c.Flops / best / 1e9, 1),
            pct_peak = Math.Round(100 * gflops / peak, 1),
            // Flops per CPU-second of this process (spinning included): a per-core rate that other load on the machine
            // barely disturbs, for tuning on a shared box.
            gflops_per_cpu = Math.Round(c.Flops / cpuPerCall / 1e9, 1),
        });
    }
}
