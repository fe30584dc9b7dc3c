using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>What <see cref="Layer.BatchNormReluBackward{T}"/> needs from a training-mode forward pass.</summary>
/// <param name="Norm">The batch norm's cache (x̂, 1/σ, γ).</param>
/// <param name="Out">The ReLU's output (N, D): where it is positive, the gradient passes.</param>
public readonly record struct BatchNormReluCache<T>(BatchNormCache<T> Norm, NDArray<T> Out) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Layer
{
    /// <summary>
    /// Batch normalization then ReLU, training mode (the sandwich between the affine layers of a batch-normalised net):
    /// <c>out = max(0, γ·x̂ + β)</c>, running statistics updated. The same bits as <see cref="BatchNormForward{T}"/>
    /// then <see cref="ReluForward{T}"/>: the per-feature sums, then one normalise-and-rectify pass, each split by rows over the threads.
    /// </summary>
    /// <param name="x">Input (N, D).</param>
    /// <param name="gamma">Scale (D,).</param>
    /// <param name="beta">Shift (D,).</param>
    /// <param name="bnParam">Eps, momentum and the running statistics (created as zeros when absent); its mode must be Train.</param>
    /// <param name="ws">Optional workspace.</param>
    /// <returns>Output (N, D) and the cache.</returns>
    /// <exception cref="ArgumentException">bnParam's mode is not Train; or a batch of one sample, shapes that do not fit, or
    /// running statistics of another length, as <see cref="BatchNormForward{T}"/> in Train mode refuses them.</exception>
    /// <exception cref="ArgumentNullException">x, gamma, beta or bnParam is null.</exception>
    public static unsafe (NDArray<T> Out, BatchNormReluCache<T> Cache) BatchNormReluForward<T>(NDArray<T> x, NDArray<T> gamma, NDArray<T> beta, BatchNormParam<T> bnParam, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(bnParam);
        if (bnParam.Mode != Mode.Train) throw new ArgumentException("BatchNormReluForward: the fused layer is for training; use BatchNormForward then ReluForward in Test mode.", nameof(bnParam));
        var (n, d) = CheckNorm(x, gamma, beta, "BatchNormReluForward");
        CheckTrainingBatch(n, "BatchNormReluForward");
        if (!BatchNormReluKernels<T>.Applies(n, d))
        {
            var (a, norm) = BatchNormForward(x, gamma, beta, bnParam, ws);
            var (h, _) = ReluForward(a, ws);
            return (h, new BatchNormReluCache<T>(norm, h));
        }
        var (runningMean, runningVar) = EnsureRunningStatistics(bnParam, d, "BatchNormReluForward");
        var outp = Alloc.New<T>(ws, n, d);
        var xhat = Alloc.New<T>(ws, n, d);
        var invStd = Alloc.New<T>(ws, d);
        var mean = Alloc.New<T>(ws, d);
        fixed (T* px = x.AsSpan(), ph = xhat.AsSpan(), po = outp.AsSpan(), pm = mean.AsSpan(), pv = invStd.AsSpan(),
               pg = gamma.AsSpan(), pb = beta.AsSpan(), prm = runningMean.AsSpan(), prv = runningVar.AsSpan())
        {
            BatchNormReluKernels<T>.Forward(new BatchNormReluCall<T>
            {
                X = px, XHat = ph, Out = po, Mean = pm, InvStd = pv, Gamma = pg, Beta = pb, RunningMean = prm, RunningVar = prv,
                Momentum = T.CreateTruncating(bnParam.Momentum), OneMinusMomentum = T.CreateTruncating(1 - bnParam.Momentum),
                Eps = T.CreateTruncating(bnParam.Eps), InvN = T.One / T.CreateTruncating(n), Rows = n, Cols = d,
            });
        }
        return (outp, new BatchNormReluCache<T>(new BatchNormCache<T>(xhat, invStd, gamma), outp));
    }

    /// <summary>
    /// Backward pass of <see cref="BatchNormReluForward{T}"/>: dout (N, D) → dx (N, D), dgamma (D,), dbeta (D,). The same
    /// bits as <see cref="ReluBackward{T}"/> then <see cref="BatchNormBackwardAlt{T}"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (the forward pass ran in Test mode, or <c>default</c>), dout is not (N, D) with the forward input's shape, or the cache's 1/σ or γ has another length, or the cached output another shape than dout.</exception>
    public static unsafe (NDArray<T> Dx, NDArray<T> Dgamma, NDArray<T> Dbeta) BatchNormReluBackward<T>(NDArray<T> dout, BatchNormReluCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNormBackward(dout, cache.Norm.XHat, cache.Norm.InvStd, cache.Norm.Gamma, "BatchNormReluBackward");
        if (cache.Out is null || !cache.Out.SameShape(dout))
            throw new ArgumentException($"BatchNormReluBackward: dout has shape {dout.ShapeString} but the cached output has {cache.Out?.ShapeString ?? "none"}.", nameof(cache));
        if (!BatchNormReluKernels<T>.Applies(n, d))
            return BatchNormBackwardAlt(ReluBackward(dout, new ReluCache<T>(cache.Out), ws), cache.Norm, ws);
        var dgamma = Alloc.New<T>(ws, d);
        var dbeta = Alloc.New<T>(ws, d);
        var dx = Alloc.New<T>(ws, n, d);
        var k = Alloc.New<T>(ws, d);
        var mb = Alloc.New<T>(ws, d);
        var mg = Alloc.New<T>(ws, d);
        fixed (T* pd = dout.AsSpan(), ph = cache.Norm.XHat.AsSpan(), py = cache.Out.AsSpan(), pdx = dx.AsSpan(), pk = k.AsSpan(),
               pmb = mb.AsSpan(), pmg = mg.AsSpan(), pg = cache.Norm.Gamma.AsSpan(), pv = cache.Norm.InvStd.AsSpan(),
               pdg = dgamma.AsSpan(), pdb = dbeta.AsSpan())
        {
            BatchNormReluKernels<T>.Backward(new BatchNormReluCall<T>
            {
                X = pd, XHat = ph, Out = py, Dx = pdx, Mean = pmb, InvStd = pv, Gamma = pg, DGamma = pdg, DBeta = pdb,
                K = pk, Mg = pmg, InvN = T.One / T.CreateTruncating(n), Rows = n, Cols = d,
            });
        }
        return (dx, dgamma, dbeta);
    }
}
