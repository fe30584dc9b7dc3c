using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// AVX-512 micro-kernel: a 12×(2·lanes) tile (12×32 float, 12×16 double) held in 24 zmm accumulators; per step p it
/// loads two B vectors and broadcasts 12 A values (24 FMAs, the FMA ports stay busy).
/// </summary>
internal readonly unsafe struct GemmKernel512<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector512<T>.Count;

    public static int MR => 12;
    public static int NR => 2 * Vector512<T>.Count;

    public static bool IsSupported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

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
        Prefetch(c + 5 * ldc);
        Prefetch(c + 6 * ldc);
        Prefetch(c + 7 * ldc);
        Prefetch(c + 8 * ldc);
        Prefetch(c + 9 * ldc);
        Prefetch(c + 10 * ldc);
        Prefetch(c + 11 * ldc);
        Vector512<T> c00 = default, c01 = default;
        Vector512<T> c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default;
        Vector512<T> c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default;
        Vector512<T> c70 = default, c71 = default;
        Vector512<T> c80 = default, c81 = default;
        Vector512<T> c90 = default, c91 = default;
        Vector512<T> c100 = default, c101 = default;
        Vector512<T> c110 = default, c111 = default;
        Vector512<T> ar;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + Lanes);
            ar = Vector512.Create(a[0]); c00 = Simd.Fma(ar, b0, c00); c01 = Simd.Fma(ar, b1, c01);
            ar = Vector512.Create(a[1]); c10 = Simd.Fma(ar, b0, c10); c11 = Simd.Fma(ar, b1, c11);
            ar = Vector512.Create(a[2]); c20 = Simd.Fma(ar, b0, c20); c21 = Simd.Fma(ar, b1, c21);
            ar = Vector512.Create(a[3]); c30 = Simd.Fma(ar, b0, c30); c31 = Simd.Fma(ar, b1, c31);
            ar = Vector512.Create(a[4]); c40 = Simd.Fma(ar, b0, c40); c41 = Simd.Fma(ar, b1, c41);
            ar = Vector512.Create(a[5]); c50 = Simd.Fma(ar, b0, c50); c51 = Simd.Fma(ar, b1, c51);
            ar = Vector512.Create(a[6]); c60 = Simd.Fma(ar, b0, c60); c61 = Simd.Fma(ar, b1, c61);
            ar = Vector512.Create(a[7]); c70 = Simd.Fma(ar, b0, c70); c71 = Simd.Fma(ar, b1, c71);
            ar = Vector512.Create(a[8]); c80 = Simd.Fma(ar, b0, c80); c81 = Simd.Fma(ar, b1, c81);
            ar = Vector512.Create(a[9]); c90 = Simd.Fma(ar, b0, c90); c91 = Simd.Fma(ar, b1, c91);
            ar = Vector512.Create(a[10]); c100 = Simd.Fma(ar, b0, c100); c101 = Simd.Fma(ar, b1, c101);
            ar = Vector512.Create(a[11]); c110 = Simd.Fma(ar, b0, c110); c111 = Simd.Fma(ar, b1, c111);
            a.Next();
            b += ldb;
        }
        Store(c + 0 * ldc, c00, c01, add);
        Store(c + 1 * ldc, c10, c11, add);
        Store(c + 2 * ldc, c20, c21, add);
        Store(c + 3 * ldc, c30, c31, add);
        Store(c + 4 * ldc, c40, c41, add);
        Store(c + 5 * ldc, c50, c51, add);
        Store(c + 6 * ldc, c60, c61, add);
        Store(c + 7 * ldc, c70, c71, add);
        Store(c + 8 * ldc, c80, c81, add);
        Store(c + 9 * ldc, c90, c91, add);
        Store(c + 10 * ldc, c100, c101, add);
        Store(c + 11 * ldc, c110, c111, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(T* row)
    {
        Sse.Prefetch0(row);
        Sse.Prefetch0((byte*)row + 64);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector512<T> v0, Vector512<T> v1, bool add)
    {
        if (add)
        {
            v0 += Vector512.Load(row);
            v1 += Vector512.Load(row + Lanes);
        }
        v0.Store(row);
        v1.Store(row + Lanes);
    }
}
