using System.Numerics;
using System.Numerics.Tensors;

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

    public Span<T> Vec(T* p, int j0, int w) => new(p + j0, w);
    public Span<T> Row(T* p, int i, int j0, int w) => new(p + (long)i * Cols + j0, w);
}

/// <summary>
/// Batch-norm training passes over column strips (<see cref="ColumnStrips"/>): per-feature statistics need every row of
/// a column, so a strip owns its columns and walks the rows in order. Large batches run the strips on the pool; the
/// arithmetic per element is the same either way, so results do not depend on the thread count.
/// </summary>
internal static unsafe class BatchNormKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ForBody<BatchNormCall<T>> StatsBody = Stats;
    private static readonly ForBody<BatchNormCall<T>> NormalizeBody = Normalize;
    private static readonly ForBody<BatchNormCall<T>> GradSumsBody = GradSums;
    private static readonly ForBody<BatchNormCall<T>> BackwardBody = Backward;

    /// <summary>Mean = Σx/N and biased variance = Σ(x − mean)²/N per column (two passes: the centred sum, as NumPy's var).</summary>
    public static void Statistics(in BatchNormCall<T> c) => Run(in c, StatsBody);

    /// <summary>x̂ = (x − mean)·(1/σ), out = x̂·γ + β (fused multiply-add); Scale holds 1/σ.</summary>
    public static void NormalizeRows(in BatchNormCall<T> c) => Run(in c, NormalizeBody);

    /// <summary>dβ = Σ dout and dγ = Σ dout·x̂ per column, rows in order, in one pass.</summary>
    public static void GradientSums(in BatchNormCall<T> c) => Run(in c, GradSumsBody);

    /// <summary>dx = dout·k − mb + x̂·mg (the closed form; Scale = k, Mean = mb, Gamma = mg).</summary>
    public static void BackwardRows(in BatchNormCall<T> c) => Run(in c, BackwardBody);

    private static void Run(in BatchNormCall<T> c, ForBody<BatchNormCall<T>> body)
    {
        int strips = ColumnStrips.Count(c.Rows, c.Cols);
        if (strips == 1) body(0, in c);
        else Parallelism.For(strips, in c, body);
    }

    private static void Stats(int strip, in BatchNormCall<T> c)
    {
        var (j0, w) = ColumnStrips.Of(strip, c.Rows, c.Cols);
        var mean = c.Vec(c.Mean, j0, w);
        var var_ = c.Vec(c.Scale, j0, w);
        mean.Clear();
        for (int i = 0; i < c.Rows; i++) TensorPrimitives.Add(mean, c.Row(c.X, i, j0, w), mean);
        TensorPrimitives.Multiply(mean, c.InvN, mean);
        // The centred values go through a small buffer that stays in L1: x − mean is recomputed by the
        // normalisation pass instead of being written out and read back.
        Span<T> centred = stackalloc T[Math.Min(w, 256)];
        var_.Clear();
        for (int i = 0; i < c.Rows; i++)
        {
            var row = c.Row(c.X, i, j0, w);
            for (int k = 0; k < w; k += centred.Length)
            {
                int len = Math.Min(centred.Length, w - k);
                var part = centred[..len];
                TensorPrimitives.Subtract(row.Slice(k, len), mean.Slice(k, len), part);
                TensorPrimitives.FusedMultiplyAdd(part, part, var_.Slice(k, len), var_.Slice(k, len));
            }
        }
        TensorPrimitives.Multiply(var_, c.InvN, var_);
    }

    private static void Normalize(int strip, in BatchNormCall<T> c)
    {
        var (j0, w) = ColumnStrips.Of(strip, c.Rows, c.Cols);
        var mean = c.Vec(c.Mean, j0, w);
        var inv = c.Vec(c.Scale, j0, w);
        var g = c.Vec(c.Gamma, j0, w);
        var b = c.Vec(c.Beta, j0, w);
        for (int i = 0; i < c.Rows; i++)
        {
            var h = c.Row(c.XHat, i, j0, w);
            TensorPrimitives.Subtract(c.Row(c.X, i, j0, w), mean, h);
            TensorPrimitives.Multiply(h, inv, h);
            TensorPrimitives.FusedMultiplyAdd(h, g, b, c.Row(c.Out, i, j0, w));
        }
    }

    private static void GradSums(int strip, in BatchNormCall<T> c)
    {
        var (j0, w) = ColumnStrips.Of(strip, c.Rows, c.Cols);
        var dbeta = c.Vec(c.Sum1, j0, w);
        var dgamma = c.Vec(c.Sum2, j0, w);
        dbeta.Clear();
        dgamma.Clear();
        for (int i = 0; i < c.Rows; i++)
        {
            var d = c.Row(c.X, i, j0, w);
            TensorPrimitives.Add(dbeta, d, dbeta);
            TensorPrimitives.FusedMultiplyAdd(d, c.Row(c.XHat, i, j0, w), dgamma, dgamma);
        }
    }

    private static void Backward(int strip, in BatchNormCall<T> c)
    {
        var (j0, w) = ColumnStrips.Of(strip, c.Rows, c.Cols);
        var k = c.Vec(c.Scale, j0, w);
        var mb = c.Vec(c.Mean, j0, w);
        var mg = c.Vec(c.Gamma, j0, w);
        for (int i = 0; i < c.Rows; i++)
        {
            var r = c.Row(c.Out, i, j0, w);
            TensorPrimitives.Multiply(c.Row(c.X, i, j0, w), k, r);
            TensorPrimitives.Subtract(r, mb, r);
            TensorPrimitives.FusedMultiplyAdd(c.Row(c.XHat, i, j0, w), mg, r, r);
        }
    }
}
