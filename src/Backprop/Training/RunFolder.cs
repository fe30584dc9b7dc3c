using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Data;
using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>How a saved model does on the validation and test splits of its data, class by class.</summary>
/// <param name="Val">Counts over all validation images.</param>
/// <param name="Test">Counts over the test images, or null when the run used none.</param>
/// <param name="ClassNames">The data set's class names, by index.</param>
public sealed record RunEvaluation(ConfusionMatrix Val, ConfusionMatrix? Test, IReadOnlyList<string> ClassNames)
{
    /// <summary>Validation accuracy.</summary>
    public double ValAcc => Val.Accuracy;

    /// <summary>Test accuracy, or null when the run used no test images.</summary>
    public double? TestAcc => Test?.Accuracy;

    /// <summary>Validation images.</summary>
    public int NumVal => (int)Val.Total;

    /// <summary>Test images.</summary>
    public int NumTest => (int)(Test?.Total ?? 0);
}

/// <summary>What a model says of some images.</summary>
/// <param name="Classes">The predicted class of each image (the highest score; the first among equals).</param>
/// <param name="Probabilities">Each image's class probabilities, the softmax of its scores.</param>
public sealed record ImageClassification(long[] Classes, double[][] Probabilities);

/// <summary>
/// A finished run folder read back: its configuration and its model, on the same split of the same data (same
/// training mean image), for <c>backprop eval</c> and <c>backprop predict</c>.
/// </summary>
public static class RunFolder
{
    /// <summary>The splits <see cref="Predict"/> knows: train, val, test.</summary>
    public static IReadOnlyList<string> Splits { get; } = ["train", "val", "test"];

