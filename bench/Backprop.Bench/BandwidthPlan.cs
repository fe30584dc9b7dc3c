using System.Globalization;

namespace Backprop.Bench;

/// <summary>
/// The (rows × cols) float32 arrays the <c>bandwidth</c> command times its kernels on, and how they compare with the
/// last-level cache. By default they are sized from the cache (<see cref="Choose"/>): 4096² arrays (64 MiB) fit in the
/// Xeon's 300 MiB L3, where ReLU forward ran at 35.2 GB/s on one thread against 20.1 at 8192².
/// </summary>
/// <param name="Rows">Rows of every array.</param>
/// <param name="Cols">Columns of every array.</param>
/// <param name="Cache">The last-level cache the plan was made against.</param>
/// <param name="CappedByMemory">Whether the machine's memory kept the arrays below the size the cache asked for.</param>
/// <param name="CappedBySize">Whether the 32768-side limit (4 GiB per array) kept them below it.</param>
public sealed record BandwidthPlan(int Rows, int Cols, LastLevelCache Cache, bool CappedByMemory = false, bool CappedBySize = false)
{
    /// <summary>How many times the cache the arrays a kernel touches together must hold, at the least.</summary>
    public const int FootprintOverCache = 4;

    /// <summary>The fewest arrays a kernel touches together (ReLU forward and softmax: one read, one written).</summary>
    public const int FewestArrays = 2;

    /// <summary>
    /// Most arrays of this size the command holds at once (x, dout, and the workspace's slots for outputs and x̂), for
    /// the memory cap.
    /// </summary>
    public const int ArraysHeld = 6;

    /// <summary>The share of the machine's memory all the arrays together may take.</summary>
    public const double MemoryShare = 0.25;

    /// <summary>Square sides are rounded up to a multiple of this many floats (whole cache lines, even row splits).</summary>
    public const int SideStep = 256;

    /// <summary>Bytes of one array.</summary>
    public long ArrayBytes => (long)Rows * Cols * sizeof(float);

    /// <summary>Bytes a kernel touching <paramref name="arrays"/> arrays touches together, over the cache's size.</summary>
    public double FootprintOverLlc(int arrays) => (double)arrays * ArrayBytes / Cache.Bytes;

    /// <summary>
    /// "past the cache" when even the smallest kernel's arrays are <see cref="FootprintOverCache"/> times the cache,
    /// "cache-resident" when they fit in it, else "partly cache-resident".
    /// </summary>
    public string Residency => FootprintOverLlc(FewestArrays) >= FootprintOverCache ? "past the cache"
        : FootprintOverLlc(FewestArrays) <= 1 ? "cache-resident" : "partly cache-resident";

    /// <summary>
    /// Square arrays whose smallest kernel's footprint (<see cref="FewestArrays"/> of them) is at least
    /// <see cref="FootprintOverCache"/> × the cache, unless <see cref="ArraysHeld"/> of them would take more than
    /// <see cref="MemoryShare"/> of <paramref name="memoryBytes"/> (then as large as that allows; 0: no cap).
    /// </summary>
    public static BandwidthPlan Choose(LastLevelCache cache, long memoryBytes)
    {
        double arrayBytes = (double)FootprintOverCache * cache.Bytes / FewestArrays;
        bool capped = false;
        if (memoryBytes > 0 && arrayBytes * ArraysHeld > MemoryShare * memoryBytes)
        {
            arrayBytes = MemoryShare * memoryBytes / ArraysHeld;
            capped = true;
        }
        long side = (long)Math.Ceiling(Math.Sqrt(arrayBytes / sizeof(float)) / SideStep) * SideStep;
        if (capped) side = Math.Max(SideStep, (long)Math.Floor(Math.Sqrt(arrayBytes / sizeof(float)) / SideStep) * SideStep);
        int s = (int)Math.Min(side, 32768); // 4 GiB per array: NDArray's int-sized index stays far off
        return new BandwidthPlan(s, s, cache, capped, CappedBySize: s < side);
    }

    /// <summary>The plan as JSON fields (the command's <c>--plan</c> line and every kernel's line).</summary>
    public Dictionary<string, object> Fields() => new()
    {
        ["rows"] = Rows, ["cols"] = Cols, ["array_bytes"] = ArrayBytes,
        ["llc_bytes"] = Cache.Bytes, ["llc_level"] = Cache.Level, ["llc_source"] = Cache.Source,
        ["smallest_footprint_over_llc"] = Math.Round(FootprintOverLlc(FewestArrays), 2), ["residency"] = Residency,
        ["capped_by_memory"] = CappedByMemory,
        ["capped_by_size"] = CappedBySize,
    };

    /// <summary>"12544 × 12544 float32 (600 MiB per array; a 2-array kernel touches 4.0 × the 300 MiB L3 (sysfs): past the cache)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Rows} × {Cols} float32 ({ArrayBytes / (double)(1 << 20):0.#} MiB per array; a {FewestArrays}-array kernel touches {FootprintOverLlc(FewestArrays):0.0#} × the {Cache}: {Residency}{(CappedByMemory ? ", capped by the machine's memory" : "")}{(CappedBySize ? ", capped at 32768 × 32768 (4 GiB an array)" : "")})");
}
