using Backprop.Tests.Kernels;
using Backprop.Data;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>The Solver's CS231n semantics, progress lines, divergence handling and determinism.</summary>
[Collection(KernelCollection.Name)]   // sets UpdateRule<T>.MinTiledBytes, a process-wide threshold
public class SolverTests
{
    private static Dataset<double> Blobs(int n, int d = 12, int classes = 3, uint seed = 0)
    {
        // Separable clusters: class c has mean 3·e_c.
        var rng = new NumpyRandom(seed);
        var x = rng.Randn(n, d);
        var y = rng.Randint(classes, n);
        for (int i = 0; i < n; i++) x[i, y[i]] += 3;
        var xv = rng.Randn(n / 2, d);
        var yv = rng.Randint(classes, n / 2);
        for (int i = 0; i < n / 2; i++) xv[i, yv[i]] += 3;
        return new Dataset<double>(x, y, xv, yv, NumClasses: classes);
    }

    private static SolverOptions Quiet(string rule = "sgd", double lr = 1e-2, int epochs = 3, int batch = 10) => new()
    {
        UpdateRule = rule,
        OptimConfig = new Dictionary<string, double> { ["learning_rate"] = lr },
        NumEpochs = epochs,
        BatchSize = batch,
        Verbose = false,
    };

    /// <summary>A network whose training loss is its own: the softmax loss plus 100, so the histories tell them apart.</summary>
    private sealed class ShiftedLossNet() : FullyConnectedNet<double>([8], 12, 3, rng: new NumpyRandom(1)), IModel<double>
    {
        public int Calls;

        public new (double Loss, ParameterSet<double> Grads) Loss(NDArray<double> x, int[] y, Workspace? ws = null)
        {
            Calls++;
            var (loss, grads) = base.Loss(x, y, ws);
            return (loss + 100, grads);
        }
    }

    [Fact]
    public void ASubclassThatReimplementsTheLoss_IsTrainedOnItsOwnLoss()
    {
        // The fused Adam path calls the network's own loss directly: only for the library's own networks.
        var net = new ShiftedLossNet();
        var solver = new Solver<double>(net, Blobs(40), Quiet("adam") with { FusedUpdates = true });
        solver.Step();
        Assert.Equal(1, net.Calls);
        Assert.InRange(solver.LossHistory[0], 100, 110);
    }

    /// <summary>A model whose test-time scores come out transposed, (C, N).</summary>
    private sealed class TransposedScores : IModel<double>
    {
        public ParameterSet<double> Params { get; } = new() { ["W"] = new NDArray<double>(12, 3) };
        public ParameterSet<double> Buffers { get; } = new();
        public int InputDim => 12;
        public int NumClasses => 3;
        public NDArray<double> Loss(NDArray<double> x, Workspace? ws = null) => new(3, x.Dim(0));
        public (double Loss, ParameterSet<double> Grads) Loss(NDArray<double> x, int[] y, Workspace? ws = null) =>
            (0, new ParameterSet<double> { ["W"] = new NDArray<double>(12, 3) });
    }

    [Fact]
    public void SettingTheLearningRate_SetsEveryParametersRule_AndTheEpochsDecayGoesOnFromIt()
    {
        var data = Blobs(40);
        var solver = new Solver<double>(new FullyConnectedNet<double>([8], 12, 3, rng: new NumpyRandom(1)), data, Quiet("adam", lr: 1e-2, epochs: 4) with { LrDecay = 0.5 });
        solver.AccuracyChecked += e => { if (e.Epoch == 2) solver.LearningRate = 1e-3; };
        solver.Train();
        // 4 iterations an epoch: the checks after epochs 0 … 4; the rate set at epoch 2 is halved after epochs 3 and 4.
        Assert.Equal([1e-2, 5e-3, 2.5e-3, 5e-4, 2.5e-4], solver.LearningRateHistory.Select(v => Math.Round(v, 12)));
        Assert.Equal(4, solver.UpdateRules.Count);
        Assert.All(solver.UpdateRules, r => Assert.Equal(2.5e-4, r.Value.LearningRate, 12));

        var before = solver.LearningRate;
        Assert.Throws<ArgumentOutOfRangeException>(() => solver.LearningRate = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => solver.LearningRate = 0);
        Assert.All(solver.UpdateRules, r => Assert.Equal(before, r.Value.LearningRate));
    }

