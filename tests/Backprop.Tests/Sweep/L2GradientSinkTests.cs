using System.Numerics;
using Backprop.Kernels;
using Backprop.Models;
using Backprop.Tensors;
using Backprop.Tests.Kernels;
using static Backprop.Tests.Sweep.SweepData;

namespace Backprop.Tests.Sweep;

/// <summary>
/// reg·W added to a large weight gradient in the product's epilogue (<c>L2GradientSink</c>) gives the bits of the
/// product followed by the separate pass, at the real threshold (4 MiB) and either side of it, on 1–3 threads, for
/// batches of one, past one K panel, and narrow matrices computed transposed; and a network's gradients are the same
/// bits with the sink and without it.
/// </summary>
[Collection(KernelCollection.Name)]   // sets L2GradientSink.MinBytes and Parallelism.MaxThreads
public class L2GradientSinkTests
{
    public static TheoryData<int, int, int, bool> FloatShapes => new()
    {
        { 1024, 1024, 100, true },    // exactly 4 MiB: the sink
        { 1024, 1023, 100, false },   // one column short: the pass
        { 1031, 1021, 1, true },      // past 4 MiB, ragged both ways, batch 1
        { 1024, 1024, 1100, true },   // two K panels
        { 65536, 16, 33, true },      // narrow: computed transposed, handed over whole
    };

    [Theory, MemberData(nameof(FloatShapes))]
    public void Float_SinkIsTheProductThenThePass(int d, int m, int batch, bool takesSink) => Check<float>(d, m, batch, takesSink);

    [Theory]
    [InlineData(1024, 512, 100, true)]   // exactly 4 MiB of doubles
    [InlineData(517, 1015, 600, true)]   // two double K panels
    [InlineData(1023, 512, 100, false)]
    public void Double_SinkIsTheProductThenThePass(int d, int m, int batch, bool takesSink) => Check<double>(d, m, batch, takesSink);

    private static void Check<T>(int d, int m, int batch, bool takesSink) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(4L << 20, L2GradientSink<T>.MinBytes);
        var rng = Rng(21, d, m, batch);
        var x = Randn<T>(rng, 1, batch, d);
        var dout = Randn<T>(rng, 1, batch, m);
        var w = Randn<T>(rng, 0.1, d, m);
        T reg = T.CreateTruncating(0.3);
        var want = new NDArray<T>(d, m);
        int saved = Parallelism.MaxThreads;
        try
        {
            Parallelism.MaxThreads = 1;
            Gemm.Multiply<T>(x.AsSpan(), dout.AsSpan(), want.AsSpan(), d, m, batch, transA: true);
            Elementwise.AddScaled<T>(w.AsSpan(), reg, want.AsSpan());
            Assert.Equal(takesSink, L2GradientSink<T>.Pays(w));
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                var got = new NDArray<T>(d, m);
                Gemm.MultiplyToSink<T>(x.AsSpan(), dout.AsSpan(), got.AsSpan(), d, m, batch, true, false, new L2GradientSink<T>().For(w, reg));
                Assert.True(want.AsSpan().SequenceEqual(got.AsSpan()), $"({d}, {m}) batch {batch}, {threads} thread(s): dW differs");
            }
        }
        finally { Parallelism.MaxThreads = saved; }
    }

    [Fact]
    public void Network_GradientsAreTheSameBitsWithTheSinkOrWithout()
    {
        // W1 (1024 × 1024 floats) takes the sink at the real threshold; with the threshold out of reach, none does.
        var rng = new NumpyRandom(8);
        var x = Randn<float>(rng, 1, 30, 1024);
        var y = rng.Randint(10, 30);
        var model = new FullyConnectedNet<float>([1024], inputDim: 1024, numClasses: 10, reg: 0.05,
            normalization: Normalization.BatchNorm, rng: rng);
        Assert.True(L2GradientSink<float>.Pays(model.Params["W1"]));
        var (lossSink, gradsSink) = model.Loss(x, y);
        long saved = L2GradientSink<float>.MinBytes;
        try
        {
            L2GradientSink<float>.MinBytes = long.MaxValue;
            var (lossPass, gradsPass) = model.Loss(x, y);
            Assert.Equal(lossPass, lossSink);
            foreach (var (name, g) in gradsPass)
                Assert.True(g.AsSpan().SequenceEqual(gradsSink[name].AsSpan()), $"{name} differs");
            Assert.NotEqual(0f, gradsPass["W1"].AsSpan()[0]);
        }
        finally { L2GradientSink<float>.MinBytes = saved; }
    }
}
