using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Bench;

/// <summary>
/// The <c>gemm</c> command: times every <see cref="GemmCase"/> for float and double and prints one JSON object per
/// line: {"impl","case","dtype","m","n","k","layout","threads","seconds","gflops","best_gflops","pct_peak","peak_gflops",
/// "pct_peak_start","gflops_per_cpu"}: pct_peak against the FMA loop read just before and after the case's timed calls
/// (peak_gflops), pct_peak_start against the one read at the start (the suite's, or this process's first).
/// With <c>--ab SWITCH</c>, it times one of the driver's choices against its opposite instead, call by call in one
/// process (see <see cref="Switches"/>).
/// </summary>
/// <remarks>
/// Operands are allocated as the library allocates its arrays (<see cref="NDArray{T}"/>: large ones start on a cache
/// line), since the driver reads a B whose rows start on lines in place.
/// </remarks>
public static class GemmRunner
{
    private const string Usage = """
        usage: Backprop.Bench gemm [--case NAME] [--dtype float32|float64] [--threads N] [--seconds S] [--ab SWITCH]
          --case     cases whose name contains NAME (square-1024, fwd-100x500x500, dW-, ...; default: all)
          --threads  kernel threads (default: $BACKPROP_THREADS, else one per CPU)
          --seconds  timed seconds per case (1)
          --ab       time one of the driver's choices against its opposite, call by call
        """;

    public static int Run(string[] args)
    {
        var o = new BenchArgs("gemm", args, ["--case", "--dtype", "--threads", "--seconds", "--ab"]);
        if (o.Help) { Console.WriteLine(Usage); return 0; }
        string? filter = o.Get("--case");
        double seconds = o.Double("--seconds", 1);
        if (o.Get("--threads") is not null) Parallelism.MaxThreads = o.Int("--threads", 0, 1, Parallelism.MaxThreadCount);
        string? dtype = o.Get("--dtype") is null ? null : o.Choice("--dtype", "", ["float32", "float64"]);
        string? ab = o.Get("--ab") is null ? null : o.Choice("--ab", "", [.. Switches.Keys]);
        var cases = GemmCase.All.Where(c => filter is null || c.Name.Contains(filter, StringComparison.Ordinal)).ToList();
        if (cases.Count == 0)
            throw new UsageException($"gemm: no case's name contains '{filter}'; the cases: {string.Join(", ", GemmCase.All.Select(c => c.Name))}.");
        foreach (var c in cases)
        {
            if (dtype is null or "float32") Console.WriteLine(ab is null ? Time<float>(c, seconds) : Alternate<float>(c, seconds, ab));
            if (dtype is null or "float64") Console.WriteLine(ab is null ? Time<double>(c, seconds) : Alternate<double>(c, seconds, ab));
        }
        return 0;
    }

    /// <summary>
    /// The driver's choices <c>--ab</c> can turn off, each the switch the tests use to compare bits: on is the
    /// library's own behaviour, off the alternative (the same bits either way).
    /// </summary>
    private static readonly Dictionary<string, Action<bool>> Switches = new()
    {
        ["in-place-a"] = on => GemmPlan.InPlaceA = on,   // off: every A panel packed
        ["in-place-b"] = on => GemmPlan.InPlaceB = on,   // off: every B panel packed
        ["own-a"] = on => GemmPlan.OwnAPacking = on,     // off: row-split pieces use the shared packing phase
        ["five-row-tiles"] = on => Gemm.FiveRowTiles = on, // off: six-row tiles everywhere
        ["pack-b-by-rows"] = on => GemmPlan.PackBByRows = on, // off: each B micro-panel packed just before its first sweep
    };

