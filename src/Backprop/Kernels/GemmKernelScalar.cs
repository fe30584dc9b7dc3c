using System.Numerics;
using System.Runtime.CompilerServices;

namespace Backprop.Kernels;

/// <summary>
/// Portable micro-kernel for machines without vector FMA (x64 without AVX2+FMA, a baseline native AOT build): a 4×4
/// tile in 16 scalar accumulators. Where the processor has a fused multiply-add instruction
/// (<see cref="FusedInHardware"/>), each is the FMA chain the SIMD kernels compute, so a product has the same bits whichever kernel runs it; a multiply then an add,
/// rounded twice, had changed the notebooks' gradient checks in their last digits. Without the instruction it stays a
/// multiply and an add: FMA in software ran this kernel 9× slower (512³ float, 32 → 286 ms).
/// </summary>
internal readonly unsafe struct GemmKernelScalar<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 4;
    public static int NR => 4;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TWalk>(TWalk a, T* b, nint ldb, int kc, T* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>
    {
        T c00 = T.Zero, c01 = T.Zero, c02 = T.Zero, c03 = T.Zero;
        T c10 = T.Zero, c11 = T.Zero, c12 = T.Zero, c13 = T.Zero;
        T c20 = T.Zero, c21 = T.Zero, c22 = T.Zero, c23 = T.Zero;
        T c30 = T.Zero, c31 = T.Zero, c32 = T.Zero, c33 = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            T b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3];
            T a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
            c00 = MulAdd(a0, b0, c00); c01 = MulAdd(a0, b1, c01); c02 = MulAdd(a0, b2, c02); c03 = MulAdd(a0, b3, c03);
            c10 = MulAdd(a1, b0, c10); c11 = MulAdd(a1, b1, c11); c12 = MulAdd(a1, b2, c12); c13 = MulAdd(a1, b3, c13);
            c20 = MulAdd(a2, b0, c20); c21 = MulAdd(a2, b1, c21); c22 = MulAdd(a2, b2, c22); c23 = MulAdd(a2, b3, c23);
            c30 = MulAdd(a3, b0, c30); c31 = MulAdd(a3, b1, c31); c32 = MulAdd(a3, b2, c32); c33 = MulAdd(a3, b3, c33);
            a.Next();
            b += ldb;
        }
        Store(c, c00, c01, c02, c03, add);
        Store(c + ldc, c10, c11, c12, c13, add);
        Store(c + 2 * ldc, c20, c21, c22, c23, add);
        Store(c + 3 * ldc, c30, c31, c32, c33, add);
    }

    /// <summary>True when the processor computes a·b + c rounded once in one instruction (x64 FMA3; every ARM64).</summary>
    internal static bool FusedInHardware => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>a·b + c: rounded once (MathF/Math compile to the instruction) where <see cref="FusedInHardware"/>, else twice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T MulAdd(T a, T b, T c)
    {
        if (!FusedInHardware) return a * b + c;
        if (typeof(T) == typeof(float))
            return Unsafe.BitCast<float, T>(MathF.FusedMultiplyAdd(Unsafe.BitCast<T, float>(a), Unsafe.BitCast<T, float>(b), Unsafe.BitCast<T, float>(c)));
        if (typeof(T) == typeof(double))
            return Unsafe.BitCast<double, T>(Math.FusedMultiplyAdd(Unsafe.BitCast<T, double>(a), Unsafe.BitCast<T, double>(b), Unsafe.BitCast<T, double>(c)));
        return T.FusedMultiplyAdd(a, b, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, T v0, T v1, T v2, T v3, bool add)
    {
        if (add)
        {
            row[0] += v0; row[1] += v1; row[2] += v2; row[3] += v3;
        }
        else
        {
            row[0] = v0; row[1] = v1; row[2] = v2; row[3] = v3;
        }
    }
}
