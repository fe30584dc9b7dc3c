using System.Numerics;
using Backprop.Checks;
using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>One parameter's gradient check: the notebooks' <c>W1 relative error: 1.52e-08</c>, and a norm-wise error.</summary>
/// <param name="Name">The parameter (W1, b1, gamma1, …).</param>
/// <param name="RelativeError">The notebooks' <c>rel_error(grad_num, grads[name])</c>: the largest element-wise relative error.</param>
/// <param name="NormError">
/// <c>‖num − analytic‖ / max(1e-3, ‖num‖ + ‖analytic‖)</c>. Unlike the element-wise maximum it is not dominated by an
/// element whose gradient is ~1e-10 (where centred differences are pure rounding noise), and the floor makes a gradient
/// that is truly zero (a bias before batch normalization) compare by its absolute difference; it is the one to judge by.
/// </param>
/// <param name="ZeroResidual">
/// For a parameter whose true gradient is zero by construction (<see cref="ModelGradientCheck.IsZeroByConstruction"/>):
/// its largest |analytic| element over the largest |analytic| element of any parameter, which a correct backward pass
/// leaves at rounding level (~1e-16 in float64); null for every other parameter.
/// </param>
public sealed record ParameterCheck(string Name, double RelativeError, double NormError, double? ZeroResidual = null)
{
    /// <summary>
    /// Whether the gradient passes at tolerance <paramref name="tol"/>: a true-zero gradient by its
    /// <see cref="ZeroResidual"/> (its centred differences are the loss's rounding alone, and large weights make that
    /// rounding exceed any tolerance), every other by its <see cref="NormError"/>. NaN fails.
    /// </summary>
    public bool Passes(double tol) => ZeroResidual is double r ? r <= tol : NormError <= tol;
}

/// <summary>
/// The notebooks' whole-model gradient check: a network built from a <see cref="TrainConfig"/> (architecture,
/// normalization, dropout with a fixed mask seed, reg, weight scale, dtype) on small random data, every parameter's
/// analytic gradient compared with centred differences.
/// </summary>
/// <remarks>
/// Batch normalization couples the samples of a batch; with the notebooks' 2-sample batch its errors reach about 1e-4
/// (the variance of two samples is nearly degenerate), so the default batch here is 10 samples. With h = 1e-6 (fewer
/// ReLU kinks crossed than at the notebooks' 1e-5) the norm-wise errors of every layer type, with and without dropout
/// and reg, stayed below 1e-6 on every seed tried.
/// </remarks>
public static class ModelGradientCheck
{
    /// <summary>Runs the check and returns one result per parameter, in the model's parameter order.</summary>
    /// <param name="config">Architecture and regularisation (the data set options are ignored).</param>
    /// <param name="numInputs">Samples in the random batch.</param>
    /// <param name="inputDim">Features per sample.</param>
    /// <param name="numClasses">Classes.</param>
    /// <param name="seed">Seed of the data, the weights and the dropout mask.</param>
    /// <param name="h">Step of the centred differences (always taken in float64); default 1e-6.</param>
    /// <param name="checkedOne">Called with each parameter's result as soon as it is known (a large model takes long).</param>
    /// <param name="cancel">Stops the check between two evaluations of the loss (<see cref="OperationCanceledException"/>).</param>
    public static IReadOnlyList<ParameterCheck> Run(TrainConfig config, int numInputs = 10, int inputDim = 15, int numClasses = 10, uint seed = 231, double? h = null,
        Action<ParameterCheck>? checkedOne = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(numInputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        return config.IsFloat64
            ? Run<double>(config, numInputs, inputDim, numClasses, seed, h ?? 1e-6, checkedOne, cancel)
            : Run<float>(config, numInputs, inputDim, numClasses, seed, h ?? 1e-6, checkedOne, cancel);
    }

    private static IReadOnlyList<ParameterCheck> Run<T>(TrainConfig config, int n, int d, int c, uint seed, double h, Action<ParameterCheck>? checkedOne, CancellationToken cancel)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (model, x, y, reference, x64) = Setup<T>(config, n, d, c, seed);
        var (_, grads) = model.Loss(x, y);
        // In float64 once (Cast copies, so the numerical passes cannot overwrite them).
        var analytic = new Dictionary<string, NDArray<double>>();
        double largest = 0;   // a NaN anywhere makes every ZeroResidual NaN, a failure
        foreach (var (name, g) in grads)
        {
            analytic[name] = g.Cast<double>();
            largest = Math.Max(largest, LargestMagnitude(analytic[name]));
        }
        var results = new List<ParameterCheck>();
        foreach (var (name, p) in reference.Params)
        {
            var numeric = GradientCheck.EvalNumericalGradient<double>(_ =>
            {
                cancel.ThrowIfCancellationRequested();
                return reference.Loss(x64, y).Loss;
            }, p, h);
            var a = analytic[name];
            double? zeroResidual = IsZeroByConstruction(config, name) ? (largest > 0 ? LargestMagnitude(a) / largest : LargestMagnitude(a)) : null;
            var result = new ParameterCheck(name, GradientCheck.RelError(numeric, a), NormError(numeric, a), zeroResidual);
            results.Add(result);
            checkedOne?.Invoke(result);
        }
        return results;
    }

