using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Backprop.Kernels;

/// <summary>
/// 128-bit micro-kernel for ARM64 (NEON, 32 vector registers): a 6×(4·lanes) tile (6×16 float, 6×8 double, the AVX2
/// kernel's) in 24 accumulators, with four B vectors and a broadcast beside them. Each C element is the same fused chain
/// as on the x64 kernels, so an ARM64 host gets the x64 hosts' bits. x64 hosts with AVX2 never pick it (16 registers
/// would spill its accumulators); the tests run it there to check it. On ARM64, a walk whose steps sit side by side (a
/// packed panel) takes the by-lane path of <c>GemmKernel128.Arm64.cs</c> instead of broadcasting each A value.
/// </summary>
internal readonly unsafe partial struct GemmKernel128<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static int Lanes => Vector128<T>.Count;

    public static int MR => 6;
    public static int NR => 4 * Vector128<T>.Count;

    /// <summary>True where 128-bit vectors are accelerated and FMA is an instruction (every ARM64; x64 with FMA).</summary>
    public static bool IsSupported => Vector128.IsHardwareAccelerated && GemmKernelScalar<T>.FusedInHardware
        && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    public static bool RunsRowsInPlace => true;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TWalk>(TWalk a, T* b, nint ldb, int kc, T* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>
    {
        if (AdvSimd.Arm64.IsSupported && TWalk.SideBySide)
        {
            if (typeof(T) == typeof(float)) { TileByLaneSingle(a, (float*)b, ldb, kc, (float*)c, ldc, add); return; }
            if (typeof(T) == typeof(double)) { TileByLaneDouble(a, (double*)b, ldb, kc, (double*)c, ldc, add); return; }
        }
        Vector128<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector128<T> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<T> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector128<T> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector128<T> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector128<T> c50 = default, c51 = default, c52 = default, c53 = default;
        Vector128<T> ar;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + Lanes);
            var b2 = Vector128.Load(b + 2 * Lanes);
            var b3 = Vector128.Load(b + 3 * Lanes);
            ar = Vector128.Create(a[0]); c00 = Simd.Fma(ar, b0, c00); c01 = Simd.Fma(ar, b1, c01); c02 = Simd.Fma(ar, b2, c02); c03 = Simd.Fma(ar, b3, c03);
            ar = Vector128.Create(a[1]); c10 = Simd.Fma(ar, b0, c10); c11 = Simd.Fma(ar, b1, c11); c12 = Simd.Fma(ar, b2, c12); c13 = Simd.Fma(ar, b3, c13);
            ar = Vector128.Create(a[2]); c20 = Simd.Fma(ar, b0, c20); c21 = Simd.Fma(ar, b1, c21); c22 = Simd.Fma(ar, b2, c22); c23 = Simd.Fma(ar, b3, c23);
            ar = Vector128.Create(a[3]); c30 = Simd.Fma(ar, b0, c30); c31 = Simd.Fma(ar, b1, c31); c32 = Simd.Fma(ar, b2, c32); c33 = Simd.Fma(ar, b3, c33);
            ar = Vector128.Create(a[4]); c40 = Simd.Fma(ar, b0, c40); c41 = Simd.Fma(ar, b1, c41); c42 = Simd.Fma(ar, b2, c42); c43 = Simd.Fma(ar, b3, c43);
            ar = Vector128.Create(a[5]); c50 = Simd.Fma(ar, b0, c50); c51 = Simd.Fma(ar, b1, c51); c52 = Simd.Fma(ar, b2, c52); c53 = Simd.Fma(ar, b3, c53);
            a.Next();
            b += ldb;
        }
        Store(c + 0 * ldc, c00, c01, c02, c03, add);
        Store(c + 1 * ldc, c10, c11, c12, c13, add);
        Store(c + 2 * ldc, c20, c21, c22, c23, add);
        Store(c + 3 * ldc, c30, c31, c32, c33, add);
        Store(c + 4 * ldc, c40, c41, c42, c43, add);
        Store(c + 5 * ldc, c50, c51, c52, c53, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector128<T> v0, Vector128<T> v1, Vector128<T> v2, Vector128<T> v3, bool add)
    {
        if (add)
        {
            v0 += Vector128.Load(row);
            v1 += Vector128.Load(row + Lanes);
            v2 += Vector128.Load(row + 2 * Lanes);
            v3 += Vector128.Load(row + 3 * Lanes);
        }
        v0.Store(row);
        v1.Store(row + Lanes);
        v2.Store(row + 2 * Lanes);
        v3.Store(row + 3 * Lanes);
    }
}
