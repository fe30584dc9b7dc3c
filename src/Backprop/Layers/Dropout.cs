using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>
/// Settings of an inverted-dropout layer (the notebooks' <c>dropout_param</c>).
/// </summary>
/// <remarks>
/// Thread safety: a Train-mode <see cref="Layer.DropoutForward"/> draws its mask from this instance's generator, so
/// two passes sharing one instance at once draw from one stream in no fixed order (each pass is still whole: the
/// generator locks per call, but the masks are not reproducible); give each thread its own. Test mode draws nothing.
/// </remarks>
public sealed class DropoutParam
{
    /// <summary>A dropout layer that keeps each unit with probability <paramref name="p"/>.</summary>
    /// <param name="p">Keep probability, in (0, 1] (CS231n 2019 convention; PyTorch's <c>p</c> is the drop probability).</param>
    /// <param name="mode">Train drops; Test passes inputs through.</param>
    /// <param name="seed">When set, the generator is re-seeded with it at every forward pass, in either mode (reproducible masks, for gradient checks).</param>
    /// <param name="rng">Generator for the masks when no seed is given; a seed-0 generator by default.</param>
    public DropoutParam(double p, Mode mode = Mode.Train, uint? seed = null, NumpyRandom? rng = null)
    {
        P = p;
        Mode = mode;
        Seed = seed;
        Rng = rng ?? new NumpyRandom(seed ?? 0u);
    }

    /// <summary>Keep probability, in (0, 1].</summary>
    public double P
    {
        get;
        set
        {
            if (!(value > 0 && value <= 1))
                throw new ArgumentOutOfRangeException(nameof(P), value, "Dropout keep probability must lie in (0, 1]: 1 keeps every unit (no dropout); PyTorch's Dropout(p) drops with p, which is a keep probability of 1 − p.");
            field = value;
        }
    }

    /// <summary>Train or test.</summary>
    public Mode Mode { get; set; }

    /// <summary>Optional fixed seed for the masks.</summary>
    public uint? Seed { get; set; }

    /// <summary>The generator the masks are drawn from.</summary>
    public NumpyRandom Rng { get; }
}

/// <summary>What <see cref="Layer.DropoutBackward{T}"/> needs: the scaled mask (null in test mode) and the settings.</summary>
public readonly record struct DropoutCache<T>(NDArray<T>? Mask, DropoutParam Param) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Test mode's input (no mask), kept so the backward pass can check dout's shape.</summary>
    internal NDArray<T>? TestInput { get; init; }

    /// <summary>1/p in double, as the forward pass scaled by it (0 for a cache built by hand).</summary>
    internal double InverseKeep { get; init; }
}

public static partial class Layer
{
    /// <summary>
    /// Inverted dropout: in training <c>mask = (rand(x.shape) &lt; p) / p</c>, <c>out = x · mask</c>, so the expected
    /// output equals the input and test time needs no scaling; in test mode <c>out = x</c>. In float32, as the course's
    /// float64 mask and its <c>astype(x.dtype)</c>: x·(1/p) is taken in double and rounded once (the returned mask
    /// holds 1/p rounded to float).
    /// </summary>
    /// <param name="x">Input of any shape.</param>
    /// <param name="param">Keep probability, mode and seed.</param>
    /// <param name="ws">Optional workspace for the output and the mask.</param>
    /// <returns>The output, and the cache for the backward pass. In test mode the output is <paramref name="x"/> itself, not a copy.</returns>
    /// <exception cref="ArgumentNullException">x or param is null.</exception>
    public static (NDArray<T> Out, DropoutCache<T> Cache) DropoutForward<T>(NDArray<T> x, DropoutParam param, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(param);
        // As CS231n's dropout_forward: the seed is applied first, in either mode, and training draws a mask even at
        // p = 1, so a generator shared with other draws advances exactly as NumPy's does.
        if (param.Seed is uint seed) param.Rng.Seed(seed);
        if (param.Mode == Mode.Test) return (x, new DropoutCache<T>(null, param) { TestInput = x });
        var mask = Alloc.Like(ws, x);
        var outp = Alloc.Like(ws, x);
        DropoutKernel<T>.Forward(param.Rng, param.P, x.AsSpan(), mask.AsSpan(), outp.AsSpan());
        return (outp, new DropoutCache<T>(mask, param) { InverseKeep = 1.0 / param.P });
    }

    /// <summary>
    /// Backward pass of inverted dropout: <c>dx = dout · mask</c> in training, <c>dx = dout</c> in test mode. In float32
    /// the product is taken with the exact 1/p in double and rounded once, as the course's float64 mask gives it before
    /// the rounding to float32 (the course's own dx stays float64).
    /// </summary>
    /// <returns>dx with the shape of dout; in test mode <paramref name="dout"/> itself, not a copy.</returns>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (<c>default</c>), or dout does not have the shape of the forward input.</exception>
    public static NDArray<T> DropoutBackward<T>(NDArray<T> dout, DropoutCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dout);
        // default(DropoutCache): not a test-mode cache (which carries its settings), so not passed through as one.
        if (cache.Mask is null && cache.Param is null)
            throw new ArgumentException("DropoutBackward: the cache is empty; pass the cache DropoutForward returned.", nameof(cache));
        if (cache.Mask is null)
        {
            if (cache.TestInput is { } input && !dout.SameShape(input))
                throw new ArgumentException($"DropoutBackward: dout has shape {dout.ShapeString} but the forward input had {input.ShapeString}.", nameof(dout));
            return dout;
        }
        if (!dout.SameShape(cache.Mask))
            throw new ArgumentException($"DropoutBackward: dout has shape {dout.ShapeString} but the forward input had {cache.Mask.ShapeString}.", nameof(dout));
        var dx = Alloc.Like(ws, dout);
        if (typeof(T) == typeof(float) && cache.InverseKeep > 0)
            DropoutKernel<float>.BackwardFloat(MemoryMarshal.Cast<T, float>(dout.AsSpan()), MemoryMarshal.Cast<T, float>(cache.Mask.AsSpan()),
                MemoryMarshal.Cast<T, float>(dx.AsSpan()), cache.InverseKeep);
        else
            TensorPrimitives.Multiply<T>(dout.AsSpan(), cache.Mask.AsSpan(), dx.AsSpan());
        return dx;
    }
}