    /// <summary>
    /// How many of the hidden units' ReLU inputs lie within 10·h of 0, over the check's batch and every hidden layer
    /// (with the same data, weights and dropout mask as <see cref="Run"/>), and how many there are. A step of h in a
    /// parameter moves those inputs by up to about h (by h·x for a weight fed x, x mostly below 1), so a centred
    /// difference taken near one of them can cross ReLU's kink, and the loss around it is nearly flat: the numerical
    /// gradient, not the analytic one, is then the likelier to be wrong. Small weights put them there, and so does
    /// depth, each layer scaling the activations by about weight_scale·√(fan-in/2) (0.16 for the notebooks' 5e-2 and
    /// widths of 20: a correct [20, 20, 20, 20, 20, 20] net fails the check). Measured with h = 1e-6: every failing
    /// check of a correct gradient tried (weight scale 1e-2 and below; 4 to 6 layers of 20 and 5 of 100 at 5e-2) had
    /// 5 or more such inputs, every passing one none.
    /// </summary>
    public static (int Near, int Total) ReluInputsNearKink(TrainConfig config, int numInputs = 10, int inputDim = 15, int numClasses = 10, uint seed = 231, double? h = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(numInputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputDim, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        double within = 10 * (h ?? 1e-6);
        var (reference, x64, y) = config.IsFloat64 ? Ref(Setup<double>(config, numInputs, inputDim, numClasses, seed)) : Ref(Setup<float>(config, numInputs, inputDim, numClasses, seed));
        reference.Loss(x64, y);
        int near = 0, total = 0;
        foreach (var a in reference.LastReluInputs())
        {
            foreach (var v in a.AsSpan()) if (Math.Abs(v) <= within) near++;
            total += a.Size;
        }
        return (near, total);
    }

    /// <summary>
    /// Whether parameter <paramref name="name"/> of the network <paramref name="config"/> builds has a true gradient of
    /// zero: a hidden layer's bias with batch normalization right after it, which subtracts the batch mean the bias
    /// shifts. Its centred differences are then the loss's rounding alone, which grows with the weights (weight scale 1
    /// gives b1 a norm-wise error of ~2e-6, above the default 1e-6): <see cref="Run"/> judges it by its analytic gradient
    /// being zero instead (<see cref="ParameterCheck.ZeroResidual"/>).
    /// </summary>
    public static bool IsZeroByConstruction(TrainConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(name);
        return config.Model != "twolayer" && NormalizationNames.Parse(config.Normalization) == Normalization.BatchNorm
            && name.Length > 1 && name[0] == 'b' && int.TryParse(name.AsSpan(1), System.Globalization.NumberStyles.None, null, out int layer)
            && layer >= 1 && layer <= config.Hidden.Length;
    }

    private static (FullyConnectedNet<double>, NDArray<double>, int[]) Ref<T>((FullyConnectedNet<T>, NDArray<T>, int[] Y, FullyConnectedNet<double> Reference, NDArray<double> X64) s)
        where T : unmanaged, IFloatingPointIeee754<T> => (s.Reference, s.X64, s.Y);

    // The check's random batch (x, y) and model, and the float64 reference the numerical gradient is taken on: for a
    // float32 model a float64 copy of its weights and data, since float32 differences could not give a reference.
    private static (FullyConnectedNet<T> Model, NDArray<T> X, int[] Y, FullyConnectedNet<double> Reference, NDArray<double> X64) Setup<T>(
        TrainConfig config, int n, int d, int c, uint seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new NumpyRandom(seed);
        var x = rng.Randn<T>(n, d);
        var y = rng.Randint(c, n);
        var model = Build<T>(config, d, c, rng, seed);
        var reference = Build<double>(config, d, c, new NumpyRandom(seed), seed);
        foreach (var (name, p) in model.Params) reference.Params[name].CopyFrom(p.Cast<double>());
        return (model, x, y, reference, x.Cast<double>());
    }

    private static FullyConnectedNet<T> Build<T>(TrainConfig config, int d, int c, NumpyRandom rng, uint seed) where T : unmanaged, IFloatingPointIeee754<T> =>
        config.Model == "twolayer"
            ? new TwoLayerNet<T>(d, config.Hidden[0], c, config.WeightScale, config.Reg, rng)
            : new FullyConnectedNet<T>(config.Hidden, d, c, config.Dropout, NormalizationNames.Parse(config.Normalization),
                config.Reg, config.WeightScale, rng, seed: config.Dropout < 1 ? 123u : null);

    private static double LargestMagnitude(NDArray<double> a)
    {
        double m = 0;
        foreach (var v in a.AsSpan()) m = Math.Max(m, Math.Abs(v));   // Math.Max keeps a NaN
        return m;
    }

    /// <summary>‖x − y‖ / max(1e-3, ‖x‖ + ‖y‖), the sums taken on values scaled by the largest, so gradients past 1e154 do not overflow the squares.</summary>
    internal static double NormError<T>(NDArray<T> x, NDArray<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double m = 0;
        for (int i = 0; i < x.Size; i++)
            m = Math.Max(m, Math.Max(Math.Abs(double.CreateTruncating(x.Flat(i))), Math.Abs(double.CreateTruncating(y.Flat(i)))));
        if (double.IsNaN(m) || double.IsInfinity(m)) return double.NaN;
        if (m == 0) return 0;
        double diff = 0, nx = 0, ny = 0;
        for (int i = 0; i < x.Size; i++)
        {
            double a = double.CreateTruncating(x.Flat(i)) / m, b = double.CreateTruncating(y.Flat(i)) / m;
            diff += (a - b) * (a - b);
            nx += a * a;
            ny += b * b;
        }
        double norms = Math.Sqrt(nx) + Math.Sqrt(ny);
        return norms * m > 1e-3 ? Math.Sqrt(diff) / norms : Math.Sqrt(diff) * m / 1e-3;
    }
}
