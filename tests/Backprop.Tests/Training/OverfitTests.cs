using Backprop.Data;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// The notebooks' sanity check on real CIFAR-10 images (the shared subset): a 3-layer and a 5-layer net must reach
/// 100% training accuracy on 50 images within 20 epochs, with the notebooks' hyperparameters.
/// </summary>
public class OverfitTests
{
    private static Dataset<double> SmallData()
    {
        var data = Preprocessing.GetCifar10Data<double>(TestData.Cifar10PythonDir, numTraining: 4000, numValidation: 1000, numTest: 0);
        return data.TakeTraining(50);   // small_data: X_train[:50], the mean of all 4000 subtracted
    }

    [Theory]
    [InlineData(new[] { 100, 100 }, 1e-2, 1e-2)]            // seeds 000/003: three-layer net
    [InlineData(new[] { 100, 100, 100, 100 }, 1e-1, 2e-3)]  // seed 003: five-layer net
    [InlineData(new[] { 100, 100, 100, 100 }, 1e-1, 1e-3)]  // seed 000: five-layer net (1.0 from epoch 10)
    [InlineData(new[] { 100, 100 }, 5e-2, 5e-4)]            // seed 001: three-layer net (1.0 from epoch 8)
    public void OverfitsFiftyImages(int[] hidden, double weightScale, double learningRate)
    {
        var rng = new NumpyRandom(231);
        var model = new FullyConnectedNet<double>(hidden, weightScale: weightScale, rng: rng);
        var solver = new Solver<double>(model, SmallData(), new SolverOptions
        {
            UpdateRule = "sgd", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = learningRate },
            NumEpochs = 20, BatchSize = 25, PrintEvery = 10, Verbose = false,
        }, rng);
        solver.Train();
        Assert.Equal(40, solver.LossHistory.Count);
        Assert.True(solver.TrainAccHistory.Max() == 1.0, $"training accuracy history: {string.Join(" ", solver.TrainAccHistory)}");
    }
}
