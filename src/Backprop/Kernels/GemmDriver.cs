using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    /// <summary>op(A) is row-major and the kernel reads its whole micro-panels in place (<see cref="IGemmMicroKernel{T}.RunsRowsInPlace"/>).</summary>
    public bool ARowsInPlace { get; init; }
    /// <summary>
    /// op(A) is Aᵀ, the kernel gains from reading its steps in place (<see cref="IGemmMicroKernel{T}.ReadsStepsInPlace"/>),
    /// and A's rows spread over the cache sets: row sweeps read its whole micro-panels in place (the driver's <c>PanelOfA</c>).
    /// </summary>
    public bool AStepsInPlace { get; init; }
    /// <summary>op(B) is B as stored, with a row stride the cache takes well (and rows on cache lines for kernels that need them): whole B micro-panels are read in place (the driver's <c>PanelOfB</c>).</summary>
    public bool BRowsInPlace { get; init; }
    /// <summary>With <see cref="GemmPlan.SplitK"/>: the (m×n) scratches the first and second K halves are summed into.</summary>
    public T* Partial0 { get; init; }
    public T* Partial1 { get; init; }
    /// <summary>With <see cref="GemmPlan.SplitK"/>: n values added to every row of C with the halves' sums, or null.</summary>
    public T* RowBias { get; init; }
    /// <summary>Pieces pack the A panels they need themselves (<see cref="GemmPlan.OwnA"/>, or the edge panel of in-place rows).</summary>
    public bool OwnA => Plan.OwnA || ARowsInPlace;
}

/// <summary>One A micro-panel as the kernel reads it: steps <see cref="Ld"/> apart, or (<see cref="Rows"/>) rows <see cref="Ld"/> apart.</summary>
internal readonly unsafe struct APanel<T>(T* ptr, nint ld, bool rows) where T : unmanaged
{
    public T* Ptr { get; } = ptr;
    public nint Ld { get; } = ld;
    public bool Rows { get; } = rows;
}

/// <summary>One B micro-panel as the kernel reads it: kc rows of NR values, <see cref="Ld"/> apart.</summary>
internal readonly unsafe struct BPanel<T>(T* ptr, nint ld) where T : unmanaged
{
    public T* Ptr { get; } = ptr;
    public nint Ld { get; } = ld;
}

