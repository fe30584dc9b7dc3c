using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>Pinned operands of the layer-norm row passes over an (N, D) batch; <see cref="InvStd"/> has N values, γ and β D.</summary>
internal readonly unsafe struct LayerNormCall<T> where T : unmanaged
{
    public T* X { get; init; }        // forward: input; backward: dout
    public T* XHat { get; init; }     // normalised input
    public T* Out { get; init; }      // forward: output; backward: dx
    public T* InvStd { get; init; }   // 1/σ per row
    public T* Gamma { get; init; }
    public T* Beta { get; init; }
    public T Eps { get; init; }
    public int Rows { get; init; }
    public int Cols { get; init; }
    /// <summary>Runs of rows the batch is split in (set by the kernel).</summary>
    public int Pieces { get; init; }
}

/// <summary>
/// Layer norm's per-sample passes. Each row is normalised on its own, so a batch is split in one run of rows per thread
/// (when <see cref="RowBlocks.Blocked"/>): the same operations on each row wherever it runs, the same bits on any
/// thread count. On one thread a 100 × 500 batch took 16 ms per epoch forward and 27 backward per layer (Fashion-MNIST).
/// </summary>
internal static unsafe class LayerNormKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ForBody<LayerNormCall<T>> ForwardBody = ForwardPiece;
    private static readonly ForBody<LayerNormCall<T>> BackwardBody = BackwardPiece;

    /// <summary>Per row: mean, x̂ = (x − mean)·(1/σ) with the biased variance, out = x̂·γ + β.</summary>
    public static void Forward(in LayerNormCall<T> c) => Run(in c, ForwardBody);

    /// <summary>Per row: dx = (1/σ)/D · (D·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂)) with dx̂ = dout·γ.</summary>
    public static void Backward(in LayerNormCall<T> c) => Run(in c, BackwardBody);

    private static void Run(in LayerNormCall<T> c, ForBody<LayerNormCall<T>> body)
    {
        int pieces = RowBlocks.Blocked(c.Rows, c.Cols) ? Math.Min(Parallelism.MaxThreads, c.Rows) : 1;
        if (pieces == 1) body(0, c with { Pieces = 1 });
        else Parallelism.For(pieces, c with { Pieces = pieces }, body);
    }

    private static void ForwardPiece(int piece, in LayerNormCall<T> c)
    {
        int d = c.Cols;
        T invD = T.One / T.CreateTruncating(d);
        var g = new ReadOnlySpan<T>(c.Gamma, d);
        var b = new ReadOnlySpan<T>(c.Beta, d);
        for (int i = Parallelism.SplitStart(c.Rows, c.Pieces, piece), end = Parallelism.SplitStart(c.Rows, c.Pieces, piece + 1); i < end; i++)
        {
            long o = (long)i * d;
            var xr = new ReadOnlySpan<T>(c.X + o, d);
            var h = new Span<T>(c.XHat + o, d);
            T mean = WideSums.Sum<T>(xr) * invD;
            TensorPrimitives.Subtract(xr, mean, h);
            T var = WideSums.SumOfSquares<T>(h) * invD;
            T inv = T.One / T.Sqrt(var + c.Eps);
            c.InvStd[i] = inv;
            TensorPrimitives.Multiply(h, inv, h);
            TensorPrimitives.FusedMultiplyAdd(h, g, b, new Span<T>(c.Out + o, d));
        }
    }

    private static void BackwardPiece(int piece, in LayerNormCall<T> c)
    {
        int d = c.Cols;
        T dT = T.CreateTruncating(d), invD = T.One / dT;
        var g = new ReadOnlySpan<T>(c.Gamma, d);
        for (int i = Parallelism.SplitStart(c.Rows, c.Pieces, piece), end = Parallelism.SplitStart(c.Rows, c.Pieces, piece + 1); i < end; i++)
        {
            long o = (long)i * d;
            var r = new Span<T>(c.Out + o, d);
            var h = new ReadOnlySpan<T>(c.XHat + o, d);
            TensorPrimitives.Multiply(new ReadOnlySpan<T>(c.X + o, d), g, r);          // dx̂
            T sum = WideSums.Sum<T>(r);
            T dot = WideSums.Dot<T>(r, h);
            T k = c.InvStd[i] * invD;
            // r = k·(D·dx̂ − sum − x̂·dot)
            TensorPrimitives.Multiply(r, dT, r);
            TensorPrimitives.Subtract(r, sum, r);
            TensorPrimitives.FusedMultiplyAdd(h, -dot, r, r);
            TensorPrimitives.Multiply(r, k, r);
        }
    }
}
