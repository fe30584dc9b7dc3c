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
    protected override unsafe void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        fixed (T* pw = w, pd = dw)
            ParameterPass.Run(new Pass(pw, pd, T.CreateTruncating(-LearningRate)), w.Length, ParameterPass.TwoThreadCut(like));
    }

    /// <summary><c>w += (−lr)·dw</c> over a range.</summary>
    private readonly unsafe struct Pass(T* w, T* dw, T minusLr) : IParameterPass
    {
        public void Range(long start, long count)
        {
            var x = new Span<T>(w + start, (int)count);
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(dw + start, (int)count), minusLr, x, x);
        }
    }
}
