using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>What <see cref="Layer.ReluBackward{T}"/> needs: the input of the forward pass.</summary>
public readonly record struct ReluCache<T>(NDArray<T> X) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Layer
{
    /// <summary>
    /// Rectified linear unit: <c>out = max(0, x)</c>, any shape; NaN stays NaN, as <c>np.maximum</c>. A −0 input gives
    /// +0 (IEEE 754's maximum, which orders −0 below +0), where the course's <c>np.maximum(0, x)</c> gives −0: the same
    /// value, a different sign bit.
    /// </summary>
    /// <exception cref="ArgumentNullException">x is null.</exception>
    public static (NDArray<T> Out, ReluCache<T> Cache) ReluForward<T>(NDArray<T> x, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        var outp = Alloc.Like(ws, x);
        Elementwise.Relu<T>(x.AsSpan(), outp.AsSpan());
        return (outp, new ReluCache<T>(x));
    }

    /// <summary>
    /// Backward pass of ReLU: <c>dx = dout</c> where <c>x &gt; 0</c>, else +0 whatever dout holds (a select, as PyTorch's
    /// ReLU backward). The course's product <c>dout * (x &gt; 0)</c> differs where x ≤ 0 or NaN: −0 for a negative dout, NaN
    /// for a NaN or infinite one. dout has the shape of x.
    /// </summary>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (<c>default</c>), or dout does not have the shape of x.</exception>
    public static NDArray<T> ReluBackward<T>(NDArray<T> dout, ReluCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dout);
        var x = cache.X ?? throw new ArgumentException("ReluBackward: the cache is empty; pass the cache ReluForward returned.", nameof(cache));
        if (!dout.SameShape(x))
            throw new ArgumentException($"ReluBackward: dout has shape {dout.ShapeString} but x had shape {x.ShapeString}.", nameof(dout));
        var dx = Alloc.Like(ws, x);
        Elementwise.ReluBackward<T>(x.AsSpan(), dout.AsSpan(), dx.AsSpan());
        return dx;
    }
}
