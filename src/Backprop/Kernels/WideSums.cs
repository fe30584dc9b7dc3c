using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Σx, Σx² and Σx·y of float or double spans in one fixed order on every host: 16 float or 8 double lanes, as
/// <see cref="TensorPrimitives"/> sums on an AVX-512 host. TensorPrimitives sums in as many lanes as the processor's
/// widest vector, so its last bits follow the host (a layer-norm row, a float64 softmax row); these run the 512-bit
/// order on <see cref="Vector512{T}"/>, in hardware where it is accelerated and emulated elsewhere (AVX2, ARM64), so the
/// bits are the same everywhere and stay so whatever a later System.Numerics.Tensors does.
/// </summary>
/// <remarks>
/// The order (System.Numerics.Tensors 11.0.0's 512-bit aggregation, which the tests check it against on AVX-512
/// hosts, so the bits did not move when these stopped calling it): below one vector, one 256- or 128-bit vector plus
/// an overlapping masked one, or the elements from last to first; from one vector on, per lane: past eight vectors,
/// the whole vectors from the second one, eight at a time; then the first vector; then the remaining whole vectors in
/// address order; then the lanes of the last vector not yet counted; then the lanes added together
/// (<see cref="Vector512.Sum{T}(Vector512{T})"/>, the same order on every host). Squares and products are rounded
/// before they are added (no fused multiply-add). Timed against TensorPrimitives on the Zen 4, one thread: level for
/// Σx² (float64) and 65,536 values, Σx·y faster, Σx of 500–1,000 floats ~2 ns slower a call.
/// </remarks>
internal static unsafe class WideSums
{
    /// <summary>Σ x.</summary>
    public static T Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = x) return InOrder(Term.Value, px, null, x.Length);
    }

    /// <summary>Σ x².</summary>
    public static T SumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* px = x) return InOrder(Term.Square, px, null, x.Length);
    }

    /// <summary>Σ x·y over spans of equal length.</summary>
    public static T Dot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length) throw new ArgumentException($"Dot: x has {x.Length} values, y {y.Length}.");
        fixed (T* px = x, py = y) return InOrder(Term.Product, px, py, x.Length);
    }

    internal enum Term { Value, Square, Product }

    /// <summary>The sum in the 512-bit order.</summary>
    internal static T InOrder<T>(Term term, T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException($"WideSums: {typeof(T).Name}.");
        int w = Vector512<T>.Count;
        if (n < w) return Small(term, x, y, n);
        var acc = Vector512<T>.Zero;
        var first = Load512(term, x, y, 0);
        var last = Load512(term, x, y, n - w);
        int at = 0, left = n;
        if (n > 8 * w)
        {
            // Past eight vectors, eight at a time from the second vector (for float and double TensorPrimitives
            // does not align to a line, so the order depends on the length alone), the first one after them.
            at = w;
            left -= w;
            for (; left >= 8 * w; at += 8 * w, left -= 8 * w)
                for (int k = 0; k < 8; k++) acc += Load512(term, x, y, at + k * w);
        }
        acc += first;
        int blocks = left / w - (at == 0 ? 1 : 0), trailing = left % w, top = at + left - trailing;
        for (int k = blocks; k >= 1; k--) acc += Load512(term, x, y, top - k * w);
        acc += Vector512.ConditionalSelect(LastLanes<T>(trailing), last, Vector512<T>.Zero);
        return Vector512.Sum(acc);
    }

    /// <summary>Fewer values than one 512-bit vector holds.</summary>
    private static T Small<T>(Term term, T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w256 = Vector256<T>.Count, w128 = Vector128<T>.Count;
        if (n > w256) return Vector256.Sum(Load256(term, x, y, 0) + Masked(Load256(term, x, y, n - w256), n % w256));
        if (n == w256) return Vector256.Sum(Load256(term, x, y, 0));
        if (n > w128) return Vector128.Sum(Load128(term, x, y, 0) + Masked(Load128(term, x, y, n - w128), n % w128));
        if (n == w128) return Vector128.Sum(Load128(term, x, y, 0));
        T s = T.Zero;
        for (int i = n - 1; i >= 0; i--) s += Scalar(term, x, y, i);
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Scalar<T>(Term term, T* x, T* y, int i) where T : unmanaged, IFloatingPointIeee754<T> =>
        term == Term.Value ? x[i] : term == Term.Square ? x[i] * x[i] : x[i] * y[i];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Load512<T>(Term term, T* x, T* y, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector512.Load(x + i);
        return term == Term.Value ? v : term == Term.Square ? v * v : v * Vector512.Load(y + i);
    }

    private static Vector256<T> Load256<T>(Term term, T* x, T* y, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector256.Load(x + i);
        return term == Term.Value ? v : term == Term.Square ? v * v : v * Vector256.Load(y + i);
    }

    private static Vector128<T> Load128<T>(Term term, T* x, T* y, int i) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var v = Vector128.Load(x + i);
        return term == Term.Value ? v : term == Term.Square ? v * v : v * Vector128.Load(y + i);
    }

    /// <summary>The last <paramref name="count"/> lanes of v, zeros before them.</summary>
    private static Vector256<T> Masked<T>(Vector256<T> v, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Indices256<T>(), T.CreateTruncating(Vector256<T>.Count - count) * Vector256<T>.One), v, Vector256<T>.Zero);

    private static Vector128<T> Masked<T>(Vector128<T> v, int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Indices128<T>(), T.CreateTruncating(Vector128<T>.Count - count) * Vector128<T>.One), v, Vector128<T>.Zero);

    /// <summary>All bits set in the last <paramref name="count"/> lanes.</summary>
    private static Vector512<T> LastLanes<T>(int count) where T : unmanaged, IFloatingPointIeee754<T> =>
        Vector512.GreaterThanOrEqual(Indices512<T>(), T.CreateTruncating(Vector512<T>.Count - count) * Vector512<T>.One);

    // Lane numbers as T (exact: at most 15).
    private static Vector512<T> Indices512<T>() where T : unmanaged, IFloatingPointIeee754<T> => Vector512<T>.Indices;
    private static Vector256<T> Indices256<T>() where T : unmanaged, IFloatingPointIeee754<T> => Vector256<T>.Indices;
    private static Vector128<T> Indices128<T>() where T : unmanaged, IFloatingPointIeee754<T> => Vector128<T>.Indices;
}
