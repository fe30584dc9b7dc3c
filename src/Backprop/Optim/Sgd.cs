using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;
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
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like) => RunPass(NextRow(), w, dw, [], [], like);

    /// <inheritdoc/>
    internal override IGemmTileSink<T>? BeginTiledStep(NDArray<T> w, T reg) => WorthTiling(w) ? TiledSink(w, reg, NextRow()) : null;

    private Row NextRow() => new(T.CreateTruncating(-LearningRate));

    /// <summary><c>w += (−lr)·g</c>.</summary>
    private readonly unsafe struct Row(T minusLr) : IRuleRow<T>
    {
        public void Apply(T* w, T* g, T* s0, T* s1, long count)
        {
            var x = new Span<T>(w, (int)count);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(g, (int)count), minusLr, x, x);
        }
    }
}
