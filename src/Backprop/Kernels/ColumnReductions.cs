using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>What a column reduction adds up per element: into Out1 (and Out2 for <see cref="SumAndProducts"/>).</summary>
internal enum ColumnReduction
{
    /// <summary>Σ a.</summary>
    Sum,
    /// <summary>Σ a·b (fused multiply-add).</summary>
    Products,
    /// <summary>Σ (a − r)², r a row vector (fused multiply-add of the difference).</summary>
    CentredSquares,
    /// <summary>Σ a into Out1 and Σ a·b into Out2, in one pass.</summary>
    SumAndProducts,
}

/// <summary>Pinned operands of a column reduction over (rows × cols) matrices A and B, with row vector R.</summary>
internal readonly unsafe struct ReductionCall<T> where T : unmanaged
{
    public T* A { get; init; }
    public T* B { get; init; }
    public T* R { get; init; }
    public T* Out1 { get; init; }
    public T* Out2 { get; init; }
    public T* Partials { get; init; }
    /// <summary>Values between consecutive partials (whole cache lines).</summary>
    public int Stride { get; init; }
    public int Rows { get; init; }
    public int Cols { get; init; }
    public ColumnReduction Op { get; init; }
}

/// <summary>
/// Column sums of large matrices over <see cref="RowBlocks"/>: each block's rows are added in order into its own partial
/// (on the pool's threads), then the partials in block order. Per element every step is one IEEE operation, the same in
/// the vector body and the scalar tail, so the result never depends on the thread count or the vector width.
/// </summary>
internal static unsafe class ColumnReductions<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ForBody<ReductionCall<T>> BlockBody = Block;

    /// <summary>
    /// How far ahead the streams are fetched by hand: the hardware prefetcher alone left these loops at about half of
    /// the memory bandwidth (4096 × 4096: Σ(a − r)² 2.7 → 2.0 ms, Σa and Σa·b 4.7 → 3.5 ms on this machine).
    /// </summary>
    internal const int PrefetchBytes = 4096;

    /// <summary>Runs the reduction <paramref name="op"/>; outputs have <paramref name="cols"/> values.</summary>
    public static void Run(ColumnReduction op, T* a, T* b, T* r, T* out1, T* out2, int rows, int cols)
    {
        int blocks = RowBlocks.Count(rows, cols);
        int stride = ReductionScratch<T>.LineStride(cols);
        int outs = op == ColumnReduction.SumAndProducts ? 2 : 1;
        var call = new ReductionCall<T>
        {
            A = a, B = b, R = r, Out1 = out1, Out2 = out2, Rows = rows, Cols = cols, Op = op, Stride = stride,
            Partials = blocks == 1 ? null : ReductionScratch<T>.Get((long)blocks * outs * stride),
        };
        if (blocks == 1)
        {
            Block(0, in call);
            return;
        }
        if (Parallelism.MaxThreads > 1) Parallelism.For(blocks, in call, BlockBody);
        else for (int k = 0; k < blocks; k++) Block(k, in call);
        for (int o = 0; o < outs; o++)
        {
            T* dst = o == 0 ? out1 : out2;
            new Span<T>(call.Partials + (long)o * stride, cols).CopyTo(new Span<T>(dst, cols));
            for (int k = 1; k < blocks; k++) Add(dst, call.Partials + ((long)k * outs + o) * stride, cols);
        }
    }

    /// <summary>Fetches the line <see cref="PrefetchBytes"/> past <paramref name="p"/> (never faults, even past an array's end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Ahead(T* p)
    {
        Simd.Prefetch((byte*)p + PrefetchBytes);
    }

    private static void Add(T* dst, T* src, int n)
    {
        int j = 0;
        if (Simd.Wide<T>())
            for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count) (Vector512.Load(dst + j) + Vector512.Load(src + j)).Store(dst + j);
        for (; j < n; j++) dst[j] += src[j];
    }

    /// <summary>Rows taken together: their sums stay in registers, one accumulator load and store per group.</summary>
    private const int Group = 4;

    private static void Block(int block, in ReductionCall<T> c)
    {
        var (r0, rows) = RowBlocks.Of(block, c.Rows, c.Cols);
        int outs = c.Op == ColumnReduction.SumAndProducts ? 2 : 1;
        int n = c.Cols;
        T* s1 = c.Partials is null ? c.Out1 : c.Partials + (long)block * outs * c.Stride;
        T* s2 = c.Partials is null ? c.Out2 : s1 + c.Stride;
        new Span<T>(s1, n).Clear();
        if (outs == 2) new Span<T>(s2, n).Clear();
        int vw = Simd.Wide<T>() ? n - n % Vector512<T>.Count : 0;
        // Each column still takes its rows one at a time in row order, so grouping changes no bit; it spares the
        // accumulators' trips through L1 (4096 × 4096 column sums: ~55 GB/s one row at a time, ~70 four at a time).
        int i = r0, end = r0 + rows;
        for (; i + Group <= end; i += Group)
        {
            T* a = c.A + (long)i * n, b = c.B + (long)i * n;
            switch (c.Op)
            {
                case ColumnReduction.Sum: Sum4(a, n, s1, vw); break;
                case ColumnReduction.Products: Products4(a, b, n, s1, vw); break;
                case ColumnReduction.CentredSquares: CentredSquares4(a, c.R, n, s1, vw); break;
                default: SumAndProducts4(a, b, n, s1, s2, vw); break;
            }
            for (int r = 0; r < Group; r++) Tail(in c, a + (long)r * n, b + (long)r * n, s1, s2, vw);
        }
        for (; i < end; i++)
        {
            T* a = c.A + (long)i * n, b = c.B + (long)i * n;
            switch (c.Op)
            {
                case ColumnReduction.Sum: Sum1(a, s1, vw); break;
                case ColumnReduction.Products: Products1(a, b, s1, vw); break;
                case ColumnReduction.CentredSquares: CentredSquares1(a, c.R, s1, vw); break;
                default: SumAndProducts1(a, b, s1, s2, vw); break;
            }
            Tail(in c, a, b, s1, s2, vw);
        }
    }

    // The vector loops cover columns [0, vw); Tail adds one row's columns [vw, n) with the same scalar operations.

    private static void Sum4(T* a, int n, T* s1, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            T* p = a + j;
            Ahead(p); Ahead(p + n); Ahead(p + 2 * n); Ahead(p + 3 * n);
            var s = Vector512.Load(s1 + j) + Vector512.Load(p);
            s += Vector512.Load(p + n);
            s += Vector512.Load(p + 2 * n);
            s += Vector512.Load(p + 3 * n);
            s.Store(s1 + j);
        }
    }

    private static void Products4(T* a, T* b, int n, T* s1, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            T* p = a + j, q = b + j;
            Ahead(p); Ahead(p + n); Ahead(p + 2 * n); Ahead(p + 3 * n);
            Ahead(q); Ahead(q + n); Ahead(q + 2 * n); Ahead(q + 3 * n);
            var s = Simd.Fma(Vector512.Load(p), Vector512.Load(q), Vector512.Load(s1 + j));
            s = Simd.Fma(Vector512.Load(p + n), Vector512.Load(q + n), s);
            s = Simd.Fma(Vector512.Load(p + 2 * n), Vector512.Load(q + 2 * n), s);
            s = Simd.Fma(Vector512.Load(p + 3 * n), Vector512.Load(q + 3 * n), s);
            s.Store(s1 + j);
        }
    }

    private static void CentredSquares4(T* a, T* r, int n, T* s1, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            T* p = a + j;
            Ahead(p); Ahead(p + n); Ahead(p + 2 * n); Ahead(p + 3 * n);
            var rv = Vector512.Load(r + j);
            var d0 = Vector512.Load(p) - rv;
            var d1 = Vector512.Load(p + n) - rv;
            var d2 = Vector512.Load(p + 2 * n) - rv;
            var d3 = Vector512.Load(p + 3 * n) - rv;
            var s = Simd.Fma(d0, d0, Vector512.Load(s1 + j));
            s = Simd.Fma(d1, d1, s);
            s = Simd.Fma(d2, d2, s);
            s = Simd.Fma(d3, d3, s);
            s.Store(s1 + j);
        }
    }

    private static void SumAndProducts4(T* a, T* b, int n, T* s1, T* s2, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            T* p = a + j, q = b + j;
            Ahead(p); Ahead(p + n); Ahead(p + 2 * n); Ahead(p + 3 * n);
            Ahead(q); Ahead(q + n); Ahead(q + 2 * n); Ahead(q + 3 * n);
            var a0 = Vector512.Load(p);
            var a1 = Vector512.Load(p + n);
            var a2 = Vector512.Load(p + 2 * n);
            var a3 = Vector512.Load(p + 3 * n);
            (Vector512.Load(s1 + j) + a0 + a1 + a2 + a3).Store(s1 + j);
            var s = Simd.Fma(a0, Vector512.Load(q), Vector512.Load(s2 + j));
            s = Simd.Fma(a1, Vector512.Load(q + n), s);
            s = Simd.Fma(a2, Vector512.Load(q + 2 * n), s);
            s = Simd.Fma(a3, Vector512.Load(q + 3 * n), s);
            s.Store(s2 + j);
        }
    }

    private static void Sum1(T* a, T* s1, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            Ahead(a + j);
            (Vector512.Load(s1 + j) + Vector512.Load(a + j)).Store(s1 + j);
        }
    }

    private static void Products1(T* a, T* b, T* s1, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            Ahead(a + j);
            Ahead(b + j);
            Simd.Fma(Vector512.Load(a + j), Vector512.Load(b + j), Vector512.Load(s1 + j)).Store(s1 + j);
        }
    }

    private static void CentredSquares1(T* a, T* r, T* s1, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            Ahead(a + j);
            var d = Vector512.Load(a + j) - Vector512.Load(r + j);
            Simd.Fma(d, d, Vector512.Load(s1 + j)).Store(s1 + j);
        }
    }

    private static void SumAndProducts1(T* a, T* b, T* s1, T* s2, int vw)
    {
        for (int j = 0; j < vw; j += Vector512<T>.Count)
        {
            Ahead(a + j);
            Ahead(b + j);
            var av = Vector512.Load(a + j);
            (Vector512.Load(s1 + j) + av).Store(s1 + j);
            Simd.Fma(av, Vector512.Load(b + j), Vector512.Load(s2 + j)).Store(s2 + j);
        }
    }

    private static void Tail(in ReductionCall<T> c, T* a, T* b, T* s1, T* s2, int j0)
    {
        int n = c.Cols;
        switch (c.Op)
        {
            case ColumnReduction.Sum:
                for (int j = j0; j < n; j++) s1[j] += a[j];
                break;
            case ColumnReduction.Products:
                for (int j = j0; j < n; j++) s1[j] = T.FusedMultiplyAdd(a[j], b[j], s1[j]);
                break;
            case ColumnReduction.CentredSquares:
                for (int j = j0; j < n; j++)
                {
                    T d = a[j] - c.R[j];
                    s1[j] = T.FusedMultiplyAdd(d, d, s1[j]);
                }
                break;
            default:
                for (int j = j0; j < n; j++)
                {
                    s1[j] += a[j];
                    s2[j] = T.FusedMultiplyAdd(a[j], b[j], s2[j]);
                }
                break;
        }
    }
}
