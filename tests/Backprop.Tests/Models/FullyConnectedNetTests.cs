using Backprop.Models;
using Backprop.Tensors;
using Backprop.Training;
using static Backprop.Checks.GradientCheck;

namespace Backprop.Tests.Models;

/// <summary>The FullyConnectedNet checks of the notebooks (seeds 003 and 004 and the BatchNormalization/Dropout notebooks).</summary>
public class FullyConnectedNetTests
{
    private const int N = 2, D = 15, H1 = 20, H2 = 30, C = 10;

    private static double[] GradErrors(FullyConnectedNet<double> model, NDArray<double> x, int[] y, out ParameterSet<double> grads)
    {
        (_, grads) = model.Loss(x, y);
        var errors = new List<double>();
        foreach (var name in grads.Keys.Order(StringComparer.Ordinal))
            errors.Add(GradError(model, x, y, name, grads[name]));
        return [.. errors];
    }

    private static double GradError(FullyConnectedNet<double> model, NDArray<double> x, int[] y, string name, NDArray<double> analytic, double h = 1e-5) =>
        RelError(EvalNumericalGradient(_ => model.Loss(x, y).Loss, model.Params[name], h), analytic);

    [Fact]
    public void InitialLoss_MatchesSeed003_AndGradientsCheck()
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(N, D);
        var y = rng.Randint(C, N);
        double[] expectedLoss = [2.3004790897684924, 7.052114776533016];
        double[] regs = [0, 3.14];
        for (int r = 0; r < 2; r++)
        {
            var model = new FullyConnectedNet<double>([H1, H2], inputDim: D, numClasses: C, reg: regs[r], weightScale: 5e-2, rng: rng);
            Assert.Equal(expectedLoss[r], model.Loss(x, y).Loss, 12);
            var errors = GradErrors(model, x, y, out var grads);
            Assert.Equal(["W1", "W2", "W3", "b1", "b2", "b3"], grads.Keys.Order(StringComparer.Ordinal));
            // "On the order of e-7 or smaller", and W2 "on the order of e-5" is fine at reg 0, where the notebook prints
            // 2.21e-05 and ours is 2.26e-04: W2's worst element (441) has a gradient of 5.1e-08 and is off by 2.3e-11, about
            // ε·loss/(2h), the rounding noise of the centred difference at h = 1e-5 (the notebook's 2.21e-05 is that noise
            // on element 381). At h = 1e-4 the noise is 10× smaller, so W2 is judged there, against 1e-4.
            for (int i = 0; i < errors.Length; i++)
                if (!(r == 0 && i == 1)) Assert.True(errors[i] < 1e-6, $"reg {regs[r]}: error {errors[i]:E2} at {i}");
            if (r == 0)
            {
                double loss = model.Loss(x, y).Loss, noise = (double.BitIncrement(1.0) - 1) * loss / 2e-5;
                var numeric = EvalNumericalGradient(_ => model.Loss(x, y).Loss, model.Params["W2"]);
                for (int i = 0; i < numeric.Size; i++)
                    Assert.True(Math.Abs(numeric.Flat(i) - grads["W2"].Flat(i)) < 4 * noise, $"W2[{i}]: numeric − analytic {numeric.Flat(i) - grads["W2"].Flat(i):E2}");
                double atCoarserStep = GradError(model, x, y, "W2", grads["W2"], h: 1e-4);
                Assert.True(atCoarserStep < 1e-4, $"W2 relative error at h = 1e-4: {atCoarserStep:E2}");
                Assert.Equal(1.48e-07, errors[0], 9);
                Assert.Equal(3.53e-07, errors[2], 9);
            }
            // Seed 004 runs this check in nndl/layer_tests.py on unseeded draws (initial losses 2.303283621222967 and
            // 7.223848762775626): no one can repeat those digits. Any draw gives scores near 0 at this weight scale, so
            // the data loss is near ln 10, and the errors are held to the levels above.
            double penalty = 0;
            foreach (var name in new[] { "W1", "W2", "W3" }) foreach (var v in model.Params[name].AsSpan()) penalty += 0.5 * regs[r] * v * v;
            Assert.InRange(model.Loss(x, y).Loss - penalty - Math.Log(10), -0.01, 0.01);
            // The errors whose gradients are not dominated by summation-order noise match the notebook's printed
            // digits (W1, W3, b1, b2 at reg 0; W1, b1, b2 at reg 3.14, where its W2 3.52e-08 and W3 1.32e-08 are noise
            // of that kind: ours are 9.6e-08 and 3.5e-08, inside its "around e-7 or less").
            var notebook = r == 0 ? new[] { (3, 5.38e-09), (4, 2.09e-09) } : [(0, 6.86e-09), (3, 1.48e-08), (4, 1.72e-09)];
            foreach (var (i, printed) in notebook) Notebook.AssertError(printed, errors[i], $"reg {regs[r]}, parameter {i}: relative error");
        }
    }

    [Theory]
    [InlineData(Normalization.BatchNorm)]
    [InlineData(Normalization.LayerNorm)]
    public void Normalization_GradientsCheck_WithAndWithoutReg(Normalization norm)
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(N, D);
        var y = rng.Randint(C, N);
        foreach (var reg in new[] { 0.0, 3.14 })
        {
            var model = new FullyConnectedNet<double>([H1, H2], inputDim: D, numClasses: C, reg: reg, weightScale: 5e-2, normalization: norm, rng: rng);
            var errors = GradErrors(model, x, y, out var grads);
            Assert.Contains("gamma1", grads.Keys);
            Assert.Contains("beta2", grads.Keys);
            Assert.DoesNotContain("gamma3", grads.Keys);
            // The BatchNormalization notebook prints W1 1.10e-04 at reg 0 (ours too): normalising N = 2 samples is steep.
            // Batch norm subtracts the batch mean b1 and b2 shift: their true gradient is 0, their centred differences
            // are the loss's rounding, and rel_error's 1e-8 floor makes that 1e-11 noise anything up to 4e-3, by the
            // order of the sums. Theirs is checked as what it is: the analytic gradient is zero to rounding.
            var names = grads.Keys.Order(StringComparer.Ordinal).ToArray();
            for (int i = 0; i < names.Length; i++)
            {
                if (norm == Normalization.BatchNorm && names[i] is "b1" or "b2")
                    Assert.True(grads[names[i]].Abs().Max() < 1e-12, $"{names[i]}: {grads[names[i]].Abs().Max():E2}");
                else
                    Assert.True(errors[i] < 2e-4, $"{norm} reg {reg}: {string.Join(", ", names.Zip(errors, (n, v) => $"{n} {v:E2}"))}");
            }
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.75)]
    [InlineData(0.5)]
    public void Dropout_GradientsCheck(double keep)
    {
        var rng = new NumpyRandom(231);
        var x = rng.Randn(N, D);
        var y = rng.Randint(C, N);
        var model = new FullyConnectedNet<double>([H1, H2], inputDim: D, numClasses: C, weightScale: 5e-2, dropoutKeep: keep, seed: 123, rng: rng);
        var errors = GradErrors(model, x, y, out var grads);
        // The Dropout notebook: "relative errors should be around e-6 or less", and W2 "on the order of e-5" is fine at
        // keep 1, which is the check above (same draws): there W2 is rounding noise at h = 1e-5, so it is judged at 1e-4.
        string all = string.Join(", ", errors.Select(v => v.ToString("E2")));
        for (int i = 0; i < errors.Length; i++)
        {
            if (keep == 1 && i == 1) Assert.True(GradError(model, x, y, "W2", grads["W2"], h: 1e-4) < 1e-4, $"keep 1: W2 at h = 1e-4; at 1e-5: {all}");
            else Assert.True(errors[i] < 1e-5, $"keep {keep}: {all}");
        }
    }

    [Fact]
    public void Float32Model_TracksFloat64()
    {
        var x = new NumpyRandom(1).Randn(4, 20);
        int[] y = [1, 2, 3, 0];
        var m64 = new FullyConnectedNet<double>([16, 8], inputDim: 20, numClasses: 4, normalization: Normalization.BatchNorm, reg: 0.1, rng: new NumpyRandom(5));
        var m32 = new FullyConnectedNet<float>([16, 8], inputDim: 20, numClasses: 4, normalization: Normalization.BatchNorm, reg: 0.1, rng: new NumpyRandom(5));
        var (l64, g64) = m64.Loss(x, y);
        var (l32, g32) = m32.Loss(x.Cast<float>(), y);
        Assert.Equal(l64, l32, 5);
        foreach (var (k, g) in g64)
        {
            // b1 and b2 feed batch norm, so their true gradient is 0: compare against the scale of each gradient.
            double scale = g.AsSpan().ToArray().Max(Math.Abs) + 1e-6;
            var g32d = g32[k].Cast<double>();
            for (int i = 0; i < g.Size; i++) Assert.True(Math.Abs(g.Flat(i) - g32d.Flat(i)) < 1e-4 * scale + 1e-6, $"{k}[{i}]");
        }
    }

    [Fact]
    public void Overfits_SmallRandomProblem()
    {
        var rng = new NumpyRandom(0);
        var x = rng.Randn(50, 30);
        var y = rng.Randint(10, 50);
        var model = new FullyConnectedNet<double>([100, 100], inputDim: 30, weightScale: 5e-2, rng: rng);
        var data = new Backprop.Data.Dataset<double>(x, y, x, y);
        var solver = new Solver<double>(model, data, new SolverOptions { UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 }, NumEpochs = 100, BatchSize = 25, Verbose = false }, rng);
        solver.Train();
        Assert.Equal(1.0, solver.TrainAccHistory[^1]);
    }

    [Fact]
    public void BadConstruction_IsRejected_WithClearMessages()
    {
        Assert.Contains("Hidden layer 2", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10, 0])).Message);
        Assert.Contains("(0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], dropoutKeep: 1.5)).Message);
        // PyTorch's "no dropout" is p = 0, which here is a keep probability of 0: the message says which way round it is.
        Assert.Contains("keep probability of 1 − p", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], dropoutKeep: 0)).Message);
        // Positive as a double, but 0 in float32 (every unit dropped at every step, silently); a double net takes it.
        Assert.StartsWith("The dropout keep probability 1E-300 is too small for float32: it or its inverse (the scale of a kept unit) is 0 in float32",
            Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], dropoutKeep: 1e-300)).Message);
        Assert.Equal(1e-300, new FullyConnectedNet<double>([10], dropoutKeep: 1e-300).DropoutKeep);
        Assert.Contains("1 keeps every unit (no dropout)", Assert.Throws<ArgumentOutOfRangeException>(() => new Backprop.Layers.DropoutParam(0)).Message);
        Assert.Contains("weight scale", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], weightScale: -1)).Message);
        Assert.Contains("regularisation", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], reg: double.NaN)).Message);
        // Positive and finite as doubles, but 0 or infinite in float32: all-zero or infinite weights, an infinite penalty.
        Assert.StartsWith("The weight scale 1E-50 is 0 in float32", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], weightScale: 1e-50)).Message);
        Assert.StartsWith("The weight scale 1E+39 is infinite in float32", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], weightScale: 1e39)).Message);
        Assert.StartsWith("The regularisation strength 1E+40 is infinite in float32", Assert.Throws<ArgumentOutOfRangeException>(() => new FullyConnectedNet<float>([10], reg: 1e40)).Message);
        Assert.Equal(1e-50, new FullyConnectedNet<double>([10], weightScale: 1e-50).WeightScale);
        Assert.Equal(1e-50, new FullyConnectedNet<float>([10], reg: 1e-50).Reg);   // a penalty that rounds to 0 is no penalty, as reg 0
        Assert.Contains("Unknown normalization 'groupnorm'", Assert.Throws<ArgumentException>(() => NormalizationNames.Parse("groupnorm")).Message);
        var model = new FullyConnectedNet<float>([10], inputDim: 12);
        Assert.Contains("(N, 12)", Assert.Throws<ArgumentException>(() => model.Loss(new NDArray<float>(3, 13))).Message);
    }

    [Fact]
    public void ReplacedBuffers_AreUsed_AsReplacedParams_Are()
    {
        var rng = new NumpyRandom(5);
        var x = rng.Randn<float>(6, 4);
        var model = new FullyConnectedNet<float>([3], inputDim: 4, numClasses: 2, normalization: Normalization.BatchNorm, rng: rng);
        var before = model.Loss(x).Copy();
        model.Buffers["running_mean1"] = NDArray<float>.Full(100f, 3);
        var after = model.Loss(x);
        Assert.NotEqual(before.AsSpan().ToArray(), after.AsSpan().ToArray());
        // Training updates the array now in Buffers, not the one it replaced.
        model.Loss(x, [0, 1, 0, 1, 0, 1]);
        Assert.NotEqual(100f, model.Buffers["running_mean1"][0]);
        model.Buffers["running_var1"] = new NDArray<float>(7);
        Assert.Contains("the running mean has shape (3,) and the running variance (7,), but x has 3 features: both must have shape (3,)", Assert.Throws<ArgumentException>(() => model.Loss(x)).Message);
    }

    [Theory]
    [InlineData("Params", "b1")]
    [InlineData("Params", "gamma1")]
    [InlineData("Buffers", "running_var1")]
    public void ARemovedEntry_IsNamed_NotAKeyNotFoundFromInside(string set, string name)
    {
        // The dictionary's own error said only "The given key 'b1' was not present in the dictionary."
        var rng = new NumpyRandom(5);
        var x = rng.Randn<float>(6, 4);
        var model = new FullyConnectedNet<float>([3], inputDim: 4, numClasses: 2, normalization: Normalization.BatchNorm, rng: rng);
        (set == "Params" ? model.Params : model.Buffers).Remove(name);
        var before = model.Buffers["running_mean1"].AsSpan().ToArray();
        var e = Assert.Throws<InvalidOperationException>(() => model.Loss(x, [0, 1, 0, 1, 0, 1]));
        Assert.Contains($"FullyConnectedNet: {set} has no '{name}'", e.Message);
        Assert.Equal(before, model.Buffers["running_mean1"].AsSpan().ToArray());
        Assert.Contains($"has no '{name}'", Assert.Throws<InvalidOperationException>(() => model.Loss(x)).Message);
    }

    [Fact]
    public void Float32RegTerm_IsSummedInFloat64()
    {
        // 0.5·reg·ΣW² over 1.5 M float32 weights: float32 running sums lost the 5th digit (4.7e-5 at 3072 × 1000).
        var rng = new NumpyRandom(0);
        var model = new FullyConnectedNet<float>([500], inputDim: 3072, numClasses: 10, reg: 1, weightScale: 1e-2, rng: rng);
        double exact = 0;
        foreach (var name in new[] { "W1", "W2" })
            foreach (var w in model.Params[name].AsSpan()) exact += (double)w * w;
        var x = rng.Randn<float>(2, 3072);
        int[] y = [3, 7];
        double withReg = model.Loss(x, y).Loss;
        model.Reg = 0;
        double dataLoss = model.Loss(x, y).Loss;
        Assert.Equal(0.5 * exact, withReg - dataLoss, 0.5 * exact * 1e-9);
    }

    [Fact]
    public void BadLabels_AreRefused_BeforeTheForwardPassMovesRunningStatistics()
    {
        var rng = new NumpyRandom(5);
        var x = rng.Randn(6, 4);
        var model = new FullyConnectedNet<double>([3], inputDim: 4, numClasses: 3, normalization: Normalization.BatchNorm, rng: rng);
        var mean = model.Buffers["running_mean1"].Copy();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.Loss(x, [0, 1, 2, 3, 0, 1]));
        Assert.Contains("label y[3] = 3 is outside [0, 3)", e.Message);
        Assert.Contains("6 samples but 2 labels", Assert.Throws<ArgumentException>(() => model.Loss(x, [0, 1])).Message);
        // x's shape is named before the labels are counted against it: a 1-D x of 4 values with one label said
        // "4 samples but 1 labels".
        Assert.Contains("expected inputs of shape (N, 4) or (N, d1, ..., dk) with 4 features, got (4,)",
            Assert.Throws<ArgumentException>(() => model.Loss(rng.Randn(4), [0])).Message);
        Assert.Equal(mean.AsSpan(), model.Buffers["running_mean1"].AsSpan());
    }
}
