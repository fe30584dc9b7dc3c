using System.Text.Json;
using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Tests.Plots;
using Backprop.Training;
using SkiaSharp;

namespace Backprop.Tests.Cli;

/// <summary><c>backprop train</c>, <c>eval</c>, <c>predict</c> and <c>plot</c> end to end on real data, checking every file written.</summary>
public class CliTrainTests
{
    [Fact]
    public void Train_OnCifar10Subset_WritesARunFolderThatEvalPredictAndPlotRead()
    {
        using var tmp = new TempDir();
        var run = tmp.File("run");
        var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "500", "--num-val", "200", "--num-test", "300",
            "--epochs", "2", "--hidden", "50", "--print-every", "1", "--out", run);
        Assert.True(r.ExitCode == 0, r.ToString());

        // The notebooks' progress lines, the data choice and the summary table.
        Assert.Contains("because it is in the data folder", r.Out);
        Assert.Contains("(Iteration 1 / 10) loss: ", r.Out);
        Assert.Contains("(Iteration 10 / 10) loss: ", r.Out);
        Assert.Contains("(Epoch 0 / 2) train acc: ", r.Out);
        Assert.Contains("(Epoch 2 / 2) train acc: ", r.Out);
        Assert.Contains("best val acc", r.Out);

        string[] expected = ["accuracy.png", "config.json", "confusion.png", "history.json", "loss.png", "model.npz", "summary.json", "weights.png"];
        Assert.Equal(expected, Directory.GetFiles(run).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray());

        var history = RunHistory.Load(Path.Combine(run, "history.json"));
        Assert.Equal(10, history.NumIterations);
        Assert.Equal(10, history.Loss.Count);
        Assert.All(history.Loss, l => Assert.InRange(l, 0.5, 3.5));
        Assert.Equal(3, history.ValAcc.Count);
        Assert.Equal(3, history.LearningRate.Count);
        Assert.Equal(RunStatus.Completed, history.Status);

        var summary = RunSummary.Load(Path.Combine(run, "summary.json"));
        Assert.Equal((500, 200, 300, 2, 10), (summary.NumTrain, summary.NumVal, summary.NumTest, summary.EpochsCompleted, summary.Iterations));
        Assert.True(summary.BestValAcc > 0.1, $"val acc {summary.BestValAcc}");
        // W1, b1, gamma1, beta1 (batch norm is CIFAR-10's default), W2, b2; and the kernel threads it ran on.
        Assert.Equal(3072 * 50 + 3 * 50 + 50 * 10 + 10, summary.Parameters);
        Assert.Contains("│ parameters   │ 154,260", r.Out);
        Assert.True(summary.Threads >= 1);
        Assert.Equal(RunSummary.LibraryVersion, summary.BackpropVersion);   // the version and commit that trained it
        Assert.Matches(@"^\d+\.\d+\.\d+(\+[0-9a-f]{7,40})?$", summary.BackpropVersion);   // the commit where built from a clone
        Assert.Contains($"\"backprop_version\": \"{summary.BackpropVersion}\"", File.ReadAllText(Path.Combine(run, "summary.json")));   // '+' as itself, not \u002B
        Assert.Equal(Backprop.Kernels.VectorSupport.Kernels, summary.VectorKernels);   // the kernels it ran on
        Assert.Contains($"\"kernels\": \"{summary.VectorKernels}\"", File.ReadAllText(Path.Combine(run, "summary.json")));

