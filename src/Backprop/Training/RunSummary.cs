using System.Reflection;
using System.Text.Json.Serialization;

namespace Backprop.Training;

/// <summary><c>summary.json</c>: what a run achieved and what it wrote (what <c>backprop train --json</c> prints).</summary>
public sealed record RunSummary
{
    /// <summary>The run folder.</summary>
    [JsonPropertyName("run_dir")] public string RunDir { get; init; } = "";

    /// <summary><see cref="RunStatus"/>: completed, interrupted or diverged.</summary>
    [JsonPropertyName("status")] public string Status { get; init; } = RunStatus.Completed;

    /// <summary>cifar10, fashion-mnist or mnist.</summary>
    [JsonPropertyName("dataset")] public string Dataset { get; init; } = "";

    /// <summary>The folder the images were read from.</summary>
    [JsonPropertyName("data_folder")] public string DataFolder { get; init; } = "";

    /// <summary>Best validation accuracy over the checks (the model saved has it); null when no check ran (a run that diverged at its first iteration).</summary>
    [JsonPropertyName("best_val_acc")] public double? BestValAcc { get; init; }

    /// <summary>Accuracy of the saved (best) model on the test split; null when there is no test split, or when the model's scores are not finite (<see cref="ScoresFinite"/>).</summary>
    [JsonPropertyName("test_acc")] public double? TestAcc { get; init; }

    /// <summary>The saved model's test-split counts, rows the true class and columns the predicted one (<see cref="ConfusionMatrix"/>); null as <see cref="TestAcc"/>.</summary>
    [JsonPropertyName("test_confusion")] public long[][]? TestConfusion { get; init; }

    /// <summary>Training, validation and test images used.</summary>
    [JsonPropertyName("num_train")] public int NumTrain { get; init; }

    /// <inheritdoc cref="NumTrain"/>
    [JsonPropertyName("num_val")] public int NumVal { get; init; }

    /// <inheritdoc cref="NumTrain"/>
    [JsonPropertyName("num_test")] public int NumTest { get; init; }

    /// <summary>Epochs completed and configured.</summary>
    [JsonPropertyName("epochs_completed")] public int EpochsCompleted { get; init; }

    /// <inheritdoc cref="EpochsCompleted"/>
    [JsonPropertyName("epochs")] public int Epochs { get; init; }

    /// <summary>Iterations completed and configured.</summary>
    [JsonPropertyName("iterations")] public int Iterations { get; init; }

    /// <inheritdoc cref="Iterations"/>
    [JsonPropertyName("num_iterations")] public int NumIterations { get; init; }

    /// <summary>Training time (every session of a resumed run), seconds, without data loading and final evaluation.</summary>
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }

    /// <summary>Training images processed per second (minibatch images, forward and backward, plus the accuracy checks' time).</summary>
    [JsonPropertyName("images_per_second")] public double ImagesPerSecond { get; init; }

    /// <summary>Trained values in the model (weights, biases, normalization scales and shifts; not running statistics).</summary>
    [JsonPropertyName("parameters")] public long Parameters { get; init; }

    /// <summary>Kernel threads the training ran on (<see cref="Kernels.Parallelism.MaxThreads"/>; the results do not depend on it).</summary>
    [JsonPropertyName("threads")] public int Threads { get; init; }

    /// <summary>float32 or float64.</summary>
    [JsonPropertyName("dtype")] public string Dtype { get; init; } = "";

    /// <summary>
    /// Whether the saved model's validation scores, and its batch-norm running statistics, are all finite (false: its
    /// accuracies mean nothing, and eval and predict refuse it).
    /// </summary>
    [JsonPropertyName("scores_finite")] public bool ScoresFinite { get; init; } = true;

    /// <summary>
    /// The library that trained the run: its version and commit (<see cref="LibraryVersion"/>; null in summaries written
    /// before it was recorded). A change that reorders a sum changes the bits, so the same seed can give other last
    /// digits under another version.
    /// </summary>
    [JsonPropertyName("backprop_version")] public string? BackpropVersion { get; init; }

    /// <summary>
    /// The vector kernels the products ran on (<see cref="Kernels.VectorSupport.Kernels"/>: <c>AVX-512</c>,
    /// <c>AVX2 + FMA</c>, <c>128-bit vectors + FMA</c> or <c>scalar</c>; null in summaries written before it was
    /// recorded). The first three give the same bits; without FMA the last digits differ.
    /// </summary>
    [JsonPropertyName("kernels")] public string? VectorKernels { get; init; }

    /// <summary>This library's version and the commit it was built from, as <c>0.1.0+1a2b3c…</c>.</summary>
    public static string LibraryVersion { get; } =
        typeof(RunSummary).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Why the run stopped early (the divergence message), or null.</summary>
    [JsonPropertyName("message")] public string? Message { get; init; }

    /// <summary>The files written in the run folder, by name.</summary>
    [JsonPropertyName("files")] public IReadOnlyList<string> Files { get; init; } = [];

    /// <summary>Writes the summary to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => RunJson.Save(path, this);

    /// <summary>The summary as one line of JSON (for <c>--json</c>).</summary>
    public string ToJsonLine() => RunJson.Line(this);

    /// <summary>Reads <c>summary.json</c>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a summary.</exception>
    public static RunSummary Load(string path) => RunJson.Load<RunSummary>(path);
}
