using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the micro-panel layouts the kernels stream through, zero-padding past the
/// matrix edge. Transposes happen here, element by element, and are never materialised as whole matrices.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Writable bytes past the end of every packed A micro-panel: the vector packing may scribble there.</summary>
    public const int PanelSlackBytes = 64;

    /// <summary>
    /// A micro-panel: dst[p·mr + r] = op(A)[i0 + r, p0 + p] for p &lt; kc, r &lt; mr, 0 past row m.
    /// A is stored (m×k), or (k×m) when <paramref name="transA"/>. dst must have <see cref="PanelSlackBytes"/> of
    /// writable slack after the kc·mr values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(T* a, int m, int k, bool transA, int i0, int p0, int kc, int mr, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        int rows = Math.Min(mr, m - i0);
        if (GemmTranspose.IsSupported<T>())
        {
            PackAVector(a, m, k, transA, i0, p0, kc, mr, rows, dst);
            return;
        }
        if (transA)
        {
            // Row p of the stored A holds op(A)[., p] contiguously: copy mr of them per p.
            T* src = a + (nint)p0 * m + i0;
            for (int p = 0; p < kc; p++, src += m, dst += mr)
            {
                for (int r = 0; r < rows; r++) dst[r] = src[r];
                for (int r = rows; r < mr; r++) dst[r] = T.Zero;
            }
            return;
        }
        // Row i of the stored A is op(A)[i, .]: read each row contiguously, scatter with stride mr.
        for (int r = 0; r < rows; r++)
        {
            T* src = a + (nint)(i0 + r) * k + p0;
            T* d = dst + r;
            for (int p = 0; p < kc; p++, d += mr) *d = src[p];
        }
        for (int r = rows; r < mr; r++)
        {
            T* d = dst + r;
            for (int p = 0; p < kc; p++, d += mr) *d = T.Zero;
        }
    }

    /// <summary>
    /// B micro-panel: dst[p·nr + j] = op(B)[p0 + p, j0 + j] for p &lt; kc, j &lt; nr, 0 past column n.
    /// B is stored (k×n), or (n×k) when <paramref name="transB"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(T* b, int n, int k, bool transB, int j0, int p0, int kc, int nr, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        int cols = Math.Min(nr, n - j0);
        if (GemmTranspose.IsSupported<T>() && nr % Vector512<T>.Count == 0)
        {
            PackBVector(b, n, k, transB, j0, p0, kc, nr, cols, dst);
            return;
        }
        if (!transB)
        {
            PackBRows(b, n, p0, kc, j0, 1, nr, dst);
            return;
        }
        // Row j of the stored B is op(B)[., j]: read it contiguously, scatter with stride nr.
        for (int j = 0; j < cols; j++)
        {
            T* src = b + (nint)(j0 + j) * k + p0;
            T* d = dst + j;
            for (int p = 0; p < kc; p++, d += nr) *d = src[p];
        }
        for (int j = cols; j < nr; j++)
        {
            T* d = dst + j;
            for (int p = 0; p < kc; p++, d += nr) *d = T.Zero;
        }
    }

    /// <summary>
    /// <paramref name="panels"/> B micro-panels side by side, B stored (k×n): panel q, at dst + q·kc·nr, holds columns
    /// [j0 + q·nr, j0 + (q + 1)·nr) as <see cref="PackB{T}"/> packs it. Each row of B is read once, in address order,
    /// so the hardware prefetchers stream it; packing panel by panel reads each row in short pieces one stride apart,
    /// and the lines where panels meet twice.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBRows<T>(T* b, int n, int p0, int kc, int j0, int panels, int nr, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        bool vector = GemmTranspose.IsSupported<T>() && nr % Vector512<T>.Count == 0;
        nint panelLength = (nint)kc * nr;
        for (int p = 0; p < kc; p++)
        {
            T* src = b + (nint)(p0 + p) * n + j0;
            T* d = dst + (nint)p * nr;
            for (int q = 0; q < panels; q++, src += nr, d += panelLength)
            {
                int cols = Math.Min(nr, n - j0 - q * nr);
                if (vector)
                {
                    GemmTranspose.CopyPadded(src, cols, d, nr);
                    continue;
                }
                new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(d, cols));
                for (int j = cols; j < nr; j++) d[j] = T.Zero;
            }
        }
    }

    /// <summary>AVX-512 PackA: contiguous copies when transposed storage already runs along rows, else L×L transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAVector<T>(T* a, int m, int k, bool transA, int i0, int p0, int kc, int mr, int rows, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        if (transA)
        {
            T* src = a + (nint)p0 * m + i0;
            for (int p = 0; p < kc; p++, src += m, dst += mr) GemmTranspose.CopyPadded(src, rows, dst, mr);
            return;
        }
        int lanes = Vector512<T>.Count;
        T* rowsStart = a + (nint)i0 * k + p0;
        int pTail = kc - kc % lanes;
        if (typeof(T) == typeof(float) && mr == 6)
        {
            // The wide kernel's panel: each 16-column step is six whole vectors of output.
            for (int p = 0; p < pTail; p += lanes)
                GemmTranspose.Block6x16((float*)rowsStart + p, k, rows, (float*)dst + (nint)p * mr);
        }
        else
        {
            // Full-vector stores of each transposed row: a row of mr values spills into the next rows, which are stored
            // after it (groups of rows go last-first, so lower groups overwrite spills of higher ones); the last spill
            // lands in the panel's slack (PanelSlackBytes).
            for (int r0 = (mr - 1) / lanes * lanes; r0 >= 0; r0 -= lanes)
            for (int p = 0; p < pTail; p += lanes)
                GemmTranspose.Block(rowsStart + (nint)r0 * k + p, k, Math.Clamp(rows - r0, 0, lanes), dst + (nint)p * mr + r0, mr);
        }
        for (int p = pTail; p < kc; p++)
        for (int r = 0; r < mr; r++)
            dst[(nint)p * mr + r] = r < rows ? rowsStart[(nint)r * k + p] : T.Zero;
    }

    /// <summary>Rows of B fetched ahead of the copy (prefetches never fault, so running past the array is harmless).</summary>
    private const int PrefetchRows = 16;

    /// <summary>AVX-512 PackB: contiguous copies when B's rows run along columns, else L×L transposes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBVector<T>(T* b, int n, int k, bool transB, int j0, int p0, int kc, int nr, int cols, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        if (!transB)
        {
            // Each row gives this panel a few cache lines, one row stride apart: too sparse for the hardware
            // prefetchers when B comes from memory (the weights, once per step), so rows are fetched ahead by hand.
            T* src = b + (nint)p0 * n + j0;
            int lines = cols * sizeof(T) / 64 + 1;
            nint ahead = (nint)PrefetchRows * n;
            for (int p = 0; p < kc; p++, src += n, dst += nr)
            {
                for (int l = 0; l < lines; l++) Simd.Prefetch((byte*)(src + ahead) + 64 * l);
                GemmTranspose.CopyPadded(src, cols, dst, nr);
            }
            return;
        }
        int lanes = Vector512<T>.Count;
        T* colsStart = b + (nint)j0 * k + p0;
        int pTail = kc - kc % lanes;
        for (int c0 = 0; c0 < nr; c0 += lanes) // one group of L source rows at a time: L read streams, not nr
        for (int p = 0; p < pTail; p += lanes)
            GemmTranspose.Block(colsStart + (nint)c0 * k + p, k, Math.Clamp(cols - c0, 0, lanes), dst + (nint)p * nr + c0, nr);
        for (int p = pTail; p < kc; p++)
        for (int j = 0; j < nr; j++)
            dst[(nint)p * nr + j] = j < cols ? colsStart[(nint)j * k + p] : T.Zero;
    }
}