        // model.npz loads back to the same scores: the best validation accuracy and the test accuracy recomputed from it are identical.
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10PythonDir, ""));
        var evaluation = RunFolder.Evaluate(run, images);
        Assert.Equal(summary.BestValAcc, evaluation.ValAcc);
        Assert.Equal(summary.TestAcc, evaluation.TestAcc);
        Assert.Equal((200L, 300L), (evaluation.Val.Total, evaluation.Test!.Total));
        Assert.Equal(evaluation.Test.ToRows(), summary.TestConfusion);
        Assert.Equal(Cifar10.ClassNames, evaluation.ClassNames);
        var e = CliRunner.Run("eval", "--model", run, "--data-dir", CliRunner.Cifar10DataDir, "--json");
        Assert.True(e.ExitCode == 0, e.ToString());
        using (var doc = JsonDocument.Parse(e.Out))
        {
            Assert.Equal(summary.TestAcc, doc.RootElement.GetProperty("test_acc").GetDouble());
            Assert.Equal(evaluation.Test.ToRows(), Counts(doc.RootElement.GetProperty("test_confusion")));
            Assert.Equal(evaluation.Val.ToRows(), Counts(doc.RootElement.GetProperty("val_confusion")));
            Assert.Equal("airplane", doc.RootElement.GetProperty("class_names")[0].GetString());
        }
        // The text form: both accuracies, then the test split class by class and its matrix.
        var text = CliRunner.Run("eval", "--model", run, "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("Test set accuracy:", text.Out);
        Assert.Contains("Test set, by class", text.Out);
        Assert.Contains("confusion matrix (rows: true class, columns: predicted)", text.Out);
        var truck = Assert.Single(text.Out.Split('\n'), l => l.TrimStart().StartsWith("9 truck", StringComparison.Ordinal));
        Assert.Equal(evaluation.Test.ToRows()[9], truck.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2..].Select(long.Parse));
        // Without --data-dir, eval reads the data where the run was trained (its summary.json's folder): the same output.
        var recorded = CliRunner.Run("eval", "--model", run);
        Assert.True(recorded.ExitCode == 0, recorded.ToString());
        Assert.Equal(text.Out, recorded.Out);
        Assert.Contains($"Using CIFAR-10 from {summary.DataFolder}, where the run was trained", recorded.Error);

        // The config alone repeats the run, bit for bit.
        var config = TrainConfig.FromJson(File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Equal((500, 200, 300, "cifar10"), (config.NumTrain, config.NumVal, config.NumTest, config.Dataset));
        var again = CliRunner.Run("train", "--config", Path.Combine(run, "config.json"), "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.File("again"));
        Assert.True(again.ExitCode == 0, again.ToString());
        var first = Npz.Load(Path.Combine(run, "model.npz"));
        var second = Npz.Load(tmp.File("again/model.npz"));
        foreach (var (k, v) in first) Assert.Equal((float[])v.Data, (float[])second[k].Data);

        // Pictures: the notebooks' panels, and 50 first-layer weight images in colour on an 8 × 8 grid.
        PlotTests.AssertPicture(File.ReadAllBytes(Path.Combine(run, "loss.png")), 900, 450);
        PlotTests.AssertPicture(File.ReadAllBytes(Path.Combine(run, "accuracy.png")), 900, 450);
        PlotTests.AssertPicture(File.ReadAllBytes(Path.Combine(run, "confusion.png")), 760, 760);
        var weights = File.ReadAllBytes(Path.Combine(run, "weights.png"));
        PlotTests.AssertWeightsPicture(weights, (8 * 32 + 7 * 3) * 3, (8 * 32 + 7 * 3) * 3);
        Assert.False(IsGrey(weights));

        // predict: int64 class indices of the test split, as the model scores them.
        var preds = tmp.File("preds.npy");
        var p = CliRunner.Run("predict", "--model", run, "--split", "test", "--out", preds, "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(p.ExitCode == 0, p.ToString());
        var saved = Npy.Load(preds);
        Assert.Equal(NpyDType.Int64, saved.DType);
        Assert.Equal([300], saved.ShapeArray());
        Assert.Equal(RunFolder.Predict(run, images, "test"), saved.ToInt64Array());
        // The matrix's columns count exactly these predictions.
        for (int k = 0; k < 10; k++) Assert.Equal(saved.ToInt64Array().LongCount(v => v == k), evaluation.Test.Predicted(k));
        Assert.All(saved.ToInt64Array(), c => Assert.InRange(c, 0, 9));
        // --zip: the leaderboard's upload as the notebook's zip_fun makes it, the .npy at the archive's root.
        Directory.CreateDirectory(tmp.File("output/phase_1"));
        var z = CliRunner.Run("predict", "--model", run, "--out", tmp.File("output/phase_1/prediction.npy"), "--zip", tmp.File("output/prediction_phase_1"),
            "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(z.ExitCode == 0, z.ToString());
        Assert.Contains($"Wrote {tmp.File("output/prediction_phase_1.zip")} (prediction.npy inside)", z.Out);
        using (var archive = System.IO.Compression.ZipFile.OpenRead(tmp.File("output/prediction_phase_1.zip")))
        {
            var entry = Assert.Single(archive.Entries);
            Assert.Equal("prediction.npy", entry.FullName);
            using var content = new MemoryStream();
            entry.Open().CopyTo(content);
            Assert.Equal(File.ReadAllBytes(preds), content.ToArray());   // the same predictions, byte for byte
        }
        Assert.Equal(2, CliRunner.Run("predict", "--model", run, "--zip", tmp.File("nowhere/p.zip"), "--data-dir", CliRunner.Cifar10DataDir).ExitCode);

        // predict --input: the raw test images from a file give the same predictions as the test split.
        var testImages = tmp.File("x.npy");
        Npy.Save(testImages, new NpyArray(images.Test.Pixels.AsSpan(0, 300 * 3072).ToArray(), 300, 3, 32, 32));
        var fromFile = tmp.File("preds-file.npy");
        var pf = CliRunner.Run("predict", "--model", run, "--input", testImages, "--out", fromFile, "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(pf.ExitCode == 0, pf.ToString());
        Assert.Equal(saved.ToInt64Array(), Npy.Load(fromFile).ToInt64Array());
        // predict --input a folder of pictures: the same classes for the same images, each printed with its likeliest classes.
        for (int i = 0; i < 3; i++) tmp.Write($"pics/{i}.png", ImageFilesTests.Png(images.Test, i));
        var fromPictures = tmp.File("preds-pics.npy");
        var pp = CliRunner.Run("predict", "--model", run, "--input", tmp.File("pics"), "--out", fromPictures, "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(pp.ExitCode == 0, pp.ToString());
        Assert.Equal(saved.ToInt64Array()[..3], Npy.Load(fromPictures).ToInt64Array());
        for (int i = 0; i < 3; i++)
        {
            var line = Assert.Single(pp.Out.Split('\n'), l => l.StartsWith($"{i}.png: ", StringComparison.Ordinal));
            Assert.StartsWith($"{i}.png: {Cifar10.ClassNames[(int)saved.ToInt64Array()[i]]} ", line);
            Assert.Equal(3, line.Count(ch => ch == '%'));
        }
        Npy.Save(testImages, new NpyArray(new byte[2 * 3072], 2, 32, 32, 3));
        Assert.Equal(2, CliRunner.Run("predict", "--model", run, "--input", testImages, "--out", fromFile, "--data-dir", CliRunner.Cifar10DataDir).ExitCode);
        // Pixel values the model does not take: scaled to [0, 1], already mean-subtracted, not finite. Each names the problem.
        var scaled = Enumerable.Range(0, 2 * 3072).Select(i => (i % 255) / 255f).ToArray();
        var centred = Enumerable.Range(0, 2 * 3072).Select(i => (i % 255) - 127f).ToArray();
        var infinite = Enumerable.Range(0, 2 * 3072).Select(i => i == 5 ? float.PositiveInfinity : 1f).ToArray();
        foreach (var (pixels, message) in new[] {
            (scaled, "the images look scaled to [0, 1], but the model takes raw values 0–255 (multiply by 255)"),
            (centred, "Pixel values range from -127 to 127; the model takes raw values 0–255"),
            (infinite, "The images hold NaN or infinite values.") })
        {
            Npy.Save(testImages, new NpyArray(pixels, 2, 3072));
            var bad = CliRunner.Run("predict", "--model", run, "--input", testImages, "--out", fromFile, "--data-dir", CliRunner.Cifar10DataDir);
            Assert.Equal(2, bad.ExitCode);
            var line = Assert.Single(bad.ErrorLines);
            Assert.StartsWith($"backprop: --input {testImages}: ", line);
            Assert.Contains(message, line);
            Assert.DoesNotContain("Parameter", line);
        }

        // A file that is neither: said by its name, not as a .npy whose header is wrong.
        var tiff = tmp.Write("scan.tiff", [0x49, 0x49, 0x2A, 0x00]);
        var unknown = CliRunner.Run("predict", "--model", run, "--input", tiff, "--out", fromFile, "--data-dir", CliRunner.Cifar10DataDir);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("is neither an .npy of images nor a picture (.png, .jpg", unknown.Error);

        // --model given the model file instead of its run folder: usage error naming the folder to give.
        var file = CliRunner.Run("predict", "--model", Path.Combine(run, "model.npz"), "--out", fromFile, "--data-dir", CliRunner.Cifar10DataDir);
        Assert.Equal(2, file.ExitCode);
        Assert.Contains($"is a file; give the run folder that holds config.json and model.npz (this file's folder is '{Path.GetFullPath(run)}')", file.Error);

        // --out never overwrites the run's own files or the input being read, and a name without an extension gets
        // .npy (as np.save adds it); a folder is not a file name. The model is untouched by all of these.
        var modelBytes = File.ReadAllBytes(Path.Combine(run, "model.npz"));
        var own = CliRunner.Run("predict", "--model", run, "--out", Path.Combine(run, "model.npz"));
        Assert.Equal(2, own.ExitCode);
        Assert.Contains("is the run's own model.npz; write to another name", own.Error);
        Assert.Contains("is the input being read", CliRunner.Run("predict", "--model", run, "--input", testImages, "--out", testImages).Error);
        Assert.Contains("is a folder; give a file name inside it", CliRunner.Run("predict", "--model", run, "--out", tmp.Path).Error);
        Assert.Contains("does not end in .npy", CliRunner.Run("predict", "--model", run, "--out", tmp.File("p.csv")).Error);
        var bare = CliRunner.Run("predict", "--model", run, "--out", tmp.File("bare"));
        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.Equal(300, Npy.Load(tmp.File("bare.npy")).ToInt64Array().Length);
        Assert.Contains("is the run's own loss.png", CliRunner.Run("plot", run, run, "--out", Path.Combine(run, "loss.png")).Error);
        Assert.Contains("does not end in .png", CliRunner.Run("plot", run, run, "--out", tmp.File("cmp.jpg")).Error);
        // Through symbolic links, and for a run that is not among the inputs, the same refusals.
        File.CreateSymbolicLink(tmp.File("runlink"), run);
        File.CreateSymbolicLink(tmp.File("imagelink.npy"), testImages);
        Assert.Contains("is the run's own loss.png", CliRunner.Run("plot", run, "--out", Path.Combine(tmp.File("runlink"), "loss.png")).Error);
        Assert.Contains("is the run's own loss.png", CliRunner.Run("plot", tmp.File("runlink"), "--out", Path.Combine(tmp.File("again"), "loss.png")).Error);
        Assert.Contains("is the input being read", CliRunner.Run("predict", "--model", run, "--input", tmp.File("imagelink.npy"), "--out", testImages).Error);
        Assert.Contains("is the run's own model.npz", CliRunner.Run("predict", "--model", run, "--out", Path.Combine(tmp.File("runlink"), "model.npz")).Error);
        Assert.Equal(modelBytes, File.ReadAllBytes(Path.Combine(run, "model.npz")));

        // plot: one run redrawn in place, two runs compared on shared axes.
        File.Delete(Path.Combine(run, "loss.png"));
        Assert.Equal(0, CliRunner.Run("plot", run).ExitCode);
        PlotTests.AssertPicture(File.ReadAllBytes(Path.Combine(run, "loss.png")), 900, 450);
        var cmp = tmp.File("cmp.png");
        var c = CliRunner.Run("plot", run, tmp.File("again"), "--out", cmp);   // (the same run twice is refused)
        Assert.True(c.ExitCode == 0, c.ToString());
        PlotTests.AssertPicture(File.ReadAllBytes(cmp), 1000, 3 * 380, panels: 3);

        // A config.json no run could have trained with (a damaged copy): eval says so of that file, not as a bare shape
        // from a layer's constructor (exit 2, "Shape (3072, 100000000) has more elements …").
        var damaged = tmp.File("again/config.json");
        File.WriteAllText(damaged, File.ReadAllText(damaged).Replace("\"hidden\": [\n    50\n  ]", "\"hidden\": [\n    100000000\n  ]"));
        Assert.Contains("100000000", File.ReadAllText(damaged));
        var huge = CliRunner.Run("eval", "--model", tmp.File("again"), "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(huge.ExitCode == 1, huge.ToString());
        Assert.Contains($"{damaged}: hidden 100000000 makes a 3072 × 100000000 weight matrix, more elements than an array can hold", huge.Error);
    }

    private static long[][] Counts(JsonElement rows) =>
        [.. rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray())];

    [Fact]
    public void Train_OnFashionMnist_JsonPrintsOneObject_AndWeightsAreGrey()
    {
        using var tmp = new TempDir();
        var run = tmp.File("fm");
        var r = CliRunner.Run("train", "--dataset", "fashion-mnist", "--num-train", "300", "--num-val", "100", "--num-test", "200",
            "--epochs", "1", "--hidden", "20", "--out", run, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        var line = Assert.Single(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(line);
        Assert.Equal("completed", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal("fashion-mnist", doc.RootElement.GetProperty("dataset").GetString());
        Assert.InRange(doc.RootElement.GetProperty("test_acc").GetDouble(), 0.3, 1.0);
        Assert.Contains("(Epoch 1 / 1) train acc: ", r.Error);   // progress went to stderr

        var weights = File.ReadAllBytes(Path.Combine(run, "weights.png"));
        PlotTests.AssertWeightsPicture(weights, (5 * 28 + 4 * 3) * 3, (5 * 28 + 4 * 3) * 3);
        Assert.True(IsGrey(weights));

        // A --config naming its data set is trained on that one, even where another data set would be chosen.
        var config = tmp.File("fm.json");
        File.WriteAllText(config, """{ "dataset": "fashion-mnist", "num_train": 200, "num_val": 100, "num_test": 100, "epochs": 1, "hidden": [10] }""");
        var c = CliRunner.Run("train", "--config", config, "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.File("fm2"), "--json");
        Assert.True(c.ExitCode == 0, c.ToString());
        Assert.Equal("fashion-mnist", RunSummary.Load(tmp.File("fm2/summary.json")).Dataset);
    }

    [Fact]
    public void Train_TwoLayerNet_TakesItsOwnDefaults_NotTheDeepNetsOfTheDataSet()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("train", "--model", "twolayer", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "50",
            "--num-test", "50", "--epochs", "1", "--out", tmp.File("two"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var config = TrainConfig.FromJson(File.ReadAllText(tmp.File("two/config.json")));
        Assert.Equal(("twolayer", "none", 1.0, 1e-3), (config.Model, config.Normalization, config.Dropout, config.WeightScale));   // CS231n TwoLayerNet's weight_scale
        Assert.Equal([100], config.Hidden);
        // Chosen explicitly, a deep net's option is still refused, naming it.
        var bn = CliRunner.Run("train", "--model", "twolayer", "--normalization", "batchnorm", "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.File("bn"));
        Assert.Equal(2, bn.ExitCode);
        Assert.Contains("--normalization: the twolayer model has no normalization", bn.Error);
        Assert.False(Directory.Exists(tmp.File("bn")));
    }

    [Fact]
    public void Train_DivergingRun_SavesBestModelAndExitsWithItsOwnCode()
    {
        using var tmp = new TempDir();
        var run = tmp.File("diverged");
        var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "100", "--num-test", "100",
            "--epochs", "3", "--hidden", "30", "--normalization", "none", "--update-rule", "sgd", "--learning-rate", "1e12", "--out", run);
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("Training diverged", r.Out);
        var summary = RunSummary.Load(Path.Combine(run, "summary.json"));
        Assert.Equal(RunStatus.Diverged, summary.Status);
        Assert.True(File.Exists(Path.Combine(run, "model.npz")));
        Assert.False(File.Exists(Path.Combine(run, "checkpoint.npz")));
        // Here the second update overflows the weights while its loss is still finite: the check after it stops the run.
        // That update was epoch 0's last, at epoch 0's rate (it was said to be epoch 1's, the count the check had moved to).
        Assert.StartsWith("Training diverged at iteration 2 (epoch 0): after its update the model's scores are not finite, with learning rate 1e+12.", summary.Message);

        // Weights too large to score anything: NaN from the first step, so no finite model was ever kept. Eval and
        // predict refuse it instead of printing NaN% and writing class 0 for every image.
        var hopeless = tmp.File("hopeless");
        var h = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "100", "--num-test", "100",
            "--epochs", "1", "--hidden", "30", "--normalization", "none", "--weight-scale", "1e30", "--out", hopeless);
        Assert.True(h.ExitCode == 3, h.ToString());
        var hopelessSummary = RunSummary.Load(Path.Combine(hopeless, "summary.json"));
        Assert.Contains("The saved model's scores (or batch-norm running statistics) are not finite", hopelessSummary.Message);
        Assert.False(hopelessSummary.ScoresFinite);
        Assert.True(summary.ScoresFinite);
        // Its "test accuracy" would be class 0's share of the test images (an argmax of NaN): none is given.
        Assert.Null(hopelessSummary.TestAcc);
        Assert.Null(hopelessSummary.TestConfusion);
        Assert.NotNull(summary.TestAcc);
        foreach (var args in new[] { new[] { "eval", "--model", hopeless }, ["predict", "--model", hopeless, "--out", tmp.File("p.npy")] })
        {
            var refused = CliRunner.Run(args);
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("NaN or infinite values (the run diverged)", refused.Error);
        }
        Assert.False(File.Exists(tmp.File("p.npy")));

        // Losses that stay finite but explode: the run completes, and says it did not learn.
        var exploded = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "50", "--num-test", "50",
            "--epochs", "3", "--hidden", "20", "--learning-rate", "1e6", "--out", tmp.File("exploded"));
        Assert.True(exploded.ExitCode == 0, exploded.ToString());
        Assert.Contains("Warning: the loss grew from 2.3 to", exploded.Out);
        Assert.Contains("try a smaller learning rate than 1e+06", RunSummary.Load(tmp.File("exploded/summary.json")).Message);
    }

    private static bool IsGrey(byte[] png)
    {
        using var bmp = SKBitmap.Decode(png);
        for (int y = 0; y < bmp.Height; y += 3)
            for (int x = 0; x < bmp.Width; x += 3)
            {
                var p = bmp.GetPixel(x, y);
                if (p.Red != p.Green || p.Green != p.Blue) return false;
            }
        return true;
    }
}
