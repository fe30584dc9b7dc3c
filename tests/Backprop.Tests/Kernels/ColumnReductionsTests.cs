using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Tests.Kernels;

/// <summary>
/// Every column reduction gives the bits of the plain loop it stands for: within each row block the rows added one at a
/// time in row order, then the blocks' sums in block order, whatever the rows' grouping inside the kernel, the row
/// count's remainder, the vector tail or the thread count.
/// </summary>
[Collection(KernelCollection.Name)]
public class ColumnReductionsTests
{
    private const int Cols = 1500;   // 1500 = 93·16 + 12: a vector body and a scalar tail

    [Theory]
    [InlineData((int)ColumnReduction.Sum, 5)]
    [InlineData((int)ColumnReduction.Sum, 703)]
    [InlineData((int)ColumnReduction.Products, 131)]
    [InlineData((int)ColumnReduction.Products, 703)]
    [InlineData((int)ColumnReduction.CentredSquares, 2)]
    [InlineData((int)ColumnReduction.CentredSquares, 703)]
    [InlineData((int)ColumnReduction.SumAndProducts, 7)]
    [InlineData((int)ColumnReduction.SumAndProducts, 702)]
    public unsafe void SameBitsAsRowOrderLoop(int opCode, int rows)
    {
        var op = (ColumnReduction)opCode;
        var rng = new NumpyRandom(11);
        float[] a = rng.Randn<float>(rows, Cols).AsSpan().ToArray(), b = rng.Randn<float>(rows, Cols).AsSpan().ToArray(), r = rng.Randn<float>(Cols).AsSpan().ToArray();
        var (want1, want2) = Reference(op, a, b, r, rows);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            int saved = Parallelism.MaxThreads;
            Parallelism.MaxThreads = threads;
            var got1 = new float[Cols];
            var got2 = new float[Cols];
            try
            {
                fixed (float* pa = a, pb = b, pr = r, o1 = got1, o2 = got2)
                    ColumnReductions<float>.Run(op, pa, pb, pr, o1, o2, rows, Cols);
            }
            finally { Parallelism.MaxThreads = saved; }
            Assert.True(want1.AsSpan().SequenceEqual(got1), $"{op}, {rows} rows, {threads} threads: first output differs");
            if (op == ColumnReduction.SumAndProducts)
                Assert.True(want2.AsSpan().SequenceEqual(got2), $"{op}, {rows} rows, {threads} threads: second output differs");
        }
    }

    [Theory]
    [InlineData(100, 500, new[] { 0, 50, 100 })]          // a training batch: its row halves
    [InlineData(256, 500, new[] { 0, 128, 256 })]
    [InlineData(257, 500, new[] { 0, 85, 171, 257 })]     // at most 128 rows a block, near-equal runs
    [InlineData(700, 1500, new[] { 0, 116, 233, 350, 466, 583, 700 })]
    [InlineData(20, 500, new[] { 0, 20 })]                // under 16 384 values: one block
    [InlineData(15, 5000, new[] { 0, 15 })]               // under 16 rows: one block
    [InlineData(16, 1024, new[] { 0, 8, 16 })]
    public void RowBlocks_DependOnTheShapeAlone(int rows, int cols, int[] starts)
    {
        Assert.Equal(starts.Length - 1, RowBlocks.Count(rows, cols));
        for (int k = 0; k < starts.Length - 1; k++)
            Assert.Equal((starts[k], starts[k + 1] - starts[k]), RowBlocks.Of(k, rows, cols));
    }

    private static (float[] Out1, float[] Out2) Reference(ColumnReduction op, float[] a, float[] b, float[] r, int rows)
    {
        var out1 = new float[Cols];
        var out2 = new float[Cols];
        for (int k = 0; k < RowBlocks.Count(rows, Cols); k++)
        {
            var (r0, n) = RowBlocks.Of(k, rows, Cols);
            for (int j = 0; j < Cols; j++)
            {
                float s1 = 0, s2 = 0;
                for (int i = r0; i < r0 + n; i++)
                {
                    float x = a[i * Cols + j], y = b[i * Cols + j];
                    switch (op)
                    {
                        case ColumnReduction.Sum: s1 += x; break;
                        case ColumnReduction.Products: s1 = MathF.FusedMultiplyAdd(x, y, s1); break;
                        case ColumnReduction.CentredSquares: s1 = MathF.FusedMultiplyAdd(x - r[j], x - r[j], s1); break;
                        default: s1 += x; s2 = MathF.FusedMultiplyAdd(x, y, s2); break;
                    }
                }
                out1[j] = k == 0 ? s1 : out1[j] + s1;
                out2[j] = k == 0 ? s2 : out2[j] + s2;
            }
        }
        return (out1, out2);
    }
}
