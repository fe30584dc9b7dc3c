using System.Numerics;
using Backprop.Kernels;
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
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like) => RunPass(NextRow(), w, dw, Slot("velocity", like), [], like);

    /// <inheritdoc/>
    internal override IGemmTileSink<T>? BeginTiledStep(NDArray<T> w, T reg) => WorthTiling(w) ? TiledSink(w, reg, NextRow(), "velocity") : null;

    private Row NextRow() => new(T.CreateTruncating(Momentum), T.CreateTruncating(LearningRate));

    /// <summary>The rule over a row of the parameter (w, gradient g) and its velocity (s0).</summary>
    private readonly unsafe struct Row(T mu, T lr) : IRuleRow<T>
    {
        public void Apply(T* pw, T* pd, T* pv, T* s1, long count)
        {
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
