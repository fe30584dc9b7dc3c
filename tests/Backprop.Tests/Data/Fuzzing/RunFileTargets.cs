using System.Text;
using Backprop.Data;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Data.Fuzzing;

/// <summary>
/// A reader's result that breaks its contract without an exception of the wrong type: a refusal that does not name the
/// file, or a file accepted whose content no run could have written (a finding of kind <c>crash</c>).
/// </summary>
public sealed class FuzzContractException(string message) : Exception(message);

/// <summary>
/// The files of a run folder that the library and the command line read back: <c>model.npz</c> (<see cref="ModelFile"/>),
/// <c>checkpoint.npz</c> (<see cref="Checkpoint"/>), <c>config.json</c>, <c>summary.json</c>, <c>history.json</c>, and a
/// search folder's <c>search.json</c> and <c>results.json</c>. Each must be read, or refused with an
/// <see cref="InvalidDataException"/> that names the file; one that is read must hold what a run could have written.
/// </summary>
public static class RunFileTargets
{
    public static IReadOnlyList<FuzzTarget> All() =>
        [ModelNpz(), CheckpointNpz(), ConfigJson(), SummaryJson(), HistoryJson(), SearchSpecJson(), SearchResultsJson()];

    /// <summary>Runs <paramref name="read"/>; a refusal must name <paramref name="file"/>.</summary>
    private static string Named(string file, Func<string> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e) when (!e.Message.Contains(file, StringComparison.Ordinal))
        {
            throw new FuzzContractException($"the refusal does not name '{file}': {e.Message}");
        }
    }

    private static void Require(bool ok, string what)
    {
        if (!ok) throw new FuzzContractException("accepted: " + what);
    }

    // ---- a tiny run: what the seeds are written from ------------------------------------------------------------------

    /// <summary>80 random 12-pixel images of 3 classes (each class brighter in its own pixel, so that the net learns).</summary>
    internal static Dataset<float> TinyData()
    {
        var rng = new NumpyRandom(3);
        var x = rng.Randn<float>(80, 12);
        var y = rng.Randint(3, 80);
        for (int i = 0; i < 80; i++) x[i, y[i]] += 2f;
        return new Dataset<float>(x, y, x, y, NumClasses: 3);
    }

    /// <summary>The configuration the tiny run is described by (stored in its checkpoints).</summary>
    internal static TrainConfig TinyConfig(string rule) => TrainConfig.DefaultFor("fashion-mnist") with
    {
        Hidden = [16, 8], Normalization = "batchnorm", Dropout = 0.8, UpdateRule = rule, LearningRate = 1e-2, LrDecay = 0.9,
        Epochs = 4, BatchSize = 10, NumTrain = 80, NumVal = 80, NumTest = 0, NumTrainSamples = 30, Seed = 9,
    };

    /// <summary>A solver of the tiny run (80 images, batch 10: 8 iterations an epoch, 32 in all).</summary>
    internal static Solver<float> TinySolver(string rule)
    {
        var config = TinyConfig(rule);
        var rng = new NumpyRandom(config.Seed);
        var model = new FullyConnectedNet<float>(config.Hidden, inputDim: 12, numClasses: 3, dropoutKeep: config.Dropout,
            normalization: Normalization.BatchNorm, rng: rng);
        return new Solver<float>(model, TinyData(), config.ToSolverOptions(), rng);
    }

    private static Solver<float> TrainedFor(string rule, int iterations)
    {
        var solver = TinySolver(rule);
        using var stop = new CancellationTokenSource();
        solver.IterationCompleted += i => { if (i.Iteration == iterations) stop.Cancel(); };
        solver.Train(stop.Token);
        return solver;
    }

    private static byte[] ViaFile(Action<string> write)
    {
        var path = Path.Combine(Path.GetTempPath(), $"backprop-fuzz-seed-{Guid.NewGuid():N}.npz");
        try
        {
            write(path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- model.npz ---------------------------------------------------------------------------------------------------

    public static FuzzTarget ModelNpz()
    {
        IReadOnlyList<byte[]>? seeds = null;
        IReadOnlyList<byte[]> Seeds() => seeds ??=
        [
            ViaFile(p => ModelFile.Save(TrainedFor("adam", 12).Model, p)),
            ViaFile(p => ModelFile.Save(new FullyConnectedNet<float>([6], inputDim: 5, numClasses: 2, normalization: Normalization.LayerNorm, rng: new NumpyRandom(1)), p)),
            ViaFile(p => ModelFile.Save(new FullyConnectedNet<double>([], inputDim: 4, numClasses: 3, rng: new NumpyRandom(2)), p)),
        ];
        return new FuzzTarget
        {
            Name = "model",
            MakeSeeds = Seeds,
            Read = (path, _) => Named(path, () =>
            {
                // Into the tiny run's network (what eval does with a run's config), then rebuilt from the file alone.
                var model = TinySolver("adam").Model;
                string into;
                try
                {
                    ModelFile.Load(model, path);
                    into = "loads into the tiny net";
                    CheckVariances(model.Buffers, path);
                }
                catch (InvalidDataException e) when (e.Message.Contains(path, StringComparison.Ordinal))
                {
                    into = "another net";
                }
                var net = ModelFile.LoadNet<float>(path);
                CheckVariances(net.Buffers, path);
                // What LoadNet returns must run: scores of two images.
                var scores = Solver<float>.Scores(net, new NDArray<float>(2, net.InputDim));
                return $"{into}; LoadNet: {net.NumLayers} layers, scores {scores.ShapeString}";
            }),
            Fields = seed => [],
            Inner = SemanticMutations.Inner(Seeds, SemanticMutations.Npz),
            AllocFactor = 3 * 1100,
        };
    }

    /// <summary>
    /// A model file may hold what a diverged run saved (NaN or ∞ anywhere: eval and predict refuse it by name), but no run
    /// writes a negative variance.
    /// </summary>
    private static void CheckVariances(ParameterSet<float> buffers, string path)
    {
        foreach (var (name, b) in buffers)
            for (int i = 0; i < b.Size; i++)
                Require(!name.StartsWith("running_var", StringComparison.Ordinal) || !(b.Flat(i) < 0), $"{path}: '{name}' holds the negative variance {b.Flat(i)}");
    }

    /// <summary>Running statistics no checkpoint holds: NaN (a run is checked finite at every accuracy check), a negative variance.</summary>
    private static void CheckBuffers(ParameterSet<float> buffers, string path)
    {
        foreach (var (name, b) in buffers)
            for (int i = 0; i < b.Size; i++)
            {
                float v = b.Flat(i);
                Require(!float.IsNaN(v), $"{path}: '{name}' holds NaN");
                Require(!name.StartsWith("running_var", StringComparison.Ordinal) || v >= 0, $"{path}: '{name}' holds the negative variance {v}");
            }
    }

    // ---- checkpoint.npz ----------------------------------------------------------------------------------------------

    private static readonly string[] CheckpointRules = ["adam", "sgd_momentum", "rmsprop"];

    public static FuzzTarget CheckpointNpz()
    {
        IReadOnlyList<byte[]>? seeds = null;
        byte[] Saved(string rule, int iterations) => ViaFile(p => Checkpoint.Save(TrainedFor(rule, iterations), p, TinyConfig(rule), "/data/fashion-mnist"));
        IReadOnlyList<byte[]> Seeds() => seeds ??=
        [
            Saved("adam", 10),          // in epoch 2, after two accuracy checks (a best model)
            Saved("adam", 8),           // at an epoch end
            Saved("sgd_momentum", 3),   // after the first check only
            Saved("rmsprop", 17),
            ViaFile(p => Checkpoint.Save(TinySolver("adam"), p, TinyConfig("adam"))),   // before the first step
        ];
        return new FuzzTarget
        {
            Name = "checkpoint",
            MakeSeeds = Seeds,
            Read = (path, _) => Named(path, () =>
            {
                var config = Checkpoint.ReadConfig(path);
                var (dataset, folder) = Checkpoint.ReadDataSource(path);
                // A solver of the run the file says it is of (another rule is refused by name, which is tested too).
                string rule = RuleIn(File.ReadAllBytes(path));
                var solver = TinySolver(rule);
                Checkpoint.Restore(solver, path);
                CheckRestored(solver, path);
                return $"{rule} at iteration {solver.Iteration}; config {(config is null ? "none" : config.UpdateRule)}; data {dataset ?? "-"} in {folder ?? "-"}";
            }),
            Inner = SemanticMutations.Inner(Seeds, SemanticMutations.Npz),
            AllocFactor = 3 * 1100,
        };
    }

    private static string RuleIn(byte[] file)
    {
        var text = Encoding.Latin1.GetString(file);
        foreach (var rule in CheckpointRules)
            if (text.Contains($"\"update_rule\":\"{rule}\"", StringComparison.Ordinal)) return rule;
        return "adam";
    }

    /// <summary>What a solver restored from a checkpoint must be: a state the run it continues could have been in.</summary>
    private static void CheckRestored(Solver<float> s, string path)
    {
        Require(s.Iteration >= 0 && s.Iteration <= s.NumIterations, $"iteration {s.Iteration} of {s.NumIterations}");
        Require(s.Epoch == s.Iteration / s.IterationsPerEpoch, $"epoch {s.Epoch} at iteration {s.Iteration}");
        Require(s.LossHistory.Count == s.Iteration && s.LossHistory.All(double.IsFinite), $"{s.LossHistory.Count} losses (finite: {s.LossHistory.All(double.IsFinite)}) after {s.Iteration} iterations");
        // An accuracy check after the first iteration, each epoch end and the last one.
        int checks = 0;
        for (int t = 0; t < s.Iteration; t++) if (t == 0 || t == s.NumIterations - 1 || (t + 1) % s.IterationsPerEpoch == 0) checks++;
        Require(s.TrainAccHistory.Count == checks && s.ValAccHistory.Count == checks && s.LearningRateHistory.Count == checks,
            $"{s.TrainAccHistory.Count}, {s.ValAccHistory.Count} and {s.LearningRateHistory.Count} train, val and learning-rate records after {checks} checks");
        Require(s.TrainAccHistory.Concat(s.ValAccHistory).All(a => a is >= 0 and <= 1), "an accuracy outside [0, 1]");
        Require(s.LearningRateHistory.All(r => r > 0 && double.IsFinite(r)), "a learning rate that is not a positive number");
        // The rules' rates are restored as saved (a library run may set its own); Restore refuses only a non-positive one.
        foreach (var (name, rule) in s.UpdateRules)
        {
            Require(rule.LearningRate > 0 && double.IsFinite(rule.LearningRate), $"'{name}' has learning rate {rule.LearningRate}");
            if (rule is Adam<float> adam) Require(adam.TimeStep == s.Iteration, $"adam's step count {adam.TimeStep} after {s.Iteration} iterations");
            foreach (var (stateName, value) in rule.State)
            {
                Require(value.SameShape(s.Model.Params[name]), $"state {name}/{stateName} of shape {value.ShapeString}");
                for (int i = 0; i < value.Size; i++)
                {
                    float v = value.Flat(i);
                    Require(!float.IsNaN(v), $"state {name}/{stateName} holds NaN");
                    // Second moments are running means of squares.
                    Require(stateName is not ("v" or "cache") || v >= 0, $"state {name}/{stateName} holds the negative {v}");
                }
            }
        }
        foreach (var set in new[] { s.Model.Params, s.BestParams })
            foreach (var (name, p) in set)
                for (int i = 0; i < p.Size; i++) Require(!float.IsNaN(p.Flat(i)), $"parameter '{name}' holds NaN");
        CheckBuffers(s.Model.Buffers, path);
        CheckBuffers(s.BestBuffers, path);
    }

    // ---- the JSON files ----------------------------------------------------------------------------------------------

    private static FuzzTarget Json(string name, IReadOnlyList<string> files, Func<string, string, string> read)
    {
        IReadOnlyList<byte[]>? seeds = null;
        IReadOnlyList<byte[]> Seeds() => seeds ??= [.. files.Select(Encoding.UTF8.GetBytes)];
        return new FuzzTarget
        {
            Name = name,
            MakeSeeds = Seeds,
            Read = read,
            Fields = JsonNumbers,
            Inner = SemanticMutations.Inner(Seeds, SemanticMutations.Json),
            AllocFactor = 64,
        };
    }

    /// <summary>(offset, length) of each number in a JSON text, for the "extreme value as digits" mutation.</summary>
    private static List<(int, int)> JsonNumbers(byte[] json)
    {
        var f = new List<(int, int)>();
        for (int i = 0; i < json.Length && f.Count < 200; i++)
        {
            if (!(json[i] is (byte)'-' or >= (byte)'0' and <= (byte)'9') || i > 0 && json[i - 1] is (byte)'"' or (byte)'.' or (>= (byte)'0' and <= (byte)'9') or (byte)'e') continue;
            int j = i + 1;
            while (j < json.Length && json[j] is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'+' or (byte)'-' or (>= (byte)'0' and <= (byte)'9')) j++;
            f.Add((i, Math.Min(j - i, 8)));
            i = j;
        }
        return f;
    }

    /// <summary>The file at <paramref name="path"/> copied to <paramref name="name"/> in a folder of this worker thread.</summary>
    private static string InFolder(string work, string path, string name)
    {
        var dir = Path.Combine(work, $"folder-{Environment.CurrentManagedThreadId}");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.EnumerateFiles(dir)) File.Delete(f);
        File.Copy(path, Path.Combine(dir, name), overwrite: true);
        return dir;
    }

    public static FuzzTarget ConfigJson() => Json("config", RealRunFiles.Configs, (path, work) =>
    {
        var dir = InFolder(work, path, RunFiles.Config);
        return Named(RunFiles.In(dir, RunFiles.Config), () =>
        {
            var c = RunFolder.ReadConfig(dir);
            // What eval and predict do next: the dtype and the architecture (without allocating it).
            _ = c.IsFloat64;
            _ = NormalizationNames.Parse(c.Normalization);
            _ = UpdateRules.KeysOf(c.UpdateRule);
            return $"{c.Dataset} {c.Model} [{string.Join(", ", c.Hidden)}] {c.UpdateRule} {c.Dtype}";
        });
    });

    public static FuzzTarget SummaryJson() => Json("summary", RealRunFiles.Summaries, (path, work) =>
    {
        var dir = InFolder(work, path, RunFiles.Summary);
        var file = RunFiles.In(dir, RunFiles.Summary);
        return Named(file, () =>
        {
            var s = RunSummary.Load(file);
            // What reads it: the folder of the data (eval, predict, resume) and why a run cannot be resumed.
            Require(s.Status is not null && s.Dataset is not null && s.DataFolder is not null && s.Files is not null && s.RunDir is not null && s.Dtype is not null,
                "a summary without its status, dataset, data_folder, files, run_dir or dtype");
            _ = RunFolder.TrainedOn(dir);
            try
            {
                TrainingRun.CheckResumable(dir);
            }
            catch (FileNotFoundException)
            {
            }
            return $"{s.Status} {s.Dataset}";
        });
    });

    public static FuzzTarget HistoryJson() => Json("history", RealRunFiles.Histories, (path, work) =>
    {
        var dir = InFolder(work, path, RunFiles.History);
        var file = RunFiles.In(dir, RunFiles.History);
        return Named(file, () =>
        {
            var h = RunHistory.Load(file);
            Require(h.Loss is not null && h.TrainAcc is not null && h.ValAcc is not null && h.LearningRate is not null && h.Status is not null,
                "a history without its loss, train_acc, val_acc, learning_rate or status");
            Require(h.TrainAcc!.Count == h.ValAcc!.Count, $"{h.TrainAcc.Count} training and {h.ValAcc.Count} validation accuracies");
            // What plot draws from it.
            return $"{Backprop.Plots.TrainingPlots.LossPng(h.Loss!).Length + Backprop.Plots.TrainingPlots.AccuracyPng(h.TrainAcc, h.ValAcc).Length} bytes of plots";
        });
    });

    public static FuzzTarget SearchSpecJson() => Json("search-spec", RealRunFiles.SearchSpecs, (path, work) =>
    {
        var dir = InFolder(work, path, SearchSpec.FileName);
        var file = Path.Combine(dir, SearchSpec.FileName);
        return Named(file, () =>
        {
            var spec = SearchSpec.Load(file);
            Require(spec.Ranges.All(r => r is not null), "a null range");
            // What resume does with it: draw every trial's values.
            var random = new NumpyRandom(spec.Config.Seed);
            foreach (var r in spec.Ranges) _ = r.Apply(spec.Config, r.Sample(random)).Validate();
            return $"{spec.Trials} trials of {spec.Ranges.Count} ranges";
        });
    });

    public static FuzzTarget SearchResultsJson() => Json("search-results", RealRunFiles.SearchResults, (path, work) =>
    {
        var dir = InFolder(work, path, SearchResult.FileName);
        var file = Path.Combine(dir, SearchResult.FileName);
        return Named(file, () =>
        {
            var r = SearchResult.Load(file);
            Require(r.Trials.All(t => t.Run is not null && t.Status is not null) && r.Ranges.All(x => x is not null), "a trial without its run or status, or a null range");
            // What plot does with it.
            return $"{r.Trials.Count} trials; picture {SearchPicture.Redraw(dir, Path.Combine(dir, SearchPicture.FileName))}";
        });
    });
}
