using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Kernels;

/// <summary>One product in flight: pinned operands, the packed A and the plan, shared by all pieces.</summary>
internal readonly unsafe struct GemmCall<T> where T : unmanaged
{
    public T* A { get; init; }
    public T* B { get; init; }
    public T* C { get; init; }
    public T* PackedA { get; init; }
    public int M { get; init; }
    public int N { get; init; }
    public int K { get; init; }
    public bool TransA { get; init; }
    public bool TransB { get; init; }
    public bool Accumulate { get; init; }
    /// <summary>The product computed is Cᵀ: tile element (i, j) goes to C[j·M + i].</summary>
    public bool TransposedC { get; init; }
    public GemmPlan Plan { get; init; }
    /// <summary>When set, receives each finished tile instead of C (C then only holds partial sums of earlier K panels).</summary>
    public IGemmTileSink<T>? Sink { get; init; }
}

/// <summary>
/// Blocked GEMM around a micro-kernel (GotoBLAS/BLIS loops). Phase 1 packs all of op(A) once, K panel by K panel, into
/// MR-row micro-panels shared by every piece (unless pieces split rows only: then each packs its own,
/// <see cref="GemmPlan.OwnA"/>). Phase 2 gives each piece a strip of C columns (× a block of rows when
/// there are few columns); for each K panel in order it sweeps its tiles an L2-sized block of A rows at a time, packing
/// each B micro-panel of its strip just before first use. Shallow products (and those with a sink) instead give each
/// piece a block of row panels, each swept across all of N (<see cref="GemmPlan.RowSweep"/>).
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TKernel : IGemmMicroKernel<T>
{
    private static readonly ForBody<GemmCall<T>> PackABody = PackAPiece;
    private static readonly ForBody<GemmCall<T>> ComputeBody = ComputePiece;

    /// <summary>
    /// C (m×n, row-major) (+)= op(A)·op(B); pointers pinned by the caller, sizes already checked. With
    /// <paramref name="transposedC"/>, C is stored (n×m) and receives the product transposed.
    /// </summary>
    /// <remarks>
    /// With a <paramref name="sink"/> (not with <paramref name="accumulate"/> or <paramref name="transposedC"/>), each
    /// finished tile goes to the sink instead of C; C is only written when K spans several panels (partial sums).
    /// </remarks>
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate,
        bool transposedC = false, IGemmTileSink<T>? sink = null)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) new Span<T>(c, m * n).Clear();
            if (sink is not null) sink.Take(c, n, 0, 0, m, n);
            return;
        }
        bool rowSweep = sink is not null || (!transposedC && k <= GemmPlan.RowSweepMaxK);
        var plan = new GemmPlan(m, n, k, TKernel.MR, TKernel.NR, sizeof(T), Parallelism.MaxThreads, rowSweep);
        var call = new GemmCall<T>
        {
            A = a, B = b, C = c, M = m, N = n, K = k,
            TransA = transA, TransB = transB, Accumulate = accumulate, TransposedC = transposedC, Plan = plan, Sink = sink,
            PackedA = plan.OwnA ? null : GemmScratch<T>.ForA((nint)plan.KPanels * plan.MPanels * PanelLength(plan.Kc)),
        };
        if (plan.Serial)
        {
            // Too small to repay waking a worker: same pieces, in order, on this thread.
            if (!plan.OwnA) for (int piece = 0; piece < plan.PackPieces; piece++) PackAPiece(piece, in call);
            for (int piece = 0; piece < plan.ComputePieces; piece++) ComputePiece(piece, in call);
            return;
        }
        if (!plan.OwnA) Parallelism.For(plan.PackPieces, in call, PackABody);
        Parallelism.For(plan.ComputePieces, in call, ComputeBody);
    }

    /// <summary>Packed A of K panel starting at <paramref name="p0"/>, micro-panel <paramref name="ir"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* PackedAPanel(in GemmCall<T> s, int p0, int kc, int ir) =>
        s.PackedA + (nint)(p0 / s.Plan.Kc) * s.Plan.MPanels * PanelLength(s.Plan.Kc) + (nint)ir * PanelLength(kc);

    /// <summary>Values of one packed A micro-panel of depth kc, slack included.</summary>
    private static nint PanelLength(int kc) => (nint)TKernel.MR * kc + GemmPacking.PanelSlackBytes / sizeof(T);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAPiece(int piece, in GemmCall<T> s)
    {
        var plan = s.Plan;
        int units = plan.KPanels * plan.MPanels;
        int end = GemmPlan.SplitStart(units, plan.PackPieces, piece + 1);
        for (int u = GemmPlan.SplitStart(units, plan.PackPieces, piece); u < end; u++)
        {
            int pc = u / plan.MPanels, ir = u % plan.MPanels;
            int p0 = pc * plan.Kc, kc = Math.Min(plan.Kc, s.K - p0);
            GemmPacking.PackA(s.A, s.M, s.K, s.TransA, ir * TKernel.MR, p0, kc, TKernel.MR, PackedAPanel(s, p0, kc, ir));
        }
    }

    /// <summary>
    /// Fetches the next C tile while this one is computed: with a short K (dW = Xᵀ·dout has K = batch) the tile's
    /// stores would otherwise wait on memory for every line of a C that is larger than the caches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(T* tile, int ldc, int mr, int nr)
    {
        int lines = nr * sizeof(T) / 64 + 1;
        for (int r = 0; r < mr; r++)
        for (int l = 0; l < lines; l++) Simd.Prefetch((byte*)(tile + (nint)r * ldc) + 64 * l);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputePiece(int piece, in GemmCall<T> s)
    {
        var plan = s.Plan;
        int mr = TKernel.MR, nr = TKernel.NR, n = s.N;
        int strip = piece % plan.Strips, rowBlock = piece / plan.Strips;
        int jStart = GemmPlan.SplitStart(plan.NPanels, plan.Strips, strip);
        int jEnd = GemmPlan.SplitStart(plan.NPanels, plan.Strips, strip + 1);
        int iStart = GemmPlan.SplitStart(plan.MPanels, plan.RowBlocks, rowBlock);
        int iEnd = GemmPlan.SplitStart(plan.MPanels, plan.RowBlocks, rowBlock + 1);
        T* packedB = GemmScratch<T>.ForB((nint)(jEnd - jStart) * plan.Kc * nr);
        T* edge = stackalloc T[mr * nr];
        T* ownA = plan.OwnA ? GemmScratch<T>.ForOwnA((nint)(iEnd - iStart) * PanelLength(plan.Kc)) : null;

        for (int pc = 0; pc < plan.KPanels; pc++)
        {
            int p0 = pc * plan.Kc, kc = Math.Min(plan.Kc, s.K - p0);
            bool add = s.Accumulate || pc > 0;
            if (plan.RowSweep && (s.Sink is null || pc == plan.KPanels - 1))
            {
                SweepRows(in s, p0, kc, add, iStart, iEnd, packedB, edge, ownA);
                continue;
            }
            for (int iBlock = iStart; iBlock < iEnd; iBlock += plan.RowPanelsPerBlock)
            {
                int iBlockEnd = Math.Min(iEnd, iBlock + plan.RowPanelsPerBlock);
                for (int jr = jStart; jr < jEnd; jr++)
                {
                    int j0 = jr * nr;
                    T* bPanel = packedB + (nint)(jr - jStart) * kc * nr;
                    // Pack each B micro-panel just before its first sweep, so it is still in L2 when the kernels read it.
                    if (iBlock == iStart) GemmPacking.PackB(s.B, n, s.K, s.TransB, j0, p0, kc, nr, bPanel);
                    for (int ir = iBlock; ir < iBlockEnd; ir++)
                    {
                        int i0 = ir * mr;
                        T* aPanel = ownA is null ? PackedAPanel(s, p0, kc, ir) : ownA + (nint)(ir - iStart) * PanelLength(kc);
                        if (ownA is not null && jr == jStart) GemmPacking.PackA(s.A, s.M, s.K, s.TransA, i0, p0, kc, mr, aPanel);
                        if (s.TransposedC)
                        {
                            TKernel.Run(aPanel, mr, bPanel, nr, kc, edge, nr, add: false);
                            MergeEdgeTransposed(edge, nr, s.C + (nint)j0 * s.M + i0, s.M, Math.Min(mr, s.M - i0), Math.Min(nr, n - j0), add);
                            continue;
                        }
                        T* cTile = s.C + (nint)i0 * n + j0;
                        if (ir + 1 < iBlockEnd) PrefetchTile(cTile + (nint)mr * n, n, mr, nr);
                        if (j0 + nr <= n && i0 + mr <= s.M)
                        {
                            TKernel.Run(aPanel, mr, bPanel, nr, kc, cTile, n, add);
                        }
                        else
                        {
                            TKernel.Run(aPanel, mr, bPanel, nr, kc, edge, nr, add: false);
                            MergeEdge(edge, nr, cTile, n, Math.Min(mr, s.M - i0), Math.Min(nr, n - j0), add);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A K panel row panel by row panel, each across all of N, so C (or the sink's own row-major arrays) is walked in
    /// address order; every B micro-panel is packed on the first row panel. With a sink, this is the last K panel and
    /// each finished tile goes to the sink (completed with the earlier panels' sums held in C).
    /// </summary>
    /// <remarks>
    /// A transposed A (stored k×m: a weight gradient's Xᵀ) already holds a micro-panel's MR values of each step side by
    /// side, one row of the stored A apart, so whole panels are read in place instead of copied (their kc ≤ 256 lines
    /// stay in L1 across the row's tiles); edge panels are still packed, with their zero padding. The kernel reads the
    /// same values in the same order, so the bits are the packed path's. GEMM command, 3 alternated rounds: dW
    /// 100 × 3072 × 500 float32 192–207 → 212–215 GFLOP/s, dW 100 × 500 × 500 188–205 → 211; Fashion-MNIST epochs,
    /// 4 pairs: each layer's backward 10–15 ms per epoch faster, 4 of 4.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SweepRows(in GemmCall<T> s, int p0, int kc, bool add, int iStart, int iEnd, T* packedB, T* edge, T* ownA)
    {
        int mr = TKernel.MR, nr = TKernel.NR, n = s.N;
        for (int ir = iStart; ir < iEnd; ir++)
        {
            int i0 = ir * mr, rows = Math.Min(mr, s.M - i0);
            T* aPanel = ownA is null ? PackedAPanel(s, p0, kc, ir) : ownA;
            nint lda = mr;
            if (ownA is not null && s.TransA && rows == mr && kc <= GemmPlan.RowSweepMaxK)
            {
                aPanel = s.A + (nint)p0 * s.M + i0;
                lda = s.M;
            }
            else if (ownA is not null)
                GemmPacking.PackA(s.A, s.M, s.K, s.TransA, i0, p0, kc, mr, aPanel);
            for (int jr = 0; jr < s.Plan.NPanels; jr++)
            {
                int j0 = jr * nr, cols = Math.Min(nr, n - j0);
                T* bPanel = packedB + (nint)jr * kc * nr;
                T* cTile = s.C + (nint)i0 * n + j0;
                if (ir == iStart) GemmPacking.PackB(s.B, n, s.K, s.TransB, j0, p0, kc, nr, bPanel);
                if (s.Sink is null && rows == mr && cols == nr)
                {
                    TKernel.Run(aPanel, lda, bPanel, nr, kc, cTile, n, add);
                    continue;
                }
                TKernel.Run(aPanel, lda, bPanel, nr, kc, edge, nr, add: false);
                if (s.Sink is null)
                {
                    MergeEdge(edge, nr, cTile, n, rows, cols, add);
                    continue;
                }
                if (add) AddInto(edge, nr, cTile, n, rows, cols);
                s.Sink.Take(edge, nr, i0, j0, rows, cols);
            }
        }
    }

    /// <summary>Copies (or adds) the valid rows×cols corner of a tile computed into scratch; same rounding as the kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeEdge(T* tile, int tileStride, T* c, int ldc, int rows, int cols, bool add)
    {
        for (int r = 0; r < rows; r++, tile += tileStride, c += ldc)
        {
            if (add)
                for (int j = 0; j < cols; j++) c[j] += tile[j];
            else
                for (int j = 0; j < cols; j++) c[j] = tile[j];
        }
    }

    /// <summary>tile += c over the valid corner: the last K panel's tile completed with the earlier panels' sums in C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddInto(T* tile, int tileStride, T* c, int ldc, int rows, int cols)
    {
        for (int r = 0; r < rows; r++, tile += tileStride, c += ldc)
            for (int j = 0; j < cols; j++) tile[j] = c[j] + tile[j];
    }

    /// <summary>As <see cref="MergeEdge"/>, into a C stored transposed: tile (r, j) goes to c[j·ldc + r].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeEdgeTransposed(T* tile, int tileStride, T* c, int ldc, int rows, int cols, bool add)
    {
        for (int j = 0; j < cols; j++, c += ldc)
        {
            if (add)
                for (int r = 0; r < rows; r++) c[r] += tile[r * tileStride + j];
            else
                for (int r = 0; r < rows; r++) c[r] = tile[r * tileStride + j];
        }
    }
}