/// <summary>
/// Blocked GEMM around a micro-kernel (GotoBLAS/BLIS loops). Phase 1 packs all of op(A) once, K panel by K panel, into
/// MR-row micro-panels shared by every piece (unless pieces split rows only: then each packs its own,
/// <see cref="GemmPlan.OwnA"/>; and unless the kernel reads a row-major op(A)'s panels in place, <see cref="PanelOfA"/>:
/// then there is no phase 1, and pieces pack only edge panels). Phase 2 gives each piece a strip of C columns (× a
/// block of rows when there are few columns); for each K panel in order it sweeps its tiles an L2-sized block of A rows
/// at a time, packing each B micro-panel of its strip just before first use (or reading it in place,
/// <see cref="PanelOfB"/>). Shallow products (and those with a sink) instead give each piece a block of row panels, each
/// swept across all of N (<see cref="GemmPlan.RowSweep"/>).
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
    /// <paramref name="kSplitRows"/>, when set, replaces the kernel's MR as the granule of a split product's K cut
    /// (<see cref="GemmPlan.KSplit"/>).
    /// </remarks>
    public static void Run(T* a, T* b, T* c, int m, int n, int k, bool transA, bool transB, bool accumulate,
        bool transposedC = false, IGemmTileSink<T>? sink = null, T* rowBias = null, int kSplitRows = 0)
    {
        if (m == 0 || n == 0) return;
        Debug.Assert(rowBias is null || (!accumulate && !transposedC && sink is null), "a row bias starts C");
        if (k == 0)
        {
            if (rowBias is not null) BroadcastRow(rowBias, c, m, n);
            else if (!accumulate) new Span<T>(c, m * n).Clear();
            if (sink is not null) sink.Take(c, n, 0, 0, m, n);
            return;
        }
        bool rowSweep = sink is not null || (!transposedC && k <= GemmPlan.RowSweepMaxK);
        bool splitK = !transposedC && !transA && !transB;
        var plan = new GemmPlan(m, n, k, TKernel.MR, TKernel.NR, sizeof(T), Parallelism.MaxThreads, rowSweep, splitK, kSplitRows);
        if (sink is not null && plan.SplitK)
        {
            // A sink takes finished tiles, and a split product finishes none until its halves are added: store it,
            // then hand it over whole (same bits as without the sink).
            Run(a, b, c, m, n, k, transA, transB, accumulate, transposedC, kSplitRows: kSplitRows);
            sink.Take(c, n, 0, 0, m, n);
            return;
        }
        if (rowBias is not null && !plan.SplitK)
        {
            // Unsplit, the bias goes in first and the product is accumulated onto it.
            BroadcastRow(rowBias, c, m, n);
            accumulate = true;
        }
        var call = new GemmCall<T>
        {
            A = a, B = b, C = c, M = m, N = n, K = k,
            TransA = transA, TransB = transB, Accumulate = accumulate, TransposedC = transposedC, Plan = plan, Sink = sink,
            ARowsInPlace = !transA && TKernel.RunsRowsInPlace && GemmPlan.InPlaceA,
            AStepsInPlace = transA && TKernel.ReadsStepsInPlace && GemmPlan.InPlaceA && GemmPlan.SpreadsOverSets(m, sizeof(T)),
            BRowsInPlace = !transB && GemmPlan.InPlaceB && GemmPlan.SpreadsOverSets(n, sizeof(T))
                && (!TKernel.LoadsWholeLinesOfB || Simd.RowsStartOnLines(b, n)
                    || plan.MPanels < GemmPlan.PackStraddlingBFromPanels),
        };
        if (plan.SplitK)
        {
            call = call with
            {
                RowBias = rowBias,
                Partial0 = GemmScratch<T>.ForPartial(0, (nint)m * n),
                Partial1 = GemmScratch<T>.ForPartial(1, (nint)m * n),
            };
        }
        if (!call.OwnA) call = call with { PackedA = GemmScratch<T>.ForA((nint)plan.KPanels * plan.MPanels * PanelLength(plan.Kc)) };
        if (plan.Serial)
        {
            // Too small to repay waking a worker: same pieces, in order, on this thread.
            if (!call.OwnA) for (int piece = 0; piece < plan.PackPieces; piece++) PackAPiece(piece, in call);
            for (int piece = 0; piece < plan.ComputePieces; piece++) ComputePiece(piece, in call);
            if (plan.SplitK) for (int piece = 0; piece < plan.ComputePieces; piece++) AddPartialPiece(piece, in call);
            return;
        }
        if (!call.OwnA) Parallelism.For(plan.PackPieces, in call, PackABody);
        Parallelism.For(plan.ComputePieces, in call, ComputeBody);
        if (plan.SplitK) Parallelism.For(plan.ComputePieces, in call, AddPartialBody);
    }

    private static readonly ForBody<GemmCall<T>> AddPartialBody = AddPartialPiece;

    private static void BroadcastRow(T* row, T* c, int m, int n) =>
        Elementwise.BroadcastRows<T>(new ReadOnlySpan<T>(row, n), new Span<T>(c, m * n), m);

    /// <summary>
    /// C = the two K halves' sums (added to C's own values when accumulating, then the row bias when there is one) over
    /// one of as many blocks of rows as there were compute pieces (two on two threads). Each half was summed into its
    /// own scratch, so each core reads the other's half of its rows. Blocks of rows, not column strips: two cores
    /// writing the two column halves of the same rows slow each other through their prefetchers (see
    /// <see cref="BatchNormReluKernels{T}"/>). The bias is added here rather than broadcast into C first, which would
    /// put all of C in the caller's cache.
    /// </summary>
    private static void AddPartialPiece(int piece, in GemmCall<T> s)
    {
        int n = s.N, pieces = s.Plan.ComputePieces;
        int i0 = Parallelism.SplitStart(s.M, pieces, piece), i1 = Parallelism.SplitStart(s.M, pieces, piece + 1);
        for (nint row = i0, o = (nint)i0 * n; row < i1; row++, o += n)
            SumRow(s.Partial0 + o, s.Partial1 + o, s.RowBias, s.C + o, n, s.Accumulate);
    }

    /// <summary>c = ((c + p0, or p0) + p1) + bias (when there is one), element by element, in one pass.</summary>
    private static void SumRow(T* p0, T* p1, T* bias, T* c, int count, bool accumulate)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            int lanes = Vector512<T>.Count;
            if (!accumulate && count >= lanes)
            {
                // Stores from c's first line boundary, none straddling two lines (C's rows of 500 floats start 16 bytes
                // further into a line each), the edges as overlapping vectors: each element is p0 + p1 (+ bias) however
                // often it is written. 100 × 500, one thread, hot: 9.5–9.7 → 7.4–7.9 µs (a scratch copy of the loop).
                // Accumulating, c is an input too, so there the vectors start at 0.
                int start = Streaming.Head(c, count);
                if (start > 0) SumVector(p0, p1, bias, c, 0);
                for (j = start; j <= count - lanes; j += lanes) SumVector(p0, p1, bias, c, j);
                if (j < count) SumVector(p0, p1, bias, c, count - lanes);
                return;
            }
            for (; j <= count - lanes; j += lanes)
            {
                var v = accumulate ? Vector512.Load(c + j) + Vector512.Load(p0 + j) : Vector512.Load(p0 + j);
                v += Vector512.Load(p1 + j);
                (bias is null ? v : v + Vector512.Load(bias + j)).Store(c + j);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; j <= count - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var v = accumulate ? Vector256.Load(c + j) + Vector256.Load(p0 + j) : Vector256.Load(p0 + j);
                v += Vector256.Load(p1 + j);
                (bias is null ? v : v + Vector256.Load(bias + j)).Store(c + j);
            }
        }
        for (; j < count; j++)
        {
            T v = (accumulate ? c[j] + p0[j] : p0[j]) + p1[j];
            c[j] = bias is null ? v : v + bias[j];
        }
    }

    /// <summary>c[j..j + lanes) = p0 + p1 (+ bias), as <see cref="SumRow"/> computes each element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumVector(T* p0, T* p1, T* bias, T* c, int j)
    {
        var v = Vector512.Load(p0 + j) + Vector512.Load(p1 + j);
        (bias is null ? v : v + Vector512.Load(bias + j)).Store(c + j);
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
        int end = Parallelism.SplitStart(units, plan.PackPieces, piece + 1);
        for (int u = Parallelism.SplitStart(units, plan.PackPieces, piece); u < end; u++)
        {
            int pc = u / plan.MPanels, ir = u % plan.MPanels;
            int p0 = pc * plan.Kc, kc = Math.Min(plan.Kc, s.K - p0);
            GemmPacking.PackA(s.A, s.M, s.K, s.TransA, ir * TKernel.MR, p0, kc, TKernel.MR, PackedAPanel(s, p0, kc, ir));
        }
    }

    /// <summary>
    /// The A micro-panel of row panel <paramref name="ir"/> for the K panel at <paramref name="p0"/>, as the kernel reads
    /// it. A whole panel is read in place when the stored A already holds it in a layout the kernel takes: a row-major
    /// op(A), its MR rows k apart (<see cref="GemmCall{T}.ARowsInPlace"/>), or, in row sweeps, a transposed one, each
    /// step's MR values side by side m apart (<see cref="GemmCall{T}.AStepsInPlace"/>, kc ≤ 256).
    /// Other panels are packed: by the shared phase, or into <paramref name="own"/> when <paramref name="pack"/> (their first
    /// use in this K panel), edge panels with their zero padding.
    /// </summary>
    /// <remarks>
    /// The kernel reads the same values in the same order either way, so the bits are the packed path's. Reading in
    /// place drops the copy, and for row-major A the shared packing phase with it (one dispatch fewer, and no packed
    /// line written by one core for the other). GEMM command, 3 alternated rounds, float32: fwd 100 × 3072 × 500
    /// 139–147 → 190–198 GFLOP/s, fwd 100 × 500 × 500 141–142 → 197–206, dx 100 × 500 × 500 142–185 → 194–204, 1024³
    /// 180–187 → 218–224, 2048³ 199–202 → 215–216 (float64 2048³ 103–104 → 109); the transposed panels of the weight
    /// gradients, dW 100 × 3072 × 500 192–207 → 212–215. Whole epochs gain less, since A is new every step there:
    /// CIFAR-shaped first-layer forward 844–956 → 815–861 ms per epoch (4 pairs of 4).
    /// A transposed A whose rows are a multiple of 128 bytes apart (CIFAR-10's 3072 floats: all of a panel's kc lines
    /// in one L1 set) is packed instead, since each panel is read once per B micro-panel: on the Xeon, GEMM command
    /// with calls alternated in one process, 8 rounds, dW 100 × 3072 × 500 +7–8% packed in 5 (0–1% in 3) and
    /// 256 × 3072 × 500 +6–11% in 6, while dW 100 × 500 × 500 (2000-byte rows) read 1% slower packed; the CIFAR-shaped
    /// first layer's backward 858–882 → 817–846 ms per epoch (3 pairs). (On the Zen 4 in place had measured faster at
    /// 3072 too, 5976cb7; not measurable here.)
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static APanel<T> PanelOfA(in GemmCall<T> s, int p0, int kc, int ir, T* own, bool pack, bool rowSweep)
    {
        int mr = TKernel.MR, i0 = ir * mr;
        bool whole = i0 + mr <= s.M;
        if (whole && s.ARowsInPlace) return new APanel<T>(s.A + (nint)i0 * s.K + p0, s.K, rows: true);
        if (whole && rowSweep && s.AStepsInPlace && own is not null && kc <= GemmPlan.RowSweepMaxK)
            return new APanel<T>(s.A + (nint)p0 * s.M + i0, s.M, rows: false);
        if (own is null) return new APanel<T>(PackedAPanel(s, p0, kc, ir), mr, rows: false);
        if (pack) GemmPacking.PackA(s.A, s.M, s.K, s.TransA, i0, p0, kc, mr, own);
        return new APanel<T>(own, mr, rows: false);
    }

    /// <summary>The tile op(A)·B for one A panel and one B micro-panel (packed or in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunTile(APanel<T> a, BPanel<T> b, int kc, T* c, nint ldc, bool add)
    {
        if (a.Rows) TKernel.Tile(new RowWalk<T>(a.Ptr, a.Ld), b.Ptr, b.Ld, kc, c, ldc, add);
        else TKernel.Tile(new StepWalk<T>(a.Ptr, a.Ld), b.Ptr, b.Ld, kc, c, ldc, add);
    }

    /// <summary>
    /// The B micro-panel of columns [j0, j0 + NR) for the K panel at <paramref name="p0"/>: read in place when the stored
    /// B holds it as kc rows of NR values (B not transposed, a whole panel, a row stride that spreads the rows over
    /// the cache sets, and, for the AVX-512 kernels, rows that start on cache lines unless too few A panels would share
    /// the copy: <see cref="IGemmMicroKernel{T}.LoadsWholeLinesOfB"/>, <see cref="GemmPlan.PackStraddlingBFromPanels"/>),
    /// else packed into <paramref name="slot"/> when <paramref name="pack"/>. The kernel reads the same values in the
    /// same order either way.
    /// </summary>
    /// <remarks>
    /// <para>Reading in place drops the copy (each piece packed its half of W every call). On the Zen 4 that paid even
    /// for the layers' n = 500, whose 2000-byte rows start 16 bytes further into a line each: GEMM command, float32,
    /// alternated, fwd 100 × 500 × 500 197 → 206 GFLOP/s, fwd 100 × 3072 × 500 195–201 → 208–213, dW 100 × 500 × 500
    /// 202–211 → 207–214.</para>
    /// <para>On the Xeon those rows cost more than the copy: three in four rows' 64-byte loads straddle two lines, and
    /// packed panels ran faster (calls alternated in one process, 2 threads, two rounds): fwd 100 × 500 × 500 +11%,
    /// 256 × 3072 × 500 +11%, 100 × 3072 × 500 +3–4%, every dW +13–17%. With rows on lines, in place was 9–10% faster
    /// than packed there (n = 496 and 528 from a 64-byte boundary; from 16 bytes past one, 13–20% slower), so in place
    /// is kept for those. The AVX2 kernel's 32-byte loads read n = 500 faster in place than packed on the Xeon
    /// (AVX-512 off: fwd 100 × 500 × 500 −9% and 100 × 3072 × 500 −4–5% packed). Nor does packing pay for few rows of
    /// A (the 10-class layer's weight gradient is computed as a 10-row product):
    /// <see cref="GemmPlan.PackStraddlingBFromPanels"/>.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static BPanel<T> PanelOfB(in GemmCall<T> s, int p0, int kc, int j0, T* slot, bool pack)
    {
        int nr = TKernel.NR, n = s.N;
        if (s.BRowsInPlace && j0 + nr <= n) return new BPanel<T>(s.B + (nint)p0 * n + j0, n);
        if (pack) GemmPacking.PackB(s.B, n, s.K, s.TransB, j0, p0, kc, nr, slot);
        return new BPanel<T>(slot, nr);
    }

    /// <summary>
    /// A forward product's K half of B (the weights) larger than this does not stay in a core's 1 MB L2 between steps:
    /// CIFAR-10's first layer, whose 6 MB of weights the update has just written, so each B panel's first sweep waited
    /// on L3 or memory. Fetching the next panel's rows ahead, a slice per A panel of the current sweep, took its
    /// forward pass from 738–807 to 726–777 ms per CIFAR-shaped epoch (10 alternated pairs); Fashion-MNIST's 784 × 500
    /// (each K half 784 KB) and the hidden layers gained nothing, and are left alone, as are products not split in K
    /// halves (square ones read 1% slower with it in the GEMM command). Packed B no longer needs it (its rows are read
    /// in address order, which the hardware prefetchers stream: <see cref="GemmPlan.PackBByRows"/>): B read in place does.
    /// </summary>
    private const long PrefetchBMinBytes = 1L << 20;

    /// <summary>Slice <paramref name="slice"/> of <paramref name="slices"/> of the kc rows of B's panel at column <paramref name="j0"/>, into L2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchBRows(in GemmCall<T> s, int p0, int kc, int j0, int slice, int slices)
    {
        int n = s.N, r0 = p0 + (int)((long)kc * slice / slices), r1 = p0 + (int)((long)kc * (slice + 1) / slices);
        int bytes = Math.Min(TKernel.NR, n - j0) * sizeof(T);
        for (int r = r0; r < r1; r++)
        {
            byte* row = (byte*)(s.B + (nint)r * n + j0);
            for (int o = 0; o < bytes; o += 64) Simd.PrefetchL2(row + o);
            Simd.PrefetchL2(row + bytes - 1); // the row's last line when it does not start on a line
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputePiece(int piece, in GemmCall<T> s)
    {
        var plan = s.Plan;
        int mr = TKernel.MR, nr = TKernel.NR, n = s.N;
        // Pieces are strips × row blocks over all of K, or (SplitK) strips of one K half, the first half's first.
        int strip = piece % plan.Strips, rowBlock = plan.SplitK ? 0 : piece / plan.Strips, half = plan.SplitK ? piece / plan.Strips : 0;
        var (kBegin, kEnd, kPanels, kcFull) = plan.KPanelsOf(half, s.K);
        T* c = !plan.SplitK ? s.C : half == 0 ? s.Partial0 : s.Partial1;
        bool accumulate = s.Accumulate && !plan.SplitK;
        int jStart = Parallelism.SplitStart(plan.NPanels, plan.Strips, strip);
        int jEnd = Parallelism.SplitStart(plan.NPanels, plan.Strips, strip + 1);
        int iStart = Parallelism.SplitStart(plan.MPanels, plan.RowBlocks, rowBlock);
        int iEnd = Parallelism.SplitStart(plan.MPanels, plan.RowBlocks, rowBlock + 1);
        T* packedB = GemmScratch<T>.ForB((nint)(jEnd - jStart) * plan.Kc * nr);
        T* edge = stackalloc T[mr * nr];
        T* ownA = s.OwnA ? GemmScratch<T>.ForOwnA((nint)(iEnd - iStart) * PanelLength(plan.Kc)) : null;
        // B stored (k×n) and not read in place: the strip's panels are packed together, row by row of B (PackBRows).
        bool packRows = GemmPlan.PackBByRows && !s.TransB && !s.BRowsInPlace;
        bool prefetchB = !packRows && plan.SplitK && (long)(kEnd - kBegin) * n * sizeof(T) > PrefetchBMinBytes;

        for (int pc = 0; pc < kPanels; pc++)
        {
            int p0 = kBegin + pc * kcFull, kc = Math.Min(kcFull, kEnd - p0);
            bool add = accumulate || pc > 0;
            if (plan.RowSweep && (s.Sink is null || pc == kPanels - 1))
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
                    // Pack each B micro-panel just before its first sweep, so it is still in L2 when the kernels read it;
                    // or, from B's rows, all of the strip's before the first (GEMM command, calls alternated, 2 threads:
                    // 100 × 3072 × 500 +4–6%, 256 × 3072 × 500 +2–3%, 100 × 500 × 500 +1%, squares +0–2%).
                    if (packRows && iBlock == iStart && jr == jStart)
                        GemmPacking.PackBRows(s.B, n, p0, kc, jStart * nr, jEnd - jStart, nr, packedB);
                    var bPanel = PanelOfB(in s, p0, kc, j0, packedB + (nint)(jr - jStart) * kc * nr, pack: iBlock == iStart && !packRows);
                    for (int ir = iBlock; ir < iBlockEnd; ir++)
                    {
                        int i0 = ir * mr;
                        T* own = ownA is null ? null : ownA + (nint)(ir - iStart) * PanelLength(kc);
                        var aPanel = PanelOfA(in s, p0, kc, ir, own, pack: jr == jStart, rowSweep: false);
                        if (s.TransposedC)
                        {
                            RunTile(aPanel, bPanel, kc, edge, nr, add: false);
                            MergeEdgeTransposed(edge, nr, s.C + (nint)j0 * s.M + i0, s.M, Math.Min(mr, s.M - i0), Math.Min(nr, n - j0), add);
                            continue;
                        }
                        // No prefetch of the next C tile: it measured 0.97–1.00× on all 12 shapes tried on the Xeon.
                        T* cTile = c + (nint)i0 * n + j0;
                        if (prefetchB && iBlock == iStart && jr + 1 < jEnd)
                            PrefetchBRows(in s, p0, kc, (jr + 1) * nr, ir - iBlock, iBlockEnd - iBlock);
                        if (j0 + nr <= n && i0 + mr <= s.M)
                        {
                            RunTile(aPanel, bPanel, kc, cTile, n, add);
                        }
                        else
                        {
                            RunTile(aPanel, bPanel, kc, edge, nr, add: false);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SweepRows(in GemmCall<T> s, int p0, int kc, bool add, int iStart, int iEnd, T* packedB, T* edge, T* ownA)
    {
        int mr = TKernel.MR, nr = TKernel.NR, n = s.N;
        for (int ir = iStart; ir < iEnd; ir++)
        {
            int i0 = ir * mr, rows = Math.Min(mr, s.M - i0);
            var aPanel = PanelOfA(in s, p0, kc, ir, ownA, pack: true, rowSweep: true);
            for (int jr = 0; jr < s.Plan.NPanels; jr++)
            {
                int j0 = jr * nr, cols = Math.Min(nr, n - j0);
                var bPanel = PanelOfB(in s, p0, kc, j0, packedB + (nint)jr * kc * nr, pack: ir == iStart);
                T* cTile = s.C + (nint)i0 * n + j0;
                if (s.Sink is null && rows == mr && cols == nr)
                {
                    RunTile(aPanel, bPanel, kc, cTile, n, add);
                    continue;
                }
                RunTile(aPanel, bPanel, kc, edge, nr, add: false);
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

    /// <summary>
    /// Copies (or adds) the valid rows×cols corner of a tile computed into scratch; same rounding as the kernel. Every
    /// layer of 500 units ends in a 52-column panel, so one tile per row panel comes through here: whole vectors first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MergeEdge(T* tile, int tileStride, T* c, int ldc, int rows, int cols, bool add)
    {
        for (int r = 0; r < rows; r++, tile += tileStride, c += ldc)
        {
            if (add) AddRow(c, tile, c, cols);
            else new ReadOnlySpan<T>(tile, cols).CopyTo(new Span<T>(c, cols));
        }
    }

    /// <summary>tile += c over the valid corner: the last K panel's tile completed with the earlier panels' sums in C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddInto(T* tile, int tileStride, T* c, int ldc, int rows, int cols)
    {
        for (int r = 0; r < rows; r++, tile += tileStride, c += ldc) AddRow(c, tile, tile, cols);
    }

    /// <summary>dst[j] = x[j] + y[j] for j &lt; count, each sum rounded once as in scalar code.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(T* x, T* y, T* dst, int count)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
            for (; j <= count - Vector512<T>.Count; j += Vector512<T>.Count)
                (Vector512.Load(x + j) + Vector512.Load(y + j)).Store(dst + j);
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
            for (; j <= count - Vector256<T>.Count; j += Vector256<T>.Count)
                (Vector256.Load(x + j) + Vector256.Load(y + j)).Store(dst + j);
        for (; j < count; j++) dst[j] = x[j] + y[j];
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
