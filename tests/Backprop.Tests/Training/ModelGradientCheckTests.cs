using Backprop.Layers;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// <see cref="ModelGradientCheck.ReluInputsNearKink"/>: the count behind gradcheck's note on a failure, and the ReLU
/// inputs it counts, which under batch norm the fused layer does not keep.
/// </summary>
public class ModelGradientCheckTests
{
    [Fact]
    public void ReluInputsNearKink_CountsWhereCentredDifferencesCrossTheKink()
    {
        var notebooks = new TrainConfig { Hidden = [20, 30], Normalization = "none", WeightScale = 5e-2, Dtype = "float64" };
        Assert.Equal((0, 500), ModelGradientCheck.ReluInputsNearKink(notebooks));   // its check passes
        // Six layers of 20 at the same scale: a correct gradient fails the check, on the deeper layers' tiny inputs.
        var deep = notebooks with { Hidden = [20, 20, 20, 20, 20, 20] };
        var (near, total) = ModelGradientCheck.ReluInputsNearKink(deep);
        Assert.Equal(1200, total);
        Assert.True(near >= 100, $"{near} of {total}");
        Assert.Contains(ModelGradientCheck.Run(deep), k => k.NormError > 1e-6);
        // Weights that keep the activations' scale: none near the kink, and the same gradients pass.
        var scaled = deep with { WeightScale = 0.3 };
        Assert.Equal((0, 1200), ModelGradientCheck.ReluInputsNearKink(scaled));
        Assert.All(ModelGradientCheck.Run(scaled), k => Assert.True(k.NormError <= 1e-6, $"{k.Name}: {k.NormError}"));
        // A larger step widens the band counted.
        Assert.True(ModelGradientCheck.ReluInputsNearKink(notebooks, h: 1e-3).Near > 0);
    }

    [Theory]
    [InlineData(Normalization.None)]
    [InlineData(Normalization.BatchNorm)]
    [InlineData(Normalization.LayerNorm)]
    public void LastReluInputs_AreWhatTheReluIsApplied_To(Normalization norm)
    {
        var rng = new NumpyRandom(5);
        var x = rng.Randn(8, 6);
        var y = rng.Randint(4, 8);
        var model = new FullyConnectedNet<double>([7, 5], inputDim: 6, numClasses: 4, normalization: norm, weightScale: 0.5, rng: rng);
        if (norm != Normalization.None)
            foreach (var name in new[] { "gamma1", "beta1", "gamma2", "beta2" }) model.Params[name] = rng.Randn(model.Params[name].Dim(0));
        model.Loss(x, y);
        var inputs = model.LastReluInputs().ToList();
        Assert.Equal(2, inputs.Count);

        // The same layers one by one, unfused: affine, then the normalization; the ReLU's input is its output.
        var h = x;
        for (int l = 0; l < 2; l++)
        {
            var (a, _) = Layer.AffineForward(h, model.Params[$"W{l + 1}"], model.Params[$"b{l + 1}"]);
            if (norm == Normalization.BatchNorm)
                (a, _) = Layer.BatchNormForward(a, model.Params[$"gamma{l + 1}"], model.Params[$"beta{l + 1}"], new BatchNormParam<double>());
            else if (norm == Normalization.LayerNorm)
                (a, _) = Layer.LayerNormForward(a, model.Params[$"gamma{l + 1}"], model.Params[$"beta{l + 1}"]);
            Assert.Equal(a.ShapeArray(), inputs[l].ShapeArray());
            for (int i = 0; i < a.Size; i++) Assert.Equal(a.Flat(i), inputs[l].Flat(i), 12);
            (h, _) = Layer.ReluForward(a);
        }
    }

