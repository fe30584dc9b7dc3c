using Backprop.Data;
using Backprop.Kernels;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Models;

/// <summary>
/// A FullyConnectedNet scoring on many threads at once (an inference server) gives, call by call, the bits of the same
/// calls made one at a time; a test-mode pass does not disturb a training pass on another thread; two training passes
/// of one model at once are refused.
/// </summary>
[Collection(Tests.Kernels.KernelCollection.Name)]
public class ConcurrentInferenceTests
{
    private const int Threads = 4, Rounds = 12;
    private static readonly int[] BatchSizes = [1, 7, 50, 100, 130];

    /// <summary>A trained batch-norm + dropout net (running statistics away from 0 and 1), and inputs to score.</summary>
    private static (FullyConnectedNet<float> Model, NDArray<float> X, int[] Y) Trained()
    {
        var rng = new NumpyRandom(3);
        var x = rng.Randn<float>(260, 48);
        var y = rng.Randint(10, 260);
        var model = new FullyConnectedNet<float>([40, 30], inputDim: 48, normalization: Normalization.BatchNorm, dropoutKeep: 0.7, rng: new NumpyRandom(4));
        new Solver<float>(model, new Dataset<float>(x, y, x, y), new SolverOptions { NumEpochs = 2, BatchSize = 20, Verbose = false }, new NumpyRandom(5)).Train();
        return (model, x, y);
    }

    private static uint[] Bits(NDArray<float> a) => a.AsSpan().ToArray().Select(BitConverter.SingleToUInt32Bits).ToArray();

    // What one thread computes in one round: scores of every batch size, accuracy, predictions, all scores.
    private static (uint[][] Scores, double Accuracy, int[] Predictions, uint[] All) Work(FullyConnectedNet<float> model, NDArray<float> x, int[] y, int salt)
    {
        var scores = new uint[BatchSizes.Length][];
        var ws = new Workspace();
        for (int k = 0; k < BatchSizes.Length; k++)
        {
            int b = BatchSizes[(k + salt) % BatchSizes.Length];   // threads take the sizes in different orders
            var rows = x.Flatten2D().AsSpan()[..(b * 48)].ToArray();
            var batch = NDArray<float>.FromArray(rows, b, 48);
            ws.Reset();
            scores[(k + salt) % BatchSizes.Length] = Bits((salt & 1) == 0 ? model.Loss(batch) : model.Loss(batch, ws));
        }
        return (scores, Solver<float>.Accuracy(model, x, y, batchSize: 30 + salt),
            Solver<float>.Predict(model, x, batchSize: 64), Bits(Solver<float>.Scores(model, x, batchSize: 100)));
    }

    private static void AssertConcurrentEqualsSequential(FullyConnectedNet<float> model, NDArray<float> x, int[] y)
    {
        var expected = Enumerable.Range(0, Threads).Select(t => Work(model, x, y, t)).ToArray();
        var barrier = new Barrier(Threads);
        var got = new (uint[][] Scores, double Accuracy, int[] Predictions, uint[] All)[Threads, Rounds];
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int r = 0; r < Rounds; r++)
            {
                barrier.SignalAndWait();
                got[t, r] = Work(model, x, y, t);
            }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        for (int t = 0; t < Threads; t++)
            for (int r = 0; r < Rounds; r++)
            {
                for (int k = 0; k < BatchSizes.Length; k++) Assert.Equal(expected[t].Scores[k], got[t, r].Scores[k]);
                Assert.Equal(expected[t].Accuracy, got[t, r].Accuracy);
                Assert.Equal(expected[t].Predictions, got[t, r].Predictions);
                Assert.Equal(expected[t].All, got[t, r].All);
            }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ConcurrentScoring_GivesTheBitsOfSequentialScoring(int kernelThreads)
    {
        int before = Parallelism.MaxThreads;
        Parallelism.MaxThreads = kernelThreads;
        try
        {
            var (model, x, y) = Trained();
            AssertConcurrentEqualsSequential(model, x, y);
        }
        finally
        {
            Parallelism.MaxThreads = before;
        }
    }

    [Fact]
    public void ConcurrentScoring_OfALoadedNet_GivesTheBitsOfSequentialScoring()
    {
        var (trained, x, y) = Trained();
        using var dir = new TempDir();
        ModelFile.Save(trained, dir.File("model.npz"));
        var model = ModelFile.LoadNet<float>(dir.File("model.npz"));
        Assert.Equal(Bits(trained.Loss(x)), Bits(model.Loss(x)));
        AssertConcurrentEqualsSequential(model, x, y);
    }

    [Fact]
    public void ScoringOnAnotherThread_DoesNotChangeTraining()
    {
        // Before, a test-mode pass set the shared layers' mode to Test: a training pass running meanwhile normalised
        // with the running statistics and skipped dropout (or failed on a missing cache).
        static (FullyConnectedNet<float>, Solver<float>) Make()
        {
            var rng = new NumpyRandom(3);
            var x = rng.Randn<float>(200, 48);
            var y = rng.Randint(10, 200);
            var model = new FullyConnectedNet<float>([40, 30], inputDim: 48, normalization: Normalization.BatchNorm, dropoutKeep: 0.7, rng: new NumpyRandom(4));
            return (model, new Solver<float>(model, new Dataset<float>(x, y, x, y), new SolverOptions { NumEpochs = 10, BatchSize = 20, Verbose = false }, new NumpyRandom(5)));
        }
        var (alone, soloSolver) = Make();
        soloSolver.Train();

        var (model, solver) = Make();
        var probe = new NumpyRandom(6).Randn<float>(16, 48);
        bool done = false;
        var scorer = new Thread(() =>
        {
            while (!Volatile.Read(ref done)) model.Loss(probe);
        });
        scorer.Start();
        try
        {
            solver.Train();
        }
        finally
        {
            Volatile.Write(ref done, true);
            scorer.Join();
        }
        foreach (var (name, w) in alone.Params) Assert.Equal(Bits(w), Bits(model.Params[name]));
        foreach (var (name, b) in alone.Buffers) Assert.Equal(Bits(b), Bits(model.Buffers[name]));
        Assert.Equal(soloSolver.LossHistory, solver.LossHistory);
    }

    [Fact]
    public void ASecondTrainingPassOfTheSameModel_IsRefused_WhileTheFirstRuns()
    {
        var rng = new NumpyRandom(7);
        var x = rng.Randn<float>(20, 12);
        var y = rng.Randint(5, 20);
        var model = new FullyConnectedNet<float>([8], inputDim: 12, numClasses: 5, normalization: Normalization.BatchNorm, rng: rng);
        Exception? second = null;
        // The hook runs inside the first pass's backward pass: a pass on another thread then overlaps it for certain.
        IGemmTileSink<float>? Hook(string name, NDArray<float> w, float reg)
        {
            var other = new Thread(() => second = Record.Exception(() => model.Loss(x, y)));
            other.Start();
            other.Join();
            return null;
        }
        var (loss, _) = model.Loss(x, y, null, Hook, null);
        var e = Assert.IsType<InvalidOperationException>(second);
        Assert.Contains("another training pass", e.Message);
        // Refused, not half-run: the first pass's result is that of a pass alone, and the model trains on afterwards.
        Assert.Equal(loss, model.Loss(x, y).Loss);
    }
}
