using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// AVX-512 helpers for packing: an L×L in-register transpose (L = 16 float, 8 double) and zero-padded copies.
/// Packing a panel across the stored layout is a transpose; element by element it costs ~1 ns per value, which for
/// small-batch products is as much as the multiply itself.
/// </summary>
[SkipLocalsInit]
internal static unsafe class GemmTranspose
{
    public static bool IsSupported<T>() where T : unmanaged =>
        Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// dst[q·dstStride + r] = src[r·srcStride + q] for q, r &lt; L, where source rows r ≥ <paramref name="rows"/> read
    /// as zero. Each source row must hold L readable values. Every output row is one full L-wide store, written in order
    /// q = 0, 1, …: when dstStride &lt; L a row spills into the next ones, which the caller must write afterwards.
    /// </summary>
    /// <remarks>Perfect shuffle: log2(L) rounds of out[2i] = lo(in[i], in[i+L/2]), out[2i+1] = hi(in[i], in[i+L/2]),
    /// each a 2-source permute, transpose the block in registers.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block<T>(T* src, nint srcStride, int rows, T* dst, nint dstStride) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Block16((float*)src, srcStride, rows, (float*)dst, dstStride);
        else Block8((double*)src, srcStride, rows, (double*)dst, dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block16(float* src, nint srcStride, int rows, float* dst, nint dstStride)
    {
        var lo = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var hi = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        var v0 = 0 < rows ? Vector512.Load(src + 0 * srcStride) : default;
        var v1 = 1 < rows ? Vector512.Load(src + 1 * srcStride) : default;
        var v2 = 2 < rows ? Vector512.Load(src + 2 * srcStride) : default;
        var v3 = 3 < rows ? Vector512.Load(src + 3 * srcStride) : default;
        var v4 = 4 < rows ? Vector512.Load(src + 4 * srcStride) : default;
        var v5 = 5 < rows ? Vector512.Load(src + 5 * srcStride) : default;
        var v6 = 6 < rows ? Vector512.Load(src + 6 * srcStride) : default;
        var v7 = 7 < rows ? Vector512.Load(src + 7 * srcStride) : default;
        var v8 = 8 < rows ? Vector512.Load(src + 8 * srcStride) : default;
        var v9 = 9 < rows ? Vector512.Load(src + 9 * srcStride) : default;
        var v10 = 10 < rows ? Vector512.Load(src + 10 * srcStride) : default;
        var v11 = 11 < rows ? Vector512.Load(src + 11 * srcStride) : default;
        var v12 = 12 < rows ? Vector512.Load(src + 12 * srcStride) : default;
        var v13 = 13 < rows ? Vector512.Load(src + 13 * srcStride) : default;
        var v14 = 14 < rows ? Vector512.Load(src + 14 * srcStride) : default;
        var v15 = 15 < rows ? Vector512.Load(src + 15 * srcStride) : default;
        var s1_0 = Avx512F.PermuteVar16x32x2(v0, lo, v8);
        var s1_1 = Avx512F.PermuteVar16x32x2(v0, hi, v8);
        var s1_2 = Avx512F.PermuteVar16x32x2(v1, lo, v9);
        var s1_3 = Avx512F.PermuteVar16x32x2(v1, hi, v9);
        var s1_4 = Avx512F.PermuteVar16x32x2(v2, lo, v10);
        var s1_5 = Avx512F.PermuteVar16x32x2(v2, hi, v10);
        var s1_6 = Avx512F.PermuteVar16x32x2(v3, lo, v11);
        var s1_7 = Avx512F.PermuteVar16x32x2(v3, hi, v11);
        var s1_8 = Avx512F.PermuteVar16x32x2(v4, lo, v12);
        var s1_9 = Avx512F.PermuteVar16x32x2(v4, hi, v12);
        var s1_10 = Avx512F.PermuteVar16x32x2(v5, lo, v13);
        var s1_11 = Avx512F.PermuteVar16x32x2(v5, hi, v13);
        var s1_12 = Avx512F.PermuteVar16x32x2(v6, lo, v14);
        var s1_13 = Avx512F.PermuteVar16x32x2(v6, hi, v14);
        var s1_14 = Avx512F.PermuteVar16x32x2(v7, lo, v15);
        var s1_15 = Avx512F.PermuteVar16x32x2(v7, hi, v15);
        var s2_0 = Avx512F.PermuteVar16x32x2(s1_0, lo, s1_8);
        var s2_1 = Avx512F.PermuteVar16x32x2(s1_0, hi, s1_8);
        var s2_2 = Avx512F.PermuteVar16x32x2(s1_1, lo, s1_9);
        var s2_3 = Avx512F.PermuteVar16x32x2(s1_1, hi, s1_9);
        var s2_4 = Avx512F.PermuteVar16x32x2(s1_2, lo, s1_10);
        var s2_5 = Avx512F.PermuteVar16x32x2(s1_2, hi, s1_10);
        var s2_6 = Avx512F.PermuteVar16x32x2(s1_3, lo, s1_11);
        var s2_7 = Avx512F.PermuteVar16x32x2(s1_3, hi, s1_11);
        var s2_8 = Avx512F.PermuteVar16x32x2(s1_4, lo, s1_12);
        var s2_9 = Avx512F.PermuteVar16x32x2(s1_4, hi, s1_12);
        var s2_10 = Avx512F.PermuteVar16x32x2(s1_5, lo, s1_13);
        var s2_11 = Avx512F.PermuteVar16x32x2(s1_5, hi, s1_13);
        var s2_12 = Avx512F.PermuteVar16x32x2(s1_6, lo, s1_14);
        var s2_13 = Avx512F.PermuteVar16x32x2(s1_6, hi, s1_14);
        var s2_14 = Avx512F.PermuteVar16x32x2(s1_7, lo, s1_15);
        var s2_15 = Avx512F.PermuteVar16x32x2(s1_7, hi, s1_15);
        var s3_0 = Avx512F.PermuteVar16x32x2(s2_0, lo, s2_8);
        var s3_1 = Avx512F.PermuteVar16x32x2(s2_0, hi, s2_8);
        var s3_2 = Avx512F.PermuteVar16x32x2(s2_1, lo, s2_9);
        var s3_3 = Avx512F.PermuteVar16x32x2(s2_1, hi, s2_9);
        var s3_4 = Avx512F.PermuteVar16x32x2(s2_2, lo, s2_10);
        var s3_5 = Avx512F.PermuteVar16x32x2(s2_2, hi, s2_10);
        var s3_6 = Avx512F.PermuteVar16x32x2(s2_3, lo, s2_11);
        var s3_7 = Avx512F.PermuteVar16x32x2(s2_3, hi, s2_11);
        var s3_8 = Avx512F.PermuteVar16x32x2(s2_4, lo, s2_12);
        var s3_9 = Avx512F.PermuteVar16x32x2(s2_4, hi, s2_12);
        var s3_10 = Avx512F.PermuteVar16x32x2(s2_5, lo, s2_13);
        var s3_11 = Avx512F.PermuteVar16x32x2(s2_5, hi, s2_13);
        var s3_12 = Avx512F.PermuteVar16x32x2(s2_6, lo, s2_14);
        var s3_13 = Avx512F.PermuteVar16x32x2(s2_6, hi, s2_14);
        var s3_14 = Avx512F.PermuteVar16x32x2(s2_7, lo, s2_15);
        var s3_15 = Avx512F.PermuteVar16x32x2(s2_7, hi, s2_15);
        var s4_0 = Avx512F.PermuteVar16x32x2(s3_0, lo, s3_8);
        var s4_1 = Avx512F.PermuteVar16x32x2(s3_0, hi, s3_8);
        var s4_2 = Avx512F.PermuteVar16x32x2(s3_1, lo, s3_9);
        var s4_3 = Avx512F.PermuteVar16x32x2(s3_1, hi, s3_9);
        var s4_4 = Avx512F.PermuteVar16x32x2(s3_2, lo, s3_10);
        var s4_5 = Avx512F.PermuteVar16x32x2(s3_2, hi, s3_10);
        var s4_6 = Avx512F.PermuteVar16x32x2(s3_3, lo, s3_11);
        var s4_7 = Avx512F.PermuteVar16x32x2(s3_3, hi, s3_11);
        var s4_8 = Avx512F.PermuteVar16x32x2(s3_4, lo, s3_12);
        var s4_9 = Avx512F.PermuteVar16x32x2(s3_4, hi, s3_12);
        var s4_10 = Avx512F.PermuteVar16x32x2(s3_5, lo, s3_13);
        var s4_11 = Avx512F.PermuteVar16x32x2(s3_5, hi, s3_13);
        var s4_12 = Avx512F.PermuteVar16x32x2(s3_6, lo, s3_14);
        var s4_13 = Avx512F.PermuteVar16x32x2(s3_6, hi, s3_14);
        var s4_14 = Avx512F.PermuteVar16x32x2(s3_7, lo, s3_15);
        var s4_15 = Avx512F.PermuteVar16x32x2(s3_7, hi, s3_15);
        s4_0.Store(dst + 0 * dstStride);
        s4_1.Store(dst + 1 * dstStride);
        s4_2.Store(dst + 2 * dstStride);
        s4_3.Store(dst + 3 * dstStride);
        s4_4.Store(dst + 4 * dstStride);
        s4_5.Store(dst + 5 * dstStride);
        s4_6.Store(dst + 6 * dstStride);
        s4_7.Store(dst + 7 * dstStride);
        s4_8.Store(dst + 8 * dstStride);
        s4_9.Store(dst + 9 * dstStride);
        s4_10.Store(dst + 10 * dstStride);
        s4_11.Store(dst + 11 * dstStride);
        s4_12.Store(dst + 12 * dstStride);
        s4_13.Store(dst + 13 * dstStride);
        s4_14.Store(dst + 14 * dstStride);
        s4_15.Store(dst + 15 * dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block8(double* src, nint srcStride, int rows, double* dst, nint dstStride)
    {
        var lo = Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11);
        var hi = Vector512.Create(4L, 12, 5, 13, 6, 14, 7, 15);
        var v0 = 0 < rows ? Vector512.Load(src + 0 * srcStride) : default;
        var v1 = 1 < rows ? Vector512.Load(src + 1 * srcStride) : default;
        var v2 = 2 < rows ? Vector512.Load(src + 2 * srcStride) : default;
        var v3 = 3 < rows ? Vector512.Load(src + 3 * srcStride) : default;
        var v4 = 4 < rows ? Vector512.Load(src + 4 * srcStride) : default;
        var v5 = 5 < rows ? Vector512.Load(src + 5 * srcStride) : default;
        var v6 = 6 < rows ? Vector512.Load(src + 6 * srcStride) : default;
        var v7 = 7 < rows ? Vector512.Load(src + 7 * srcStride) : default;
        var s1_0 = Avx512F.PermuteVar8x64x2(v0, lo, v4);
        var s1_1 = Avx512F.PermuteVar8x64x2(v0, hi, v4);
        var s1_2 = Avx512F.PermuteVar8x64x2(v1, lo, v5);
        var s1_3 = Avx512F.PermuteVar8x64x2(v1, hi, v5);
        var s1_4 = Avx512F.PermuteVar8x64x2(v2, lo, v6);
        var s1_5 = Avx512F.PermuteVar8x64x2(v2, hi, v6);
        var s1_6 = Avx512F.PermuteVar8x64x2(v3, lo, v7);
        var s1_7 = Avx512F.PermuteVar8x64x2(v3, hi, v7);
        var s2_0 = Avx512F.PermuteVar8x64x2(s1_0, lo, s1_4);
        var s2_1 = Avx512F.PermuteVar8x64x2(s1_0, hi, s1_4);
        var s2_2 = Avx512F.PermuteVar8x64x2(s1_1, lo, s1_5);
        var s2_3 = Avx512F.PermuteVar8x64x2(s1_1, hi, s1_5);
        var s2_4 = Avx512F.PermuteVar8x64x2(s1_2, lo, s1_6);
        var s2_5 = Avx512F.PermuteVar8x64x2(s1_2, hi, s1_6);
        var s2_6 = Avx512F.PermuteVar8x64x2(s1_3, lo, s1_7);
        var s2_7 = Avx512F.PermuteVar8x64x2(s1_3, hi, s1_7);
        var s3_0 = Avx512F.PermuteVar8x64x2(s2_0, lo, s2_4);
        var s3_1 = Avx512F.PermuteVar8x64x2(s2_0, hi, s2_4);
        var s3_2 = Avx512F.PermuteVar8x64x2(s2_1, lo, s2_5);
        var s3_3 = Avx512F.PermuteVar8x64x2(s2_1, hi, s2_5);
        var s3_4 = Avx512F.PermuteVar8x64x2(s2_2, lo, s2_6);
        var s3_5 = Avx512F.PermuteVar8x64x2(s2_2, hi, s2_6);
        var s3_6 = Avx512F.PermuteVar8x64x2(s2_3, lo, s2_7);
        var s3_7 = Avx512F.PermuteVar8x64x2(s2_3, hi, s2_7);
        s3_0.Store(dst + 0 * dstStride);
        s3_1.Store(dst + 1 * dstStride);
        s3_2.Store(dst + 2 * dstStride);
        s3_3.Store(dst + 3 * dstStride);
        s3_4.Store(dst + 4 * dstStride);
        s3_5.Store(dst + 5 * dstStride);
        s3_6.Store(dst + 6 * dstStride);
        s3_7.Store(dst + 7 * dstStride);
    }

    /// <summary>
    /// Six rows × 16 columns into a 6-row float panel: dst[q·6 + r] = src[r·srcStride + q] for q &lt; 16, r &lt; 6, source
    /// rows r ≥ <paramref name="rows"/> reading as zero. The 96 outputs are six whole, non-overlapping vectors, each
    /// drawn from the six rows by three two-source permutes (rows 0–1, 2–3, 4–5) and two blends: 18 permutes where
    /// <see cref="Block{T}"/> spends 64 on a block that is mostly zero rows, and 6 stores instead of 16 overlapping ones.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Block6x16(float* src, nint srcStride, int rows, float* dst)
    {
        var v0 = 0 < rows ? Vector512.Load(src) : default;
        var v1 = 1 < rows ? Vector512.Load(src + srcStride) : default;
        var v2 = 2 < rows ? Vector512.Load(src + 2 * srcStride) : default;
        var v3 = 3 < rows ? Vector512.Load(src + 3 * srcStride) : default;
        var v4 = 4 < rows ? Vector512.Load(src + 4 * srcStride) : default;
        var v5 = 5 < rows ? Vector512.Load(src + 5 * srcStride) : default;
        for (int t = 0; t < 6; t++)
        {
            int* i = Six.Index + t * 48, sel = Six.Select + t * 32;
            var a = Avx512F.PermuteVar16x32x2(v0, Vector512.LoadAligned(i), v1);
            var b = Avx512F.PermuteVar16x32x2(v2, Vector512.LoadAligned(i + 16), v3);
            var c = Avx512F.PermuteVar16x32x2(v4, Vector512.LoadAligned(i + 32), v5);
            var fromA = Vector512.LoadAligned(sel).AsSingle();
            var fromB = Vector512.LoadAligned(sel + 16).AsSingle();
            Vector512.ConditionalSelect(fromA, a, Vector512.ConditionalSelect(fromB, b, c)).Store(dst + 16 * t);
        }
    }

    /// <summary>Tables of <see cref="Block6x16"/>: output vector t, lane e holds row r = (16t + e) mod 6, column q = (16t + e) / 6.</summary>
    private static class Six
    {
        /// <summary>Per t, three 16-lane permute indices (pairs of rows 0–1, 2–3, 4–5): q, plus 16 for the pair's second row.</summary>
        public static readonly int* Index = Build(index: true);

        /// <summary>Per t, two 16-lane masks (all ones): the lane's row is in pair 0–1; the lane's row is in pair 2–3.</summary>
        public static readonly int* Select = Build(index: false);

        /// <summary>Native and 64-byte aligned, never freed: the tables live as long as the process, and never move.</summary>
        private static int* Build(bool index)
        {
            int count = 6 * (index ? 48 : 32);
            var table = (int*)NativeMemory.AlignedAlloc((nuint)count * sizeof(int), 64);
            for (int t = 0; t < 6; t++)
            for (int e = 0; e < 16; e++)
            {
                int g = 16 * t + e, q = g / 6, r = g % 6;
                if (index)
                    for (int pair = 0; pair < 3; pair++) table[t * 48 + pair * 16 + e] = q + (r == 2 * pair + 1 ? 16 : 0);
                else
                {
                    table[t * 32 + e] = r < 2 ? -1 : 0;
                    table[t * 32 + 16 + e] = r is 2 or 3 ? -1 : 0;
                }
            }
            return table;
        }
    }

    /// <summary>dst[0..count) = src[0..valid) then zeros (valid ≤ count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyPadded<T>(T* src, int valid, T* dst, int count) where T : unmanaged
    {
        if (valid == count)
        {
            CopyExact((byte*)src, (byte*)dst, count * sizeof(T));
            return;
        }
        int lanes = Vector512<T>.Count;
        for (int i = 0; i < count; i += lanes)
        {
            int have = Math.Clamp(valid - i, 0, lanes), want = Math.Min(lanes, count - i);
            var x = have == lanes ? Vector512.Load(src + i) : MaskLoad(src + i, Mask<T>(have));
            if (want == lanes) x.Store(dst + i);
            else MaskStore(dst + i, Mask<T>(want), x);
        }
    }

    /// <summary>
    /// Copies whole 64-, 32-, 16-, 8- and 4-byte pieces, then bytes: no masks on the common full-panel path. The 8-byte
    /// step is the 6-row float panel's (24 bytes per step p of a transposed A), copied once per p.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyExact(byte* src, byte* dst, int bytes)
    {
        int i = 0;
        for (; i + 64 <= bytes; i += 64) Vector512.Load(src + i).Store(dst + i);
        if (i + 32 <= bytes) { Vector256.Load(src + i).Store(dst + i); i += 32; }
        if (i + 16 <= bytes) { Vector128.Load(src + i).Store(dst + i); i += 16; }
        if (i + 8 <= bytes) { *(ulong*)(dst + i) = *(ulong*)(src + i); i += 8; }
        if (i + 4 <= bytes) { *(uint*)(dst + i) = *(uint*)(src + i); i += 4; }
        for (; i < bytes; i++) dst[i] = src[i];
    }

    /// <summary>All-ones in lanes [0, count), zero elsewhere.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Mask<T>(int count) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).As<int, T>();
        return Vector512.LessThan(Vector512<long>.Indices, Vector512.Create((long)count)).As<long, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MaskStore<T>(T* dst, Vector512<T> mask, Vector512<T> x) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) Avx512F.MaskStore((float*)dst, mask.AsSingle(), x.AsSingle());
        else Avx512F.MaskStore((double*)dst, mask.AsDouble(), x.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MaskLoad<T>(T* src, Vector512<T> mask) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Avx512F.MaskLoad((float*)src, mask.AsSingle(), Vector512<float>.Zero).As<float, T>();
        return Avx512F.MaskLoad((double*)src, mask.AsDouble(), Vector512<double>.Zero).As<double, T>();
    }
}
