#:project Notebook/Notebook.csproj
// The FullyConnectedNets notebook (seeds 000, 003 and the second half of 001), section by section:
// dotnet run examples/FullyConnectedNets.cs [-- --quick] [--data-dir DIR]
// The checks that need no data run first, in the notebook's order; then the data is loaded and the training sections
// follow, in the notebook's order (so a missing data set stops the program only after every check has run).
using Backprop.Data;
using Backprop.Examples;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Plots;
using Backprop.Tensors;
using Backprop.Training;
using static Backprop.Checks.GradientCheck;
using static Backprop.Examples.Notebook;
using static Backprop.Layers.Layer;

var nb = Notebook.Start("FullyConnectedNets", args);

Section("Affine layer: forward");
{
    var x = NDArray<double>.Linspace(-0.1, 0.5, 2 * 120).Reshape(2, 4, 5, 6);
    var w = NDArray<double>.Linspace(-0.2, 0.3, 3 * 120).Reshape(120, 3);
    var b = NDArray<double>.Linspace(-0.3, 0.1, 3);
    var (outp, _) = AffineForward(x, w, b);
    var correct = NDArray<double>.FromRows([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]]);
    Console.WriteLine("Testing affine_forward function:");
    Error("difference", RelError(outp, correct), 9.769849468192957e-10, 1e-9);
}

Section("Affine layer: backward (np.random.seed(231))");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(10, 2, 3);
    var w = rng.Randn(6, 5);
    var b = rng.Randn(5);
    var dout = rng.Randn(10, 5);
    var dxNum = EvalNumericalGradientArray(v => AffineForward(v, w, b).Out, x, dout);
    var dwNum = EvalNumericalGradientArray(v => AffineForward(x, v, b).Out, w, dout);
    var dbNum = EvalNumericalGradientArray(v => AffineForward(x, w, v).Out, b, dout);
    var (dx, dw, db) = AffineBackward(dout, AffineForward(x, w, b).Cache);
    Console.WriteLine("Testing affine_backward function:");
    Error("dx error", RelError(dxNum, dx), 5.399100368651805e-11, 1e-9);
    Error("dw error", RelError(dwNum, dw), 9.904211865398145e-11, 1e-9);
    Error("db error", RelError(dbNum, db), 2.4122867568119087e-11, 1e-9);
}

Section("ReLU layer: forward and backward");
{
    var x = NDArray<double>.Linspace(-0.5, 0.5, 12).Reshape(3, 4);
    var correct = NDArray<double>.FromRows([[0, 0, 0, 0], [0, 0, 0.04545455, 0.13636364], [0.22727273, 0.31818182, 0.40909091, 0.5]]);
    Console.WriteLine("Testing relu_forward function:");
    Error("difference", RelError(ReluForward(x).Out, correct), 4.999999798022158e-08, 5e-8);
    var rng = new NumpyRandom(231);
    var xr = rng.Randn(10, 10);
    var dout = rng.Randn(10, 10);
    var dxNum = EvalNumericalGradientArray(v => ReluForward(v).Out, xr, dout);
    Console.WriteLine("Testing relu_backward function:");
    Error("dx error", RelError(dxNum, ReluBackward(dout, ReluForward(xr).Cache)), 3.2756349136310288e-12, 1e-10);
}

Section("\"Sandwich\" layers: affine_relu_forward / affine_relu_backward");
{
    var rng = new NumpyRandom(231);
    var x = rng.Randn(2, 3, 4);
    var w = rng.Randn(12, 10);
    var b = rng.Randn(10);
    var dout = rng.Randn(2, 10);
    var (dx, dw, db) = AffineReluBackward(dout, AffineReluForward(x, w, b).Cache);
    Console.WriteLine("Testing affine_relu_forward and affine_relu_backward:");
    Error("dx error", RelError(EvalNumericalGradientArray(v => AffineReluForward(v, w, b).Out, x, dout), dx), 2.299579177309368e-11, 1e-9);
    Error("dw error", RelError(EvalNumericalGradientArray(v => AffineReluForward(x, v, b).Out, w, dout), dw), 8.162011105764925e-11, 1e-9);
    Error("db error", RelError(EvalNumericalGradientArray(v => AffineReluForward(x, w, v).Out, b, dout), db), 7.826724021458994e-12, 1e-9);
}

