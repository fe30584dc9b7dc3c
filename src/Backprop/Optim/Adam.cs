using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>
/// Adam with bias correction (CS231n 2019 convention, as PyTorch): <c>t += 1</c> first, then
/// <c>m = β1·m + (1 − β1)·dw</c>, <c>v = β2·v + (1 − β2)·dw²</c>,
/// <c>w −= lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + eps)</c>.
/// </summary>
public sealed class Adam<T> : UpdateRule<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the rule.</summary>
    public Adam(double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : base(learningRate)
    {
        Beta1 = Fraction(beta1, "beta1", "adam");
        Beta2 = Fraction(beta2, "beta2", "adam");
        Epsilon = Positive(epsilon, "epsilon", "adam");
    }

    /// <summary>Decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>Decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>Added to the square root of the second moment.</summary>
    public double Epsilon { get; }

    /// <summary>The step count <c>t</c> (0 before the first step).</summary>
    public int TimeStep
    {
        get;
        set => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(TimeStep), value, "adam: t must be ≥ 0.");
    }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, double> Hyperparameters => new Dictionary<string, double>
    { ["learning_rate"] = LearningRate, ["beta1"] = Beta1, ["beta2"] = Beta2, ["epsilon"] = Epsilon };

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames => ["m", "v"];

    /// <inheritdoc/>
    protected override void Update(Span<T> w, ReadOnlySpan<T> dw, NDArray<T> like)
    {
        var m = Slot("m", like);
        var v = Slot("v", like);
        RunPass(NextStep(), w, dw, m, v, like);
    }

    /// <inheritdoc/>
    internal override IGemmTileSink<T>? BeginTiledStep(NDArray<T> w, T reg) => WorthTiling(w) ? TiledSink(w, reg, NextStep(), "m", "v") : null;

    /// <summary>Advances t and gives this step's coefficients.</summary>
    private AdamCall<T> NextStep()
    {
        TimeStep++;
        return new AdamCall<T>
        {
            B1 = T.CreateTruncating(Beta1), B2 = T.CreateTruncating(Beta2),
            Om1 = T.CreateTruncating(1 - Beta1), Om2 = T.CreateTruncating(1 - Beta2),
            C1 = T.CreateTruncating(1 / (1 - Math.Pow(Beta1, TimeStep))), C2 = T.CreateTruncating(1 / (1 - Math.Pow(Beta2, TimeStep))),
            Lr = T.CreateTruncating(LearningRate), Eps = T.CreateTruncating(Epsilon),
        };
    }
}
