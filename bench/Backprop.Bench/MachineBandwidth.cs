using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Bench;

/// <summary>
/// The machine's memory read bandwidth now, read off a streaming sum split over every logical CPU (of 512 MiB, or of
/// 4 × the last-level cache when that is more: 1.2 GiB on the Xeon's 300 MiB L3, which 512 MiB barely passed): what
/// the element-wise kernels' GB/s are set against next to the nominal 80 GB/s (hosts differ, as their cores do).
/// </summary>
/// <remarks>
/// A floor more than a ceiling: on the Zen 4 host it read 33-58 GB/s from one run to the next (other tenants share the
/// memory), and ReLU backward, reading two arrays and streaming a third past the cache, moved up to 78 GB/s in the
/// same hour. Four address streams per CPU instead of one measured the same.
/// </remarks>
public static class MachineBandwidth
{
    /// <summary>Set by the suite for its child processes, so every figure of one run shares one denominator.</summary>
    public const string EnvironmentVariable = "BACKPROP_BENCH_READ_GBPS";

    private static double? _gbps;

    /// <summary>GB/s: from the environment when the suite set it, else measured once.</summary>
    public static double ReadGBps()
    {
        _gbps ??= MachinePeak.FromEnvironment(EnvironmentVariable, "GB/s") ?? Measure();
        return _gbps.Value;
    }

    /// <summary>Best of ten passes after one untimed pass (threads started, code compiled); GB/s over all CPUs.</summary>
    public static unsafe double Measure()
    {
        long bytes = ReadBytes(LastLevelCache.Read().Bytes, ProcStats.MemTotalBytes());
        int cpus = Environment.ProcessorCount;
        float* data = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        try
        {
            long count = bytes / sizeof(float), share = count / cpus / 128 * 128;
            NativeMemory.Clear(data, (nuint)bytes);
            double best = 0;
            for (int pass = 0; pass < 11; pass++)
            {
                var sw = Stopwatch.StartNew();
                MachinePeak.OnEveryCpu(i => Sum(data + i * share, share));
                double seconds = sw.Elapsed.TotalSeconds;
                if (pass > 0) best = Math.Max(best, share * cpus * sizeof(float) / seconds / 1e9);
            }
            return best;
        }
        finally { NativeMemory.AlignedFree(data); }
    }

    /// <summary>
    /// Bytes the streaming sum reads: 512 MiB or 4 × the cache, whichever is more, but at most an eighth of the memory
    /// (<paramref name="memoryBytes"/>; 0: no cap); a multiple of 64 KiB.
    /// </summary>
    public static long ReadBytes(long cacheBytes, long memoryBytes)
    {
        long bytes = Math.Max(512L << 20, 4 * cacheBytes);
        if (memoryBytes > 0) bytes = Math.Min(bytes, memoryBytes / 8);
        return Math.Max(1L << 16, bytes >> 16 << 16);
    }

    /// <summary>Eight accumulators, two cache lines per trip: the loads' latency hidden, one address stream per CPU.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe float Sum(float* p, long count)
    {
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (long i = 0; i + 128 <= count; i += 128)
        {
            s0 += Vector512.LoadAligned(p + i); s1 += Vector512.LoadAligned(p + i + 16);
            s2 += Vector512.LoadAligned(p + i + 32); s3 += Vector512.LoadAligned(p + i + 48);
            s4 += Vector512.LoadAligned(p + i + 64); s5 += Vector512.LoadAligned(p + i + 80);
            s6 += Vector512.LoadAligned(p + i + 96); s7 += Vector512.LoadAligned(p + i + 112);
        }
        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }
}
