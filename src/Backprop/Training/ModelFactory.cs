using System.Numerics;
using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>Builds the model a <see cref="TrainConfig"/> describes.</summary>
public static class ModelFactory
{
    /// <summary>
    /// The first weight matrix (rows × columns) of a network of these widths that no .NET array can hold, or null: said
    /// by the caller of the file or key that set the widths, before a layer's constructor refuses it as a bare shape.
    /// </summary>
    internal static (long Rows, long Cols)? OversizedLayer(long inputDim, IReadOnlyList<int>? hidden, long numClasses)
    {
        long[] widths = [inputDim, .. hidden ?? [], numClasses];
        for (int i = 1; i < widths.Length; i++)
            if (widths[i - 1] * widths[i] > Array.MaxLength) return (widths[i - 1], widths[i]);
        return null;
    }

    /// <summary>
    /// The parameters of the model <see cref="Create{T}"/> builds, counted from the configuration alone (weights and
    /// biases, and γ and β of each normalised layer): <c>model.Params.TotalSize</c> before there is a model.
    /// </summary>
    /// <param name="config">Architecture (model, hidden sizes, normalization).</param>
    /// <param name="inputDim">Features per sample.</param>
    /// <param name="numClasses">Number of classes.</param>
    public static long ParameterCount(TrainConfig config, long inputDim, long numClasses)
    {
        ArgumentNullException.ThrowIfNull(config);
        long[] widths = [inputDim, .. config.Hidden ?? [], numClasses];
        long count = 0;
        for (int i = 1; i < widths.Length; i++) count += widths[i - 1] * widths[i] + widths[i];
        if (config.Model != "twolayer" && NormalizationNames.Parse(config.Normalization) != Normalization.None)
            count += 2 * (config.Hidden ?? []).Sum(h => (long)h);
        return count;
    }

    /// <summary>A new, initialised model; weights are drawn from <paramref name="rng"/>.</summary>
    /// <param name="config">Architecture and regularisation.</param>
    /// <param name="inputDim">Features per sample.</param>
    /// <param name="numClasses">Number of classes.</param>
    /// <param name="rng">Generator for the weights (and dropout masks).</param>
    public static FullyConnectedNet<T> Create<T>(TrainConfig config, int inputDim, int numClasses, NumpyRandom rng) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(config);
        // The models take a null generator as seed 0; here the caller's generator is the point, so null is refused.
        ArgumentNullException.ThrowIfNull(rng);
        config.Validate();
        return config.Model == "twolayer"
            ? new TwoLayerNet<T>(inputDim, config.Hidden[0], numClasses, config.WeightScale, config.Reg, rng)
            : new FullyConnectedNet<T>(config.Hidden, inputDim, numClasses, config.Dropout, NormalizationNames.Parse(config.Normalization),
                config.Reg, config.WeightScale, rng);
    }
}
