using System.Numerics;
using System.Text.Json.Serialization;

namespace Backprop.Training;

/// <summary>
/// <c>history.json</c>: the Solver's histories (<c>loss_history</c>, <c>train_acc_history</c>,
/// <c>val_acc_history</c>, the learning rate at every check) with the schedule they belong to.
/// </summary>
public sealed record RunHistory
{
    /// <summary>The loss of every iteration (a non-finite loss is written as null and read as NaN).</summary>
    [JsonPropertyName("loss")] public IReadOnlyList<double> Loss { get; init; } = [];

    /// <summary>Training accuracy at every check (epoch 0, each epoch end).</summary>
    [JsonPropertyName("train_acc")] public IReadOnlyList<double> TrainAcc { get; init; } = [];

    /// <summary>Validation accuracy at every check.</summary>
    [JsonPropertyName("val_acc")] public IReadOnlyList<double> ValAcc { get; init; } = [];

    /// <summary>Learning rate in force at every check (after that epoch's decay).</summary>
    [JsonPropertyName("learning_rate")] public IReadOnlyList<double> LearningRate { get; init; } = [];

    /// <summary><c>max(num_train / batch_size, 1)</c>.</summary>
    [JsonPropertyName("iterations_per_epoch")] public int IterationsPerEpoch { get; init; }

    /// <summary>Iterations the whole run has (<c>epochs · iterations_per_epoch</c>).</summary>
    [JsonPropertyName("num_iterations")] public int NumIterations { get; init; }

    /// <summary><see cref="RunStatus"/>: running, completed, interrupted or diverged.</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = RunStatus.Running;

    /// <summary>Training time so far, over every session of a resumed run, in seconds.</summary>
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }

    /// <summary>The histories of <paramref name="solver"/> as they stand.</summary>
    public static RunHistory Of<T>(Solver<T> solver, string status, double wallSeconds) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(solver);
        // The status is one of RunStatus's names in every history.json a run writes; null is none of them.
        ArgumentNullException.ThrowIfNull(status);
        return new()
        {
            Loss = solver.LossHistory.ToArray(),
            TrainAcc = solver.TrainAccHistory.ToArray(),
            ValAcc = solver.ValAccHistory.ToArray(),
            LearningRate = solver.LearningRateHistory.ToArray(),
            IterationsPerEpoch = solver.IterationsPerEpoch,
            NumIterations = solver.NumIterations,
            Status = status,
            WallSeconds = wallSeconds,
        };
    }

    /// <summary>Writes the history to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => RunJson.Save(path, this);

    /// <summary>Reads <c>history.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a history, or its accuracy records are not one of each per check.</exception>
    public static RunHistory Load(string path)
    {
        var history = RunJson.Load<RunHistory>(path);
        // One training accuracy, validation accuracy and learning rate per check: a search reads the training accuracy at
        // the best validation accuracy's index.
        if (history.TrainAcc.Count != history.ValAcc.Count || history.LearningRate.Count != history.ValAcc.Count)
            throw new InvalidDataException($"{path}: it holds {history.TrainAcc.Count} training accuracies, {history.ValAcc.Count} validation accuracies " +
                $"and {history.LearningRate.Count} learning rates; a run records one of each at every accuracy check.");
        return history;
    }
}
