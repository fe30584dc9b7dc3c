using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Kernels;

/// <summary>Generic helpers over <see cref="Vector512{T}"/> that the BCL offers only per type.</summary>
internal static class Simd
{
    /// <summary>True when 512-bit vectors of T are hardware-accelerated (the fast paths' condition).</summary>
    public static bool Wide<T>() where T : unmanaged => Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported
        && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>
    /// Asks for the cache line holding <paramref name="p"/> ahead of use, for streams the hardware prefetchers miss.
    /// A prefetch never faults, so <paramref name="p"/> may lie past an array's end; a no-op without SSE.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(void* p)
    {
        if (Sse.IsSupported) Sse.Prefetch0(p);
    }

    /// <summary>
    /// As <see cref="Prefetch"/>, into L2 only: for lines wanted microseconds ahead, which would crowd L1 and its few
    /// outstanding-miss slots.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void PrefetchL2(void* p)
    {
        if (Sse.IsSupported) Sse.Prefetch1(p);
    }

    /// <summary>a·b + c rounded once (the same bits as <c>T.FusedMultiplyAdd</c> and <c>TensorPrimitives.FusedMultiplyAdd</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }
}
