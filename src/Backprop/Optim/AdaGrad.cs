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
    protected override unsafe void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        var cache = Slot("cache", like);
        fixed (T* pw = w, pd = dw, pc = cache)
            ParameterPass.Run(new Pass(pw, pd, pc, T.CreateTruncating(LearningRate), T.CreateTruncating(Epsilon)), w.Length, ParameterPass.TwoThreadCut(like));
    }

    /// <summary>The rule over a range of the parameter and its cache.</summary>
    private readonly unsafe struct Pass(T* w, T* dw, T* cache, T lr, T eps) : IParameterPass
    {
        public void Range(long start, long count)
        {
            T* pw = w + start, pd = dw + start, pc = cache + start;
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
