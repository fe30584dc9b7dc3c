using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// The float32 softmax-loss row on 512-bit vectors: the row's maximum (one read from memory), then one pass writing
/// exp(x − max) and summing it (two vector accumulators, two vectors per trip: the JIT keeps both in registers), then
/// the scaling in place while the row is in L1. exp is computed once per element in float
/// (Cody–Waite reduction, Cephes' polynomial by Estrin's scheme for a short dependency chain, and <c>vscalefps</c> for
/// the 2ⁿ factor, which also rounds results below float's normal range correctly; within 3 ulp), where
/// <see cref="TensorPrimitives.Exp{T}(ReadOnlySpan{T}, Span{T})"/> widens float to double and made the loss exp-bound.
/// A row's last partial vector goes through the same vector code under a mask, so every element gets the same bits.
/// Without AVX-512 (AVX2 hosts, ARM64) the same Vector512 code runs emulated, with <see cref="Portable"/> forms of the
/// three AVX-512 instructions: the same operations in the same order, so the same bits on every host.
/// </summary>
internal static unsafe class SoftmaxRows
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <summary>1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer, held in the low mantissa bits.</summary>
    private const float Magic = 12582912f;

    /// <summary>exp(x) for x at or below this rounds to 0 in float (half the smallest subnormal is e^−103.97).</summary>
    private const float MinArg = -104f;

    /// <summary>True where the AVX-512 instructions run (vscalefps, masked loads and stores); elsewhere their portable forms.</summary>
    public static bool Native => Simd.Wide<float>() && Avx512F.IsSupported;

    /// <summary>
    /// One row of C scores: p = softmax(row)/n with 1/n taken off at the label; returns the row's loss
    /// log Σ exp(row − max) − (row[label] − max).
    /// </summary>
    public static double Row(float* row, float* p, int c, int label, int n)
    {
        float max = Max(row, c);
        var vmax = Vector512.Create(max);
        int j = 0;
        var acc0 = Vector512<float>.Zero;
        var acc1 = Vector512<float>.Zero;
        // While exp keeps the cores busy, the next row is fetched (prefetches never fault past the array's end), so
        // the next row's max pass reads from cache instead of waiting on memory.
        for (; j <= c - 2 * Vector512<float>.Count; j += 2 * Vector512<float>.Count)
        {
            Simd.Prefetch(row + c + j);
            Simd.Prefetch(row + c + j + Vector512<float>.Count);
            var e0 = Exp(Vector512.Load(row + j) - vmax);
            var e1 = Exp(Vector512.Load(row + j + Vector512<float>.Count) - vmax);
            e0.Store(p + j);
            e1.Store(p + j + Vector512<float>.Count);
            acc0 += e0;
            acc1 += e1;
        }
        for (; j <= c - Vector512<float>.Count; j += Vector512<float>.Count)
        {
            var e0 = Exp(Vector512.Load(row + j) - vmax);
            e0.Store(p + j);
            acc0 += e0;
        }
        if (j < c && !Native) acc1 += PortableTail(row + j, p + j, c - j, vmax);
        else if (j < c)
        {
            var tail = Vector512.LessThan(Vector512.Create(j) + Vector512<int>.Indices, Vector512.Create(c)).AsSingle();
            var e = Exp(Avx512F.MaskLoad(row + j, tail, Vector512.Create(float.NegativeInfinity)) - vmax);
            Avx512F.MaskStore(p + j, tail, e);
            acc1 += e;
        }
        double sum = Vector512.Sum(acc0 + acc1);
        double loss = Math.Log(sum) - (double)(row[label] - max);
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(p, c), (float)(1.0 / (sum * n)), new Span<float>(p, c));
        p[label] -= 1f / n;
        return loss;
    }

    /// <summary>
    /// The masked tail without AVX-512: the last <paramref name="count"/> scores padded with −∞ (the masked load's
    /// filler) to one vector, its exp stored for the real lanes only; returns the whole vector, as the masked path adds it.
    /// </summary>
    private static Vector512<float> PortableTail(float* row, float* p, int count, Vector512<float> vmax)
    {
        float* lanes = stackalloc float[Vector512<float>.Count];
        Vector512.Create(float.NegativeInfinity).Store(lanes);
        new ReadOnlySpan<float>(row, count).CopyTo(new Span<float>(lanes, count));
        var e = Exp(Vector512.Load(lanes) - vmax);
        e.Store(lanes);
        new ReadOnlySpan<float>(lanes, count).CopyTo(new Span<float>(p, count));
        return e;
    }

    /// <summary>The row's maximum; a NaN anywhere in the row makes the loss NaN through exp anyway.</summary>
    private static float Max(float* row, int c)
    {
        int j = 0;
        float max = float.NegativeInfinity;
        if (c >= Vector512<float>.Count)
        {
            var m0 = Vector512.Load(row);
            var m1 = m0;
            for (j = Vector512<float>.Count; j <= c - 2 * Vector512<float>.Count; j += 2 * Vector512<float>.Count)
            {
                m0 = Vector512.MaxNative(m0, Vector512.Load(row + j));
                m1 = Vector512.MaxNative(m1, Vector512.Load(row + j + Vector512<float>.Count));
            }
            for (; j <= c - Vector512<float>.Count; j += Vector512<float>.Count) m0 = Vector512.MaxNative(m0, Vector512.Load(row + j));
            var m = Vector512.MaxNative(m0, m1);
            for (int k = 0; k < Vector512<float>.Count; k++) max = MathF.Max(max, m[k]);
        }
        for (; j < c; j++) max = MathF.Max(max, row[j]);
        return max;
    }

    // The vector and scalar exp do the same IEEE operations in the same order over their domain, x ≤ 0 or NaN (the
    // scalar one serves tests and documents the formula). Outside it they part: exp(+∞) is +∞ by vscalefps, NaN here.

    /// <summary>exp(x) for x ≤ 0 (scores shifted by their maximum); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        // vmaxps returns its second operand when either is NaN: x second keeps a NaN (Vector512.Max keeps NaN too).
        var xc = Native ? Avx512F.Max(Vector512.Create(MinArg), x) : Vector512.Max(Vector512.Create(MinArg), x);
        // Rounding by the 1.5·2²³ trick: n = round(x·log2 e).
        var n = Vector512.FusedMultiplyAdd(xc, Vector512.Create(Log2E), Vector512.Create(Magic)) - Vector512.Create(Magic);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), xc);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var r2 = r * r;
        var a = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        var b = Vector512.FusedMultiplyAdd(Vector512.Create(P2), r, Vector512.Create(P3));
        var c = Vector512.FusedMultiplyAdd(Vector512.Create(P4), r, Vector512.Create(P5));
        var q = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(a, r2, b), r2, c);
        q = Vector512.FusedMultiplyAdd(q, r2, r) + Vector512<float>.One;
        return Native ? Avx512F.Scale(q, n) : Portable.Scale(q, n);
    }

    /// <summary>The AVX-512 instructions' results from operations every host has.</summary>
    internal static class Portable
    {
        /// <summary>
        /// q·2ⁿ rounded once, as <c>vscalefps</c> gives it, for integral n in [−150, 127] and q in [0.5, 2) or NaN:
        /// 2ᵏ is built from its exponent bits; below 2⁻¹²⁶ (not a normal float) the product is taken as q·2ⁿ⁺⁶⁴, exact
        /// and normal, then ·2⁻⁶⁴, the one rounding (into the subnormals). A NaN q stays NaN.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Scale(Vector512<float> q, Vector512<float> n)
        {
            var small = Vector512.LessThan(n, Vector512.Create(-126f));
            var k = Vector512.ConvertToInt32(n) + (small.AsInt32() & Vector512.Create(64));
            var pow = ((k + Vector512.Create(127)) << 23).AsSingle();
            return q * pow * Vector512.ConditionalSelect(small, Vector512.Create((127 - 64) << 23).AsSingle(), Vector512<float>.One);
        }
    }

    /// <inheritdoc cref="Exp(Vector512{float})"/>
    public static float Exp(float x)
    {
        float xc = MathF.Max(MinArg, x);
        float n = MathF.FusedMultiplyAdd(xc, Log2E, Magic) - Magic;
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, xc);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float r2 = r * r;
        float a = MathF.FusedMultiplyAdd(P0, r, P1);
        float b = MathF.FusedMultiplyAdd(P2, r, P3);
        float c = MathF.FusedMultiplyAdd(P4, r, P5);
        float q = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(a, r2, b), r2, c);
        q = MathF.FusedMultiplyAdd(q, r2, r) + 1f;
        return float.IsNaN(n) ? n : MathF.ScaleB(q, (int)n);
    }
}
