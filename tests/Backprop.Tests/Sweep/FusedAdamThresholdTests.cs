using System.Numerics;
using Backprop.Data;
using Backprop.Kernels;
using Backprop.Models;
using Backprop.Optim;
using Backprop.Tensors;
using Backprop.Tests.Kernels;
using Backprop.Training;
using static Backprop.Tests.Sweep.SweepData;

namespace Backprop.Tests.Sweep;

/// <summary>
/// The promise of <c>SolverOptions.FusedUpdates</c> (README, "Decisions"): Adam fused into the weight gradient's product
/// is bit-identical to the separate update. Checked at the real threshold (<c>Adam.MinTiledBytes</c>, 4 MiB), on either
/// side of it: matrices one column short of it are declined, those at it and past it are fused. Batches from 1 to
/// past one K panel (1100: the last panel completes the earlier panels' sums), L2 on and off, 1–3 threads, narrow
/// matrices computed transposed; and a whole network trained by the Solver with and without fusion.
/// </summary>
[Collection(KernelCollection.Name)]   // reads Adam.MinTiledBytes, which other tests change; sets Parallelism.MaxThreads
public class FusedAdamThresholdTests
{
    public static TheoryData<int, int, int, bool> FloatShapes => new()
    {
        { 1024, 1024, 100, true },    // exactly 4 MiB: fused
        { 1024, 1023, 100, false },   // one column short: declined
        { 1023, 1025, 7, false },     // 1024² − 1 values: declined
        { 1031, 1021, 7, true },      // just past 4 MiB, ragged both ways
        { 2048, 512, 1, true },
        { 1024, 1024, 257, true },    // just past the batches swept by rows without a sink
        { 1024, 1024, 1100, true },   // two K panels
        { 65536, 16, 33, true },      // narrow: computed transposed, handed over whole
        { 43691, 24, 5, true },       // narrow past the AVX2 tile, ragged rows
    };

    public static TheoryData<int, int, int, bool> DoubleShapes => new()
    {
        { 1024, 512, 100, true },     // exactly 4 MiB of doubles
        { 1023, 512, 100, false },
        { 517, 1015, 600, true },     // two double K panels (512 deep)
        { 32768, 16, 9, true },
    };

    [Theory, MemberData(nameof(FloatShapes))]
    public void Float_FusedStep_IsTheSeparateStep(int d, int m, int batch, bool fused) => Check<float>(d, m, batch, fused);

    [Theory, MemberData(nameof(DoubleShapes))]
    public void Double_FusedStep_IsTheSeparateStep(int d, int m, int batch, bool fused) => Check<double>(d, m, batch, fused);

    private static void Check<T>(int d, int m, int batch, bool fused) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(4L << 20, Adam<T>.MinTiledBytes);
        var rng = Rng(12, d, m, batch);
        var x = Randn<T>(rng, 1, batch, d);
        var dout = Randn<T>(rng, 1, batch, m);
        var w0 = Randn<T>(rng, 0.1, d, m);
        int saved = Parallelism.MaxThreads;
        try
        {
            foreach (double reg in new[] { 0.0, 0.3 })
            {
                // The separate pass, on one thread: dW = xᵀ·dout, + reg·W, then the step. Two steps each, so the
                // moments and t carry over.
                Parallelism.MaxThreads = 1;
                var whole = new Adam<T>(1e-2);
                var wWhole = w0.Copy();
                var dw = new NDArray<T>(d, m);
                for (int step = 0; step < 2; step++)
                {
                    Gemm.Multiply<T>(x.AsSpan(), dout.AsSpan(), dw.AsSpan(), d, m, batch, transA: true);
                    if (reg != 0) Elementwise.AddScaled<T>(wWhole.AsSpan(), T.CreateTruncating(reg), dw.AsSpan());
                    whole.Step(wWhole, dw);
                }
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    Parallelism.MaxThreads = threads;
                    var tiled = new Adam<T>(1e-2);
                    var wTiled = w0.Copy();
                    for (int step = 0; step < 2; step++)
                    {
                        var sink = tiled.BeginTiledStep(wTiled, T.CreateTruncating(reg));
                        Assert.Equal(fused, sink is not null);
                        if (sink is null)
                        {
                            Gemm.Multiply<T>(x.AsSpan(), dout.AsSpan(), dw.AsSpan(), d, m, batch, transA: true);
                            if (reg != 0) Elementwise.AddScaled<T>(wTiled.AsSpan(), T.CreateTruncating(reg), dw.AsSpan());
                            tiled.Step(wTiled, dw);
                        }
                        else Gemm.MultiplyToSink<T>(x.AsSpan(), dout.AsSpan(), dw.AsSpan(), d, m, batch, true, false, sink);
                    }
                    string what = $"({d}, {m}) batch {batch} reg {reg}, {threads} thread(s)";
                    Assert.Equal(2, tiled.TimeStep);
                    Assert.True(wWhole.AsSpan().SequenceEqual(wTiled.AsSpan()), $"W differs: {what}");
                    Assert.True(whole.State["m"].AsSpan().SequenceEqual(tiled.State["m"].AsSpan()), $"m differs: {what}");
                    Assert.True(whole.State["v"].AsSpan().SequenceEqual(tiled.State["v"].AsSpan()), $"v differs: {what}");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Solver_NetworkWithAMatrixAtTheThreshold_TrainsTheSameBitsFusedOrNot()
    {
        // W1 (1024 × 1024 floats, 4 MiB) is fused; W2 (1024 × 10) is not. L2 on, batch norm, dropout, 2 threads.
        (float[] W1, float[] W2, double[] Losses) Run(bool fused)
        {
            var rng = new NumpyRandom(4);
            var x = Randn<float>(rng, 1, 60, 1024);
            var xv = Randn<float>(rng, 1, 20, 1024);
            var data = new Dataset<float>(x, rng.Randint(10, 60), xv, rng.Randint(10, 20), NumClasses: 10);
            var model = new FullyConnectedNet<float>([1024], inputDim: 1024, numClasses: 10, reg: 0.01, dropoutKeep: 0.8,
                normalization: Normalization.BatchNorm, rng: rng);
            var solver = new Solver<float>(model, data, new SolverOptions
            {
                UpdateRule = "adam", OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 },
                NumEpochs = 1, BatchSize = 20, Verbose = false, FusedUpdates = fused,
            }, rng);
            for (int i = 0; i < 3; i++) solver.Step();
            return (model.Params["W1"].AsSpan().ToArray(), model.Params["W2"].AsSpan().ToArray(), [.. solver.LossHistory]);
        }
        Assert.Equal(4L << 20, Adam<float>.MinTiledBytes);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 2;
            var separate = Run(fused: false);
            var fused = Run(fused: true);
            Assert.Equal(separate.Losses, fused.Losses);
            Assert.True(separate.W1.AsSpan().SequenceEqual(fused.W1), "W1 (fused) differs");
            Assert.True(separate.W2.AsSpan().SequenceEqual(fused.W2), "W2 differs");
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