    /// <summary>A linear softmax model whose gradient for <c>W2</c> is transposed, or missing.</summary>
    private sealed class BadGradient(bool missing) : IModel<double>
    {
        public ParameterSet<double> Params { get; } = new()
        {
            ["W1"] = NDArray<double>.Full(0.1, 12, 3), ["W2"] = NDArray<double>.Full(0.1, 3, 3),
        };
        public ParameterSet<double> Buffers { get; } = new();
        public int InputDim => 12;
        public int NumClasses => 3;
        public NDArray<double> Loss(NDArray<double> x, Workspace? ws = null) => x.Dot(Params["W1"]).Dot(Params["W2"]);
        public (double Loss, ParameterSet<double> Grads) Loss(NDArray<double> x, int[] y, Workspace? ws = null)
        {
            var grads = new ParameterSet<double> { ["W1"] = NDArray<double>.Ones(12, 3) };
            if (!missing) grads["W2"] = NDArray<double>.Ones(3, 4);
            return (1.0, grads);
        }
    }

    [Theory]
    [InlineData(false, "returned a gradient of shape (3, 4) for parameter 'W2', whose shape is (3, 3)")]
    [InlineData(true, "returned no gradient for parameter 'W2'")]
    public void AGradientThatCannotBeApplied_IsRefusedNamingTheParameter_BeforeAnyParameterMoves(bool missing, string message)
    {
        // The rule's own check said only "sgd: the gradient has shape (3, 4) but the parameter has (3, 3)", after W1
        // had already been updated and the iteration counted.
        var model = new BadGradient(missing);
        var solver = new Solver<double>(model, Blobs(20), Quiet());
        var e = Assert.Throws<InvalidOperationException>(() => solver.Step());
        Assert.Contains("BadGradient.Loss(X, y) " + message, e.Message);
        Assert.All(model.Params["W1"].ToDoubleArray(), v => Assert.Equal(0.1, v));
        Assert.Equal(0, solver.Iteration);
        Assert.Empty(solver.LossHistory);
    }

    [Fact]
    public void ScoresOfAnotherShape_AreRefused_NotScoredAsClasses()
    {
        var data = Blobs(20);
        var e = Assert.Throws<InvalidOperationException>(() => Solver<double>.Accuracy(new TransposedScores(), data.XTrain, data.YTrain));
        Assert.Contains("returned scores of shape (3, 20) for 20 samples; expected (20, 3)", e.Message);
        Assert.Throws<InvalidOperationException>(() => Solver<double>.Predict(new TransposedScores(), data.XTrain));
    }

