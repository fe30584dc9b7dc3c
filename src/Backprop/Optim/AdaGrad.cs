using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>AdaGrad: <c>cache += dw²; w −= lr·dw / (√cache + eps)</c>.</summary>
public sealed class AdaGrad<T> : UpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the rule.</summary>
    public AdaGrad(double learningRate = 1e-2, double epsilon = 1e-8) : base(learningRate)
        => Epsilon = Positive(epsilon, "epsilon", "adagrad");

    /// <summary>Added to √cache.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public override string Name => "adagrad";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double> { ["learning_rate"] = LearningRate, ["epsilon"] = Epsilon };

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames => ["cache"];

    /// <inheritdoc/>
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        var cache = Slot("cache", like);
        T lr = T.CreateTruncating(LearningRate), eps = T.CreateTruncating(Epsilon);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<T> vlr = new(lr), veps = new(eps);
            for (; i <= w.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var g = new Vector<T>(dw[i..]);
                var c = new Vector<T>(cache[i..]) + g * g;
                c.CopyTo(cache[i..]);
                (new Vector<T>(w[i..]) - vlr * g / (Vector.SquareRoot(c) + veps)).CopyTo(w[i..]);
            }
        }
        for (; i < w.Length; i++)
        {
            cache[i] += dw[i] * dw[i];
            w[i] -= lr * dw[i] / (T.Sqrt(cache[i]) + eps);
        }
    }
}
