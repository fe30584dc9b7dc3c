using System.Numerics;
using Backprop.Kernels;
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
                    var old = Vector.Load(pv + i);
                    var nv = vmu * old - vlr * Vector.Load(pd + i);
                    nv.Store(pv + i);
                    (Vector.Load(pw + i) + nv + vmu * (nv - old)).Store(pw + i);
                }
            }
            for (; i < count; i++)
            {
                T old = pv[i];
                pv[i] = mu * old - lr * pd[i];
                // (w + v) + μ·(v − old), as the vector body adds: which elements fall in a tail follows the split.
                pw[i] = pw[i] + pv[i] + mu * (pv[i] - old);
            }
        }
    }
}
