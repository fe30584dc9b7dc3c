#:project Notebook/Notebook.csproj
// The Optimization notebook (seed 004, UCLA ECE 239AS HW4), section by section:
// dotnet run examples/Optimization.cs [-- --quick] [--data-dir DIR]
using Backprop.Examples;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Plots;
using Backprop.Tensors;
using Backprop.Training;
using static Backprop.Checks.GradientCheck;
using static Backprop.Examples.Notebook;
using static Backprop.Layers.Layer;

var nb = Notebook.Start("Optimization", args);

Section("Load the (preprocessed) CIFAR10 data");
var data = nb.LoadCifar10<double>();

Section("0.2.1 Test all functions you copy and pasted");
{
    var x = NDArray<double>.Linspace(-0.1, 0.5, 240).Reshape(2, 4, 5, 6);
    var w = NDArray<double>.Linspace(-0.2, 0.3, 360).Reshape(120, 3);
    var b = NDArray<double>.Linspace(-0.3, 0.1, 3);
    Console.WriteLine("If affine_forward function is working, difference should be less than 1e-9:");
    Error("difference", RelError(AffineForward(x, w, b).Out, NDArray<double>.FromRows([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])), 9.769849468192957e-10, 1e-9);

    var rng = new NumpyRandom(0);
    var xb = rng.Randn(10, 2, 3);
    var wb = rng.Randn(6, 5);
    var bb = rng.Randn(5);
    var dout = rng.Randn(10, 5);
    var (dx, dw, db) = AffineBackward(dout, AffineForward(xb, wb, bb).Cache);
    Console.WriteLine("If affine_backward is working, error should be less than 1e-9:");
    Error("dx error", RelError(EvalNumericalGradientArray(v => AffineForward(v, wb, bb).Out, xb, dout), dx), 1.8591152864943097e-09, 1e-8);
    Error("dw error", RelError(EvalNumericalGradientArray(v => AffineForward(xb, v, bb).Out, wb, dout), dw), 7.266995309082665e-11, 1e-8);
    Error("db error", RelError(EvalNumericalGradientArray(v => AffineForward(xb, wb, v).Out, bb, dout), db), 4.2949403979330725e-10, 1e-8);

    var xr = NDArray<double>.Linspace(-0.5, 0.5, 12).Reshape(3, 4);
    Console.WriteLine("If relu_forward function is working, difference should be around 1e-8:");
    Error("difference", RelError(ReluForward(xr).Out, NDArray<double>.FromRows([[0, 0, 0, 0], [0, 0, 0.04545455, 0.13636364], [0.22727273, 0.31818182, 0.40909091, 0.5]])), 4.999999798022158e-08, 5e-8);

    Console.WriteLine("fc_net_test (N=2, D=15, [20, 30], C=10; the notebook's generator was not seeded, so only the levels compare):");
    var x2 = rng.Randn(2, 15);
    var y2 = rng.Randint(10, 2);
    foreach (var reg in new[] { 0.0, 3.14 })
    {
        var model = new FullyConnectedNet<double>([20, 30], inputDim: 15, numClasses: 10, reg: reg, weightScale: 5e-2, rng: rng);
        var (loss, grads) = model.Loss(x2, y2);
        Console.WriteLine($"Running check with reg = {reg}\nInitial loss: {loss}   (notebook: {(reg == 0 ? 2.303283621222967 : 7.223848762775626)})");
        foreach (var name in grads.Keys.Order(StringComparer.Ordinal))
            Error($"{name} relative error", RelError(EvalNumericalGradient(_ => model.Loss(x2, y2).Loss, model.Params[name]), grads[name]));
    }
}

var expectedVelocity = NDArray<double>.FromRows([[0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158], [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105], [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053], [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]]);
NDArray<double> W() => NDArray<double>.Linspace(-0.4, 0.6, 20).Reshape(4, 5);
NDArray<double> Dw() => NDArray<double>.Linspace(-0.6, 0.4, 20).Reshape(4, 5);
NDArray<double> Lin(double a, double b) => NDArray<double>.Linspace(a, b, 20).Reshape(4, 5);

Section("1.1 SGD + momentum");
{
    var w = W();
    var rule = new SgdMomentum<double>(1e-3);
    rule.SetState("velocity", Lin(0.6, 0.9));
    rule.Step(w, Dw());
    Error("next_w error", RelError(w, NDArray<double>.FromRows([[0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789], [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526], [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263], [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]])), 8.882347033505819e-09, 1e-8);
    Error("velocity error", RelError(expectedVelocity, rule.State["velocity"]), 4.269287743278663e-09, 1e-8);
}

Section("1.2 SGD + Nesterov momentum");
{
    var w = W();
    var rule = new SgdNesterovMomentum<double>(1e-3);
    rule.SetState("velocity", Lin(0.6, 0.9));
    rule.Step(w, Dw());
    Error("next_w error", RelError(w, NDArray<double>.FromRows([[0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421], [0.41374526, 0.47906632, 0.54438737, 0.60970842, 0.67502947], [0.74035053, 0.80567158, 0.87099263, 0.93631368, 1.00163474], [1.06695579, 1.13227684, 1.19759789, 1.26291895, 1.32824]])), 1.0875186845081027e-08, 1e-7);
    Error("velocity error", RelError(expectedVelocity, rule.State["velocity"]), 4.269287743278663e-09, 1e-8);
}

