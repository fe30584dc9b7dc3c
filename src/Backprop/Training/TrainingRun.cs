using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Models;
using Backprop.Plots;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>The schedule of a run, reported once when training starts (or resumes).</summary>
/// <param name="StartIteration">Iterations already done (0, or where a resumed run continues).</param>
/// <param name="NumIterations">Iterations of the whole run.</param>
/// <param name="IterationsPerEpoch"><c>max(num_train / batch_size, 1)</c>.</param>
/// <param name="BatchSize">Images per iteration.</param>
public readonly record struct RunStart(int StartIteration, int NumIterations, int IterationsPerEpoch, int BatchSize);

/// <summary>
/// One training run as <c>backprop train</c> does it: builds the model and the <see cref="Solver{T}"/> from a
/// <see cref="TrainConfig"/> (one <c>NumpyRandom(seed)</c> shared by weight initialisation, dropout and the Solver, so
/// the configuration alone reproduces the run), trains until done, cancelled or diverged, and writes the run folder
/// atomically: <c>config.json</c>, <c>history.json</c>, <c>model.npz</c>, the plots, <c>summary.json</c>, and
/// <c>checkpoint.npz</c> at every epoch end and on cancellation.
/// </summary>
/// <remarks>
/// Everything that can be wrong with the options or the data is found by the constructor, before anything is written.
/// The checkpoint is removed when the run completes or diverges (there is nothing left to resume).
/// </remarks>
public sealed class TrainingRun
{
    /// <summary>Prepares a run; nothing is written until <see cref="Run"/>.</summary>
    /// <param name="config">The options; <c>num_train</c>, <c>num_val</c> and <c>num_test</c> may be left for the data to decide (<see cref="SplitSizes"/>).</param>
    /// <param name="data">The images.</param>
    /// <param name="runDir">The run folder: new (or empty), or, with <paramref name="resume"/>, the folder of the interrupted run.</param>
    /// <param name="resume">Continue from <c>checkpoint.npz</c> in <paramref name="runDir"/>.</param>
    /// <exception cref="ArgumentException">A bad option, more images than the data holds, or a folder that already holds a run.</exception>
    /// <exception cref="FileNotFoundException">Resuming a folder without <c>checkpoint.npz</c>.</exception>
    public TrainingRun(TrainConfig config, ImageData data, string runDir, bool resume = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        if (TrainConfig.Canonical(config.Dataset) != data.Dataset)
            throw new ArgumentException($"The configuration is for {config.Dataset} but the data is {data.Dataset}.", nameof(data));
        config.Validate();
        Data = data;
        Config = SplitSizes.Resolve(config, data, out var note);
        CheckSizes(Config, data);
        if (Config.BatchSize > Config.NumTrain)
            note = (note is null ? "" : note + " ") + $"The batch size {Config.BatchSize} exceeds the {Config.NumTrain} training images: " +
                "each minibatch draws them with replacement (as CS231n's Solver does), one iteration per epoch.";
        Note = note;
        RunDir = Path.GetFullPath(runDir);
        Resume = resume;
        if (resume)
        {
            CheckResumable(runDir);
            CheckSameRun(Config, runDir);
        }
        else if (File.Exists(RunDir))
            throw new ArgumentException($"The run folder '{runDir}' is a file.", nameof(runDir));
        else if (Directory.Exists(RunDir) && FolderLock.IsHeldByAnother(RunDir))
            throw InUse(runDir);   // said before the data is read and training announced, not only when the run takes the hold
        else if (Directory.Exists(RunDir) && !IsFree(RunDir, Config))
            throw new ArgumentException($"The run folder '{runDir}' already exists and is not empty; choose a new folder (or resume it, if it is an interrupted run).", nameof(runDir));
    }

