using Backprop.Models.Monolithic;
using Backprop.Tensors;
using static Backprop.Checks.GradientCheck;

namespace Backprop.Tests.Models;

/// <summary>
/// The toy nets of seeds 002 (CS231n) and 001 (UCLA), reproduced exactly with the NumPy-compatible generator:
/// seed 0 initialisation with std 1e-1, seed 1 data, and training as the notebooks ran it.
/// </summary>
public class MonolithicTwoLayerNetTests
{
    private const int InputSize = 4, HiddenSize = 10, NumClasses = 3, NumInputs = 5;

    private static TwoLayerNet<double> InitToyModel(Convention c) =>
        new(InputSize, HiddenSize, NumClasses, std: 1e-1, convention: c, rng: new NumpyRandom(0));

    private static (NDArray<double> X, int[] Y) InitToyData()
    {
        var rng = new NumpyRandom(1);
        var x = rng.Randn(NumInputs, InputSize);
        for (int i = 0; i < x.Size; i++) x.Flat(i) *= 10;
        return (x, [0, 1, 2, 2, 1]);
    }

    [Theory]
    [InlineData(Convention.Cs231n)]
    [InlineData(Convention.Ucla)]
    public void Scores_MatchNotebook(Convention c)
    {
        var net = InitToyModel(c);
        var (x, _) = InitToyData();
        var correct = c == Convention.Cs231n
            ? NDArray<double>.FromRows([
                [-0.81233741, -1.27654624, -0.70335995], [-0.17129677, -1.18803311, -0.47310444],
                [-0.51590475, -1.01354314, -0.8504215], [-0.15419291, -0.48629638, -0.52901952],
                [-0.00618733, -0.12435261, -0.15226949]])
            : NDArray<double>.FromRows([
                [-1.07260209, 0.05083871, -0.87253915], [-2.02778743, -0.10832494, -1.52641362],
                [-0.74225908, 0.15259725, -0.39578548], [-0.38172726, 0.10835902, -0.17328274],
                [-0.64417314, -0.18886813, -0.41106892]]);
        var scores = net.Loss(x);
        double diff = 0;
        for (int i = 0; i < scores.Size; i++) diff += Math.Abs(scores.Flat(i) - correct.Flat(i));
        Assert.True(diff < 1e-7, $"difference {diff}");   // "We get < 1e-7"
        // And the difference each notebook prints (the correct scores are rounded to 8 digits; ours are NumPy's values).
        Notebook.AssertError(c == Convention.Cs231n ? 3.68027204961e-08 : 3.3812311797665195e-08, diff, "scores difference");
    }

    [Theory]
    [InlineData(Convention.Cs231n, 1.30378789133)]
    [InlineData(Convention.Ucla, 1.071696123862817)]
    public void Loss_MatchesNotebook(Convention c, double correctLoss)
    {
        var net = InitToyModel(c);
        var (x, y) = InitToyData();
        var (loss, _) = net.Loss(x, y, reg: 0.05);
        Assert.True(Math.Abs(loss - correctLoss) < 1e-12, $"loss {loss:R}");   // "should be very small, we get < 1e-12"
        // And the difference each notebook prints: seed 002 1.79412040779e-13 (its correct_loss has 12 digits), seed 001
        // 0.0 (its correct_loss is the full double): ours are NumPy's bits.
        double difference = Math.Abs(loss - correctLoss);
        if (c == Convention.Cs231n) Notebook.AssertError(1.79412040779e-13, difference, "loss difference");
        else Assert.Equal(0.0, difference);
    }

    [Theory]
    [InlineData(Convention.Cs231n)]
    [InlineData(Convention.Ucla)]
    public void Gradients_PassNumericCheck(Convention c)
    {
        var net = InitToyModel(c);
        var (x, y) = InitToyData();
        var (_, grads) = net.Loss(x, y, reg: 0.05);
        // The printed errors that are not summation-order noise (seed 002: W1 3.67e-09 and b2 3.87e-11 are; seed 001:
        // W2 3.43e-10 and b2 1.84e-10 are; ours there 3.56e-09, 4.45e-11, 2.96e-10 and 1.25e-09, all below 1e-8).
        var printed = c == Convention.Cs231n
            ? new Dictionary<string, double> { ["W2"] = 3.440708e-09, ["b1"] = 2.738422e-09 }
            : new Dictionary<string, double> { ["W1"] = 1.28328965625e-09, ["b1"] = 3.1726802857e-09 };
        foreach (var (name, g) in grads)
        {
            var num = EvalNumericalGradient(_ => net.Loss(x, y, reg: 0.05).Loss, net.Params[name]);
            double error = RelError(num, g);
            Assert.True(error < 1e-8, $"{name} max relative error: {error}");   // "less than 1e-8"
            if (printed.TryGetValue(name, out var notebook)) Notebook.AssertError(notebook, error, $"{name} max relative error");
        }
    }

