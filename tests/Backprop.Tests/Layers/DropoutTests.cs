using Backprop.Layers;
using Backprop.Models;
using Backprop.Tensors;
using static Backprop.Checks.GradientCheck;
using static Backprop.Layers.Layer;

namespace Backprop.Tests.Layers;

/// <summary>The Dropout notebook's checks (p is the keep probability).</summary>
public class DropoutTests
{
    [Theory]
    [InlineData(0.25)]
    [InlineData(0.4)]
    [InlineData(0.7)]
    public void Dropout_ZeroesAboutOneMinusP_AndKeepsTheMean(double p)
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(500, 500);
        for (int i = 0; i < x.Size; i++) x.Flat(i) += 10;
        var (train, _) = DropoutForward(x, new DropoutParam(p, Mode.Train, rng: rng));
        var (test, _) = DropoutForward(x, new DropoutParam(p, Mode.Test));
        double zeros = train.AsSpan().ToArray().Count(v => v == 0) / (double)train.Size;
        Assert.Equal(1 - p, zeros, 2);
        Assert.Equal(x.Mean(), train.Mean(), 1);            // inverted dropout keeps the expectation
        Assert.Equal(x.Mean(), test.Mean(), 12);
        Assert.Equal(0.0, test.AsSpan().ToArray().Count(v => v == 0) / (double)test.Size);
    }

    [Fact]
    public void Dropout_ReproducesTheNotebookStatistics()
    {
        // CS231n Dropout notebook, np.random.seed(231), x = randn(500, 500) + 10, one generator for all three p.
        var rng = new NumpyRandom(231);
        var x = rng.Randn(500, 500);
        for (int i = 0; i < x.Size; i++) x.Flat(i) += 10;
        Assert.Equal(10.000207878477502, x.Mean(), 12);
        (double P, double Mean, double Zeros)[] expected = [(0.25, 10.014059116977283, 0.749784), (0.4, 9.977917658761159, 0.600796), (0.7, 9.987811912159426, 0.30074)];
        foreach (var (p, mean, zeros) in expected)
        {
            var (train, _) = DropoutForward(x, new DropoutParam(p, Mode.Train, rng: rng));
            Assert.Equal(mean, train.Mean(), 9);
            Assert.Equal(zeros, train.AsSpan().ToArray().Count(v => v == 0) / (double)train.Size, 12);
        }
    }

    [Fact]
    public void DropoutBackward_PassesGradientCheck()
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(10, 10);
        for (int i = 0; i < x.Size; i++) x.Flat(i) += 10;
        var dout = rng.Randn(10, 10);
        var param = new DropoutParam(0.2, Mode.Train, seed: 123);
        var (_, cache) = DropoutForward(x, param);
        var dx = DropoutBackward(dout, cache);
        var dxNum = EvalNumericalGradientArray(v => DropoutForward(v, param).Out, x, dout);
        // Notebook: dx relative error 5.45e-11.
        Assert.InRange(RelError(dx, dxNum), 0, 1e-10);
    }

    [Theory]
    [InlineData(0.7, 1)]
    [InlineData(0.7, 100 * 1000)]
    [InlineData(0.5, 15)]
    [InlineData(1.0 / 3, 513)]     // a chunk of uniforms and one more, a vector tail
    public void DropoutMask_IsRandLessThanP_OverOneOverP_DrawnInOrder(double p, int n)
    {
        var xf = NDArray<float>.Ones(1, n);
        var xd = NDArray<double>.Ones(1, n);
        var (_, cf) = DropoutForward(xf, new DropoutParam(p, Mode.Train, rng: new NumpyRandom(3)));
        var (_, cd) = DropoutForward(xd, new DropoutParam(p, Mode.Train, rng: new NumpyRandom(3)));
        var reference = new NumpyRandom(3);
        float scaleF = 1f / (float)p;
        double scaleD = 1.0 / p;
        for (int i = 0; i < n; i++)
        {
            bool keep = reference.NextDouble() < p;
            Assert.True(cf.Mask!.Flat(i) == (keep ? scaleF : 0f), $"float mask {i}: {cf.Mask.Flat(i)}");
            Assert.True(cd.Mask!.Flat(i) == (keep ? scaleD : 0.0), $"double mask {i}: {cd.Mask.Flat(i)}");
        }
    }

    [Fact]
    public void DropoutMask_AtADrawEqualToP_DropsIt_AndKeepsItJustAbove()
    {
        // The mask compares integers (X < ⌈p·2⁵³⌉) where NumPy compares the double X·2⁻⁵³ with p: the two agree at the
        // edge. Draw 700 of seed 11 (past a regeneration, inside a vector of 8) is a double d; p = d drops it, p = next
        // double above d keeps it; so do p = d for a scalar-tail draw (index 1003 of 1005).
        foreach (int at in new[] { 700, 1003 })
        {
            var peek = new NumpyRandom(11);
            double d = 0;
            for (int i = 0; i <= at; i++) d = peek.NextDouble();
            foreach (var (p, kept) in new[] { (d, false), (Math.BitIncrement(d), true) })
            {
                var (_, cf) = DropoutForward(NDArray<float>.Ones(1, 1005), new DropoutParam(p, Mode.Train, rng: new NumpyRandom(11)));
                var (_, cd) = DropoutForward(NDArray<double>.Ones(1, 1005), new DropoutParam(p, Mode.Train, rng: new NumpyRandom(11)));
                Assert.Equal(kept, cf.Mask!.Flat(at) != 0f);
                Assert.Equal(kept, cd.Mask!.Flat(at) != 0.0);
            }
        }
    }

    [Fact]
    public void Dropout_WithSeed_RepeatsTheMask()
    {
        var x = NDArray<double>.Ones(20, 20);
        var param = new DropoutParam(0.5, Mode.Train, seed: 7);
        var a = DropoutForward(x, param).Out.Copy();
        var b = DropoutForward(x, param).Out;
        Assert.Equal(a.AsSpan(), b.AsSpan());
    }

    [Fact]
    public void Dropout_AdvancesTheGenerator_AsCs231nDoes()
    {
        // dropout_forward seeds first, in either mode: the next draw is seed(123)'s first, np.random.rand() = 0.69646918…
        var rng = new NumpyRandom(0u);
        DropoutForward(NDArray<double>.Ones(2, 3), new DropoutParam(0.5, Mode.Test, seed: 123, rng: rng));
        Assert.Equal(0.6964691855978616, rng.NextDouble());
        // and a FullyConnectedNet's test-mode pass does the same to the generator it shares.
        var shared = new NumpyRandom(0u);
        new FullyConnectedNet<double>([3], 2, 2, dropoutKeep: 0.5, rng: shared, seed: 123).Loss(NDArray<double>.Zeros(1, 2));
        Assert.Equal(0.6964691855978616, shared.NextDouble());
        // Training at p = 1 still draws rand(2, 3) (a mask of ones): the next draw is seed(0)'s seventh.
        var keepAll = new NumpyRandom(0u);
        var x = NDArray<double>.FromRows([[1, 2, 3], [4, 5, 6]]);
        var (out1, _) = DropoutForward(x, new DropoutParam(1.0, Mode.Train, rng: keepAll));
        Assert.Equal(x.AsSpan(), out1.AsSpan());
        Assert.Equal(0.4375872112626925, keepAll.NextDouble());
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Dropout_KeepProbabilityOutsideRange_IsRejected(double p)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutParam(p));
        Assert.Contains("(0, 1]", e.Message);
    }

    [Fact]
    public void TestModeBackward_RefusesADoutOfTheWrongShape_AsTrainModeDoes()
    {
        var x = NDArray<double>.Ones(2, 3);
        var (_, cache) = DropoutForward(x, new DropoutParam(0.5, Mode.Test));
        var dout = NDArray<double>.Ones(2, 3);
        Assert.Same(dout, DropoutBackward(dout, cache));
        var e = Assert.Throws<ArgumentException>(() => DropoutBackward(NDArray<double>.Ones(3, 2), cache));
        Assert.Contains("dout has shape (3, 2) but the forward input had (2, 3)", e.Message);
    }
}
