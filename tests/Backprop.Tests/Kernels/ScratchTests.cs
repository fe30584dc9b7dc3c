using System.Reflection;
using System.Runtime.CompilerServices;
using Backprop.Kernels;
using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The kernels' per-thread scratch grows with the largest product a thread has run and was kept for the thread's
/// life (the pool's workers: the process's); <see cref="Scratch.Release"/> lets it go, on the caller and the workers.
/// Sizes and counts only (no times): other tests' threads run meanwhile.
/// </summary>
[Collection(KernelCollection.Name)]
public class ScratchTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void Release_LetsTheCallersBuffersGo_AndTheCollectorFreesThem()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var rng = new NumpyRandom(5);
            // A forward-shaped product (few rows, K > 256): computed in two K halves, each into a 200 × 20000 scratch.
            _ = rng.Randn(200, 300).Dot(rng.Randn(300, 20_000));
            Assert.True(Scratch.ThreadBytes >= 60 * MiB, $"{Scratch.ThreadBytes} bytes");
            var partials = PartialSums();

            Scratch.Release();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();

            Assert.Equal(0, Scratch.ThreadBytes);
            Assert.False(partials.IsAlive);   // kept by the thread until now: 64 MB for as long as it lived
            // The next product allocates what it needs again, and gives the same bits.
            var a = rng.Randn(30, 300); var b = rng.Randn(300, 40);
            var before = a.Dot(b).AsSpan().ToArray();
            Assert.InRange(Scratch.ThreadBytes, 1, 4 * MiB);
            Scratch.Release();
            Assert.Equal(before, a.Dot(b).AsSpan().ToArray());
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Release_LetsTheWorkersBuffersGo()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var rng = new NumpyRandom(6);
            // A weight gradient's shape (Xᵀ·dout, 40000 features, batch 100): two row blocks, each with its own 20000 × 100
            // panels (16 MB) on its own thread.
            var xT = rng.Randn(100, 40_000).Transpose(); var dout = rng.Randn(100, 50);
            Scratch.Release();
            long othersBefore = Scratch.RetainedBytes - Scratch.ThreadBytes;
            long othersGrown = 0;
            // The worker takes its block unless the caller got to both first (a busy machine): try again.
            for (int attempt = 0; attempt < 50 && othersGrown < 12 * MiB; attempt++)
            {
                _ = xT.Dot(dout);
                othersGrown = Scratch.RetainedBytes - Scratch.ThreadBytes - othersBefore;
            }
            Assert.True(othersGrown >= 12 * MiB, $"the worker's scratch grew by {othersGrown} bytes");
            long othersHeld = Scratch.RetainedBytes - Scratch.ThreadBytes;

            Scratch.Release();

            long othersDropped = othersHeld - (Scratch.RetainedBytes - Scratch.ThreadBytes);
            Assert.True(othersDropped >= 8 * MiB, $"other threads' scratch dropped by {othersDropped} bytes");
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Release_WhileAnotherThreadTrains_ChangesNoBit()
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var reference = Train(release: false);
            var released = Train(release: true);
            foreach (var (name, p) in reference) Assert.Equal(p, released[name]);
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    // 100 steps of a [300, 300] net (batch norm, dropout) on the calling thread and the pool, while another thread
    // releases the scratch over and over: a buffer let go while in use would change the weights (or crash).
    private static Dictionary<string, double[]> Train(bool release)
    {
        var rng = new NumpyRandom(8);
        var x = rng.Randn(200, 400); var y = rng.Randint(10, 200);
        var model = new FullyConnectedNet<double>([300, 300], inputDim: 400, normalization: Normalization.BatchNorm, dropoutKeep: 0.8, rng: rng);
        var solver = new Backprop.Training.Solver<double>(model, new Backprop.Data.Dataset<double>(x, y, x, y),
            new Backprop.Training.SolverOptions { UpdateRule = "adam", NumEpochs = 1000, BatchSize = 50, Verbose = false }, rng);
        using var done = new CancellationTokenSource();
        using var started = new ManualResetEventSlim();
        int releases = 0;
        // A thread of its own, running before the first step: a Task.Run item once waited in the busy suite's thread
        // pool until all 100 steps were done (0 releases).
        var releaser = new Thread(() =>
        {
            while (!done.IsCancellationRequested) { Scratch.Release(); releases++; started.Set(); Thread.Sleep(0); }
        }) { IsBackground = true, Name = "scratch releaser" };
        if (release)
        {
            releaser.Start();
            started.Wait();
        }
        for (int i = 0; i < 100; i++) solver.Step();
        done.Cancel();
        if (release)
        {
            releaser.Join();
            Assert.True(releases > 10, $"{releases} releases");
        }
        return model.Params.ToDictionary(p => p.Key, p => p.Value.AsSpan().ToArray());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference PartialSums()
    {
        var holder = typeof(GemmScratch<double>).GetField("_partial0", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        var array = holder.GetType().GetField("_array", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(holder)!;
        Assert.True(((double[])array).Length >= 200 * 20_000);
        return new WeakReference(array);
    }
}
