using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>Pinned operands of the fused batch-norm + ReLU passes over an (N, D) batch; vectors have D values.</summary>
internal readonly unsafe struct BatchNormReluCall<T> where T : unmanaged
{
    public T* X { get; init; }          // forward: input; backward: dout (of the ReLU)
    public T* XHat { get; init; }       // normalised input
    public T* Out { get; init; }        // forward: ReLU output; backward: the forward's ReLU output (the mask)
    public T* Dx { get; init; }         // backward: dx
    public T* Mean { get; init; }       // forward: mean; backward: mb = k·Σda/N
    public T* InvStd { get; init; }     // forward: variance, then 1/σ; backward: 1/σ
    public T* Gamma { get; init; }
    public T* Beta { get; init; }
    public T* RunningMean { get; init; }
    public T* RunningVar { get; init; }
    public T* DGamma { get; init; }
    public T* DBeta { get; init; }
    public T* K { get; init; }          // backward: k = γ/σ
    public T* Mg { get; init; }         // backward: mg = −k·Σ(da·x̂)/N
    public T Momentum { get; init; }
    public T OneMinusMomentum { get; init; }
    public T Eps { get; init; }
    public T InvN { get; init; }
    public int Rows { get; init; }
    public int Cols { get; init; }
    /// <summary>Row pieces of the element-wise pass (set by the kernel).</summary>
    public int RowPieces { get; init; }
    /// <summary><see cref="RowBlocks"/> of the batch, and their partial sums, two per block, <see cref="PartialsStride"/> apart (set by the kernel).</summary>
    public int Blocks { get; init; }
    public T* Partials { get; init; }
    public int PartialsStride { get; init; }
    /// <summary>The element-wise pass writes with streaming stores (set by the kernel: <see cref="Streaming.Activations{T}"/>).</summary>
    public bool Stream { get; init; }
}