    [Theory]
    [InlineData(Convention.Cs231n, 0.017149607938732093)]
    [InlineData(Convention.Ucla, 0.014497864587765906)]
    public void Training_ReproducesFinalLoss(Convention c, double finalLoss)
    {
        var (x, y) = InitToyData();
        var net = InitToyModel(c);                        // the training cell re-creates (re-seeds) the model
        var stats = net.Train(x, y, x, y, learningRate: 1e-1, reg: 5e-6, numIters: 100, verbose: false);
        Assert.Equal(100, stats.LossHistory.Count);
        Assert.True(Math.Abs(stats.LossHistory[^1] - finalLoss) < 1e-12, $"final training loss {stats.LossHistory[^1]:R}");
        Assert.Equal(100, stats.ValAccHistory.Count);      // an "epoch" is one iteration here
        Assert.InRange(stats.ValAccHistory[^1], 0.99, 1.0);
    }

    [Theory]
    // The argmax of each row of the notebooks' correct_scores (Scores_MatchNotebook above).
    [InlineData(Convention.Cs231n, new[] { 2, 0, 0, 0, 0 })]
    [InlineData(Convention.Ucla, new[] { 1, 1, 1, 1, 1 })]
    public void Predict_IsTheClassOfTheNotebooksLargestScore(Convention c, int[] expected)
    {
        var net = InitToyModel(c);
        var (x, _) = InitToyData();
        Assert.Equal(expected, net.Predict(x));
    }

    [Fact]
    public void Predict_RefusesARowWithoutFiniteScores_AsTheSolversPredictDoes()
    {
        // NumPy's argmax of a NaN row is class 0; it was predicted as such.
        var net = InitToyModel(Convention.Cs231n);
        var (x, _) = InitToyData();
        x[3, 1] = double.NaN;
        var e = Assert.Throws<ArgumentException>(() => net.Predict(x));
        Assert.Equal("TwoLayerNet.Predict: sample 3 of X (shape (5, 4)) holds NaN or infinite values, so its scores are not finite and it has no class. (Parameter 'x')", e.Message);
        var (clean, _) = InitToyData();
        net.Params["W2"][0, 0] = double.PositiveInfinity;
        Assert.Contains("the scores of sample 0 are not finite although its row of X is: the model's parameters or buffers hold NaN or infinite values",
            Assert.Throws<ArgumentException>(() => net.Predict(clean)).Message);
    }

    [Fact]
    public void Train_RefusesAnEmptyValidationSet_AndAScalarX()
    {
        var net = InitToyModel(Convention.Cs231n);
        var (x, y) = InitToyData();
        // It recorded a validation accuracy of NaN (0 / 0) at every check.
        var e = Assert.Throws<ArgumentException>(() => net.Train(x, y, new NDArray<double>(0, InputSize), [], numIters: 3, batchSize: 2));
        Assert.StartsWith("TwoLayerNet.Train: X_val has no samples", e.Message);
        Assert.Equal("xVal", e.ParamName);
        // It said "Axis 0 is outside an array of shape ()" without naming X.
        var s = Assert.Throws<ArgumentException>(() => net.Train(new NDArray<double>(), [], x, y));
        Assert.StartsWith("TwoLayerNet.Train: X must have shape (N, D), got ().", s.Message);
        Assert.Equal("x", s.ParamName);
    }

    [Theory]
    [InlineData(Convention.Cs231n)]
    [InlineData(Convention.Ucla)]
    public void ParametersReplacedByHand_MustFitTogether(Convention c)
    {
        var net = InitToyModel(c);
        var (x, y) = InitToyData();
        net.Params["b1"] = new NDArray<double>(4);   // W1 has 10 hidden units
        var e = Assert.Throws<InvalidOperationException>(() => net.Loss(x, y));
        Assert.Contains("the parameters do not fit together", e.Message);
        Assert.Contains("b1 (4,)", e.Message);
        net.Params["b1"] = new NDArray<double>(HiddenSize);
        Assert.Equal(NumInputs, net.Loss(x).Dim(0));
        net.Params.Remove("W2");
        Assert.Contains("Params has no 'W2'", Assert.Throws<InvalidOperationException>(() => net.Predict(x)).Message);
    }

    [Fact]
    public void Train_CountsAnEpochAsTheSeedsPython2Did_WholeIterations()
    {
        // 5 samples in batches of 2: max(5 / 2, 1) = 2 iterations an epoch in Python 2 (the seeds' outputs), so 6
        // iterations check at 0, 2 and 4 and decay the rate three times; Python 3's 2.5 would check at 0 only.
        var (x, y) = InitToyData();
        var net = InitToyModel(Convention.Cs231n);
        var stats = net.Train(x, y, x, y, learningRate: 1e-1, learningRateDecay: 0.5, numIters: 6, batchSize: 2);
        Assert.Equal(3, stats.TrainAccHistory.Count);
        Assert.Equal(3, stats.ValAccHistory.Count);
    }

