using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Models;

/// <summary>
/// The modular two-layer net of the notebooks: <c>affine − relu − affine − softmax</c>, parameters <c>W1</c> (D, H),
/// <c>b1</c> (H,), <c>W2</c> (H, C), <c>b2</c> (C,), L2 term <c>0.5 · reg · (ΣW1² + ΣW2²)</c>.
/// It is a <see cref="FullyConnectedNet{T}"/> with one hidden layer.
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed class TwoLayerNet<T> : FullyConnectedNet<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Builds the net; weights are <c>weightScale · randn</c> from <paramref name="rng"/> (seed 0 when null), biases zero.</summary>
    /// <param name="inputDim">D.</param>
    /// <param name="hiddenDim">H, &gt; 0.</param>
    /// <param name="numClasses">C.</param>
    /// <param name="weightScale">Standard deviation of the initial weights.</param>
    /// <param name="reg">L2 strength.</param>
    /// <param name="rng">Generator for the weights.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, reg is negative or not finite, or weightScale is not a positive number.</exception>
    public TwoLayerNet(int inputDim = 3 * 32 * 32, int hiddenDim = 100, int numClasses = 10, double weightScale = 1e-3, double reg = 0.0, NumpyRandom? rng = null)
        : base([PositiveHidden(hiddenDim)], inputDim, numClasses, reg: reg, weightScale: weightScale, rng: rng)
    {
    }

    /// <summary>H checked here, so the refusal names this constructor's parameter rather than the base's list of sizes.</summary>
    private static int PositiveHidden(int hiddenDim) => hiddenDim > 0 ? hiddenDim
        : throw new ArgumentOutOfRangeException(nameof(hiddenDim), hiddenDim, "TwoLayerNet: the hidden layer must have a positive size.");
}
