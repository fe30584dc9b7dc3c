using System.Numerics;
using Backprop.Kernels;
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
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like) => RunPass(NextRow(), w, dw, Slot("cache", like), [], like);

    /// <inheritdoc/>
    internal override IGemmTileSink<T>? BeginTiledStep(NDArray<T> w, T reg) => WorthTiling(w) ? TiledSink(w, reg, NextRow(), "cache") : null;

    private Row NextRow() => new(T.CreateTruncating(LearningRate), T.CreateTruncating(Epsilon));

    /// <summary>The rule over a row of the parameter (w, gradient g) and its cache (s0).</summary>
    private readonly unsafe struct Row(T lr, T eps) : IRuleRow<T>
    {
        public void Apply(T* pw, T* pd, T* pc, T* s1, long count)
        {
            long i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                Vector<T> vlr = new(lr), veps = new(eps);
                for (; i <= count - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var g = Vector.Load(pd + i);
                    var c = Vector.Load(pc + i) + g * g;
                    c.Store(pc + i);
                    (Vector.Load(pw + i) - vlr * g / (Vector.SquareRoot(c) + veps)).Store(pw + i);
                }
            }
            for (; i < count; i++)
            {
                pc[i] += pd[i] * pd[i];
                pw[i] -= lr * pd[i] / (T.Sqrt(pc[i]) + eps);
            }
        }
    }
}
