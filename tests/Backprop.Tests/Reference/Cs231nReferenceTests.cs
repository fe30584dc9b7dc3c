using System.Numerics;
using System.Text.Json.Nodes;
using Backprop.Data;
using Backprop.Models;
using Backprop.Models.Monolithic;
using Backprop.Tensors;
using Backprop.Training;
using Xunit.Abstractions;

namespace Backprop.Tests.Reference;

/// <summary>
/// Whole training runs against the course's own code: <c>cs231n_reference.py</c> (layers.py, fc_net.py, optim.py and
/// solver.py as the assignment's solutions complete them, and the first assignment's neural_net.py, on NumPy's one
/// global generator) trains a net, and Backprop
/// trains the same net on the same data with one <see cref="NumpyRandom"/> shared by the model and the Solver, as the
/// notebooks share <c>np.random</c>. The weights, every minibatch, every dropout mask and every accuracy subsample are
/// then the same draws, so the runs must agree: each iteration's loss, every train and validation accuracy, the best
/// validation accuracy, and the parameters and running statistics restored at the end. What is left is the
/// summation order of the products (OpenBLAS's against ours), which float64 keeps below 1e-9 over these runs.
/// </summary>
public class Cs231nReferenceTests(ITestOutputHelper output)
{
    /// <summary>One run's settings, named as the Python script reads them.</summary>
    public sealed record Spec(
        string UpdateRule, Dictionary<string, double> OptimConfig, int[] HiddenDims, string Dtype = "float64",
        string? Normalization = null, double Dropout = 1.0, double Reg = 0.0, double WeightScale = 5e-2,
        double LrDecay = 1.0, int BatchSize = 25, int NumEpochs = 4, int[]? InputShape = null, int NumClasses = 5,
        int NumTrain = 300, int NumVal = 120, int? NumTrainSamples = 100, int? NumValSamples = null,
        double LabelNoise = 0.1, uint Seed = 0, uint DataSeed = 1, string Model = "fc", int NumIters = 0);

    public static TheoryData<string, Spec> Runs() => new()
    {
        { "sgd, L2, sample shape (3, 4, 4)", new("sgd", new() { ["learning_rate"] = 0.5 }, [20, 15], Reg: 0.01, WeightScale: 0.2, InputShape: [3, 4, 4]) },
        { "sgd_momentum, lr decay", new("sgd_momentum", new() { ["learning_rate"] = 0.05, ["momentum"] = 0.8 }, [20, 15], Reg: 0.01, WeightScale: 0.2, LrDecay: 0.8) },
        { "sgd_nesterov_momentum, defaults but lr", new("sgd_nesterov_momentum", new() { ["learning_rate"] = 0.05 }, [16], NumValSamples: 50) },
        { "rmsprop, 3 hidden layers", new("rmsprop", new() { ["learning_rate"] = 3e-3, ["decay_rate"] = 0.9 }, [20, 20, 10], Reg: 1e-3, WeightScale: 0.3) },
        { "adam, batch norm, dropout", new("adam", new() { ["learning_rate"] = 5e-3 }, [24, 18], Normalization: "batchnorm", Dropout: 0.7, LrDecay: 0.9) },
        { "adagrad, layer norm, dropout", new("adagrad", new() { ["learning_rate"] = 5e-2 }, [24, 18], Normalization: "layernorm", Dropout: 0.8) },
        { "adam, no hidden layer", new("adam", new() { ["learning_rate"] = 1e-2, ["beta1"] = 0.8 }, []) },
        // W1 of 1024 x 512 float64 is 4 MiB: the Solver applies Adam inside the backward product (FusedUpdates).
        { "adam fused into the first layer's backward", new("adam", new() { ["learning_rate"] = 1e-3 }, [512], Normalization: "batchnorm",
            InputShape: [4, 16, 16], NumTrain: 400, BatchSize: 50, NumEpochs: 2, NumTrainSamples: 200, WeightScale: 1e-2) },
    };

    [SkippableTheory]
    [MemberData(nameof(Runs))]
    public void Float64Training_FollowsTheCourseCode(string name, Spec spec)
    {
        var (reference, solver, model) = TrainBoth<double>(spec);
        output.WriteLine(name);
        CompareHistories(reference, solver, lossTolerance: 1e-9, exactAccuracies: true);
        CompareState(reference, model, tolerance: 1e-9);
    }

