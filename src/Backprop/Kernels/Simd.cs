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

    /// <summary>
    /// True when every row of a row-major array at <paramref name="data"/>, rows <paramref name="cols"/> values apart,
    /// starts on a 64-byte cache line: full-width vector loads and stores from a row's start never straddle two lines
    /// (a split access, which costs an Intel core a second L1 access), and streaming stores can start there.
    /// </summary>
    public static unsafe bool RowsStartOnLines<T>(T* data, int cols) where T : unmanaged =>
        ((nint)data & 63) == 0 && (long)cols * sizeof(T) % 64 == 0;

    /// <summary>a·b + c rounded once (the same bits as <c>T.FusedMultiplyAdd</c> and <c>TensorPrimitives.FusedMultiplyAdd</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    /// <summary>As the 512-bit <see cref="Fma{T}(Vector512{T}, Vector512{T}, Vector512{T})"/>, on 256-bit vectors (VFMADD with FMA3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    /// <summary>As the 512-bit <see cref="Fma{T}(Vector512{T}, Vector512{T}, Vector512{T})"/>: FMLA on ARM64, VFMADD on x64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Fma<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }
}
