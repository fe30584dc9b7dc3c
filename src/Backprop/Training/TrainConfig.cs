using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>
/// Everything that defines a training run, by the names of the <c>backprop train</c> options (and of
/// <c>config.json</c>): data, architecture, update rule and schedule, dtype and seed. Saved with every run so it can be
/// repeated exactly.
/// </summary>
public sealed record TrainConfig
{
    /// <summary>cifar10, fashion-mnist or mnist.</summary>
    [JsonPropertyName("dataset")] public string Dataset { get; init; } = "cifar10";

    /// <summary>fc (FullyConnectedNet) or twolayer (the modular TwoLayerNet; its hidden size is the single entry of <see cref="Hidden"/>).</summary>
    [JsonPropertyName("model")] public string Model { get; init; } = "fc";

    /// <summary>Hidden layer sizes.</summary>
    [JsonPropertyName("hidden")] public int[] Hidden { get; init; } = [500, 500, 500];

    /// <summary>none, batchnorm or layernorm.</summary>
    [JsonPropertyName("normalization")] public string Normalization { get; init; } = "batchnorm";

    /// <summary>Dropout keep probability (1 = none).</summary>
    [JsonPropertyName("dropout")] public double Dropout { get; init; } = 1.0;

    /// <summary>L2 strength (0.5·reg·ΣW²).</summary>
    [JsonPropertyName("reg")] public double Reg { get; init; }

    /// <summary>Standard deviation of the initial weights.</summary>
    [JsonPropertyName("weight_scale")] public double WeightScale { get; init; } = 1e-2;

    /// <summary>sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam or adagrad.</summary>
    [JsonPropertyName("update_rule")] public string UpdateRule { get; init; } = "adam";

    /// <summary>Initial learning rate.</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning-rate factor applied after every epoch.</summary>
    [JsonPropertyName("lr_decay")] public double LrDecay { get; init; } = 0.9;

    /// <summary>Number of epochs.</summary>
    [JsonPropertyName("epochs")] public int Epochs { get; init; } = 10;

    /// <summary>Minibatch size.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 100;

    /// <summary>Training images (the first rows of the training set); null = the data set's default.</summary>
    [JsonPropertyName("num_train")] public int? NumTrain { get; init; }

    /// <summary>Validation images (the rows after the training ones); null = the data set's default.</summary>
    [JsonPropertyName("num_val")] public int? NumVal { get; init; }

    /// <summary>Test images (the first rows of the test set); null = all the data set has, up to its default.</summary>
    [JsonPropertyName("num_test")] public int? NumTest { get; init; }

    /// <summary>float32 or float64.</summary>
    [JsonPropertyName("dtype")] public string Dtype { get; init; } = "float32";

    /// <summary>Seed of the generator for weights, dropout masks and minibatches.</summary>
    [JsonPropertyName("seed")] public uint Seed { get; init; }

    /// <summary>Training images subsampled for each training-accuracy check.</summary>
    [JsonPropertyName("num_train_samples")] public int? NumTrainSamples { get; init; } = 1000;

    /// <summary>
    /// The best configuration measured for each data set (see README.md, "Accuracy"): what <c>backprop train</c>
    /// trains when no option is given.
    /// </summary>
    public static TrainConfig DefaultFor(string dataset) => Canonical(dataset) switch
    {
        // Measured (README "Accuracy", row fashion-default): 90.6 ± 0.4% test over three seeds, about 2 minutes on 2 cores.
        "fashion-mnist" or "mnist" => new TrainConfig
        {
            Dataset = Canonical(dataset), Hidden = [1000, 1000], Normalization = "batchnorm", Dropout = 0.7,
            UpdateRule = "adam", LearningRate = 1e-3, LrDecay = 0.92, Epochs = 30, BatchSize = 100, WeightScale = 1e-2,
        },
        // The Optimization notebook's recipe (seed 004): 56.6% test on the full CIFAR-10.
        _ => new TrainConfig
        {
            Dataset = "cifar10", Hidden = [500, 500, 500], Normalization = "batchnorm", Dropout = 1.0,
            UpdateRule = "adam", LearningRate = 1e-3, LrDecay = 0.9, Epochs = 10, BatchSize = 100, WeightScale = 1e-2,
        },
    };

    /// <summary>The canonical data set name: cifar10, fashion-mnist or mnist.</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static string Canonical(string dataset) => dataset?.Trim().ToLowerInvariant() switch
    {
        "cifar10" or "cifar-10" or "cifar" => "cifar10",
        "fashion-mnist" or "fashion_mnist" or "fashionmnist" or "fashion" => "fashion-mnist",
        "mnist" => "mnist",
        _ => throw new ArgumentException($"Unknown dataset '{dataset}': use cifar10, fashion-mnist or mnist.", nameof(dataset)),
    };

