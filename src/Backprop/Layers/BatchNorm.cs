using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Layers;

/// <summary>
/// Settings and running statistics of one batch-normalization layer (the notebooks' <c>bn_param</c>).
/// </summary>
/// <remarks>
/// Thread safety: a Train-mode <see cref="Layer.BatchNormForward"/> updates the running statistics in place, so one
/// instance serves one pass at a time; Test-mode passes only read it and may share it (change <see cref="Mode"/>
/// between calls, not during them).
/// </remarks>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed class BatchNormParam<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Train (batch statistics) or Test (running statistics).</summary>
    public Mode Mode { get; set; } = Mode.Train;

    /// <summary>Added to the variance for numerical stability; 1e-5.</summary>
    public double Eps
    {
        get;
        set => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(Eps), value, "Batch norm eps must be a small positive number.");
    } = 1e-5;

    /// <summary>
    /// Decay of the running statistics: <c>running = momentum·running + (1 − momentum)·batch</c>; 0.9.
    /// (PyTorch's <c>BatchNorm1d(momentum=0.1)</c> is the same update named the other way round.)
    /// </summary>
    public double Momentum
    {
        get;
        set => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Momentum), value, "Batch norm momentum must lie in [0, 1].");
    } = 0.9;

    /// <summary>Running mean, shape (D,); zeros until the first training pass.</summary>
    public NDArray<T>? RunningMean { get; set; }

    /// <summary>Running (biased) variance, shape (D,); zeros until the first training pass.</summary>
    public NDArray<T>? RunningVar { get; set; }
}

/// <summary>What the batch-norm backward passes need from a training-mode forward pass.</summary>
/// <param name="XHat">Normalised input (N, D).</param>
/// <param name="InvStd">1/√(var + eps) per feature (D,).</param>
/// <param name="Gamma">Scale (D,).</param>
public readonly record struct BatchNormCache<T>(NDArray<T> XHat, NDArray<T> InvStd, NDArray<T> Gamma) where T : unmanaged, IFloatingPointIeee754<T>;

public static partial class Layer
{
    /// <summary>
    /// Batch normalization. Training: normalise each feature with the batch mean and (biased) variance, then
    /// <c>out = gamma · x̂ + beta</c>, and update the running statistics. Test: normalise with the running statistics.
    /// </summary>
    /// <param name="x">Input (N, D).</param>
    /// <param name="gamma">Scale (D,).</param>
    /// <param name="beta">Shift (D,).</param>
    /// <param name="bnParam">Mode, eps, momentum and the running statistics (created as zeros when absent).</param>
    /// <param name="ws">Optional workspace.</param>
    /// <returns>Output (N, D) and the cache (meaningful only in training mode).</returns>
    /// <exception cref="ArgumentException">In Train mode, a batch of one sample: its variance is 0, so the course's
    /// <c>batchnorm_forward</c> returns β whatever x is and pulls the running variance toward 0; we refuse it, as PyTorch's
    /// BatchNorm1d does (Test mode takes one sample). Also: x is not (N, D) with N &gt; 0, gamma or beta is not (D,), or
    /// the running statistics already held have another length than D (the message names the shapes).</exception>
    /// <exception cref="ArgumentNullException">x, gamma, beta or bnParam is null.</exception>
    public static unsafe (NDArray<T> Out, BatchNormCache<T> Cache) BatchNormForward<T>(NDArray<T> x, NDArray<T> gamma, NDArray<T> beta, BatchNormParam<T> bnParam, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(bnParam);
        var (n, d) = CheckNorm(x, gamma, beta, "BatchNormForward");
        if (bnParam.Mode == Mode.Train) CheckTrainingBatch(n, "BatchNormForward");
        var (runningMean, runningVar) = EnsureRunningStatistics(bnParam, d, "BatchNormForward");
        T eps = T.CreateTruncating(bnParam.Eps);
        var outp = Alloc.New<T>(ws, n, d);
        var xs = x.AsSpan();
        var os = outp.AsSpan();
        var g = gamma.AsSpan();
        var b = beta.AsSpan();

        if (bnParam.Mode == Mode.Test)
        {
            Normalize(xs, g, b, runningMean, runningVar, eps, os, n, d, ws);
            return (outp, default);
        }

        var xhat = Alloc.New<T>(ws, n, d);
        var invStd = Alloc.New<T>(ws, d);
        var mean = Alloc.New<T>(ws, d).AsSpan();
        var var_ = invStd.AsSpan();   // holds the variance until it becomes 1/std
        fixed (T* px = xs, ph = xhat.AsSpan(), po = os, pm = mean, pv = var_, pg = g, pb = b)
        {
            var call = new BatchNormCall<T>
            {
                X = px, XHat = ph, Out = po, Mean = pm, Scale = pv, Gamma = pg, Beta = pb,
                InvN = T.One / T.CreateTruncating(n), Rows = n, Cols = d,
            };
            BatchNormKernels<T>.Statistics(in call);
            fixed (T* prm = runningMean.AsSpan(), prv = runningVar.AsSpan())
                BatchNormKernels<T>.UpdateRunning(prm, prv, pm, pv, d, T.CreateTruncating(bnParam.Momentum), T.CreateTruncating(1 - bnParam.Momentum));
            TensorPrimitives.Add(var_, eps, var_);
            TensorPrimitives.ReciprocalSqrt<T>(var_, var_);
            BatchNormKernels<T>.NormalizeRows(in call);
        }
        return (outp, new BatchNormCache<T>(xhat, invStd, gamma));
    }

