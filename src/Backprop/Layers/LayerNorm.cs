using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>Settings of a layer-normalization layer (the notebooks' <c>ln_param</c>); behaves the same in train and test.</summary>
public sealed class LayerNormParam
{
    /// <summary>Added to each sample's variance; 1e-5.</summary>
    public double Eps
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Eps), value, "Layer norm eps must be a small positive number.");
    } = 1e-5;
}

/// <summary>What <see cref="Layer.LayerNormBackward{T}"/> needs.</summary>
/// <param name="XHat">Normalised input (N, D).</param>
/// <param name="InvStd">1/√(var + eps) per sample (N,).</param>
/// <param name="Gamma">Scale (D,).</param>
public readonly record struct LayerNormCache<T>(NDArray<T> XHat, NDArray<T> InvStd, NDArray<T> Gamma) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Layer
{
    /// <summary>
    /// Layer normalization: each sample (row) is normalised over its D features with its own mean and (biased)
    /// variance, then <c>out = gamma · x̂ + beta</c>. Identical in train and test mode.
    /// </summary>
    /// <param name="x">Input (N, D).</param>
    /// <param name="gamma">Scale (D,).</param>
    /// <param name="beta">Shift (D,).</param>
    /// <param name="lnParam">Eps (null: 1e-5).</param>
    /// <param name="ws">Optional workspace.</param>
    public static (NDArray<T> Out, LayerNormCache<T> Cache) LayerNormForward<T>(NDArray<T> x, NDArray<T> gamma, NDArray<T> beta, LayerNormParam? lnParam = null, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNorm(x, gamma, beta, "LayerNormForward");
        double eps = lnParam?.Eps ?? 1e-5;
        var outp = Alloc.New<T>(ws, n, d);
        var xhat = Alloc.New<T>(ws, n, d);
        var invStd = Alloc.New<T>(ws, n);
        var xs = x.AsSpan();
        var hs = xhat.AsSpan();
        var os = outp.AsSpan();
        var g = gamma.AsSpan();
        var b = beta.AsSpan();
        T invD = T.One / T.CreateTruncating(d);
        for (int i = 0; i < n; i++)
        {
            var h = hs.Slice(i * d, d);
            var xr = xs.Slice(i * d, d);
            T mean = TensorPrimitives.Sum<T>(xr) * invD;
            TensorPrimitives.Subtract(xr, mean, h);
            T var = TensorPrimitives.SumOfSquares<T>(h) * invD;
            T inv = T.One / T.Sqrt(var + T.CreateTruncating(eps));
            invStd.Flat(i) = inv;
            TensorPrimitives.Multiply(h, inv, h);
            TensorPrimitives.FusedMultiplyAdd(h, g, b, os.Slice(i * d, d));
        }
        return (outp, new LayerNormCache<T>(xhat, invStd, gamma));
    }

    /// <summary>
    /// Layer-norm backward pass: per sample, <c>dx = (1/σ)/D · (D·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))</c> with <c>dx̂ = dout·γ</c>.
    /// dout (N, D) → dx (N, D), dgamma (D,), dbeta (D,).
    /// </summary>
    public static (NDArray<T> Dx, NDArray<T> Dgamma, NDArray<T> Dbeta) LayerNormBackward<T>(NDArray<T> dout, LayerNormCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNormBackward(dout, cache.XHat, "LayerNormBackward");
        var (dgamma, dbeta) = GammaBetaGrads(dout, cache.XHat, ws);
        var dx = Alloc.New<T>(ws, n, d);
        var hs = cache.XHat.AsSpan();
        var ds = dout.AsSpan();
        var dxs = dx.AsSpan();
        var g = cache.Gamma.AsSpan();
        T dT = T.CreateTruncating(d), invD = T.One / dT;
        for (int i = 0; i < n; i++)
        {
            var r = dxs.Slice(i * d, d);
            var h = hs.Slice(i * d, d);
            TensorPrimitives.Multiply(ds.Slice(i * d, d), g, r);          // dx̂
            T sum = TensorPrimitives.Sum<T>(r);
            T dot = TensorPrimitives.Dot<T>(r, h);
            T k = cache.InvStd.Flat(i) * invD;
            // r = k·(D·dx̂ − sum − x̂·dot)
            TensorPrimitives.Multiply(r, dT, r);
            TensorPrimitives.Subtract(r, sum, r);
            TensorPrimitives.FusedMultiplyAdd(h, -dot, r, r);
            TensorPrimitives.Multiply(r, k, r);
        }
        return (dx, dgamma, dbeta);
    }
}