    /// <summary>True for float64, false for float32.</summary>
    [JsonIgnore]
    public bool IsFloat64 => Dtype?.Trim().ToLowerInvariant() switch
    {
        null => throw new ConfigValueException("dtype", "missing: use float32 or float64."),
        "float32" or "float" or "single" => false,
        "float64" or "double" => true,
        _ => throw new ConfigValueException("dtype", $"Unknown dtype '{Dtype}': use float32 or float64."),
    };

    /// <summary>
    /// Checks every value; throws <see cref="ConfigValueException"/> naming the key and the value (an unknown data set,
    /// dtype, normalization or update rule too: a config.json with "update_rule": "foo" was refused without its key).
    /// </summary>
    public TrainConfig Validate()
    {
        // A JSON null reaches these as null; named here rather than failing inside the parsers below.
        if (Dataset is null) throw new ConfigValueException("dataset", "missing: use cifar10, fashion-mnist or mnist.");
        if (Model is null) throw new ConfigValueException("model", "missing: use fc or twolayer.");
        if (UpdateRule is null) throw new ConfigValueException("update_rule", $"missing: use one of {string.Join(", ", UpdateRules.Names)}.");
        Keyed("dataset", () => Canonical(Dataset));
        _ = IsFloat64;
        if (Model is not ("fc" or "twolayer")) throw new ConfigValueException("model", $"Unknown model '{Model}': use fc or twolayer.");
        if (Hidden is null) throw new ConfigValueException("hidden", "missing: give the hidden layer sizes ([] for a softmax classifier).");
        if (Model == "twolayer" && Hidden.Length != 1)
            throw new ConfigValueException("hidden", $"the twolayer model takes exactly one hidden size, got {Hidden.Length}.");
        foreach (var h in Hidden)
            if (h <= 0) throw new ConfigValueException("hidden", $"layer sizes must be positive, got {h}.");
        if (Normalization is null) throw new ConfigValueException("normalization", "missing: use none, batchnorm or layernorm.");
        Keyed("normalization", () => NormalizationNames.Parse(Normalization));
        if (Model == "twolayer" && NormalizationNames.Parse(Normalization) != Models.Normalization.None)
            throw new ConfigValueException("normalization", "the twolayer model has no normalization; use normalization none, or model fc.");
        if (!(Dropout > 0 && Dropout <= 1)) throw new ConfigValueException("dropout", $"the keep probability must lie in (0, 1], got {F(Dropout)}.");
        if (Dropout < 1 && (Dtypes.Problem(Dropout, IsFloat64) ?? Dtypes.Problem(1 / Dropout, IsFloat64)) is { } keepProblem)
            throw new ConfigValueException("dropout", $"{F(Dropout)} is too small for float32: it or its inverse (the scale of a kept unit) {keepProblem}.");
        if (Model == "twolayer" && Dropout < 1)
            throw new ConfigValueException("dropout", $"the twolayer model has no dropout; use dropout 1, or model fc (got {F(Dropout)}).");
        if (!(Reg >= 0) || double.IsInfinity(Reg)) throw new ConfigValueException("reg", $"must be a finite number ≥ 0, got {F(Reg)}.");
        if (!(WeightScale > 0) || double.IsInfinity(WeightScale)) throw new ConfigValueException("weight_scale", $"must be a positive number, got {F(WeightScale)}.");
        // A value that is positive and finite as a double but 0 or infinite in the run's dtype (the model and the
        // update rule would refuse it after the data is read).
        if (Dtypes.Problem(Reg, IsFloat64, zeroAllowed: true) is { } regProblem) throw new ConfigValueException("reg", $"{F(Reg)} {regProblem}.");
        if (Dtypes.Problem(WeightScale, IsFloat64) is { } wsProblem) throw new ConfigValueException("weight_scale", $"{F(WeightScale)} {wsProblem}.");
        Keyed("update_rule", () => UpdateRules.KeysOf(UpdateRule));
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ConfigValueException("learning_rate", $"must be a positive number, got {F(LearningRate)}.");
        if (Dtypes.Problem(LearningRate, IsFloat64) is { } lrProblem) throw new ConfigValueException("learning_rate", $"{F(LearningRate)} {lrProblem}.");
        if (!(LrDecay > 0) || double.IsInfinity(LrDecay)) throw new ConfigValueException("lr_decay", $"must be a positive number, got {F(LrDecay)}.");
        if (Epochs <= 0) throw new ConfigValueException("epochs", $"must be positive, got {Epochs}.");
        // As the Solver will (it decays after every epoch), said now, before any data is read or folder made.
        double last = LearningRate * Math.Pow(LrDecay, Epochs);
        if (!(last > 0) || double.IsInfinity(last))
            throw new ConfigValueException("lr_decay", $"{F(LrDecay)} over {Epochs} epochs takes the learning rate {F(LearningRate)} to {F(last)}; use a decay nearer 1, or fewer epochs.");
        if (BatchSize <= 0) throw new ConfigValueException("batch_size", $"must be positive, got {BatchSize}.");
        if (BatchSize < 2 && NormalizationNames.Parse(Normalization) == Models.Normalization.BatchNorm)
            throw new ConfigValueException("batch_size", $"batch normalization needs at least 2 samples per batch, got {BatchSize}.");
        if (NumTrain is <= 0) throw new ConfigValueException("num_train", $"must be positive, got {NumTrain}.");
        if (NumVal is <= 0) throw new ConfigValueException("num_val", $"must be positive, got {NumVal}.");
        if (NumTest is < 0) throw new ConfigValueException("num_test", $"must be ≥ 0, got {NumTest}.");
        if (NumTrainSamples is <= 0) throw new ConfigValueException("num_train_samples", $"must be positive, got {NumTrainSamples}.");
        return this;
    }