Section("Loss layers: Softmax and SVM (np.random.seed(231))");
{
    var rng = new NumpyRandom(231);
    var x = 0.001 * rng.Randn(50, 10);
    var y = rng.Randint(10, 50);
    var (svm, dxSvm) = SvmLoss(x, y);
    Console.WriteLine("Testing svm_loss:");
    Compare("loss", svm, 8.999602749096233);
    Error("dx error", RelError(EvalNumericalGradient(v => SvmLoss(v, y).Loss, x), dxSvm), 1.4021566006651672e-09, 1e-8);
    var (sm, dxSm) = SoftmaxLoss(x, y);
    Console.WriteLine("Testing softmax_loss:");
    Compare("loss", sm, 2.302545844500738);
    Error("dx error", RelError(EvalNumericalGradient(v => SoftmaxLoss(v, y).Loss, x), dxSm), 9.384673161989355e-09, 1e-7);
}

Section("Two-layer network");
{
    int n = 3, d = 5, h = 50, c = 7;
    var rng = new NumpyRandom(231);
    rng.Randn(n, d);
    rng.Randint(c, n);
    double std = 1e-3;
    var model = new TwoLayerNet<double>(d, h, c, weightScale: std, rng: rng);
    Console.WriteLine("Testing initialization ...");
    Error("  |W1.std() - std|", Math.Abs(model.Params["W1"].Std() - std), expectBelow: std / 10);
    Holds("  b1 all zero", model.Params["b1"].AsSpan().ToArray().All(v => v == 0));
    Error("  |W2.std() - std|", Math.Abs(model.Params["W2"].Std() - std), expectBelow: std / 10);
    Holds("  b2 all zero", model.Params["b2"].AsSpan().ToArray().All(v => v == 0));
    model.Params["W1"] = NDArray<double>.Linspace(-0.7, 0.3, d * h).Reshape(d, h);
    model.Params["b1"] = NDArray<double>.Linspace(-0.1, 0.9, h);
    model.Params["W2"] = NDArray<double>.Linspace(-0.3, 0.4, h * c).Reshape(h, c);
    model.Params["b2"] = NDArray<double>.Linspace(-0.9, 0.1, c);
    var x = NDArray<double>.Linspace(-5.5, 4.5, n * d).Reshape(d, n).Transpose();
    var correct = NDArray<double>.FromRows([
        [11.53165108, 12.2917344, 13.05181771, 13.81190102, 14.57198434, 15.33206765, 16.09215096],
        [12.05769098, 12.74614105, 13.43459113, 14.1230412, 14.81149128, 15.49994135, 16.18839143],
        [12.58373087, 13.20054771, 13.81736455, 14.43418138, 15.05099822, 15.66781506, 16.2846319]]);
    var scores = model.Loss(x);
    double diff = (scores - correct).Abs().Sum();
    Console.WriteLine("Testing test-time forward pass ...");
    Error("  scores_diff", diff, expectBelow: 1e-6);
    int[] y = [0, 5, 1];
    Console.WriteLine("Testing training loss (no regularization)");
    Compare("loss", model.Loss(x, y).Loss, 3.4702243556, differenceBelow: 1e-10);
    model.Reg = 1.0;
    Compare("loss with reg = 1.0", model.Loss(x, y).Loss, 26.5948426952, differenceBelow: 1e-10);
    var notebookErrors = new Dictionary<(double, string), double>
    {
        [(0.0, "W1")] = 1.52e-08, [(0.0, "W2")] = 3.21e-10, [(0.0, "b1")] = 8.37e-09, [(0.0, "b2")] = 4.33e-10,
        [(0.7, "W1")] = 3.12e-07, [(0.7, "W2")] = 2.85e-08, [(0.7, "b1")] = 1.56e-08, [(0.7, "b2")] = 7.76e-10,
    };
    foreach (var reg in new[] { 0.0, 0.7 })
    {
        Console.WriteLine($"Running numeric gradient check with reg = {reg}");
        model.Reg = reg;
        var (_, grads) = model.Loss(x, y);
        foreach (var name in grads.Keys.Order(StringComparer.Ordinal))
            Error($"{name} relative error", RelError(EvalNumericalGradient(_ => model.Loss(x, y).Loss, model.Params[name]), grads[name]), notebookErrors[(reg, name)], 1e-6);
    }
}