    /// <summary>
    /// Refuses to resume from a checkpoint written under another configuration (config.json edited since, or a checkpoint
    /// copied from another run): the Solver would go on with the saved state under the new values, a run neither
    /// configuration describes.
    /// </summary>
    private static void CheckSameRun(TrainConfig config, string runDir)
    {
        string path = RunFiles.In(runDir, RunFiles.Checkpoint);
        if (Checkpoint.ReadConfig(path) is not { } saved) return;   // a Solver's own checkpoint, without a configuration
        var was = JsonNode.Parse(saved.ToJson())!.AsObject();
        var now = JsonNode.Parse(config.ToJson())!.AsObject();
        var changed = now.Where(kv => !JsonNode.DeepEquals(kv.Value, was[kv.Key]))
            .Select(kv => $"{kv.Key} {kv.Value?.ToJsonString() ?? "null"} (the checkpoint's: {was[kv.Key]?.ToJsonString() ?? "null"})").ToList();
        if (changed.Count > 0)
            throw new ArgumentException($"'{path}' was written by a run with another configuration: {string.Join(", ", changed)}. " +
                "Resuming continues the same run: put the values back in config.json, or start a new run.", nameof(config));
    }

    /// <summary>
    /// Refuses, by the key that sets it, a run that cannot be made: a weight matrix or a batch's activations past .NET's
    /// array limit, a network and its data (or a step's arrays) past the memory, more iterations than the Solver
    /// counts. Said now, once the data is split, instead of as a bare shape, an out-of-memory error or a Solver's
    /// refusal later.
    /// </summary>
    private static void CheckSizes(TrainConfig config, ImageData data)
    {
        long[] widths = [(long)data.Train.Channels * data.Train.Height * data.Train.Width, .. config.Hidden!, data.ClassNames.Count];
        if (ModelFactory.OversizedLayer(widths[0], config.Hidden, widths[^1]) is var (rows, cols))
            throw new ConfigValueException("hidden", $"a layer of {cols} after one of {rows} needs a {rows} × {cols} weight matrix, more elements than an array can hold ({Array.MaxLength}).");
        // model.npz and checkpoint.npz hold each weight matrix as one .npy entry, which the reader takes up to 2 GiB:
        // refused now, not as an overflow at the first checkpoint after an epoch of training.
        int size = config.IsFloat64 ? 8 : 4;
        string descr = NpyArray.DescrOf(config.IsFloat64 ? NpyDType.Float64 : NpyDType.Float32);
        for (int i = 1; i < widths.Length; i++)
            if (Npz.EntryBytes(descr, [(int)widths[i - 1], (int)widths[i]], size) is var bytes && bytes > Npz.MaxEntryBytes)
                throw new ConfigValueException("hidden", string.Create(CultureInfo.InvariantCulture,
                    $"a layer of {widths[i]} after one of {widths[i - 1]} needs a {widths[i - 1]} × {widths[i]} {config.Dtype} weight matrix of {bytes / 1e9:F1} GB, more than model.npz and checkpoint.npz hold per array ({Npz.MaxEntryBytes:N0} bytes, 2 GiB); use a narrower layer{(config.IsFloat64 ? " or float32" : "")}."));
        // Every parameter lives as weights, gradients, the update rule's state arrays (s: none for sgd, two for adam) and
        // the best copy, 3 + s arrays (a checkpoint writes them from where they are, adding none), and one more for the
        // run's other buffers; then the splits as T and the images as loaded.
        long parameters = ModelFactory.ParameterCount(config, widths[0], widths[^1]);
        int stateArrays = Optim.UpdateRules.Create<double>(config.UpdateRule).StateNames.Count;
        long images = (long)config.NumTrain!.Value + config.NumVal!.Value + (config.NumTest ?? 0);
        long need = parameters * (4 + stateArrays) * size + images * widths[0] * size + (long)(data.Train.Count + data.Test.Count) * widths[0];
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (need > available)
            throw new ConfigValueException("hidden", string.Create(CultureInfo.InvariantCulture,
                $"a network of {parameters:N0} parameters trained with {config.UpdateRule} needs about {need / 1e9:F1} GB (its weights, gradients, update-rule state and best copy, and the images); {available / 1e9:F1} GB are available."));
        long iterations = (long)config.Epochs * Math.Max(config.NumTrain!.Value / config.BatchSize, 1);
        if (iterations > int.MaxValue)
            throw new ConfigValueException("epochs", $"{config.Epochs} epochs of {config.NumTrain} images in batches of {config.BatchSize} are {iterations} iterations, more than the Solver counts ({int.MaxValue}).");
        long widest = widths.Max();
        if (config.BatchSize * widest > Array.MaxLength)
            throw new ConfigValueException("batch_size", $"a batch of {config.BatchSize} makes a {config.BatchSize} × {widest} array (the widest layer), more elements than an array can hold ({Array.MaxLength}).");
        // A step's arrays: the batch gathered (B × D), and per hidden layer about eight B × H arrays (the affine
        // output, the normalised values, the ReLU's output, the dropout mask and the backward pass's gradients), and
        // the scores and their gradient. A batch of 300,000 CIFAR images passed the check above and ran out of memory
        // at its first step, after the run folder was made.
        long hiddenSum = config.Hidden!.Sum(h => (long)h);
        long batchNeed = (long)config.BatchSize * (2 * widths[0] + 8 * hiddenSum + 4 * widths[^1]) * size;
        if (need + batchNeed > available)
            throw new ConfigValueException("batch_size", string.Create(CultureInfo.InvariantCulture,
                $"a batch of {config.BatchSize:N0} needs about {batchNeed / 1e9:F1} GB for one step's arrays, on top of {need / 1e9:F1} GB for the network and the images; {available / 1e9:F1} GB are available: use a smaller batch."));
    }