    /// <summary>
    /// Switch <paramref name="name"/> on and off call by call for about <paramref name="budget"/> seconds after warm-up,
    /// so both see the same minute of a shared host: {"impl","case","dtype","m","n","k","layout","threads","switch",
    /// "calls","gflops_on","gflops_off","on_over_off"} (the last: median time off over median time on, above 1 when
    /// the library's choice is faster).
    /// </summary>
    private static string Alternate<T>(GemmCase c, double budget, string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var set = Switches[name];
        var (a, b, cm) = Operands<T>(c);
        void Call() => Gemm.Multiply<T>(a.AsSpan(), b.AsSpan(), cm.AsSpan(), c.M, c.N, c.K, c.TransA, c.TransB);
        var on = new List<double>();
        var off = new List<double>();
        try
        {
            for (int w = 0; w < 3; w++) { set(true); Call(); set(false); Call(); }
            var total = Stopwatch.StartNew();
            while (on.Count < 5 || (total.Elapsed.TotalSeconds < budget && on.Count < 100_000))
            {
                set(true);
                long t0 = Stopwatch.GetTimestamp();
                Call();
                on.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
                set(false);
                t0 = Stopwatch.GetTimestamp();
                Call();
                off.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        }
        finally
        {
            set(true);
        }
        on.Sort();
        off.Sort();
        double medianOn = on[on.Count / 2], medianOff = off[off.Count / 2];
        return JsonSerializer.Serialize(new
        {
            impl = "backprop",
            @case = c.Name,
            dtype = typeof(T) == typeof(float) ? "float32" : "float64",
            m = c.M, n = c.N, k = c.K, layout = c.Layout,
            threads = Math.Min(Parallelism.MaxThreads, Environment.ProcessorCount),
            @switch = name,
            calls = on.Count,
            gflops_on = Math.Round(c.Flops / medianOn / 1e9, 1),
            gflops_off = Math.Round(c.Flops / medianOff / 1e9, 1),
            on_over_off = Math.Round(medianOff / medianOn, 3),
        });
    }

    /// <summary>A, B and C of a case, filled with the same pseudo-random values every run.</summary>
    private static (NDArray<T> A, NDArray<T> B, NDArray<T> C) Operands<T>(GemmCase c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(42);
        var a = NDArray<T>.Zeros(c.M * c.K);
        var b = NDArray<T>.Zeros(c.K * c.N);
        var span = a.AsSpan();
        for (int i = 0; i < span.Length; i++) span[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        span = b.AsSpan();
        for (int i = 0; i < span.Length; i++) span[i] = T.CreateTruncating(rng.NextDouble() - 0.5);
        return (a, b, NDArray<T>.Zeros(c.M * c.N));
    }

    /// <summary>Median time per call over repeated calls for about <paramref name="budget"/> seconds, after warm-up.</summary>
    private static string Time<T>(GemmCase c, double budget) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, b, cm) = Operands<T>(c);
        void Call() => Gemm.Multiply<T>(a.AsSpan(), b.AsSpan(), cm.AsSpan(), c.M, c.N, c.K, c.TransA, c.TransB);
        var warm = Stopwatch.StartNew();
        int warmCalls = 0;
        while (warmCalls < 3 || warm.Elapsed.TotalSeconds < Math.Min(0.3, budget / 3)) { Call(); warmCalls++; }

        var times = new List<double>();
        double loopBefore = MachinePeak.MeasureNow();
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
        double loopAfter = MachinePeak.MeasureNow();
        double cpuPerCall = (process.TotalProcessorTime - cpu0).TotalSeconds / times.Count;
        times.Sort();
        double median = times[times.Count / 2], best = times[0];
        int threads = Math.Min(Parallelism.MaxThreads, Environment.ProcessorCount);
        double gflops = c.Flops / median / 1e9;
        // The loop read just before and after the timed calls: the clock they ran at (see MachinePeak.MeasureNow).
        double peak = MachinePeak.Gflops((loopBefore + loopAfter) / 2, typeof(T), threads);
        double startPeak = MachinePeak.Gflops(typeof(T), threads);
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
            peak_gflops = Math.Round(peak, 1),
            pct_peak_start = Math.Round(100 * gflops / startPeak, 1),
            // Flops per CPU-second of this process (spinning included): a per-core rate that other load on the machine
            // barely disturbs, for tuning on a shared box.
            gflops_per_cpu = Math.Round(c.Flops / cpuPerCall / 1e9, 1),
        });
    }
}