Section("Multilayer network: initial loss and gradient check (np.random.seed(231))");
{
    int n = 2, d = 15, h1 = 20, h2 = 30, c = 10;
    var rng = new NumpyRandom(231);
    var x = rng.Randn(n, d);
    var y = rng.Randint(c, n);
    double[] notebookLoss = [2.3004790897684924, 7.052114776533016];
    double[][] notebookErr = [[1.48e-07, 2.21e-05, 3.53e-07, 5.38e-09, 2.09e-09, 5.80e-11], [6.86e-09, 3.52e-08, 1.32e-08, 1.48e-08, 1.72e-09, 1.80e-10]];
    double[] regs = [0, 3.14];
    for (int r = 0; r < 2; r++)
    {
        Console.WriteLine($"Running check with reg = {regs[r]}");
        var model = new FullyConnectedNet<double>([h1, h2], inputDim: d, numClasses: c, reg: regs[r], weightScale: 5e-2, rng: rng);
        var (loss, grads) = model.Loss(x, y);
        Compare("Initial loss", loss, notebookLoss[r]);
        int k = 0;
        // "Most of the errors should be on the order of e-7 or smaller", and W2 "on the order of e-5" is fine at reg 0.
        foreach (var name in grads.Keys.Order(StringComparer.Ordinal))
            GradientError($"{name} relative error", h => EvalNumericalGradient(_ => model.Loss(x, y).Loss, model.Params[name], h), grads[name], loss,
                notebookErr[r][k++], name == "W2" && regs[r] == 0 ? 1e-4 : 1e-6);
    }
}

Section("Update rules: SGD+Momentum");
{
    var w = NDArray<double>.Linspace(-0.4, 0.6, 20).Reshape(4, 5);
    var rule = new SgdMomentum<double>(learningRate: 1e-3);
    rule.SetState("velocity", NDArray<double>.Linspace(0.6, 0.9, 20).Reshape(4, 5));
    rule.Step(w, NDArray<double>.Linspace(-0.6, 0.4, 20).Reshape(4, 5));
    var expectedW = NDArray<double>.FromRows([[0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789], [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526], [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263], [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]]);
    var expectedV = NDArray<double>.FromRows([[0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158], [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105], [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053], [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]]);
    Error("next_w error", RelError(w, expectedW), 8.882347033505819e-09, 1e-8);
    Error("velocity error", RelError(expectedV, rule.State["velocity"]), 4.269287743278663e-09, 1e-8);
}

Section("RMSProp and Adam");
{
    var w = NDArray<double>.Linspace(-0.4, 0.6, 20).Reshape(4, 5);
    var dw = NDArray<double>.Linspace(-0.6, 0.4, 20).Reshape(4, 5);
    var rms = new RmsProp<double>(learningRate: 1e-2);
    rms.SetState("cache", NDArray<double>.Linspace(0.6, 0.9, 20).Reshape(4, 5));
    rms.Step(w, dw);
    Error("rmsprop next_w error", RelError(NDArray<double>.FromRows([[-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247], [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774], [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447], [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]]), w), 9.524687511038133e-08, 1e-7);
    Error("rmsprop cache error", RelError(NDArray<double>.FromRows([[0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321], [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377], [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936], [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]]), rms.State["cache"]), 2.6477955807156126e-09, 1e-8);
    var w2 = NDArray<double>.Linspace(-0.4, 0.6, 20).Reshape(4, 5);
    var adam = new Adam<double>(learningRate: 1e-2) { TimeStep = 5 };
    adam.SetState("m", NDArray<double>.Linspace(0.6, 0.9, 20).Reshape(4, 5));
    adam.SetState("v", NDArray<double>.Linspace(0.7, 0.5, 20).Reshape(4, 5));
    adam.Step(w2, dw);
    Error("adam next_w error", RelError(NDArray<double>.FromRows([[-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977], [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929], [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969], [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]]), w2), 1.1395691798535431e-07, 2e-7);
    Error("adam v error", RelError(NDArray<double>.FromRows([[0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853], [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385], [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767], [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]]), adam.State["v"]), 4.208314038113071e-09, 1e-8);
    Error("adam m error", RelError(NDArray<double>.FromRows([[0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474], [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316], [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158], [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]]), adam.State["m"]), 4.214963193114416e-09, 1e-8);
    // Recomputed: skipping t += 1 gives 1.52e-03; skipping the bias correction gives 0.20720703668629928 (UpdateRuleTests).
    Console.WriteLine("(seed 000 prints 'next_w error: 0.207207036686' for Adam: a student's bug, w -= lr·m/(√v + ε) without the bias correction.)");
}

