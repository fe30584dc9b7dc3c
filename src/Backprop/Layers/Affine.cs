using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>What <see cref="Layer.AffineBackward{T}(NDArray{T}, AffineCache{T}, Workspace?, bool)"/> needs from the forward pass: the input and the weights.</summary>
/// <param name="X">The input as given, shape (N, d1, …, dk).</param>
/// <param name="W">Weights, shape (D, M) with D = d1·…·dk.</param>
public readonly record struct AffineCache<T>(NDArray<T> X, NDArray<T> W) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The notebooks' layers as forward/backward pairs (layers.py and layer_utils.py): <c>XForward(x, …)</c> returns the
/// output and a cache, <c>XBackward(dout, cache)</c> the gradients of its inputs; one file per layer in this folder.
/// </summary>
public static partial class Layer
{
    /// <summary>
    /// Affine (fully-connected) layer: <c>out = x.reshape(N, D) · w + b</c>.
    /// </summary>
    /// <param name="x">Input of shape (N, d1, …, dk); each sample is flattened to D = d1·…·dk values.</param>
    /// <param name="w">Weights of shape (D, M).</param>
    /// <param name="b">Biases of shape (M,).</param>
    /// <param name="ws">Optional workspace for the output; null allocates.</param>
    /// <returns>Output of shape (N, M) and the cache for the backward pass.</returns>
    /// <exception cref="ArgumentNullException">x, w or b is null.</exception>
    /// <exception cref="ArgumentException">x has fewer than two dimensions or no samples, w is not (D, M) with D the features per sample of x, or b is not (M,); the message names the shapes.</exception>
    public static (NDArray<T> Out, AffineCache<T> Cache) AffineForward<T>(NDArray<T> x, NDArray<T> w, NDArray<T> b, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d, m) = CheckAffine(x, w, b);
        var outp = Alloc.New<T>(ws, n, m);
        Gemm.MultiplyAddRow<T>(x.AsSpan(), w.AsSpan(), b.AsSpan(), outp.AsSpan(), n, m, d);
        return (outp, new AffineCache<T>(x, w));
    }

    /// <summary>Backward pass of the affine layer.</summary>
    /// <param name="dout">Upstream gradient of shape (N, M).</param>
    /// <param name="cache">From <see cref="AffineForward{T}"/>.</param>
    /// <param name="ws">Optional workspace for the gradients.</param>
    /// <param name="computeDx">False skips dx (for the first layer of a network, whose input needs no gradient); dx is then null.</param>
    /// <returns>dx with the shape of x, dw (D, M), db (M,).</returns>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (<c>default</c>) or its x and w do not fit together, or dout is not (N, M) as the forward output.</exception>
    public static (NDArray<T> Dx, NDArray<T> Dw, NDArray<T> Db) AffineBackward<T>(NDArray<T> dout, AffineCache<T> cache, Workspace? ws = null, bool computeDx = true)
        where T : unmanaged, IFloatingPointIeee754<T>
        => AffineBackward(dout, cache, ws, computeDx, dwSink: null);

    /// <summary>
    /// As <see cref="AffineBackward{T}(NDArray{T}, AffineCache{T}, Workspace?, bool)"/>, with dw handed tile by tile
    /// to <paramref name="dwSink"/> (when not null) instead of stored; the returned Dw then holds scratch. dx is
    /// computed first, so the sink may update w.
    /// </summary>
    internal static (NDArray<T> Dx, NDArray<T> Dw, NDArray<T> Db) AffineBackward<T>(NDArray<T> dout, AffineCache<T> cache, Workspace? ws, bool computeDx, IGemmTileSink<T>? dwSink)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dout);
        var (x, w) = cache;
        if (x is null || w is null) throw new ArgumentException("AffineBackward: the cache is empty; pass the cache AffineForward returned.", nameof(cache));
        if (w.Rank != 2 || x.Rank < 1 || (long)x.Dim(0) * w.Dim(0) != x.Size)
            throw new ArgumentException($"AffineBackward: the cache's x {x.ShapeString} and w {w.ShapeString} are not an input (N, …) of N·D values and weights (D, M).", nameof(cache));
        int n = x.Dim(0), d = w.Dim(0), m = w.Dim(1);
        if (!dout.HasShape(n, m))
            throw new ArgumentException($"AffineBackward: dout has shape {dout.ShapeString} but the forward output had shape ({n}, {m}).", nameof(dout));
        NDArray<T> dx = null!;
        if (computeDx)
        {
            dx = Alloc.Like(ws, x);
            Gemm.Multiply<T>(dout.AsSpan(), w.AsSpan(), dx.AsSpan(), n, d, m, transB: true);
        }
        var dw = Alloc.New<T>(ws, d, m);
        if (dwSink is null) Gemm.Multiply<T>(x.AsSpan(), dout.AsSpan(), dw.AsSpan(), d, m, n, transA: true);
        else Gemm.MultiplyToSink<T>(x.AsSpan(), dout.AsSpan(), dw.AsSpan(), d, m, n, transA: true, transB: false, dwSink);
        var db = Alloc.New<T>(ws, m);
        Elementwise.SumRows<T>(dout.AsSpan(), db.AsSpan(), n, m);
        return (dx, dw, db);
    }

    private static (int N, int D, int M) CheckAffine<T>(NDArray<T> x, NDArray<T> w, NDArray<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(b);
        // A vector is refused, not guessed at: the course's x.reshape(N, -1) reads (N,) as N samples of one feature,
        // PyTorch's nn.Linear as one sample of N features.
        if (x.Rank < 2)
            throw new ArgumentException($"AffineForward: x must have shape (N, d1, ..., dk), got {x.ShapeString}" +
                (x.Rank == 1 ? $"; reshape it to ({x.Dim(0)}, 1) for {x.Dim(0)} samples of one feature (as the course's reshape reads it), or to (1, {x.Dim(0)}) for one sample." : "."), nameof(x));
        if (w.Rank != 2) throw new ArgumentException($"AffineForward: w must have shape (D, M), got {w.ShapeString}.", nameof(w));
        int n = x.Dim(0), d = x.RowLength, m = w.Dim(1);
        if (n == 0) throw new ArgumentException("AffineForward: x is an empty batch (N = 0).", nameof(x));
        if (w.Dim(0) != d)
            throw new ArgumentException($"AffineForward: x has {d} features per sample (shape {x.ShapeString}) but w has {w.Dim(0)} rows (shape {w.ShapeString}).", nameof(w));
        if (b.Rank != 1 || b.Dim(0) != m)
            throw new ArgumentException($"AffineForward: b must have shape ({m},) to match w {w.ShapeString}, got {b.ShapeString}.", nameof(b));
        return (n, d, m);
    }
}
