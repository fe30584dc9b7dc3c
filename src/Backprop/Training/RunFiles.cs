namespace Backprop.Training;

/// <summary>The files of a run folder, as <see cref="TrainingRun"/> writes them and <c>backprop eval</c>, <c>predict</c> and <c>plot</c> read them.</summary>
public static class RunFiles
{
    /// <summary>The best parameters and buffers, with the notebooks' names (<see cref="Models.ModelFile"/>).</summary>
    public const string Model = "model.npz";

    /// <summary>The full resolved <see cref="TrainConfig"/>: <c>--config run/config.json</c> repeats the run.</summary>
    public const string Config = "config.json";

    /// <summary>Every iteration's loss, every check's accuracies and learning rate (<see cref="RunHistory"/>).</summary>
    public const string History = "history.json";

    /// <summary>The outcome (<see cref="RunSummary"/>).</summary>
    public const string Summary = "summary.json";

    /// <summary>The complete solver state, for <c>--resume</c> (<see cref="Training.Checkpoint"/>).</summary>
    public const string Checkpoint = "checkpoint.npz";

    /// <summary>The notebooks' "Training loss" plot.</summary>
    public const string LossPlot = "loss.png";

    /// <summary>The notebooks' "Accuracy" plot.</summary>
    public const string AccuracyPlot = "accuracy.png";

    /// <summary>The first-layer weights as images (<c>visualize_grid</c>).</summary>
    public const string WeightsPlot = "weights.png";

    /// <summary>The best model's confusion matrix on the test split (the validation split when the run has no test images).</summary>
    public const string ConfusionPlot = "confusion.png";

    /// <summary>Every file a run folder holds, by name.</summary>
    public static IReadOnlyList<string> All { get; } = [Model, Config, History, Summary, Checkpoint, LossPlot, AccuracyPlot, WeightsPlot, ConfusionPlot];

    /// <summary>The path of <paramref name="file"/> inside the run folder <paramref name="dir"/>.</summary>
    public static string In(string dir, string file) =>
        Path.Combine(dir ?? throw new ArgumentNullException(nameof(dir)), file ?? throw new ArgumentNullException(nameof(file)));
}
