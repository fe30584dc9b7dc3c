using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>Vanilla stochastic gradient descent: <c>w −= lr · dw</c>.</summary>
public sealed class Sgd<T>(double learningRate = 1e-2) : UpdateRule<T>(learningRate) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double> { ["learning_rate"] = LearningRate };

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames => [];

    /// <inheritdoc/>
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
        => TensorPrimitives.MultiplyAdd(dw, T.CreateTruncating(-LearningRate), w, w);
}
