using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>Element-wise kernels on spans: SIMD through <see cref="TensorPrimitives"/> or <see cref="Vector512"/>/<see cref="Vector256"/>.</summary>
public static class Elementwise
{
    /// <summary><c>y = max(x, 0)</c> (NaN stays NaN, as <c>np.maximum</c>).</summary>
    public static void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => TensorPrimitives.Max(x, T.Zero, y);

    /// <summary><c>dx = dout · [x &gt; 0]</c>: the ReLU gradient.</summary>
    public static void ReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != dout.Length || dx.Length < x.Length) throw new ArgumentException("ReluBackward: spans differ in length.");
        int n = x.Length, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T dr = ref MemoryMarshal.GetReference(dout);
        ref T or = ref MemoryMarshal.GetReference(dx);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var g = Vector512.LoadUnsafe(ref dr, (nuint)i);
                (g & Vector512.GreaterThan(v, Vector512<T>.Zero)).StoreUnsafe(ref or, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var g = Vector256.LoadUnsafe(ref dr, (nuint)i);
                (g & Vector256.GreaterThan(v, Vector256<T>.Zero)).StoreUnsafe(ref or, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref or, i) = Unsafe.Add(ref xr, i) > T.Zero ? Unsafe.Add(ref dr, i) : T.Zero;
    }

    /// <summary>Copies the row vector <paramref name="row"/> into every row of the (rows × row.Length) matrix <paramref name="dst"/>.</summary>
    public static void BroadcastRows<T>(ReadOnlySpan<T> row, Span<T> dst, int rows)
    {
        int d = row.Length;
        for (int i = 0; i < rows; i++) row.CopyTo(dst.Slice(i * d, d));
    }

    /// <summary><c>dst[j] = Σ_i x[i, j]</c> over the rows of a (rows × cols) matrix, rows added in order (deterministic).</summary>
    public static void SumRows<T>(ReadOnlySpan<T> x, Span<T> dst, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = dst[..cols];
        d.Clear();
        for (int i = 0; i < rows; i++) TensorPrimitives.Add(d, x.Slice(i * cols, cols), d);
    }

    /// <summary><c>dst[j] = Σ_i a[i, j]·b[i, j]</c> over the rows of two (rows × cols) matrices, in row order.</summary>
    public static void SumRowsOfProducts<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = dst[..cols];
        d.Clear();
        for (int i = 0; i < rows; i++)
        {
            int o = i * cols;
            TensorPrimitives.FusedMultiplyAdd(a.Slice(o, cols), b.Slice(o, cols), d, d);
        }
    }
}
