using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary><c>config.json</c> read back: defaults for missing keys, and errors that point into the user's file.</summary>
public class TrainConfigTests
{
    [Fact]
    public void MissingKeysKeepTheDataSetsDefaults()
    {
        var config = TrainConfig.FromJson("""{ "dataset": "fashion-mnist", "learning_rate": 0.01, }""");
        Assert.Equal(0.01, config.LearningRate);
        Assert.Equal((TrainConfig.DefaultFor("fashion-mnist") with { LearningRate = 0.01 }).ToJson(), config.ToJson());
        Assert.Equal(config.ToJson(), TrainConfig.FromJson(config.ToJson()).ToJson());
    }

    [Theory]
    // A wrong type names the key, the value given and what was expected; no line number of the merged text.
    [InlineData("""{"learning_rate": "x"}""", "cfg.json: learning_rate = \"x\": expected a number.")]
    [InlineData("""{"hidden": [10, "a"]}""", "cfg.json: hidden[1] (in hidden = [10, \"a\"]): expected an integer.")]
    [InlineData("""{"epochs": 2.5}""", "cfg.json: epochs = 2.5: expected an integer.")]
    [InlineData("""{"seed": -1}""", "cfg.json: seed = -1: expected an integer from 0 to 4294967295.")]
    [InlineData("""{"dtype": 32}""", "cfg.json: dtype = 32: expected a string.")]
    [InlineData("""{"hidden": 500}""", "cfg.json: hidden = 500: expected a list of integers.")]
    // An unknown key is named, with the keys there are.
    [InlineData("""{"learnin_rate": 1}""", "cfg.json: unknown key 'learnin_rate'; the keys are dataset, model, hidden,")]
    // Malformed JSON keeps the parser's position, which is in the user's own text.
    [InlineData("""{"hidden": [""", "cfg.json: Expected depth to be zero")]
    [InlineData("""[1, 2]""", "cfg.json: expected a JSON object.")]
    public void BadConfigurationsSayWhatIsWrongAndWhere(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => TrainConfig.FromJson(json, "cfg.json"));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain("LineNumber: 1", e.Message[..Math.Min(e.Message.Length, message.Length)]);
    }

    [Theory]
    [InlineData("""{"epochs": -3}""", "epochs: must be positive, got -3.")]
    [InlineData("""{"model": "cnn"}""", "model: Unknown model 'cnn': use fc or twolayer.")]
    [InlineData("""{"dropout": 0}""", "dropout: the keep probability must lie in (0, 1], got 0.")]
    [InlineData("""{"model": "twolayer", "hidden": [50], "normalization": "none", "dropout": 0.5}""", "dropout: the twolayer model has no dropout; use dropout 1, or model fc (got 0.5).")]
    [InlineData("""{"model": "twolayer", "hidden": [50, 50], "normalization": "none"}""", "hidden: the twolayer model takes exactly one hidden size, got 2.")]
    [InlineData("""{"hidden": null}""", "hidden: missing: give the hidden layer sizes ([] for a softmax classifier).")]
    [InlineData("""{"normalization": null}""", "normalization: missing: use none, batchnorm or layernorm.")]
    [InlineData("""{"dtype": null}""", "dtype: missing: use float32 or float64.")]
    [InlineData("""{"update_rule": null}""", "update_rule: missing: use one of sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam, adagrad.")]
    [InlineData("""{"model": null}""", "model: missing: use fc or twolayer.")]
    [InlineData("""{"dataset": null}""", "dataset: expected a name (cifar10, fashion-mnist or mnist), got null.")]
    [InlineData("""{"normalization": "batchnorm", "batch_size": 1}""", "batch_size: batch normalization needs at least 2 samples per batch, got 1.")]
    [InlineData("""{"dtype": "float16"}""", "dtype: Unknown dtype 'float16': use float32 or float64.")]
    [InlineData("""{"learning_rate": 1e-50}""", "learning_rate: 1E-50 is 0 in float32 (its smallest positive value is 1.4E-45).")]
    [InlineData("""{"weight_scale": 1e39}""", "weight_scale: 1E+39 is infinite in float32 (its largest value is 3.4E+38).")]
    [InlineData("""{"reg": 1e40}""", "reg: 1E+40 is infinite in float32 (its largest value is 3.4E+38).")]
    // Every unit dropped at every step, without a word (1e-300 is 0 in float32); 1e-40 is a float32, but 1/1e-40 is not.
    [InlineData("""{"dropout": 1e-300}""", "dropout: 1E-300 is too small for float32: it or its inverse (the scale of a kept unit) is 0 in float32 (its smallest positive value is 1.4E-45).")]
    [InlineData("""{"dropout": 1e-40}""", "dropout: 1E-40 is too small for float32: it or its inverse (the scale of a kept unit) is infinite in float32 (its largest value is 3.4E+38).")]
    [InlineData("""{"normalization": "groupnorm"}""", "normalization: Unknown normalization 'groupnorm': use none, batchnorm or layernorm.")]
    [InlineData("""{"update_rule": "lbfgs"}""", "update_rule: Unknown update rule 'lbfgs': use one of sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam, adagrad.")]
    public void ARunFoldersConfig_OutOfRange_NamesTheFileAndKey(string json, string message)
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("config.json"), json);
        var e = Assert.Throws<InvalidDataException>(() => RunFolder.ReadConfig(tmp.Path));
        Assert.Equal($"{Path.Combine(tmp.Path, "config.json")}: {message}", e.Message);
    }

    [Theory]
    [InlineData("fc", new[] { 1000, 1000 }, "batchnorm")]   // the main job's: 1,800,010
    [InlineData("fc", new[] { 30, 20, 10 }, "layernorm")]
    [InlineData("fc", new[] { 50 }, "none")]
    [InlineData("fc", new int[0], "batchnorm")]                // a softmax classifier: nothing to normalise
    [InlineData("twolayer", new[] { 40 }, "none")]
    public void ParameterCount_IsTheBuiltModelsTotalSize(string model, int[] hidden, string normalization)
    {
        // Counted from the configuration for the memory check and gradcheck's notice, before any model exists.
        var config = TrainConfig.DefaultFor("fashion-mnist") with { Model = model, Hidden = hidden, Normalization = normalization, Dropout = 1 };
        var built = ModelFactory.Create<float>(config, 784, 10, new Backprop.Tensors.NumpyRandom(0));
        Assert.Equal(built.Params.TotalSize, ModelFactory.ParameterCount(config, 784, 10));
    }

    [Fact]
    public void Validate_NamesTheKey_NotACommandLineOption()
    {
        var e = Assert.Throws<ConfigValueException>(() => (TrainConfig.DefaultFor("cifar10") with { LearningRate = -1 }).Validate());
        Assert.Equal(("learning_rate", "must be a positive number, got -1."), (e.Key, e.Problem));
        Assert.Equal("learning_rate: must be a positive number, got -1.", e.Message);
        Assert.Equal("learning_rate", e.ParamName);
    }

    [Theory]
    [InlineData("loss")]
    [InlineData("val_acc")]
    public void AHistoryWithANullList_NamesTheFileAndKey(string key)
    {
        using var tmp = new TempDir();
        var path = tmp.File("history.json");
        var lists = new[] { "loss", "train_acc", "val_acc", "learning_rate" }.Select(k => $"\"{k}\": {(k == key ? "null" : "[0.5]")}");
        File.WriteAllText(path, "{" + string.Join(", ", lists) + "}");
        var e = Assert.Throws<InvalidDataException>(() => RunHistory.Load(path));
        Assert.StartsWith($"{path}: ", e.Message);
        Assert.Contains($"$.{key}", e.Message);
        Assert.DoesNotContain("nullability annotation", e.Message);
    }

    [Theory]
    [InlineData("loss")]
    [InlineData("train_acc")]
    [InlineData("status")]
    public void AHistoryWithoutAKey_NamesTheFileAndKey_BeforePlotReadsIt(string key)
    {
        // A key the file lacks read as null (not the initializer's []), and plot failed with a NullReferenceException.
        using var tmp = new TempDir();
        var path = tmp.File("history.json");
        var keys = new[] { "loss", "train_acc", "val_acc", "learning_rate" }.Select(k => $"\"{k}\": [0.5]").Append("\"status\": \"completed\"")
            .Where(k => !k.StartsWith($"\"{key}\"", StringComparison.Ordinal));
        File.WriteAllText(path, "{" + string.Join(", ", keys) + "}");
        var e = Assert.Throws<InvalidDataException>(() => RunHistory.Load(path));
        Assert.Equal($"{path}: no '{key}'.", e.Message);
        Assert.Throws<InvalidDataException>(() => RunPlots.Redraw(tmp.Path));
    }

    [Fact]
    public void ASummaryOrSearchResultsWithoutAKey_NamesTheFileAndKey_ButAnOlderResultsFileLoads()
    {
        using var tmp = new TempDir();
        var summary = tmp.File("summary.json");
        File.WriteAllText(summary, "{}");
        Assert.Equal($"{summary}: no 'run_dir'.", Assert.Throws<InvalidDataException>(() => RunSummary.Load(summary)).Message);
        File.WriteAllText(summary, new RunSummary { Status = RunStatus.Completed }.ToJsonLine().Replace("\"files\":[]", "\"files\":[null]"));
        Assert.Equal($"{summary}: 'files[0]' is null.", Assert.Throws<InvalidDataException>(() => RunSummary.Load(summary)).Message);

        var results = tmp.File("results.json");
        const string trial = "{\"trial\": 0, \"values\": {\"reg\": 0.1}, \"learning_rate\": 0.001, \"weight_scale\": 0.01, \"status\": \"completed\"}";
        File.WriteAllText(results, $"{{\"search_dir\": \"s\", \"trials\": [{trial}], \"interrupted\": false}}");
        Assert.Equal($"{results}: no 'trials[0].run'.", Assert.Throws<InvalidDataException>(() => SearchResult.Load(results)).Message);
        // Written before ranges and dataset were recorded: those two may be missing.
        File.WriteAllText(results, $"{{\"search_dir\": \"s\", \"trials\": [{"{\"run\": \"trial-000\", " + trial[1..]}], \"interrupted\": false}}");
        var old = SearchResult.Load(results);
        Assert.Equal(("", 0, "trial-000"), (old.Dataset, old.Ranges.Count, old.Trials[0].Run));
    }

    [Fact]
    public void AHistoryWithAccuracyRecordsOfDifferentCounts_IsRefused_NamingTheFile()
    {
        // A search resumed reads each finished trial's training accuracy at its best validation accuracy's index:
        // with more validation records than training ones that index was out of range, and the trial "failed".
        using var tmp = new TempDir();
        var path = tmp.File("history.json");
        File.WriteAllText(path, """{"loss": [1.0], "train_acc": [0.1], "val_acc": [0.1, 0.9], "learning_rate": [0.001, 0.001], "status": "completed"}""");
        Assert.Equal($"{path}: it holds 1 training accuracies, 2 validation accuracies and 2 learning rates; a run records one of each at every accuracy check.",
            Assert.Throws<InvalidDataException>(() => RunHistory.Load(path)).Message);
    }
}
