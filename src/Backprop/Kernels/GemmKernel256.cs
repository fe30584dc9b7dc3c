using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>
/// AVX2+FMA micro-kernel for machines without AVX-512: a 6×(2·lanes) tile (6×16 float, 6×8 double) in 12 ymm
/// accumulators, which fits the 16 ymm registers with room for two B vectors and a broadcast.
/// </summary>
internal readonly unsafe struct GemmKernel256<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector256<T>.Count;

    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;

    public static bool IsSupported => System.Runtime.Intrinsics.X86.Fma.IsSupported && Vector256.IsHardwareAccelerated;

    public static bool RunsRowsInPlace => true;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TWalk>(TWalk a, T* b, nint ldb, int kc, T* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>
    {
        Vector256<T> c00 = default, c01 = default;
        Vector256<T> c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default;
        Vector256<T> c40 = default, c41 = default;
        Vector256<T> c50 = default, c51 = default;
        Vector256<T> ar;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + Lanes);
            ar = Vector256.Create(a[0]); c00 = Simd.Fma(ar, b0, c00); c01 = Simd.Fma(ar, b1, c01);
            ar = Vector256.Create(a[1]); c10 = Simd.Fma(ar, b0, c10); c11 = Simd.Fma(ar, b1, c11);
            ar = Vector256.Create(a[2]); c20 = Simd.Fma(ar, b0, c20); c21 = Simd.Fma(ar, b1, c21);
            ar = Vector256.Create(a[3]); c30 = Simd.Fma(ar, b0, c30); c31 = Simd.Fma(ar, b1, c31);
            ar = Vector256.Create(a[4]); c40 = Simd.Fma(ar, b0, c40); c41 = Simd.Fma(ar, b1, c41);
            ar = Vector256.Create(a[5]); c50 = Simd.Fma(ar, b0, c50); c51 = Simd.Fma(ar, b1, c51);
            a.Next();
            b += ldb;
        }
        Store(c + 0 * ldc, c00, c01, add);
        Store(c + 1 * ldc, c10, c11, add);
        Store(c + 2 * ldc, c20, c21, add);
        Store(c + 3 * ldc, c30, c31, add);
        Store(c + 4 * ldc, c40, c41, add);
        Store(c + 5 * ldc, c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector256<T> v0, Vector256<T> v1, bool add)
    {
        if (add)
        {
            v0 += Vector256.Load(row);
            v1 += Vector256.Load(row + Lanes);
        }
        v0.Store(row);
        v1.Store(row + Lanes);
    }
}
