using System.Numerics;

namespace Backprop.Tests.Kernels;

/// <summary>Test helpers: random operands and a plain double-precision product to compare against.</summary>
internal static class GemmReference
{
    public static T[] Random<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        var values = new T[length];
        for (int i = 0; i < length; i++) values[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>C = op(A)·op(B) (+ C0 when given) in double, with the same storage conventions as Gemm.Multiply.</summary>
    public static double[] Multiply<T>(T[] a, T[] b, int m, int n, int k, bool transA, bool transB, T[]? c0 = null)
        where T : IFloatingPointIeee754<T>
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = c0 is null ? 0 : double.CreateTruncating(c0[i * n + j]);
            for (int p = 0; p < k; p++)
            {
                double x = double.CreateTruncating(transA ? a[p * m + i] : a[i * k + p]);
                double y = double.CreateTruncating(transB ? b[j * k + p] : b[p * n + j]);
                sum += x * y;
            }
            c[i * n + j] = sum;
        }
        return c;
    }

    /// <summary>
    /// Asserts |actual − expected| ≤ 32·u·(k + 1) elementwise, u the unit roundoff of T: with operands in [-1, 1] a
    /// length-k dot product's rounding error stays well inside that, while one lost or doubled term (≈ 0.25) does not.
    /// </summary>
    public static void AssertClose<T>(double[] expected, T[] actual, int k, string what) where T : IFloatingPointIeee754<T>
    {
        double u = typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);
        double tol = 32 * u * (k + 1);
        for (int i = 0; i < expected.Length; i++)
        {
            double got = double.CreateTruncating(actual[i]);
            if (!(Math.Abs(got - expected[i]) <= tol))
                Assert.Fail($"{what}: element {i} is {got}, expected {expected[i]} (tolerance {tol:g3}).");
        }
    }
}