    [Fact]
    public void Train_RefusesABadDecayOrValidationSet()
    {
        var (x, y) = InitToyData();
        var net = InitToyModel(Convention.Cs231n);
        Assert.Equal("learningRateDecay", Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, y, x, y, learningRateDecay: double.NaN)).ParamName);
        Assert.Equal("learningRateDecay", Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, y, x, y, learningRateDecay: -0.5)).ParamName);
        Assert.Equal("yVal", Assert.Throws<ArgumentNullException>(() => net.Train(x, y, x, null!)).ParamName);
        Assert.Contains("y_val has 2 labels", Assert.Throws<ArgumentException>(() => net.Train(x, y, x, [0, 1])).Message);
        Assert.Equal("reg", Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, y, x, y, reg: double.PositiveInfinity)).ParamName);
        var nan = x.Copy();
        nan[1, 2] = double.NaN;
        Assert.Contains("X contains NaN", Assert.Throws<ArgumentException>(() => net.Train(nan, y, x, y)).Message);
        Assert.Contains("X_val contains NaN", Assert.Throws<ArgumentException>(() => net.Train(x, y, nan, y)).Message);
        Assert.True(net.Params["W1"].AllFinite());
    }

    [Fact]
    public void Train_RefusesEveryOutOfRangeLabelUpFront_NamingItsPlaceInYOrYVal()
    {
        // A bad training label was found only once a minibatch drew it, and named by its place in the batch
        // ("SoftmaxLoss: label y[1] = 9"); a bad validation label was never found: it only lowered the accuracy.
        var (x, y) = InitToyData();
        var net = InitToyModel(Convention.Cs231n);
        var w1 = net.Params["W1"].Copy();
        var bad = (int[])y.Clone();
        bad[4] = 3;   // the toy net has 3 classes
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, bad, x, y, numIters: 1, batchSize: 1));
        Assert.Equal("y", e.ParamName);
        Assert.Contains("y[4] = 3 is outside [0, 3)", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, y, x, bad, numIters: 1));
        Assert.Equal("yVal", e.ParamName);
        Assert.Contains("y_val[4] = 3 is outside [0, 3)", e.Message);
        Assert.Equal(w1.ToDoubleArray(), net.Params["W1"].ToDoubleArray());
    }

    [Fact]
    public void Float32_RefusesALearningRateRegOrStdThatFloat32CannotHold_NamingTheValue()
    {
        // 1e-50 is 0 in float32: the weights would never move; 1e39 is infinite there, and every loss with it.
        var x = new NDArray<float>(5, 4);
        int[] y = [0, 1, 2, 0, 1];
        var net = new TwoLayerNet<float>(4, 10, 3, rng: new NumpyRandom(0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, y, x, y, learningRate: 1e-50, numIters: 1));
        Assert.Equal("learningRate", e.ParamName);
        Assert.Contains("the learning rate 1E-50 is 0 in float32", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => net.Train(x, y, x, y, reg: 1e39, numIters: 1));
        Assert.Equal("reg", e.ParamName);
        Assert.Contains("reg 1E+39 is infinite in float32", e.Message);
        net.Train(x, y, x, y, reg: 1e-50, numIters: 1);   // a reg that is 0 in float32 is reg 0
        e = Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerNet<float>(4, 10, 3, std: 1e-50));
        Assert.Equal("std", e.ParamName);
        Assert.Contains("the weight standard deviation 1E-50 is 0 in float32", e.Message);
        // float64 holds them all.
        var net64 = new TwoLayerNet<double>(4, 10, 3, std: 1e-50, rng: new NumpyRandom(0));
        net64.Train(new NDArray<double>(5, 4), y, new NDArray<double>(5, 4), y, learningRate: 1e-50, numIters: 1);
    }

    [Fact]
    public void Train_StopsAtANonFiniteLoss_AsTheSolverDoes()
    {
        // A learning rate of 1e6 blows the toy net up within a few steps; NumPy's train would go on with NaN to the end.
        var (x, y) = InitToyData();
        var net = InitToyModel(Convention.Cs231n);
        var e = Assert.Throws<Backprop.Training.TrainingDivergedException>(() => net.Train(x, y, x, y, learningRate: 1e6, numIters: 100, batchSize: NumInputs));
        Assert.InRange(e.Iteration, 2, 100);
        Assert.False(double.IsFinite(e.Loss));
        Assert.Contains("Try a smaller learning rate", e.Message);
    }
}
