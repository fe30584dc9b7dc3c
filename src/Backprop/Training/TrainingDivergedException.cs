namespace Backprop.Training;

/// <summary>
/// The loss became NaN or infinite, or the scores or batch-norm running statistics an accuracy check found after an
/// update did. The model holds the best parameters (and running statistics) seen before it, or, when no check had kept
/// any, the parameters it diverged with (and, for a non-finite loss, the running statistics from before that step).
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
    public TrainingDivergedException(int iteration, int epoch, double learningRate, double loss, double bestValAcc, bool scores)
        : this(iteration, epoch, learningRate, loss, bestValAcc, scores, null, false)
    {
    }

    /// <summary>Creates the exception with the facts a user needs to act.</summary>
    /// <param name="iteration">1-based iteration.</param>
    /// <param name="epoch">Epoch in progress.</param>
    /// <param name="learningRate">Learning rate in force.</param>
    /// <param name="loss">The loss (NaN when <paramref name="scores"/>).</param>
    /// <param name="bestValAcc">Best validation accuracy before it.</param>
    /// <param name="scores">The loss was finite, but the accuracy check after the update found scores that are not.</param>
    /// <param name="runningStats">The name of a batch-norm running statistic the check found not finite (the loss and scores were).</param>
    /// <param name="hasNormalization">The model already normalizes, so batch normalization is not suggested.</param>
    public TrainingDivergedException(int iteration, int epoch, double learningRate, double loss, double bestValAcc, bool scores = false,
        string? runningStats = null, bool hasNormalization = false)
        : base(Describe(iteration, epoch, learningRate, loss, bestValAcc, scores || runningStats is not null, runningStats, hasNormalization))
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

    private static string Describe(int iteration, int epoch, double lr, double loss, double best, bool afterUpdate,
        string? runningStats, bool hasNormalization) =>
        (runningStats is not null
            ? FormattableString.Invariant($"Training diverged at iteration {iteration} (epoch {epoch}): the batch-norm running statistic '{runningStats}' is not finite, with learning rate {lr:g3}. ")
            : afterUpdate
                ? FormattableString.Invariant($"Training diverged at iteration {iteration} (epoch {epoch}): after its update the model's scores are not finite, with learning rate {lr:g3}. ")
                : FormattableString.Invariant($"Training diverged at iteration {iteration} (epoch {epoch}): the loss is {loss} with learning rate {lr:g3}. ")) +
        (runningStats is not null && iteration == 1
            // The first check's statistics are the first batch's own, taken before any update: no learning rate made them.
            ? "They are the first batch's own, taken before any update: the inputs or the initial weights are too large for the dtype (a variance past its largest value); scale the data down (e.g. divide it by its standard deviation) or use a smaller weight scale. "
            : runningStats is null && !afterUpdate && iteration == 1
            // The first loss comes before any update too: the learning rate played no part.
            ? $"It is the first batch's loss, before any update, so the learning rate played no part: the initial weights or the inputs are too large for the dtype; use a smaller weight scale (0.01 or below{(hasNormalization ? "" : ", or batch normalization")}), or scale the data down. "
            : FormattableString.Invariant(
                $"Try a smaller learning rate (e.g. {lr / 10:g3}), a smaller weight scale, {(hasNormalization ? "" : "batch normalization, ")}or a larger batch. ")) +
        (best > 0
            ? FormattableString.Invariant($"The best parameters so far (validation accuracy {best:F3}) were kept.")
            : afterUpdate
                ? "No earlier accuracy check had kept parameters; the model holds the ones that gave these values."
                : "No accuracy check had kept parameters; the model holds the ones that gave this loss, with the running statistics from before its step.");
}
