using System.Numerics;
using System.Numerics.Tensors;

namespace Backprop.Kernels;

/// <summary>
/// General matrix product on row-major spans: <c>C (+)= op(A) · op(B)</c>, with <c>op(A)</c> of shape (m, k),
/// <c>op(B)</c> of shape (k, n) and C of shape (m, n).
/// </summary>
public static class Gemm
{
    /// <summary>
    /// C (m×n) = op(A)·op(B), or C += op(A)·op(B) when <paramref name="accumulate"/>.
    /// A is stored (m×k), or (k×m) when <paramref name="transA"/>; B is stored (k×n), or (n×k) when <paramref name="transB"/>.
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> c, int m, int n, int k,
        bool transA = false, bool transB = false, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (!accumulate) c[..(m * n)].Clear();
        for (int i = 0; i < m; i++)
        {
            var ci = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                T aip = transA ? a[p * m + i] : a[i * k + p];
                if (!transB)
                {
                    TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), aip, ci, ci);
                }
                else
                {
                    for (int j = 0; j < n; j++) ci[j] += aip * b[j * k + p];
                }
            }
        }
    }

    internal static void CheckSizes(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm: negative size m={m}, n={n}, k={k}.");
        if (aLength < (long)m * k) throw new ArgumentException($"Gemm: A holds {aLength} values, needs {(long)m * k} (m={m}, k={k}).");
        if (bLength < (long)k * n) throw new ArgumentException($"Gemm: B holds {bLength} values, needs {(long)k * n} (k={k}, n={n}).");
        if (cLength < (long)m * n) throw new ArgumentException($"Gemm: C holds {cLength} values, needs {(long)m * n} (m={m}, n={n}).");
    }
}
