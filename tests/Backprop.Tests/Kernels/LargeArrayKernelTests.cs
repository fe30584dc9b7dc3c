using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Optim;
using Backprop.Tensors;
using static Backprop.Layers.Layer;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Arrays large enough for the element-wise kernels, reductions, batch norm, softmax and Adam to split over threads
/// (700 × 1500: past the parallel threshold, two column strips) give the same bits on 1, 2 and 3 threads, and the
/// values of the plain formulas.
/// </summary>
[Collection(KernelCollection.Name)]
public class LargeArrayKernelTests
{
    private const int N = 700, D = 1500;

    private static TResult Run<TResult>(int threads, Func<TResult> body)
    {
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = threads;
        try { return body(); }
        finally { Parallelism.MaxThreads = saved; }
    }

    private static void SameOnAllThreadCounts(Func<float[]> body)
    {
        var one = Run(1, body);
        Assert.True(one.AsSpan().SequenceEqual(Run(2, body)), "2 threads differ from 1");
        Assert.True(one.AsSpan().SequenceEqual(Run(3, body)), "3 threads differ from 1");
    }

    private static NDArray<float> Randn(uint seed) => new NumpyRandom(seed).Randn<float>(N, D);

    [Fact]
    public void Relu_ForwardAndBackward()
    {
        var x = Randn(1);
        var dout = Randn(2);
        SameOnAllThreadCounts(() => [.. ReluForward(x).Out.AsSpan(), .. ReluBackward(dout, new ReluCache<float>(x)).AsSpan()]);
        var y = ReluForward(x).Out.AsSpan();
        var dx = ReluBackward(dout, new ReluCache<float>(x)).AsSpan();
        for (int i = 0; i < x.Size; i++)
        {
            Assert.Equal(Math.Max(x.Flat(i), 0f), y[i]);
            Assert.Equal(x.Flat(i) > 0 ? dout.Flat(i) : 0f, dx[i]);
        }
    }

    [Fact]
    public void ReluBackward_PastTheStreamingSize_SameBitsOnAnyAlignmentAndInPlace()
    {
        // Outputs of 16 MiB and more are written by streaming stores from a 64-byte boundary: start the spans off it
        // and end them off a vector, on 1, 2 and 3 threads, and in place (dx = dout).
        int length = (int)(Streaming.MinBytes / sizeof(float)) + 1003;
        var rng = new NumpyRandom(12);
        float[] x = rng.Randn<float>(length + 3).AsSpan().ToArray(), dout = rng.Randn<float>(length + 3).AsSpan().ToArray();
        x[7] = float.NaN;
        dout[8] = -0f;
        var want = new float[length];
        for (int i = 0; i < length; i++) want[i] = x[i + 3] > 0 ? dout[i + 3] : 0f;
        var dx = new float[length + 3];
        SameOnAllThreadCounts(() =>
        {
            Elementwise.ReluBackward<float>(x.AsSpan(3, length), dout.AsSpan(3, length), dx.AsSpan(1, length));
            return dx[1..];
        });
        Assert.True(want.AsSpan().SequenceEqual(dx.AsSpan(1, length)), "streamed ReLU gradient differs from the formula");
        Elementwise.ReluBackward<float>(x.AsSpan(3, length), dout.AsSpan(3, length), dout.AsSpan(3, length));
        Assert.True(want.AsSpan().SequenceEqual(dout.AsSpan(3, length)), "in-place ReLU gradient differs");
    }

