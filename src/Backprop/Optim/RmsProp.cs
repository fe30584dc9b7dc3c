using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>
/// RMSProp: <c>cache = d·cache + (1 − d)·dw²; w −= lr·dw / (√cache + eps)</c> (eps after the square root, as PyTorch).
/// </summary>
public sealed class RmsProp<T> : UpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the rule.</summary>
    public RmsProp(double learningRate = 1e-2, double decayRate = 0.99, double epsilon = 1e-8) : base(learningRate)
    {
        DecayRate = Fraction(decayRate, "decay_rate", "rmsprop");
        Epsilon = Positive(epsilon, "epsilon", "rmsprop");
    }

    /// <summary>d, in [0, 1).</summary>
    public double DecayRate { get; }

    /// <summary>Added to √cache.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "rmsprop";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>
    { ["learning_rate"] = LearningRate, ["decay_rate"] = DecayRate, ["epsilon"] = Epsilon };

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames => ["cache"];

    /// <inheritdoc/>
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like) => RunPass(NextRow(), w, dw, Slot("cache", like), [], like);

    /// <inheritdoc/>
    internal override IGemmTileSink<T>? BeginTiledStep(NDArray<T> w, T reg) => WorthTiling(w) ? TiledSink(w, reg, NextRow(), "cache") : null;

    private Row NextRow() => new(T.CreateTruncating(DecayRate), T.CreateTruncating(1 - DecayRate), T.CreateTruncating(LearningRate), T.CreateTruncating(Epsilon));

    /// <summary>The rule over a row of the parameter (w, gradient g) and its cache (s0).</summary>
    private readonly unsafe struct Row(T d, T oneMinus, T lr, T eps) : IRuleRow<T>
    {
        public void Apply(T* pw, T* pd, T* pc, T* s1, long count)
        {
            long i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> vd = new(d), vom = new(oneMinus), vlr = new(lr), veps = new(eps);
                for (; i <= count - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var g = Vector.Load(pd + i);
                    var c = vd * Vector.Load(pc + i) + vom * g * g;
                    c.Store(pc + i);
                    (Vector.Load(pw + i) - vlr * g / (Vector.SquareRoot(c) + veps)).Store(pw + i);
                }
            }
            for (; i < count; i++)
            {
                pc[i] = d * pc[i] + oneMinus * pd[i] * pd[i];
                pw[i] -= lr * pd[i] / (T.Sqrt(pc[i]) + eps);
            }
        }
    }
}
