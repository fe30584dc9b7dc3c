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
/// The promise of <c>SolverOptions.FusedUpdates</c> (README, "Decisions"): an update rule fused into the weight
/// gradient's product is bit-identical to the separate update. Checked at the real threshold
/// (<c>UpdateRule.MinTiledBytes</c>, 4 MiB), on either side of it: matrices one column short of it are declined, those
/// at it and past it are fused. Batches from 1 to past one K panel (1100: the last panel completes the earlier panels'
/// sums), L2 on and off, 1–3 threads, narrow matrices computed transposed; every shape for Adam, the default rule, and
/// the threshold, a ragged and a narrow one for each other rule; and a whole network trained by the Solver with and
/// without fusion.
/// </summary>
[Collection(KernelCollection.Name)]   // reads UpdateRule.MinTiledBytes, which other tests change; sets Parallelism.MaxThreads
public class FusedStepThresholdTests
{
    private static readonly (int D, int M, int Batch, bool Fused)[] FloatCases =
    [
        (1024, 1024, 100, true),    // exactly 4 MiB: fused
        (1024, 1023, 100, false),   // one column short: declined
        (1023, 1025, 7, false),     // 1024² − 1 values: declined
        (1031, 1021, 7, true),      // just past 4 MiB, ragged both ways
        (2048, 512, 1, true),
        (1024, 1024, 257, true),    // just past the batches swept by rows without a sink
        (1024, 1024, 1100, true),   // two K panels
        (65536, 16, 33, true),      // narrow: computed transposed, handed over whole
        (43691, 24, 5, true),       // narrow past the AVX2 tile, ragged rows
    ];

    private static readonly (int D, int M, int Batch, bool Fused)[] DoubleCases =
    [
        (1024, 512, 100, true),     // exactly 4 MiB of doubles
        (1023, 512, 100, false),
        (517, 1015, 600, true),     // two double K panels (512 deep)
        (32768, 16, 9, true),
    ];

    private static readonly string[] OtherRules = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adagrad"];

    private static TheoryData<string, int, int, int, bool> Cases((int D, int M, int Batch, bool Fused)[] shapes, int[] forOthers)
    {
        var data = new TheoryData<string, int, int, int, bool>();
        foreach (var (d, m, batch, fused) in shapes) data.Add("adam", d, m, batch, fused);
        foreach (var rule in OtherRules)
            foreach (int i in forOthers) data.Add(rule, shapes[i].D, shapes[i].M, shapes[i].Batch, shapes[i].Fused);
        return data;
    }

    public static TheoryData<string, int, int, int, bool> FloatShapes => Cases(FloatCases, [0, 1, 3, 8]);

    public static TheoryData<string, int, int, int, bool> DoubleShapes => Cases(DoubleCases, [2]);

    [Theory, MemberData(nameof(FloatShapes))]
    public void Float_FusedStep_IsTheSeparateStep(string rule, int d, int m, int batch, bool fused) => Check<float>(rule, d, m, batch, fused);

    [Theory, MemberData(nameof(DoubleShapes))]
    public void Double_FusedStep_IsTheSeparateStep(string rule, int d, int m, int batch, bool fused) => Check<double>(rule, d, m, batch, fused);

    private static void Check<T>(string rule, int d, int m, int batch, bool fused) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(4L << 20, UpdateRule<T>.MinTiledBytes);
        var config = new Dictionary<string, double> { ["learning_rate"] = 1e-2 };
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
                // state (and Adam's t) carries over.
                Parallelism.MaxThreads = 1;
                var whole = UpdateRules.Create<T>(rule, config);
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
                    var tiled = UpdateRules.Create<T>(rule, config);
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
                    string what = $"{rule} ({d}, {m}) batch {batch} reg {reg}, {threads} thread(s)";
                    if (tiled is Adam<T> adam) Assert.Equal(2, adam.TimeStep);
                    Assert.False(wWhole.AsSpan().SequenceEqual(w0.AsSpan()), $"W did not move: {what}");
                    Assert.True(wWhole.AsSpan().SequenceEqual(wTiled.AsSpan()), $"W differs: {what}");
                    Assert.Equal(tiled.StateNames, tiled.State.Keys);
                    foreach (var name in tiled.StateNames)
                        Assert.True(whole.State[name].AsSpan().SequenceEqual(tiled.State[name].AsSpan()), $"{name} differs: {what}");
                }
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    [InlineData("sgd_momentum")]
    [InlineData("sgd_nesterov_momentum")]
    [InlineData("rmsprop")]
    [InlineData("adagrad")]
    public void Solver_NetworkWithAMatrixAtTheThreshold_TrainsTheSameBitsFusedOrNot(string rule)
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
                UpdateRule = rule, OptimConfig = new Dictionary<string, double> { ["learning_rate"] = 1e-3 },
                NumEpochs = 1, BatchSize = 20, Verbose = false, FusedUpdates = fused,
            }, rng);
            for (int i = 0; i < 3; i++) solver.Step();
            return (model.Params["W1"].AsSpan().ToArray(), model.Params["W2"].AsSpan().ToArray(), [.. solver.LossHistory]);
        }
        Assert.Equal(4L << 20, UpdateRule<float>.MinTiledBytes);
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
