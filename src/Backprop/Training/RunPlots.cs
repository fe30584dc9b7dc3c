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
        ArgumentNullException.ThrowIfNull(runDir);
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(imageShape);
        var written = new List<string>();
        void Save(string name, byte[] png)
        {
            AtomicFile.WriteAllBytes(RunFiles.In(runDir, name), png);
            written.Add(name);
        }
        // An interrupted or diverged run's pictures say so in their titles: alone (sent on, or redrawn later) they
        // looked like a finished run's.
        var note = StatusNote(history);
        Save(RunFiles.LossPlot, TrainingPlots.LossPng(history.Loss, note: note));
        Save(RunFiles.AccuracyPlot, TrainingPlots.AccuracyPng(history.TrainAcc, history.ValAcc, note: note));
        if (w1 is not null)
            Save(RunFiles.WeightsPlot, WeightGrid.FirstLayerPng(w1, imageShape, maxImages: WeightsShown, title: WeightsTitle(w1.Dim(1), note)));
        return written;
    }

    /// <summary>How many first-layer units <c>weights.png</c> draws at most (the first ones, on a 10 × 10 grid).</summary>
    public const int WeightsShown = 100;

    /// <summary>
    /// <c>weights.png</c>'s title: which of the first layer's <paramref name="units"/> it shows (a 1000-unit layer
    /// drew its first 100 with nothing to say so) and, as the other pictures do, how an unfinished run ended.
    /// </summary>
    internal static string WeightsTitle(int units, string? note) => TrainingPlots.Titled(units switch
    {
        1 => "First-layer weights: the one unit",
        <= WeightsShown => $"First-layer weights: all {units} units",
        _ => $"First-layer weights: the first {WeightsShown} of {units} units",
    }, note);

    /// <summary>
    /// How a run that did not complete ended, for its pictures' titles, from its <c>history.json</c>:
    /// <c>interrupted in epoch 3 of 10</c> (or <c>after epoch 3 of 10</c> when stopped at an epoch's end),
    /// <c>diverged at iteration 1234 of 4900</c> (1-based, as the run's summary counts), <c>unfinished: after epoch 3 of 10</c>
    /// for a history saved while the run was still going (a process killed since). Null for a completed run.
    /// </summary>
    public static string? StatusNote(RunHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        int done = history.Loss.Count, ipe = history.IterationsPerEpoch, total = history.NumIterations;
        string Epoch()
        {
            if (ipe <= 0) return $"after iteration {done} of {total}";   // a history without its schedule: count iterations
            int epochs = (total + ipe - 1) / ipe, epoch = (done + ipe - 1) / ipe;
            return done % ipe == 0 ? $"after epoch {epoch} of {epochs}" : $"in epoch {epoch} of {epochs}";
        }
        return history.Status switch
        {
            RunStatus.Completed => null,
            RunStatus.Interrupted => done == 0 ? "interrupted before its first iteration" : $"interrupted {Epoch()}",
            RunStatus.Diverged => $"diverged at iteration {done} of {total}",
            RunStatus.Running => $"unfinished: {(done == 0 ? "before its first iteration" : Epoch())}",
            var other => other,
        };
    }

    /// <summary>
    /// Redraws the pictures of a finished (or interrupted) run folder from its <c>history.json</c>, <c>model.npz</c> and
    /// <c>config.json</c>. Returns the names of the files written.
    /// </summary>
    /// <exception cref="FileNotFoundException">The folder has no <c>history.json</c>.</exception>
    public static IReadOnlyList<string> Redraw(string runDir)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        var history = RunHistory.Load(RunFiles.In(runDir, RunFiles.History));
        var modelPath = RunFiles.In(runDir, RunFiles.Model);
        NDArray<double>? w1 = null;
        if (File.Exists(modelPath) && Npz.Load(modelPath).TryGetValue("W1", out var stored)) w1 = stored.ToNDArray<double>();
        var config = RunFolder.ReadConfig(runDir);
        return Write(runDir, history, w1, ImageShapeOf(config.Dataset));
    }

    /// <summary>
    /// The Optimization notebook's comparison of several runs on shared axes (training loss, training accuracy,
    /// validation accuracy), each labelled by its folder name (<see cref="Labels"/>). PNG bytes.
    /// </summary>
    public static byte[] ComparisonPng(IReadOnlyList<string> runDirs)
    {
        ArgumentNullException.ThrowIfNull(runDirs);
        return TrainingPlots.ComparisonPng(ComparisonRuns(runDirs));
    }

    /// <summary>
    /// The curves of <see cref="ComparisonPng"/>: a run that did not complete says so after its name
    /// (<c>2026-12-07_12-42-06 (diverged)</c>), as its own pictures' titles do.
    /// </summary>
    internal static List<RunCurves> ComparisonRuns(IReadOnlyList<string> runDirs)
    {
        var labels = Labels(runDirs);
        return [.. runDirs.Select((dir, i) =>
        {
            var h = RunHistory.Load(RunFiles.In(dir, RunFiles.History));
            string status = h.Status switch
            {
                RunStatus.Completed => "",
                RunStatus.Running => " (unfinished)",
                var other => $" ({other})",
            };
            return new RunCurves(labels[i] + status, h.Loss, h.TrainAcc, h.ValAcc);
        })];
    }

    /// <summary>
    /// Legend labels of run folders: each one's name, or, when another folder has the same name (two searches'
    /// <c>trial-000</c>), the shortest end of its path that no other folder's path ends in (<c>a/trial-000</c>,
    /// <c>b/trial-000</c>). A folder given twice keeps its whole path.
    /// </summary>
    public static IReadOnlyList<string> Labels(IReadOnlyList<string> runDirs)
    {
        ArgumentNullException.ThrowIfNull(runDirs);
        var parts = runDirs.Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d)).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries)).ToList();
        string Tail(string[] p, int k) => string.Join('/', p[^Math.Min(k, p.Length)..]);
        return [.. parts.Select((p, i) =>
        {
            for (int k = 1; k <= p.Length; k++)
                if (!parts.Where((q, j) => j != i).Any(q => Tail(q, k) == Tail(p, k))) return Tail(p, k);
            return Path.GetFullPath(runDirs[i]);
        })];
    }

    /// <summary>(C, H, W) of a data set's images.</summary>
    public static int[] ImageShapeOf(string dataset) => TrainConfig.Canonical(dataset) == "cifar10" ? [3, 32, 32] : [1, 28, 28];
}