Section("Load the (preprocessed) CIFAR10 data (for the training sections, which follow in the notebook's order)");
var data = nb.LoadCifar10<double>();

int solverEpochs = nb.Quick ? 2 : 10;
Section($"Solver: train a TwoLayerNet to 50% validation accuracy (seed 000's settings, {Used(solverEpochs, 10, "epochs")})");
{
    var model = new TwoLayerNet<double>(hiddenDim: 160, reg: 0.1, weightScale: 1e-3, rng: new NumpyRandom(0));
    var solver = new Solver<double>(model, data, new SolverOptions
    {
        UpdateRule = "sgd", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 },
        LrDecay = 0.95, NumEpochs = solverEpochs, BatchSize = 100, PrintEvery = 1000,
    }, new NumpyRandom(0));
    solver.Train();
    Console.WriteLine($"(notebook on the full 49000 images: best validation accuracy 0.530000)");
    Console.WriteLine($"test acc: {Solver<double>.Accuracy(model, data.XTest!, data.YTest!)}   (trained on {nb.TrainingImages} images; seed 003 on 49000 with its own settings, lr_decay 0.8: 0.523)");
    nb.Picture("twolayer_loss.png", TrainingPlots.LossPng(solver.LossHistory));
    nb.Picture("twolayer_accuracy.png", TrainingPlots.AccuracyPng(solver.TrainAccHistory, solver.ValAccHistory, target: 0.5));
    nb.Picture("twolayer_weights.png", WeightGrid.FirstLayerPng(model.Params["W1"], [3, 32, 32]));
}

Section("Overfit 50 images: three-layer net, then five-layer net");
{
    var small = SmallData(data, 50);
    foreach (var (hidden, ws, lr, file) in new[] { (new[] { 100, 100 }, 1e-2, 1e-2, "overfit_3layer.png"), (new[] { 100, 100, 100, 100 }, 1e-1, 2e-3, "overfit_5layer.png") })
    {
        var rng = new NumpyRandom(231);
        var model = new FullyConnectedNet<double>(hidden, weightScale: ws, rng: rng);
        var solver = new Solver<double>(model, small, new SolverOptions
        {
            UpdateRule = "sgd", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = lr }, NumEpochs = 20, BatchSize = 25, PrintEvery = 10,
        }, rng);
        solver.Train();
        Console.WriteLine($"{hidden.Length + 1}-layer net: final training accuracy {solver.TrainAccHistory[^1]:F6} (notebook: 1.000000)");
        nb.Picture(file, TrainingPlots.LossPng(solver.LossHistory));
    }
}

int sixLayerEpochs = nb.Quick ? 2 : 5;
var solvers = new Dictionary<string, Solver<double>>();
var smallData = SmallData(data, 4000);
Section($"Six-layer network on {smallData.XTrain.Dim(0)} images: sgd vs sgd_momentum (lr 5e-3, {Used(sixLayerEpochs, 5, "epochs")})");
foreach (var ruleName in new[] { "sgd", "sgd_momentum" }) solvers[ruleName] = TrainSix(ruleName, 5e-3);

Section($"Six-layer network: adam 1e-3 and rmsprop 1e-4 beside them");
foreach (var (ruleName, lr) in new[] { ("adam", 1e-3), ("rmsprop", 1e-4) }) solvers[ruleName] = TrainSix(ruleName, lr);
nb.Picture("update_rules.png", TrainingPlots.ComparisonPng(solvers.Select(kv => new RunCurves(kv.Key, kv.Value.LossHistory, kv.Value.TrainAccHistory, kv.Value.ValAccHistory)).ToList()));