    /// <summary>
    /// Test-mode batch norm with the running statistics given directly: what <see cref="BatchNormForward{T}"/> computes
    /// in Test mode, the same bits, but reading no <see cref="BatchNormParam{T}"/> and writing nothing shared, so
    /// concurrent inference passes of one model need no mode to set. x (N, D) → out (N, D).
    /// </summary>
    internal static NDArray<T> BatchNormInference<T>(NDArray<T> x, NDArray<T> gamma, NDArray<T> beta, NDArray<T> runningMean, NDArray<T> runningVar, double eps, Workspace? ws)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNorm(x, gamma, beta, "BatchNormForward");
        CheckRunningStatistics(runningMean, runningVar, d, "BatchNormForward");
        var outp = Alloc.New<T>(ws, n, d);
        Normalize(x.AsSpan(), gamma.AsSpan(), beta.AsSpan(), runningMean, runningVar, T.CreateTruncating(eps), outp.AsSpan(), n, d, ws);
        return outp;
    }

    private static void Normalize<T>(ReadOnlySpan<T> xs, ReadOnlySpan<T> g, ReadOnlySpan<T> b, NDArray<T> runningMean, NDArray<T> runningVar, T eps, Span<T> os, int n, int d, Workspace? ws)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // (x − μ)·s + β with s = γ/√(var + eps), as CS231n's (x − μ)/√(var + eps)·γ + β: folding μ into the shift
        // (x·s + (β − μ·s)) cancels when |μ| ≫ σ, 0.24% off in float32 at μ = 1000, σ = 0.01.
        var scale = Alloc.New<T>(ws, d).AsSpan();
        var mu = runningMean.AsSpan();
        TensorPrimitives.Add(runningVar.AsSpan(), eps, scale);
        TensorPrimitives.ReciprocalSqrt<T>(scale, scale);
        TensorPrimitives.Multiply(scale, g, scale);
        for (int i = 0; i < n; i++)
        {
            var row = os.Slice(i * d, d);
            TensorPrimitives.Subtract(xs.Slice(i * d, d), mu, row);
            TensorPrimitives.FusedMultiplyAdd(row, scale, b, row);
        }
    }

    /// <summary>
    /// Training statistics of one sample are degenerate (variance 0: the output is β whatever x is, and the running
    /// variance is pulled toward 0); PyTorch's BatchNorm1d refuses such a batch too.
    /// </summary>
    private static void CheckTrainingBatch(int n, string who)
    {
        if (n < 2)
            throw new ArgumentException($"{who}: training needs at least 2 samples per batch to estimate a variance, got {n}; use Test mode for one sample.", "x");
    }

    /// <summary>The running statistics, created as zeros when absent; a clear error when they have another feature count.</summary>
    private static (NDArray<T> Mean, NDArray<T> Var) EnsureRunningStatistics<T>(BatchNormParam<T> p, int d, string who) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var mean = p.RunningMean ??= new NDArray<T>(d);
        var var = p.RunningVar ??= new NDArray<T>(d);
        CheckRunningStatistics(mean, var, d, who);
        return (mean, var);
    }

    /// <summary>Running statistics must have shape (D,), as gamma and beta (a (D, 1) array would broadcast wrongly in NumPy).</summary>
    private static void CheckRunningStatistics<T>(NDArray<T> mean, NDArray<T> var, int d, string who) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mean.Rank != 1 || var.Rank != 1 || mean.Size != d || var.Size != d)
            throw new ArgumentException($"{who}: the running mean has shape {mean.ShapeString} and the running variance {var.ShapeString}, but x has {d} features: both must have shape ({d},).", "bnParam");
    }

    /// <summary>
    /// Batch-norm backward pass staged along the computational graph (x → x − μ → σ² → 1/σ → x̂ → out), as the
    /// notebooks derive it. dout (N, D) → dx (N, D), dgamma (D,), dbeta (D,).
    /// </summary>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (the forward pass ran in Test mode, or <c>default</c>), dout is not (N, D) with the forward input's shape, or the cache's 1/σ or γ has another length.</exception>
    public static (NDArray<T> Dx, NDArray<T> Dgamma, NDArray<T> Dbeta) BatchNormBackward<T>(NDArray<T> dout, BatchNormCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNormBackward(dout, cache.XHat, cache.InvStd, cache.Gamma, "BatchNormBackward");
        var (dgamma, dbeta) = GammaBetaGrads(dout, cache.XHat, ws);
        var dx = Alloc.New<T>(ws, n, d);
        var std = Alloc.New<T>(ws, d).AsSpan();
        var dInvStd = Alloc.New<T>(ws, d).AsSpan();
        var dMean = Alloc.New<T>(ws, d).AsSpan();
        var row = Alloc.New<T>(ws, d).AsSpan();
        var hs = cache.XHat.AsSpan();
        var ds = dout.AsSpan();
        var dxs = dx.AsSpan();
        var g = cache.Gamma.AsSpan();
        var inv = cache.InvStd.AsSpan();
        T invN = T.One / T.CreateTruncating(n), two = T.CreateTruncating(2);

        TensorPrimitives.Reciprocal<T>(inv, std);
        // d(1/σ) = Σ_i dx̂ · (x − μ), with dx̂ = dout · γ and x − μ = x̂ · σ
        dInvStd.Clear();
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Multiply(ds.Slice(i * d, d), g, row);
            TensorPrimitives.Multiply(row, hs.Slice(i * d, d), row);
            TensorPrimitives.Multiply(row, std, row);
            TensorPrimitives.Add(dInvStd, row, dInvStd);
        }
        // dσ² = d(1/σ) · (−½)(σ²+eps)^(−3/2) = −½ · d(1/σ) · (1/σ)³
        var dVar = dInvStd;
        for (int j = 0; j < d; j++) dVar[j] = -dInvStd[j] * inv[j] * inv[j] * inv[j] / two;
        // d(x − μ) = dx̂/σ + (2/N)(x − μ)·dσ²;  dμ = −Σ_i d(x − μ);  dx = d(x − μ) + dμ/N
        dMean.Clear();
        for (int i = 0; i < n; i++)
        {
            var dxr = dxs.Slice(i * d, d);
            TensorPrimitives.Multiply(ds.Slice(i * d, d), g, dxr);
            TensorPrimitives.Multiply(dxr, inv, dxr);
            TensorPrimitives.Multiply(hs.Slice(i * d, d), std, row);
            TensorPrimitives.Multiply(row, dVar, row);
            TensorPrimitives.Multiply(row, two * invN, row);
            TensorPrimitives.Add(dxr, row, dxr);
            TensorPrimitives.Subtract(dMean, dxr, dMean);
        }
        TensorPrimitives.Multiply(dMean, invN, dMean);
        for (int i = 0; i < n; i++) TensorPrimitives.Add(dxs.Slice(i * d, d), dMean, dxs.Slice(i * d, d));
        return (dx, dgamma, dbeta);
    }

    /// <summary>
    /// Batch-norm backward pass in closed form: <c>dx = (γ/σ)/N · (N·dout − Σdout − x̂·Σ(dout·x̂))</c>.
    /// Same result as <see cref="BatchNormBackward{T}"/> up to rounding, fewer passes; the models use this one. (Where the
    /// variance overflowed to ∞, 1/σ = 0: this gives 0, the staged form NaN, since it rebuilds x − μ as x̂·σ = 0·∞.)
    /// </summary>
    /// <exception cref="ArgumentNullException">dout is null.</exception>
    /// <exception cref="ArgumentException">The cache is empty (the forward pass ran in Test mode, or <c>default</c>), dout is not (N, D) with the forward input's shape, or the cache's 1/σ or γ has another length.</exception>
    public static unsafe (NDArray<T> Dx, NDArray<T> Dgamma, NDArray<T> Dbeta) BatchNormBackwardAlt<T>(NDArray<T> dout, BatchNormCache<T> cache, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, d) = CheckNormBackward(dout, cache.XHat, cache.InvStd, cache.Gamma, "BatchNormBackwardAlt");
        var dgamma = Alloc.New<T>(ws, d);
        var dbeta = Alloc.New<T>(ws, d);
        var dx = Alloc.New<T>(ws, n, d);
        var k = Alloc.New<T>(ws, d).AsSpan();
        var mb = Alloc.New<T>(ws, d).AsSpan();
        var mg = Alloc.New<T>(ws, d).AsSpan();
        T invN = T.One / T.CreateTruncating(n);
        fixed (T* pd = dout.AsSpan(), ph = cache.XHat.AsSpan(), pdx = dx.AsSpan(), pk = k, pmb = mb, pmg = mg, pdb = dbeta.AsSpan(), pdg = dgamma.AsSpan())
        {
            var call = new BatchNormCall<T>
            {
                X = pd, XHat = ph, Out = pdx, Mean = pmb, Scale = pk, Gamma = pmg, Sum1 = pdb, Sum2 = pdg,
                InvN = invN, Rows = n, Cols = d,
            };
            BatchNormKernels<T>.GradientSums(in call);
            // dx = k·dout − k·(Σdout)/N + x̂·mg  with k = γ/σ and mg = −k·(Σdout·x̂)/N
            TensorPrimitives.Multiply(cache.Gamma.AsSpan(), cache.InvStd.AsSpan(), k);
            TensorPrimitives.Multiply(dbeta.AsSpan(), k, mb);
            TensorPrimitives.Multiply(mb, invN, mb);
            TensorPrimitives.Multiply(dgamma.AsSpan(), k, mg);
            TensorPrimitives.Multiply(mg, -invN, mg);
            BatchNormKernels<T>.BackwardRows(in call);
        }
        return (dx, dgamma, dbeta);
    }

    /// <summary>dgamma = Σ_i dout·x̂ and dbeta = Σ_i dout over the rows, in one pass (the bits of the two separate sums).</summary>
    private static unsafe (NDArray<T> Dgamma, NDArray<T> Dbeta) GammaBetaGrads<T>(NDArray<T> dout, NDArray<T> xhat, Workspace? ws)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = dout.Dim(0), d = dout.Dim(1);
        var dgamma = Alloc.New<T>(ws, d);
        var dbeta = Alloc.New<T>(ws, d);
        fixed (T* pd = dout.AsSpan(), ph = xhat.AsSpan(), pb = dbeta.AsSpan(), pg = dgamma.AsSpan())
            ColumnReductions<T>.Run(ColumnReduction.SumAndProducts, pd, ph, null, pb, pg, n, d);
        return (dgamma, dbeta);
    }

    private static (int N, int D) CheckNorm<T>(NDArray<T> x, NDArray<T> gamma, NDArray<T> beta, string who) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(beta);
        if (x.Rank != 2) throw new ArgumentException($"{who}: x must have shape (N, D), got {x.ShapeString}.", nameof(x));
        int n = x.Dim(0), d = x.Dim(1);
        if (n == 0) throw new ArgumentException($"{who}: x is an empty batch (N = 0).", nameof(x));
        if (gamma.Rank != 1 || gamma.Dim(0) != d) throw new ArgumentException($"{who}: gamma must have shape ({d},) to match x {x.ShapeString}, got {gamma.ShapeString}.", nameof(gamma));
        if (beta.Rank != 1 || beta.Dim(0) != d) throw new ArgumentException($"{who}: beta must have shape ({d},) to match x {x.ShapeString}, got {beta.ShapeString}.", nameof(beta));
        return (n, d);
    }

    /// <summary>
    /// Checks a normalization cache against dout before the kernels read it through pointers: x̂ of dout's shape (N, D),
    /// γ of shape (D,), and 1/σ of shape (D,) per feature (batch norm) or (N,) per sample (layer norm).
    /// </summary>
    private static (int N, int D) CheckNormBackward<T>(NDArray<T> dout, NDArray<T>? xhat, NDArray<T>? invStd, NDArray<T>? gamma, string who, bool perSample = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(dout);
        if (xhat is null) throw new ArgumentException($"{who}: the cache is empty; the forward pass must run in Train mode to be differentiated.", "cache");
        if (!dout.SameShape(xhat)) throw new ArgumentException($"{who}: dout has shape {dout.ShapeString} but the forward input had {xhat.ShapeString}.", nameof(dout));
        // The forward passes take (N, D) only; a cache built by hand of another rank was read as (N, D) and gave a dx
        // of another shape than dout, or failed inside with an axis error.
        if (dout.Rank != 2) throw new ArgumentException($"{who}: dout must have shape (N, D), as the forward output, got {dout.ShapeString}.", nameof(dout));
        int n = dout.Dim(0), d = dout.Dim(1), stats = perSample ? n : d;
        if (invStd is null || invStd.Rank != 1 || invStd.Size != stats)
            throw new ArgumentException($"{who}: the cache's 1/σ has shape {invStd?.ShapeString ?? "none"}; dout {dout.ShapeString} needs ({stats},), one per {(perSample ? "sample" : "feature")}.", "cache");
        if (gamma is null || gamma.Rank != 1 || gamma.Size != d)
            throw new ArgumentException($"{who}: the cache's gamma has shape {gamma?.ShapeString ?? "none"}; dout {dout.ShapeString} needs ({d},).", "cache");
        return (n, d);
    }
}
