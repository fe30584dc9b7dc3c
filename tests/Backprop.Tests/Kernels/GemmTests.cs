using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

[Collection(KernelCollection.Name)]
public class GemmTests
{
    private static readonly (bool TransA, bool TransB)[] Layouts = [(false, false), (true, false), (false, true), (true, true)];

    public static TheoryData<int, int, int> AwkwardShapes => new()
    {
        { 1, 1, 1 }, { 1, 7, 13 }, { 7, 1, 31 }, { 13, 33, 1 }, { 31, 97, 33 }, { 33, 31, 97 },
        { 97, 100, 257 }, { 100, 13, 500 }, { 12, 32, 1024 }, { 25, 65, 1025 }, { 257, 33, 7 }, { 100, 500, 31 },
        { 100, 10, 500 }, { 500, 10, 100 }, { 3072, 1, 5 }, { 62, 31, 3 },
    };

    [Theory]
    [MemberData(nameof(AwkwardShapes))]
    public void Float_AllLayouts_MatchReference(int m, int n, int k) => CheckAllLayouts<float>(m, n, k);

    [Theory]
    [MemberData(nameof(AwkwardShapes))]
    public void Double_AllLayouts_MatchReference(int m, int n, int k) => CheckAllLayouts<double>(m, n, k);

    [Fact]
    public void LargeK_SpansSeveralPanels_MatchesReference()
    {
        // k = 3072 is three float K panels (six double ones); m, n ragged against every tile size.
        CheckAllLayouts<float>(13, 37, 3072);
        CheckAllLayouts<double>(29, 19, 3072);
    }

    [Fact]
    public void Plan_GivesDoublesTheBytesOfFloats()
    {
        // K panels and column strips are sized in bytes: a double's are half as many values as a float's.
        var f = new GemmPlan(2048, 2048, 2048, 6, 64, sizeof(float), threads: 2);
        var d = new GemmPlan(2048, 2048, 2048, 6, 32, sizeof(double), threads: 2);
        Assert.Equal((2, 1024), (f.KPanels, f.Kc));
        Assert.Equal((4, 512), (d.KPanels, d.Kc));
        Assert.Equal(2048 / 256, f.Strips); // 256-column strips: 4 panels of 64 floats
        Assert.Equal(2048 / 128, d.Strips); // 128-column strips: 4 panels of 32 doubles
        // The split forward product's halves follow the same depth: K = 3072 halves of 1536 are 2 float panels, 3 double.
        var fs = new GemmPlan(100, 500, 3072, 6, 64, sizeof(float), threads: 2, splitK: true);
        var ds = new GemmPlan(100, 500, 3072, 6, 32, sizeof(double), threads: 2, splitK: true);
        Assert.Equal(2, fs.KPanelsOf(0, 3072).Panels);
        Assert.Equal(3, ds.KPanelsOf(0, 3072).Panels);
    }

