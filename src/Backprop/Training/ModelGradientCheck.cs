using System.Numerics;
using Backprop.Checks;
using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>One parameter's gradient check: the notebooks' <c>W1 relative error: 1.52e-08</c>.</summary>
/// <param name="Name">The parameter (W1, b1, gamma1, …).</param>
/// <param name="RelativeError"><c>rel_error(grad_num, grads[name])</c>.</param>
public sealed record ParameterCheck(string Name, double RelativeError);

/// <summary>
/// The notebooks' whole-model gradient check: a network built from a <see cref="TrainConfig"/> (architecture,
/// normalization, dropout with a fixed mask seed, reg, weight scale, dtype) on small random data, every parameter's
/// analytic gradient compared with centred differences.
/// </summary>
/// <remarks>
/// Batch normalization couples the samples of a batch; with the notebooks' 2-sample batch its errors reach about 1e-4
/// (the variance of two samples is nearly degenerate), so the default batch here is 10 samples, where the float64 errors
/// of every layer type stay below 1e-6.
/// </remarks>
public static class ModelGradientCheck
{
    /// <summary>Runs the check and returns one result per parameter, in the model's parameter order.</summary>
    /// <param name="config">Architecture and regularisation (the data set options are ignored).</param>
    /// <param name="numInputs">Samples in the random batch.</param>
    /// <param name="inputDim">Features per sample.</param>
    /// <param name="numClasses">Classes.</param>
    /// <param name="seed">Seed of the data, the weights and the dropout mask.</param>
    /// <param name="h">Step of the centred differences; by default 1e-5 for float64 and 1e-2 for float32.</param>
    public static IReadOnlyList<ParameterCheck> Run(TrainConfig config, int numInputs = 10, int inputDim = 15, int numClasses = 10, uint seed = 231, double? h = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(numInputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        return config.IsFloat64
            ? Run<double>(config, numInputs, inputDim, numClasses, seed, h ?? 1e-5)
            : Run<float>(config, numInputs, inputDim, numClasses, seed, h ?? 1e-2);
    }

    private static IReadOnlyList<ParameterCheck> Run<T>(TrainConfig config, int n, int d, int c, uint seed, double h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new NumpyRandom(seed);
        var x = rng.Randn<T>(n, d);
        var y = rng.Randint(c, n);
        FullyConnectedNet<T> model = config.Model == "twolayer"
            ? new TwoLayerNet<T>(d, config.Hidden[0], c, config.WeightScale, config.Reg, rng)
            : new FullyConnectedNet<T>(config.Hidden, d, c, config.Dropout, NormalizationNames.Parse(config.Normalization),
                config.Reg, config.WeightScale, rng, seed: config.Dropout < 1 ? 123u : null);
        var (_, grads) = model.Loss(x, y);
        var analytic = grads.Copy();
        var results = new List<ParameterCheck>();
        foreach (var (name, p) in model.Params)
        {
            var numeric = GradientCheck.EvalNumericalGradient<T>(_ => model.Loss(x, y).Loss, p, h);
            results.Add(new ParameterCheck(name, GradientCheck.RelError(numeric, analytic[name])));
        }
        return results;
    }
}
