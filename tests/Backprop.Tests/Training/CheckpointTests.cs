using Backprop.Data;
using Backprop.Layers;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>Checkpoints resume a run to the bit; model files round-trip with the notebooks' names.</summary>
public class CheckpointTests
{
    private static Dataset<float> Data()
    {
        var rng = new NumpyRandom(3);
        var x = rng.Randn<float>(80, 12);
        var y = rng.Randint(3, 80);
        for (int i = 0; i < 80; i++) x[i, y[i]] += 2f;
        return new Dataset<float>(x, y, x, y, NumClasses: 3);
    }

    private static (FullyConnectedNet<float> Model, Solver<float> Solver) Build(string rule, string? checkpointName = null,
        Func<SolverOptions, SolverOptions>? change = null, double dropoutKeep = 0.8)
    {
        var rng = new NumpyRandom(9);
        var model = new FullyConnectedNet<float>([16, 8], inputDim: 12, numClasses: 3, dropoutKeep: dropoutKeep, normalization: Normalization.BatchNorm, rng: rng);
        var options = new SolverOptions
        {
            UpdateRule = rule, OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-2 },
            LrDecay = 0.9, NumEpochs = 4, BatchSize = 10, NumTrainSamples = 30, Verbose = false, CheckpointName = checkpointName,
        };
        return (model, new Solver<float>(model, Data(), change is null ? options : change(options), new NumpyRandom(4)));
    }

    private static string SavedAfter(string dir, Solver<float> solver, int iterations)
    {
        using var cts = new CancellationTokenSource();
        Action<IterationInfo> stop = i => { if (i.Iteration == iterations) cts.Cancel(); };
        solver.IterationCompleted += stop;
        solver.Train(cts.Token);
        solver.IterationCompleted -= stop;
        var path = Path.Combine(dir, $"after{iterations}.npz");
        Checkpoint.Save(solver, path);
        return path;
    }

    [Fact]
    public void Restore_RefusesAnotherScheduleWithTheSameIterationCount_NamingEachChange()
    {
        using var dir = new TempDir();
        var path = SavedAfter(dir.Path, Build("adam").Solver, 10);   // 80 images, batch 10, 4 epochs: 32 iterations
        string Refusal(Solver<float> s) => Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(s, path)).Message;

        Assert.Contains("batch_size 20 (the checkpoint's: 10), num_epochs 8 (the checkpoint's: 4)",
            Refusal(Build("adam", change: o => o with { BatchSize = 20, NumEpochs = 8 }).Solver));
        Assert.Contains("lr_decay 0.5 (the checkpoint's: 0.9)", Refusal(Build("adam", change: o => o with { LrDecay = 0.5 }).Solver));
        Assert.Contains("\"beta1\":0.5", Refusal(Build("adam", change: o => o with
        {
            OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-2, ["beta1"] = 0.5 },
        }).Solver));
        Assert.Contains("dropout_keep 1 (the checkpoint's: 0.8)", Refusal(Build("adam", dropoutKeep: 1.0).Solver));
        Assert.Contains("num_train_samples 40 (the checkpoint's: 30)", Refusal(Build("adam", change: o => o with { NumTrainSamples = 40 }).Solver));

        var (_, same) = Build("adam", change: o => o with { Verbose = true, Output = TextWriter.Null, FusedUpdates = false });
        Checkpoint.Restore(same, path);   // what does not change the run's numbers may differ
        Assert.Equal(10, same.Iteration);
        // A subsample as large as its split draws nothing, as none does: 1000 of 80 training images is all of them.
        var all = SavedAfter(dir.Path, Build("adam", change: o => o with { NumTrainSamples = 1000 }).Solver, 9);
        var (_, none) = Build("adam", change: o => o with { NumTrainSamples = null });
        Checkpoint.Restore(none, all);
        Assert.Equal(9, none.Iteration);
    }

    [Fact]
    public void Restore_IntoMoreEpochs_NamesTheEpochs_AndAnotherSplitNamesItsSize()
    {
        // A library user resuming with more epochs was told of iteration counts and to use a config.json they have not.
        using var dir = new TempDir();
        var path = SavedAfter(dir.Path, Build("adam").Solver, 10);   // 80 images, batch 10, 4 epochs: 32 iterations
        var longer = Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam", change: o => o with { NumEpochs = 8 }).Solver, path)).Message;
        Assert.Contains("num_epochs 8 (the checkpoint's: 4)", longer);
        Assert.Contains("load its model with Checkpoint.LoadModel and build a new solver around it", longer);

        var rng = new NumpyRandom(9);
        var model = new FullyConnectedNet<float>([16, 8], inputDim: 12, numClasses: 3, dropoutKeep: 0.8, normalization: Normalization.BatchNorm, rng: rng);
        var options = Build("adam").Solver.Options;
        var fewer = new Solver<float>(model, Data().TakeTraining(40), options, new NumpyRandom(4));
        Assert.Contains("written for 32 iterations; this run has 16 (4 epochs of 4: 40 training samples in batches of 10)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(fewer, path)).Message);
        Assert.Contains("written for update rule adam; this run uses sgd",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("sgd").Solver, path)).Message);
    }

    [Fact]
    public void ACheckpointGivenToModelFile_AndAModelFileGivenToCheckpoint_AreRefusedNamingTheCallThatReadsThem()
    {
        // ModelFile.Load of a checkpoint said "no array named 'W1'", listed its every entry and called it another
        // model's; Checkpoint.LoadModel of a model file said only "not a Backprop checkpoint".
        using var dir = new TempDir();
        var (trained, solver) = Build("adam");
        var checkpoint = SavedAfter(dir.Path, solver, 10);
        var modelFile = Path.Combine(dir.Path, "model.npz");
        ModelFile.Save(trained, modelFile);
        var (fresh, _) = Build("adam");
        var before = fresh.Params["W1"].AsSpan().ToArray();

        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(fresh, checkpoint));
        Assert.Contains($"{checkpoint}: a training checkpoint (Checkpoint.Save), not a model file: load its model with Checkpoint.LoadModel(model, path)", e.Message);
        Assert.DoesNotContain("optim/", e.Message);
        Assert.Contains("a training checkpoint", Assert.Throws<InvalidDataException>(() => ModelFile.LoadNet<float>(checkpoint)).Message);
        Assert.Equal(before, fresh.Params["W1"].AsSpan().ToArray());

        Assert.Contains($"{modelFile}: not a Backprop checkpoint (no 'meta' entry) but a model file, as ModelFile.Save writes (W1, b1, …); load it with ModelFile.Load",
            Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(fresh, modelFile)).Message);
        Assert.Contains("but a model file", Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, modelFile)).Message);
        Assert.Equal(before, fresh.Params["W1"].AsSpan().ToArray());
    }

    [Fact]
    public void LoadModel_TakesACheckpointsModelOrBestCopy_ForANewSolverUnderAnotherSchedule()
    {
        using var dir = new TempDir();
        var (trained, solver) = Build("adam");
        var path = SavedAfter(dir.Path, solver, 10);
        var (fresh, _) = Build("adam");
        Assert.NotEqual(trained.Params["W1"].AsSpan().ToArray(), fresh.Params["W1"].AsSpan().ToArray());
        Checkpoint.LoadModel(fresh, path);
        foreach (var (name, value) in trained.Params.Concat(trained.Buffers))
            Assert.Equal(value.AsSpan().ToArray(), (fresh.Params.TryGetValue(name, out var p) ? p : fresh.Buffers[name]).AsSpan().ToArray());
        Checkpoint.LoadModel(fresh, path, best: true);
        Assert.NotEmpty(solver.BestParams);
        foreach (var (name, value) in solver.BestParams)
            Assert.Equal(value.AsSpan().ToArray(), fresh.Params[name].AsSpan().ToArray());

        // Trains on for twice the epochs, which Restore refuses (another schedule), from the saved weights.
        var longer = new Solver<float>(fresh, Data(), solver.Options with { NumEpochs = 8 }, new NumpyRandom(4));
        longer.Train();
        Assert.Equal(64, longer.LossHistory.Count);

        // Not a checkpoint, or another architecture: refused naming the file, nothing copied.
        var modelFile = Path.Combine(dir.Path, "model.npz");
        ModelFile.Save(trained, modelFile);
        Assert.Contains($"{modelFile}: not a Backprop checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(fresh, modelFile)).Message);
        var other = new FullyConnectedNet<float>([16], inputDim: 12, numClasses: 3);
        var before = other.Params["W1"].AsSpan().ToArray();
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Checkpoint.LoadModel(other, path)).Message);
        Assert.Equal(before, other.Params["W1"].AsSpan().ToArray());
    }

    [Fact]
    public void Save_WritesTheArraysFromWhereTheyAre_AddingNoCopyOfThem()
    {
        // 1,011,010 parameters (4 MB) with Adam: the model, the best copy and two moments were 16 MB of copies per save.
        var rng = new NumpyRandom(3);
        var x = rng.Randn<float>(200, 1000);
        var y = rng.Randint(10, 200);
        var net = new FullyConnectedNet<float>([1000], inputDim: 1000, numClasses: 10, rng: new NumpyRandom(1));
        var solver = new Solver<float>(net, new Dataset<float>(x, y, x, y), new SolverOptions { UpdateRule = "adam", NumEpochs = 1, Verbose = false });
        solver.Train();
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "c.npz");
        Checkpoint.Save(solver, path);   // warm: the JIT's and the zip writer's first allocations
        long before = GC.GetAllocatedBytesForCurrentThread();
        Checkpoint.Save(solver, path);
        long saved = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        ModelFile.Save(net, path + ".model.npz");
        long model = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(saved < 1_000_000, $"Checkpoint.Save allocated {saved:N0} bytes");
        Assert.True(model < 1_000_000, $"ModelFile.Save allocated {model:N0} bytes");
        Assert.Equal(net.Params["W1"].AsSpan(), Npz.Load(path)["model/W1"].ToNDArray<float>().AsSpan());   // and wrote them
    }

    [Fact]
    public void ReadConfig_ReadsTheMetadataOnly()
    {
        using var dir = new TempDir();
        var (_, solver) = Build("adam");
        var path = Path.Combine(dir.Path, "c.npz");
        Checkpoint.Save(solver, path, new TrainConfig { UpdateRule = "adam", Epochs = 4 }, "/data");
        Assert.Equal(["meta"], Npz.LoadOnly(path, "meta").Keys);
        Assert.Equal(4, Checkpoint.ReadConfig(path)!.Epochs);
        Assert.Equal("/data", Checkpoint.ReadDataSource(path).Folder);
        // A damaged array it does not read does not stop it; Restore, which reads it, refuses the file.
        var bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf("model/W1.npy"u8) + 200;   // inside W1's data, after its local header
        bytes[at] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Equal(4, Checkpoint.ReadConfig(path)!.Epochs);
        Assert.Contains("CRC-32", Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, path)).Message);
    }

    [Fact]
    public void Restore_FromBeforeTheFirstStep_ForgetsTheRulesState_AndRefusesStateMissingAfterIt()
    {
        using var dir = new TempDir();
        var (_, fresh) = Build("adam");
        var start = Path.Combine(dir.Path, "start.npz");
        Checkpoint.Save(fresh, start);   // before any step: no optim/ arrays

        // Rolled back to the start after 5 steps: the run then is the fresh run, not one that keeps 5 steps' moments.
        var (rolled, rolledSolver) = Build("adam");
        SavedAfter(dir.Path, rolledSolver, 5);
        Checkpoint.Restore(rolledSolver, start);
        Assert.Empty(rolledSolver.UpdateRules["W1"].State);
        rolledSolver.Train();
        var (whole, wholeSolver) = Build("adam");
        wholeSolver.Train();
        foreach (var (k, v) in whole.Params) Assert.Equal(v.AsSpan(), rolled.Params[k].AsSpan());

        // After 10 steps every rule has its moments: a file without W1's is refused, not resumed from zeros.
        var after = SavedAfter(dir.Path, Build("adam").Solver, 10);
        var stripped = Path.Combine(dir.Path, "stripped.npz");
        Npz.Save(stripped, Npz.Load(after).Where(kv => !kv.Key.StartsWith("optim/W1/", StringComparison.Ordinal)));
        Assert.Contains("no optimizer state optim/W1/m after 10 iterations",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, stripped)).Message);
    }

    [Fact]
    public void Restore_RefusesHandEditedCounts_AndReadsNumbersByValue()
    {
        using var dir = new TempDir();
        var after = SavedAfter(dir.Path, Build("adam").Solver, 10);   // epoch 1 of 8-iteration epochs, Adam t = 10
        string Edited(string name, Action<System.Text.Json.Nodes.JsonObject> edit)
        {
            var arrays = Npz.Load(after);
            var meta = System.Text.Json.Nodes.JsonNode.Parse((byte[])arrays["meta"].Data)!.AsObject();
            edit(meta);
            var bytes = System.Text.Encoding.UTF8.GetBytes(meta.ToJsonString());
            var path = Path.Combine(dir.Path, name + ".npz");
            Npz.Save(path, arrays.Select(kv => kv.Key == "meta" ? new KeyValuePair<string, NpyArray>("meta", new NpyArray(bytes, bytes.Length)) : kv));
            return path;
        }
        string Refusal(string path) => Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, path)).Message;

        Assert.Contains("epoch 1000000000 does not match iteration 10 (8 iterations an epoch)", Refusal(Edited("epoch", m => m["epoch"] = 1_000_000_000)));
        Assert.Contains("best_val_acc 7.5 is not the best of its 2 recorded validation accuracies", Refusal(Edited("best", m => m["best_val_acc"] = 7.5)));
        Assert.Contains("the step count of 'W1' is 2147483647, after 10 iterations", Refusal(Edited("t", m => m["optim"]!["W1"]!["t"] = int.MaxValue)));
        Assert.Contains("no dtype", Refusal(Edited("dtype", m => m["dtype"] = null)));
        // A schedule's number written another way (1E-08 for 1e-08, 0.90 for 0.9) is the same number.
        var respelt = Edited("respelt", m =>
        {
            var text = m.ToJsonString().Replace("\"lr_decay\":0.9", "\"lr_decay\":0.90").Replace("\"epsilon\":1E-08", "\"epsilon\":1e-8");
            foreach (var (k, v) in System.Text.Json.Nodes.JsonNode.Parse(text)!.AsObject().ToList()) m[k] = v?.DeepClone();
        });
        Assert.Contains("0.90", System.Text.Encoding.UTF8.GetString((byte[])Npz.Load(respelt)["meta"].Data));
        var (_, solver) = Build("adam");
        Checkpoint.Restore(solver, respelt);
        Assert.Equal(10, solver.Iteration);
    }

    /// <summary>One array of a checkpoint changed: element 0 (or all of it) set, or replaced.</summary>
    private static string Changed(string after, string dir, string key, Func<NpyArray, NpyArray> change)
    {
        var path = Path.Combine(dir, key.Replace('/', '-') + "-changed.npz");
        Npz.Save(path, Npz.Load(after).Select(kv => kv.Key == key ? new KeyValuePair<string, NpyArray>(key, change(kv.Value)) : kv));
        return path;
    }

    private static NpyArray Set(NpyArray a, double value, bool all = false)
    {
        var data = (Array)a.Data.Clone();
        for (int i = 0; i < (all ? data.Length : 1); i++)
            if (data is float[] f) f[i] = (float)value;
            else ((double[])data)[i] = value;
        return new NpyArray(data, a.ShapeArray());
    }

    [Theory]
    [InlineData("model/W2", double.NaN, false, "model/W2 holds NaN")]
    [InlineData("best/gamma1", double.NaN, false, "best/gamma1 holds NaN")]
    [InlineData("model/running_var1", double.NaN, false, "model/running_var1 holds NaN")]
    [InlineData("model/running_var2", -1.0, true, "model/running_var2 holds the negative value -1, but it is a running mean of squares")]
    [InlineData("best/running_var1", -0.5, false, "best/running_var1 holds the negative value -0.5")]
    [InlineData("optim/W1/v", -1.0, true, "optim/W1/v holds the negative value -1")]
    [InlineData("optim/b2/m", double.NaN, false, "optim/b2/m holds NaN")]
    [InlineData("history/loss", double.NaN, false, "history/loss holds a NaN or infinite loss")]
    [InlineData("history/train_acc", 7.0, false, "an accuracy of 7 is recorded; accuracies lie in [0, 1]")]
    [InlineData("history/learning_rate", -1.0, false, "history/learning_rate holds a value that is not a positive number")]
    public void Restore_RefusesAStateNoRunWrites_NamingTheArray(string key, double value, bool all, string message)
    {
        // Restored, a NaN weight or a negative second moment made the resumed run "diverge"; a negative variance was kept.
        using var dir = new TempDir();
        var after = SavedAfter(dir.Path, Build("adam").Solver, 10);
        var path = Changed(after, dir.Path, key, a => Set(a, value, all));
        var (_, solver) = Build("adam");
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(solver, path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(message, e.Message);
        Assert.Equal(0, solver.Iteration);   // refused before anything is set
    }

    [Fact]
    public void Restore_RefusesHistoriesOfAnotherLength_AndAnAdamStepCountBehind()
    {
        using var dir = new TempDir();
        var after = SavedAfter(dir.Path, Build("adam").Solver, 10);   // checks after iterations 1 and 8: 2 records
        string Refusal(string path) => Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, path)).Message;
        Assert.Contains("history/val_acc holds 3 records, but 10 iterations make 2 accuracy checks",
            Refusal(Changed(after, dir.Path, "history/val_acc", a => new NpyArray(new double[] { 0.1, 0.2, 0.3 }, 3))));
        Assert.Contains("history/train_acc holds 1 records",
            Refusal(Changed(after, dir.Path, "history/train_acc", a => new NpyArray(new double[] { 0.1 }, 1))));

        string Meta(string name, Func<string, string> edit) => Changed(after, dir.Path, "meta", a =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(edit(System.Text.Encoding.UTF8.GetString((byte[])a.Data)));
            return new NpyArray(bytes, bytes.Length);
        });
        // Adam's bias correction follows its step count: one reset to 0 made the resumed run another run.
        Assert.Contains("the step count of 'W1' is 0, after 10 iterations", Refusal(Meta("t", m => m.Replace("\"t\":10", "\"t\":0"))));
    }

    [Fact]
    public void ARunThatSetsItsOwnLearningRate_IsRestored_AndGoesOnToTheBit()
    {
        // UpdateRule.LearningRate is public: a library run that lowers it by hand (a step or plateau schedule in
        // AccuracyChecked) writes that rate in its checkpoints. Restore refused them ("the schedule gives …"), so such a
        // run could not resume at all.
        static Solver<float> Halving(Solver<float> s)
        {
            s.AccuracyChecked += e => { if (e.Epoch == 1) foreach (var (_, rule) in s.UpdateRules) rule.LearningRate /= 2; };
            return s;
        }
        using var dir = new TempDir();
        var whole = Halving(Build("adam").Solver);
        whole.Train();
        var path = SavedAfter(dir.Path, Halving(Build("adam").Solver), 10);   // epoch 1 ended at iteration 8: the rate halved

        var resumed = Halving(Build("adam").Solver);
        Checkpoint.Restore(resumed, path);
        Assert.Equal(0.5 * 1e-2 * 0.9, resumed.LearningRate, 1e-15);
        resumed.Train();
        foreach (var (name, w) in whole.Model.Params) Assert.Equal(w.AsSpan().ToArray(), resumed.Model.Params[name].AsSpan().ToArray());
        Assert.Equal(whole.LossHistory, resumed.LossHistory);
    }

    /// <summary>A softmax classifier of the library user's own, its weights named as attention's values are: "v".</summary>
    private sealed class LinearV : IModel<float>
    {
        public ParameterSet<float> Params { get; } = new() { ["v"] = new NumpyRandom(5).Randn<float>(12, 3), ["b"] = new NDArray<float>(3) };
        public ParameterSet<float> Buffers { get; } = new();
        public int InputDim => 12;
        public int NumClasses => 3;
        public NDArray<float> Loss(NDArray<float> x, Workspace? ws = null) => Layer.AffineForward(x, Params["v"], Params["b"]).Out;

        public (double Loss, ParameterSet<float> Grads) Loss(NDArray<float> x, int[] y, Workspace? ws = null)
        {
            var (scores, cache) = Layer.AffineForward(x, Params["v"], Params["b"]);
            var (loss, dscores) = Layer.SoftmaxLoss(scores, y);
            var (_, dv, db) = Layer.AffineBackward(dscores, cache);
            return (loss, new ParameterSet<float> { ["v"] = dv, ["b"] = db });
        }
    }

    [Fact]
    public void AModelsOwnParameterNamedLikeAnUpdateRulesState_MayBeNegative()
    {
        // "v" is Adam's second moment and "cache" RMSprop's only under optim/: a model's weight of that name holds any
        // sign. Restore refused it ("model/v holds the negative value …, but it is a running mean of squares").
        static Solver<float> Make() => new(new LinearV(), Data(), new SolverOptions
        {
            UpdateRule = "sgd_momentum", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-2 },
            NumEpochs = 4, BatchSize = 10, Verbose = false,
        }, new NumpyRandom(4));
        using var dir = new TempDir();
        var saved = Make();
        var path = SavedAfter(dir.Path, saved, 10);
        Assert.Contains(saved.Model.Params["v"].AsSpan().ToArray(), w => w < 0);
        var resumed = Make();
        Checkpoint.Restore(resumed, path);
        Assert.Equal(10, resumed.Iteration);
        Assert.Equal(saved.Model.Params["v"].AsSpan().ToArray(), resumed.Model.Params["v"].AsSpan().ToArray());
    }

    [Fact]
    public void AMetaKeyGivenTwice_IsAnInvalidDataException_NamingTheFile()
    {
        // JsonObject refused it when first read with an ArgumentException ("An item with the same key has already been
        // added"), which named no file, and train --resume exited 2 (bad usage).
        using var dir = new TempDir();
        var after = SavedAfter(dir.Path, Build("adam").Solver, 10);
        var twice = Changed(after, dir.Path, "meta", a =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString((byte[])a.Data).Replace("{\"format\"", "{\"epoch\":1,\"format\""));
            return new NpyArray(bytes, bytes.Length);
        });
        foreach (var read in new Action[] { () => Checkpoint.Restore(Build("adam").Solver, twice), () => Checkpoint.ReadConfig(twice), () => Checkpoint.ReadDataSource(twice) })
        {
            var e = Assert.Throws<InvalidDataException>(read);
            Assert.StartsWith(twice + ": ", e.Message);
            Assert.Contains("Duplicate property 'epoch'", e.Message);
        }
    }

    [Fact]
    public void AModelFileWithANegativeRunningVariance_IsRefusedAsDamaged_NotLoaded()
    {
        // Loaded, it made every score NaN, and eval said "the run diverged" of a damaged file.
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "model.npz");
        ModelFile.Save(Build("adam").Model, path);
        var damaged = Changed(path, dir.Path, "running_var2", a => Set(a, -2.0));
        foreach (var load in new Action[] { () => ModelFile.Load(Build("adam").Model, damaged), () => ModelFile.LoadNet<float>(damaged) })
            Assert.Equal($"{damaged}: 'running_var2' holds the negative variance -2; no run writes one: the file is damaged.",
                Assert.Throws<InvalidDataException>(load).Message);
        // What a diverged run saves, NaN or ∞, still loads (eval and predict refuse it by name, as diverged).
        ModelFile.Load(Build("adam").Model, Changed(path, dir.Path, "running_var1", a => Set(a, double.PositiveInfinity)));
    }

    [Fact]
    public void Restore_RefusesBestParametersThatAreMissingOrMisshapen()
    {
        using var dir = new TempDir();
        var after = SavedAfter(dir.Path, Build("adam").Solver, 10);   // past the first epoch's check: best/ is stored
        Assert.Contains("best/W1", Npz.Load(after).Keys);
        var misshapen = Path.Combine(dir.Path, "misshapen.npz");
        Npz.Save(misshapen, Npz.Load(after).Select(kv => kv.Key == "best/W1" ? new KeyValuePair<string, NpyArray>(kv.Key, new NpyArray(new float[49], 7, 7)) : kv));
        Assert.Contains("'best/W1' has shape (7, 7) but the model's has (12, 16)",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, misshapen)).Message);
        var missing = Path.Combine(dir.Path, "missing.npz");
        Npz.Save(missing, Npz.Load(after).Where(kv => kv.Key != "best/running_var2"));
        Assert.Contains("no array named 'best/running_var2'",
            Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Build("adam").Solver, missing)).Message);
    }

    [Theory]
    [InlineData("adam", 13)]
    [InlineData("sgd_momentum", 8)]
    [InlineData("rmsprop", 1)]
    public void ResumedRun_EqualsUninterruptedRun(string rule, int stopAt)
    {
        using var dir = new TempDir();
        var (whole, wholeSolver) = Build(rule);
        wholeSolver.Train();

        var (first, firstSolver) = Build(rule);
        using (var cts = new CancellationTokenSource())
        {
            firstSolver.IterationCompleted += i => { if (i.Iteration == stopAt) cts.Cancel(); };
            firstSolver.Train(cts.Token);
        }
        var path = Path.Combine(dir.Path, "ckpt.npz");
        Checkpoint.Save(firstSolver, path, new TrainConfig { UpdateRule = rule });

        var (resumed, resumedSolver) = Build(rule);      // a fresh process would rebuild exactly this
        Checkpoint.Restore(resumedSolver, path);
        Assert.Equal(stopAt, resumedSolver.Iteration);
        resumedSolver.Train();

        Assert.Equal(wholeSolver.LossHistory, resumedSolver.LossHistory);
        Assert.Equal(wholeSolver.ValAccHistory, resumedSolver.ValAccHistory);
        foreach (var (k, v) in whole.Params) Assert.Equal(v.AsSpan(), resumed.Params[k].AsSpan());
        foreach (var (k, v) in whole.Buffers) Assert.Equal(v.AsSpan(), resumed.Buffers[k].AsSpan());
        Assert.Equal(rule, Checkpoint.ReadConfig(path)!.UpdateRule);
    }

    [Fact]
    public void CheckpointName_WritesOneFilePerEpoch()
    {
        using var dir = new TempDir();
        var (_, solver) = Build("adam", Path.Combine(dir.Path, "run"));
        solver.Train();
        for (int e = 0; e <= 4; e++) Assert.True(File.Exists(Path.Combine(dir.Path, $"run_epoch_{e}.npz")), $"epoch {e}");
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void CheckpointName_InAFolderThatIsNotThere_IsRefusedBeforeTraining()
    {
        // It trained the first iteration, then threw DirectoryNotFoundException from inside the checkpoint writer.
        using var dir = new TempDir();
        var name = Path.Combine(dir.Path, "missing", "run");
        var e = Assert.Throws<ArgumentException>(() => Build("adam", name));
        Assert.Equal("CheckpointName", e.ParamName);
        Assert.Contains($"the folder {Path.Combine(dir.Path, "missing")} does not exist", e.Message);
        Assert.Contains("names no file", Assert.Throws<ArgumentException>(() => Build("adam", dir.Path + Path.DirectorySeparatorChar)).Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Restore_TakesTheRuleNameInAnyCase()
    {
        // Rule names are matched ignoring case ("Adam" trains with adam); a resume compared the spellings and refused.
        using var dir = new TempDir();
        var path = SavedAfter(dir.Path, Build("Adam").Solver, 10);
        var meta = System.Text.Json.Nodes.JsonNode.Parse((byte[])Npz.Load(path)["meta"].Data)!;
        Assert.Equal("adam", (string?)meta["update_rule"]);   // the rule's own name is saved
        var (_, resumed) = Build(" adam ");
        Checkpoint.Restore(resumed, path);
        Assert.Equal(10, resumed.Iteration);
    }

    [Fact]
    public void Restore_RejectsAnotherSchedule_AndNonCheckpoints()
    {
        using var dir = new TempDir();
        var (_, solver) = Build("adam");
        var path = Path.Combine(dir.Path, "c.npz");
        Checkpoint.Save(solver, path);
        var (_, other) = Build("sgd");
        Assert.Contains("written for", Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(other, path)).Message);
        var model = Path.Combine(dir.Path, "m.npz");
        ModelFile.Save(solver.Model, model);
        Assert.Contains("not a Backprop checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(solver, model)).Message);
    }

    [Fact]
    public void ModelFile_RoundTrips_WithNotebookNames()
    {
        using var dir = new TempDir();
        var (model, solver) = Build("adam");
        solver.Train();
        var path = Path.Combine(dir.Path, "model.npz");
        ModelFile.Save(model, path);
        var names = Npz.Load(path).Keys.ToHashSet();
        Assert.Superset(new HashSet<string> { "W1", "b1", "gamma1", "beta1", "W3", "b3", "running_mean1", "running_var2" }, names);

        var copy = new FullyConnectedNet<float>([16, 8], inputDim: 12, numClasses: 3, dropoutKeep: 0.8, normalization: Normalization.BatchNorm, rng: new NumpyRandom(123));
        ModelFile.Load(copy, path);
        var x = Data().XVal;
        Assert.Equal(model.Loss(x).AsSpan(), copy.Loss(x).AsSpan());

        var wrong = new FullyConnectedNet<float>([16, 9], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm);
        Assert.Contains("'W2' has shape (16, 8)", Assert.Throws<InvalidDataException>(() => ModelFile.Load(wrong, path)).Message);
    }

    [Theory]
    [InlineData(Normalization.BatchNorm)]
    [InlineData(Normalization.LayerNorm)]
    [InlineData(Normalization.None)]
    public void ModelFile_LoadNet_RebuildsTheNetworkFromTheFileAlone(Normalization normalization)
    {
        using var dir = new TempDir();
        var model = new FullyConnectedNet<float>([16, 8], inputDim: 12, numClasses: 3, dropoutKeep: 0.8, normalization: normalization, rng: new NumpyRandom(5));
        new Solver<float>(model, Data(), new SolverOptions { UpdateRule = "adam", NumEpochs = 2, BatchSize = 10, Verbose = false }, new NumpyRandom(4)).Train();
        var path = Path.Combine(dir.Path, "model.npz");
        ModelFile.Save(model, path);

        var loaded = ModelFile.LoadNet<float>(path);
        Assert.Equal((normalization, 12, 3), (loaded.Normalization, loaded.InputDim, loaded.NumClasses));
        Assert.Equal([16, 8], loaded.HiddenDims);
        var x = Data().XVal;
        Assert.Equal(model.Loss(x).AsSpan(), loaded.Loss(x).AsSpan());   // running statistics too, for batch norm
        var scores = model.Loss(x);
        var wide = ModelFile.LoadNet<double>(path).Loss(x.Cast<double>());   // a float32 file into a float64 net
        for (int i = 0; i < scores.Size; i++) Assert.Equal(scores.Flat(i), wide.Flat(i), 1e-4);
    }

    [Fact]
    public void ModelFile_LoadNet_RefusesFilesThatAreNoSuchNetwork()
    {
        using var dir = new TempDir();
        string Saved(string name, params (string Key, int[] Shape)[] arrays)
        {
            var path = Path.Combine(dir.Path, name);
            Npz.Save(path, arrays.Select(a => new KeyValuePair<string, NpyArray>(a.Key, new NpyArray(new float[a.Shape.Aggregate(1, (p, d) => p * d)], a.Shape))));
            return path;
        }
        Assert.Contains("no array named 'W1'", Assert.Throws<InvalidDataException>(() => ModelFile.LoadNet<float>(Saved("none.npz", ("weights", [2, 2])))).Message);
        Assert.Contains("'W2' has shape (5, 3) but the layer before it gives 4 features",
            Assert.Throws<InvalidDataException>(() => ModelFile.LoadNet<float>(Saved("gap.npz", ("W1", [6, 4]), ("b1", [4]), ("W2", [5, 3]), ("b2", [3])))).Message);
        Assert.Contains("'b2'", Assert.Throws<InvalidDataException>(() => ModelFile.LoadNet<float>(Saved("nob.npz", ("W1", [6, 4]), ("b1", [4]), ("W2", [4, 3])))).Message);
        Assert.Contains("'extra'", Assert.Throws<InvalidDataException>(() => ModelFile.LoadNet<float>(
            Saved("extra.npz", ("W1", [6, 3]), ("b1", [3]), ("extra", [1])))).Message);
    }

    [Fact]
    public void ModelFile_RefusesAnotherArchitecture_AndCopiesNothingUnlessEverythingFits()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "deep.npz");
        ModelFile.Save(new FullyConnectedNet<float>([4, 4], inputDim: 5, numClasses: 4, rng: new NumpyRandom(1)), path);
        // One hidden layer fewer: every array the shallow net has is in the file with its shape (W2 is (4, 4) in both).
        var shallow = new FullyConnectedNet<float>([4], inputDim: 5, numClasses: 4, rng: new NumpyRandom(2));
        var before = shallow.Params["W1"].Copy();
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(shallow, path));
        Assert.Contains("'W3', 'b3', which this model has not: it was written for another architecture", e.Message);
        Assert.Equal(before.AsSpan(), shallow.Params["W1"].AsSpan());

        var normalized = Path.Combine(dir.Path, "bn.npz");
        ModelFile.Save(new FullyConnectedNet<float>([4], inputDim: 5, numClasses: 4, normalization: Normalization.BatchNorm), normalized);
        Assert.Contains("'gamma1'", Assert.Throws<InvalidDataException>(() => ModelFile.Load(shallow, normalized)).Message);

        // A right W1 and a wrong b1: refused before W1 is touched.
        var mixed = Path.Combine(dir.Path, "mixed.npz");
        var arrays = Npz.Load(path).Where(kv => kv.Key is "W1" or "W2" or "b2").ToList();
        arrays.Add(new("b1", new NpyArray(new float[7], 7)));
        Npz.Save(mixed, arrays);
        Assert.Contains("'b1' has shape (7,)", Assert.Throws<InvalidDataException>(() => ModelFile.Load(shallow, mixed)).Message);
        Assert.Equal(before.AsSpan(), shallow.Params["W1"].AsSpan());
    }

    [Fact]
    public void Restore_RefusesAnotherArchitecture_AndAFailedRestoreLeavesTheSolverAsItWas()
    {
        using var dir = new TempDir();
        var (_, trained) = Build("adam");
        trained.Train();
        var path = Path.Combine(dir.Path, "c.npz");
        Checkpoint.Save(trained, path);

        var (fresh, freshSolver) = Build("adam");
        var w1 = fresh.Params["W1"].Copy();
        var rng = freshSolver.Rng.GetState();
        // A generator state broken in the file: found after the model's arrays were read, before any was copied.
        var broken = Path.Combine(dir.Path, "broken.npz");
        var arrays = Npz.Load(path).Where(kv => kv.Key != "rng/solver").ToList();
        arrays.Add(new("rng/solver", new NpyArray(new long[] { 1, 2, 3 }, 3)));
        Npz.Save(broken, arrays);
        Assert.Contains("rng/solver", Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(freshSolver, broken)).Message);
        Assert.Equal(w1.AsSpan(), fresh.Params["W1"].AsSpan());
        Assert.Equal(0, freshSolver.Iteration);
        Assert.Empty(freshSolver.LossHistory);
        Assert.Equal(rng.Key, freshSolver.Rng.GetState().Key);

        // The same options on a net with one hidden layer fewer.
        var shallow = new FullyConnectedNet<float>([16], inputDim: 12, numClasses: 3, dropoutKeep: 0.8, normalization: Normalization.BatchNorm, rng: new NumpyRandom(9));
        var options = freshSolver.Options;
        var shallowSolver = new Solver<float>(shallow, Data(), options, new NumpyRandom(4));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(shallowSolver, path));
        Assert.Contains("'model/W2' has shape (16, 8) but the model's has (16, 3)", e.Message);
    }
}
