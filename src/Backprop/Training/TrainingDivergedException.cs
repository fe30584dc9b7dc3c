namespace Backprop.Training;

/// <summary>
/// The loss became NaN or infinite, or the scores an accuracy check computed after an update did. The model holds the
/// best parameters seen before it, or, when no check had kept any, the ones it diverged with.
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception with the facts a user needs to act.</summary>
    /// <param name="iteration">1-based iteration.</param>
    /// <param name="epoch">Epoch in progress.</param>
    /// <param name="learningRate">Learning rate in force.</param>
    /// <param name="loss">The loss (NaN when <paramref name="scores"/>).</param>
    /// <param name="bestValAcc">Best validation accuracy before it.</param>
    /// <param name="scores">The loss was finite, but the accuracy check after the update found scores that are not.</param>
    public TrainingDivergedException(int iteration, int epoch, double learningRate, double loss, double bestValAcc, bool scores = false)
        : base(Describe(iteration, epoch, learningRate, loss, bestValAcc, scores))
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

    private static string Describe(int iteration, int epoch, double lr, double loss, double best, bool scores) =>
        (scores
            ? FormattableString.Invariant($"Training diverged at iteration {iteration} (epoch {epoch}): after its update the model's scores are not finite, with learning rate {lr:G3}. ")
            : FormattableString.Invariant($"Training diverged at iteration {iteration} (epoch {epoch}): the loss is {loss} with learning rate {lr:G3}. ")) +
        FormattableString.Invariant(
            $"Try a smaller learning rate (e.g. {lr / 10:G3}), a smaller weight scale, batch normalization, or a larger batch. ") +
        (best > 0
            ? FormattableString.Invariant($"The best parameters so far (validation accuracy {best:F3}) were kept.")
            : scores
                ? "No earlier accuracy check had kept parameters; the model holds the ones that gave these scores."
                : "No accuracy check had kept parameters; the model holds the ones that gave this loss.");
}
