using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary><see cref="TrainingRun"/> in the library: reproducible from its config, in either dtype, and strict about its folder.</summary>
public class TrainingRunTests
{
    private static ImageData Subset() => ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));

    [Fact]
    public void SameConfig_SameRun_InFloat64()
    {
        using var tmp = new TempDir();
        var images = Subset();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 200, NumVal = 50, NumTest = 50, Hidden = [16], Epochs = 2, BatchSize = 25, Dtype = "float64", Dropout = 0.7, Seed = 11 };
        var events = new List<string>();
        var first = new TrainingRun(config, images, tmp.File("a"));
        first.Started += s => events.Add($"start {s.StartIteration}/{s.NumIterations}");
        first.AccuracyChecked += e => events.Add($"check {e.Epoch}");
        var a = first.Run();
        var b = new TrainingRun(TrainConfig.FromJson(File.ReadAllText(tmp.File("a/config.json"))), images, tmp.File("b")).Run();

        Assert.Equal(["start 0/16", "check 0", "check 1", "check 2"], events);
        Assert.Equal(a.BestValAcc, b.BestValAcc);
        Assert.Equal(a.TestAcc, b.TestAcc);
        var ma = Npz.Load(tmp.File("a/model.npz"));
        var mb = Npz.Load(tmp.File("b/model.npz"));
        Assert.Equal(NpyDType.Float64, ma["W1"].DType);
        foreach (var (k, v) in ma) Assert.Equal((double[])v.Data, (double[])mb[k].Data);
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void AModelFiniteOnTheValidationSplit_ButNotOnTheTestSplit_EndsTheRunWithItsSummary()
    {
        // Weights at the edge of float32: the first check's scores (the best parameters kept when the loss overflowed
        // at iteration 2) are finite on the 50 validation images but not on test image 331. The test split's
        // confusion matrix then threw Predict's ArgumentException: 'train' exited 2 with no summary.json.
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with
        {
            NumTrain = 100, NumVal = 50, NumTest = 1000, Hidden = [16], Normalization = "none", Dropout = 1, UpdateRule = "sgd",
            LearningRate = 1e-30, WeightScale = 8e16, Epochs = 1, BatchSize = 50,
        };
        var summary = new TrainingRun(config, Subset(), tmp.File("r")).Run();
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.False(summary.ScoresFinite);
        Assert.Null(summary.TestAcc);
        Assert.Contains("scores (or batch-norm running statistics) are not finite", summary.Message);
        Assert.True(File.Exists(tmp.File("r/summary.json")));
    }

    [Fact]
    public void Resume_WithoutCheckpoint_AndMismatchedData_AreRefusedBeforeWriting()
    {
        using var tmp = new TempDir();
        var images = Subset();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50 };
        Assert.Throws<FileNotFoundException>(() => new TrainingRun(config, images, tmp.Path, resume: true));
        Assert.Throws<ArgumentException>(() => new TrainingRun(config with { Dataset = "fashion-mnist" }, images, tmp.File("x")));
        Assert.Equal("num_val", Assert.Throws<ConfigValueException>(() => new TrainingRun(config with { NumVal = 4950 }, images, tmp.File("x"))).Key);   // the larger count given
        // Arrays past .NET's limit, refused by the key that sets them before anything is made.
        Assert.Equal("hidden", Assert.Throws<ConfigValueException>(() => new TrainingRun(config with { Hidden = [10, 300_000_000] }, images, tmp.File("x"))).Key);
        Assert.Equal("batch_size", Assert.Throws<ConfigValueException>(() => new TrainingRun(config with { Hidden = [10], BatchSize = 1_000_000 }, images, tmp.File("x"))).Key);
        Assert.Empty(tmp.Contents());
        // Allowed, as in CS231n, and said: a batch larger than the training set.
        var big = new TrainingRun(config with { BatchSize = 500 }, images, tmp.File("big"));
        Assert.Contains("The batch size 500 exceeds the 100 training images: each minibatch draws them with replacement", big.Note);
        Assert.Null(new TrainingRun(config, images, tmp.File("small")).Note);
    }

    [Fact]
    public void TwoRunsGivenOneFolder_TheSecondIsRefused_WhileTheFirstWrites()
    {
        // Both pass the constructor's look at the empty folder; only one may write it. Before, both wrote, and the
        // folder ended with one run's config.json beside the other's model.npz.
        using var tmp = new TempDir();
        var images = Subset();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 0, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 };
        var first = new TrainingRun(config, images, tmp.File("r"));
        var second = new TrainingRun(config with { Seed = 1 }, images, tmp.File("r"));
        IOException? refused = null;
        IOException? resumeRefused = null;
        first.IterationCompleted += i =>
        {
            if (i.Iteration != 1) return;
            refused = Assert.Throws<FolderInUseException>(() => second.Run());
            // Said before a resume loads any data, not only once its run takes the hold.
            resumeRefused = Assert.Throws<FolderInUseException>(() => TrainingRun.CheckResumable(tmp.File("r")));
        };
        first.Run();
        Assert.Contains("is being written by another process", refused!.Message);
        Assert.Contains("is being written by another process", resumeRefused!.Message);
        Assert.Equal(config.Seed, TrainConfig.FromJson(File.ReadAllText(tmp.File("r/config.json"))).Seed);
        Assert.False(File.Exists(tmp.File("r/" + FolderLock.FileName)));   // released
        // Once it is done, the folder holds a run: a late second run is refused too, under the hold.
        Assert.Contains("was filled by another process", Assert.Throws<FolderInUseException>(() => second.Run()).Message);

        // A run stopped before its first checkpoint (a second Ctrl-C) leaves only config.json: nothing to resume, so a
        // new run may take the folder.
        Directory.CreateDirectory(tmp.File("stopped"));
        File.WriteAllText(tmp.File("stopped/config.json"), config.ToJson());
        File.WriteAllText(tmp.File("stopped/" + FolderLock.FileName), "");   // and a stale lock file
        var killedWrite = AtomicFile.TempPathFor(tmp.File("stopped/checkpoint.npz"));   // and a checkpoint killed mid-write
        File.WriteAllText(killedWrite, "half a checkpoint");
        Assert.Equal(RunStatus.Completed, new TrainingRun(config, images, tmp.File("stopped")).Run().Status);
        Assert.False(File.Exists(killedWrite));   // swept once the run held the folder

        // A config.json that is not this run's (hand-written, or another run's) is the user's: it was overwritten.
        Directory.CreateDirectory(tmp.File("mine"));
        string mine = (config with { Seed = config.Seed + 1 }).ToJson();
        File.WriteAllText(tmp.File("mine/config.json"), mine);
        Assert.Contains("already exists and is not empty", Assert.Throws<ArgumentException>(() => new TrainingRun(config, images, tmp.File("mine"))).Message);
        Assert.Equal(mine, File.ReadAllText(tmp.File("mine/config.json")));
        // Nor can it be resumed: no checkpoint, for either of the reasons a run leaves none (a run whose first
        // checkpoint could not be written was said to have been stopped before its first epoch ended).
        Assert.Equal($"'{tmp.File("mine")}' has no checkpoint.npz to continue from: it holds no checkpoint: the run stopped before its first epoch ended " +
            $"(the first checkpoint is written there), or could not write it; start it again from '{tmp.File("mine/config.json")}'.",
            Assert.Throws<FileNotFoundException>(() => TrainingRun.CheckResumable(tmp.File("mine"))).Message);
    }

    [Fact]
    public void WithoutTestImages_TheConfusionMatrixIsTheValidationSplits()
    {
        using var tmp = new TempDir();
        var images = Subset();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 200, NumVal = 60, NumTest = 0, Hidden = [16], Epochs = 1, BatchSize = 50 };
        var summary = new TrainingRun(config, images, tmp.File("r")).Run();
        Assert.Null(summary.TestAcc);
        Assert.Null(summary.TestConfusion);
        Assert.Contains(RunFiles.ConfusionPlot, summary.Files);
        Assert.True(File.Exists(tmp.File("r/" + RunFiles.ConfusionPlot)));

        var e = RunFolder.Evaluate(tmp.File("r"), images);
        Assert.Null(e.Test);
        Assert.Equal(60, e.Val.Total);
        Assert.Equal(summary.BestValAcc, e.ValAcc);

        // The library's refusals name the parameter and speak of the value, not of a command-line option.
        var noTest = Assert.Throws<ArgumentException>(() => RunFolder.Predict(tmp.File("r"), images, "test"));
        Assert.Equal("split", noTest.ParamName);
        Assert.StartsWith("The run used no test images (num_test is 0)", noTest.Message);
        Assert.Equal("split", Assert.Throws<ArgumentException>(() => RunFolder.Predict(tmp.File("r"), images, "dev")).ParamName);
        Assert.Equal(60, RunFolder.Predict(tmp.File("r"), images, "val").Length);
        var wrongShape = Assert.Throws<ArgumentException>(() => RunFolder.PredictImages(tmp.File("r"), images, new NpyArray(new byte[2 * 3072], 2, 32, 32, 3)));
        Assert.Equal("images", wrongShape.ParamName);
        Assert.StartsWith("The images have shape (2, 32, 32, 3); the model takes (N, 3, 32, 32) or (N, 3072)", wrongShape.Message);
        foreach (var bad in new[] { new NpyArray(new float[] { 0.5f, 0.25f }, 2, 1), new NpyArray(new float[] { -3f, 2f }, 1, 2) })
            Assert.DoesNotContain("--", Assert.Throws<ArgumentException>(() => RunFolder.PredictImages(tmp.File("r"), images, bad)).Message);

        // A run whose config.json asks for more images than the folder holds: the wrong data, said as such.
        var path = tmp.File("r/config.json");
        File.WriteAllText(path, (TrainConfig.FromJson(File.ReadAllText(path)) with { NumTrain = 4900, NumVal = 500 }).ToJson());
        var wrong = Assert.Throws<ArgumentException>(() => RunFolder.Evaluate(tmp.File("r"), images));
        Assert.Equal("data", wrong.ParamName);
        Assert.Contains("config.json: the run used 4900 training, 500 validation and 0 test images, but CIFAR-10 in", wrong.Message);
        Assert.Contains("holds 5000 training and 1000 test images: it is not the data the run was trained on.", wrong.Message);
    }

    [Fact]
    public void AnUnreadableSummary_IsSaid_NotSkippedForAnotherDataFolder()
    {
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [8], Epochs = 1, BatchSize = 50 };
        var run = tmp.File("run");
        new TrainingRun(config, Subset(), run).Run();
        Assert.Equal(TestData.Cifar10BinaryDir, RunFolder.TrainedOn(run)!.Folder);
        File.WriteAllText(Path.Combine(run, "summary.json"), "{{");
        var e = Assert.Throws<InvalidDataException>(() => RunFolder.TrainedOn(run));
        Assert.Contains($"{Path.Combine(run, "summary.json")}: ", e.Message);
        Assert.Contains("name the data with --data-dir", e.Message);
    }

    [Fact]
    public void TheCheckpointIsDeletedOnlyAfterTheSummaryIsWritten()
    {
        // Killed between the two, the run must still resume and write its summary (test accuracy, data folder).
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [8], Epochs = 2, BatchSize = 50 };
        var images = Subset();
        var dir = tmp.File("run");
        var run = new TrainingRun(config, images, dir);
        // A folder where the summary goes makes its write fail, as a kill there would stop it.
        run.IterationCompleted += i => { if (i.Iteration == 4) Directory.CreateDirectory(Path.Combine(dir, "summary.json")); };
        Assert.Throws<IOException>(() => run.Run());
        Assert.True(File.Exists(Path.Combine(dir, "checkpoint.npz")));
        Directory.Delete(Path.Combine(dir, "summary.json"));
        var resumed = new TrainingRun(config, images, dir, resume: true).Run();
        Assert.Equal(RunStatus.Completed, resumed.Status);
        Assert.NotNull(resumed.TestAcc);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.npz")));
        var whole = new TrainingRun(config, images, tmp.File("whole")).Run();
        Assert.Equal(whole.TestAcc, resumed.TestAcc);
        Assert.Contains("the run completed all its 2 epochs", Assert.Throws<FileNotFoundException>(() => TrainingRun.CheckResumable(dir)).Message);
    }

    [Fact]
    public void ALossNotFiniteAtTheFirstStep_BlamesTheWeightScale_AndRecordsNoAccuracy()
    {
        // The first loss comes before any update: "try a smaller learning rate" was the advice, and the summary said
        // "best val acc 0.00 %" though no accuracy check had run.
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with
        {
            NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [50, 50], Normalization = "none", Dropout = 1, WeightScale = 1e15, Epochs = 1, BatchSize = 50,
        };
        var summary = new TrainingRun(config, Subset(), tmp.File("r")).Run();
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.Equal(1, summary.Iterations);
        Assert.Contains("It is the first batch's loss, before any update, so the learning rate played no part", summary.Message);
        Assert.Contains("use a smaller weight scale", summary.Message);
        Assert.DoesNotContain("Try a smaller learning rate", summary.Message);
        Assert.Null(summary.BestValAcc);
        Assert.Contains("\"best_val_acc\": null", File.ReadAllText(tmp.File("r/summary.json")));
    }

    [Fact]
    public void AModelWithAnOverflowedRunningVariance_HasNoAccuracies_ThoughItsScoresAreFinite()
    {
        // x / √∞ is 0, so the scores stay finite; the model is still unusable (eval and predict refuse it).
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with
        {
            NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [20], Epochs = 1, BatchSize = 20, Dtype = "float64", WeightScale = 1e300, Dropout = 1.0,
        };
        var summary = new TrainingRun(config, Subset(), tmp.File("run")).Run();
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.False(summary.ScoresFinite);
        Assert.Null(summary.TestAcc);
        Assert.Null(summary.TestConfusion);
        Assert.Contains("running statistics", summary.Message);
        Assert.False(File.Exists(tmp.File("run/confusion.png")));
    }

    [Fact]
    public void GreyImages_ArePredictedFromTheirIdxLayout_WithoutAChannelAxis()
    {
        using var tmp = new TempDir();
        var fashion = ImageData.Load(new DataSetChoice("fashion-mnist", TestData.FashionMnistDir, ""));
        var config = TrainConfig.DefaultFor("fashion-mnist") with { NumTrain = 200, NumVal = 50, NumTest = 50, Hidden = [16], Epochs = 1, BatchSize = 50, Dropout = 1 };
        new TrainingRun(config, fashion, tmp.File("r")).Run();
        var pixels = new byte[3 * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37 % 256);
        var flat = RunFolder.PredictImages(tmp.File("r"), fashion, new NpyArray(pixels, 3, 784));
        var idx = RunFolder.PredictImages(tmp.File("r"), fashion, new NpyArray(pixels, 3, 28, 28));
        Assert.Equal(flat, idx);
        var wrong = Assert.Throws<ArgumentException>(() => RunFolder.PredictImages(tmp.File("r"), fashion, new NpyArray(new byte[3 * 784], 3, 784, 1)));
        Assert.StartsWith("The images have shape (3, 784, 1); the model takes (N, 1, 28, 28), (N, 28, 28) or (N, 784)", wrong.Message);
    }

    [Fact]
    public void StoppedBeforeTrainingBegan_ANewRunWritesNothing()
    {
        // Ctrl-C while the data is split and the model built: no folder of an untrained model with a "best 0 %" summary.
        using var tmp = new TempDir();
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [8], Epochs = 1, BatchSize = 50 };
        using var ctrlC = new CancellationTokenSource();
        ctrlC.Cancel();
        var run = new TrainingRun(config, Subset(), tmp.File("run"));
        Assert.Contains("nothing was written", Assert.Throws<OperationCanceledException>(() => run.Run(ctrlC.Token)).Message);
        // Not even the folder, which this run had made (an empty one was left, which --resume said was not a run).
        Assert.False(Directory.Exists(tmp.File("run")));
        // A folder that was there before (empty, given with --out) stays.
        Directory.CreateDirectory(tmp.File("given"));
        Assert.Throws<OperationCanceledException>(() => new TrainingRun(config, Subset(), tmp.File("given")).Run(ctrlC.Token));
        Assert.Empty(Directory.GetFileSystemEntries(tmp.File("given")));
    }
}
