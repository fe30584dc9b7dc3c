using Backprop.Data;
using Backprop.Kernels;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>
/// Trainings side by side in one process, and the process-wide knobs touched while one trains: each run gives the bits
/// it gives alone.
/// </summary>
[Collection(Tests.Kernels.KernelCollection.Name)]
public class ConcurrentTrainingTests
{
    /// <summary>Trains a batch-norm + dropout net on its own data; returns the bits of its parameters, buffers and losses.</summary>
    private static uint[] Run(int seed, int epochs = 2)
    {
        var rng = new NumpyRandom((uint)seed);
        var x = rng.Randn<float>(300, 96);
        var y = rng.Randint(10, 300);
        var model = new FullyConnectedNet<float>([120, 80], inputDim: 96, normalization: Normalization.BatchNorm, dropoutKeep: 0.8, rng: new NumpyRandom((uint)seed + 1));
        var solver = new Solver<float>(model, new Dataset<float>(x, y, x, y),
            new SolverOptions { UpdateRule = "adam", NumEpochs = epochs, BatchSize = 50, Verbose = false }, new NumpyRandom((uint)seed + 2));
        solver.Train();
        return model.Params.Values.Concat(model.Buffers.Values)
            .SelectMany(a => a.AsSpan().ToArray().Select(BitConverter.SingleToUInt32Bits))
            .Concat(solver.LossHistory.Select(l => (uint)BitConverter.DoubleToInt64Bits(l)))
            .ToArray();
    }

    private static T WithThreads<T>(int threads, Func<T> body)
    {
        int before = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try { return body(); }
        finally { Parallelism.MaxThreads = before; }
    }

    [Fact]
    public void TwoTrainingsAtOnce_EachGiveTheBitsOfTrainingAlone()
    {
        // One owns the kernels' pool while the other's loops run inline on its own thread: the same bits either way.
        WithThreads(2, () =>
        {
            var alone = new[] { Run(10), Run(20) };
            for (int rep = 0; rep < 3; rep++)
            {
                var got = new uint[2][];
                var barrier = new Barrier(2);
                var threads = new[] { 10, 20 }.Select((seed, i) => new Thread(() => { barrier.SignalAndWait(); got[i] = Run(seed); })).ToArray();
                foreach (var t in threads) t.Start();
                foreach (var t in threads) t.Join();
                Assert.Equal(alone[0], got[0]);
                Assert.Equal(alone[1], got[1]);
            }
            return 0;
        });
    }

    [Fact]
    public void ChangingMaxThreads_WhileAnotherThreadTrains_KeepsItsBits()
    {
        var alone = WithThreads(1, () => Run(30, epochs: 3));
        var got = WithThreads(2, () =>
        {
            bool done = false;
            var toggler = new Thread(() =>
            {
                for (int i = 0; !Volatile.Read(ref done); i++) Parallelism.MaxThreads = 1 + i % 3;
            });
            toggler.Start();
            try { return Run(30, epochs: 3); }
            finally { Volatile.Write(ref done, true); toggler.Join(); }
        });
        Assert.Equal(alone, got);
    }

    [Fact]
    public void ScratchRelease_WhileAnotherThreadTrains_KeepsItsBits()
    {
        WithThreads(2, () =>
        {
            var alone = Run(40, epochs: 3);
            bool done = false;
            int releases = 0;
            var releaser = new Thread(() =>
            {
                while (!Volatile.Read(ref done)) { Scratch.Release(); releases++; }
            });
            releaser.Start();
            uint[] got;
            try { got = Run(40, epochs: 3); }
            finally { Volatile.Write(ref done, true); releaser.Join(); }
            Assert.Equal(alone, got);
            Assert.True(releases > 0);
            return 0;
        });
    }

    [Fact]
    public void SavingTwoModelsToOnePath_AtOnce_LeavesOneWholeFile()
    {
        var a = new FullyConnectedNet<float>([64], inputDim: 200, normalization: Normalization.BatchNorm, rng: new NumpyRandom(1));
        var b = new FullyConnectedNet<float>([64], inputDim: 200, normalization: Normalization.BatchNorm, rng: new NumpyRandom(2));
        using var dir = new TempDir();
        var path = dir.File("model.npz");
        static uint[] Bits(FullyConnectedNet<float> m) =>
            m.Params.Values.Concat(m.Buffers.Values).SelectMany(x => x.AsSpan().ToArray().Select(BitConverter.SingleToUInt32Bits)).ToArray();
        var (bitsA, bitsB) = (Bits(a), Bits(b));
        for (int rep = 0; rep < 20; rep++)
        {
            var barrier = new Barrier(2);
            var errors = new Exception?[2];
            var threads = new[] { a, b }.Select((m, i) => new Thread(() =>
            {
                barrier.SignalAndWait();
                errors[i] = Record.Exception(() => ModelFile.Save(m, path));
            })).ToArray();
            foreach (var t in threads) t.Start();
            foreach (var t in threads) t.Join();
            Assert.All(errors, Assert.Null);
            var loaded = Bits(ModelFile.LoadNet<float>(path));
            Assert.True(loaded.SequenceEqual(bitsA) || loaded.SequenceEqual(bitsB), "the file is neither model whole");
            Assert.Equal(["model.npz"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        }
    }
}
