namespace Backprop.Training;

/// <summary>
/// The loss became NaN or infinite. The model holds the best parameters seen before it (or the last finite ones).
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception with the facts a user needs to act.</summary>
    public TrainingDivergedException(int iteration, int epoch, double learningRate, double loss, double bestValAcc)
        : base(Describe(iteration, epoch, learningRate, loss, bestValAcc))
    {
        Iteration = iteration;
        Epoch = epoch;
        LearningRate = learningRate;
        Loss = loss;
        BestValAcc = bestValAcc;
    }

    /// <summary>1-based iteration whose loss was not finite.</summary>
    public int Iteration { get; }

    /// <summary>Epoch in progress.</summary>
    public int Epoch { get; }

    /// <summary>Learning rate in force.</summary>
    public double LearningRate { get; }

    /// <summary>The loss value (NaN or ±∞).</summary>
    public double Loss { get; }

    /// <summary>Best validation accuracy before divergence (0 when no check had run).</summary>
    public double BestValAcc { get; }

    private static string Describe(int iteration, int epoch, double lr, double loss, double best) =>
        FormattableString.Invariant(
            $"Training diverged at iteration {iteration} (epoch {epoch}): the loss is {loss} with learning rate {lr:G3}. ") +
        FormattableString.Invariant(
            $"Try a smaller learning rate (e.g. {lr / 10:G3}), a smaller weight scale, batch normalization, or a larger batch. ") +
        (best > 0
            ? FormattableString.Invariant($"The best parameters so far (validation accuracy {best:F3}) were kept.")
            : "No accuracy check had finished; the model holds the parameters from before the diverging step.");
}
