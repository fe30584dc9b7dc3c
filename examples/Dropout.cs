#:project Notebook/Notebook.csproj
// The Dropout notebook (CS231n 2019, which the seed notebooks refer to; p is the keep probability), section by section:
// dotnet run examples/Dropout.cs [-- --quick] [--data-dir DIR]
using Backprop.Examples;
using Backprop.Layers;
using Backprop.Models;
using Backprop.Plots;
using Backprop.Tensors;
using Backprop.Training;
using static Backprop.Checks.GradientCheck;
using static Backprop.Examples.Notebook;
using static Backprop.Layers.Layer;

var nb = Notebook.Start("Dropout", args);

Section("Dropout forward pass (np.random.seed(231), x = randn(500, 500) + 10)");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(500, 500) + 10;
    (double P, double Mean, double Zeros)[] notebook = [(0.25, 10.014059116977283, 0.749784), (0.4, 9.977917658761159, 0.600796), (0.7, 9.987811912159426, 0.30074)];
    foreach (var (p, nbMean, nbZeros) in notebook)
    {
        var (train, _) = DropoutForward(x, new DropoutParam(p, Mode.Train, rng: rng));
        var (test, _) = DropoutForward(x, new DropoutParam(p, Mode.Test));
        Console.WriteLine($"Running tests with p = {p}");
        Compare("Mean of input", x.Mean(), 10.000207878477502);
        Compare("Mean of train-time output", train.Mean(), nbMean);
        Compare("Mean of test-time output", test.Mean(), 10.000207878477502);
        Compare("Fraction of train-time output set to zero", train.AsSpan().ToArray().Count(v => v == 0) / (double)train.Size, nbZeros);
        Console.WriteLine($"Fraction of test-time output set to zero: {test.AsSpan().ToArray().Count(v => v == 0) / (double)test.Size}");
    }
}

Section("Dropout backward pass (p = 0.2, seed 123)");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(10, 10) + 10;
    var dout = rng.Randn(10, 10);
    var param = new DropoutParam(0.2, Mode.Train, seed: 123);
    var dx = DropoutBackward(dout, DropoutForward(x, param).Cache);
    Console.WriteLine("Error should be around e-10 or less");
    Error("dx relative error", RelError(dx, EvalNumericalGradientArray(v => DropoutForward(v, param).Out, x, dout)), 5.44560814873e-11, 1e-9);
}

Section("Fully-connected nets with dropout: gradient check (seed 123 for the masks)");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(2, 15);
    var y = rng.Randint(10, 2);
    Console.WriteLine("Relative errors should be around e-6 or less; W2 on the order of e-5 is fine at dropout_keep_ratio = 1");
    foreach (var keep in new[] { 1.0, 0.75, 0.5 })
    {
        Console.WriteLine($"Running check with dropout = {keep}");
        var model = new FullyConnectedNet<double>([20, 30], inputDim: 15, numClasses: 10, weightScale: 5e-2, dropoutKeep: keep, seed: 123, rng: rng);
        var (loss, grads) = model.Loss(x, y);
        Console.WriteLine($"Initial loss: {loss}");
        foreach (var name in grads.Keys.Order(StringComparer.Ordinal))
            GradientError($"{name} relative error", h => EvalNumericalGradient(_ => model.Loss(x, y).Loss, model.Params[name], h), grads[name], loss,
                notebook: null, name == "W2" && keep == 1 ? 1e-4 : 1e-5);
    }
}

Section("Load the CIFAR-10 data (for the experiment that follows)");
var data = nb.LoadCifar10<double>();

int dropoutEpochs = nb.Quick ? 3 : 25;
Section($"Regularization experiment: [500] net on 500 images, keep 1 / 0.75 / 0.5, adam 5e-4, {Used(dropoutEpochs, 25, "epochs")}");
{
    var small = SmallData(data, 500);
    var runs = new List<RunCurves>();
    foreach (var keep in new[] { 1.0, 0.75, 0.5 })
    {
        var rng = new NumpyRandom(231);
        var model = new FullyConnectedNet<double>([500], dropoutKeep: keep, rng: rng);
        Console.WriteLine($"keep probability {keep}");
        var solver = new Solver<double>(model, small, new SolverOptions
        {
            UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 5e-4 },
            NumEpochs = dropoutEpochs, BatchSize = 100, PrintEvery = 100,
        }, rng);
        solver.Train();
        // The notebook labels these "1.00 dropout", where 1.00 is the keep probability: said here as what it is.
        runs.Add(new RunCurves($"keep p = {keep:0.00}", solver.LossHistory, solver.TrainAccHistory, solver.ValAccHistory));
    }
    foreach (var r in runs) Console.WriteLine($"{r.Label}: final train acc {r.TrainAcc[^1]:F3}, best val acc {r.ValAcc.Max():F3}");
    // The notebook's reading of its 25-epoch run, beside what this run measured (a --quick run is too short to show it).
    Console.WriteLine($"The notebook: without dropout the net fits the 500 images almost perfectly; with dropout training accuracy is lower " +
                      $"and validation accuracy holds up better. Here, after {dropoutEpochs} epochs: final train acc {runs[0].TrainAcc[^1]:F3} without dropout, {runs[^1].TrainAcc[^1]:F3} at keep 0.5.");
    nb.Picture("dropout_regularization.png", TrainingPlots.ComparisonPng(runs));
}
