using Backprop.Tensors;
using static Backprop.Checks.GradientCheck;
using static Backprop.Layers.Layer;

namespace Backprop.Tests.Layers;

/// <summary>The notebooks' layer checks (FullyConnectedNets, seeds 000/001/003; Optimization, seed 004), each with the notebook's value or level.</summary>
public class LayerTests
{
    [Fact]
    public void AffineForward_MatchesNotebookOutput()
    {
        int numInputs = 2, outputDim = 3;
        int[] inputShape = [4, 5, 6];
        int inputSize = numInputs * 120, weightSize = outputDim * 120;
        var x = NDArray<double>.Linspace(-0.1, 0.5, inputSize).Reshape([numInputs, .. inputShape]);
        var w = NDArray<double>.Linspace(-0.2, 0.3, weightSize).Reshape(120, outputDim);
        var b = NDArray<double>.Linspace(-0.3, 0.1, outputDim);
        var (outp, _) = AffineForward(x, w, b);
        var correct = NDArray<double>.FromRows([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]);
        // Seeds 003 and 004 print 9.769849468192957e-10 (the expected values are rounded to 8 digits); "less than 1e-9".
        if (Notebook.SumsAsPinned) Assert.Equal(9.769849468192957e-10, RelError(outp, correct));
        else Assert.Equal(9.769849468192957e-10, RelError(outp, correct), 1e-13);   // the products' last bits differ
        Assert.Equal([numInputs, outputDim], outp.ShapeArray());   // each sample flattened to 120 values
    }