/// <summary>
/// Batch norm followed by ReLU, training mode: the per-feature sums over the fixed <see cref="RowBlocks"/> of the batch
/// (statistics, running averages, 1/σ; backward: the mask and the two sums, and the coefficients of dx), each block's
/// partial sums added in block order, then the element-wise pass over row pieces (normalise and rectify; backward: dx).
/// Batch norm's arithmetic is per feature and each element's the same wherever it is computed, and the blocks are those
/// the separate layers' column reductions use (<see cref="ColumnReductions{T}"/>), so each operation is the one the
/// separate layers do (<see cref="BatchNormKernels{T}"/>, <see cref="Elementwise.Relu{T}"/>), in the same order: the
/// results are bit-identical to BatchNormForward then ReluForward (and ReluBackward then BatchNormBackwardAlt), on any
/// thread count.
/// </summary>
/// <remarks>
/// <para>Every pass is split by rows. The sums of a training batch's two row blocks read the rows the same core wrote
/// (the forward product adds its K halves by rows), where column blocks made each core read half its columns from the
/// other core's cache: ~350 ns a line while the host kept the two virtual CPUs on different CCDs. The element-wise
/// pass writes the batch, and there two cores writing the two column halves of the same rows slowed each other far
/// beyond the lines they share: 100 rows of 512 floats (no line shared, 64-byte aligned), two arrays written, took 5.9 µs
/// on one thread and 15 µs on two by column halves, against 2.8–3.0 µs on two by row halves; the hardware prefetchers
/// of each core reach into the other's lines. On two or more threads, while the cores sit far apart, that pass writes
/// with streaming stores (<see cref="Streaming.Activations{T}"/>): the next products read x̂, out and dx by column
/// halves, so the other core holds a copy of every line an ordinary store would first have to take back.</para>
/// <para>Only for batches of at most two blocks (<see cref="Applies"/>), whose blocks stay in L2 while their columns
/// are summed in registers; the caller falls back to the separate layers otherwise.</para>
/// </remarks>
internal static unsafe class BatchNormReluKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ForBody<BatchNormReluCall<T>> SumBody = SumPiece;
    private static readonly ForBody<BatchNormReluCall<T>> CentredBody = CentredPiece;
    private static readonly ForBody<BatchNormReluCall<T>> NormalizeBody = NormalizePiece;
    private static readonly ForBody<BatchNormReluCall<T>> GradientSumsBody = GradientSumsPiece;
    private static readonly ForBody<BatchNormReluCall<T>> DxBody = DxPiece;

    /// <summary>True when the fused passes apply: the batch is at most two row blocks.</summary>
    public static bool Applies(int rows, int cols) => RowBlocks.Count(rows, cols) <= 2;

    /// <summary>x̂, 1/σ, the running statistics, and out = max(x̂·γ + β, 0).</summary>
    public static void Forward(in BatchNormReluCall<T> call)
    {
        var c = Prepare(in call);
        int d = c.Cols;
        // Σx, then Σ(x − mean)² (the centred two-pass variance, as NumPy's var).
        Blocks(in c, SumBody);
        Combine(in c, 0, c.Mean);
        for (int j = 0; j < d; j++) c.Mean[j] *= c.InvN;
        Blocks(in c, CentredBody);
        Combine(in c, 0, c.InvStd);
        for (int j = 0; j < d; j++) c.InvStd[j] *= c.InvN;
        BatchNormKernels<T>.UpdateRunning(c.RunningMean, c.RunningVar, c.Mean, c.InvStd, d, c.Momentum, c.OneMinusMomentum);
        var inv = new Span<T>(c.InvStd, d);
        TensorPrimitives.Add(inv, c.Eps, inv);
        TensorPrimitives.ReciprocalSqrt<T>(inv, inv);
        RowPass(in c, NormalizeBody);
    }

    /// <summary>dx, dγ and dβ from the ReLU's dout, masked where the forward output was not positive.</summary>
    public static void Backward(in BatchNormReluCall<T> call)
    {
        var c = Prepare(in call);
        // dβ = Σ da and dγ = Σ da·x̂ with da = dout where out > 0 (the ReLU gradient).
        Blocks(in c, GradientSumsBody);
        Combine(in c, 0, c.DBeta);
        Combine(in c, 1, c.DGamma);
        // k = γ/σ, mb = (dβ·k)/N, mg = −(dγ·k)/N, each product rounded as the separate layer's passes round it.
        T minusInvN = -c.InvN;
        for (int j = 0; j < c.Cols; j++)
        {
            c.K[j] = c.Gamma[j] * c.InvStd[j];
            c.Mean[j] = c.DBeta[j] * c.K[j] * c.InvN;
            c.Mg[j] = c.DGamma[j] * c.K[j] * minusInvN;
        }
        RowPass(in c, DxBody);
    }

    /// <summary>The call with its blocks, their partial sums' scratch and the row pieces of the element-wise pass.</summary>
    private static BatchNormReluCall<T> Prepare(in BatchNormReluCall<T> c)
    {
        int blocks = RowBlocks.Count(c.Rows, c.Cols);
        int stride = ReductionScratch<T>.LineStride(c.Cols);
        bool parallel = blocks > 1 && Parallelism.MaxThreads > 1;
        return c with
        {
            Blocks = blocks,
            PartialsStride = stride,
            Partials = blocks == 1 ? null : ReductionScratch<T>.Get(2L * blocks * stride),
            RowPieces = parallel ? Math.Min(Parallelism.MaxThreads, c.Rows) : 1,
            // x̂ and out share their alignment within a line (line-aligned workspace slots), so one head serves both.
            Stream = parallel && Streaming.Activations<T>() && Streaming.LineOffset(c.XHat) == Streaming.LineOffset(c.Out),
        };
    }

    private static void Blocks(in BatchNormReluCall<T> c, ForBody<BatchNormReluCall<T>> body)
    {
        if (c.RowPieces > 1) Parallelism.For(c.Blocks, in c, body);
        else for (int b = 0; b < c.Blocks; b++) body(b, in c);
    }

    private static void RowPass(in BatchNormReluCall<T> c, ForBody<BatchNormReluCall<T>> body)
    {
        if (c.RowPieces > 1) Parallelism.For(c.RowPieces, in c, body);
        else body(0, in c);
    }

    /// <summary>Where block <paramref name="block"/> puts sum <paramref name="sum"/>: the output itself when there is one block.</summary>
    private static T* Partial(in BatchNormReluCall<T> c, int block, int sum, T* output) =>
        c.Blocks == 1 ? output : c.Partials + ((long)block * 2 + sum) * c.PartialsStride;

    /// <summary>output = partial 0 + partial 1 + … in block order (as <see cref="ColumnReductions{T}"/> adds its partials).</summary>
    private static void Combine(in BatchNormReluCall<T> c, int sum, T* output)
    {
        if (c.Blocks == 1) return;
        var dst = new Span<T>(output, c.Cols);
        new ReadOnlySpan<T>(Partial(in c, 0, sum, null), c.Cols).CopyTo(dst);
        for (int b = 1; b < c.Blocks; b++) TensorPrimitives.Add(dst, new ReadOnlySpan<T>(Partial(in c, b, sum, null), c.Cols), dst);
    }

    /// <summary>Rows [begin, end) of row piece <paramref name="piece"/>.</summary>
    private static (int Begin, int End) Rows(int piece, in BatchNormReluCall<T> c) =>
        (Parallelism.SplitStart(c.Rows, c.RowPieces, piece), Parallelism.SplitStart(c.Rows, c.RowPieces, piece + 1));

    /// <summary>Vector-covered width of a row (the rest is the scalar tail, same operations).</summary>
    private static int VectorWidth(int width) => Simd.Wide<T>() ? width - width % Vector512<T>.Count : 0;

    private static void SumPiece(int block, in BatchNormReluCall<T> c)
    {
        var (r0, rows) = RowBlocks.Of(block, c.Rows, c.Cols);
        int d = c.Cols;
        ColumnSums(c.X + (long)r0 * d, null, null, d, rows, d, VectorWidth(d), Partial(in c, block, 0, c.Mean), null);
    }

    private static void CentredPiece(int block, in BatchNormReluCall<T> c)
    {
        var (r0, rows) = RowBlocks.Of(block, c.Rows, c.Cols);
        int d = c.Cols;
        ColumnSums(c.X + (long)r0 * d, null, c.Mean, d, rows, d, VectorWidth(d), Partial(in c, block, 0, c.InvStd), null);
    }

    private static void GradientSumsPiece(int block, in BatchNormReluCall<T> c)
    {
        var (r0, rows) = RowBlocks.Of(block, c.Rows, c.Cols);
        int d = c.Cols;
        long o = (long)r0 * d;
        ColumnSums(c.X + o, c.Out + o, c.XHat + o, d, rows, d, VectorWidth(d), Partial(in c, block, 0, c.DBeta), Partial(in c, block, 1, c.DGamma));
    }

    private static void NormalizePiece(int piece, in BatchNormReluCall<T> c)
    {
        var (i0, i1) = Rows(piece, in c);
        int d = c.Cols;
        for (int i = i0; i < i1; i++)
        {
            long o = (long)i * d;
            Row(c.XHat + o, d, c.Stream, new NormalizeRow(c.X + o, c.XHat + o, c.Out + o, c.Mean, c.InvStd, c.Gamma, c.Beta));
        }
        if (c.Stream) Streaming.Fence();
    }

    private static void DxPiece(int piece, in BatchNormReluCall<T> c)
    {
        var (i0, i1) = Rows(piece, in c);
        int d = c.Cols;
        for (int i = i0; i < i1; i++)
        {
            long o = (long)i * d;
            Row(c.Dx + o, d, c.Stream, new DxRow(c.X + o, c.Out + o, c.XHat + o, c.Dx + o, c.K, c.Mean, c.Mg));
        }
        if (c.Stream) Streaming.Fence();
    }

    /// <summary>One row of an element-wise pass: the elements from column j as one vector, or one element (the same operations).</summary>
    private interface IRow
    {
        void Vector(int j, bool stream);
        void Scalar(int j);
    }

    /// <summary>
    /// Row <paramref name="row"/>, <paramref name="d"/> columns, whose outputs share the line offset of
    /// <paramref name="dst"/>: whole vectors from dst's first line boundary, so none of their stores straddles two
    /// lines; the columns before and after as one vector at column 0 and one at d − lanes, overlapping the body (each
    /// element rewritten with the same value), or, streamed or narrower than a vector, element by element (streaming
    /// stores need the boundary).
    /// </summary>
    /// <remarks>
    /// The layers' 500 columns start each row 16 bytes further into a line. Stored from column 0, three rows in four
    /// made every vector store a split store: batch norm + ReLU forward at 100 × 500, one thread, hot, 29.7–31.0 µs
    /// against 16.0–17.1 from the line boundary (the bench's <c>split-writes</c>); Fashion-MNIST epochs on one thread,
    /// its forward 24–29 → 16–17 ms per layer, its backward 15–21 → 14–18. The edges are vectors because scalar ones
    /// made the backward slower (20 → 22–23 ms). Streamed rows keep scalar edges: ordinary stores into lines the
    /// streaming stores then write made both passes slower (2 threads, far: forward 15–20 → 26–30 ms per layer per
    /// epoch, backward 17–22 → 24–27).
    /// The row comes by value and all its methods inline: passed by reference, or with a method left out of line, its
    /// pointers lived on the stack and were reloaded for every vector (the forward 18 → 23–25 µs).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TRow>(T* dst, int d, bool stream, TRow row) where TRow : struct, IRow
    {
        int lanes = Vector512<T>.Count, j = 0;
        if (Simd.Wide<T>() && d >= lanes)
        {
            int start = Streaming.Head(dst, d);
            if (stream) for (; j < start; j++) row.Scalar(j);
            else if (start > 0) row.Vector(0, stream: false);
            for (j = start; j <= d - lanes; j += lanes) row.Vector(j, stream);
            if (!stream && j < d)
            {
                row.Vector(d - lanes, stream: false);
                return;
            }
        }
        for (; j < d; j++) row.Scalar(j);
    }

    /// <summary>A row of <see cref="NormalizePiece"/>: x̂ = (x − mean)·(1/σ), out = max(x̂·γ + β, 0).</summary>
    private readonly struct NormalizeRow(T* x, T* h, T* y, T* mean, T* inv, T* g, T* b) : IRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(int j, bool stream)
        {
            var hv = (Vector512.Load(x + j) - Vector512.Load(mean + j)) * Vector512.Load(inv + j);
            Put(hv, h + j, stream);
            Put(Rectify(Simd.Fma(hv, Vector512.Load(g + j), Vector512.Load(b + j))), y + j, stream);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(int j)
        {
            T hv = (x[j] - mean[j]) * inv[j];
            h[j] = hv;
            y[j] = Rectify(T.FusedMultiplyAdd(hv, g[j], b[j]));
        }
    }

    /// <summary>A row of <see cref="DxPiece"/>: da = dout where out &gt; 0, dx = x̂·mg + (da·k − mb).</summary>
    private readonly struct DxRow(T* dout, T* y, T* h, T* dx, T* k, T* mb, T* mg) : IRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector(int j, bool stream)
        {
            var da = Masked(Vector512.Load(dout + j), Vector512.Load(y + j));
            Put(Simd.Fma(Vector512.Load(h + j), Vector512.Load(mg + j), da * Vector512.Load(k + j) - Vector512.Load(mb + j)), dx + j, stream);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Scalar(int j)
        {
            T da = y[j] > T.Zero ? dout[j] : T.Zero;
            dx[j] = T.FusedMultiplyAdd(h[j], mg[j], da * k[j] - mb[j]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(Vector512<T> v, T* p, bool stream)
    {
        if (stream) Streaming.Store(v, p);
        else v.Store(p);
    }

    /// <summary>
    /// Column sums over <paramref name="rows"/> rows (<paramref name="ld"/> apart) of a block <paramref name="w"/> wide,
    /// each column's rows added in order: without <paramref name="mask"/>, s1 = Σ a (or Σ (a − r)², fused, when
    /// <paramref name="r"/> is given); with it, s1 = Σ da and s2 = Σ da·r (fused) where da = a masked by mask &gt; 0.
    /// </summary>
    /// <remarks>
    /// Four vectors of columns at a time walk down all the rows with their sums in registers, instead of adding each
    /// row into sums kept in memory (the whole forward pass of a 100 × 500 batch on one thread, hot: 20.8 µs that
    /// way, 17.5 µs this way).
    /// </remarks>
    private static void ColumnSums(T* a, T* mask, T* r, int ld, int rows, int w, int vw, T* s1, T* s2)
    {
        int vc = Vector512<T>.Count, j = 0;
        for (; j + 4 * vc <= vw; j += 4 * vc) Sums4(a + j, mask is null ? null : mask + j, r is null ? null : r + j, ld, rows, s1 + j, s2 is null ? null : s2 + j);
        for (; j < vw; j += vc) Sums1(a + j, mask is null ? null : mask + j, r is null ? null : r + j, ld, rows, s1 + j, s2 is null ? null : s2 + j);
        for (; j < w; j++)
        {
            T t1 = T.Zero, t2 = T.Zero;
            for (int i = 0; i < rows; i++)
            {
                T v = a[(long)i * ld + j];
                if (mask is not null)
                {
                    T da = mask[(long)i * ld + j] > T.Zero ? v : T.Zero;
                    t1 += da;
                    t2 = T.FusedMultiplyAdd(da, r[(long)i * ld + j], t2);
                }
                else if (r is not null)
                {
                    T dv = v - r[j];
                    t1 = T.FusedMultiplyAdd(dv, dv, t1);
                }
                else t1 += v;
            }
            s1[j] = t1;
            if (s2 is not null) s2[j] = t2;
        }
    }

    private static void Sums4(T* a, T* mask, T* r, int ld, int rows, T* s1, T* s2)
    {
        int vc = Vector512<T>.Count;
        Vector512<T> p0 = default, p1 = default, p2 = default, p3 = default, q0 = default, q1 = default, q2 = default, q3 = default;
        if (mask is not null)
        {
            for (int i = 0; i < rows; i++)
            {
                long o = (long)i * ld;
                var d0 = Masked(Vector512.Load(a + o), Vector512.Load(mask + o));
                var d1 = Masked(Vector512.Load(a + o + vc), Vector512.Load(mask + o + vc));
                var d2 = Masked(Vector512.Load(a + o + 2 * vc), Vector512.Load(mask + o + 2 * vc));
                var d3 = Masked(Vector512.Load(a + o + 3 * vc), Vector512.Load(mask + o + 3 * vc));
                p0 += d0; p1 += d1; p2 += d2; p3 += d3;
                q0 = Simd.Fma(d0, Vector512.Load(r + o), q0);
                q1 = Simd.Fma(d1, Vector512.Load(r + o + vc), q1);
                q2 = Simd.Fma(d2, Vector512.Load(r + o + 2 * vc), q2);
                q3 = Simd.Fma(d3, Vector512.Load(r + o + 3 * vc), q3);
            }
            q0.Store(s2); q1.Store(s2 + vc); q2.Store(s2 + 2 * vc); q3.Store(s2 + 3 * vc);
        }
        else if (r is not null)
        {
            Vector512<T> r0 = Vector512.Load(r), r1 = Vector512.Load(r + vc), r2 = Vector512.Load(r + 2 * vc), r3 = Vector512.Load(r + 3 * vc);
            for (int i = 0; i < rows; i++)
            {
                long o = (long)i * ld;
                var d0 = Vector512.Load(a + o) - r0;
                var d1 = Vector512.Load(a + o + vc) - r1;
                var d2 = Vector512.Load(a + o + 2 * vc) - r2;
                var d3 = Vector512.Load(a + o + 3 * vc) - r3;
                p0 = Simd.Fma(d0, d0, p0); p1 = Simd.Fma(d1, d1, p1); p2 = Simd.Fma(d2, d2, p2); p3 = Simd.Fma(d3, d3, p3);
            }
        }
        else
        {
            for (int i = 0; i < rows; i++)
            {
                long o = (long)i * ld;
                p0 += Vector512.Load(a + o); p1 += Vector512.Load(a + o + vc); p2 += Vector512.Load(a + o + 2 * vc); p3 += Vector512.Load(a + o + 3 * vc);
            }
        }
        p0.Store(s1); p1.Store(s1 + vc); p2.Store(s1 + 2 * vc); p3.Store(s1 + 3 * vc);
    }

    private static void Sums1(T* a, T* mask, T* r, int ld, int rows, T* s1, T* s2)
    {
        Vector512<T> p = default, q = default;
        Vector512<T> rv = r is not null && mask is null ? Vector512.Load(r) : default;
        for (int i = 0; i < rows; i++)
        {
            long o = (long)i * ld;
            var v = Vector512.Load(a + o);
            if (mask is not null)
            {
                var da = Masked(v, Vector512.Load(mask + o));
                p += da;
                q = Simd.Fma(da, Vector512.Load(r + o), q);
            }
            else if (r is not null)
            {
                var dv = v - rv;
                p = Simd.Fma(dv, dv, p);
            }
            else p += v;
        }
        p.Store(s1);
        if (s2 is not null) q.Store(s2);
    }

    /// <summary>max(v, +0) with NaN kept (IEEE maximum, as <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, T, Span{T})"/>): v where v &gt; 0 or NaN, else +0.</summary>
    private static Vector512<T> Rectify(Vector512<T> v) =>
        v & (Vector512.GreaterThan(v, Vector512<T>.Zero) | ~Vector512.Equals(v, v));

    private static T Rectify(T v) => v > T.Zero || T.IsNaN(v) ? v : T.Zero;

    /// <summary>dout where the forward output was positive, else +0 (the AND keeps dout's bits, as ReluBackward).</summary>
    private static Vector512<T> Masked(Vector512<T> dout, Vector512<T> y) => dout & Vector512.GreaterThan(y, Vector512<T>.Zero);
}