    [Theory]
    [InlineData(100 * 500)]      // a training batch: one streamed run per thread
    [InlineData(16_384 + 13)]    // the shortest batch split so, ending off a vector
    [InlineData(16_383)]         // one short of it: the calling thread, ordinary stores
    public void Relu_TrainingBatch_StreamedRuns_SameBitsAsOneThreadOnAnyAlignment(int length)
    {
        var rng = new NumpyRandom(21);
        float[] x = rng.Randn<float>(length + 5).AsSpan().ToArray(), dout = rng.Randn<float>(length + 5).AsSpan().ToArray();
        x[9] = float.NaN;
        x[10] = -0f;
        x[11] = 0f;
        dout[12] = -0f;
        x[length] = float.NegativeInfinity;
        var wantY = new float[length];
        System.Numerics.Tensors.TensorPrimitives.Max(x.AsSpan(5, length), 0f, wantY);
        var wantDx = new float[length];
        for (int i = 0; i < length; i++) wantDx[i] = x[i + 5] > 0 ? dout[i + 5] : 0f;
        var y = new float[length + 2];
        var dx = new float[length + 2];
        // Spans off a 64-byte boundary (the runs' streaming stores start at the first one), on 1, 2 and 3 threads, the
        // runs streamed (cores far apart) and not (near).
        foreach (bool far in new[] { true, false })
        {
            CorePlacement.Override = far;
            try
            {
                SameOnAllThreadCounts(() =>
                {
                    Elementwise.Relu<float>(x.AsSpan(5, length), y.AsSpan(1, length));
                    Elementwise.ReluBackward<float>(x.AsSpan(5, length), dout.AsSpan(5, length), dx.AsSpan(1, length));
                    return [.. y[1..], .. dx[1..]];
                });
            }
            finally { CorePlacement.Override = null; }
            for (int i = 0; i < length; i++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(wantY[i]), BitConverter.SingleToInt32Bits(y[i + 1]));
                Assert.Equal(BitConverter.SingleToInt32Bits(wantDx[i]), BitConverter.SingleToInt32Bits(dx[i + 1]));
            }
        }
        Elementwise.ReluBackward<float>(x.AsSpan(5, length), dout.AsSpan(5, length), dout.AsSpan(5, length));
        Assert.True(wantDx.AsSpan().SequenceEqual(dout.AsSpan(5, length)), "in-place ReLU gradient differs");
    }

    [Fact]
    public void SumRows_AddsRowBlocksInOrder()
    {
        var x = Randn(3);
        var sums = new float[D];
        SameOnAllThreadCounts(() => { Elementwise.SumRows<float>(x.AsSpan(), sums, N, D); return [.. sums]; });
        for (int j = 0; j < D; j += 97)
        {
            // Six near-equal blocks of rows (700 rows, at most 128 a block), each summed in row order, then the block
            // sums in order.
            float total = 0;
            for (int b = 0; b < 6; b++)
            {
                float s = 0;
                for (int i = N * b / 6; i < N * (b + 1) / 6; i++) s += x.Flat(i * D + j);
                total = b == 0 ? s : total + s;
            }
            Assert.Equal(total, sums[j]);
        }
    }

    [Fact]
    public void BatchNorm_ForwardAndBackward()
    {
        var x = Randn(4);
        var dout = Randn(5);
        var gamma = new NumpyRandom(6).Randn<float>(D);
        var beta = new NumpyRandom(7).Randn<float>(D);
        float[] Pass()
        {
            var p = new BatchNormParam<float>();
            var (outp, cache) = BatchNormForward(x, gamma, beta, p);
            var (dx, dg, db) = BatchNormBackwardAlt(dout, cache);
            return [.. outp.AsSpan(), .. dx.AsSpan(), .. dg.AsSpan(), .. db.AsSpan(), .. p.RunningVar!.AsSpan()];
        }
        SameOnAllThreadCounts(Pass);
        // Column 0 by the textbook formula in double.
        var (o, _) = BatchNormForward(x, gamma, beta, new BatchNormParam<float>());
        double mean = 0, var_ = 0;
        for (int i = 0; i < N; i++) mean += x.Flat(i * D);
        mean /= N;
        for (int i = 0; i < N; i++) var_ += Math.Pow(x.Flat(i * D) - mean, 2);
        var_ /= N;
        for (int i = 0; i < N; i += 50)
            Assert.Equal((x.Flat(i * D) - mean) / Math.Sqrt(var_ + 1e-5) * gamma.Flat(0) + beta.Flat(0), o.Flat(i * D), 4);
    }

    [Fact]
    public void BatchNorm_PastTheStreamingSize_SameBitsStreamedOrNot()
    {
        // 1025 × 4096 floats (16.8 MB, rows on cache lines): x̂, out and dx are written with streaming stores. The same
        // bits as ordinary stores, on 1, 2 and 3 threads.
        const int n = 1025, d = 4096;
        Assert.True((long)n * d * sizeof(float) >= Streaming.MinBytes);
        var x = new NumpyRandom(31).Randn<float>(n, d);
        var dout = new NumpyRandom(32).Randn<float>(n, d);
        var gamma = new NumpyRandom(33).Randn<float>(d);
        var beta = new NumpyRandom(34).Randn<float>(d);
        x[3, 5] = float.NaN;
        float[] Pass()
        {
            var (outp, cache) = BatchNormForward(x, gamma, beta, new BatchNormParam<float>());
            var (dx, _, _) = BatchNormBackwardAlt(dout, cache);
            return [.. cache.XHat.AsSpan(), .. outp.AsSpan(), .. dx.AsSpan()];
        }
        bool streamed = BatchNormKernels<float>.StreamLargeOutputs;
        BatchNormKernels<float>.StreamLargeOutputs = false;
        float[] want;
        try { want = Pass(); }
        finally { BatchNormKernels<float>.StreamLargeOutputs = streamed; }
        SameOnAllThreadCounts(Pass);
        var got = Pass();
        for (int i = 0; i < want.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(want[i]) == BitConverter.SingleToInt32Bits(got[i]), $"value {i}: {got[i]}, want {want[i]}");
    }

    [Fact]
    public void LayerNorm_ForwardAndBackward()
    {
        // 700 rows in one run per thread (and a 100 × 500 training batch), against one thread and a row by the formula.
        foreach (var (n, d) in new[] { (N, D), (100, 500) })
        {
            var x = new NumpyRandom(8).Randn<float>(n, d);
            var dout = new NumpyRandom(9).Randn<float>(n, d);
            var gamma = new NumpyRandom(10).Randn<float>(d);
            var beta = new NumpyRandom(11).Randn<float>(d);
            float[] Pass()
            {
                var (outp, cache) = LayerNormForward(x, gamma, beta);
                var (dx, dg, db) = LayerNormBackward(dout, cache);
                return [.. outp.AsSpan(), .. cache.XHat.AsSpan(), .. cache.InvStd.AsSpan(), .. dx.AsSpan(), .. dg.AsSpan(), .. db.AsSpan()];
            }
            SameOnAllThreadCounts(Pass);
            var (o, _) = LayerNormForward(x, gamma, beta);
            int row = n - 1;
            double mean = 0, var_ = 0;
            for (int j = 0; j < d; j++) mean += x[row, j];
            mean /= d;
            for (int j = 0; j < d; j++) var_ += Math.Pow(x[row, j] - mean, 2);
            var_ /= d;
            for (int j = 0; j < d; j += 37)
                Assert.Equal((x[row, j] - mean) / Math.Sqrt(var_ + 1e-5) * gamma.Flat(j) + beta.Flat(j), o[row, j], 4);
        }
    }

    [Fact]
    public void SoftmaxLoss_SameLossAndGradient()
    {
        var x = Randn(8);
        var y = new NumpyRandom(9).Randint(D, N);
        SameOnAllThreadCounts(() => { var (loss, dx) = SoftmaxLoss(x, y); return [(float)loss, .. dx.AsSpan()]; });
        double expected = 0;
        for (int i = 0; i < N; i++)
        {
            double max = double.MinValue, sum = 0;
            for (int j = 0; j < D; j++) max = Math.Max(max, x.Flat(i * D + j));
            for (int j = 0; j < D; j++) sum += Math.Exp(x.Flat(i * D + j) - max);
            expected += Math.Log(sum) - (x.Flat(i * D + y[i]) - max);
        }
        Assert.Equal(expected / N, SoftmaxLoss(x, y).Loss, 5);
    }

    [Fact]
    public void Adam_SameBitsAsTheScalarFormula()
    {
        var dw = new NumpyRandom(10).Randn<double>(N, D);
        double[] Steps()
        {
            var w = new NumpyRandom(11).Randn<double>(N, D);
            var rule = new Adam<double>(learningRate: 1e-2);
            for (int t = 0; t < 3; t++) rule.Step(w, dw);
            return w.AsSpan().ToArray();
        }
        // Two threads split the matrix at its products' row cut, three in 64 Ki-element chunks, one runs it whole.
        var got = Run(1, Steps);
        Assert.True(got.AsSpan().SequenceEqual(Run(2, Steps)), "2 threads differ from 1");
        Assert.True(got.AsSpan().SequenceEqual(Run(3, Steps)), "3 threads differ from 1");
        var wRef = new NumpyRandom(11).Randn<double>(N, D).AsSpan();
        var m = new double[wRef.Length];
        var v = new double[wRef.Length];
        for (int t = 1; t <= 3; t++)
        {
            double c1 = 1 / (1 - Math.Pow(0.9, t)), c2 = 1 / (1 - Math.Pow(0.999, t));
            for (int i = 0; i < wRef.Length; i++)
            {
                m[i] = 0.9 * m[i] + (1 - 0.9) * dw.Flat(i);
                v[i] = 0.999 * v[i] + (1 - 0.999) * dw.Flat(i) * dw.Flat(i);
                wRef[i] -= 1e-2 * (m[i] * c1) / (Math.Sqrt(v[i] * c2) + 1e-8);
            }
        }
        Assert.True(wRef.SequenceEqual(got), "Adam differs from the scalar formula");
    }

    public static TheoryData<string, int, int> RulesAndShapes()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var rule in UpdateRules.Names)
        {
            data.Add(rule, 500, 500);    // a hidden layer: two threads cut at row 252, not at a chunk boundary
            data.Add(rule, 784, 500);    // Fashion-MNIST's first layer
            data.Add(rule, 1, 300_001);  // one row: no row cut to split at, so in chunks (the last one odd)
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RulesAndShapes))]
    public void EveryUpdateRule_OnALargeParameter_SameBitsOnOneTwoAndThreeThreads(string name, int rows, int cols)
    {
        var dw = new NumpyRandom(12).Randn<float>(rows, cols);
        SameOnAllThreadCounts(() =>
        {
            var w = new NumpyRandom(13).Randn<float>(rows, cols);
            var rule = UpdateRules.Create<float>(name, new Dictionary<string, double> { ["learning_rate"] = 1e-3 });
            for (int t = 0; t < 2; t++) rule.Step(w, dw);
            return w.AsSpan().ToArray();
        });
    }
}
