using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>The caches of the two halves of the affine–ReLU sandwich.</summary>
public readonly record struct AffineReluCache<T>(AffineCache<T> Affine, ReluCache<T> Relu) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Layer
{
    /// <summary>The "sandwich" layer: affine followed by ReLU. x (N, d1, …, dk), w (D, M), b (M,) → out (N, M).</summary>
    /// <exception cref="ArgumentNullException">x, w or b is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not fit, as <see cref="AffineForward{T}"/> refuses them.</exception>
    public static (NDArray<T> Out, AffineReluCache<T> Cache) AffineReluForward<T>(NDArray<T> x, NDArray<T> w, NDArray<T> b, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (a, fcCache) = AffineForward(x, w, b, ws);
        var (outp, reluCache) = ReluForward(a, ws);
        return (outp, new AffineReluCache<T>(fcCache, reluCache));
    }

    /// <summary>Backward pass of the affine–ReLU sandwich: dout (N, M) → dx (shape of x), dw (D, M), db (M,).</summary>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty or dout is not (N, M), as <see cref="ReluBackward{T}"/> and <see cref="AffineBackward{T}(NDArray{T}, AffineCache{T}, Workspace?, bool)"/> refuse them.</exception>
    public static (NDArray<T> Dx, NDArray<T> Dw, NDArray<T> Db) AffineReluBackward<T>(NDArray<T> dout, AffineReluCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var da = ReluBackward(dout, cache.Relu, ws);
        return AffineBackward(da, cache.Affine, ws);
    }
}
