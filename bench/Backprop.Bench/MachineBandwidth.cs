using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Bench;

/// <summary>
/// The machine's memory read bandwidth now, read off a streaming sum of 512 MiB split over every logical CPU: what the
/// element-wise kernels' GB/s are set against next to the nominal 80 GB/s (hosts differ, as their cores do).
/// </summary>
public static class MachineBandwidth
{
    /// <summary>Set by the suite for its child processes, so every figure of one run shares one denominator.</summary>
    public const string EnvironmentVariable = "BACKPROP_BENCH_READ_GBPS";

    private static double? _gbps;

    /// <summary>GB/s: from the environment when the suite set it, else measured once.</summary>
    public static double ReadGBps()
    {
        if (_gbps is { } known) return known;
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } s)
        {
            if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v > 0))
                throw new InvalidOperationException($"{EnvironmentVariable}={s}: expected a positive number of GB/s.");
            return (_gbps = v).Value;
        }
        return (_gbps = Measure()).Value;
    }

    /// <summary>Best of five passes after one untimed pass that faults the pages in; GB/s over all CPUs.</summary>
    public static unsafe double Measure()
    {
        const long Bytes = 512L << 20;
        int cpus = Environment.ProcessorCount;
        float* data = (float*)NativeMemory.AlignedAlloc((nuint)Bytes, 64);
        try
        {
            long count = Bytes / sizeof(float), share = count / cpus / 64 * 64;
            NativeMemory.Clear(data, (nuint)Bytes);
            double best = 0;
            for (int pass = 0; pass < 6; pass++)
            {
                var sums = new float[cpus];
                var threads = Enumerable.Range(0, cpus).Select(i => new Thread(() => sums[i] = Sum(data + i * share, share))).ToList();
                var sw = Stopwatch.StartNew();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                double seconds = sw.Elapsed.TotalSeconds;
                if (pass > 0) best = Math.Max(best, share * cpus * sizeof(float) / seconds / 1e9);
            }
            return best;
        }
        finally { NativeMemory.AlignedFree(data); }
    }

    /// <summary>Sums four quarters of the range side by side: one stream per core leaves the memory system idle between
    /// a core's misses (a single-stream sum read ~47 GB/s on the Zen 4 host where ReLU backward's three streams moved 78).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Sum(float* p, long count)
    {
        long quarter = count / 4 / 16 * 16;
        float* p0 = p, p1 = p + quarter, p2 = p + 2 * quarter, p3 = p + 3 * quarter;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (long i = 0; i < quarter; i += 16)
        {
            s0 += Vector512.LoadAligned(p0 + i);
            s1 += Vector512.LoadAligned(p1 + i);
            s2 += Vector512.LoadAligned(p2 + i);
            s3 += Vector512.LoadAligned(p3 + i);
        }
        return Vector512.Sum(s0 + s1 + s2 + s3);
    }
}
