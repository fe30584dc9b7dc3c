using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>
/// Everything a <see cref="Solver{T}"/> needs to continue a run exactly where it stopped, in one <c>.npz</c> written
/// atomically: the model's parameters and buffers, the best ones so far, every update rule's state and learning rate,
/// the generators' states, the counters and the histories. (CS231n's checkpoints keep neither optimizer state nor best
/// parameters, so a resumed run there is not the run it continues; here it is, bit for bit.)
/// </summary>
/// <remarks>
/// Layout: <c>model/W1</c> …, <c>best/W1</c> …, <c>optim/W1/m</c> …, <c>rng/solver</c> and <c>rng/dropout</c> (MT19937
/// keys), <c>history/loss</c> and friends, and <c>meta</c>: UTF-8 JSON (counters, learning rates, step counts,
/// generator positions and the run's configuration) stored as a uint8 array.
/// </remarks>
public static class Checkpoint
{
    private const string Format = "backprop-checkpoint";
    private const int Version = 1;

    /// <summary>
    /// Writes the solver's complete state to <paramref name="path"/>; <paramref name="config"/> and the folder of the
    /// data it trains on (<paramref name="dataFolder"/>) are stored alongside when given.
    /// </summary>
    public static void Save<T>(Solver<T> solver, string path, TrainConfig? config = null, string? dataFolder = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(solver);
        var arrays = new List<KeyValuePair<string, NpyArray>>();
        void Add(string name, Array data, params int[] shape) => arrays.Add(new(name, new NpyArray(data, shape)));
        void AddSet(string prefix, ParameterSet<T> set)
        {
            foreach (var (k, v) in set) arrays.Add(new($"{prefix}/{k}", NpyArray.FromNDArray(v)));
        }

        AddSet("model", solver.Model.Params);
        AddSet("model", solver.Model.Buffers);
        AddSet("best", solver.BestParams);
        AddSet("best", solver.BestBuffers);
        var optim = new JsonObject();
        foreach (var (name, rule) in solver.UpdateRules)
        {
            foreach (var (s, a) in rule.State) arrays.Add(new($"optim/{name}/{s}", NpyArray.FromNDArray(a)));
            var o = new JsonObject { ["learning_rate"] = rule.LearningRate };
            if (rule is Adam<T> adam) o["t"] = adam.TimeStep;
            optim[name] = o;
        }
        Add("history/loss", solver.LossHistory.ToArray(), solver.LossHistory.Count);
        Add("history/train_acc", solver.TrainAccHistory.ToArray(), solver.TrainAccHistory.Count);
        Add("history/val_acc", solver.ValAccHistory.ToArray(), solver.ValAccHistory.Count);
        Add("history/learning_rate", solver.LearningRateHistory.ToArray(), solver.LearningRateHistory.Count);

        var rngs = new JsonObject { ["solver"] = SaveRng(solver.Rng, "rng/solver", arrays) };
        var dropoutRng = DropoutRng(solver.Model);
        if (dropoutRng is not null && !ReferenceEquals(dropoutRng, solver.Rng))
            rngs["dropout"] = SaveRng(dropoutRng, "rng/dropout", arrays);

        var meta = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["dtype"] = typeof(T) == typeof(float) ? "float32" : "float64",
            ["iteration"] = solver.Iteration,
            ["epoch"] = solver.Epoch,
            ["num_iterations"] = solver.NumIterations,
            ["update_rule"] = solver.Options.UpdateRule,
            ["best_val_acc"] = solver.BestValAcc,
            ["optim"] = optim,
            ["rng"] = rngs,
        };
        if (config is not null) meta["config"] = JsonNode.Parse(config.ToJson());
        if (dataFolder is not null) meta["data_folder"] = dataFolder;
        var json = Encoding.UTF8.GetBytes(meta.ToJsonString());
        Add("meta", json, json.Length);
        Npz.Save(path, arrays);
    }

    /// <summary>The configuration stored in a checkpoint, if any.</summary>
    /// <exception cref="InvalidDataException">The file is not a Backprop checkpoint.</exception>
    public static TrainConfig? ReadConfig(string path) => Guarded(path, () =>
    {
        var meta = ReadMeta(Npz.Load(path), path);
        return meta["config"] is JsonNode c ? TrainConfig.FromJson(c.ToJsonString(), path) : null;
    });

    /// <summary>The data set and the folder of the data the run trained on, as stored in a checkpoint (each null if not stored).</summary>
    /// <exception cref="InvalidDataException">The file is not a Backprop checkpoint.</exception>
    public static (string? Dataset, string? Folder) ReadDataSource(string path) => Guarded(path, () =>
    {
        var meta = ReadMeta(Npz.Load(path), path);
        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) ? text : null;
        return (Text(meta["config"]?["dataset"]), Text(meta["data_folder"]));
    });

    /// <summary>
    /// Restores a solver (built with the same model architecture, data and options) to the state saved in
    /// <paramref name="path"/>; <see cref="Solver{T}.Train"/> then continues the interrupted run.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, or was written for another model, dtype or schedule.</exception>
    public static void Restore<T>(Solver<T> solver, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(solver);
        Guarded(path, () => { RestoreCore(solver, path); return 0; });
    }

    // A checkpoint is a file from disk: JSON of the wrong type surfaces as InvalidDataException, not a cast error.
    private static TResult Guarded<TResult>(string path, Func<TResult> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or OverflowException)
        {
            throw Bad(path, $"malformed metadata ({e.Message})");
        }
    }

    private static void RestoreCore<T>(Solver<T> solver, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var arrays = Npz.Load(path);
        var meta = ReadMeta(arrays, path);
        string dtype = typeof(T) == typeof(float) ? "float32" : "float64";
        if ((string?)meta["dtype"] != dtype)
            throw new InvalidDataException($"{path}: the checkpoint holds {(string?)meta["dtype"]} parameters; this run uses {dtype}.");
        if ((int?)meta["num_iterations"] != solver.NumIterations || (string?)meta["update_rule"] != solver.Options.UpdateRule)
            throw new InvalidDataException($"{path}: the checkpoint was written for {(int?)meta["num_iterations"]} iterations of {(string?)meta["update_rule"]}; " +
                $"this run has {solver.NumIterations} of {solver.Options.UpdateRule}. Resume with the run's own config.json.");

        LoadSet(arrays, "model", solver.Model.Params, path, required: true);
        LoadSet(arrays, "model", solver.Model.Buffers, path, required: true);
        solver.BestParams = LoadPrefix<T>(arrays, "best", solver.Model.Params);
        solver.BestBuffers = LoadPrefix<T>(arrays, "best", solver.Model.Buffers);

        var optim = meta["optim"] as JsonObject ?? throw Bad(path, "no optimizer state");
        foreach (var (name, rule) in solver.UpdateRules)
        {
            var o = optim[name] as JsonObject ?? throw Bad(path, $"no optimizer state for '{name}'");
            rule.LearningRate = (double?)o["learning_rate"] ?? throw Bad(path, $"no learning rate for '{name}'");
            if (rule is Adam<T> adam) adam.TimeStep = (int?)o["t"] ?? 0;
            foreach (var s in rule.StateNames)
                if (arrays.TryGetValue($"optim/{name}/{s}", out var a))
                {
                    var value = a.ToNDArray<T>();
                    if (!value.SameShape(solver.Model.Params[name]))
                        throw Bad(path, $"optimizer state {name}/{s} has shape {value.ShapeString}, the parameter {solver.Model.Params[name].ShapeString}");
                    rule.SetState(s, value);
                }
        }

        Refill(solver.LossHistory, arrays, "history/loss", path);
        Refill(solver.TrainAccHistory, arrays, "history/train_acc", path);
        Refill(solver.ValAccHistory, arrays, "history/val_acc", path);
        Refill(solver.LearningRateHistory, arrays, "history/learning_rate", path);
        solver.Iteration = (int?)meta["iteration"] ?? throw Bad(path, "no iteration");
        solver.Epoch = (int?)meta["epoch"] ?? throw Bad(path, "no epoch");
        solver.BestValAcc = (double?)meta["best_val_acc"] ?? 0;
        if (solver.Iteration < 0 || solver.Iteration > solver.NumIterations || solver.LossHistory.Count != solver.Iteration)
            throw Bad(path, $"iteration {solver.Iteration} does not match its {solver.LossHistory.Count} recorded losses");

        var rngs = meta["rng"] as JsonObject ?? throw Bad(path, "no generator state");
        RestoreRng(solver.Rng, rngs["solver"], arrays, "rng/solver", path);
        var dropoutRng = DropoutRng(solver.Model);
        if (dropoutRng is not null && !ReferenceEquals(dropoutRng, solver.Rng))
            RestoreRng(dropoutRng, rngs["dropout"], arrays, "rng/dropout", path);
    }

    private static NumpyRandom? DropoutRng<T>(IModel<T> model) where T : unmanaged, IFloatingPointIeee754<T>
        => (model as FullyConnectedNet<T>)?.Dropout?.Rng;

    private static JsonObject SaveRng(NumpyRandom rng, string name, List<KeyValuePair<string, NpyArray>> arrays)
    {
        var s = rng.GetState();
        arrays.Add(new(name, new NpyArray(s.Key.Select(k => (long)k).ToArray(), s.Key.Length)));
        return new JsonObject { ["pos"] = s.Position, ["has_gauss"] = s.HasGauss, ["gauss"] = s.CachedGauss };
    }

    private static void RestoreRng(NumpyRandom rng, JsonNode? node, IReadOnlyDictionary<string, NpyArray> arrays, string name, string path)
    {
        if (node is not JsonObject o || !arrays.TryGetValue(name, out var key)) throw Bad(path, $"no state for generator {name}");
        var words = key.ToInt64Array();
        if (words.Any(w => w is < 0 or > uint.MaxValue)) throw Bad(path, $"{name} holds values outside 32 bits");
        try
        {
            rng.SetState(new RandomStateSnapshot(words.Select(w => (uint)w).ToArray(), (int?)o["pos"] ?? -1, (bool?)o["has_gauss"] ?? false, (double?)o["gauss"] ?? 0));
        }
        catch (ArgumentException e)
        {
            throw Bad(path, e.Message);
        }
    }

    private static void LoadSet<T>(IReadOnlyDictionary<string, NpyArray> arrays, string prefix, ParameterSet<T> into, string path, bool required)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (k, v) in into)
        {
            if (!arrays.TryGetValue($"{prefix}/{k}", out var a))
            {
                if (required) throw Bad(path, $"no array {prefix}/{k}: it was written for another model");
                continue;
            }
            if (!a.Shape.SequenceEqual(v.Shape)) throw Bad(path, $"{prefix}/{k} has shape {a.ShapeString}, the model's is {v.ShapeString}");
            v.CopyFrom(a.ToNDArray<T>());
        }
    }

    private static ParameterSet<T> LoadPrefix<T>(IReadOnlyDictionary<string, NpyArray> arrays, string prefix, ParameterSet<T> like)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var set = new ParameterSet<T>();
        foreach (var (k, v) in like)
            if (arrays.TryGetValue($"{prefix}/{k}", out var a) && a.Shape.SequenceEqual(v.Shape)) set[k] = a.ToNDArray<T>();
        return set;
    }

    private static void Refill(List<double> list, IReadOnlyDictionary<string, NpyArray> arrays, string name, string path)
    {
        if (!arrays.TryGetValue(name, out var a) || a.Data is not double[] values) throw Bad(path, $"no float64 array {name}");
        list.Clear();
        list.AddRange(values);
    }

    private static JsonObject ReadMeta(IReadOnlyDictionary<string, NpyArray> arrays, string path)
    {
        if (!arrays.TryGetValue("meta", out var m) || m.Data is not byte[] bytes) throw Bad(path, "not a Backprop checkpoint (no 'meta' entry)");
        JsonObject meta;
        try
        {
            meta = JsonNode.Parse(bytes) as JsonObject ?? throw Bad(path, "'meta' is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(path, $"'meta' is not valid JSON ({e.Message})");
        }
        if ((string?)meta["format"] != Format) throw Bad(path, "not a Backprop checkpoint");
        if ((int?)meta["version"] != Version) throw Bad(path, $"checkpoint version {(int?)meta["version"]} is not supported (this build reads {Version})");
        return meta;
    }

    private static InvalidDataException Bad(string path, string what) => new($"{path}: {what}.");
}