    /// <summary>
    /// A folder a new run of <paramref name="config"/> (resolved) may use: empty, or holding only what such a run
    /// stopped before its first checkpoint leaves (a stale lock file, the temporary file of a checkpoint it was killed
    /// while writing, and its config.json: this configuration's, byte for byte), which nothing can resume. Any other
    /// config.json is the user's (a hand-written one, or another run's) and is not overwritten.
    /// </summary>
    internal static bool IsFree(string dir, TrainConfig config) =>
        Directory.EnumerateFileSystemEntries(dir).All(e => FolderLock.IsLockFile(e) || AtomicFile.IsTempFile(e) || IsThisRunsConfig(e, config));

    private static void TryDeleteEmptyFolder(string dir)
    {
        try
        {
            if (!Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left as it is: an empty folder, which a new run may use.
        }
    }

    private static bool IsThisRunsConfig(string path, TrainConfig config)
    {
        if (Path.GetFileName(path) != RunFiles.Config) return false;
        try
        {
            var file = new FileInfo(path);
            return file.Exists && file.Length < (1 << 20) && File.ReadAllText(path).TrimEnd() == config.ToJson().TrimEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes the temporary files of writes a killed process left (<see cref="AtomicFile"/>): while this run holds
    /// the folder nothing else writes in it, so each one is garbage.
    /// </summary>
    private static void SweepTempFiles(string dir)
    {
        foreach (var e in Directory.EnumerateFiles(dir).Where(AtomicFile.IsTempFile).ToList()) AtomicFile.TryDelete(e);
    }

    /// <summary>
    /// Creates the run folder and holds it (<see cref="FolderLock"/>) for the whole run, checking again under the hold
    /// what the constructor found: two processes given the same folder at once are refused, not mixed in one folder.
    /// </summary>
    private FolderLock Hold()
    {
        FolderLock? held;
        try
        {
            Directory.CreateDirectory(RunDir);
            held = FolderLock.TryAcquire(RunDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Said before any training: the folder, not a file's name deep inside.
            throw new IOException($"The run folder '{RunDir}' cannot be written ({e.Message.TrimEnd('.')}).", e);
        }
        if (held is null)
            throw InUse(RunDir);
        try
        {
            if (Resume) CheckCheckpoint(RunDir);
            else if (!IsFree(RunDir, Config))
                throw new FolderInUseException($"The run folder '{RunDir}' was filled by another process after this run was set up; choose another folder.");
            SweepTempFiles(RunDir);
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private static FolderInUseException InUse(string runDir) =>
        new($"The run folder '{runDir}' is being written by another process (a run training there); wait for it to finish, or choose another folder.");

    /// <summary>Throws unless <paramref name="runDir"/> holds a checkpoint to resume from (checked before any data is read).</summary>
    /// <exception cref="FileNotFoundException">
    /// No <c>checkpoint.npz</c>: the run completed or diverged (its summary says which), or was stopped before its
    /// first epoch ended (where the first checkpoint is written).
    /// </exception>
    /// <exception cref="FolderInUseException">Another process is training or resuming the run now.</exception>
    public static void CheckResumable(string runDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDir);
        if (FolderLock.IsHeldByAnother(runDir)) throw InUse(runDir);
        CheckCheckpoint(runDir);
    }

    /// <summary><see cref="CheckResumable"/> without the probe of the hold (for the holder itself).</summary>
    private static void CheckCheckpoint(string runDir)
    {
        var path = RunFiles.In(runDir, RunFiles.Checkpoint);
        if (File.Exists(path)) return;
        string config = RunFiles.In(runDir, RunFiles.Config);
        string why;
        try
        {
            var summaryPath = RunFiles.In(runDir, RunFiles.Summary);
            var summary = File.Exists(summaryPath) ? RunSummary.Load(summaryPath) : null;
            why = summary?.Status switch
            {
                RunStatus.Completed => $"the run completed all its {summary.Epochs} epochs, so there is nothing to continue. A run's schedule (epochs, " +
                    $"learning-rate decay) is fixed from its start; to train for more epochs, train a new run from its {RunFiles.Config} with more epochs",
                RunStatus.Diverged => $"the run diverged at iteration {summary.Iterations}, and a diverged run is not resumed: train it again from its {RunFiles.Config} with a smaller learning rate",
                // Or its first checkpoint could not be written (a full disk, a folder made read-only): the run ended
                // with that error, and nothing here tells the two apart.
                null => $"it holds no checkpoint: the run stopped before its first epoch ended (the first checkpoint is written there), or could not write it; start it again from '{config}'",
                var other => $"its summary says '{other}', but the checkpoint is gone (moved or deleted); restore it, or start the run again from '{config}'",
            };
        }
        catch (InvalidDataException e)
        {
            why = $"its summary, which would say why, cannot be read ({e.Message.TrimEnd('.')})";
        }
        throw new FileNotFoundException($"'{runDir}' has no {RunFiles.Checkpoint} to continue from: {why}.", path);
    }

    /// <summary>The configuration with every count resolved: what <c>config.json</c> holds.</summary>
    public TrainConfig Config { get; }

    /// <summary>Says when the data set's default split was shrunk to fit the folder, or a batch is larger than the training set; null otherwise.</summary>
    public string? Note { get; }

    /// <summary>The images.</summary>
    public ImageData Data { get; }

    /// <summary>The run folder (absolute).</summary>
    public string RunDir { get; }

    /// <summary>True when continuing from <c>checkpoint.npz</c>.</summary>
    public bool Resume { get; }

    /// <summary>Where the notebooks' progress lines go (<c>(Iteration 1 / 4900) loss: …</c>); none when null.</summary>
    public TextWriter? NotebookLog { get; init; }

    /// <summary>Print a loss line every this many iterations (the notebooks' <c>print_every</c>); default 100.</summary>
    public int PrintEvery { get; init; } = 100;

    /// <summary>Raised when training starts, with the schedule.</summary>
    public event Action<RunStart>? Started;

    /// <summary>Raised after every iteration.</summary>
    public event Action<IterationInfo>? IterationCompleted;

    /// <summary>Raised after every accuracy check.</summary>
    public event Action<EpochInfo>? AccuracyChecked;

    /// <summary>
    /// Trains and writes the run folder. Returns when all iterations ran, when <paramref name="cancel"/> fired (after the
    /// current iteration; the checkpoint and the plots so far are written) or when the loss diverged (the best model so
    /// far is saved); <see cref="RunSummary.Status"/> says which.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> fired before a new run's training began (nothing is written).</exception>
    public RunSummary Run(CancellationToken cancel = default) => Config.IsFloat64 ? Run<double>(cancel) : Run<float>(cancel);

    private RunSummary Run<T>(CancellationToken cancel) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool existed = Directory.Exists(RunDir);
        using var hold = Hold();
        var split = Data.Split<T>(Config);
        var rng = new NumpyRandom(Config.Seed);
        var model = ModelFactory.Create<T>(Config, split.XTrain.RowLength, split.NumClasses, rng);
        var solver = new Solver<T>(model, split, Config.ToSolverOptions(NotebookLog, PrintEvery), rng);

        string checkpoint = RunFiles.In(RunDir, RunFiles.Checkpoint), historyPath = RunFiles.In(RunDir, RunFiles.History);
        double previousSeconds = 0;
        if (Resume)
        {
            Checkpoint.Restore(solver, checkpoint);
            if (File.Exists(historyPath)) previousSeconds = RunHistory.Load(historyPath).WallSeconds;
        }
        else
        {
            // Stopped while the data was split and the model built: no run folder of an untrained model, and none at
            // all when this run made it (an empty one was left, which --resume called "not a run folder").
            if (cancel.IsCancellationRequested)
            {
                hold.Dispose();
                if (!existed) TryDeleteEmptyFolder(RunDir);
                throw new OperationCanceledException("Stopped before training began; nothing was written.", cancel);
            }
            try
            {
                AtomicFile.WriteAllText(RunFiles.In(RunDir, RunFiles.Config), Config.ToJson() + "\n");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Said before any training: the folder, not a temporary file's name deep inside the atomic write.
                throw new IOException($"The run folder '{RunDir}' cannot be written ({e.Message.TrimEnd('.')}).", e);
            }
        }

        var clock = Stopwatch.StartNew();
        solver.IterationCompleted += info => IterationCompleted?.Invoke(info);
        solver.AccuracyChecked += info =>
        {
            // An epoch end is a clean point between iterations: a crash after it loses at most one epoch.
            if (info.Iteration % solver.IterationsPerEpoch == 0)
            {
                Checkpoint.Save(solver, checkpoint, Config, Data.Folder);
                RunHistory.Of(solver, RunStatus.Running, previousSeconds + clock.Elapsed.TotalSeconds).Save(historyPath);
            }
            AccuracyChecked?.Invoke(info);
        };
        int startIteration = solver.Iteration;
        Started?.Invoke(new RunStart(startIteration, solver.NumIterations, solver.IterationsPerEpoch, Config.BatchSize));

        string status = RunStatus.Completed;
        string? message = null;
        try
        {
            solver.Train(cancel);
            if (!solver.IsFinished)
            {
                status = RunStatus.Interrupted;
                Checkpoint.Save(solver, checkpoint, Config, Data.Folder);
                if (solver.BestParams.Count > 0) model.Params.CopyValuesFrom(solver.BestParams);
                if (solver.BestBuffers.Count > 0) model.Buffers.CopyValuesFrom(solver.BestBuffers);
            }
        }
        catch (TrainingDivergedException e)
        {
            status = RunStatus.Diverged;
            message = e.Message;
        }
        if (status == RunStatus.Completed) message = Exploded(solver.LossHistory, solver.IterationsPerEpoch, Config.LearningRate);
        clock.Stop();
        double seconds = previousSeconds + clock.Elapsed.TotalSeconds;
        int images = (solver.Iteration - startIteration) * Config.BatchSize;

        var files = new List<string> { RunFiles.Config };
        ModelFile.Save(model, RunFiles.In(RunDir, RunFiles.Model));
        files.Add(RunFiles.Model);
        // A run that blew up before any finite check keeps a model whose scores overflow: its accuracies below count
        // class 0 for every image, and eval and predict refuse it. Say so here rather than let the summary look usable.
        // Running statistics too: an overflowed running variance leaves finite scores (x / √∞ is 0) that mean nothing.
        // The test split too: weights at the edge of the float range can be finite on every validation image and not on
        // a test image, whose confusion matrix below (Predict) refuses it.
        // Each split scored once: the check, then the confusion matrices from the same scores.
        var valScores = Solver<T>.Scores(model, split.XVal);
        var testScores = split.XTest is { } testX ? Solver<T>.Scores(model, testX) : null;
        bool scoresFinite = valScores.AllFinite() && (testScores is null || testScores.AllFinite()) && model.Buffers.All(b => b.Value.AllFinite());
        if (!scoresFinite)
            message = (message is null ? "" : message + " ") +
                "The saved model's scores (or batch-norm running statistics) are not finite, so its accuracies mean nothing and eval and predict refuse it; train again with a smaller learning rate or weight scale.";
        var history = RunHistory.Of(solver, status, seconds);
        history.Save(historyPath);
        files.Add(RunFiles.History);
        files.AddRange(RunPlots.Write(RunDir, history, model.Params["W1"], Data.ImageShape));
        // Not counted or drawn for scores that are not finite: every image would sit in class 0's column, an argmax of
        // NaN, and its "test accuracy" would be class 0's share of the test set.
        var test = scoresFinite && testScores is not null ? new ConfusionMatrix(split.YTest!, Classes(testScores), split.NumClasses) : null;
        if (scoresFinite)
        {
            var (confusion, splitName) = test is not null ? (test, "test") : (new ConfusionMatrix(split.YVal, Classes(valScores), split.NumClasses), "validation");
            AtomicFile.WriteAllBytes(RunFiles.In(RunDir, RunFiles.ConfusionPlot), ConfusionPlot.Png(confusion.ToRows(), Data.ClassNames,
                string.Create(CultureInfo.InvariantCulture, $"{DataSetChoice.Display(Data.Dataset)} {splitName} set: {100 * confusion.Accuracy:F2}% of {confusion.Total} images correct")));
            files.Add(RunFiles.ConfusionPlot);
        }
        if (status == RunStatus.Interrupted) files.Add(RunFiles.Checkpoint);

        double? testAcc = test?.Accuracy;
        var summary = new RunSummary
        {
            RunDir = RunDir,
            Status = status,
            Dataset = Data.Dataset,
            DataFolder = Data.Folder,
            // 0 is the Solver's start, not a measurement, when no check ran (it was shown as "best val acc 0.00 %").
            BestValAcc = solver.ValAccHistory.Count > 0 ? solver.BestValAcc : null,
            TestAcc = testAcc,
            TestConfusion = test?.ToRows(),
            NumTrain = Config.NumTrain!.Value,
            NumVal = Config.NumVal!.Value,
            NumTest = Config.NumTest!.Value,
            EpochsCompleted = solver.Epoch,
            Epochs = Config.Epochs,
            Iterations = solver.Iteration,
            NumIterations = solver.NumIterations,
            WallSeconds = seconds,
            ImagesPerSecond = images / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
            Threads = Kernels.Parallelism.MaxThreads,
            Parameters = model.Params.TotalSize,
            Dtype = Config.IsFloat64 ? "float64" : "float32",
            ScoresFinite = scoresFinite,
            BackpropVersion = RunSummary.LibraryVersion,
            VectorKernels = Kernels.VectorSupport.Kernels,
            Message = message,
            Files = [.. files, RunFiles.Summary],
        };
        summary.Save(RunFiles.In(RunDir, RunFiles.Summary));
        // Only now: killed before the summary was written, the run still resumes from its last iteration's checkpoint
        // and writes every file again; deleted first, the summary (test accuracy, data folder) would be lost for good.
        if (status != RunStatus.Interrupted) AtomicFile.TryDelete(checkpoint);
        return summary;
    }
    /// <summary>The predicted class of each row of <paramref name="scores"/> (N, C): what <see cref="Solver{T}.Predict"/> gives.</summary>
    private static int[] Classes<T>(NDArray<T> scores) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var classes = new int[scores.Dim(0)];
        for (int i = 0; i < classes.Length; i++) classes[i] = NDArray<T>.ArgMax(scores.Row(i));
        return classes;
    }

    /// <summary>
    /// A warning when the losses stayed finite but grew tenfold (the mean of the last epoch against the first loss): a
    /// run that "completed" with losses of 1e10 has not learned, and its status alone would not say so.
    /// </summary>
    internal static string? Exploded(IReadOnlyList<double> losses, int perEpoch, double learningRate)
    {
        if (losses.Count == 0) return null;
        int take = Math.Clamp(perEpoch, 1, losses.Count);
        double first = losses[0], last = 0;
        for (int i = losses.Count - take; i < losses.Count; i++) last += losses[i] / take;
        return last > 10 * first
            ? string.Create(CultureInfo.InvariantCulture,
                $"Warning: the loss grew from {first:g3} to {last:g3} (the last epoch's mean): the run did not learn; try a smaller learning rate than {learningRate:g3}.")
            : null;
    }
}
