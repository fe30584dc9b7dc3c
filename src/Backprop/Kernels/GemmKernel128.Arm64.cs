using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;

namespace Backprop.Kernels;

/// <summary>
/// The 128-bit kernel's ARM64 path for A steps that sit side by side (packed panels, a transposed A in place): the six
/// A values of a step are loaded as vectors and each FMLA takes its row's value by lane (<c>FMLA Vd, Vn, Vm.S[lane]</c>),
/// where the portable path loads and broadcasts each value (a load and a DUP per row, 6 vector operations beside the 24
/// FMLAs of a step). It is the same fused multiply-add of the same values in the same order, so the same bits; it runs
/// only on ARM64 (tested under emulation, <c>tests/Backprop.Tests.InProcess/run-arm64.sh</c>).
/// </summary>
internal readonly unsafe partial struct GemmKernel128<T>
{
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TileByLaneSingle<TWalk>(TWalk a, float* b, nint ldb, int kc, float* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>
    {
        Vector128<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector128<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<float> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector128<float> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector128<float> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector128<float> c50 = default, c51 = default, c52 = default, c53 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var b2 = Vector128.Load(b + 8);
            var b3 = Vector128.Load(b + 12);
            float* pa = (float*)a.Current;
            var a0 = Vector128.Load(pa);        // rows 0-3
            var a1 = Vector64.Load(pa + 4);     // rows 4-5: no load past the step's six values
            c00 = Fmla(c00, b0, a0, 0); c01 = Fmla(c01, b1, a0, 0); c02 = Fmla(c02, b2, a0, 0); c03 = Fmla(c03, b3, a0, 0);
            c10 = Fmla(c10, b0, a0, 1); c11 = Fmla(c11, b1, a0, 1); c12 = Fmla(c12, b2, a0, 1); c13 = Fmla(c13, b3, a0, 1);
            c20 = Fmla(c20, b0, a0, 2); c21 = Fmla(c21, b1, a0, 2); c22 = Fmla(c22, b2, a0, 2); c23 = Fmla(c23, b3, a0, 2);
            c30 = Fmla(c30, b0, a0, 3); c31 = Fmla(c31, b1, a0, 3); c32 = Fmla(c32, b2, a0, 3); c33 = Fmla(c33, b3, a0, 3);
            c40 = Fmla(c40, b0, a1, 0); c41 = Fmla(c41, b1, a1, 0); c42 = Fmla(c42, b2, a1, 0); c43 = Fmla(c43, b3, a1, 0);
            c50 = Fmla(c50, b0, a1, 1); c51 = Fmla(c51, b1, a1, 1); c52 = Fmla(c52, b2, a1, 1); c53 = Fmla(c53, b3, a1, 1);
            a.Next();
            b += ldb;
        }
        Store((T*)(c + 0 * ldc), c00.As<float, T>(), c01.As<float, T>(), c02.As<float, T>(), c03.As<float, T>(), add);
        Store((T*)(c + 1 * ldc), c10.As<float, T>(), c11.As<float, T>(), c12.As<float, T>(), c13.As<float, T>(), add);
        Store((T*)(c + 2 * ldc), c20.As<float, T>(), c21.As<float, T>(), c22.As<float, T>(), c23.As<float, T>(), add);
        Store((T*)(c + 3 * ldc), c30.As<float, T>(), c31.As<float, T>(), c32.As<float, T>(), c33.As<float, T>(), add);
        Store((T*)(c + 4 * ldc), c40.As<float, T>(), c41.As<float, T>(), c42.As<float, T>(), c43.As<float, T>(), add);
        Store((T*)(c + 5 * ldc), c50.As<float, T>(), c51.As<float, T>(), c52.As<float, T>(), c53.As<float, T>(), add);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TileByLaneDouble<TWalk>(TWalk a, double* b, nint ldb, int kc, double* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>
    {
        Vector128<double> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector128<double> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector128<double> c20 = default, c21 = default, c22 = default, c23 = default;
        Vector128<double> c30 = default, c31 = default, c32 = default, c33 = default;
        Vector128<double> c40 = default, c41 = default, c42 = default, c43 = default;
        Vector128<double> c50 = default, c51 = default, c52 = default, c53 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 2);
            var b2 = Vector128.Load(b + 4);
            var b3 = Vector128.Load(b + 6);
            double* pa = (double*)a.Current;
            var a0 = Vector128.Load(pa);        // rows 0-1
            var a1 = Vector128.Load(pa + 2);    // rows 2-3
            var a2 = Vector128.Load(pa + 4);    // rows 4-5
            c00 = Fmla(c00, b0, a0, 0); c01 = Fmla(c01, b1, a0, 0); c02 = Fmla(c02, b2, a0, 0); c03 = Fmla(c03, b3, a0, 0);
            c10 = Fmla(c10, b0, a0, 1); c11 = Fmla(c11, b1, a0, 1); c12 = Fmla(c12, b2, a0, 1); c13 = Fmla(c13, b3, a0, 1);
            c20 = Fmla(c20, b0, a1, 0); c21 = Fmla(c21, b1, a1, 0); c22 = Fmla(c22, b2, a1, 0); c23 = Fmla(c23, b3, a1, 0);
            c30 = Fmla(c30, b0, a1, 1); c31 = Fmla(c31, b1, a1, 1); c32 = Fmla(c32, b2, a1, 1); c33 = Fmla(c33, b3, a1, 1);
            c40 = Fmla(c40, b0, a2, 0); c41 = Fmla(c41, b1, a2, 0); c42 = Fmla(c42, b2, a2, 0); c43 = Fmla(c43, b3, a2, 0);
            c50 = Fmla(c50, b0, a2, 1); c51 = Fmla(c51, b1, a2, 1); c52 = Fmla(c52, b2, a2, 1); c53 = Fmla(c53, b3, a2, 1);
            a.Next();
            b += ldb;
        }
        Store((T*)(c + 0 * ldc), c00.As<double, T>(), c01.As<double, T>(), c02.As<double, T>(), c03.As<double, T>(), add);
        Store((T*)(c + 1 * ldc), c10.As<double, T>(), c11.As<double, T>(), c12.As<double, T>(), c13.As<double, T>(), add);
        Store((T*)(c + 2 * ldc), c20.As<double, T>(), c21.As<double, T>(), c22.As<double, T>(), c23.As<double, T>(), add);
        Store((T*)(c + 3 * ldc), c30.As<double, T>(), c31.As<double, T>(), c32.As<double, T>(), c33.As<double, T>(), add);
        Store((T*)(c + 4 * ldc), c40.As<double, T>(), c41.As<double, T>(), c42.As<double, T>(), c43.As<double, T>(), add);
        Store((T*)(c + 5 * ldc), c50.As<double, T>(), c51.As<double, T>(), c52.As<double, T>(), c53.As<double, T>(), add);
    }

    /// <summary>c + b · a[lane], rounded once (float rows 0-3 take a lane of a 128-bit vector, rows 4-5 of a 64-bit one).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fmla(Vector128<float> c, Vector128<float> b, Vector128<float> a, [ConstantExpected(Max = (byte)3)] byte lane) =>
        AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c, b, a, lane);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fmla(Vector128<float> c, Vector128<float> b, Vector64<float> a, [ConstantExpected(Max = (byte)1)] byte lane) =>
        AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c, b, a, lane);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Fmla(Vector128<double> c, Vector128<double> b, Vector128<double> a, [ConstantExpected(Max = (byte)1)] byte lane) =>
        AdvSimd.Arm64.FusedMultiplyAddBySelectedScalar(c, b, a, lane);
}