int gridSide = nb.Quick ? 2 : 3;
Section($"Tune hyperparameters: random search ({gridSide} x {gridSide} grid{(gridSide == 3 ? "" : ", seed 000: 3 x 3")}, 1 epoch each)");
{
    var rng = new NumpyRandom(0);
    int count = gridSide;
    var lrs = rng.Uniform(-4, -3, count).Select(e => Math.Pow(10, e)).Order().ToArray();
    var wss = rng.Uniform(-2, -1, count).Select(e => Math.Pow(10, e)).Order().ToArray();
    var points = new List<SearchPoint>();
    int set = 0;
    foreach (var lr in lrs)
        foreach (var ws in wss)
        {
            Console.WriteLine($"set {++set}, learning rate: {lr:F6}, weight_scale: {ws:F6}");
            var model = new FullyConnectedNet<double>([100, 100, 100, 100, 100], weightScale: ws, reg: 3e-2, rng: rng);
            var solver = new Solver<double>(model, data, new SolverOptions
            {
                UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = lr }, LrDecay = 0.9,
                NumEpochs = 1, BatchSize = 100, PrintEvery = 1000,
            }, rng);
            solver.Train();
            points.Add(new SearchPoint(lr, ws, solver.TrainAccHistory[^1], solver.ValAccHistory[^1]));   // x = lr, y = weight scale
        }
    foreach (var p in points) Console.WriteLine($"lr {p.X:0.000000e+00} ws {p.Y:0.000000e+00} train accuracy: {p.TrainAcc:F6}, validation accuracy: {p.ValAcc:F6}");
    nb.Picture("search.png", SearchPlots.ScatterPng(points));
}

int goodModelEpochs = nb.Quick ? 1 : 10;
Section($"Train a good model! ([500, 500, 500] with batch norm, adam 1e-3, lr_decay 0.9, {Used(goodModelEpochs, 10, "epochs")})");
{
    var rng = new NumpyRandom(0);
    var model = new FullyConnectedNet<double>([500, 500, 500], weightScale: 1e-2, normalization: Normalization.BatchNorm, rng: rng);
    var solver = new Solver<double>(model, data, new SolverOptions
    {
        UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 }, LrDecay = 0.9,
        NumEpochs = goodModelEpochs, BatchSize = 100, PrintEvery = 500,
    }, rng);
    solver.Train();
    nb.Picture("best_loss.png", TrainingPlots.LossPng(solver.LossHistory));
    nb.Picture("best_accuracy.png", TrainingPlots.AccuracyPng(solver.TrainAccHistory, solver.ValAccHistory));
    double val = Solver<double>.Accuracy(model, data.XVal, data.YVal);
    var testPred = Solver<double>.Predict(model, data.XTest!);
    double test = testPred.Zip(data.YTest!).Count(p => p.First == p.Second) / (double)testPred.Length;
    Console.WriteLine($"Validation set accuracy: {val}   (trained on {nb.TrainingImages} images; notebooks on 49000: 0.548 / 0.565)");
    Console.WriteLine($"Test set accuracy: {test}   (trained on {nb.TrainingImages} images; notebooks on 49000: 0.526 / 0.566)");

    Section("Data for leaderboard (seed 003): predictions as .npy");
    var predsPath = Path.Combine(nb.OutDir, "prediction.npy");
    Npy.Save(predsPath, testPred);
    Console.WriteLine($"wrote {testPred.Length} int64 class indices to {Path.GetRelativePath(Environment.CurrentDirectory, predsPath)}");
}

Solver<double> TrainSix(string updateRule, double learningRate)
{
    Console.WriteLine($"running with {updateRule}");
    var rng = new NumpyRandom(0);
    var model = new FullyConnectedNet<double>([100, 100, 100, 100, 100], weightScale: 5e-2, rng: rng);
    var solver = new Solver<double>(model, smallData, new SolverOptions
    {
        UpdateRule = updateRule, OptimConfig = new Dictionary<string, double> { ["learning_rate"] = learningRate },
        NumEpochs = sixLayerEpochs, BatchSize = 100,
    }, rng);
    solver.Train();
    Console.WriteLine();
    return solver;
}

// The notebook's assert, as a verdict.
static void Holds(string what, bool holds) => Console.WriteLine($"{what}: {(holds ? "ok" : "FAILS")}");
