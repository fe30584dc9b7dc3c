#:project Notebook/Notebook.csproj
// The BatchNormalization notebook (CS231n 2019, which the seed notebooks refer to), section by section:
// dotnet run examples/BatchNormalization.cs [-- --quick] [--data-dir DIR]
using Backprop.Examples;
using Backprop.Layers;
using Backprop.Models;
using Backprop.Plots;
using Backprop.Tensors;
using Backprop.Training;
using ScottPlot;
using static Backprop.Checks.GradientCheck;
using static Backprop.Examples.Notebook;
using static Backprop.Layers.Layer;

var nb = Notebook.Start("BatchNormalization", args);
// The checks that need no data run first, in the notebook's order (layer normalization's too); then the data is loaded
// and the experiments follow (so a missing data set stops the program only after every check has run).

Section("Batch normalization: forward (np.random.seed(231), N=200, D1=50, D2=60, D3=3)");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(200, 50);
    var w1 = rng.Randn(50, 60);
    var w2 = rng.Randn(60, 3);
    var a = ReluThenAffine(x, w1, w2);
    PrintMeanStd("Before batch normalization", a, "[ -2.3814598  -13.18038246   1.91780462]", "[27.18502186 34.21455511 37.68611762]");
    PrintMeanStd("After batch normalization (gamma=1, beta=0)", BatchNormForward(a, NDArray<double>.Ones(3), new NDArray<double>(3), new BatchNormParam<double>()).Out,
        "[5.32907052e-17 7.04991621e-17 1.85962357e-17]", "[0.99999999 1.         1.        ]");
    PrintMeanStd("After batch normalization (gamma=[1, 2, 3], beta=[11, 12, 13])",
        BatchNormForward(a, NDArray<double>.Vector(1, 2, 3), NDArray<double>.Vector(11, 12, 13), new BatchNormParam<double>()).Out,
        "[11. 12. 13.]", "[0.99999999 1.99999999 2.99999999]");

    var r2 = new NumpyRandom(231);
    var v1 = r2.Randn(50, 60);
    var v2 = r2.Randn(60, 3);
    var p = new BatchNormParam<double>();
    for (int t = 0; t < 50; t++) BatchNormForward(ReluThenAffine(r2.Randn(200, 50), v1, v2), NDArray<double>.Ones(3), new NDArray<double>(3), p);
    p.Mode = Mode.Test;
    PrintMeanStd("After batch normalization (test-time)", BatchNormForward(ReluThenAffine(r2.Randn(200, 50), v1, v2), NDArray<double>.Ones(3), new NDArray<double>(3), p).Out,
        "[-0.03927354 -0.04349152 -0.10452688]", "[1.01531428 1.01238373 0.97819988]");
}

Section("Batch normalization: backward (gradient check, N=4, D=5)");
{
    var rng = new NumpyRandom(231);
    var x = 5 * rng.Randn(4, 5) + 12;
    var gamma = rng.Randn(5);
    var beta = rng.Randn(5);
    var dout = rng.Randn(4, 5);
    var p = new BatchNormParam<double>();
    var (dx, dgamma, dbeta) = BatchNormBackward(dout, BatchNormForward(x, gamma, beta, p).Cache);
    Console.WriteLine("You should expect to see relative errors between 1e-13 and 1e-8:");
    Error("dx error", RelError(EvalNumericalGradientArray(v => BatchNormForward(v, gamma, beta, p).Out, x, dout), dx), expectBelow: 1e-8);
    Error("dgamma error", RelError(EvalNumericalGradientArray(v => BatchNormForward(x, v, beta, p).Out, gamma.Copy(), dout), dgamma), expectBelow: 1e-8);
    Error("dbeta error", RelError(EvalNumericalGradientArray(v => BatchNormForward(x, gamma, v, p).Out, beta.Copy(), dout), dbeta), expectBelow: 1e-8);
}