    /// <summary>The run's <c>config.json</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist, or the path is a file (a run's <c>model.npz</c>, say).</exception>
    /// <exception cref="FileNotFoundException">It holds no <c>config.json</c> (it is not a run folder).</exception>
    /// <exception cref="InvalidDataException">The configuration is malformed, or a value is out of range or unknown (the message names the key or the value).</exception>
    public static TrainConfig ReadConfig(string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        if (File.Exists(runDir))
            throw new DirectoryNotFoundException(
                $"'{runDir}' is a file; give the run folder that holds {RunFiles.Config} and {RunFiles.Model} (this file's folder is '{Path.GetDirectoryName(Path.GetFullPath(runDir))}').");
        if (!Directory.Exists(runDir)) throw new DirectoryNotFoundException($"The run folder '{runDir}' does not exist.");
        var path = RunFiles.In(runDir, RunFiles.Config);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{runDir}' is not a run folder: it has no {RunFiles.Config}.", path);
        RegularFile.Require(path);
        var config = TrainConfig.FromJson(File.ReadAllText(path), path);
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            // A ConfigValueException, or an unknown dtype, normalization or update rule: the file is wrong, not the
            // command line (said as the other problems of config.json are, naming it).
            string problem = e is ConfigValueException || e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "");
            throw new InvalidDataException($"{path}: {problem}", e);
        }
    }

    /// <summary>
    /// The data the run was trained on, as its <c>summary.json</c> records it (or, for a run killed before writing one,
    /// its <c>checkpoint.npz</c>), when that folder still exists; else null (nothing recorded, or the data has moved).
    /// Evaluating or resuming there needs no data folder named again.
    /// </summary>
    /// <exception cref="InvalidDataException">A summary or checkpoint is there but neither can be read.</exception>
    public static DataSetChoice? TrainedOn(string runDir)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        var (dataset, folder, source) = Recorded(runDir);
        if (string.IsNullOrEmpty(dataset) || string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return null;
        return new DataSetChoice(dataset, folder,
            $"Using {DataSetChoice.Display(dataset)} from {folder}, where the run was trained (its {source}; another folder: --data-dir).");
    }

    /// <summary>The data folder the run's summary or checkpoint records, when that folder no longer exists; else null.</summary>
    /// <exception cref="InvalidDataException">A summary or checkpoint is there but neither can be read.</exception>
    public static string? MovedDataFolder(string runDir)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        var (_, folder, _) = Recorded(runDir);
        return !string.IsNullOrEmpty(folder) && !Directory.Exists(folder) ? folder : null;
    }

    private static (string? Dataset, string? Folder, string Source) Recorded(string runDir)
    {
        // The summary, else the checkpoint. A record that exists but cannot be read is said, not skipped: skipped,
        // the data would be found as for a new run, and the model scored on another folder's images without a word.
        InvalidDataException? unreadable = null;
        var summary = RunFiles.In(runDir, RunFiles.Summary);
        if (File.Exists(summary))
        {
            try
            {
                var s = RunSummary.Load(summary);
                return (s.Dataset, s.DataFolder, RunFiles.Summary);
            }
            catch (InvalidDataException e)
            {
                unreadable = e;
            }
        }
        var checkpoint = RunFiles.In(runDir, RunFiles.Checkpoint);
        if (File.Exists(checkpoint))
        {
            try
            {
                var (dataset, folder) = Checkpoint.ReadDataSource(checkpoint);
                return (dataset, folder, RunFiles.Checkpoint);
            }
            catch (InvalidDataException e)
            {
                unreadable ??= e;
            }
        }
        if (unreadable is not null)
            throw new InvalidDataException($"The run's record of its data cannot be read ({unreadable.Message.TrimEnd('.')}); name the data with --data-dir" +
                (File.Exists(summary) ? "." : $" (resuming needs a readable {RunFiles.Checkpoint} too)."), unreadable);
        return (null, null, "");
    }

    /// <summary>Accuracy of the run's <c>model.npz</c> on the validation and test splits of <paramref name="data"/>, with each split's confusion matrix.</summary>
    /// <exception cref="FileNotFoundException">No <c>config.json</c> or <c>model.npz</c>.</exception>
    /// <exception cref="InvalidDataException">The model file does not fit the configuration.</exception>
    /// <exception cref="ArgumentException">The data holds fewer images than the run used.</exception>
    public static RunEvaluation Evaluate(string runDir, ImageData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var config = ReadConfig(runDir);
        return config.IsFloat64 ? Evaluate<double>(runDir, config, data) : Evaluate<float>(runDir, config, data);
    }

    /// <summary>
    /// The predicted class of every image of one split (<c>train</c>, <c>val</c> or <c>test</c>), as int64 (what
    /// <c>np.save('prediction.npy', preds)</c> writes for the leaderboard).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown split, or the data holds fewer images than the run used.</exception>
    public static long[] Predict(string runDir, ImageData data, string split)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(split);
        if (!Splits.Contains(split)) throw new ArgumentException($"Unknown split '{split}'; use train, val or test.", nameof(split));
        var config = ReadConfig(runDir);
        return config.IsFloat64 ? Predict<double>(runDir, config, data, split) : Predict<float>(runDir, config, data, split);
    }

    /// <summary>
    /// The predicted class of every image of <paramref name="images"/> (e.g. the leaderboard's unlabelled X): raw pixel
    /// values on the 0–255 scale (uint8 or float), shape (N, C, H, W) or (N, C·H·W) in the data set's channel-first
    /// layout. The run's training mean image is subtracted, as from its own splits.
    /// </summary>
    /// <exception cref="ArgumentException">The images do not have the data set's shape, hold NaN or infinite values or values outside 0–255, or look scaled to [0, 1].</exception>
    public static long[] PredictImages(string runDir, ImageData data, NpyArray images) => ClassifyImages(runDir, data, images).Classes;

    /// <summary>
    /// As <see cref="PredictImages"/>, with every class's probability for each image (the softmax of the model's
    /// scores, in float64).
    /// </summary>
    /// <exception cref="ArgumentException">The images do not have the data set's shape, hold NaN or infinite values or values outside 0–255, or look scaled to [0, 1].</exception>
    public static ImageClassification ClassifyImages(string runDir, ImageData data, NpyArray images)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(images);
        if (LooksScaledToOne(images))
            throw new ArgumentException("Every pixel value lies in [0, 1], with fractions: the images look scaled to [0, 1], but the model takes raw values 0–255 (multiply by 255).", nameof(images));
        return Classify(runDir, data, images);
    }

    private static ImageClassification Classify(string runDir, ImageData data, NpyArray images)
    {
        var config = ReadConfig(runDir);
        return config.IsFloat64 ? ClassifyImages<double>(runDir, config, data, images) : ClassifyImages<float>(runDir, config, data, images);
    }

    /// <summary>Float images whose values all lie in [0, 1] and are not all 0 or 1: pixels divided by 255 (pictures read at the data set's size are exempt: a near-black one can look so).</summary>
    private static bool LooksScaledToOne(NpyArray images) => images.Data switch
    {
        float[] f => f.Length > 0 && f.All(v => v is >= 0f and <= 1f) && f.Any(v => v is > 0f and < 1f),
        double[] g => g.Length > 0 && g.All(v => v is >= 0.0 and <= 1.0) && g.Any(v => v is > 0.0 and < 1.0),
        _ => false,
    };

    /// <summary>The run's model, loaded from <c>model.npz</c> into a network built from <paramref name="config"/>.</summary>
    /// <exception cref="InvalidDataException">The file does not fit the configuration, or holds NaN or infinite values.</exception>
    public static FullyConnectedNet<T> LoadModel<T>(string runDir, TrainConfig config, int inputDim, int numClasses) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(runDir);
        ArgumentNullException.ThrowIfNull(config);
        var path = RunFiles.In(runDir, RunFiles.Model);
        if (!File.Exists(path)) throw new FileNotFoundException($"'{runDir}' has no {RunFiles.Model}.", path);
        // A config.json no run could have trained with is said of that file, not as a bare shape from the layer's constructor.
        if (ModelFactory.OversizedLayer(inputDim, config.Hidden, numClasses) is var (rows, cols))
            throw new InvalidDataException($"{RunFiles.In(runDir, RunFiles.Config)}: hidden {string.Join(", ", config.Hidden ?? [])} makes a {rows} × {cols} weight matrix, " +
                $"more elements than an array can hold ({Array.MaxLength}), so no run trained it; the file is damaged.");
        var model = ModelFactory.Create<T>(config, inputDim, numClasses, new NumpyRandom(config.Seed));
        ModelFile.Load(model, path);
        foreach (var (name, value) in model.Params.Concat(model.Buffers))
            if (!value.AllFinite())
                throw new InvalidDataException($"{path}: '{name}' holds NaN or infinite values (the run diverged), so its predictions mean nothing; train again with a smaller learning rate or weight scale.");
        return model;
    }

    private static RunEvaluation Evaluate<T>(string runDir, TrainConfig config, ImageData data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (split, model) = Open<T>(runDir, config, data);
        var val = new ConfusionMatrix(split.YVal, Classes(model, split.XVal, runDir), split.NumClasses);
        var test = split.XTest is { } x ? new ConfusionMatrix(split.YTest!, Classes(model, x, runDir), split.NumClasses) : null;
        return new RunEvaluation(val, test, data.ClassNames);
    }

    private static long[] Predict<T>(string runDir, TrainConfig config, ImageData data, string which) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (split, model) = Open<T>(runDir, config, data);
        var x = which switch
        {
            "train" => split.XTrain,
            "val" => split.XVal,
            _ => split.XTest ?? throw new ArgumentException("The run used no test images (num_test is 0), so it has no test split.", "split"),
        };
        return Array.ConvertAll(Classes(model, x, runDir), p => (long)p);
    }

    /// <summary>The predicted class of every row, from scores that must be finite.</summary>
    private static int[] Classes<T>(IModel<T> model, NDArray<T> x, string runDir) where T : unmanaged, IFloatingPointIeee754<T>
        => FiniteScores(model, x, runDir).ArgMaxRows();

    /// <summary>
    /// The model's scores for x; finite weights can still overflow (a run diverged by a huge weight scale), and NaN
    /// scores would read as class 0 and NaN% everywhere.
    /// </summary>
    private static NDArray<T> FiniteScores<T>(IModel<T> model, NDArray<T> x, string runDir) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var scores = Solver<T>.Scores(model, x);
        if (!scores.AllFinite())
            throw new InvalidDataException($"{RunFiles.In(runDir, RunFiles.Model)}: the model's scores hold NaN or infinite values (the run diverged), so its predictions mean nothing; train again with a smaller learning rate or weight scale.");
        return scores;
    }

    /// <summary>
    /// As <see cref="ClassifyImages"/>, for picture files: <paramref name="path"/> is one picture or a folder of them
    /// (<see cref="ImageFiles.Find"/>), each read at the data set's size (<see cref="ImageFiles.Load"/>). Returns the
    /// files read, in order, with what the model says of each.
    /// </summary>
    /// <exception cref="ArgumentException">A folder holds no picture.</exception>
    /// <exception cref="InvalidDataException">A file is not a picture that can be decoded.</exception>
    public static (string[] Files, ImageClassification Classification) ClassifyPictures(string runDir, ImageData data, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(path);
        var files = ImageFiles.Find(path);
        return (files, Classify(runDir, data, ImageFiles.Load(files, data.ImageShape)));
    }

    private static ImageClassification ClassifyImages<T>(string runDir, TrainConfig config, ImageData data, NpyArray images) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = data.ImageShape;
        int d = data.Train.SampleSize;
        var dims = images.ShapeArray();
        // Grey images also as (N, H, W), the IDX files' and torchvision's layout: the one channel is implied.
        bool fits = dims.Length switch
        {
            2 => dims[1] == d,
            3 => shape[0] == 1 && dims[1..].SequenceEqual(shape[1..]),
            4 => dims[1..].SequenceEqual(shape),
            _ => false,
        };
        if (!fits)
            throw new ArgumentException($"The images have shape {images.ShapeString}; the model takes (N, {string.Join(", ", shape)}){(shape[0] == 1 ? $", (N, {shape[1]}, {shape[2]})" : "")} or (N, {d}) (channels first, pixel values 0–255).", nameof(images));
        var resolved = ResolveForRun(runDir, config, data);
        var mean = Preprocessing.MeanImage(data.Train, resolved.NumTrain!.Value);
        var raw = images.ToNDArray<double>();
        if (!raw.AllFinite()) throw new ArgumentException("The images hold NaN or infinite values.", nameof(images));
        var (lowest, highest) = raw.Size == 0 ? (0.0, 0.0) : (TensorPrimitives.Min<double>(raw.AsSpan()), TensorPrimitives.Max<double>(raw.AsSpan()));
        if (lowest < 0 || highest > 255)
            throw new ArgumentException(FormattableString.Invariant(
                $"Pixel values range from {lowest:G6} to {highest:G6}; the model takes raw values 0–255 (it subtracts its training mean image itself, so give the images before any preprocessing)."), nameof(images));
        int n = dims[0];
        var x = new NDArray<T>(n, d);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
                x.Flat(i * d + j) = T.CreateTruncating(raw.Flat(i * d + j) - mean[j]);
        var model = LoadModel<T>(runDir, resolved, d, data.ClassNames.Count);
        var scores = FiniteScores(model, x, runDir);
        var classes = new long[n];
        var probabilities = new double[n][];
        for (int i = 0; i < n; i++)
        {
            var row = scores.Row(i);
            classes[i] = NDArray<T>.ArgMax(row);
            probabilities[i] = Softmax(row);
        }
        return new ImageClassification(classes, probabilities);
    }

    private static double[] Softmax<T>(ReadOnlySpan<T> scores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = double.NegativeInfinity;
        foreach (var s in scores) max = Math.Max(max, double.CreateTruncating(s));
        var p = new double[scores.Length];
        double sum = 0;
        for (int j = 0; j < p.Length; j++) sum += p[j] = Math.Exp(double.CreateTruncating(scores[j]) - max);
        for (int j = 0; j < p.Length; j++) p[j] /= sum;
        return p;
    }

    private static (Dataset<T> Split, FullyConnectedNet<T> Model) Open<T>(string runDir, TrainConfig config, ImageData data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var resolved = ResolveForRun(runDir, config, data);
        var split = data.Split<T>(resolved);
        return (split, LoadModel<T>(runDir, resolved, split.XTrain.RowLength, split.NumClasses));
    }
    /// <summary>
    /// The run's image counts on <paramref name="data"/>. The counts come from the run's config.json, not from options,
    /// so a folder with fewer images is said to be the wrong data, not a wrong option.
    /// </summary>
    private static TrainConfig ResolveForRun(string runDir, TrainConfig config, ImageData data)
    {
        try
        {
            return SplitSizes.Resolve(config, data, out _);
        }
        catch (ArgumentException e) when (e.ParamName is "num_train" or "num_val" or "num_test")
        {
            throw new ArgumentException($"{RunFiles.In(runDir, RunFiles.Config)}: the run used {config.NumTrain} training, {config.NumVal} validation and " +
                $"{config.NumTest} test images, but {DataSetChoice.Display(data.Dataset)} in {data.Folder} holds {data.Train.Count} training and " +
                $"{data.Test.Count} test images: it is not the data the run was trained on.", nameof(data), e);
        }
    }
}
