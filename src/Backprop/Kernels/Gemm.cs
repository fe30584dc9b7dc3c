using System.Numerics;

namespace Backprop.Kernels;

/// <summary>
/// General matrix product on row-major spans: <c>C (+)= op(A) · op(B)</c>, with <c>op(A)</c> of shape (m, k),
/// <c>op(B)</c> of shape (k, n) and C of shape (m, n).
/// </summary>
/// <remarks>
/// Blocked and packed, with an AVX-512 micro-kernel (AVX2+FMA, 128-bit NEON on ARM64, then scalar, on machines
/// without it), on up to <see cref="Parallelism.MaxThreads"/> threads. Results are bit-identical whatever the thread
/// count. Safe to call from several threads at once. C must not overlap A or B.
/// </remarks>
public static class Gemm
{
    /// <summary>
    /// C (m×n) = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.
    /// A is stored (m×k), or (k×m) when <paramref name="transA"/>; B is stored (k×n), or (n×k) when <paramref name="transB"/>.
    /// </summary>
    public static unsafe void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        fixed (T* pa = a, pb = b, pc = c)
        {
            if (ComputeTransposed<T>(m, n, transA))
            {
                Run(pb, pa, pc, n, m, k, !transB, !transA, accumulate, transposedC: true);
                return;
            }
            Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC: false);
        }
    }

    /// <summary>
    /// C (m×n) = A·B + <paramref name="row"/> added to every row: a layer's <c>x·w + b</c>, A (m×k) and B (k×n) stored
    /// as they are. Products that sum K in two halves (<see cref="GemmPlan.SplitK"/>) add the row when they add the
    /// halves, so C is written once, by the cores' row blocks; others start from the row and accumulate onto it.
    /// </summary>
    internal static unsafe void MultiplyAddRow<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> row, Span<T> c, int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (row.Length < n) throw new ArgumentException($"Gemm: the row holds {row.Length} values, needs {n}.");
        fixed (T* pa = a, pb = b, pc = c, pr = row)
        {
            if (ComputeTransposed<T>(m, n, transA: false))
            {
                Elementwise.BroadcastRows(row[..n], c, m);
                Run(pb, pa, pc, n, m, k, transA: true, transB: true, accumulate: true, transposedC: true);
                return;
            }
            Run(pa, pb, pc, m, n, k, transA: false, transB: false, accumulate: false, transposedC: false, rowBias: pr);
        }
    }

    /// <summary>
    /// op(A)·op(B) handed tile by tile to <paramref name="sink"/> (see <see cref="IGemmTileSink{T}"/>) instead of being
    /// stored. <paramref name="c"/> (m×n) is scratch: partial sums when K spans several panels, and the whole product,
    /// passed to the sink in one tile, for the narrow shapes computed transposed. Same values, bit for bit, as
    /// <see cref="Multiply{T}"/>.
    /// </summary>
    internal static unsafe void MultiplyToSink<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA, bool transB, IGemmTileSink<T> sink)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        fixed (T* pa = a, pb = b, pc = c)
        {
            if (ComputeTransposed<T>(m, n, transA))
            {
                Run(pb, pa, pc, n, m, k, !transB, !transA, accumulate: false, transposedC: true);
                sink.Take(pc, n, 0, 0, m, n);
                return;
            }
            Run(pa, pb, pc, m, n, k, transA, transB, accumulate: false, transposedC: false, sink);
        }
    }

    /// <summary>Outputs narrower than this are computed transposed (see <see cref="ComputeTransposed{T}"/>).</summary>
    private const int NarrowColumns = 32;

    /// <summary>
    /// Whether C (m×n) = op(A)·op(B) is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, putting n in the tile's rows: few columns would
    /// fill few lanes of a 32/64-wide tile. Not when A is row-major and n fits the AVX2 kernel's 16-float tile (a
    /// 10-class layer's forward X·W): there the transposed product packs all of X transposed for a few FLOPs per
    /// value, and the 6 × 16 tile on X read in place is faster (GEMM command, 100 × 500 × 10: 86–87 against 32–64
    /// GFLOP/s; 100 × 1000 × 10: 100 against 33; its weight gradient, A transposed, stays transposed: 56–59 against
    /// 76–99). Chosen by shape and layout alone; each element is the same fused chain either way, as
    /// fma(x, y, z) = fma(y, x, z), with the K split of the chosen shape.
    /// </summary>
    /// <remarks>
    /// Hosts without the AVX2 kernel (ARM64, 128-bit vectors) decide as the AVX hosts do, by <see cref="NarrowShape{T}"/>:
    /// computing transposed drops the K split (<see cref="GemmPlan.SplitK"/>) and starts C from the bias, so deciding
    /// otherwise would round differently.
    /// </remarks>
    private static bool ComputeTransposed<T>(int m, int n, bool transA) where T : unmanaged, IFloatingPointIeee754<T> =>
        n < NarrowColumns && m >= 2 * n && (transA || !NarrowShape<T>(n));

    /// <summary>True when n columns take the AVX2 kernel directly (<see cref="ComputeTransposed{T}"/>).</summary>
    private static bool NarrowDirect<T>(int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        GemmKernel256<T>.IsSupported && NarrowShape<T>(n);

    /// <summary>True when n columns fit the AVX2 kernel's tile (16 floats, 8 doubles), whether or not the host runs it.</summary>
    private static bool NarrowShape<T>(int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && n <= GemmKernel256<T>.NR;

    private static unsafe void Run<T>(T* pa, T* pb, T* pc, int m, int n, int k, bool transA, bool transB,
        bool accumulate, bool transposedC, IGemmTileSink<T>? sink = null, T* rowBias = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (KernelFor<T>(n))
        {
            case Kernel.Wide512 when sink is null && k > GemmPlan.RowSweepMaxK && FiveRowsPadLess(m):
                // The K halves of a split product are still cut at six-row boundaries: same sums, same bits.
                GemmDriver<T, GemmKernel512Wide<T, FiveRows>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC, sink, rowBias,
                    kSplitRows: GemmKernel512Wide<T, SixRows>.MR);
                break;
            case Kernel.Wide512:
                GemmDriver<T, GemmKernel512Wide<T, SixRows>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC, sink, rowBias);
                break;
            case Kernel.Tall512:
                GemmDriver<T, GemmKernel512<T>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC, sink, rowBias);
                break;
            case Kernel.Avx2:
                // The AVX2 kernel's 6-row panels divide the granule: an AVX2 host cuts K where an AVX-512 one does.
                GemmDriver<T, GemmKernel256<T>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC, sink, rowBias,
                    kSplitRows: VectorHostSplitRows<T>(n));
                break;
            case Kernel.Vector128:
                GemmDriver<T, GemmKernel128<T>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC, sink, rowBias,
                    kSplitRows: VectorHostSplitRows<T>(n));
                break;
            default:
                GemmDriver<T, GemmKernelScalar<T>>.Run(pa, pb, pc, m, n, k, transA, transB, accumulate, transposedC, sink, rowBias,
                    kSplitRows: VectorHostSplitRows<T>(n));
                break;
        }
    }

    private enum Kernel { Wide512, Tall512, Avx2, Vector128, Scalar }

    /// <summary>
    /// Whether five-row wide tiles compute at least 1% fewer padded rows of an m-row product than six-row ones (a batch
    /// of 100: 100 rows against 102). Only for products not swept by rows (K above <see cref="GemmPlan.RowSweepMaxK"/>):
    /// a weight gradient keeps the six-row panels whose row split the forward product's K split follows.
    /// </summary>
    internal static bool FiveRowsPadLess(int m) =>
        FiveRowTiles && (long)(Padding(m, SixRows.Count) - Padding(m, FiveRows.Count)) * 100 >= m;

    /// <summary>Allows five-row tiles (tests turn it off to compare bits).</summary>
    internal static bool FiveRowTiles = true;

    private static int Padding(int m, int mr) => (m + mr - 1) / mr * mr - m;

    /// <summary>
    /// The micro-kernel for a product with <paramref name="n"/> output columns. Wide tiles (6×64 float, 6×32 double;
    /// five rows where six would pad more, <see cref="FiveRowsPadLess"/>) load fewer values per FMA; narrow outputs
    /// would waste their lanes, and the narrowest take the AVX2 tile (16 floats wide: on a Zen 4 its 256-bit FMAs reach
    /// the same peak). Hosts without AVX2 take the 128-bit tile where FMA is an instruction (ARM64), else the scalar
    /// one. The choice depends on the shape and the host only, and every kernel computes each element with the same FMA
    /// chain.
    /// </summary>
    private static Kernel KernelFor<T>(int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool simdType = typeof(T) == typeof(float) || typeof(T) == typeof(double);
        if (NarrowDirect<T>(n)) return Kernel.Avx2;
        if (simdType && GemmKernel512Wide<T, SixRows>.IsSupported && n > GemmKernel512<T>.NR) return Kernel.Wide512;
        if (simdType && GemmKernel512<T>.IsSupported) return Kernel.Tall512;
        if (simdType && GemmKernel256<T>.IsSupported) return Kernel.Avx2;
        if (GemmKernel128<T>.IsSupported) return Kernel.Vector128;
        return Kernel.Scalar;
    }

    /// <summary>
    /// The row at which two threads split a (rows × cols) weight matrix W: forward products X·W sum K in two halves cut
    /// here (<see cref="GemmPlan.KSplit"/>), and the gradient's product Xᵀ·dout, swept by rows, splits its rows here.
    /// A pass that writes what those products read (the minibatch gather: the first layer's X) can split at it too.
    /// </summary>
    internal static int WeightRowSplit<T>(int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int mr = KernelFor<T>(cols) switch
        {
            Kernel.Wide512 => GemmKernel512Wide<T, SixRows>.MR,
            Kernel.Tall512 => GemmKernel512<T>.MR,
            _ => VectorHostSplitRows<T>(cols),
        };
        return GemmPlan.RowSplit(rows, mr);
    }

    /// <summary>
    /// The granule at which the AVX2, 128-bit and scalar kernels cut a split product's K (<see cref="GemmPlan.KSplit"/>):
    /// the row panels of the kernel an AVX-512 host takes for <paramref name="n"/> columns, so that AVX2 hosts (17–32
    /// float columns: 12, not 6) and hosts without AVX2 (the 128-bit kernel's 6-row panels, the scalar kernel's 4) sum K
    /// in the same two halves and get the same bits (K = 500, n = 500: 0–251 and 252–499, where 4-row panels cut at
    /// 248).
    /// </summary>
    internal static int VectorHostSplitRows<T>(int n) where T : unmanaged, IFloatingPointIeee754<T> =>
        NarrowShape<T>(n) ? GemmKernel256<T>.MR
        : n > GemmKernel512<T>.NR ? GemmKernel512Wide<T, SixRows>.MR
        : GemmKernel512<T>.MR;

    internal static void CheckSizes(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size m={m}, n={n}, k={k}.");
        if (aLength < (long)m * k) throw new ArgumentException($"Gemm: A holds {aLength} values, needs {(long)m * k} (m={m}, k={k}).");
        if (bLength < (long)k * n) throw new ArgumentException($"Gemm: B holds {bLength} values, needs {(long)k * n} (k={k}, n={n}).");
        if (cLength < (long)m * n) throw new ArgumentException($"Gemm: C holds {cLength} values, needs {(long)m * n} (m={m}, n={n}).");
    }
}
