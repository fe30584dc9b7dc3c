using Backprop.Layers;
using Backprop.Tensors;
using static Backprop.Layers.Layer;

namespace Backprop.Tests.Layers;

/// <summary>
/// Backward passes check a cache before their kernels read it through pointers: a hand-built or mismatched cache is an
/// ArgumentException naming the cache and the shapes, never a read past an array (which could crash the process).
/// </summary>
public class CacheCheckTests
{
    private static NDArray<float> Ones(params int[] shape) => NDArray<float>.Ones(shape);

    public static TheoryData<string> Backwards => new() { "batchnorm", "batchnorm-alt", "batchnorm-relu", "layernorm" };

    private static void Backward(string which, NDArray<float> dout, NDArray<float> xhat, NDArray<float>? invStd, NDArray<float>? gamma)
    {
        switch (which)
        {
            case "batchnorm": BatchNormBackward(dout, new BatchNormCache<float>(xhat, invStd!, gamma!)); break;
            case "batchnorm-alt": BatchNormBackwardAlt(dout, new BatchNormCache<float>(xhat, invStd!, gamma!)); break;
            case "batchnorm-relu": BatchNormReluBackward(dout, new BatchNormReluCache<float>(new BatchNormCache<float>(xhat, invStd!, gamma!), Ones(dout.ShapeArray()))); break;
            default: LayerNormBackward(dout, new LayerNormCache<float>(xhat, invStd!, gamma!)); break;
        }
    }

    [Theory]
    [MemberData(nameof(Backwards))]
    public void NormBackward_RefusesStatisticsAndGammaOfTheWrongLength(string which)
    {
        const int n = 4, d = 64;
        int stats = which == "layernorm" ? n : d;
        var dout = Ones(n, d);
        Backward(which, dout, Ones(n, d), Ones(stats), Ones(d));   // the right shapes run

        var shortInv = Assert.Throws<ArgumentException>(() => Backward(which, dout, Ones(n, d), Ones(1), Ones(d)));
        Assert.Equal("cache", shortInv.ParamName);
        Assert.Contains($"1/σ has shape (1,); dout (4, 64) needs ({stats},)", shortInv.Message);
        var shortGamma = Assert.Throws<ArgumentException>(() => Backward(which, dout, Ones(n, d), Ones(stats), Ones(1)));
        Assert.Contains("gamma has shape (1,); dout (4, 64) needs (64,)", shortGamma.Message);
        Assert.Contains("1/σ has shape none", Assert.Throws<ArgumentException>(() => Backward(which, dout, Ones(n, d), null, Ones(d))).Message);
        Assert.Contains("gamma has shape none", Assert.Throws<ArgumentException>(() => Backward(which, dout, Ones(n, d), Ones(stats), null)).Message);
    }

    [Theory]
    [MemberData(nameof(Backwards))]
    public void NormBackward_RefusesACacheAndDoutOfAnotherRankThanTwo(string which)
    {
        // A cache of rank 3 (or 1) with dout of its shape: batch norm's staged backward returned a dx of shape (2, 3)
        // for dout (2, 3, 2), the others threw an ArgumentOutOfRangeException about an 'axis' from a sum inside.
        foreach (var (shape, stats) in new[] { (new[] { 2, 3, 2 }, 3), (new[] { 3 }, 3) })
        {
            var e = Assert.Throws<ArgumentException>(() => Backward(which, Ones(shape), Ones(shape), Ones(stats), Ones(3)));
            Assert.Equal("dout", e.ParamName);
            Assert.Contains($"must have shape (N, D), as the forward output, got {NDArray<float>.ShapeToString(shape)}", e.Message);
        }
    }

    [Fact]
    public void LayerNormBackward_OnAPastTheCachesRow_RefusesAShortCacheInsteadOfReadingPastIt()
    {
        // The probe that found this read 2²⁴ floats of γ and 1/σ from one-element arrays and died in an access violation.
        var dout = Ones(1, 1 << 20);
        var e = Assert.Throws<ArgumentException>(() => LayerNormBackward(dout, new LayerNormCache<float>(Ones(1, 1 << 20), Ones(1), Ones(1))));
        Assert.Contains("gamma has shape (1,)", e.Message);
    }

    [Fact]
    public void AffineBackward_RefusesAnEmptyOrInconsistentCache()
    {
        var dout = Ones(2, 3);
        Assert.Equal("cache", Assert.Throws<ArgumentException>(() => AffineBackward(dout, default(AffineCache<float>))).ParamName);
        var e = Assert.Throws<ArgumentException>(() => AffineBackward(dout, new AffineCache<float>(Ones(2, 5), Ones(4, 3))));
        Assert.Contains("x (2, 5) and w (4, 3)", e.Message);
        var (dx, dw, db) = AffineBackward(dout, new AffineCache<float>(Ones(2, 2, 2), Ones(4, 3)));
        Assert.Equal([2, 2, 2], dx.ShapeArray());
        Assert.Equal([4, 3], dw.ShapeArray());
        Assert.Equal(2f, db[0]);
    }

    [Fact]
    public void DropoutBackward_RefusesAnEmptyCache_ButPassesATestModeCacheThrough()
    {
        // The other layers refused default(cache); dropout returned dout unchanged, as if from a test-mode pass.
        var dout = NDArray<double>.Ones(2, 3);
        var e = Assert.Throws<ArgumentException>(() => Layer.DropoutBackward(dout, default(DropoutCache<double>)));
        Assert.Equal("cache", e.ParamName);
        Assert.Contains("the cache is empty", e.Message);
        var (_, testCache) = Layer.DropoutForward(dout, new DropoutParam(0.5, Mode.Test));
        Assert.Same(dout, Layer.DropoutBackward(dout, testCache));
        Assert.Same(dout, Layer.DropoutBackward(dout, new DropoutCache<double>(null, new DropoutParam(0.5, Mode.Test))));
    }

    [Fact]
    public void ReluBackward_RefusesAnEmptyCache()
    {
        var e = Assert.Throws<ArgumentException>(() => ReluBackward(Ones(2, 3), default(ReluCache<float>)));
        Assert.Equal("cache", e.ParamName);
        Assert.Contains("the cache is empty", e.Message);
    }
}