    [SkippableFact]
    public void Float32Training_FollowsTheCourseCode()
    {
        // In float32 both sides round every operation to 24 bits in their own order: the losses drift apart by ~1e-7.
        // Layer norm, not batch norm: in float32 Adam turns the rounding noise that is the gradient of a bias before
        // batch norm into steps of the learning rate's size (the course's code moves b1 to 1.2e-2 in these 48 steps),
        // different noise on each side; test-mode scores then differ through the running means. Nor dropout: the
        // course's dropout_backward returns float64 (its mask is), which turns the float32 net's weights into float64.
        var spec = new Spec("adam", new() { ["learning_rate"] = 5e-3 }, [24, 18], Dtype: "float32", Normalization: "layernorm", Reg: 1e-3);
        var (reference, solver, model) = TrainBoth<float>(spec);
        CompareHistories(reference, solver, lossTolerance: 1e-5, exactAccuracies: false);
        CompareState(reference, model, tolerance: 1e-4);
    }

    [SkippableTheory]
    [InlineData(Convention.Cs231n)]
    [InlineData(Convention.Ucla)]
    public void MonolithicTwoLayerNetTrain_FollowsTheCourseCode(Convention convention)
    {
        // neural_net.py's own loop: plain SGD, the decay and the accuracies (the minibatch's, then validation's) once per
        // epoch; 7 epochs of 12 iterations, the last one cut short.
        var spec = new Spec("sgd", new() { ["learning_rate"] = 0.3 }, [30], Reg: 1e-3, WeightScale: 0.1, LrDecay: 0.9, BatchSize: 25,
            Model: convention == Convention.Ucla ? "monolithic-ucla" : "monolithic-cs231n", NumIters: 80);
        Skip.IfNot(ReferenceScript.Available, "the course's code needs NumPy (apt-get install python3-numpy)");
        using var dir = new Data.TempDir();
        var reference = RunCourseCode(spec, dir);
        var rng = new NumpyRandom(spec.Seed);
        var net = new Backprop.Models.Monolithic.TwoLayerNet<double>(12, 30, spec.NumClasses, std: spec.WeightScale, convention: convention, rng: rng);
        var stats = net.Train(reference["X_train"].ToNDArray<double>(), reference["y_train"].ToInt32Array(),
            reference["X_val"].ToNDArray<double>(), reference["y_val"].ToInt32Array(), learningRate: 0.3,
            learningRateDecay: spec.LrDecay, reg: spec.Reg, numIters: spec.NumIters, batchSize: spec.BatchSize);

        double[] loss = reference["loss_history"].ToNDArray<double>().AsSpan().ToArray();
        Assert.Equal(spec.NumIters, loss.Length);
        Assert.Equal(loss.Length, stats.LossHistory.Count);
        double worst = Enumerable.Range(0, loss.Length).Max(i => Math.Abs(loss[i] - stats.LossHistory[i]) / Math.Abs(loss[i]));
        output.WriteLine($"{loss.Length} iterations, losses {loss[0]:F4} → {loss[^1]:F4}, largest relative difference {worst:0.0e+00}");
        Assert.True(worst <= 1e-9, $"losses differ by {worst:0.0e+00} (relative)");
        Assert.True(loss[^1] < loss[0] * 0.9, $"the run did not learn (loss {loss[0]} → {loss[^1]}): a weak comparison");
        Assert.Equal(reference["train_acc_history"].ToNDArray<double>().AsSpan().ToArray(), stats.TrainAccHistory);
        Assert.Equal(reference["val_acc_history"].ToNDArray<double>().AsSpan().ToArray(), stats.ValAccHistory);
        Assert.Equal(7, stats.ValAccHistory.Count);
        foreach (var name in new[] { "W1", "b1", "W2", "b2" })
        {
            var want = reference["param_" + name].ToNDArray<double>();
            var got = net.Params[name];
            Assert.Equal(want.Shape.ToArray(), got.Shape.ToArray());
            double scale = 0, diff = 0;
            for (int i = 0; i < want.Size; i++)
            {
                scale = Math.Max(scale, Math.Abs(want.Flat(i)));
                diff = Math.Max(diff, Math.Abs(want.Flat(i) - got.Flat(i)));
            }
            output.WriteLine($"{name}: largest relative difference {diff / scale:0.0e+00}");
            Assert.True(diff <= 1e-9 * scale, $"{name}: largest difference {diff:0.0e+00} against a largest value of {scale:0.0e+00}");
        }
    }

