using Backprop.Kernels;
using Backprop.Tests.Kernels;
using Backprop.Training;

namespace Backprop.Tests.Training;

/// <summary>The minibatch copy: the sampled rows, whole, on any thread count and whichever way the work is split.</summary>
[Collection(KernelCollection.Name)]
public class MinibatchGatherTests
{
    [Theory]
    [InlineData(100, 3072)] // CIFAR: split by columns on two threads (at 1536), by groups of rows on three
    [InlineData(100, 784)]  // Fashion-MNIST: cut 390, mid-line
    [InlineData(37, 13)]    // small: one thread
    public void CopiesEverySampledRow(int batch, int d)
    {
        int saved = Parallelism.MaxThreads;
        try
        {
            const int trainRows = 500;
            var src = new float[trainRows * d];
            for (int i = 0; i < src.Length; i++) src[i] = i;
            var idx = new int[batch];
            var rng = new Random(7);
            for (int i = 0; i < batch; i++) idx[i] = rng.Next(trainRows);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                Parallelism.MaxThreads = threads;
                var dst = new float[batch * d];
                MinibatchGather<float>.Run(src, d, idx, dst);
                for (int i = 0; i < batch; i++)
                    Assert.True(src.AsSpan(idx[i] * d, d).SequenceEqual(dst.AsSpan(i * d, d)), $"row {i} on {threads} threads");
            }
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }
}
