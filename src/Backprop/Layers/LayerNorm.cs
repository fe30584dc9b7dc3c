using System.Numerics;
using Backprop.Kernels;
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
    /// <exception cref="ArgumentNullException">x, gamma or beta is null.</exception>
    /// <exception cref="ArgumentException">x is not (N, D) with N &gt; 0, or gamma or beta is not (D,).</exception>
    public static unsafe (NDArray<T> Out, LayerNormCache<T> Cache) LayerNormForward<T>(NDArray<T> x, NDArray<T> gamma, NDArray<T> beta, LayerNormParam? lnParam = null, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNorm(x, gamma, beta, "LayerNormForward");
        double eps = lnParam?.Eps ?? 1e-5;
        var outp = Alloc.New<T>(ws, n, d);
        var xhat = Alloc.New<T>(ws, n, d);
        var invStd = Alloc.New<T>(ws, n);
        fixed (T* px = x.AsSpan(), ph = xhat.AsSpan(), po = outp.AsSpan(), pi = invStd.AsSpan(), pg = gamma.AsSpan(), pb = beta.AsSpan())
            LayerNormKernels<T>.Forward(new LayerNormCall<T> { X = px, XHat = ph, Out = po, InvStd = pi, Gamma = pg, Beta = pb, Eps = T.CreateTruncating(eps), Rows = n, Cols = d });
        return (outp, new LayerNormCache<T>(xhat, invStd, gamma));
    }

    /// <summary>
    /// Layer-norm backward pass: per sample, <c>dx = (1/σ)/D · (D·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))</c> with <c>dx̂ = dout·γ</c>.
    /// dout (N, D) → dx (N, D), dgamma (D,), dbeta (D,).
    /// </summary>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (<c>default</c>), dout is not (N, D) with the forward input's shape, or the cache's 1/σ or γ has another length.</exception>
    public static unsafe (NDArray<T> Dx, NDArray<T> Dgamma, NDArray<T> Dbeta) LayerNormBackward<T>(NDArray<T> dout, LayerNormCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNormBackward(dout, cache.XHat, cache.InvStd, cache.Gamma, "LayerNormBackward", perSample: true);
        var (dgamma, dbeta) = GammaBetaGrads(dout, cache.XHat, ws);
        var dx = Alloc.New<T>(ws, n, d);
        fixed (T* pd = dout.AsSpan(), ph = cache.XHat.AsSpan(), pdx = dx.AsSpan(), pi = cache.InvStd.AsSpan(), pg = cache.Gamma.AsSpan())
            LayerNormKernels<T>.Backward(new LayerNormCall<T> { X = pd, XHat = ph, Out = pdx, InvStd = pi, Gamma = pg, Rows = n, Cols = d });
        return (dx, dgamma, dbeta);
    }
}