    private (IReadOnlyDictionary<string, NpyArray> Reference, Solver<T> Solver, FullyConnectedNet<T> Model) TrainBoth<T>(Spec spec)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Skip.IfNot(ReferenceScript.Available, "the course's code needs NumPy (apt-get install python3-numpy)");
        using var dir = new Data.TempDir();
        var reference = RunCourseCode(spec, dir);

        int[] shape = spec.InputShape ?? [12];
        var data = new Dataset<T>(
            reference["X_train"].ToNDArray<T>(), reference["y_train"].ToInt32Array(),
            reference["X_val"].ToNDArray<T>(), reference["y_val"].ToInt32Array(), NumClasses: spec.NumClasses);
        Assert.Equal([spec.NumTrain, .. shape], data.XTrain.Shape.ToArray());

        var rng = new NumpyRandom(spec.Seed);   // np.random.seed(seed): the weights, then the Solver's draws and dropout's
        var model = new FullyConnectedNet<T>(spec.HiddenDims, inputDim: shape.Aggregate(1, (a, b) => a * b), numClasses: spec.NumClasses,
            dropoutKeep: spec.Dropout, normalization: spec.Normalization switch
            {
                "batchnorm" => Normalization.BatchNorm,
                "layernorm" => Normalization.LayerNorm,
                _ => Normalization.None,
            }, reg: spec.Reg, weightScale: spec.WeightScale, rng: rng);
        var solver = new Solver<T>(model, data, new SolverOptions
        {
            UpdateRule = spec.UpdateRule, OptimConfig = spec.OptimConfig, LrDecay = spec.LrDecay, BatchSize = spec.BatchSize,
            NumEpochs = spec.NumEpochs, NumTrainSamples = spec.NumTrainSamples, NumValSamples = spec.NumValSamples, Verbose = false,
        }, rng);
        solver.Train();
        return (reference, solver, model);
    }

    private static IReadOnlyDictionary<string, NpyArray> RunCourseCode(Spec spec, Data.TempDir dir)
    {
        static JsonArray Ints(int[] v) => new(v.Select(i => (JsonNode?)i).ToArray());
        var config = new JsonObject();
        foreach (var (k, v) in spec.OptimConfig) config[k] = v;
        var json = new JsonObject
        {
            ["update_rule"] = spec.UpdateRule, ["optim_config"] = config, ["hidden_dims"] = Ints(spec.HiddenDims),
            ["dtype"] = spec.Dtype, ["normalization"] = spec.Normalization, ["dropout"] = spec.Dropout, ["reg"] = spec.Reg,
            ["weight_scale"] = spec.WeightScale, ["lr_decay"] = spec.LrDecay, ["batch_size"] = spec.BatchSize,
            ["num_epochs"] = spec.NumEpochs, ["input_shape"] = Ints(spec.InputShape ?? [12]), ["num_classes"] = spec.NumClasses,
            ["num_train"] = spec.NumTrain, ["num_val"] = spec.NumVal, ["num_train_samples"] = spec.NumTrainSamples,
            ["num_val_samples"] = spec.NumValSamples, ["label_noise"] = spec.LabelNoise, ["seed"] = spec.Seed,
            ["data_seed"] = spec.DataSeed, ["model"] = spec.Model, ["num_iters"] = spec.NumIters,
        };
        string specPath = dir.File("spec.json"), outPath = dir.File("reference.npz");
        File.WriteAllText(specPath, json.ToJsonString());
        ReferenceScript.Run("cs231n_reference.py", specPath, outPath);
        return Npz.Load(outPath);
    }

    private void CompareHistories<T>(IReadOnlyDictionary<string, NpyArray> reference, Solver<T> solver, double lossTolerance, bool exactAccuracies)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] loss = reference["loss_history"].ToNDArray<double>().AsSpan().ToArray();
        Assert.Equal(loss.Length, solver.LossHistory.Count);
        double worst = 0;
        for (int i = 0; i < loss.Length; i++)
        {
            double rel = Math.Abs(loss[i] - solver.LossHistory[i]) / Math.Abs(loss[i]);
            worst = Math.Max(worst, rel);
            Assert.True(rel <= lossTolerance, $"iteration {i + 1}: loss {solver.LossHistory[i]:R}, the course's code {loss[i]:R} (relative difference {rel:0.0e+00})");
        }
        output.WriteLine($"{loss.Length} iterations, losses {loss[0]:F4} → {loss[^1]:F4}, largest relative difference {worst:0.0e+00}");
        Assert.True(loss[^1] < loss[0] * 0.9, $"the run did not learn (loss {loss[0]} → {loss[^1]}): a weak comparison");

        double[] train = reference["train_acc_history"].ToNDArray<double>().AsSpan().ToArray();
        double[] val = reference["val_acc_history"].ToNDArray<double>().AsSpan().ToArray();
        output.WriteLine($"train acc {string.Join(' ', train)}; val acc {string.Join(' ', val)}");
        // float64 runs agree on every prediction; float32 ones may differ by a sample whose two top scores are within
        // the rounding (one sample of 100 is 0.01).
        double accuracyTolerance = exactAccuracies ? 0 : 0.0101;
        Assert.Equal(train.Length, solver.TrainAccHistory.Count);
        Assert.Equal(val.Length, solver.ValAccHistory.Count);
        for (int i = 0; i < train.Length; i++)
        {
            Assert.True(Math.Abs(train[i] - solver.TrainAccHistory[i]) <= accuracyTolerance, $"check {i + 1}: train accuracy {solver.TrainAccHistory[i]}, the course's code {train[i]}");
            Assert.True(Math.Abs(val[i] - solver.ValAccHistory[i]) <= accuracyTolerance, $"check {i + 1}: validation accuracy {solver.ValAccHistory[i]}, the course's code {val[i]}");
        }
        Assert.True(Math.Abs(reference["best_val_acc"].ToNDArray<double>().Flat(0) - solver.BestValAcc) <= accuracyTolerance);
        Assert.True(val.Distinct().Count() > 1, "validation accuracy never moved: the best-parameter choice is untested");
    }

    private void CompareState<T>(IReadOnlyDictionary<string, NpyArray> reference, FullyConnectedNet<T> model, double tolerance)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var expected = reference.Where(kv => kv.Key.StartsWith("param_", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["param_".Length..], kv => kv.Value);
        Assert.Equal(expected.Keys.Order(), model.Params.Select(kv => kv.Key).Order());
        var buffers = reference.Where(kv => kv.Key.StartsWith("running_", StringComparison.Ordinal)).ToDictionary();
        Assert.Equal(buffers.Keys.Order(), model.Buffers.Select(kv => kv.Key).Order());
        double worst = 0;
        foreach (var (key, want, got) in expected.Select(kv => (kv.Key, kv.Value, model.Params[kv.Key]))
                     .Concat(buffers.Select(kv => (kv.Key, kv.Value, model.Buffers[kv.Key]))))
        {
            var w = want.ToNDArray<double>();
            Assert.Equal(w.Shape.ToArray(), got.Shape.ToArray());
            if (model.Normalization == Normalization.BatchNorm && IsBiasBeforeNorm(key, model.NumLayers))
            {
                // Batch norm subtracts the bias with the batch mean: its true gradient is 0, and on both sides it holds
                // only the rounding of that subtraction (~1e-10 after Adam's steps), which need not agree.
                double largest = Math.Max(w.AsSpan().ToArray().Max(Math.Abs), got.AsSpan().ToArray().Max(v => Math.Abs(double.CreateChecked(v))));
                Assert.True(largest <= 1e-8, $"{key}, the bias before batch norm, moved to {largest:0.0e+00}: it has no gradient to follow");
                continue;
            }
            // Relative to the array's scale: a weight near 0 carries the absolute error of its larger neighbours.
            double scale = 0, diff = 0;
            for (int i = 0; i < w.Size; i++)
            {
                scale = Math.Max(scale, Math.Abs(w.Flat(i)));
                diff = Math.Max(diff, Math.Abs(w.Flat(i) - double.CreateChecked(got.Flat(i))));
            }
            // A running mean holds the mean of x·W + b: b's rounding above (≤ 1e-8) enters it unscaled.
            if (key.StartsWith("running_mean", StringComparison.Ordinal)) diff = Math.Max(0, diff - 1e-8);
            double rel = diff / scale;
            worst = Math.Max(worst, rel);
            Assert.True(rel <= tolerance, $"{key}: largest difference {diff:0.0e+00} against a largest value of {scale:0.0e+00} (relative {rel:0.0e+00})");
        }
        output.WriteLine($"final parameters and statistics: largest relative difference {worst:0.0e+00}");
    }

    private static bool IsBiasBeforeNorm(string key, int numLayers) =>
        key.StartsWith('b') && int.TryParse(key.AsSpan(1), out int layer) && layer < numLayers;
}