    [Fact]
    public void ManyColumnsAndRows_SpanSeveralStripsAndBlocks()
    {
        // 500 columns: several strips and a ragged last panel; 257 rows: several row blocks at k = 300.
        CheckAllLayouts<float>(257, 500, 300);
        CheckAllLayouts<double>(131, 300, 97);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Accumulate_AddsToExistingC(bool transA, bool transB)
    {
        foreach (var (m, n, k) in new[] { (7, 13, 5), (100, 97, 1100), (33, 64, 2) })
        {
            CheckLayout<float>(m, n, k, transA, transB, accumulate: true);
            CheckLayout<double>(m, n, k, transA, transB, accumulate: true);
        }
    }

    [Fact]
    public void EmptySizes_LeaveOrClearC()
    {
        var c = new[] { 1f, 2f, 3f, 4f, 5f, 6f };
        Gemm.Multiply<float>([], [], c, 2, 3, 0, accumulate: true);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], c);
        Gemm.Multiply<float>([], [], c, 2, 3, 0);
        Assert.All(c, v => Assert.Equal(0f, v));
        Gemm.Multiply<double>([], [1.0, 2.0], [], 0, 2, 1); // m = 0: nothing to write, must not throw
        Gemm.Multiply<double>([1.0, 2.0], [], [], 2, 0, 1);
    }

    [Fact]
    public void OneByOne_IsAProduct()
    {
        var c = new[] { 10.0 };
        Gemm.Multiply<double>([3.0], [4.0], c, 1, 1, 1);
        Assert.Equal(12.0, c[0]);
        Gemm.Multiply<double>([3.0], [4.0], c, 1, 1, 1, accumulate: true);
        Assert.Equal(24.0, c[0]);
    }

    [Fact]
    public void TooShortSpans_Throw()
    {
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[5], new float[6], new float[4], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[6], new float[5], new float[4], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[6], new float[6], new float[3], 2, 2, 3));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply<float>(new float[6], new float[6], new float[4], -2, 2, 3));
    }

    [SkippableTheory]
    [InlineData(6, 3072)]
    [InlineData(4, 500)]  // the last row panel of a batch of 100, a K tail of 4 columns
    [InlineData(1, 37)]
    [InlineData(5, 16)]
    public unsafe void PackA_SixRowPanel_IsTheTransposedBlock(int rows, int k)
    {
        // The wide kernel's float A panel (mr = 6) from a row-major A: every value in place, rows past the edge zero.
        Skip.IfNot(GemmTranspose.IsSupported<float>(), "needs AVX-512");
        const int mr = 6;
        var rng = new Random(rows * 1000 + k);
        var a = new float[(rows + 1) * k];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextSingle() - 0.5f;
        foreach (int kc in new[] { k, Math.Max(1, k - 3) })
        {
            var packed = new float[kc * mr + GemmPacking.PanelSlackBytes / sizeof(float)];
            Array.Fill(packed, float.NaN);
            fixed (float* pa = a, pd = packed) GemmPacking.PackA(pa + k, rows, k, transA: false, i0: 0, p0: 0, kc, mr, pd);
            for (int p = 0; p < kc; p++)
            for (int r = 0; r < mr; r++)
                Assert.Equal(r < rows ? a[(1 + r) * k + p] : 0f, packed[p * mr + r]);
        }
    }

    [Fact]
    public void EveryKernel_MatchesReference()
    {
        // Gemm picks one per machine and shape; each must be right wherever it is picked.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 31, 97), (100, 33, 600) })
        foreach (var (ta, tb) in Layouts)
        {
            if (GemmKernel512<float>.IsSupported)
            {
                CheckDriver<float, GemmKernel512<float>>(m, n, k, ta, tb);
                CheckDriver<float, GemmKernel512Wide<float, SixRows>>(m, n, k, ta, tb);
                CheckDriver<double, GemmKernel512Wide<double, SixRows>>(m, n, k, ta, tb);
                CheckDriver<float, GemmKernel512Wide<float, FiveRows>>(m, n, k, ta, tb);
                CheckDriver<double, GemmKernel512Wide<double, FiveRows>>(m, n, k, ta, tb);
            }
            if (GemmKernel256<float>.IsSupported)
            {
                CheckDriver<float, GemmKernel256<float>>(m, n, k, ta, tb);
                CheckDriver<double, GemmKernel256<double>>(m, n, k, ta, tb);
            }
            if (GemmKernel128<float>.IsSupported)
            {
                CheckDriver<float, GemmKernel128<float>>(m, n, k, ta, tb);
                CheckDriver<double, GemmKernel128<double>>(m, n, k, ta, tb);
            }
            CheckDriver<float, GemmKernelScalar<float>>(m, n, k, ta, tb);
            CheckDriver<double, GemmKernelScalar<double>>(m, n, k, ta, tb);
        }
    }

    [Fact]
    public void BitIdentical_ForOneTwoAndThreeThreads()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (var (m, n, k, ta, tb) in new[]
                     { (100, 500, 3072, false, false), (100, 3072, 500, false, true), (3072, 500, 100, true, false), (257, 97, 1100, true, true), (100, 10, 500, false, false), (500, 10, 100, true, false) })
            {
                AssertSameForThreadCounts<float>(m, n, k, ta, tb);
                AssertSameForThreadCounts<double>(m, n, k, ta, tb);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData(3072, 500)]  // CIFAR-10's first layer
    [InlineData(784, 500)]   // Fashion-MNIST's
    [InlineData(500, 500)]   // a hidden layer
    [InlineData(1000, 1000)]
    public void ForwardProduct_SplitsK_WhereTheWeightUpdateSplitsRows(int d, int h)
    {
        // X (100×d)·W (d×h) is summed in two K halves, one per thread; the cut is the row-block boundary of the update
        // in backward (dW = Xᵀ·dout swept by rows, 6×64 kernel), so each core reads in forward the rows of W it writes.
        var forward = new GemmPlan(100, h, d, 6, 64, sizeof(float), threads: 2, splitK: true);
        var update = new GemmPlan(d, h, 100, 6, 64, sizeof(float), threads: 2, rowSweep: true);
        Assert.True(forward.SplitK);
        Assert.Equal(2, forward.ComputePieces);
        Assert.Equal(2, update.RowBlocks);
        Assert.Equal(Parallelism.SplitStart(update.MPanels, update.RowBlocks, 1) * 6, forward.KSplit);
        if (GemmKernel512Wide<float, SixRows>.IsSupported) Assert.Equal(forward.KSplit, Gemm.WeightRowSplit<float>(d, h)); // what the gather cuts at
        // Shape alone decides: one thread sums the same halves, in the same order; four cut each half in two strips.
        Assert.Equal(forward.KSplit, new GemmPlan(100, h, d, 6, 64, sizeof(float), threads: 1, splitK: true).KSplit);
        var four = new GemmPlan(100, h, d, 6, 64, sizeof(float), threads: 4, splitK: true);
        Assert.Equal((forward.KSplit, 2, 4), (four.KSplit, four.Strips, four.ComputePieces));
        // Shallow or tall products are not split.
        Assert.False(new GemmPlan(100, h, 200, 6, 64, sizeof(float), threads: 2, splitK: true).SplitK);
        Assert.False(new GemmPlan(1024, 1024, 1024, 6, 64, sizeof(float), threads: 2, splitK: true).SplitK);
    }

    [Theory]
    [InlineData(100, 500, 3072)] // split in K halves: the row is added with them
    [InlineData(100, 500, 500)]
    [InlineData(100, 10, 500)]   // narrow, A row-major: the AVX2 tile directly, in K halves: the row added with them
    [InlineData(100, 20, 500)]   // narrow, wider than the AVX2 tile: computed transposed, row first
    [InlineData(13, 33, 7)]      // too small to split: row first
    [InlineData(5, 7, 0)]        // K = 0: the row alone
    public void MultiplyAddRow_IsTheProductPlusTheRow_OnAnyThreadCount(int m, int n, int k)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            var a = GemmReference.Random<float>(m * k, 1);
            var b = GemmReference.Random<float>(k * n, 2);
            var row = GemmReference.Random<float>(n, 3);
            var rows = new float[m * n];
            for (int i = 0; i < m; i++) row.CopyTo(rows, i * n);
            var expected = GemmReference.Multiply(a, b, m, n, k, false, false, rows);
            float[]? first = null;
            foreach (int threads in new[] { 1, 2, 3, 4 })
            {
                Parallelism.MaxThreads = threads;
                var c = new float[m * n];
                Array.Fill(c, float.NaN); // C's old values must not leak in
                Gemm.MultiplyAddRow<float>(a, b, row, c, m, n, k);
                GemmReference.AssertClose(expected, c, k, $"{m}x{n}x{k} on {threads} threads");
                if (first is null) first = c;
                else Assert.Equal(first, c);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyAddRow<float>(new float[m * k], new float[k * n], new float[n - 1], new float[m * n], m, n, k));
    }

    [Fact]
    public void FiveRowTiles_GiveTheSixRowTilesBits()
    {
        // A batch of 100 fills 20 five-row panels; six-row ones pad it to 102. The tile only groups elements, so every
        // one keeps its FMA chain and, in split products, the K halves cut at six-row boundaries: the forward and dx
        // products of a layer, a split product with several K panels (100 × 500 × 3072), an edge (95 = 19·5), a
        // shallow product (K ≤ 256, always six rows), every layout, with and without accumulation, 1–3 threads.
        Assert.True(Gemm.FiveRowsPadLess(100));
        Assert.True(Gemm.FiveRowsPadLess(50));
        Assert.False(Gemm.FiveRowsPadLess(96));   // six rows fit exactly
        Assert.False(Gemm.FiveRowsPadLess(1024)); // 1026 against 1025 rows: under 1%
        bool saved = Gemm.FiveRowTiles;
        SameBitsEitherWay([(100, 500, 500), (100, 500, 3072), (95, 130, 784), (100, 500, 100)],
            five => Gemm.FiveRowTiles = five, MultiplyProduct, restore: () => Gemm.FiveRowTiles = saved);
    }

    [Fact]
    public void ShallowProducts_SweptByRows_GiveTheColumnStripsBits()
    {
        // K up to RowSweepMaxK sweeps C row panel by row panel; the column strips must give every element the same bits.
        int saved = GemmPlan.RowSweepMaxK;
        SameBitsEitherWay([(3072, 500, 100), (131, 300, 97), (62, 31, 3), (100, 500, 10)],
            rowSweep => GemmPlan.RowSweepMaxK = rowSweep ? 256 : 0, WideKernelProduct, restore: () => GemmPlan.RowSweepMaxK = saved);
    }

    [Fact]
    public void RowSplitPieces_PackingTheirOwnA_GiveTheSharedPackingsBits()
    {
        // Pieces that split C by rows pack their own A panels (GemmPlan.OwnA), and row sweeps read a transposed A's whole
        // panels in place (K ≤ 256): the same values as the shared phase, so the same bits: row sweeps and single-strip
        // products, row blocks over 1–3 threads, several K panels, edge rows (130 = 21·6 + 4, 62 = 10·6 + 2), K at the
        // in-place limit, every layout. Gemm picks the wide kernel (6×64) above 32 columns: one 64-wide panel or a row sweep.
        (int, int, int)[] shapes = [(3072, 500, 100), (100, 40, 500), (257, 33, 1100), (62, 64, 3), (130, 70, 256)];
        if (GemmKernel512Wide<float, SixRows>.IsSupported)
            foreach (var (m, n, k) in shapes)
            foreach (int t in new[] { 1, 2, 3 })
                Assert.True(new GemmPlan(m, n, k, 6, 64, sizeof(float), t, rowSweep: k <= GemmPlan.RowSweepMaxK).OwnA);
        bool saved = GemmPlan.OwnAPacking;
        SameBitsEitherWay(shapes, own => GemmPlan.OwnAPacking = own, MultiplyProduct, restore: () => GemmPlan.OwnAPacking = saved);
    }

    [Fact]
    public void APanelsReadInPlace_GiveThePackedPanelsBits()
    {
        // Whole A panels read in place (a row-major op(A) on every path, a transposed one in row sweeps with K ≤ 256
        // whose m spreads over the cache sets: 257 and 62 here; 3072 is packed either way)
        // against every panel packed: column strips and row sweeps, the first layer's shapes, several K panels
        // (1100 = 2 × 550), edge rows (101 = 16·6 + 5, 62 = 10·6 + 2, 257), narrow outputs computed transposed (n = 10),
        // K at the in-place limit, with and without accumulation, every layout, 1–3 threads.
        (int, int, int)[] shapes = [(100, 500, 3072), (101, 300, 1100), (3072, 500, 100), (62, 64, 3), (100, 10, 500), (257, 130, 256)];
        bool saved = GemmPlan.InPlaceA;
        SameBitsEitherWay(shapes, inPlace => GemmPlan.InPlaceA = inPlace, MultiplyProduct, restore: () => GemmPlan.InPlaceA = saved);
        // The AVX2 kernel (machines without AVX-512) reads them in place the same way.
        if (GemmKernel256<float>.IsSupported)
            SameBitsEitherWay(shapes, inPlace => GemmPlan.InPlaceA = inPlace, Avx2KernelProduct, restore: () => GemmPlan.InPlaceA = saved);
        // And the 128-bit kernel (ARM64).
        if (GemmKernel128<float>.IsSupported)
            SameBitsEitherWay(shapes, inPlace => GemmPlan.InPlaceA = inPlace, Vector128KernelProduct, restore: () => GemmPlan.InPlaceA = saved);
    }

    [Fact]
    public void BPanelsReadInPlace_GiveThePackedPanelsBits()
    {
        // Whole B panels read in place (B not transposed, a row stride that is not a multiple of 128 bytes, rows that
        // start on cache lines) against every panel packed: B copied to a line-aligned buffer, so n = 80 and 528
        // (rows 64 bytes past a multiple of 128) are read in place; the last panel of 528, 16 wide, still packed;
        // split-K halves (100 × 528 × 3072), several K panels (1100), row sweeps (K ≤ 256), strides that keep packing
        // (n = 500, rows off the lines; n = 1024), rows off the lines read in place all the same when few A panels would
        // share a copy (24 rows × 500), narrow outputs computed transposed (n = 10), every layout, with and without
        // accumulation, 1–3 threads.
        Assert.True(GemmPlan.SpreadsOverSets(500, sizeof(float)));
        Assert.True(GemmPlan.SpreadsOverSets(130, sizeof(double)));
        Assert.False(GemmPlan.SpreadsOverSets(1024, sizeof(float)));
        Assert.False(GemmPlan.SpreadsOverSets(64, sizeof(double)));
        var line = NDArray<float>.Aligned([600]);
        unsafe
        {
            fixed (float* p = line.AsSpan())
            {
                Assert.True(Simd.RowsStartOnLines(p, 528));
                Assert.True(Simd.RowsStartOnLines(p, 80));
                Assert.False(Simd.RowsStartOnLines(p, 500));
                Assert.False(Simd.RowsStartOnLines(p + 4, 528));
            }
        }
        (int, int, int)[] shapes = [(100, 528, 3072), (100, 528, 528), (3072, 528, 100), (101, 80, 1100), (62, 80, 3), (100, 500, 500), (24, 500, 500), (64, 1024, 70), (100, 10, 500)];
        bool saved = GemmPlan.InPlaceB;
        SameBitsEitherWay(shapes, inPlace => GemmPlan.InPlaceB = inPlace, AlignedB(MultiplyProduct), restore: () => GemmPlan.InPlaceB = saved);
        if (GemmKernel256<float>.IsSupported)
            SameBitsEitherWay(shapes, inPlace => GemmPlan.InPlaceB = inPlace, AlignedB(Avx2KernelProduct), restore: () => GemmPlan.InPlaceB = saved);
    }

    [Fact]
    public void BPanelsPackedRowByRow_GiveThePanelByPanelBits()
    {
        // A strip's B micro-panels packed together from B's rows against each packed before its own first sweep:
        // split-K halves with a partial last panel (100 × 500 × 3072), several strips and K panels (70 × 1100 × 1100),
        // one panel (62 × 40 × 300), row sweeps (K ≤ 256), B read in place where its rows allow (528 columns, aligned),
        // every layout, with and without accumulation, 1–3 threads; the AVX2 kernel's 16-wide panels too.
        (int, int, int)[] shapes = [(100, 500, 3072), (70, 1100, 1100), (62, 40, 300), (3072, 500, 100), (100, 528, 528)];
        bool saved = GemmPlan.PackBByRows;
        SameBitsEitherWay(shapes, byRows => GemmPlan.PackBByRows = byRows, MultiplyProduct, restore: () => GemmPlan.PackBByRows = saved);
        SameBitsEitherWay(shapes, byRows => GemmPlan.PackBByRows = byRows, AlignedB(MultiplyProduct), restore: () => GemmPlan.PackBByRows = saved);
        if (GemmKernel256<float>.IsSupported)
            SameBitsEitherWay(shapes, byRows => GemmPlan.PackBByRows = byRows, Avx2KernelProduct, restore: () => GemmPlan.PackBByRows = saved);
        if (GemmKernel128<float>.IsSupported)
            SameBitsEitherWay(shapes, byRows => GemmPlan.PackBByRows = byRows, Vector128KernelProduct, restore: () => GemmPlan.PackBByRows = saved);
    }

    /// <summary>The product with B copied to a buffer that starts on a cache line (a test's float[] need not).</summary>
    private static FloatProduct AlignedB(FloatProduct product) => (a, b, c, m, n, k, ta, tb, accumulate) =>
    {
        var aligned = NDArray<float>.Aligned([b.Length]);
        b.CopyTo(aligned.AsSpan());
        product(a, aligned.AsSpan(), c, m, n, k, ta, tb, accumulate);
    };

    /// <summary>The AVX2 kernel's driver, called directly.</summary>
    private static unsafe void Avx2KernelProduct(float[] a, ReadOnlySpan<float> b, float[] c, int m, int n, int k, bool ta, bool tb, bool accumulate)
    {
        fixed (float* pa = a, pb = b, pc = c) GemmDriver<float, GemmKernel256<float>>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
    }

    /// <summary>The 128-bit kernel's driver, called directly.</summary>
    private static unsafe void Vector128KernelProduct(float[] a, ReadOnlySpan<float> b, float[] c, int m, int n, int k, bool ta, bool tb, bool accumulate)
    {
        fixed (float* pa = a, pb = b, pc = c) GemmDriver<float, GemmKernel128<float>>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
    }

    private delegate void FloatProduct(float[] a, ReadOnlySpan<float> b, float[] c, int m, int n, int k, bool transA, bool transB, bool accumulate);

    /// <summary>
    /// Every shape, layout, accumulate flag and thread count (1–3) computed with <paramref name="choose"/>(true), then
    /// with <paramref name="choose"/>(false), from the same operands: the two C must hold the same bits. The switch is put
    /// back by <paramref name="restore"/>, and the thread count as it was, whatever happens.
    /// </summary>
    private static void SameBitsEitherWay((int M, int N, int K)[] shapes, Action<bool> choose, FloatProduct product, Action restore)
    {
        int threads = Parallelism.MaxThreads;
        try
        {
            foreach (var (m, n, k) in shapes)
            foreach (var (ta, tb) in Layouts)
            foreach (bool accumulate in new[] { false, true })
            foreach (int t in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = t;
                var a = GemmReference.Random<float>(m * k, 1);
                var b = GemmReference.Random<float>(k * n, 2);
                var first = GemmReference.Random<float>(m * n, 3);
                var second = (float[])first.Clone();
                choose(true);
                product(a, b, first, m, n, k, ta, tb, accumulate);
                choose(false);
                product(a, b, second, m, n, k, ta, tb, accumulate);
                Assert.Equal(second, first);
            }
        }
        finally
        {
            Parallelism.MaxThreads = threads;
            restore();
        }
    }

    /// <summary>The public entry, <see cref="Gemm.Multiply{T}"/>.</summary>
    private static void MultiplyProduct(float[] a, ReadOnlySpan<float> b, float[] c, int m, int n, int k, bool ta, bool tb, bool accumulate) =>
        Gemm.Multiply<float>(a, b, c, m, n, k, ta, tb, accumulate);

    /// <summary>The wide AVX-512 kernel's driver (the scalar one without AVX-512), called directly.</summary>
    private static unsafe void WideKernelProduct(float[] a, ReadOnlySpan<float> b, float[] c, int m, int n, int k, bool ta, bool tb, bool accumulate)
    {
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (GemmKernel512Wide<float, SixRows>.IsSupported) GemmDriver<float, GemmKernel512Wide<float, SixRows>>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
            else GemmDriver<float, GemmKernelScalar<float>>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
        }
    }

    [SkippableFact]
    public unsafe void BitIdentical_WhicheverAvx512KernelRuns()
    {
        // The 12-row and the wide kernel are picked by n; each element must come out the same from either.
        Skip.IfNot(GemmKernel512<float>.IsSupported, "needs AVX-512");
        foreach (var (ta, tb) in Layouts)
        {
            var a = GemmReference.Random<double>(61 * 1300, 1);
            var b = GemmReference.Random<double>(1300 * 70, 2);
            var narrow = new double[61 * 70];
            var wide = new double[61 * 70];
            fixed (double* pa = a, pb = b, pn = narrow, pw = wide)
            {
                GemmDriver<double, GemmKernel512<double>>.Run(pa, pb, pn, 61, 70, 1300, ta, tb, accumulate: false);
                GemmDriver<double, GemmKernel512Wide<double, SixRows>>.Run(pa, pb, pw, 61, 70, 1300, ta, tb, accumulate: false);
            }
            Assert.Equal(narrow, wide);
        }
    }

    [Fact]
    public unsafe void NarrowOutputs_ComputedTransposed_AreBitIdentical()
    {
        // n < 32 runs as Cᵀ = op(B)ᵀ·op(A)ᵀ, or, with A row-major and n ≤ 16, on the AVX2 tile directly; either
        // must give exactly what the direct product on the AVX-512 kernel gives (m > 256: no K halves).
        foreach (var (ta, tb) in Layouts)
        foreach (bool accumulate in new[] { false, true })
        {
            const int m = 300, n = 10, k = 1500;
            var a = GemmReference.Random<float>(m * k, 1);
            var b = GemmReference.Random<float>(k * n, 2);
            var viaGemm = GemmReference.Random<float>(m * n, 3);
            var direct = (float[])viaGemm.Clone();
            Gemm.Multiply<float>(a, b, viaGemm, m, n, k, ta, tb, accumulate);
            if (GemmKernel512<float>.IsSupported)
            {
                fixed (float* pa = a, pb = b, pc = direct)
                    GemmDriver<float, GemmKernel512<float>>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
                Assert.Equal(direct, viaGemm);
            }
            GemmReference.AssertClose(GemmReference.Multiply(a, b, m, n, k, ta, tb, accumulate ? GemmReference.Random<float>(m * n, 3) : null),
                viaGemm, k, $"narrow tA={ta} tB={tb} acc={accumulate}");
        }
    }

    [SkippableFact]
    public unsafe void NarrowForward_RunsOnTheAvx2TileDirectly()
    {
        // A 10-class layer's X·W: the AVX2 driver's bits, not the transposed product's (which packs all of Xᵀ).
        Skip.IfNot(GemmKernel256<float>.IsSupported, "needs AVX2");
        const int m = 100, n = 10, k = 500;
        var a = GemmReference.Random<float>(m * k, 4);
        var b = GemmReference.Random<float>(k * n, 5);
        var viaGemm = new float[m * n];
        var direct = new float[m * n];
        Gemm.Multiply<float>(a, b, viaGemm, m, n, k);
        fixed (float* pa = a, pb = b, pc = direct)
            GemmDriver<float, GemmKernel256<float>>.Run(pa, pb, pc, m, n, k, false, false, false);
        Assert.Equal(direct, viaGemm);
        GemmReference.AssertClose(GemmReference.Multiply(a, b, m, n, k, false, false, null), viaGemm, k, "narrow forward");
    }

    /// <summary>Writes each tile it takes into a matrix and counts how often each element arrives (tiles come on several threads).</summary>
    private sealed unsafe class RecordingSink<T>(int m, int n) : IGemmTileSink<T> where T : unmanaged
    {
        public readonly T[] C = new T[m * n];
        public readonly int[] Visits = new int[m * n];

        public void Take(T* tile, int stride, int row0, int col0, int rows, int cols)
        {
            Assert.InRange(row0 + rows, 1, m);
            Assert.InRange(col0 + cols, 1, n);
            for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                int at = (row0 + r) * n + col0 + j;
                C[at] = tile[r * stride + j];
                Interlocked.Increment(ref Visits[at]);
            }
        }
    }

    [Theory]
    [InlineData(3072, 500, 100)]  // dW of a CIFAR net's first layer
    [InlineData(500, 10, 100)]    // narrow: computed transposed, handed over whole
    [InlineData(100, 10, 500)]    // narrow, A row-major: the AVX2 tile in K halves, stored, then handed over
    [InlineData(97, 130, 1100)]   // K in two panels: the last one completes C's partial sums
    [InlineData(13, 33, 7)]       // edge tiles both ways, too small to split over threads
    [InlineData(7, 5, 0)]         // K = 0: zeros
    public void Sink_TakesEveryElementOnce_WithTheStoredProductsBits(int m, int n, int k)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (int threads in new[] { 1, 2, 3 })
            foreach (var (ta, tb) in Layouts)
            {
                Parallelism.MaxThreads = threads;
                var a = GemmReference.Random<float>(m * k, 1);
                var b = GemmReference.Random<float>(k * n, 2);
                var stored = new float[m * n];
                Gemm.Multiply<float>(a, b, stored, m, n, k, ta, tb);
                var sink = new RecordingSink<float>(m, n);
                Gemm.MultiplyToSink<float>(a, b, new float[m * n], m, n, k, ta, tb, sink);
                Assert.All(sink.Visits, v => Assert.Equal(1, v));
                Assert.Equal(stored, sink.C);
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void SteadyState_AllocatesNothing()
    {
        var a = GemmReference.Random<float>(100 * 3072, 1);
        var b = GemmReference.Random<float>(3072 * 500, 2);
        var c = new float[100 * 500];
        var ad = GemmReference.Random<double>(64 * 64, 3);
        var cd = new double[64 * 64];
        for (int warm = 0; warm < 3; warm++)
        {
            Gemm.Multiply<float>(a, b, c, 100, 500, 3072);
            Gemm.Multiply<float>(b, a, c, 500, 100, 3072, transA: true, transB: true);
            Gemm.Multiply<double>(ad, ad, cd, 64, 64, 64, accumulate: true);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Gemm.Multiply<float>(a, b, c, 100, 500, 3072);
            Gemm.Multiply<float>(b, a, c, 500, 100, 3072, transA: true, transB: true);
            Gemm.Multiply<double>(ad, ad, cd, 64, 64, 64, accumulate: true);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ConcurrentCallers_GetCorrectResults()
    {
        const int m = 67, n = 300, k = 400;
        var expected = new double[4][];
        var inputs = new (float[] A, float[] B)[4];
        for (int t = 0; t < 4; t++)
        {
            inputs[t] = (GemmReference.Random<float>(m * k, 10 + t), GemmReference.Random<float>(k * n, 20 + t));
            expected[t] = GemmReference.Multiply(inputs[t].A, inputs[t].B, m, n, k, false, false);
        }
        var results = new float[4][];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            var c = new float[m * n];
            for (int rep = 0; rep < 20; rep++) Gemm.Multiply<float>(inputs[t].A, inputs[t].B, c, m, n, k);
            results[t] = c;
        })).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        for (int t = 0; t < 4; t++) GemmReference.AssertClose(expected[t], results[t], k, $"caller {t}");
    }

    private static void CheckAllLayouts<T>(int m, int n, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (ta, tb) in Layouts) CheckLayout<T>(m, n, k, ta, tb, accumulate: false);
    }

    private static void CheckLayout<T>(int m, int n, int k, bool transA, bool transB, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = GemmReference.Random<T>(m * k, m * 31 + k);
        var b = GemmReference.Random<T>(k * n, n * 17 + k);
        var c0 = GemmReference.Random<T>(m * n, 5);
        var c = (T[])c0.Clone();
        Gemm.Multiply<T>(a, b, c, m, n, k, transA, transB, accumulate);
        var expected = GemmReference.Multiply(a, b, m, n, k, transA, transB, accumulate ? c0 : null);
        GemmReference.AssertClose(expected, c, k, $"{typeof(T).Name} {m}x{n}x{k} tA={transA} tB={transB} acc={accumulate}");
    }

    private static unsafe void CheckDriver<T, TKernel>(int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        var a = GemmReference.Random<T>(m * k, 7);
        var b = GemmReference.Random<T>(k * n, 8);
        var c = new T[m * n];
        fixed (T* pa = a, pb = b, pc = c) GemmDriver<T, TKernel>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate: false);
        GemmReference.AssertClose(GemmReference.Multiply(a, b, m, n, k, transA, transB), c, k,
            $"{typeof(TKernel).Name} {m}x{n}x{k} tA={transA} tB={transB}");
    }

    private static void AssertSameForThreadCounts<T>(int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var a = GemmReference.Random<T>(m * k, 3);
        var b = GemmReference.Random<T>(k * n, 4);
        T[]? first = null;
        foreach (int threads in new[] { 1, 2, 3 })
        {
            Parallelism.MaxThreads = threads;
            var c = new T[m * n];
            Gemm.Multiply<T>(a, b, c, m, n, k, transA, transB);
            if (first is null) first = c;
            else Assert.True(first.AsSpan().SequenceEqual(c), $"{typeof(T).Name} {m}x{n}x{k}: {threads} threads differ from 1");
        }
    }
}