    [Fact]
    public void IsZeroByConstruction_IsAHiddenBiasBeforeBatchNorm_Only()
    {
        var bn = TrainConfig.DefaultFor("cifar10") with { Hidden = [20, 30], Normalization = "batchnorm" };
        Assert.True(ModelGradientCheck.IsZeroByConstruction(bn, "b1"));
        Assert.True(ModelGradientCheck.IsZeroByConstruction(bn, "b2"));
        Assert.False(ModelGradientCheck.IsZeroByConstruction(bn, "b3"));      // the output layer's: no batch norm after it
        Assert.False(ModelGradientCheck.IsZeroByConstruction(bn, "beta1"));
        Assert.False(ModelGradientCheck.IsZeroByConstruction(bn, "W1"));
        Assert.False(ModelGradientCheck.IsZeroByConstruction(bn with { Normalization = "layernorm" }, "b1"));
        Assert.False(ModelGradientCheck.IsZeroByConstruction(bn with { Normalization = "none" }, "b1"));
        // And it is zero: the backward pass gives b1 and b2 nothing but rounding, against W1's gradient.
        var rng = new Backprop.Tensors.NumpyRandom(3);
        var net = new Backprop.Models.FullyConnectedNet<double>([20, 30], 15, 10, normalization: Backprop.Models.Normalization.BatchNorm, weightScale: 1, rng: rng);
        var (_, g) = net.Loss(rng.Randn(10, 15), rng.Randint(10, 10));
        Assert.True(Math.Sqrt(g["b1"].SumOfSquares()) < 1e-12 * Math.Sqrt(g["W1"].SumOfSquares()), $"|db1| {Math.Sqrt(g["b1"].SumOfSquares())}");
        Assert.True(Math.Sqrt(g["b2"].SumOfSquares()) < 1e-12 * Math.Sqrt(g["W2"].SumOfSquares()), $"|db2| {Math.Sqrt(g["b2"].SumOfSquares())}");
    }

    [Fact]
    public void Run_JudgesATrueZeroGradient_ByItsAnalyticResidual()
    {
        // Weight scale 1 with batch norm: b1's and b2's centred differences are the rounding of a loss of ~23, a
        // norm-wise 2e-6 that failed the default 1e-6; their analytic gradients are zero to rounding.
        var bn = new TrainConfig { Hidden = [20, 30], Normalization = "batchnorm", WeightScale = 1, Dtype = "float64" };
        var checks = ModelGradientCheck.Run(bn);
        foreach (var k in checks)
        {
            Assert.Equal(k.Name is "b1" or "b2", k.ZeroResidual is not null);
            Assert.True(k.Passes(1e-6), $"{k.Name}: norm-wise {k.NormError}, residual {k.ZeroResidual}");
        }
        var b1 = checks.Single(k => k.Name == "b1");
        Assert.True(b1.NormError > 1e-6 || !Notebook.SumsAsPinned, $"b1 norm-wise {b1.NormError}: the rounding this judges past");
        Assert.InRange(b1.ZeroResidual!.Value, 0, 1e-14);
        // float32: rounding level of float32, far under its 1e-4.
        Assert.All(ModelGradientCheck.Run(bn with { Dtype = "float32" }).Where(k => k.ZeroResidual is not null), k => Assert.InRange(k.ZeroResidual!.Value, 0, 1e-6));
        // Without batch norm there is no true-zero gradient: everything is judged norm-wise.
        Assert.All(ModelGradientCheck.Run(bn with { Normalization = "layernorm", WeightScale = 5e-2 }), k => Assert.Null(k.ZeroResidual));
    }

    [Fact]
    public void Passes_UsesTheResidualForATrueZero_AndFailsOnNaN()
    {
        // A leak into a true-zero gradient fails however small the centred differences, and its differences' rounding does not.
        Assert.False(new ParameterCheck("b1", 1, 1e-9, ZeroResidual: 1e-3).Passes(1e-6));
        Assert.True(new ParameterCheck("b1", 1, 1e-3, ZeroResidual: 1e-16).Passes(1e-6));
        Assert.True(new ParameterCheck("W1", 1e-3, 1e-7).Passes(1e-6));
        Assert.False(new ParameterCheck("W1", 1e-3, 1e-5).Passes(1e-6));
        Assert.False(new ParameterCheck("W1", double.NaN, double.NaN).Passes(1e-6));
        Assert.False(new ParameterCheck("b1", 0, 0, ZeroResidual: double.NaN).Passes(1e-6));
    }
}
