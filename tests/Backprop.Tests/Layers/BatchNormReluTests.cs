using System.Numerics;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;
using Backprop.Tests.Kernels;
using static Backprop.Checks.GradientCheck;
using static Backprop.Layers.Layer;

namespace Backprop.Tests.Layers;

/// <summary>
/// The fused batch norm + ReLU gives the bits of the two layers run one after the other, forward and backward, on any
/// thread count and shape (vector body, scalar tail, one or two row blocks), with NaN, ±0 and dead units; and it
/// passes a gradient check of its own.
/// </summary>
[Collection(KernelCollection.Name)]
public class BatchNormReluTests
{
    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 37)]
    [InlineData(6, 17)]        // one vector wide, rows 68 bytes apart: no whole vector after the first line boundary, both edge vectors
    [InlineData(100, 500)]     // the nets' hidden layers: two row blocks of 50, rows 500 = 31·16 + 4 wide
    [InlineData(64, 1000)]     // two blocks of 32 rows
    [InlineData(256, 300)]     // two blocks of 128 rows: the most the fused passes take
    [InlineData(100, 260)]     // two blocks, 4 columns in the scalar tail
    [InlineData(20, 500)]      // 10 000 values: one block, summed on the calling thread
    [InlineData(7, 2500)]      // too few rows to block; the element-wise pass's 7 rows split unevenly over 2 and 3 threads
    [InlineData(257, 100)]     // three blocks: the fused layer falls back to the separate layers
    [InlineData(600, 500)]     // five blocks: the same
    public void Float_SameBitsAsBatchNormThenRelu(int n, int d) => SameBitsAsSeparateLayers<float>(n, d);

    [Theory]
    [InlineData(5, 33)]
    [InlineData(100, 500)]
    public void Double_SameBitsAsBatchNormThenRelu(int n, int d) => SameBitsAsSeparateLayers<double>(n, d);

    private static void SameBitsAsSeparateLayers<T>(int n, int d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new NumpyRandom(7);
        var x = rng.Randn<T>(n, d);
        var dout = rng.Randn<T>(n, d);
        var gamma = rng.Randn<T>(d);
        var beta = rng.Randn<T>(d);
        // A shifted mean (dead units after the ReLU), a NaN in one feature and zeros in another.
        for (int i = 0; i < x.Size; i++) x.Flat(i) = x.Flat(i) * T.CreateTruncating(3) - T.CreateTruncating(1);
        if (d > 2)
        {
            x[0, 1] = T.NaN;
            for (int i = 0; i < n; i++) x[i, 2] = T.Zero;
            beta[2] = -T.Zero;
        }
        if (n > 1) dout[n - 1, 0] = T.NaN;

        var runningMean = rng.Randn<T>(d);
        var runningVar = rng.Rand<T>(d);
        var refParam = new BatchNormParam<T> { RunningMean = runningMean.Copy(), RunningVar = runningVar.Copy() };
        var (a, normCache) = BatchNormForward(x, gamma, beta, refParam);
        var (want, reluCache) = ReluForward(a);
        var (wantDx, wantDg, wantDb) = BatchNormBackwardAlt(ReluBackward(dout, reluCache), normCache);

        // On 2 threads both placements: streaming stores (cores far apart) and ordinary ones (near), same bits.
        foreach (var (threads, far) in new[] { (1, false), (2, true), (2, false), (3, true) })
        {
            int saved = Parallelism.MaxThreads;
            Parallelism.MaxThreads = threads;
            CorePlacement.Override = far;
            try
            {
                var p = new BatchNormParam<T> { RunningMean = runningMean.Copy(), RunningVar = runningVar.Copy() };
                var (got, cache) = BatchNormReluForward(x, gamma, beta, p);
                string at = $"{typeof(T).Name} {n}×{d}, {threads} threads{(far ? ", streamed" : "")}";
                AssertSameBits(want, got, $"out, {at}");
                AssertSameBits(normCache.XHat, cache.Norm.XHat, $"x̂, {at}");
                AssertSameBits(normCache.InvStd, cache.Norm.InvStd, $"1/σ, {at}");
                AssertSameBits(refParam.RunningMean, p.RunningMean, $"running mean, {at}");
                AssertSameBits(refParam.RunningVar, p.RunningVar, $"running var, {at}");
                var (dx, dg, db) = BatchNormReluBackward(dout, cache);
                AssertSameBits(wantDx, dx, $"dx, {at}");
                AssertSameBits(wantDg, dg, $"dgamma, {at}");
                AssertSameBits(wantDb, db, $"dbeta, {at}");
            }
            finally
            {
                Parallelism.MaxThreads = saved;
                CorePlacement.Override = null;
            }
        }
    }

    private static void AssertSameBits<T>(NDArray<T> want, NDArray<T> got, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.True(want.SameShape(got), $"{what}: shape {got.ShapeString}, want {want.ShapeString}");
        for (int i = 0; i < want.Size; i++)
        {
            T w = want.Flat(i), g = got.Flat(i);
            bool same = T.IsNaN(w) ? T.IsNaN(g) : w == g && T.IsNegative(w) == T.IsNegative(g);
            Assert.True(same, $"{what}: element {i} is {g}, want {w}");
        }
    }

    [Fact]
    public void Backward_PassesGradientCheck()
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(6, 40);
        for (int i = 0; i < x.Size; i++) x.Flat(i) = 5 * x.Flat(i) + 12;
        var gamma = rng.Randn(40);
        var beta = rng.Randn(40);
        var dout = rng.Randn(6, 40);
        var p = new BatchNormParam<double>();
        var dxNum = EvalNumericalGradientArray(v => BatchNormReluForward(v, gamma, beta, p).Out, x, dout);
        var dgNum = EvalNumericalGradientArray(v => BatchNormReluForward(x, v, beta, p).Out, gamma.Copy(), dout);
        var dbNum = EvalNumericalGradientArray(v => BatchNormReluForward(x, gamma, v, p).Out, beta.Copy(), dout);
        var (_, cache) = BatchNormReluForward(x, gamma, beta, p);
        var (dx, dgamma, dbeta) = BatchNormReluBackward(dout, cache);
        // Units within the step h of ReLU's kink blur the numerical dx a little (1.2e-7 here; 1e-9 without the ReLU).
        Assert.InRange(RelError(dxNum, dx), 0, 1e-6);
        Assert.InRange(RelError(dgNum, dgamma), 0, 1e-8);
        Assert.InRange(RelError(dbNum, dbeta), 0, 1e-8);
    }

    [Fact]
    public void TestMode_MismatchedCache_AndStaleRunningStatistics_AreClearErrors()
    {
        var x = new NumpyRandom(0).Randn(4, 3);
        var g = new NDArray<double>(3);
        var b = new NDArray<double>(3);
        var e = Assert.Throws<ArgumentException>(() => BatchNormReluForward(x, g, b, new BatchNormParam<double> { Mode = Mode.Test }));
        Assert.Contains("training", e.Message);
        var (_, cache) = BatchNormReluForward(x, g, b, new BatchNormParam<double>());
        var e2 = Assert.Throws<ArgumentException>(() => BatchNormReluBackward(new NDArray<double>(4, 2), cache));
        Assert.Contains("(4, 2)", e2.Message);
        // Running statistics of another layer width, fused or not.
        var stale = new BatchNormParam<double> { RunningMean = new NDArray<double>(5), RunningVar = new NDArray<double>(5) };
        var e3 = Assert.Throws<ArgumentException>(() => BatchNormReluForward(x, g, b, stale));
        Assert.Contains("the running mean has shape (5,) and the running variance (5,), but x has 3 features", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => BatchNormForward(x, g, b, stale));
        Assert.Contains("BatchNormForward: the running mean has shape (5,)", e4.Message);
        // Three values, but not of shape (3,), as gamma must be: (3, 1) was taken and updated as if it were.
        var ranked = new BatchNormParam<double> { RunningMean = new NDArray<double>(1, 3), RunningVar = new NDArray<double>(3, 1) };
        foreach (var forward in new Action[] { () => BatchNormForward(x, g, b, ranked), () => BatchNormReluForward(x, g, b, ranked) })
            Assert.Contains("the running mean has shape (1, 3) and the running variance (3, 1), but x has 3 features: both must have shape (3,)",
                Assert.Throws<ArgumentException>(forward).Message);
        // One sample has no variance to normalise by (PyTorch refuses it too); Test mode takes one.
        var one = new NDArray<double>(1, 3);
        foreach (var forward in new Action[] { () => BatchNormForward(one, g, b, new BatchNormParam<double>()), () => BatchNormReluForward(one, g, b, new BatchNormParam<double>()) })
            Assert.Contains("training needs at least 2 samples per batch to estimate a variance, got 1", Assert.Throws<ArgumentException>(forward).Message);
        Assert.Equal([1, 3], BatchNormForward(one, g, b, new BatchNormParam<double> { Mode = Mode.Test }).Out.ShapeArray());
    }
}
