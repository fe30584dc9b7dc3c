using System.Numerics;
using Backprop.Kernels;
using Backprop.Tests.Kernels;

namespace Backprop.Tests.Sweep;

/// <summary>
/// Products with one of M, N, K equal to 0 or 1, the others at tile and vector edges, in every layout, through every
/// entry (plain, accumulating, with a row added, to a sink) and every micro-kernel's driver, float32 and float64;
/// and a few degenerate deep ones (a single row or column with K split in halves).
/// </summary>
[Collection(KernelCollection.Name)]   // reads the process-wide thread count, which kernel tests change
public class GemmEdgeSweepTests
{
    private static readonly (bool TransA, bool TransB)[] Layouts = [(false, false), (true, false), (false, true), (true, true)];
    private static readonly int[] Others = [1, 2, 6, 7, 13, 16, 17, 33, 65, 300];

    /// <summary>Every (m, n, k) with one size 0 or 1 and the other two from <see cref="Others"/>, then the deep ones.</summary>
    private static IEnumerable<(int M, int N, int K)> Shapes()
    {
        foreach (int small in new[] { 0, 1 })
        foreach (int a in Others)
        foreach (int b in Others)
        {
            yield return (small, a, b);
            yield return (a, small, b);
            yield return (a, b, small);
        }
        // One row or column, deep enough to split K in halves (m ≤ 256, 2mnk ≥ 2¹⁹), or to span several K panels.
        yield return (1, 500, 784);
        yield return (1, 1024, 257);
        yield return (1, 1, 262_145);
        yield return (2, 1, 131_073);
        yield return (1, 17, 3100);
        yield return (257, 1, 2049);
    }

    [Fact] public void Float() => Sweep<float>();
    [Fact] public void Double() => Sweep<double>();