    /// <summary>Runs a parser of a named value, its refusal said of the key (the parser's words, without .NET's "(Parameter …)").</summary>
    private static void Keyed<TResult>(string key, Func<TResult> parse)
    {
        try
        {
            parse();
        }
        catch (ArgumentException e) when (e is not ConfigValueException)
        {
            string suffix = $" (Parameter '{e.ParamName}')";
            throw new ConfigValueException(key, e.ParamName is not null && e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message);
        }
    }

    /// <summary>The Solver options this configuration implies (quiet unless <paramref name="output"/> is given).</summary>
    public SolverOptions ToSolverOptions(TextWriter? output = null, int printEvery = 100) => new()
    {
        UpdateRule = UpdateRule,
        OptimConfig = new Dictionary<string, double> { ["learning_rate"] = LearningRate },
        LrDecay = LrDecay,
        BatchSize = BatchSize,
        NumEpochs = Epochs,
        NumTrainSamples = NumTrainSamples,
        PrintEvery = printEvery,
        Verbose = output is not null,
        Output = output,
    };

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        TypeInfoResolver = RunJsonContext.Default,
    };

    private static readonly JsonTypeInfo<TrainConfig> JsonInfo = (JsonTypeInfo<TrainConfig>)Json.GetTypeInfo(typeof(TrainConfig));

    /// <summary>The configuration as indented JSON (<c>config.json</c>).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonInfo);

    /// <summary>
    /// Reads a configuration; keys not given keep the data set's defaults (the file's <c>dataset</c>, else
    /// <paramref name="fallbackDataset"/>). Unknown keys and wrong types are an <see cref="InvalidDataException"/>
    /// naming the key.
    /// </summary>
    public static TrainConfig FromJson(string json, string source = "config", string fallbackDataset = "cifar10")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(fallbackDataset);
        if (string.IsNullOrWhiteSpace(json)) throw new InvalidDataException($"{source}: the file is empty; expected a JSON object such as {{\"epochs\": 5}}.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object.");
            bool named = doc.RootElement.TryGetProperty("dataset", out var d);
            if (named && d.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{source}: dataset: expected a name (cifar10, fashion-mnist or mnist), got {d.GetRawText()}.");
            string dataset = named ? d.GetString()! : fallbackDataset;
            // Start from the data set's defaults and overlay the keys present.
            TrainConfig defaults;
            try
            {
                defaults = DefaultFor(dataset);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: dataset: {e.Message.Replace(" (Parameter 'dataset')", "")}", e);
            }
            var merged = JsonSerializer.SerializeToNode(defaults, JsonInfo)!.AsObject();
            var seen = new HashSet<string>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(p.Name)) throw new InvalidDataException($"{source}: the key '{p.Name}' is given twice.");
                if (!merged.ContainsKey(p.Name))
                    throw new InvalidDataException($"{source}: unknown key '{p.Name}'; the keys are {string.Join(", ", merged.Select(k => k.Key))}.");
                merged[p.Name] = System.Text.Json.Nodes.JsonNode.Parse(p.Value.GetRawText());
            }
            try
            {
                return merged.Deserialize(JsonInfo) ?? throw new InvalidDataException($"{source}: empty configuration.");
            }
            catch (JsonException e)
            {
                // The position in e.Message is in the merged text, not the user's file: name the key and its value instead.
                string key = (e.Path ?? "$").TrimStart('$', '.');
                string top = key.Split('[', '.')[0];
                string given = doc.RootElement.TryGetProperty(top, out var v) ? v.GetRawText() : "?";
                string where = key == top ? $"{key} = {given}" : $"{key} (in {top} = {given})";
                throw new InvalidDataException($"{source}: {where}: expected {Expected(top, element: key != top)}.", e);
            }
        }
    }

    /// <summary>What the value of <paramref name="key"/> (or of an element of it) should be, from the property's type.</summary>
    private static string Expected(string key, bool element)
    {
        var type = RunJsonContext.Default.TrainConfig.Properties.FirstOrDefault(p => p.Name == key)?.PropertyType;
        if (type is null) return "a value of another type";
        if (element && type.IsArray) type = type.GetElementType()!;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(int[]) ? "a list of integers"
            : type == typeof(int) ? "an integer"
            : type == typeof(uint) ? "an integer from 0 to 4294967295"
            : type == typeof(double) ? "a number"
            : type == typeof(string) ? "a string"
            : type == typeof(bool) ? "true or false"
            : "a value of another type";
    }

    private static string F(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