Section("Batch normalization: alternative backward (N=100, D=500)");
{
    var rng = new NumpyRandom(231);
    var x = 5 * rng.Randn(100, 500) + 12;
    var gamma = rng.Randn(500);
    var beta = rng.Randn(500);
    var dout = rng.Randn(100, 500);
    var cache = BatchNormForward(x, gamma, beta, new BatchNormParam<double>()).Cache;
    var (dx1, dg1, db1) = BatchNormBackward(dout, cache);
    var (dx2, dg2, db2) = BatchNormBackwardAlt(dout, cache);
    double Time(Action a) { var sw = System.Diagnostics.Stopwatch.StartNew(); for (int i = 0; i < 20; i++) a(); return sw.Elapsed.TotalMilliseconds / 20; }
    double staged = Time(() => BatchNormBackward(dout, cache)), alt = Time(() => BatchNormBackwardAlt(dout, cache));
    Error("dx difference", RelError(dx1, dx2), expectBelow: 1e-10);
    Error("dgamma difference", RelError(dg1, dg2));
    Error("dbeta difference", RelError(db1, db2));
    Console.WriteLine($"staged {staged:F3} ms, closed form {alt:F3} ms per call: speedup {staged / alt:F2}x");
}

Section("Fully connected nets with batch normalization: gradient check (N=2; the notebook accepts ~1e-4 here)");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(2, 15);
    var y = rng.Randint(10, 2);
    foreach (var reg in new[] { 0.0, 3.14 })
    {
        Console.WriteLine($"Running check with reg = {reg}");
        var model = new FullyConnectedNet<double>([20, 30], inputDim: 15, numClasses: 10, reg: reg, weightScale: 5e-2, normalization: Normalization.BatchNorm, rng: rng);
        var (loss, grads) = model.Loss(x, y);
        Console.WriteLine($"Initial loss: {loss}");
        foreach (var name in grads.Keys.Order(StringComparer.Ordinal))
        {
            double error = RelError(EvalNumericalGradient(_ => model.Loss(x, y).Loss, model.Params[name]), grads[name]);
            // b1 and b2 feed batch norm, which subtracts the batch mean they shift: their true gradient is 0, and the
            // centred differences are the loss's rounding (~1e-11), which rel_error's 1e-8 floor turns into anything up
            // to ~4e-3, depending on the order the machine sums in. Their check is that the analytic gradient is 0.
            if (name is "b1" or "b2") ZeroGradient($"{name} relative error", error, grads[name].Abs().Max(), below: 1e-12);
            else Error($"{name} relative error", error, expectBelow: 2e-4);
        }
    }
}

Section("Layer normalization: forward and backward");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(4, 50);
    var w1 = rng.Randn(50, 60);
    var w2 = rng.Randn(60, 3);
    var a = ReluThenAffine(x, w1, w2);
    var (ln, _) = LayerNormForward(a, NDArray<double>.Ones(3), new NDArray<double>(3));
    for (int i = 0; i < 4; i++)
    {
        var row = ln.Row(i).ToArray();
        double mean = row.Average(), std = Math.Sqrt(row.Select(v => (v - mean) * (v - mean)).Average());
        Console.WriteLine($"sample {i}: mean {mean: 0.00000000;-0.00000000}, std {std:F8}   (every sample ≈ 0 and ≈ 1)");
    }
    var xg = 5 * rng.Randn(4, 5) + 12;
    var gamma = rng.Randn(5);
    var beta = rng.Randn(5);
    var dout = rng.Randn(4, 5);
    var (dx, dgamma, dbeta) = LayerNormBackward(dout, LayerNormForward(xg, gamma, beta).Cache);
    Error("dx error", RelError(EvalNumericalGradientArray(v => LayerNormForward(v, gamma, beta).Out, xg, dout), dx), expectBelow: 1e-8);
    Error("dgamma error", RelError(EvalNumericalGradientArray(v => LayerNormForward(xg, v, beta).Out, gamma.Copy(), dout), dgamma), expectBelow: 1e-8);
    Error("dbeta error", RelError(EvalNumericalGradientArray(v => LayerNormForward(xg, gamma, v).Out, beta.Copy(), dout), dbeta), expectBelow: 1e-8);
}

Section("Load the CIFAR-10 data (for the experiments that follow)");
var data = nb.LoadCifar10<double>();
int epochs = nb.Quick ? 2 : 10;

