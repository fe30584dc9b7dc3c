using System.Globalization;
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
        // Entries write the model's, the best and the rules' arrays from their own memory as the file is written: a
        // checkpoint of a large model adds no copy of it (the arrays do not change while Save runs).
        var arrays = new List<KeyValuePair<string, Action<Stream>>>();
        void Add(string name, Array data, params int[] shape) => arrays.Add(new(name, Npz.EntryOf(new NpyArray(data, shape))));
        void AddSet(string prefix, ParameterSet<T> set)
        {
            foreach (var (k, v) in set) arrays.Add(new($"{prefix}/{k}", Npz.EntryOf(v)));
        }

        AddSet("model", solver.Model.Params);
        AddSet("model", solver.Model.Buffers);
        AddSet("best", solver.BestParams);
        AddSet("best", solver.BestBuffers);
        var optim = new JsonObject();
        foreach (var (name, rule) in solver.UpdateRules)
        {
            foreach (var (s, a) in rule.State) arrays.Add(new($"optim/{name}/{s}", Npz.EntryOf(a)));
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
            ["update_rule"] = UpdateRules.Canonical(solver.Options.UpdateRule),
            ["best_val_acc"] = solver.BestValAcc,
            ["optim"] = optim,
            ["rng"] = rngs,
            ["schedule"] = Schedule(solver),
        };
        if (config is not null) meta["config"] = JsonNode.Parse(config.ToJson());
        if (dataFolder is not null) meta["data_folder"] = dataFolder;
        var json = Encoding.UTF8.GetBytes(meta.ToJsonString());
        Add("meta", json, json.Length);
        Npz.SaveEntries(path, arrays);
    }

    /// <summary>The configuration stored in a checkpoint, if any.</summary>
    /// <exception cref="InvalidDataException">The file is not a Backprop checkpoint.</exception>
    public static TrainConfig? ReadConfig(string path) => Guarded(path, () =>
    {
        var meta = ReadMeta(Npz.LoadOnly(path, "meta"), path);
        return meta["config"] is JsonNode c ? TrainConfig.FromJson(c.ToJsonString(), path) : null;
    });

    /// <summary>The data set and the folder of the data the run trained on, as stored in a checkpoint (each null if not stored).</summary>
    /// <exception cref="InvalidDataException">The file is not a Backprop checkpoint.</exception>
    public static (string? Dataset, string? Folder) ReadDataSource(string path) => Guarded(path, () =>
    {
        var meta = ReadMeta(Npz.LoadOnly(path, "meta"), path);
        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) ? text : null;
        return (Text(meta["config"]?["dataset"]), Text(meta["data_folder"]));
    });

    /// <summary>
    /// Restores a solver (built with the same model architecture, data and options) to the state saved in
    /// <paramref name="path"/>; <see cref="Solver{T}.Train"/> then continues the interrupted run.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint, or was written for another model, dtype or schedule: another number of iterations,
    /// update rule, hyperparameter, batch size, number of epochs, lr_decay, accuracy subsample, L2 strength or dropout;
    /// or it holds a state no run writes (NaN in the weights, statistics or update-rule state, a negative variance or
    /// second moment, an Adam step count other than the iterations, a non-finite loss, an accuracy outside [0, 1], or
    /// accuracy records of another count than the checks made). The learning rates are restored as saved.
    /// </exception>
    public static void Restore<T>(Solver<T> solver, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(solver);
        Guarded(path, () => { RestoreCore(solver, path); return 0; });
    }

    /// <summary>
    /// Loads only the model saved in a checkpoint into <paramref name="model"/> (as PyTorch's
    /// <c>model.load_state_dict(checkpoint['model'])</c>): its weights and running statistics at the step it was written
    /// (<paramref name="best"/>: the best-validation copy it keeps), without the update rule's state, the histories or the
    /// schedule. A new <see cref="Solver{T}"/> around the model then trains on under any options, e.g. for more epochs;
    /// <see cref="Restore{T}"/> continues the same run instead.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The file is not a checkpoint, holds no best copy (<paramref name="best"/>; one is kept after the first accuracy
    /// check), or its model is another architecture (a name missing or extra, a shape that differs) or holds NaN.
    /// </exception>
    public static void LoadModel<T>(IModel<T> model, string path, bool best = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Guarded(path, () =>
        {
            var arrays = Npz.Load(path);
            ReadMeta(arrays, path);   // a checkpoint's, not a model file's (ModelFile.Load reads those)
            string prefix = best ? "best/" : "model/";
            if (best && !arrays.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)))
                throw Bad(path, "holds no best copy of the model (one is kept after the first accuracy check); load its current model instead");
            var staged = ModelFile.Staged(arrays, model, path, prefix);
            var names = model.Params.Keys.Concat(model.Buffers.Keys).ToList();   // Staged's order: Params, then Buffers
            for (int i = 0; i < staged.Count; i++) CheckpointChecks.CheckArray(prefix + names[i], staged[i].Value, why => Bad(path, why));
            foreach (var (target, value) in staged) target.CopyFrom(value);
            return 0;
        });
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
        if ((string?)meta["dtype"] is not { } saved) throw Bad(path, "no dtype");
        if (saved != dtype)
            throw new InvalidDataException($"{path}: the checkpoint holds {saved} parameters; this run uses {dtype}.");
        // Compared as the rules' own names: "Adam" and "adam" are one rule (a file of an older build may hold either).
        string savedRule = (string?)meta["update_rule"] ?? "", runRule = UpdateRules.Canonical(solver.Options.UpdateRule);
        if (!string.Equals(savedRule.Trim(), runRule, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path}: the checkpoint was written for update rule {(string?)meta["update_rule"]}; this run uses {runRule}. " +
                "Build the solver as the run was built (a run of 'backprop train': from its config.json).");
        // The schedule first: it names what changed (epochs, batch size …) where the iteration count only differs.
        CheckSchedule(meta["schedule"] as JsonObject, solver, path);
        if ((int?)meta["num_iterations"] != solver.NumIterations)
            throw new InvalidDataException($"{path}: the checkpoint was written for {(int?)meta["num_iterations"]} iterations; this run has {solver.NumIterations} " +
                $"({solver.Options.NumEpochs} epochs of {solver.IterationsPerEpoch}: {solver.Data.XTrain.Dim(0)} training samples in batches of {solver.Options.BatchSize}). " +
                "Build the solver as the run was built, on the same training split (a run of 'backprop train': from its config.json).");

        // Everything is read and checked before anything is set, so a refused checkpoint leaves the solver as it was.
        var model = ModelFile.Staged(arrays, solver.Model, path, "model/");
        var (bestParams, bestBuffers) = LoadBest(arrays, solver.Model, path);
        Exception Refuse(string what) => Bad(path, what);
        foreach (var ((target, value), name) in model.Zip(solver.Model.Params.Keys.Concat(solver.Model.Buffers.Keys)))
            CheckpointChecks.CheckArray("model/" + name, value, Refuse);
        foreach (var (name, value) in bestParams.Concat(bestBuffers)) CheckpointChecks.CheckArray("best/" + name, value, Refuse);
        int iteration = (int?)meta["iteration"] ?? throw Bad(path, "no iteration");

        var optim = meta["optim"] as JsonObject ?? throw Bad(path, "no optimizer state");
        var rules = new List<(UpdateRule<T> Rule, double LearningRate, int Step, List<(string Name, NDArray<T> Value)> State)>();
        foreach (var (name, rule) in solver.UpdateRules)
        {
            var o = optim[name] as JsonObject ?? throw Bad(path, $"no optimizer state for '{name}'");
            double lr = (double?)o["learning_rate"] ?? throw Bad(path, $"no learning rate for '{name}'");
            if (!(lr > 0) || double.IsInfinity(lr)) throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"the learning rate of '{name}' is {lr}, not a positive number"));
            int t = (int?)o["t"] ?? 0;
            // A rule steps once an iteration (fused or not), so its count cannot pass the run's.
            if (t < 0 || t > iteration || (rule is Adam<T> && t != iteration))
                throw Bad(path, $"the step count of '{name}' is {t}, after {iteration} iterations (it steps once an iteration)");
            var state = new List<(string, NDArray<T>)>();
            foreach (var s in rule.StateNames)
                if (arrays.TryGetValue($"optim/{name}/{s}", out var a))
                {
                    var value = a.ToNDArray<T>();
                    if (!value.SameShape(solver.Model.Params[name]))
                        throw Bad(path, $"optimizer state {name}/{s} has shape {value.ShapeString}, the parameter {solver.Model.Params[name].ShapeString}");
                    CheckpointChecks.CheckArray($"optim/{name}/{s}", value, Refuse);
                    state.Add((s, value));
                }
                else if (iteration > 0)
                    // Every step creates all of a rule's state: a run past its first step without it would go on from zeros.
                    throw Bad(path, $"no optimizer state optim/{name}/{s} after {iteration} iterations");
            rules.Add((rule, lr, t, state));
        }

        var loss = History(arrays, "history/loss", path);
        var trainAcc = History(arrays, "history/train_acc", path);
        var valAcc = History(arrays, "history/val_acc", path);
        var learningRates = History(arrays, "history/learning_rate", path);
        int epoch = (int?)meta["epoch"] ?? throw Bad(path, "no epoch");
        if (iteration < 0 || iteration > solver.NumIterations || loss.Length != iteration)
            throw Bad(path, $"iteration {iteration} does not match its {loss.Length} recorded losses");
        if (epoch != iteration / solver.IterationsPerEpoch)
            throw Bad(path, $"epoch {epoch} does not match iteration {iteration} ({solver.IterationsPerEpoch} iterations an epoch)");
        CheckpointChecks.CheckHistories(loss, trainAcc, valAcc, learningRates, iteration, solver.NumIterations, solver.IterationsPerEpoch, Refuse);
        // Each rule's learning rate is restored as saved, not checked against lr_decay's schedule: UpdateRule.LearningRate
        // is public, and a run that sets its own (a step or plateau schedule in AccuracyChecked) goes on from it.
        double bestValAcc = (double?)meta["best_val_acc"] ?? 0;
        // The Solver keeps the largest validation accuracy it has checked (0 before any check).
        if (bestValAcc != valAcc.DefaultIfEmpty(0).Max())
            throw Bad(path, string.Create(CultureInfo.InvariantCulture, $"best_val_acc {bestValAcc} is not the best of its {valAcc.Length} recorded validation accuracies"));

        var rngs = meta["rng"] as JsonObject ?? throw Bad(path, "no generator state");
        var solverRng = ReadRng(rngs["solver"], arrays, "rng/solver", path);
        var dropoutRng = DropoutRng(solver.Model);
        var dropoutState = dropoutRng is not null && !ReferenceEquals(dropoutRng, solver.Rng) ? ReadRng(rngs["dropout"], arrays, "rng/dropout", path) : null;

        foreach (var (target, value) in model) target.CopyFrom(value);
        solver.BestParams = bestParams;
        solver.BestBuffers = bestBuffers;
        foreach (var (rule, lr, t, state) in rules)
        {
            rule.LearningRate = lr;
            if (rule is Adam<T> adam) adam.TimeStep = t;
            rule.ClearState();   // state the file does not hold (a checkpoint from before the first step) starts anew
            foreach (var (s, value) in state) rule.SetState(s, value);
        }
        Refill(solver.LossHistory, loss);
        Refill(solver.TrainAccHistory, trainAcc);
        Refill(solver.ValAccHistory, valAcc);
        Refill(solver.LearningRateHistory, learningRates);
        solver.Iteration = iteration;
        solver.Epoch = epoch;
        solver.BestValAcc = bestValAcc;
        solver.Rng.SetState(solverRng);
        if (dropoutState is not null) dropoutRng!.SetState(dropoutState);
    }

    private static NumpyRandom? DropoutRng<T>(IModel<T> model) where T : unmanaged, IFloatingPointIeee754<T>
        => (model as FullyConnectedNet<T>)?.Dropout?.Rng;

    private static JsonObject SaveRng(NumpyRandom rng, string name, List<KeyValuePair<string, Action<Stream>>> arrays)
    {
        var s = rng.GetState();
        arrays.Add(new(name, Npz.EntryOf(new NpyArray(s.Key.Select(k => (long)k).ToArray(), s.Key.Length))));
        return new JsonObject { ["pos"] = s.Position, ["has_gauss"] = s.HasGauss, ["gauss"] = s.CachedGauss };
    }

    private static RandomStateSnapshot ReadRng(JsonNode? node, IReadOnlyDictionary<string, NpyArray> arrays, string name, string path)
    {
        if (node is not JsonObject o || !arrays.TryGetValue(name, out var key)) throw Bad(path, $"no state for generator {name}");
        var words = key.ToInt64Array();
        if (words.Any(w => w is < 0 or > uint.MaxValue)) throw Bad(path, $"{name} holds values outside 32 bits");
        var state = new RandomStateSnapshot(words.Select(w => (uint)w).ToArray(), (int?)o["pos"] ?? -1, (bool?)o["has_gauss"] ?? false, (double?)o["gauss"] ?? 0);
        try
        {
            new NumpyRandom(0).SetState(state);   // checks it without touching the run's generators
        }
        catch (ArgumentException e)
        {
            throw Bad(path, $"{name}: {e.Message}");
        }
        return state;
    }

    /// <summary>
    /// The best parameters and buffers so far: none (a checkpoint from before the first accuracy check), or every one,
    /// each of the model's shape. A partial set would make the run end on a mix of its best and its last weights.
    /// </summary>
    private static (ParameterSet<T> Params, ParameterSet<T> Buffers) LoadBest<T>(IReadOnlyDictionary<string, NpyArray> arrays, IModel<T> model, string path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (ParameterSet<T>, ParameterSet<T>) sets = (new(), new());
        if (!arrays.Keys.Any(k => k.StartsWith("best/", StringComparison.Ordinal))) return sets;
        var staged = ModelFile.Staged(arrays, model, path, "best/");   // in the order of Params, then Buffers
        int i = 0;
        foreach (var (name, _) in model.Params) sets.Item1[name] = staged[i++].Value;
        foreach (var (name, _) in model.Buffers) sets.Item2[name] = staged[i++].Value;
        return sets;
    }

    /// <summary>
    /// What decides the rest of a run besides the state itself: the batch size, epochs, decay, the update rule's
    /// initial hyperparameters, the accuracy subsamples (they draw from the solver's generator) and, for the networks
    /// here, the L2 strength and dropout.
    /// </summary>
    private static JsonObject Schedule<T>(Solver<T> solver) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var o = solver.Options;
        var hyper = new JsonObject();
        foreach (var (k, v) in UpdateRules.Create<T>(o.UpdateRule, o.OptimConfig).Hyperparameters) hyper[k] = v;
        var schedule = new JsonObject
        {
            ["batch_size"] = o.BatchSize,
            ["num_epochs"] = o.NumEpochs,
            ["lr_decay"] = o.LrDecay,
            // What the checks draw: a subsample no smaller than its split draws nothing, the same as none.
            ["num_train_samples"] = Drawn(o.NumTrainSamples, solver.Data.XTrain.Dim(0)),
            ["num_val_samples"] = Drawn(o.NumValSamples, solver.Data.XVal.Dim(0)),
            ["optim_config"] = hyper,
        };
        if (solver.Model is FullyConnectedNet<T> net)
        {
            schedule["reg"] = net.Reg;
            schedule["dropout_keep"] = net.DropoutKeep;
        }
        return schedule;
    }

    private static int? Drawn(int? samples, int n) => samples is int m && n > m ? m : null;

    /// <summary>Refuses a checkpoint whose schedule differs from the solver's, naming each difference (none stored: not checked).</summary>
    private static void CheckSchedule<T>(JsonObject? saved, Solver<T> solver, string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (saved is null) return;
        var now = Schedule(solver);
        var changed = now.Where(kv => !SameValue(kv.Value, saved[kv.Key]))
            .Select(kv => $"{kv.Key} {kv.Value?.ToJsonString() ?? "null"} (the checkpoint's: {saved[kv.Key]?.ToJsonString() ?? "null"})").ToList();
        if (changed.Count > 0)
            throw Bad(path, $"the checkpoint was written under another schedule: {string.Join(", ", changed)}; resuming continues the same run, so build the solver as it was " +
                "(to train on under another schedule, load its model with Checkpoint.LoadModel and build a new solver around it)");
    }

    // Numbers by value (a hand-edited 1E-08 is 1e-08), objects key by key, the rest by their JSON text.
    private static bool SameValue(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonObject x, JsonObject y) => x.Count == y.Count && x.All(kv => y.ContainsKey(kv.Key) && SameValue(kv.Value, y[kv.Key])),
        (JsonValue x, JsonValue y) when x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number =>
            Number(x) == Number(y),
        _ => a?.ToJsonString() == b?.ToJsonString(),
    };

    // A number node's value whatever it holds (an int, a double, or parsed text: GetValue<double> refuses an int).
    private static double Number(JsonValue v) => double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static double[] History(IReadOnlyDictionary<string, NpyArray> arrays, string name, string path) =>
        arrays.TryGetValue(name, out var a) && a.Data is double[] values ? values : throw Bad(path, $"no float64 array {name}");

    private static void Refill(List<double> list, double[] values)
    {
        list.Clear();
        list.AddRange(values);
    }

    private static JsonObject ReadMeta(IReadOnlyDictionary<string, NpyArray> arrays, string path)
    {
        if (!arrays.TryGetValue("meta", out var m) || m.Data is not byte[] bytes)
            throw Bad(path, arrays.ContainsKey("W1") && !arrays.ContainsKey("meta")
                ? "not a Backprop checkpoint (no 'meta' entry) but a model file, as ModelFile.Save writes (W1, b1, …); load it with ModelFile.Load, or ModelFile.LoadNet"
                : "not a Backprop checkpoint (no 'meta' entry)");
        JsonObject meta;
        try
        {
            meta = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                ?? throw Bad(path, "'meta' is not a JSON object");
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
