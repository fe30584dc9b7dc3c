using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>SGD with momentum (CS231n form, learning rate inside the velocity): <c>v = μ·v − lr·dw; w += v</c>.</summary>
public sealed class SgdMomentum<T> : UpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the rule; μ = <paramref name="momentum"/>.</summary>
    public SgdMomentum(double learningRate = 1e-2, double momentum = 0.9) : base(learningRate)
        => Momentum = Fraction(momentum, "momentum", "sgd_momentum");

    /// <summary>μ, in [0, 1).</summary>
    public double Momentum { get; }

    /// <inheritdoc/>
    public override string Name => "sgd_momentum";

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
                var nv = vmu * new Vector<T>(v[i..]) - vlr * new Vector<T>(dw[i..]);
                nv.CopyTo(v[i..]);
                (new Vector<T>(w[i..]) + nv).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            v[i] = mu * v[i] - lr * dw[i];
            w[i] += v[i];
        }
    }
}
