namespace Backprop.Kernels;

/// <summary>
/// How one product is blocked and split. What changes arithmetic — the K panels, hence each C element's summation
/// order — depends on the shape only; the thread count only changes how tiles are grouped into pieces.
/// </summary>
internal readonly struct GemmPlan
{
    /// <summary>Bytes of one packed A row-of-K: K panels are ≈1024 float / 512 double deep.</summary>
    private static readonly int KcBytes = Env("GEMM_KCB", 4096);
    /// <summary>L2 share for the block of packed A that B micro-panels stream past (L2 is 1 MB on the target).</summary>
    private static readonly int ABlockBytes = Env("GEMM_AB", 448) << 10;
    /// <summary>Most columns one piece owns; its packed B strip then stays about 1 MB.</summary>
    private static readonly int MaxStripColumns = Env("GEMM_NB", 256);
    /// <summary>Below this many flops, waking a worker costs more than it saves.</summary>
    private const long ParallelFlops = 2L << 20;
    private static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) ? v : fallback;

    public int KPanels { get; }
    public int Kc { get; }
    public int MPanels { get; }
    public int NPanels { get; }
    public int RowPanelsPerBlock { get; }
    public int Strips { get; }
    public int RowBlocks { get; }
    public int PackPieces { get; }
    /// <summary>Too little work to split over threads: run every piece on the calling thread.</summary>
    public bool Serial { get; }

    public int ComputePieces => Strips * RowBlocks;

    public GemmPlan(int m, int n, int k, int mr, int nr, int elementSize, int threads)
    {
        int kcMax = KcBytes / elementSize;
        KPanels = (k + kcMax - 1) / kcMax;
        Kc = (k + KPanels - 1) / KPanels; // equal panels: K = 1100 gives 550 + 550, not 1024 + 76
        MPanels = (m + mr - 1) / mr;
        NPanels = (n + nr - 1) / nr;
        RowPanelsPerBlock = Math.Max(1, ABlockBytes / (mr * Kc * elementSize));

        Serial = threads <= 1 || 2L * m * n * k < ParallelFlops;
        if (Serial) threads = 1;
        int maxStripPanels = Math.Max(1, MaxStripColumns / nr);
        int strips = (NPanels + maxStripPanels - 1) / maxStripPanels;
        strips = strips < threads ? Math.Min(NPanels, threads) : Math.Min(NPanels, RoundUp(strips, threads));
        Strips = strips;
        RowBlocks = strips < threads ? Math.Min(MPanels, (threads + strips - 1) / strips) : 1;

        int packUnits = KPanels * MPanels;
        PackPieces = threads > 1 && (long)m * k >= 16_384 ? Math.Min(packUnits, 2 * threads) : 1;
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>Start of part <paramref name="index"/> when <paramref name="total"/> items are split in <paramref name="parts"/> near-equal runs.</summary>
    public static int SplitStart(int total, int parts, int index) => (int)((long)total * index / parts);
}