var smallData = SmallData(data, 4000);
var solvers = new Dictionary<string, Solver<double>>();
Section($"1.3 Evaluating SGD, SGD+Momentum and SGD+NesterovMomentum ({smallData.XTrain.Dim(0)} images, [100]*5, lr 1e-2, {(nb.Quick ? 2 : 5)} epochs)");
foreach (var rule in new[] { "sgd", "sgd_momentum", "sgd_nesterov_momentum" }) solvers[rule] = Train(rule, 1e-2);
nb.Picture("sgd_momentum_nesterov.png", Comparison(solvers));

Section("1.4 RMSProp (the notebook names the cache 'a')");
{
    var w = W();
    var rule = new RmsProp<double>(1e-2);
    rule.SetState("cache", Lin(0.6, 0.9));
    rule.Step(w, Dw());
    Error("next_w error", RelError(NDArray<double>.FromRows([[-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247], [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774], [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447], [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]]), w), 9.524687511038133e-08, 1e-7);
    Error("cache error", RelError(NDArray<double>.FromRows([[0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321], [0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377], [0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936], [0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926]]), rule.State["cache"]), 2.6477955807156126e-09, 1e-8);
}

Section("1.5 Adaptive moments (the notebook names the first moment 'v' and the second 'a'; ours are 'm' and 'v')");
{
    var w = W();
    var rule = new Adam<double>(1e-2) { TimeStep = 5 };
    rule.SetState("m", Lin(0.6, 0.9));
    rule.SetState("v", Lin(0.7, 0.5));
    rule.Step(w, Dw());
    Error("next_w error", RelError(NDArray<double>.FromRows([[-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977], [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929], [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969], [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]]), w), 1.1402387769253723e-07, 2e-7);
    Error("a error", RelError(NDArray<double>.FromRows([[0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853], [0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385], [0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767], [0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966]]), rule.State["v"]), 4.208314038113071e-09, 1e-8);
    Error("v error", RelError(NDArray<double>.FromRows([[0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474], [0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316], [0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158], [0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85]]), rule.State["m"]), 4.214963193114416e-09, 1e-8);
}

Section("1.6 Comparing SGD, SGD+NesterovMomentum, RMSProp and Adam");
foreach (var (rule, lr) in new[] { ("adam", 1e-3), ("rmsprop", 2e-4) }) solvers[rule] = Train(rule, lr);
nb.Picture("all_update_rules.png", Comparison(solvers));
foreach (var (rule, s) in solvers) Console.WriteLine($"{rule,-22} final loss {s.LossHistory[^1]:F6}  train acc {s.TrainAccHistory[^1]:F6}  best val acc {s.BestValAcc:F6}");

Section($"1.7 Easier optimization: [500, 500, 500] with batch norm, adam 1e-3, lr_decay 0.9, {(nb.Quick ? 1 : 10)} epochs");
{
    var rng = new NumpyRandom(0);
    var model = new FullyConnectedNet<double>([500, 500, 500], weightScale: 0.01, normalization: Normalization.BatchNorm, rng: rng);
    var solver = new Solver<double>(model, data, new SolverOptions
    {
        UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 }, LrDecay = 0.9,
        NumEpochs = nb.Quick ? 1 : 10, BatchSize = 100, PrintEvery = 50,
    }, rng);
    solver.Train();
    nb.Picture("easier_optimization.png", TrainingPlots.ComparisonPng([new RunCurves("adam + batchnorm", solver.LossHistory, solver.TrainAccHistory, solver.ValAccHistory)]));
    Console.WriteLine($"Validation set accuracy: {Solver<double>.Accuracy(model, data.XVal, data.YVal)}   (notebook on the full data: 0.565)");
    Console.WriteLine($"Test set accuracy: {Solver<double>.Accuracy(model, data.XTest!, data.YTest!)}   (notebook on the full data: 0.566)");
}

Solver<double> Train(string rule, double lr)
{
    Console.WriteLine($"Optimizing with {rule}");
    var rng = new NumpyRandom(0);
    var model = new FullyConnectedNet<double>([100, 100, 100, 100, 100], weightScale: 5e-2, rng: rng);
    var solver = new Solver<double>(model, smallData, new SolverOptions
    {
        UpdateRule = rule, OptimConfig = new Dictionary<string, double> { ["learning_rate"] = lr }, NumEpochs = nb.Quick ? 2 : 5, BatchSize = 100, Verbose = false,
    }, rng);
    solver.Train();
    return solver;
}

static byte[] Comparison(Dictionary<string, Solver<double>> solvers) =>
    TrainingPlots.ComparisonPng(solvers.Select(kv => new RunCurves(kv.Key, kv.Value.LossHistory, kv.Value.TrainAccHistory, kv.Value.ValAccHistory)).ToList());
