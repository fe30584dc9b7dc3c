using System.CommandLine;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary>
/// The options that map one to one onto <see cref="TrainConfig"/> (shared by <c>train</c>, <c>search</c> and
/// <c>gradcheck</c>), read as text and parsed here so that every bad value gives one line naming the option. Numeric
/// options of <c>search</c> may also be ranges <c>lo:hi[:log]</c>.
/// </summary>
internal sealed class TrainOptions
{
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "cifar10, fashion-mnist or mnist (default: chosen from the data found; see 'backprop data info')", HelpName = "NAME" };
    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Data folder (default $BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else " + DataLocations.DefaultFolderText + ")", HelpName = "DIR", CustomParser = UserPath.Parse };
    public Option<string?> Model { get; } = new("--model") { Description = "fc (FullyConnectedNet) or twolayer (TwoLayerNet)", HelpName = "fc|twolayer" };
    public Option<string?> Hidden { get; } = new("--hidden") { Description = "Hidden layer sizes, e.g. 500,500,500", HelpName = "SIZES" };
    public Option<string?> Normalization { get; } = new("--normalization") { Description = "none, batchnorm or layernorm", HelpName = "KIND" };
    public Option<string?> Dropout { get; } = new("--dropout") { Description = "Dropout keep probability in (0, 1]; 1 = no dropout", HelpName = "KEEP" };
    public Option<string?> Reg { get; } = new("--reg") { Description = "L2 regularisation strength (0.5·reg·ΣW²)", HelpName = "R" };
    public Option<string?> WeightScale { get; } = new("--weight-scale") { Description = "Standard deviation of the initial weights", HelpName = "S" };
    public Option<string?> UpdateRule { get; } = new("--update-rule") { Description = "sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam or adagrad", HelpName = "RULE" };
    public Option<string?> LearningRate { get; } = new("--learning-rate") { Description = "Initial learning rate", HelpName = "LR" };
    public Option<string?> LrDecay { get; } = new("--lr-decay") { Description = "Learning-rate factor applied after every epoch", HelpName = "F" };
    public Option<string?> Epochs { get; } = new("--epochs") { Description = "Number of epochs", HelpName = "N" };
    public Option<string?> BatchSize { get; } = new("--batch-size") { Description = "Minibatch size", HelpName = "N" };
    public Option<string?> NumTrain { get; } = new("--num-train") { Description = "Training images (default: 49000 CIFAR-10, 59000 (Fashion-)MNIST, or what the folder holds)", HelpName = "N" };
    public Option<string?> NumVal { get; } = new("--num-val") { Description = "Validation images, taken after the training ones (default 1000)", HelpName = "N" };
    public Option<string?> NumTest { get; } = new("--num-test") { Description = "Test images (default: 1000 CIFAR-10, 10000 (Fashion-)MNIST)", HelpName = "N" };
    public Option<string?> Dtype { get; } = new("--dtype") { Description = "float32 or float64", HelpName = "TYPE" };
    public Option<string?> Seed { get; } = new("--seed") { Description = "Seed of weights, dropout masks and minibatches (default 0)", HelpName = "N" };
    public Option<string?> Config { get; } = new("--config") { Description = "JSON file with the same names (e.g. a run's config.json); options given override it", HelpName = "FILE", CustomParser = UserPath.Parse };

    /// <summary>The options that set a <see cref="TrainConfig"/> value, with its config name.</summary>
    public IEnumerable<(Option<string?> Option, string Key)> ConfigOptions =>
    [
        (Dataset, "dataset"), (Model, "model"), (Hidden, "hidden"), (Normalization, "normalization"), (Dropout, "dropout"),
        (Reg, "reg"), (WeightScale, "weight_scale"), (UpdateRule, "update_rule"), (LearningRate, "learning_rate"),
        (LrDecay, "lr_decay"), (Epochs, "epochs"), (BatchSize, "batch_size"), (NumTrain, "num_train"), (NumVal, "num_val"),
        (NumTest, "num_test"), (Dtype, "dtype"), (Seed, "seed"),
    ];

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="withData">Include the data options (data set, folder, split sizes).</param>
    /// <param name="withTraining">Include the schedule's options (update rule, learning rate, decay, epochs).</param>
    public void AddTo(Command command, bool withData = true, bool withTraining = true)
    {
        foreach (var (o, key) in ConfigOptions)
            if ((withData || key is not ("dataset" or "num_train" or "num_val" or "num_test"))
                && (withTraining || key is not ("update_rule" or "learning_rate" or "lr_decay" or "epochs")))
                command.Options.Add(o);
        if (withData) command.Options.Add(DataDir);
        command.Options.Add(Config);
    }

    /// <summary>Names of the config options given on the command line (for <c>--resume</c>, which takes none).</summary>
    public IEnumerable<string> Given(ParseResult result) =>
        ConfigOptions.Select(p => p.Option).Append(Config).Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name);

    /// <summary>The data set asked for: <c>--dataset</c>, else the <c>dataset</c> of the <c>--config</c> file, else null (choose from the data found).</summary>
    public string? RequestedDataset(ParseResult result)
    {
        if (result.GetValue(Dataset) is { } given) return given;
        return ConfigFile(result, root => root.TryGetProperty("dataset", out var d) && d.ValueKind == System.Text.Json.JsonValueKind.String ? d.GetString() : null);
    }

    private (string Path, string Text)? _configFile;

    /// <summary>The <c>--config</c> file's text, read once however many times the options are built.</summary>
    private string ConfigText(string file)
    {
        if (_configFile is not { } read || read.Path != file)
        {
            try
            {
                RegularFile.Require(file, allowAnonymousPipe: true);   // a FIFO with no writer would wait forever; <(command) is fine
            }
            catch (InvalidDataException e)
            {
                throw new UsageException("--config " + e.Message);
            }
            _configFile = read = (file, File.ReadAllText(file));
        }
        return read.Text;
    }

    /// <summary>True when <paramref name="option"/> was given, or the <c>--config</c> file sets its key.</summary>
    public bool Chosen(ParseResult result, Option<string?> option) =>
        result.GetResult(option) is not null || ConfigFileKeys(result).Contains(ConfigOptions.Single(o => o.Option == option).Key);

    /// <summary>The keys the <c>--config</c> file sets (none without one).</summary>
    private HashSet<string> ConfigFileKeys(ParseResult result) =>
        ConfigFile(result, root => root.EnumerateObject().Select(p => p.Name).ToHashSet()) ?? [];

    /// <summary><paramref name="read"/> of the <c>--config</c> file's JSON object; null without a readable one.</summary>
    private TResult? ConfigFile<TResult>(ParseResult result, Func<System.Text.Json.JsonElement, TResult> read)
    {
        if (result.GetValue(Config) is not { } file || !File.Exists(file)) return default;
        var text = ConfigText(file);
        if (string.IsNullOrWhiteSpace(text)) return default;   // Build says it is empty
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(text, new System.Text.Json.JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object ? read(doc.RootElement) : default;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new UsageException($"--config {file}: {e.Message}");
        }
    }

    /// <summary>
    /// The configuration: <c>--config</c> (or the defaults of <paramref name="dataset"/>) overridden by the options given.
    /// With <paramref name="ranges"/>, numeric options written <c>lo:hi[:log]</c> are collected there instead, followed
    /// by <paramref name="defaultRanges"/>; every range is checked against the others and the fixed values.
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="dataset">The data set whose defaults apply when no --config file is given.</param>
    /// <param name="ranges">Where a search collects its ranges (null: no ranges allowed).</param>
    /// <param name="defaultRanges">A search's ranges for options not given.</param>
    /// <param name="commandDefaults">A command's own defaults (gradcheck's), applied before the values are checked.</param>
    public TrainConfig Build(ParseResult result, string dataset, List<SearchRange>? ranges = null, IEnumerable<SearchRange>? defaultRanges = null,
        Func<TrainConfig, TrainConfig>? commandDefaults = null)
    {
        if (result.GetValue(Dataset) is { } named)
        {
            try
            {
                TrainConfig.Canonical(named);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--dataset: {UsageException.MessageOf(e)}", e);
            }
        }
        TrainConfig config;
        if (result.GetValue(Config) is { } file)
        {
            if (Directory.Exists(file)) throw new UsageException($"--config: '{file}' is a folder; give the JSON file (a run's is '{Path.Combine(file, RunFiles.Config)}').");
            if (!File.Exists(file)) throw new UsageException($"--config: '{file}' does not exist.");
            try
            {
                config = TrainConfig.FromJson(ConfigText(file), file, dataset);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException("--config " + e.Message);
            }
        }
        else config = TrainConfig.DefaultFor(dataset);
        config = config with { Dataset = TrainConfig.Canonical(result.GetValue(Dataset) ?? config.Dataset) };

        foreach (var (option, key) in ConfigOptions)
        {
            if (result.GetValue(option) is not { } text || key == "dataset") continue;
            if (ranges is not null && text.Contains(':') && SearchRange.Searchable.Contains(key))
            {
                ranges.Add(SearchRange.Parse(key, text));
                continue;
            }
            string name = option.Name;
            config = key switch
            {
                "model" => config with { Model = Values.OneOf(name, text, "fc", "twolayer") },
                "hidden" => config with { Hidden = Values.IntList(name, text) },
                "normalization" => config with { Normalization = Values.OneOf(name, text, "none", "batchnorm", "layernorm") },
                "dropout" => config with { Dropout = Values.Double(name, text) },
                "reg" => config with { Reg = Values.Double(name, text) },
                "weight_scale" => config with { WeightScale = Values.Double(name, text) },
                "update_rule" => config with { UpdateRule = Values.OneOf(name, text, "sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam", "adagrad") },
                "learning_rate" => config with { LearningRate = Values.Double(name, text) },
                "lr_decay" => config with { LrDecay = Values.Double(name, text) },
                "epochs" => config with { Epochs = Values.Int(name, text) },
                "batch_size" => config with { BatchSize = Values.Int(name, text) },
                "num_train" => config with { NumTrain = Values.Int(name, text) },
                "num_val" => config with { NumVal = Values.Int(name, text) },
                "num_test" => config with { NumTest = Values.Int(name, text) },
                "dtype" => config with { Dtype = Values.OneOf(name, text, "float32", "float64") },
                _ => config with { Seed = Values.Seed(name, text) },
            };
        }
        if (ranges is not null && defaultRanges is not null) ranges.AddRange(defaultRanges);
        // Drawn in one fixed order (SearchRange.Searchable's), whichever were typed: spelling out a default range
        // (--weight-scale 1e-3:1e-1:log) drew it first and gave other trials than the same search left to its defaults.
        static int Order(SearchRange r)
        {
            for (int i = 0; i < SearchRange.Searchable.Count; i++) if (SearchRange.Searchable[i] == r.Name) return i;
            return SearchRange.Searchable.Count;
        }
        ranges?.Sort((a, b) => Order(a).CompareTo(Order(b)));
        if (config.Model == "twolayer")
        {
            // The data set's defaults are a deep net's (batch norm, dropout, two hidden layers); TwoLayerNet has one
            // hidden layer of its own default size (CS231n's hidden_dim = 100), neither of the others, and CS231n's
            // weight_scale 1e-3.
            // An option given as a search range is not a fixed value: the base takes the model's default, and the
            // range's own values are checked below (and named, rather than the data set's default they replaced).
            bool Fixed(Option<string?> o) => Chosen(result, o) && !(ranges is not null && result.GetValue(o) is { } t && t.Contains(':'));
            if (!Fixed(Normalization)) config = config with { Normalization = "none" };
            if (!Fixed(Dropout)) config = config with { Dropout = 1.0 };
            if (!Fixed(Hidden)) config = config with { Hidden = [100] };
            if (!Fixed(WeightScale)) config = config with { WeightScale = 1e-3 };
        }
        if (commandDefaults is not null) config = commandDefaults(config);
        try
        {
            // The fixed values first, so that a range is blamed only for what it brings.
            config.Validate();
            // Both ends of every search range must be values the run takes, and so must every corner of the ranges
            // together: a trial should not fail on a draw.
            switch (SearchRange.Unreachable(config, ranges ?? []))
            {
                case ({ } range, var e):
                    throw new UsageException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                        $"{RangeText(range)} reaches values the run does not take ({(e.Key == range.Name ? "" : e.Key + " ")}{e.Problem.TrimEnd('.')})."));
                case (null, var e):
                    throw new UsageException($"the search ranges ({string.Join(", ", ranges!.Select(RangeText))}) reach together values the run does not take ({e.Key} {e.Problem.TrimEnd('.')}).");
            }
            return config.Validate();
        }
        catch (ConfigValueException e)
        {
            throw Explain(result, e);
        }
    }

    private static string RangeText(SearchRange r) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"--{r.Name.Replace('_', '-')} {r.Low:g6}:{r.High:g6}{(r.Log ? ":log" : "")}");

    /// <summary>
    /// A configuration value refused (by <see cref="TrainConfig.Validate"/>, or by the data it meets), said of the
    /// option given for its key, else of <c>--config</c>'s file, else of the key.
    /// </summary>
    public UsageException Explain(ParseResult result, ConfigValueException e)
    {
        var given = ConfigOptions.FirstOrDefault(o => o.Key == e.Key && result.GetResult(o.Option) is not null).Option;
        if (given is not null) return new UsageException($"{given.Name}: {e.Problem}", e);
        if (result.GetValue(Config) is { } configFile) return new UsageException($"--config {configFile}: {e.Message}", e);
        return new UsageException(e.Message, e);
    }

    /// <summary>Runs <paramref name="call"/>, which reads the configuration; a value it refuses is explained as in <see cref="Explain"/>.</summary>
    public T Explaining<T>(ParseResult result, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ConfigValueException e)
        {
            throw Explain(result, e);
        }
    }
}
