using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// AVX-512 micro-kernel, wide variant: a <typeparamref name="TRows"/>×(4·lanes) tile (6×64 float, 6×32 double) in up
/// to 24 zmm accumulators; per step p it loads four B vectors and broadcasts one A value per row, 10 loads per 24 FMAs
/// instead of 14 for the 12-row kernel.
/// </summary>
/// <remarks>
/// Five rows serve products whose row count six would pad (<see cref="Gemm"/> picks them): a batch of 100 fills
/// 20 five-row panels exactly, where six-row panels compute 102 rows. GEMM command, float32, each pair run back to
/// back: fwd 100 × 500 × 500 205.6 → 210.2 GFLOP/s, dx 100 × 500 × 500 204.2 → 210.5 (one CCD), fwd 176 → 181 and
/// dx 196 → 199 (two). The row count is a type argument, so the JIT compiles each variant with its rows unrolled.
/// </remarks>
internal readonly unsafe struct GemmKernel512Wide<T, TRows> : IGemmMicroKernel<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TRows : struct, ITileRows
{
    private static int Lanes => Vector512<T>.Count;

    public static int MR => TRows.Count;
    public static int NR => 4 * Vector512<T>.Count;

    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static bool RunsRowsInPlace => true;

    public static bool ReadsStepsInPlace => true;

    public static bool LoadsWholeLinesOfB => true;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TWalk>(TWalk a, T* b, nint ldb, int kc, T* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>
    {
        // Pull the C tile toward L1 while the k loop runs; it is touched only at the end.
        Prefetch(c + 0 * ldc);
        Prefetch(c + 1 * ldc);
        Prefetch(c + 2 * ldc);
        Prefetch(c + 3 * ldc);
        Prefetch(c + 4 * ldc);
        if (TRows.Count > 5) Prefetch(c + 5 * ldc);
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector512<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector512<T> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector512<T> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector512<T> c50 = default, c51 = default, c52 = default, c53 = default;
        Vector512<T> ar;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b + 0 * Lanes);
            var b1 = Vector512.Load(b + 1 * Lanes);
            var b2 = Vector512.Load(b + 2 * Lanes);
            var b3 = Vector512.Load(b + 3 * Lanes);
            ar = Vector512.Create(a[0]); c00 = Simd.Fma(ar, b0, c00); c01 = Simd.Fma(ar, b1, c01); c02 = Simd.Fma(ar, b2, c02); c03 = Simd.Fma(ar, b3, c03);
            ar = Vector512.Create(a[1]); c10 = Simd.Fma(ar, b0, c10); c11 = Simd.Fma(ar, b1, c11); c12 = Simd.Fma(ar, b2, c12); c13 = Simd.Fma(ar, b3, c13);
            ar = Vector512.Create(a[2]); c20 = Simd.Fma(ar, b0, c20); c21 = Simd.Fma(ar, b1, c21); c22 = Simd.Fma(ar, b2, c22); c23 = Simd.Fma(ar, b3, c23);
            ar = Vector512.Create(a[3]); c30 = Simd.Fma(ar, b0, c30); c31 = Simd.Fma(ar, b1, c31); c32 = Simd.Fma(ar, b2, c32); c33 = Simd.Fma(ar, b3, c33);
            ar = Vector512.Create(a[4]); c40 = Simd.Fma(ar, b0, c40); c41 = Simd.Fma(ar, b1, c41); c42 = Simd.Fma(ar, b2, c42); c43 = Simd.Fma(ar, b3, c43);
            if (TRows.Count > 5)
            {
                ar = Vector512.Create(a[5]); c50 = Simd.Fma(ar, b0, c50); c51 = Simd.Fma(ar, b1, c51); c52 = Simd.Fma(ar, b2, c52); c53 = Simd.Fma(ar, b3, c53);
            }
            a.Next();
            b += ldb;
        }
        Store(c + 0 * ldc, c00, c01, c02, c03, add);
        Store(c + 1 * ldc, c10, c11, c12, c13, add);
        Store(c + 2 * ldc, c20, c21, c22, c23, add);
        Store(c + 3 * ldc, c30, c31, c32, c33, add);
        Store(c + 4 * ldc, c40, c41, c42, c43, add);
        if (TRows.Count > 5) Store(c + 5 * ldc, c50, c51, c52, c53, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(T* row)
    {
        Sse.Prefetch0(row);
        Sse.Prefetch0((byte*)row + 64);
        Sse.Prefetch0((byte*)row + 128);
        Sse.Prefetch0((byte*)row + 192);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector512<T> v0, Vector512<T> v1, Vector512<T> v2, Vector512<T> v3, bool add)
    {
        if (add)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + Lanes);
            v2 += Vector512.Load(row + 2 * Lanes);
            v3 += Vector512.Load(row + 3 * Lanes);
        }
        v0.Store(row);
        v1.Store(row + Lanes);
        v2.Store(row + 2 * Lanes);
        v3.Store(row + 3 * Lanes);
    }
}

/// <summary>Rows of a <see cref="GemmKernel512Wide{T, TRows}"/> tile, a constant the JIT folds.</summary>
internal interface ITileRows
{
    static abstract int Count { get; }
}

/// <summary>Six-row tiles: the default.</summary>
internal readonly struct SixRows : ITileRows
{
    public static int Count => 6;
}

/// <summary>Five-row tiles: for row counts six would pad (a batch of 100).</summary>
internal readonly struct FiveRows : ITileRows
{
    public static int Count => 5;
}