    [Fact]
    public void AffineBackward_PassesGradientCheck()
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(10, 2, 3);
        var w = rng.Randn(6, 5);
        var b = rng.Randn(5);
        var dout = rng.Randn(10, 5);
        var dxNum = EvalNumericalGradientArray(v => AffineForward(v, w, b).Out, x, dout);
        var dwNum = EvalNumericalGradientArray(v => AffineForward(x, v, b).Out, w, dout);
        var dbNum = EvalNumericalGradientArray(v => AffineForward(x, w, v).Out, b, dout);
        var (_, cache) = AffineForward(x, w, b);
        var (dx, dw, db) = AffineBackward(dout, cache);
        Assert.Equal("(10, 2, 3)", dx.ShapeString);
        // "The error should be around e-10 or less"; seed 003 prints these, which ours match to 1%.
        Notebook.AssertError(5.399100368651805e-11, RelError(dxNum, dx));
        Notebook.AssertError(9.904211865398145e-11, RelError(dwNum, dw));
        Notebook.AssertError(2.4122867568119087e-11, RelError(dbNum, db));
        // Seed 004 runs this check in nndl/layer_tests.py, which draws without seeding np.random: its 1.86e-09, 7.27e-11
        // and 4.29e-10 come from a draw no one can repeat, so only its stated level holds here ("less than 1e-9"; its
        // own dx error is above it).
        foreach (var (num, analytic) in new[] { (dxNum, dx), (dwNum, dw), (dbNum, db) }) Assert.InRange(RelError(num, analytic), 0, 1e-9);
    }

    [Fact]
    public void ReluForward_MatchesNotebookOutput()
    {
        var x = NDArray<double>.Linspace(-0.5, 0.5, 12).Reshape(3, 4);
        var (outp, _) = ReluForward(x);
        var correct = NDArray<double>.FromRows([
            [0, 0, 0, 0],
            [0, 0, 0.04545455, 0.13636364],
            [0.22727273, 0.31818182, 0.40909091, 0.5]]);
        // Seed 004 prints 4.999999798022158e-08 ("around 1e-8"; seeds 000/001 4.99999979802e-08): 8-digit rounding of 0.0454545…
        Assert.Equal(4.999999798022158e-08, RelError(outp, correct));
    }

    [Fact]
    public void ReluBackward_PassesGradientCheck()
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(10, 10);
        var dout = rng.Randn(10, 10);
        var dxNum = EvalNumericalGradientArray(v => ReluForward(v).Out, x, dout);
        var (_, cache) = ReluForward(x);
        var dx = ReluBackward(dout, cache);
        // "The error should be on the order of e-12"; seed 003 prints this. Seed 004 prints 3.2756244864901247e-12 for an
        // unseeded draw (nndl/layer_tests.py), so only its level holds here: "less than 1e-9".
        Notebook.AssertError(3.2756349136310288e-12, RelError(dxNum, dx));
        Assert.InRange(RelError(dxNum, dx), 0, 1e-9);
    }

    [Fact]
    public void AffineReluSandwich_PassesGradientCheck()
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(2, 3, 4);
        var w = rng.Randn(12, 10);
        var b = rng.Randn(10);
        var dout = rng.Randn(2, 10);
        var (_, cache) = AffineReluForward(x, w, b);
        var (dx, dw, db) = AffineReluBackward(dout, cache);
        var dxNum = EvalNumericalGradientArray(v => AffineReluForward(v, w, b).Out, x, dout);
        var dwNum = EvalNumericalGradientArray(v => AffineReluForward(x, v, b).Out, w, dout);
        var dbNum = EvalNumericalGradientArray(v => AffineReluForward(x, w, v).Out, b, dout);
        // "Relative error should be around e-10 or less"; seed 003 prints these.
        Notebook.AssertError(2.299579177309368e-11, RelError(dxNum, dx));
        Notebook.AssertError(8.162011105764925e-11, RelError(dwNum, dw));
        Notebook.AssertError(7.826724021458994e-12, RelError(dbNum, db));
        // Seed 004 prints 5.22e-10, 9.58e-11 and 3.28e-12 for an unseeded draw (nndl/layer_tests.py): only its level
        // holds here, "less than 1e-9".
        foreach (var (num, analytic) in new[] { (dxNum, dx), (dwNum, dw), (dbNum, db) }) Assert.InRange(RelError(num, analytic), 0, 1e-9);
    }

    [Fact]
    public void SvmAndSoftmaxLoss_MatchNotebookSeed231()
    {
        var rng = new NumpyRandom(231);
        int numClasses = 10, numInputs = 50;
        var x = rng.Randn(numInputs, numClasses);
        for (int i = 0; i < x.Size; i++) x.Flat(i) *= 0.001;
        var y = rng.Randint(numClasses, numInputs);

        var (svm, dxSvm) = SvmLoss(x, y);
        var dxNumSvm = EvalNumericalGradient(v => SvmLoss(v, y).Loss, x);
        Assert.Equal(8.999602749096233, svm);   // seed 003 prints exactly this
        // Seeds 000, 001 and 003 print 1.40215660067e-09: the margins summed in NumPy's pairwise order give its bits.
        Assert.Equal(1.4021566006651672e-09, RelError(dxNumSvm, dxSvm));

        var (softmax, dxSoftmax) = SoftmaxLoss(x, y);
        var dxNumSoftmax = EvalNumericalGradient(v => SoftmaxLoss(v, y).Loss, x);
        Assert.Equal(2.302545844500738, softmax, 12);
        // "around e-8" (the notebook's 9.38e-09; ours 9.74e-09, the last digits the rounding of exp and log in another
        // order): held at 2e-8, as "around" allows, where 1e-7 let a value ten times the notebook's pass.
        Assert.InRange(RelError(dxNumSoftmax, dxSoftmax), 0, 2e-8);
    }

    [Fact]
    public void SoftmaxLoss_IsStable_ForHugeScores()
    {
        var x = NDArray<float>.FromRows([[1e4f, 0f, -1e4f], [3e4f, 3e4f, 3e4f]]);
        var (loss, dx) = SoftmaxLoss(x, [0, 1]);
        Assert.True(double.IsFinite(loss));
        Assert.Equal(Math.Log(3) / 2, loss, 5);
        Assert.True(dx.AllFinite());
        var (lossD, _) = SoftmaxLoss(NDArray<double>.FromRows([[1e4, 0, -1e4]]), [2]);
        Assert.Equal(2e4, lossD, 6);
    }

    [Fact]
    public void SvmLoss_NaNScore_GivesNaNLoss_AsNumPysMaximum()
    {
        // np.maximum(0, NaN) is NaN wherever the NaN sits in a row (at the label, every margin is NaN); dx stays 0 there.
        foreach (var row in new double[][] { [double.NaN, 1, 2], [1, double.NaN, 2], [1, 2, double.NaN] })
        {
            var (loss, dx) = SvmLoss(NDArray<double>.FromRows([row, [0, 0, 5]]), [1, 2]);
            Assert.True(double.IsNaN(loss));
            Assert.True(dx.AllFinite());
        }
        var (single, _) = SvmLoss(NDArray<float>.FromRows([[float.NaN]]), [0]);   // one class: its margin is set to 0
        Assert.Equal(0, single);
    }

    [Fact]
    public void Losses_RejectBadLabels_NamingTheLabel()
    {
        var x = new NDArray<double>(2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxLoss(x, [0, 3]));
        Assert.Contains("y[1] = 3", e.Message);
        Assert.Contains("[0, 3)", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => SvmLoss(x, [0]));
        Assert.Contains("2 score rows but 1 labels", e2.Message);
    }

    [Fact]
    public void AffineForward_RejectsMismatchedShapes_NamingBoth()
    {
        var x = new NDArray<float>(4, 3, 32, 32);
        var w = new NDArray<float>(3000, 10);
        var b = new NDArray<float>(10);
        var e = Assert.Throws<ArgumentException>(() => AffineForward(x, w, b));
        Assert.Contains("x has 3072 features per sample", e.Message);
        Assert.Contains("w has 3000 rows", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => AffineForward(new NDArray<float>(4, 3000), w, new NDArray<float>(9)));
        Assert.Contains("(10,)", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => AffineForward(new NDArray<float>(0, 3000), w, b));
        Assert.Contains("empty batch", e3.Message);
        // A vector: N samples of one feature (the course's reshape) or one sample (PyTorch's Linear)? Said, not guessed.
        var e4 = Assert.Throws<ArgumentException>(() => AffineForward(new NDArray<float>(5), new NDArray<float>(1, 10), b));
        Assert.Equal("AffineForward: x must have shape (N, d1, ..., dk), got (5,); reshape it to (5, 1) for 5 samples of one feature (as the course's reshape reads it), or to (1, 5) for one sample. (Parameter 'x')", e4.Message);
    }

    [Fact]
    public void AffineForward_Float32_AgreesWithFloat64()
    {
        var rng = new NumpyRandom(3);
        var x = rng.Randn(7, 33);
        var w = rng.Randn(33, 13);
        var b = rng.Randn(13);
        var (o64, _) = AffineForward(x, w, b);
        var (o32, _) = AffineForward(x.Cast<float>(), w.Cast<float>(), b.Cast<float>());
        Assert.InRange(RelError(o64, o32.Cast<double>()), 0, 1e-5);
    }
}
