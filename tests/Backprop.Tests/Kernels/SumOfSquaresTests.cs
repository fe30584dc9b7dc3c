using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

/// <summary>
/// The L2 term's Σ w²: chunk by chunk of 64 Ki values, the chunks' sums added in order, so the bits are those of that
/// serial definition on any thread count, and the value is a float64 sum's to 11 digits.
/// </summary>
[Collection(KernelCollection.Name)]
public class SumOfSquaresTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(65_536)]
    [InlineData(65_537)]
    [InlineData(1_536_000)]     // the CIFAR net's first layer, 3072 × 500
    public void Float32_SameBitsOnAnyThreadCount_AndCloseToFloat64(int length)
    {
        var x = new NumpyRandom(3).Randn<float>(Math.Max(length, 1)).AsSpan()[..length].ToArray();
        double want = 0;
        foreach (float v in x) want += (double)v * v;
        double serial = ChunkedReference(x);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            int saved = Parallelism.MaxThreads;
            Parallelism.MaxThreads = threads;
            double got;
            try { got = SumOfSquares.Of<float>(x); }
            finally { Parallelism.MaxThreads = saved; }
            Assert.Equal(BitConverter.DoubleToInt64Bits(serial), BitConverter.DoubleToInt64Bits(got));
            Assert.Equal(want, got, Math.Max(want, 1) * 1e-11);   // a serial double sum of n squares is itself off by up to n·2⁻⁵³
        }
    }

    [Fact]
    public void Float64_OneChunkKeepsWideSumsBits_ManyChunksAddTheirSumsInOrder()
    {
        var small = new NumpyRandom(4).Randn<double>(1000).AsSpan().ToArray();
        Assert.Equal(WideSums.SumOfSquares<double>(small), SumOfSquares.Of<double>(small));
        var large = new NumpyRandom(5).Randn<double>(200_000).AsSpan().ToArray();
        double want = 0;
        for (int start = 0; start < large.Length; start += Chunks.Size)
            want += WideSums.SumOfSquares<double>(large.AsSpan(start, Math.Min(Chunks.Size, large.Length - start)));
        Assert.Equal(want, SumOfSquares.Of<double>(large));
    }

    // The definition, serially: each chunk's sum on its own (one chunk is a sum of its own), then the sums in order.
    private static double ChunkedReference(float[] x)
    {
        double s = 0;
        for (int start = 0; start < x.Length; start += Chunks.Size)
            s += SumOfSquares.Of<float>(x.AsSpan(start, Math.Min(Chunks.Size, x.Length - start)));
        return s;
    }
}