Section($"Batchnorm for deep networks ([100]*5, 1000 images, weight scale 2e-2, adam 1e-3, batch 50, {Used(epochs, 10, "epochs")})");
{
    var small = SmallData(data, 1000);
    var runs = new List<RunCurves>();
    foreach (var norm in new[] { Normalization.BatchNorm, Normalization.None })
    {
        Console.WriteLine($"Solver with {(norm == Normalization.None ? "baseline" : "batchnorm")}:");
        var rng = new NumpyRandom(231);
        var model = new FullyConnectedNet<double>([100, 100, 100, 100, 100], weightScale: 2e-2, normalization: norm, rng: rng);
        var solver = new Solver<double>(model, small, new SolverOptions
        {
            UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 },
            NumEpochs = epochs, BatchSize = 50, PrintEvery = 20,
        }, rng);
        solver.Train();
        runs.Add(new RunCurves(norm == Normalization.None ? "baseline" : "batchnorm", solver.LossHistory, solver.TrainAccHistory, solver.ValAccHistory));
    }
    nb.Picture("batchnorm_vs_baseline.png", TrainingPlots.ComparisonPng(runs));
}

int scaleCount = nb.Quick ? 5 : 20;
Section($"Batch normalization and initialization ([50]*7, {Used(scaleCount, 20, "weight scales")} from 1e-4 to 1e0, {Used(epochs, 10, "epochs")})");
{
    var small = SmallData(data, 1000);
    int count = scaleCount;
    var scales = Enumerable.Range(0, count).Select(i => Math.Pow(10, -4 + 4.0 * i / (count - 1))).ToArray();
    var results = new Dictionary<string, (double[] Val, double[] Train, double[] Loss)>();
    foreach (var norm in new[] { Normalization.None, Normalization.BatchNorm })
    {
        var val = new double[count];
        var train = new double[count];
        var loss = new double[count];
        for (int i = 0; i < count; i++)
        {
            var rng = new NumpyRandom(231);
            var model = new FullyConnectedNet<double>([50, 50, 50, 50, 50, 50, 50], weightScale: scales[i], normalization: norm, rng: rng);
            var solver = new Solver<double>(model, small, new SolverOptions
            {
                UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 },
                NumEpochs = epochs, BatchSize = 50, Verbose = false,
            }, rng);
            try { solver.Train(); }
            catch (TrainingDivergedException) { /* a huge weight scale diverges; its histories still plot */ }
            val[i] = solver.ValAccHistory.DefaultIfEmpty(0).Max();
            train[i] = solver.TrainAccHistory.DefaultIfEmpty(0).Max();
            loss[i] = solver.LossHistory[^1];
        }
        results[norm == Normalization.None ? "baseline" : "batchnorm"] = (val, train, loss);
        Console.WriteLine($"{(norm == Normalization.None ? "baseline " : "batchnorm")}: best val acc per scale {string.Join(" ", val.Select(v => v.ToString("F3")))}");
    }
    // The notebook's semilogx panels with its axis labels; the final loss goes on a log axis when a diverged baseline's
    // 1e7 would flatten the rest (the notebook clipped it with set_ylim(1.0, 3.5)).
    (string, IReadOnlyList<double>)[] Series(Func<(double[] Val, double[] Train, double[] Loss), double[]> pick) =>
        [.. results.Select(kv => (kv.Key, (IReadOnlyList<double>)pick(kv.Value)))];
    var plots = new[]
    {
        ScalePlots.Panel("Best val accuracy vs weight initialization scale", "Weight initialization scale", "Best val accuracy", scales, Series(r => r.Val)),
        ScalePlots.Panel("Best train accuracy vs weight initialization scale", "Weight initialization scale", "Best training accuracy", scales, Series(r => r.Train)),
        ScalePlots.Panel("Final training loss vs weight initialization scale", "Weight initialization scale", "Final training loss", scales, Series(r => r.Loss)),
    };
    nb.Picture("weight_scale.png", Panels.StackedPng(plots, 900, 380));
}

static NDArray<double> ReluThenAffine(NDArray<double> x, NDArray<double> w1, NDArray<double> w2)
{
    var (h, _) = AffineReluForward(x, w1, new NDArray<double>(w1.Dim(1)));
    return AffineForward(h, w2, new NDArray<double>(w2.Dim(1))).Out;
}

static void PrintMeanStd(string title, NDArray<double> a, string notebookMeans, string notebookStds)
{
    // print('  means: ', a.mean(axis=0)): NDArray prints as NumPy does, so both columns read alike.
    Console.WriteLine($"{title}:");
    Console.WriteLine($"  means: {a.Mean(axis: 0)}   (notebook: {notebookMeans})");
    Console.WriteLine($"  stds:  {a.Std(axis: 0)}   (notebook: {notebookStds})");
}
