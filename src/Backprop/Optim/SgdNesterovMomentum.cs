using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>
/// SGD with Nesterov momentum: <c>v_new = μ·v − lr·dw; w = (w + v_new) + μ·(v_new − v)</c>.
/// </summary>
public sealed class SgdNesterovMomentum<T> : UpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the rule; μ = <paramref name="momentum"/>.</summary>
    public SgdNesterovMomentum(double learningRate = 1e-2, double momentum = 0.9) : base(learningRate)
        => Momentum = Fraction(momentum, "momentum", "sgd_nesterov_momentum");

    /// <summary>μ, in [0, 1).</summary>
    public double Momentum { get; }

    /// <inheritdoc/>
    public override string Name => "sgd_nesterov_momentum";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double> { ["learning_rate"] = LearningRate, ["momentum"] = Momentum };

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames => ["velocity"];

    /// <inheritdoc/>
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        var v = Slot("velocity", like);
        T mu = T.CreateTruncating(Momentum), lr = T.CreateTruncating(LearningRate);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vmu = new Vector<T>(mu);
            var vlr = new Vector<T>(lr);
            for (; i <= w.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var old = new Vector<T>(v[i..]);
                var nv = vmu * old - vlr * new Vector<T>(dw[i..]);
                nv.CopyTo(v[i..]);
                (new Vector<T>(w[i..]) + nv + vmu * (nv - old)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            T old = v[i];
            v[i] = mu * old - lr * dw[i];
            // (w + v) + μ·(v − old), as the vector body adds: the tail's length follows the vector width.
            w[i] = w[i] + v[i] + mu * (v[i] - old);
        }
    }
}
