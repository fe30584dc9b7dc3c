namespace Backprop.Kernels;

/// <summary>
/// The sum of a float64 array in NumPy's order (<c>np.sum</c> of a contiguous array): pairwise over blocks of 8192
/// (the iterator's buffer), the block sums added in turn. Where a notebook prints a number that depends on the
/// rounding of a sum (the SVM's numerical gradient), this gives its bits.
/// </summary>
internal static class PairwiseSum
{
    private const int BufferSize = 8192;   // NPY_BUFSIZE: a reduction's inner loop sees at most this many
    private const int BlockSize = 128;     // PW_BLOCKSIZE: below it, eight running sums

    /// <summary>Σ values, rounded as NumPy rounds it.</summary>
    public static double Of(ReadOnlySpan<double> values)
    {
        double total = 0;
        for (int start = 0; start < values.Length; start += BufferSize)
            total += Pairwise(values.Slice(start, Math.Min(BufferSize, values.Length - start)));
        return total;
    }

    // numpy/core/src/umath/loops_utils.h.src, DOUBLE_pairwise_sum.
    private static double Pairwise(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0;
            for (int i = 0; i < n; i++) res += a[i];
            return res;
        }
        if (n <= BlockSize)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i = 8;
            for (; i < n - n % 8; i += 8)
            {
                r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3];
                r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7];
            }
            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++) res += a[i];
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return Pairwise(a[..n2]) + Pairwise(a[n2..]);
    }
}
