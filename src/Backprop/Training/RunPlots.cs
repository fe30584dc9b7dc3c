using System.Numerics;
using Backprop.Data;
using Backprop.Plots;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>The pictures of a run folder: <c>loss.png</c>, <c>accuracy.png</c>, <c>weights.png</c>, and comparisons of several runs.</summary>
public static class RunPlots
{
    /// <summary>
    /// Writes <c>loss.png</c> and <c>accuracy.png</c> from <paramref name="history"/> and, when <paramref name="w1"/> is
    /// given, <c>weights.png</c> (first-layer weights as images of <paramref name="imageShape"/>: colour for CIFAR-10,
    /// grey for (Fashion-)MNIST), all atomically. Returns the names of the files written.
    /// </summary>
    public static IReadOnlyList<string> Write<T>(string runDir, RunHistory history, NDArray<T>? w1, IReadOnlyList<int> imageShape)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(history);
        var written = new List<string>();
        void Save(string name, byte[] png)
        {
            AtomicFile.WriteAllBytes(RunFiles.In(runDir, name), png);
            written.Add(name);
        }
        Save(RunFiles.LossPlot, TrainingPlots.LossPng(history.Loss));
        Save(RunFiles.AccuracyPlot, TrainingPlots.AccuracyPng(history.TrainAcc, history.ValAcc));
        if (w1 is not null) Save(RunFiles.WeightsPlot, WeightGrid.FirstLayerPng(w1, imageShape));
        return written;
    }

    /// <summary>
    /// Redraws the pictures of a finished (or interrupted) run folder from its <c>history.json</c>, <c>model.npz</c> and
    /// <c>config.json</c>. Returns the names of the files written.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>history.json</c>.</exception>
    public static IReadOnlyList<string> Redraw(string runDir)
    {
        var history = RunHistory.Load(RunFiles.In(runDir, RunFiles.History));
        var modelPath = RunFiles.In(runDir, RunFiles.Model);
        NDArray<double>? w1 = null;
        if (File.Exists(modelPath) && Npz.Load(modelPath).TryGetValue("W1", out var stored)) w1 = stored.ToNDArray<double>();
        var config = RunFolder.ReadConfig(runDir);
        return Write(runDir, history, w1, ImageShapeOf(config.Dataset));
    }

    /// <summary>
    /// The Optimization notebook's comparison of several runs on shared axes (training loss, training accuracy,
    /// validation accuracy), each labelled by its folder name. PNG bytes.
    /// </summary>
    public static byte[] ComparisonPng(IReadOnlyList<string> runDirs)
    {
        ArgumentNullException.ThrowIfNull(runDirs);
        var runs = runDirs.Select(dir =>
        {
            var h = RunHistory.Load(RunFiles.In(dir, RunFiles.History));
            return new RunCurves(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))), h.Loss, h.TrainAcc, h.ValAcc);
        }).ToList();
        return TrainingPlots.ComparisonPng(runs);
    }

    /// <summary>(C, H, W) of a data set's images.</summary>
    public static int[] ImageShapeOf(string dataset) => TrainConfig.Canonical(dataset) == "cifar10" ? [3, 32, 32] : [1, 28, 28];
}
