using System.Numerics;
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
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        var cache = Slot("cache", like);
        T d = T.CreateTruncating(DecayRate), oneMinus = T.CreateTruncating(1 - DecayRate);
        T lr = T.CreateTruncating(LearningRate), eps = T.CreateTruncating(Epsilon);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vd = new(d), vom = new(oneMinus), vlr = new(lr), veps = new(eps);
            for (; i <= w.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(dw[i..]);
                var c = vd * new Vector<T>(cache[i..]) + vom * g * g;
                c.CopyTo(cache[i..]);
                (new Vector<T>(w[i..]) - vlr * g / (Vector.SquareRoot(c) + veps)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            cache[i] = d * cache[i] + oneMinus * dw[i] * dw[i];
            w[i] -= lr * dw[i] / (T.Sqrt(cache[i]) + eps);
        }
    }
}