    private static void Sweep<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int seed = 0;
        foreach (var (m, n, k) in Shapes())
        foreach (var (ta, tb) in Layouts)
        {
            var a = GemmReference.Random<T>(m * k, ++seed);
            var b = GemmReference.Random<T>(k * n, ++seed);
            var c0 = GemmReference.Random<T>(m * n, ++seed);
            string what = $"<{typeof(T).Name}> m={m} n={n} k={k} tA={ta} tB={tb}";
            var want = GemmReference.Multiply(a, b, m, n, k, ta, tb);
            var wantAcc = GemmReference.Multiply(a, b, m, n, k, ta, tb, c0);

            var c = (T[])c0.Clone();
            Gemm.Multiply<T>(a, b, c, m, n, k, ta, tb);
            GemmReference.AssertClose(want, c, k, $"Multiply {what}");
            c = (T[])c0.Clone();
            Gemm.Multiply<T>(a, b, c, m, n, k, ta, tb, accumulate: true);
            GemmReference.AssertClose(wantAcc, c, k, $"Multiply accumulate {what}");

            var sink = new Recording<T>(m, n);
            Gemm.MultiplyToSink<T>(a, b, (T[])c0.Clone(), m, n, k, ta, tb, sink);
            Assert.True(sink.Visits.All(v => v == 1), $"MultiplyToSink {what}: some element arrived other than once");
            GemmReference.AssertClose(want, sink.C, k, $"MultiplyToSink {what}");

            if (!ta && !tb)
            {
                var row = GemmReference.Random<T>(n, ++seed);
                c = (T[])c0.Clone();
                Gemm.MultiplyAddRow<T>(a, b, row, c, m, n, k);
                var withRow = want.Select((v, i) => v + double.CreateTruncating(row[i % Math.Max(n, 1)])).ToArray();
                GemmReference.AssertClose(withRow, c, k + 1, $"MultiplyAddRow {what}");
            }
            if (m * n * (long)k <= 1 << 16) EveryKernel(a, b, c0, want, wantAcc, m, n, k, ta, tb, what);
        }
    }

    private static void EveryKernel<T>(T[] a, T[] b, T[] c0, double[] want, double[] wantAcc, int m, int n, int k, bool ta, bool tb, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (GemmKernel512<T>.IsSupported)
        {
            Driver<T, GemmKernel512<T>>(a, b, c0, want, wantAcc, m, n, k, ta, tb, $"12-row {what}");
            Driver<T, GemmKernel512Wide<T, SixRows>>(a, b, c0, want, wantAcc, m, n, k, ta, tb, $"6-row {what}");
            Driver<T, GemmKernel512Wide<T, FiveRows>>(a, b, c0, want, wantAcc, m, n, k, ta, tb, $"5-row {what}");
        }
        if (GemmKernel256<T>.IsSupported) Driver<T, GemmKernel256<T>>(a, b, c0, want, wantAcc, m, n, k, ta, tb, $"AVX2 {what}");
        if (GemmKernel128<T>.IsSupported) Driver<T, GemmKernel128<T>>(a, b, c0, want, wantAcc, m, n, k, ta, tb, $"128-bit {what}");
        Driver<T, GemmKernelScalar<T>>(a, b, c0, want, wantAcc, m, n, k, ta, tb, $"scalar {what}");
    }

    private static unsafe void Driver<T, TKernel>(T[] a, T[] b, T[] c0, double[] want, double[] wantAcc, int m, int n, int k, bool ta, bool tb, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TKernel : IGemmMicroKernel<T>
    {
        foreach (bool accumulate in new[] { false, true })
        {
            var c = (T[])c0.Clone();
            fixed (T* pa = a, pb = b, pc = c) GemmDriver<T, TKernel>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
            GemmReference.AssertClose(accumulate ? wantAcc : want, c, k, $"{what} accumulate={accumulate}");
        }
    }

    [Fact] public void EveryKernel_Float_ComputesEachElementAsOneFusedChain() => SameChain<float>();
    [Fact] public void EveryKernel_Double_ComputesEachElementAsOneFusedChain() => SameChain<double>();

    /// <summary>
    /// "Every kernel computes each element with the same FMA chain" (<see cref="Gemm"/>): for K within one panel and
    /// unsplit (K ≤ 256), C[i, j] = fma(a[i, K−1], b[K−1, j], … fma(a[i, 0], b[0, j], 0)), then + C when accumulating,
    /// bit for bit, from every micro-kernel this machine runs and from <see cref="Gemm.Multiply{T}"/>: the scalar one too
    /// wherever the processor has an FMA instruction. So results do not depend on which kernel a machine picks (AVX-512,
    /// AVX2, or none, as on ARM64).
    /// </summary>
    private static unsafe void SameChain<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        int seed = 100;
        foreach (var (m, n, k) in new[] { (1, 1, 2), (1, 1, 7), (2, 3, 5), (7, 13, 33), (13, 17, 100), (6, 64, 256), (12, 32, 31), (100, 10, 50) })
        foreach (var (ta, tb) in Layouts)
        foreach (bool accumulate in new[] { false, true })
        {
            var a = GemmReference.Random<T>(m * k, ++seed);
            var b = GemmReference.Random<T>(k * n, ++seed);
            var c0 = GemmReference.Random<T>(m * n, ++seed);
            var chain = new T[m * n];
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T s = T.Zero;
                for (int p = 0; p < k; p++) s = T.FusedMultiplyAdd(ta ? a[p * m + i] : a[i * k + p], tb ? b[j * k + p] : b[p * n + j], s);
                chain[i * n + j] = accumulate ? s + c0[i * n + j] : s;
            }
            string what = $"<{typeof(T).Name}> m={m} n={n} k={k} tA={ta} tB={tb} accumulate={accumulate}";
            var viaGemm = (T[])c0.Clone();
            Gemm.Multiply<T>(a, b, viaGemm, m, n, k, ta, tb, accumulate);
            // (Without an FMA instruction anywhere, Gemm runs the scalar kernel's multiply-add: no chain to compare.)
            if (GemmKernel256<T>.IsSupported || GemmKernel512<T>.IsSupported || GemmKernelScalar<T>.FusedInHardware)
                Assert.True(chain.AsSpan().SequenceEqual(viaGemm), $"Gemm.Multiply {what}");
            void Kernel<TKernel>(string name) where TKernel : IGemmMicroKernel<T>
            {
                var c = (T[])c0.Clone();
                fixed (T* pa = a, pb = b, pc = c) GemmDriver<T, TKernel>.Run(pa, pb, pc, m, n, k, ta, tb, accumulate);
                Assert.True(chain.AsSpan().SequenceEqual(c), $"{name} kernel {what}");
            }
            if (GemmKernel512<T>.IsSupported)
            {
                Kernel<GemmKernel512<T>>("12-row");
                Kernel<GemmKernel512Wide<T, SixRows>>("6-row");
                Kernel<GemmKernel512Wide<T, FiveRows>>("5-row");
            }
            if (GemmKernel256<T>.IsSupported) Kernel<GemmKernel256<T>>("AVX2");
            if (GemmKernel128<T>.IsSupported) Kernel<GemmKernel128<T>>("128-bit");
            if (GemmKernelScalar<T>.FusedInHardware) Kernel<GemmKernelScalar<T>>("scalar");
        }
    }

    /// <summary>Stores each tile it takes and counts each element's arrivals.</summary>
    private sealed unsafe class Recording<T>(int m, int n) : IGemmTileSink<T> where T : unmanaged
    {
        public readonly T[] C = new T[m * n];
        public readonly int[] Visits = new int[m * n];

        public void Take(T* tile, int stride, int row0, int col0, int rows, int cols)
        {
            for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                C[(row0 + r) * n + col0 + j] = tile[r * stride + j];
                Interlocked.Increment(ref Visits[(row0 + r) * n + col0 + j]);
            }
        }
    }
}