    [Fact]
    public void ScoresInBatches_AreTheWholeBatchsScores_AndPredictTheirArgmax()
    {
        var data = Blobs(23);
        var model = new FullyConnectedNet<double>([16, 8], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm, weightScale: 0.5, seed: 4u);
        var whole = model.Loss(data.XTrain);
        var scores = Solver<double>.Scores(model, data.XTrain, batchSize: 7);
        Assert.Equal("(23, 3)", scores.ShapeString);
        Assert.Equal(whole.AsSpan().ToArray(), scores.AsSpan().ToArray());
        var preds = Solver<double>.Predict(model, data.XTrain, batchSize: 5);
        for (int i = 0; i < 23; i++) Assert.Equal(scores.Row(i).ToArray().IndexOf(scores.Row(i).ToArray().Max()), preds[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Solver<double>.Scores(model, data.XTrain, batchSize: 0));
    }

    [Fact]
    public void Histories_FollowCs231nSchedule()
    {
        var data = Blobs(95);
        var model = new FullyConnectedNet<double>([8], inputDim: 12, numClasses: 3, weightScale: 0.1);
        var solver = new Solver<double>(model, data, Quiet(lr: 0.1, epochs: 4) with { LrDecay = 0.5 });
        Assert.Equal(9, solver.IterationsPerEpoch);               // 95 // 10
        Assert.Equal(36, solver.NumIterations);
        solver.Train();
        Assert.Equal(36, solver.LossHistory.Count);
        Assert.Equal(5, solver.TrainAccHistory.Count);             // after iteration 1, then each epoch end
        Assert.Equal(5, solver.ValAccHistory.Count);
        Assert.Equal(4, solver.Epoch);
        Assert.Equal(0.1 * Math.Pow(0.5, 4), solver.LearningRate, 15);
        Assert.Equal([0.1, 0.05, 0.025, 0.0125, 0.00625], solver.LearningRateHistory);
        Assert.Equal(solver.ValAccHistory.Max(), solver.BestValAcc);
        Assert.True(solver.BestValAcc > 0.8, $"best val {solver.BestValAcc}");
    }

    [Fact]
    public void VerboseOutput_UsesTheNotebookFormat()
    {
        var data = Blobs(40);
        var model = new FullyConnectedNet<double>([8], inputDim: 12, numClasses: 3);
        var log = new StringWriter();
        var solver = new Solver<double>(model, data, Quiet(epochs: 2) with { Verbose = true, PrintEvery = 3, Output = log });
        solver.Train();
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\(Iteration 1 / 8\) loss: \d\.\d{6}$", lines[0]);
        Assert.Matches(@"^\(Epoch 0 / 2\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}$", lines[1]);
        Assert.Matches(@"^\(Iteration 4 / 8\) loss: ", lines[2]);
        Assert.Contains(lines, l => l.StartsWith("(Epoch 2 / 2) train acc: ", StringComparison.Ordinal));
        Assert.StartsWith("finished optimization. best validation accuracy: ", lines[^1]);
    }

    [Theory]
    // The seeds' verbose runs: training images, batch, epochs, print_every, and the iterations of the lines printed.
    [InlineData(49000, 100, 10, 1000, 4900, new[] { 1, 1001, 2001, 3001, 4001 })]       // seed 000: TwoLayerNet; seed 003 prints every 100
    [InlineData(50, 25, 20, 10, 40, new[] { 1, 11, 21, 31 })]                          // seeds 000/001/003: overfitting 50 images
    [InlineData(4000, 100, 5, 10, 200, new[] { 1, 11, 21, 31, 41, 51, 61, 71, 81, 91, 101, 111, 121, 131, 141, 151, 161, 171, 181, 191 })]   // seeds 000/003: update rules
    [InlineData(49000, 100, 1, 1000, 490, new[] { 1 })]                                // seed 000: the random search
    [InlineData(49000, 25, 10, 1000, 19600, new[] { 1, 1001, 2001, 3001, 4001, 5001, 6001, 7001, 8001, 9001, 10001, 11001, 12001, 13001, 14001, 15001, 16001, 17001, 18001, 19001 })]   // seed 000: best model
    public void IterationAndEpochCounts_AreTheSeeds(int numTrain, int batch, int epochs, int printEvery, int numIterations, int[] printed)
    {
        // The seeds' data is the full CIFAR-10; the counts need only its sizes, so one feature per image stands in.
        var rng = new NumpyRandom(0);
        var x = rng.Randn(numTrain, 1);
        var y = rng.Randint(2, numTrain);
        var data = new Dataset<double>(x, y, x.SliceRows(0, Math.Min(numTrain, 1000)), y[..Math.Min(numTrain, 1000)], NumClasses: 2);
        var log = new StringWriter();
        var model = new FullyConnectedNet<double>([2], inputDim: 1, numClasses: 2, rng: rng);
        var solver = new Solver<double>(model, data, Quiet(epochs: epochs, batch: batch) with { Verbose = true, PrintEvery = printEvery, Output = log }, rng);
        Assert.Equal(numIterations, solver.NumIterations);
        solver.Train();
        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var iterations = lines.Where(l => l.StartsWith("(Iteration ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(printed.Select(i => $"(Iteration {i} / {numIterations}) loss:"), iterations.Select(l => l[..l.IndexOf(':')] + ":"));
        var epochLines = lines.Where(l => l.StartsWith("(Epoch ", StringComparison.Ordinal)).Select(l => l[..l.IndexOf(')')]).ToArray();
        Assert.Equal(Enumerable.Range(0, epochs + 1).Select(e => $"(Epoch {e} / {epochs}"), epochLines);
    }

    [Fact]
    public void BestParameters_AreRestoredAtTheEnd()
    {
        var data = Blobs(60);
        var model = new FullyConnectedNet<double>([8], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm);
        var solver = new Solver<double>(model, data, Quiet(rule: "adam", lr: 1e-2, epochs: 5));
        solver.Train();
        foreach (var (k, v) in solver.BestParams) Assert.Equal(v.AsSpan(), model.Params[k].AsSpan());
        foreach (var (k, v) in solver.BestBuffers) Assert.Equal(v.AsSpan(), model.Buffers[k].AsSpan());
        Assert.Equal(solver.BestValAcc, solver.CheckAccuracy(data.XVal, data.YVal), 12);
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalRuns()
    {
        double[] Run()
        {
            var rng = new NumpyRandom(11);
            var model = new FullyConnectedNet<double>([10, 10], inputDim: 12, numClasses: 3, dropoutKeep: 0.8, normalization: Normalization.BatchNorm, rng: rng);
            var solver = new Solver<double>(model, Blobs(50), Quiet(rule: "rmsprop", lr: 1e-3), rng);
            solver.Train();
            return [.. solver.LossHistory, .. solver.ValAccHistory, .. model.Params["W2"].AsSpan()];
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void CancelledRun_ContinuesToTheSameResult()
    {
        (double[] Losses, double[] W) Run(int stopAfter)
        {
            var rng = new NumpyRandom(5);
            var model = new FullyConnectedNet<float>([10], inputDim: 12, numClasses: 3, dropoutKeep: 0.7, rng: rng);
            var solver = new Solver<float>(model, Blobs(50).Map(), Quiet(rule: "adam", lr: 1e-2), rng);
            if (stopAfter > 0)
            {
                using var cts = new CancellationTokenSource();
                solver.IterationCompleted += info => { if (info.Iteration == stopAfter) cts.Cancel(); };
                solver.Train(cts.Token);
                Assert.Equal(stopAfter, solver.Iteration);
                Assert.False(solver.IsFinished);
            }
            solver.Train();
            return ([.. solver.LossHistory], model.Params["W1"].ToDoubleArray());
        }
        var whole = Run(0);
        var resumed = Run(7);
        Assert.Equal(whole.Losses, resumed.Losses);
        Assert.Equal(whole.W, resumed.W);
    }

    public static TheoryData<string> RuleNames() => [.. UpdateRules.Names];

    [Theory, MemberData(nameof(RuleNames))]
    public void FusedUpdates_GiveTheSameTraining_BitForBit(string rule)
    {
        // A rule applied to each weight matrix inside its gradient's product must change nothing: wide and narrow
        // weights (W3 is 40 × 3, computed transposed), L2, batch norm and dropout all in play.
        (double[] Losses, double[] Acc, Dictionary<string, float[]> Params) Run(bool fused)
        {
            var rng = new NumpyRandom(21);
            var model = new FullyConnectedNet<float>([70, 40], inputDim: 12, numClasses: 3, reg: 0.05, dropoutKeep: 0.9,
                normalization: Normalization.BatchNorm, rng: rng);
            var solver = new Solver<float>(model, Blobs(120).Map(), Quiet(rule: rule, lr: 1e-2, epochs: 3) with { FusedUpdates = fused }, rng);
            solver.Train();
            return ([.. solver.LossHistory], [.. solver.ValAccHistory], model.Params.ToDictionary(p => p.Key, p => p.Value.AsSpan().ToArray()));
        }
        long saved = UpdateRule<float>.MinTiledBytes;
        UpdateRule<float>.MinTiledBytes = 0;   // fuse every weight matrix, however small
        (double[] Losses, double[] Acc, Dictionary<string, float[]> Params) separate, fused;
        try
        {
            separate = Run(fused: false);
            fused = Run(fused: true);
        }
        finally
        {
            UpdateRule<float>.MinTiledBytes = saved;
        }
        Assert.Equal(separate.Losses, fused.Losses);
        Assert.Equal(separate.Acc, fused.Acc);
        Assert.Equal(separate.Params.Keys, fused.Params.Keys);
        foreach (var (name, values) in separate.Params) Assert.Equal(values, fused.Params[name]);
    }

    [Theory, MemberData(nameof(RuleNames))]
    public void FusedRule_DivergingStep_UpdatesNothing(string rule)
    {
        // The fused update runs inside the backward pass; a non-finite loss must still leave every parameter as it was.
        var data = Blobs(60);
        var model = new FullyConnectedNet<double>([20], inputDim: 12, numClasses: 3, weightScale: 1.0);
        var solver = new Solver<double>(model, data, Quiet(rule: rule, lr: 1e-2, epochs: 2));
        model.Params["W1"].AsSpan()[0] = double.PositiveInfinity;
        var before = model.Params.ToDictionary(p => p.Key, p => p.Value.AsSpan().ToArray());
        long saved = UpdateRule<double>.MinTiledBytes;
        UpdateRule<double>.MinTiledBytes = 0;
        try
        {
            Assert.Throws<TrainingDivergedException>(() => solver.Step());
        }
        finally
        {
            UpdateRule<double>.MinTiledBytes = saved;
        }
        foreach (var (name, values) in before) Assert.Equal(values, model.Params[name].AsSpan().ToArray());
        foreach (var (name, r) in solver.UpdateRules)
        {
            Assert.Empty(r.State);   // no step began: no velocity, cache or moments made
            if (r is Adam<double> adam) Assert.Equal(0, adam.TimeStep);
        }
    }

    [Fact]
    public void Divergence_StopsAtOnce_WithAnActionableMessage()
    {
        var data = Blobs(60);
        var model = new FullyConnectedNet<double>([20], inputDim: 12, numClasses: 3, weightScale: 1.0);
        var solver = new Solver<double>(model, data, Quiet(lr: 1e6, epochs: 50));
        var e = Assert.Throws<TrainingDivergedException>(() => solver.Train());
        Assert.Contains($"iteration {e.Iteration}", e.Message);
        Assert.Contains("learning rate 1e+06", e.Message);
        Assert.Contains("smaller learning rate", e.Message);
        Assert.Equal(e.Iteration, solver.LossHistory.Count);
        Assert.False(double.IsFinite(solver.LossHistory[^1]));
        Assert.True(e.Iteration < solver.NumIterations);
        // The model holds finite parameters: the best ones, or those from before the diverging step.
        if (solver.BestParams.Count > 0) foreach (var (k, v) in solver.BestParams) Assert.Equal(v.AsSpan(), model.Params[k].AsSpan());
    }

    [Fact]
    public void Divergence_FoundAtAnEpochsEnd_IsThatStepsEpochAndRate()
    {
        // One iteration per epoch: the step overflows the weights (its loss still finite), and the epoch-end check
        // finds the scores not finite after the epoch count and the decay have moved. It was said to be epoch 1 at the
        // decayed rate 5e+36; the step was epoch 0's, at 1e+37.
        var data = Blobs(10).Map();
        var model = new FullyConnectedNet<float>([20], inputDim: 12, numClasses: 3, weightScale: 1.0, rng: new NumpyRandom(2));
        var solver = new Solver<float>(model, data, Quiet(lr: 1e37, epochs: 3) with { LrDecay = 0.5 });
        var e = Assert.Throws<TrainingDivergedException>(() => solver.Train());
        Assert.Equal(1, e.Iteration);
        Assert.True(double.IsFinite(solver.LossHistory[0]));
        Assert.StartsWith("Training diverged at iteration 1 (epoch 0): after its update the model's scores are not finite, with learning rate 1e+37.", e.Message);
        Assert.Equal(0, e.Epoch);
        Assert.Equal(1e37, e.LearningRate);
    }

    [Fact]
    public void BatchNorm_DivergingFirstStep_LeavesTheRunningStatisticsAsTheyWere()
    {
        // Batch norm updates its running statistics in the forward pass, before the loss is known to be infinite.
        var data = Blobs(60);
        var model = new FullyConnectedNet<double>([20], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm, weightScale: 0.1);
        var solver = new Solver<double>(model, data, Quiet(rule: "adam", epochs: 2, batch: 16));
        model.Params["W1"].AsSpan()[0] = 1e308;
        model.Params["W1"].AsSpan()[1] = 1e308;
        var before = model.Buffers.ToDictionary(p => p.Key, p => p.Value.AsSpan().ToArray());
        var e = Assert.Throws<TrainingDivergedException>(() => solver.Train());
        Assert.Equal(1, e.Iteration);
        foreach (var (name, values) in before) Assert.Equal(values, model.Buffers[name].AsSpan().ToArray());
        Assert.Contains("running statistics from before its step", e.Message);
        Assert.DoesNotContain("batch normalization", e.Message);   // it has it already
    }

    [Fact]
    public void RunningVarianceThatOverflows_IsDivergence_ThoughScoresStayFinite()
    {
        // x / √∞ is 0: the scores stay finite, but a model with an infinite running variance cannot be evaluated.
        var data = Blobs(60);
        var model = new FullyConnectedNet<double>([20], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm, weightScale: 1e300);
        var solver = new Solver<double>(model, data, Quiet(rule: "adam", epochs: 1, batch: 20));
        var e = Assert.Throws<TrainingDivergedException>(() => solver.Train());
        Assert.Contains("the batch-norm running statistic 'running_var1' is not finite", e.Message);
        Assert.Empty(solver.ValAccHistory);
        // At the first check the statistics are the first batch's own: the advice is about the scale, not the rate.
        Assert.Equal(1, e.Iteration);
        Assert.Contains("the first batch's own, taken before any update: the inputs or the initial weights are too large", e.Message);
        Assert.DoesNotContain("smaller learning rate", e.Message);
    }

    [Fact]
    public void Float32InputsWhoseVarianceOverflows_AreSaidToBeTooLarge_NotALearningRateProblem()
    {
        // Inputs of 1e20 (a library user's raw data): their variance, 1e40, is past float32's largest value.
        var blobs = Blobs(60);
        var x = new NDArray<float>(blobs.XTrain.Shape.ToArray());
        for (int i = 0; i < x.Size; i++) x.Flat(i) = (float)(blobs.XTrain.Flat(i) * 1e20);
        var data = new Dataset<float>(x, blobs.YTrain, x, blobs.YTrain, NumClasses: 3);
        var model = new FullyConnectedNet<float>([20], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm, weightScale: 0.1);
        var e = Assert.Throws<TrainingDivergedException>(() => new Solver<float>(model, data, Quiet(rule: "adam", epochs: 1, batch: 20)).Train());
        Assert.Contains("running statistic 'running_var1' is not finite", e.Message);
        Assert.Contains("scale the data down", e.Message);
    }

    [Fact]
    public void DataWithFewerClassesThanTheDefault_Trains_ALabelPastTheModelIsNamed()
    {
        // The course's data dict has no class count: a 4-class net on labels 0–3 was refused while Dataset.NumClasses
        // kept its default of 10.
        var four = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 4);
        var data = Blobs(20, classes: 4) with { NumClasses = 10 };
        var solver = new Solver<double>(four, data, Quiet(epochs: 1));
        solver.Train();
        Assert.Equal(2, solver.LossHistory.Count);
        var bad = data with { YVal = [.. data.YVal[..^1], 7] };
        var e = Assert.Throws<ArgumentException>(() => new Solver<double>(four, bad));
        Assert.Equal($"Solver: y_val[{data.YVal.Length - 1}] = 7, but the model scores 4 classes (labels 0 to 3). (Parameter 'data')", e.Message);
    }

    [Fact]
    public void ScoresThatOverflow_AfterAFiniteLoss_AreDivergence_NotAnAccuracy()
    {
        // One iteration per epoch, so every update is followed by a check. After the first, the rate jumps: the next
        // loss is still finite, its update overflows the weights, and the check's scores are NaN. Their argmax is class
        // 0, whose share of the data must not be kept as the best accuracy.
        var data = Blobs(60);
        var model = new FullyConnectedNet<double>([20], inputDim: 12, numClasses: 3, weightScale: 0.1);
        var solver = new Solver<double>(model, data, Quiet(lr: 1e-2, epochs: 4, batch: 60));
        solver.AccuracyChecked += _ => { foreach (var (_, rule) in solver.UpdateRules) rule.LearningRate = 1e306; };
        var e = Assert.Throws<TrainingDivergedException>(() => solver.Train());
        Assert.Equal(2, e.Iteration);
        Assert.Contains("after its update the model's scores are not finite", e.Message);
        Assert.True(double.IsFinite(solver.LossHistory[^1]));
        Assert.Single(solver.ValAccHistory);   // only the finite check
        Assert.Equal(solver.ValAccHistory[0], solver.BestValAcc);
        foreach (var (k, v) in solver.BestParams) Assert.Equal(v.AsSpan(), model.Params[k].AsSpan());
        Assert.True(Solver<double>.Scores(model, data.XVal).AllFinite());
    }

    [Fact]
    public void BadOptionsAndData_AreRejected_NamingTheProblem()
    {
        var data = Blobs(20);
        var model = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 3);
        Assert.Contains("Unknown update rule 'sgdd'", Assert.Throws<ArgumentException>(() => new Solver<double>(model, data, Quiet("sgdd"))).Message);
        Assert.Contains("'lr'", Assert.Throws<ArgumentException>(() => new Solver<double>(model, data, new SolverOptions { OptimConfig = new Dictionary<string, double> { ["lr"] = 1 } })).Message);
        Assert.Contains("batch_size", Assert.Throws<ArgumentOutOfRangeException>(() => new Solver<double>(model, data, Quiet() with { BatchSize = 0 })).Message);
        Assert.Contains("learning_rate", Assert.Throws<ArgumentOutOfRangeException>(() => new Solver<double>(model, data, Quiet(lr: -1e-3))).Message);
        var wrongDim = new FullyConnectedNet<double>([4], inputDim: 10, numClasses: 3);
        Assert.Contains("expects 10 features per sample but X_train has 12", Assert.Throws<ArgumentException>(() => new Solver<double>(wrongDim, data)).Message);
        var nan = data with { XTrain = data.XTrain.Copy() };
        nan.XTrain[3, 4] = double.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => new Solver<double>(model, nan)).Message);
        var badLabel = data with { YTrain = [.. data.YTrain] };
        badLabel.YTrain[2] = 7;
        Assert.Contains("y_train[2] = 7", Assert.Throws<ArgumentException>(() => new Solver<double>(model, badLabel)).Message);
    }

    [Fact]
    public void NullOptionsAndSplits_AreRefusedByTheirOwnNames()
    {
        // Before: OptimConfig null was a NullReferenceException inside UpdateRules.Validate; a null split was named
        // 'x' or 'y', the internal check's parameters; UpdateRule null was named 'rule'.
        var data = Blobs(20);
        var model = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 3);
        string NullName(SolverOptions? o, Dataset<double> d) => Assert.Throws<ArgumentNullException>(() => new Solver<double>(model, d, o)).ParamName!;
        Assert.Equal("OptimConfig", NullName(Quiet() with { OptimConfig = null! }, data));
        Assert.Equal("UpdateRule", NullName(Quiet() with { UpdateRule = null! }, data));
        Assert.Equal("XTrain", NullName(null, data with { XTrain = null! }));
        Assert.Equal("YTrain", NullName(null, data with { YTrain = null! }));
        Assert.Equal("XVal", NullName(null, data with { XVal = null! }));
        Assert.Equal("YVal", NullName(null, data with { YVal = null! }));
    }

    [Fact]
    public void Accuracy_RefusesLabelsThatDoNotMatchTheRows()
    {
        var data = Blobs(20);
        var model = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 3);
        Assert.Contains("X has shape (20, 12) but y has 100 labels", Assert.Throws<ArgumentException>(() => Solver<double>.Accuracy(model, data.XTrain, new int[100])).Message);
        Assert.Throws<ArgumentException>(() => Solver<double>.Accuracy(model, data.XTrain, new int[3]));
        var solver = new Solver<double>(model, data, Quiet());
        Assert.Equal("numSamples", Assert.Throws<ArgumentOutOfRangeException>(() => solver.CheckAccuracy(data.XTrain, data.YTrain, numSamples: -1)).ParamName);
        Assert.Contains("(N, d1, …, dk)", Assert.Throws<ArgumentException>(() => Solver<double>.Predict(model, new NDArray<double>(12))).Message);
        Assert.Equal([0, 3], Solver<double>.Scores(model, new NDArray<double>(0, 12)).ShapeArray());
        var bn = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 3, normalization: Normalization.BatchNorm);
        Assert.Contains("at least 2 samples per batch", Assert.Throws<ArgumentOutOfRangeException>(() => new Solver<double>(bn, data, Quiet() with { BatchSize = 1 })).Message);
    }

    [Fact]
    public void PredictAndAccuracy_RefuseASampleWithoutFiniteScores_AndLabelsOutsideTheClasses()
    {
        // An argmax of NaN is class 0: a NaN pixel was predicted as class 0 and counted in the accuracy, silently.
        var data = Blobs(20);
        var model = new FullyConnectedNet<double>([8], inputDim: 12, numClasses: 3, rng: new NumpyRandom(1));
        var solver = new Solver<double>(model, data, Quiet());
        var x = data.XTrain.Copy();
        x[13, 4] = double.NaN;
        Assert.Contains("sample 13 of X (shape (20, 12)) holds NaN", Assert.Throws<ArgumentException>(() => Solver<double>.Predict(model, x, batchSize: 5)).Message);
        Assert.Contains("sample 13 of X", Assert.Throws<ArgumentException>(() => Solver<double>.Accuracy(model, x, data.YTrain)).Message);
        Assert.Contains("sample 13 of X", Assert.Throws<ArgumentException>(() => solver.CheckAccuracy(x, data.YTrain)).Message);

        // Finite inputs, a parameter that is not: the model is named instead.
        model.Params["b2"][1] = double.PositiveInfinity;
        Assert.Contains("scores of sample 0 are not finite although its row of X is",
            Assert.Throws<ArgumentException>(() => Solver<double>.Predict(model, data.XTrain)).Message);
        model.Params["b2"][1] = 0;
        Assert.Equal(20, Solver<double>.Predict(model, data.XTrain).Length);

        // A label the model cannot score counted as a miss.
        int[] y = [.. data.YTrain];
        y[7] = 3;
        Assert.Contains("y[7] = 3 is outside [0, 3)", Assert.Throws<ArgumentOutOfRangeException>(() => Solver<double>.Accuracy(model, data.XTrain, y)).Message);
        Assert.Contains("y[7] = 3 is outside [0, 3)", Assert.Throws<ArgumentOutOfRangeException>(() => solver.CheckAccuracy(data.XTrain, y)).Message);
    }

    [Fact]
    public void CheckAccuracy_OnASubsample_NamesTheSampleByItsRowOfX()
    {
        // With numSamples the scores are of drawn rows: the refusal named the draw's index and shape ("sample 2 of X
        // (shape (10, 12))"), a row of X that may be finite, in an X of another shape than the caller's.
        var data = Blobs(40);
        var model = new FullyConnectedNet<double>([8], inputDim: 12, numClasses: 3, rng: new NumpyRandom(1));
        var solver = new Solver<double>(model, data, Quiet());
        var x = data.XTrain.Copy();
        for (int i = 1; i < 40; i += 2) x[i, 4] = double.NaN;   // every odd row
        var message = Assert.Throws<ArgumentException>(() => solver.CheckAccuracy(x, data.YTrain, numSamples: 10)).Message;
        var named = System.Text.RegularExpressions.Regex.Match(message, @"sample (\d+) of X \(shape \(40, 12\)\) holds NaN");
        Assert.True(named.Success, message);
        Assert.True(double.IsNaN(x[int.Parse(named.Groups[1].Value), 4]), message);
    }

    [Fact]
    public void Accuracy_OfNoSamples_IsRefused_NotZero()
    {
        var data = Blobs(20);
        var model = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 3);
        var solver = new Solver<double>(model, data, Quiet());
        Assert.Contains("X has no samples (shape (0, 12))", Assert.Throws<ArgumentException>(() => Solver<double>.Accuracy(model, new NDArray<double>(0, 12), [])).Message);
        Assert.Contains("X has no samples", Assert.Throws<ArgumentException>(() => solver.CheckAccuracy(new NDArray<double>(0, 12), [])).Message);
        Assert.Empty(Solver<double>.Predict(model, new NDArray<double>(0, 12)));   // no samples, no predictions: well defined
    }

    [Fact]
    public void SchedulesThatCannotRun_AreRefusedUpFront()
    {
        var data = Blobs(20);
        var model = new FullyConnectedNet<double>([4], inputDim: 12, numClasses: 3);
        int perEpoch = new Solver<double>(model, data, Quiet()).IterationsPerEpoch;
        // Epochs × iterations past int: an error naming both, not a wrapped count or an allocation failure.
        var many = Assert.Throws<ArgumentOutOfRangeException>(() => new Solver<double>(model, data, Quiet() with { NumEpochs = int.MaxValue }));
        Assert.Contains($"{int.MaxValue} epochs of {perEpoch} iterations are {(long)int.MaxValue * perEpoch} iterations", many.Message);
        // A decay that takes the rate to 0 (or infinity) before the last epoch: refused before training, not mid-run.
        var toZero = Assert.Throws<ArgumentOutOfRangeException>(() => new Solver<double>(model, data, Quiet() with { LrDecay = 1e-200, NumEpochs = 3 }));
        Assert.Contains("lr_decay 1e-200 over 3 epochs takes the learning rate", toZero.Message);
        Assert.Contains("use a decay nearer 1", Assert.Throws<ArgumentOutOfRangeException>(() => new Solver<double>(model, data, Quiet() with { LrDecay = 1e200, NumEpochs = 3 })).Message);
        // A long run that fits still builds, and its loss history does not reserve more than a million entries.
        var longRun = new Solver<double>(model, data, Quiet() with { NumEpochs = 50_000_000 / perEpoch });
        Assert.InRange(longRun.LossHistory.Capacity, 1, 1 << 20);
    }
}

internal static class DatasetTestExtensions
{
    public static Dataset<float> Map(this Dataset<double> d) =>
        new(d.XTrain.Cast<float>(), d.YTrain, d.XVal.Cast<float>(), d.YVal, NumClasses: d.NumClasses);
}
