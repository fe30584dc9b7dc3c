using System.Numerics;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>Pinned operands of the batch-norm passes; vectors have <see cref="Cols"/> values, matrices rows × cols.</summary>
internal readonly unsafe struct BatchNormCall<T> where T : unmanaged
{
    public T* X { get; init; }        // forward: input; backward: dout
    public T* XHat { get; init; }     // normalised input
    public T* Out { get; init; }      // forward: output; backward: dx
    public T* Mean { get; init; }     // forward: mean; backward: mb = k·Σdout/N
    public T* Scale { get; init; }    // forward: variance, then 1/σ; backward: k = γ/σ
    public T* Gamma { get; init; }    // forward: γ; backward: mg = −k·Σ(dout·x̂)/N
    public T* Beta { get; init; }     // forward: β
    public T* Sum1 { get; init; }     // backward: dβ = Σ dout
    public T* Sum2 { get; init; }     // backward: dγ = Σ dout·x̂
    public T InvN { get; init; }
    public int Rows { get; init; }
    public int Cols { get; init; }
}

/// <summary>
/// Batch-norm training passes: the per-feature sums are <see cref="ColumnReductions{T}"/>, the per-element passes run
/// over <see cref="RowBlocks"/> (on the pool's threads for large batches). Nothing here depends on the thread count.
/// </summary>
internal static unsafe class BatchNormKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ForBody<BatchNormCall<T>> NormalizeBody = Normalize;
    private static readonly ForBody<BatchNormCall<T>> BackwardBody = Backward;

    /// <summary>x̂ = (x − mean)·(1/σ), out = x̂·γ + β (fused multiply-add); Scale holds 1/σ.</summary>
    public static void NormalizeRows(in BatchNormCall<T> c) => Run(in c, NormalizeBody);

    /// <summary>dβ = Σ dout and dγ = Σ dout·x̂ per column, rows in order, in one pass.</summary>
    public static void GradientSums(in BatchNormCall<T> c) =>
        ColumnReductions<T>.Run(ColumnReduction.SumAndProducts, c.X, c.XHat, null, c.Sum1, c.Sum2, c.Rows, c.Cols);

    /// <summary>dx = dout·k − mb + x̂·mg (the closed form; Scale = k, Mean = mb, Gamma = mg).</summary>
    public static void BackwardRows(in BatchNormCall<T> c) => Run(in c, BackwardBody);

    private static void Run(in BatchNormCall<T> c, ForBody<BatchNormCall<T>> body)
    {
        int blocks = RowBlocks.Count(c.Rows, c.Cols);
        if (blocks == 1) body(0, in c);
        else Parallelism.For(blocks, in c, body);
    }

    /// <summary>Mean = Σx/N and biased variance = Σ(x − mean)²/N per column (two passes: the centred sum, as NumPy's var).</summary>
    public static void Statistics(in BatchNormCall<T> c)
    {
        ColumnReductions<T>.Run(ColumnReduction.Sum, c.X, null, null, c.Mean, null, c.Rows, c.Cols);
        for (int j = 0; j < c.Cols; j++) c.Mean[j] *= c.InvN;
        ColumnReductions<T>.Run(ColumnReduction.CentredSquares, c.X, null, c.Mean, c.Scale, null, c.Rows, c.Cols);
        for (int j = 0; j < c.Cols; j++) c.Scale[j] *= c.InvN;
    }

    /// <summary>
    /// running = momentum·running + (1 − momentum)·batch for the mean and the variance, <paramref name="n"/> features
    /// (two products rounded, then the sum, as the notebooks' NumPy line).
    /// </summary>
    public static void UpdateRunning(T* runningMean, T* runningVar, T* mean, T* var, int n, T momentum, T oneMinusMomentum)
    {
        for (int j = 0; j < n; j++)
        {
            runningMean[j] = momentum * runningMean[j] + oneMinusMomentum * mean[j];
            runningVar[j] = momentum * runningVar[j] + oneMinusMomentum * var[j];
        }
    }

    // Per element the vector body does exactly what the scalar tail does (single IEEE operations or fused
    // multiply-adds), so the vector width and block boundaries never change a bit.

    /// <summary>
    /// Outputs of <see cref="Streaming.MinBytes"/> or more whose rows start on cache lines are written with streaming
    /// stores (tests turn it off to compare bits). On the Xeon (300 MB L3), 4096 × 4096 float, two threads, the
    /// bandwidth command alternated, 6 rounds: forward 7.3–9.2 → 6.0–6.5 ms, backward 6.4–7.6 → 5.2–5.8 (3 rounds in a
    /// busier hour, forward only: 10.6–12.3 → 6.1–7.7). On the Zen 5 the same stores had made the forward slower (65% →
    /// 59% of 80 GB/s, HISTORY.md); this host is the one measured now.
    /// </summary>
    internal static bool StreamLargeOutputs = true;

    /// <summary>True when the pass writes <paramref name="output"/> with streaming stores (<see cref="StreamLargeOutputs"/>).</summary>
    private static bool Streamed(in BatchNormCall<T> c, T* output) =>
        StreamLargeOutputs && Streaming.Worth<T>((long)c.Rows * c.Cols) && Simd.RowsStartOnLines(output, c.Cols);

    private static void Normalize(int block, in BatchNormCall<T> c)
    {
        var (r0, rows) = RowBlocks.Of(block, c.Rows, c.Cols);
        int w = c.Cols;
        T* mean = c.Mean, inv = c.Scale, g = c.Gamma, b = c.Beta;
        bool stream = Streamed(in c, c.XHat) && Streamed(in c, c.Out);
        int vw = Simd.Wide<T>() ? w - w % Vector512<T>.Count : 0;
        for (int i = r0; i < r0 + rows; i++)
        {
            long o = (long)i * c.Cols;
            T* x = c.X + o, h = c.XHat + o, y = c.Out + o;
            int j = 0;
            for (; j < vw; j += Vector512<T>.Count)
            {
                ColumnReductions<T>.Ahead(x + j);
                var hv = (Vector512.Load(x + j) - Vector512.Load(mean + j)) * Vector512.Load(inv + j);
                var yv = Simd.Fma(hv, Vector512.Load(g + j), Vector512.Load(b + j));
                if (stream)
                {
                    Streaming.Store(hv, h + j);
                    Streaming.Store(yv, y + j);
                }
                else
                {
                    hv.Store(h + j);
                    yv.Store(y + j);
                }
            }
            for (; j < w; j++)
            {
                T hv = (x[j] - mean[j]) * inv[j];
                h[j] = hv;
                y[j] = T.FusedMultiplyAdd(hv, g[j], b[j]);
            }
        }
        if (stream) Streaming.Fence();
    }

    private static void Backward(int block, in BatchNormCall<T> c)
    {
        var (r0, rows) = RowBlocks.Of(block, c.Rows, c.Cols);
        int w = c.Cols;
        T* k = c.Scale, mb = c.Mean, mg = c.Gamma;
        bool stream = Streamed(in c, c.Out);
        int vw = Simd.Wide<T>() ? w - w % Vector512<T>.Count : 0;
        for (int i = r0; i < r0 + rows; i++)
        {
            long o = (long)i * c.Cols;
            T* d = c.X + o, h = c.XHat + o, r = c.Out + o;
            int j = 0;
            for (; j < vw; j += Vector512<T>.Count)
            {
                ColumnReductions<T>.Ahead(d + j);
                ColumnReductions<T>.Ahead(h + j);
                var v = Simd.Fma(Vector512.Load(h + j), Vector512.Load(mg + j), Vector512.Load(d + j) * Vector512.Load(k + j) - Vector512.Load(mb + j));
                if (stream) Streaming.Store(v, r + j);
                else v.Store(r + j);
            }
            for (; j < w; j++) r[j] = T.FusedMultiplyAdd(h[j], mg[j], d[j] * k[j] - mb[j]);
        }
        if (stream) Streaming.Fence();
    }
}
