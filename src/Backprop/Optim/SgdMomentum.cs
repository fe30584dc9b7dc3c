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
    protected override unsafe void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        var v = Slot("velocity", like);
        fixed (T* pw = w, pd = dw, pv = v)
            ParameterPass.Run(new Pass(pw, pd, pv, T.CreateTruncating(Momentum), T.CreateTruncating(LearningRate)), w.Length, ParameterPass.TwoThreadCut(like));
    }

    /// <summary>The rule over a range of the parameter and its velocity.</summary>
    private readonly unsafe struct Pass(T* w, T* dw, T* v, T mu, T lr) : IParameterPass
    {
        public void Range(long start, long count)
        {
            T* pw = w + start, pd = dw + start, pv = v + start;
            long i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var vmu = new Vector<T>(mu);
                var vlr = new Vector<T>(lr);
                for (; i <= count - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var nv = vmu * Vector.Load(pv + i) - vlr * Vector.Load(pd + i);
                    nv.Store(pv + i);
                    (Vector.Load(pw + i) + nv).Store(pw + i);
                }
            }
            for (; i < count; i++)
            {
                pv[i] = mu * pv[i] - lr * pd[i];
                pw[i] += pv[i];
            }
        }
    }
}
