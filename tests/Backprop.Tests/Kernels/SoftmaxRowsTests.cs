using System.Runtime.Intrinsics;
using Backprop.Kernels;
using Backprop.Layers;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

/// <summary>The float32 softmax row's own exp: accurate to a few ulp, the same bits in vector and scalar form.</summary>
public class SoftmaxRowsTests
{
    [Fact]
    public void Exp_WithinThreeUlpOfTheTrueValue_SubnormalsIncluded()
    {
        double worst = 0;
        for (int i = 0; i <= 2_000_000; i++)
        {
            float x = -110f * i / 2_000_000;
            float got = SoftmaxRows.Exp(x);
            double exact = Math.Exp(x);
            // Below float's normal range an ulp is the subnormal spacing, 2^-149.
            double ulp = MathF.BitIncrement((float)exact) - (float)exact;
            worst = Math.Max(worst, Math.Abs(got - exact) / ulp);
        }
        Assert.True(worst <= 3, $"worst error {worst:F2} ulp");
        Assert.Equal(1f, SoftmaxRows.Exp(0f));
        Assert.True(float.IsNaN(SoftmaxRows.Exp(float.NaN)));
        Assert.Equal(0f, SoftmaxRows.Exp(float.NegativeInfinity));
    }

    [SkippableFact]
    public void Exp_VectorGivesTheScalarBits()
    {
        
        var rng = new NumpyRandom(3);
        var xs = rng.Randn<float>(4096).AsSpan().ToArray();
        for (int i = 0; i < xs.Length; i++) xs[i] = -MathF.Abs(xs[i]) * 20;
        xs[5] = float.NaN;
        xs[6] = -100f;
        xs[7] = 0f;
        xs[8] = -95f;                       // subnormal result
        xs[9] = -103.9f;                    // rounds to the smallest subnormal or 0
        xs[10] = float.NegativeInfinity;
        for (int i = 0; i < xs.Length; i += Vector512<float>.Count)
        {
            var v = SoftmaxRows.Exp(Vector512.Create(xs, i));
            for (int k = 0; k < Vector512<float>.Count; k++)
                Assert.Equal(BitConverter.SingleToInt32Bits(SoftmaxRows.Exp(xs[i + k])), BitConverter.SingleToInt32Bits(v[k]));
        }
    }

    [Theory]
    [InlineData(10)]  // the masked tail alone
    [InlineData(37)]  // two vectors per trip, then the tail
    [InlineData(48)]  // two vectors per trip, then one vector
    [InlineData(61)]  // every part of the row loop
    public void SoftmaxLoss_Float32MatchesFloat64(int classes)
    {
        var x64 = new NumpyRandom(4).Randn<double>(50, classes);
        for (int i = 0; i < x64.Size; i++) x64.Flat(i) *= 5;
        var y = new NumpyRandom(5).Randint(classes, 50);
        var x32 = new NDArray<float>(50, classes);
        for (int i = 0; i < x64.Size; i++) x32.Flat(i) = (float)x64.Flat(i);
        var (l64, d64) = Layer.SoftmaxLoss(x64, y);
        var (l32, d32) = Layer.SoftmaxLoss(x32, y);
        Assert.Equal(l64, l32, 1e-5);
        for (int i = 0; i < d64.Size; i++) Assert.Equal(d64.Flat(i), d32.Flat(i), 1e-7);
    }
}
