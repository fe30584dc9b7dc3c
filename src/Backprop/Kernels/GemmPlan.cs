namespace Backprop.Kernels;

/// <summary>
/// How one product is blocked and split. What changes arithmetic — the K panels, hence each C element's summation
/// order — depends on the shape only; the thread count only changes how tiles are grouped into pieces.
/// </summary>
internal readonly struct GemmPlan
{
    /// <summary>
    /// Deepest K panel in bytes of one row of a micro-panel: 1024 floats, long enough that C is revisited rarely (1024
    /// beat 256 by 5–15% at 2048³ on the Zen 4; 128–256 were slower on the Xeon too), and 512 doubles, so a double's
    /// panels and strips take the bytes a float's do (<see cref="MaxStripBytes"/>).
    /// </summary>
    private const int KcMaxBytes = 4096;
    /// <summary>L2 share for the block of packed A that B micro-panels stream past (L2 is 1 MB on the target).</summary>
    private const int ABlockBytes = 448 << 10;
    /// <summary>
    /// Most bytes of a row one piece owns: 256 floats or 128 doubles, so its packed B strip is at most 1 MB. Float64
    /// at the float32 figures (Kc 1024, 256 columns) packed 2 MB strips, all of the Xeon's L2: Kc 512 and 128 columns
    /// ran 2048³ 1.07–1.13× and 1024³ 1.07–1.08× as fast (calls alternated, 2 threads), the training shapes 1.00–1.07×.
    /// </summary>
    private const int MaxStripBytes = 1024;
    /// <summary>
    /// Below this many flops, waking a worker costs more than it saves. The 10-class output layer's products (1–2
    /// MFLOP at batch 100) gain from the second core: with 2 MFLOP here they ran serially, and its forward and backward
    /// took 16–17 and 26–27 ms per Fashion-MNIST epoch against 11–12 and 18–21 split (3 alternated pairs; the main
    /// job's 1000-unit layer 44–45 and 54–57 against 34–37 and 31–34; GEMM command, 100 × 500 × 10 fwd / dx / dW
    /// 45 / 56 / 52 → 65 / 83 / 92 GFLOP/s, 2 rounds).
    /// </summary>
    private const long ParallelFlops = 1L << 19;
    /// <summary>
    /// Products this shallow sweep C by rows (a weight gradient's K is the batch): each tile is short work, and
    /// column strips would store C down the columns, lines shared between neighbouring strips fetched twice.
    /// </summary>
    internal static int RowSweepMaxK = 256;

    /// <summary>K is summed in KPanels panels of depth Kc (the last may be shorter), in order; with <see cref="SplitK"/>, each half in its own (<see cref="KPanelsOf"/>).</summary>
    public int KPanels { get; }
    /// <summary>Deepest K panel in values (<see cref="KcMaxBytes"/>).</summary>
    private int KcMax { get; }
    public int Kc { get; }
    /// <summary>MR-row micro-panels of op(A) and NR-column micro-panels of op(B), the last ones zero-padded.</summary>
    public int MPanels { get; }
    public int NPanels { get; }
    /// <summary>A micro-panels swept per B micro-panel while they stay in L2.</summary>
    public int RowPanelsPerBlock { get; }
    /// <summary>Compute pieces: Strips column strips × RowBlocks row blocks (rows split only when columns are too few).</summary>
    public int Strips { get; }
    public int RowBlocks { get; }
    /// <summary>Pieces sweep whole rows of tiles (<see cref="RowSweepMaxK"/>, or a sink).</summary>
    public bool RowSweep { get; }
    /// <summary>Pieces of the A-packing phase.</summary>
    public int PackPieces { get; }
    /// <summary>Too little work to split over threads: run every piece on the calling thread.</summary>
    public bool Serial { get; }

    public int ComputePieces => SplitK ? 2 * Strips : Strips * RowBlocks;

    /// <summary>
    /// Where K is cut in two when the product is computed as two halves (<see cref="SplitK"/>), else 0: at the
    /// boundary between the two row blocks a row-swept product of m = this K rows splits into, so a weight matrix W
    /// is read here by the rows its update in backward (dW = Xᵀ·dout, rows split over the threads) writes.
    /// </summary>
    public int KSplit { get; }

    /// <summary>
    /// C = (op(A)·op(B) over K below <see cref="KSplit"/>) + (the same over the rest): each half computed by its own
    /// pieces (<see cref="Strips"/> column strips of it) into its own scratch, then the two added. Chosen by shape and
    /// layout alone (few rows, deep K, neither operand transposed: the forward product X·W of a layer), so both halves
    /// are summed in this order on any thread count.
    /// </summary>
    public bool SplitK => KSplit > 0;

    /// <summary>
    /// Pieces split C by rows only, so each packs its own rows' A micro-panels, at first use, on its own thread, instead
    /// of a shared packing phase before them: no packed line is written on one core and read on the other. That costs
    /// most when the host puts the two virtual CPUs on different CCDs (a cache-line round trip between them measured
    /// ~360 ns instead of ~105 ns): dW 100 × 3072 × 500 then ran 188–191 → 205–207 GFLOP/s. Column strips keep the
    /// shared phase, since each strip reads all of A: packing it per strip doubled that work, and epochs were ~1%
    /// slower while the two CPUs were close.
    /// </summary>
    public bool OwnA => SplitK || (Strips == 1 && OwnAPacking);

    /// <summary>Allows <see cref="OwnA"/> (tests turn it off to compare against the shared packing phase).</summary>
    internal static bool OwnAPacking = true;

    /// <summary>Allows reading whole A panels in place instead of packing them (tests turn it off to compare bits).</summary>
    internal static bool InPlaceA = true;

    /// <summary>Allows reading whole B panels in place instead of packing them (tests turn it off to compare bits).</summary>
    internal static bool InPlaceB = true;

    /// <summary>
    /// Allows packing all of a piece's B micro-panels of a K panel at once, row by row of B (<see cref="GemmPacking.PackBRows{T}"/>),
    /// instead of each just before its own first sweep (tests turn it off to compare bits).
    /// </summary>
    internal static bool PackBByRows = true;

    /// <summary>
    /// True when rows <paramref name="n"/> values apart fall in many different cache sets: the row stride in bytes is not
    /// a multiple of 128, so a panel's kc rows read in place do not evict each other (a stride of 4 KB, as n = 1024
    /// floats, would put them all in one L1 set). Packing exists for the other strides.
    /// </summary>
    public static bool SpreadsOverSets(int n, int elementSize) => (long)n * elementSize % 128 != 0;

    /// <summary>
    /// Fewest A micro-panels over which packing a B whose rows straddle cache lines pays for the copy (each packed
    /// panel is read once per A panel). Xeon, n = 500, K = 500, packed against in place, calls alternated, two rounds:
    /// M = 12 −35%, 24 −19%, 48 −7%, 64 +5–6%, 80 +8–9%, 96 −2%, 100 +11%, 128 +13%; the 10-class weight gradient,
    /// computed as a 10-row product, −21–24%.
    /// </summary>
    public const int PackStraddlingBFromPanels = 10;

    /// <summary>
    /// The plan for C (m×n) (+)= op(A)·op(B) on a mr×nr micro-kernel. With <c>rowSweep</c>, C is split by rows only,
    /// each piece sweeping whole rows of tiles (all of N per A micro-panel): C, or the other row-major arrays an
    /// epilogue streams along it (<see cref="IGemmTileSink{T}"/>), walked in address order. Its packed B is all of N at
    /// depth Kc, so it is meant for short K (<see cref="RowSweepMaxK"/>; a weight gradient's K is the batch).
    /// </summary>
    /// <remarks>A split product's K is cut at a multiple of <paramref name="kSplitRows"/> (default <paramref name="mr"/>): the row panels of the weight gradient's kernel.</remarks>
    public GemmPlan(int m, int n, int k, int mr, int nr, int elementSize, int threads, bool rowSweep = false, bool splitK = false, int kSplitRows = 0)
    {
        KcMax = KcMaxBytes / elementSize;
        KPanels = (k + KcMax - 1) / KcMax;
        Kc = (k + KPanels - 1) / KPanels; // equal panels: K = 1100 gives 550 + 550, not 1024 + 76
        MPanels = (m + mr - 1) / mr;
        NPanels = (n + nr - 1) / nr;
        RowPanelsPerBlock = Math.Max(1, ABlockBytes / (mr * Kc * elementSize));

        bool enoughWork = 2L * m * n * k >= ParallelFlops;
        if (splitK && enoughWork && m <= RowSweepMaxK && k > RowSweepMaxK)
        {
            KSplit = RowSplit(k, kSplitRows > 0 ? kSplitRows : mr);
            KPanels = 0;
            Kc = Math.Max(KPanelsOf(0, k).Kc, KPanelsOf(1, k).Kc); // the deeper panels' depth, for scratch sizes
            RowPanelsPerBlock = Math.Max(1, ABlockBytes / (mr * Kc * elementSize));
            // Each half over all of C on two threads; on more, each half's C in column strips (threads beyond the
            // first two would otherwise sit out).
            Strips = Math.Max(1, Math.Min(NPanels, threads / 2));
            RowBlocks = 1;
            PackPieces = 1;
            Serial = threads <= 1;
            return;
        }
        Serial = threads <= 1 || !enoughWork;
        if (Serial) threads = 1;
        PackPieces = threads > 1 && (long)m * k >= 16_384 ? Math.Min(KPanels * MPanels, 2 * threads) : 1;
        if (rowSweep)
        {
            RowSweep = true;
            Strips = 1;
            RowBlocks = Math.Min(MPanels, threads);
            RowPanelsPerBlock = MPanels;
            return;
        }
        int maxStripPanels = Math.Max(1, MaxStripBytes / elementSize / nr);
        int strips = (NPanels + maxStripPanels - 1) / maxStripPanels;
        strips = strips < threads ? Math.Min(NPanels, threads) : Math.Min(NPanels, RoundUp(strips, threads));
        Strips = strips;
        RowBlocks = strips < threads ? Math.Min(MPanels, (threads + strips - 1) / strips) : 1;
    }

    /// <summary>The K range [begin, end) of K half <paramref name="half"/> (all of K unless <see cref="SplitK"/>), summed in panels of equal depth kc.</summary>
    public (int Begin, int End, int Panels, int Kc) KPanelsOf(int half, int k)
    {
        if (!SplitK) return (0, k, KPanels, Kc);
        int begin = half == 0 ? 0 : KSplit, end = half == 0 ? KSplit : k;
        int panels = (end - begin + KcMax - 1) / KcMax;
        return (begin, end, panels, (end - begin + panels - 1) / panels);
    }

    /// <summary>Where two row blocks of MR-row panels split <paramref name="rows"/> rows (a row-swept product on two threads).</summary>
    public static int RowSplit(int rows, int mr) => Parallelism.SplitStart((rows + mr - 1) / mr, 2, 1) * mr;

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;
}
