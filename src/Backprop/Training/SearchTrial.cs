using System.Text.Json.Serialization;

namespace Backprop.Training;

/// <summary>One trial of a hyperparameter search: the values drawn and what the run achieved (a row of <c>results.csv</c>).</summary>
public sealed record SearchTrial
{
    /// <summary>0-based trial number.</summary>
    [JsonPropertyName("trial")] public int Trial { get; init; }

    /// <summary>The trial's run folder, relative to the search folder (<c>trial-007</c>).</summary>
    [JsonPropertyName("run")] public string Run { get; init; } = "";

    /// <summary>The searched values, by config name.</summary>
    [JsonPropertyName("values")] public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>The trial's learning rate and weight scale (drawn or fixed): the axes of <c>search.png</c>.</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; }

    /// <inheritdoc cref="LearningRate"/>
    [JsonPropertyName("weight_scale")] public double WeightScale { get; init; }

    /// <summary>
    /// Training accuracy at the check with the best validation accuracy; null when the trial has no accuracy worth the
    /// name: it failed, made no accuracy check, or its model's scores are not finite (an argmax of NaN is class 0).
    /// </summary>
    [JsonPropertyName("train_acc")] public double? TrainAcc { get; init; }

    /// <summary>Best validation accuracy; null as <see cref="TrainAcc"/>.</summary>
    [JsonPropertyName("val_acc")] public double? ValAcc { get; init; }

    /// <summary>Test accuracy of the trial's best model; null without a test split, or as <see cref="TrainAcc"/>.</summary>
    [JsonPropertyName("test_acc")] public double? TestAcc { get; init; }

    /// <summary>
    /// <see cref="RunStatus"/> of the trial: completed, interrupted, diverged (also a run whose saved model's scores are
    /// not finite), or failed (an error, in <see cref="Message"/>).
    /// </summary>
    [JsonPropertyName("status")] public string Status { get; init; } = "";

    /// <summary>Why the trial diverged or failed, or the run's warning; null when it has none.</summary>
    [JsonPropertyName("message")] public string? Message { get; init; }

    /// <summary>Training time, seconds.</summary>
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
}
