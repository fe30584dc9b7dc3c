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
    /// <remarks>
    /// Long arrays are split in fixed pieces (<see cref="Chunks"/>) over the pool's threads; a training batch shorter than
    /// that in one run per thread (<see cref="BatchRuns{T}"/>), streamed while the cores sit far apart.
    /// </remarks>
    public static unsafe void Relu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length < x.Length) throw new ArgumentException("Relu: the output is shorter than the input.");
        int runs = BatchRuns<T>(x.Length);
        if (runs == 0 && !Chunks.Parallel(x.Length))
        {
            TensorPrimitives.Max(x, T.Zero, y[..x.Length]);
            return;
        }
        fixed (T* px = x, py = y)
        {
            var call = new ElementwiseCall<T>(px, null, py, x.Length, runs) { Stream = runs > 0 && Streaming.Activations<T>() };
            Parallelism.For(call.Pieces, in call, static (int piece, in ElementwiseCall<T> c) =>
            {
                if (!c.Stream)
                {
                    TensorPrimitives.Max(c.XPiece(piece), T.Zero, c.YPiece(piece));
                    return;
                }
                var yp = c.YPiece(piece);
                fixed (T* xs = c.XPiece(piece), ys = yp) Streaming.Row(ys, yp.Length, new ReluOut<T>(xs));
                Streaming.Fence();
            });
        }
    }

    /// <summary>
    /// Threads a training batch of <paramref name="length"/> values is split over, one contiguous run each (near-equal:
    /// a 100-row batch's row halves, the rows each core of a product's row-wise pass wrote), or 0 when it is not one:
    /// shorter than <see cref="RowBlocks.MinElements"/>, long enough for <see cref="Chunks"/>, or one thread. Those runs
    /// are written with streaming stores while <see cref="Streaming.Activations{T}"/> says so.
    /// </summary>
    /// <remarks>
    /// Before, such a batch ran on the calling thread with ordinary stores: Fashion-MNIST [500, 500, 500] without batch
    /// norm spent 41–42 ms per layer per epoch in each of ReLU forward and backward (~70 µs a 100 × 500 call, the lines
    /// taken back from the other core's cache one by one).
    /// </remarks>
    private static int BatchRuns<T>(long length) where T : unmanaged =>
        length >= RowBlocks.MinElements && !Chunks.Parallel(length) && Streaming.ActivationsMayStream<T>() ? Parallelism.MaxThreads : 0;

    /// <summary><c>dx = dout · [x &gt; 0]</c>: the ReLU gradient.</summary>
    /// <remarks>Long arrays are split in fixed pieces (<see cref="Chunks"/>) over the pool's threads, a training batch in
    /// streamed runs (<see cref="BatchRuns{T}"/>); dx may be dout.</remarks>
    public static unsafe void ReluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != dout.Length || dx.Length < x.Length) throw new ArgumentException("ReluBackward: spans differ in length.");
        int runs = BatchRuns<T>(x.Length);
        if (runs == 0 && !Chunks.Parallel(x.Length))
        {
            ReluBackwardSerial(x, dout, dx, Streaming.Worth<T>(x.Length));
            return;
        }
        fixed (T* px = x, pd = dout, py = dx)
        {
            var call = new ElementwiseCall<T>(px, pd, py, x.Length, runs) { Stream = runs > 0 && Streaming.Activations<T>() };
            Parallelism.For(call.Pieces, in call, static (int piece, in ElementwiseCall<T> c) =>
            {
                ReluBackwardSerial(c.XPiece(piece), c.ZPiece(piece), c.YPiece(piece), c.Stream || Streaming.Worth<T>(c.Length));
            });
        }
    }

    /// <summary>max(x, 0) with NaN kept, as <see cref="TensorPrimitives.Max{T}(ReadOnlySpan{T}, T, Span{T})"/> (−0 gives +0).</summary>
    private readonly unsafe struct ReluOut<T>(T* x) : IRowElement<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Vector512<T> Vector(int j)
        {
            var v = Vector512.Load(x + j);
            return v & (Vector512.GreaterThan(v, Vector512<T>.Zero) | ~Vector512.Equals(v, v));
        }

        public T Scalar(int j) => x[j] > T.Zero || T.IsNaN(x[j]) ? x[j] : T.Zero;
    }

    /// <summary>dout where x &gt; 0, else 0 (the mask's AND keeps dout's bits, as the scalar select does).</summary>
    private readonly unsafe struct ReluGrad<T>(T* x, T* dout) : IRowElement<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Vector512<T> Vector(int j) => Vector512.Load(dout + j) & Vector512.GreaterThan(Vector512.Load(x + j), Vector512<T>.Zero);
        public T Scalar(int j) => x[j] > T.Zero ? dout[j] : T.Zero;
    }

    private static unsafe void ReluBackwardSerial<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dout, Span<T> dx, bool stream) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, i = 0;
        if (stream)
        {
            fixed (T* px = x, pd = dout, py = dx) Streaming.Row(py, n, new ReluGrad<T>(px, pd));
            Streaming.Fence();
            return;
        }
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
    /// <remarks>Large matrices are summed in fixed blocks of rows (<see cref="RowBlocks"/>) over the pool's threads, the
    /// blocks' partial sums then added in order: the same bits on any thread count.</remarks>
    public static unsafe void SumRows<T>(ReadOnlySpan<T> x, Span<T> dst, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatrix(x.Length, dst.Length, rows, cols);
        fixed (T* px = x, pd = dst)
            ColumnReductions<T>.Run(ColumnReduction.Sum, px, null, null, pd, null, rows, cols);
    }

    /// <summary><c>dst[j] = Σ_i a[i, j]·b[i, j]</c> over the rows of two (rows × cols) matrices, in row order (blocked as <see cref="SumRows{T}"/>).</summary>
    public static unsafe void SumRowsOfProducts<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> dst, int rows, int cols) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckMatrix(a.Length, dst.Length, rows, cols);
        CheckMatrix(b.Length, dst.Length, rows, cols);
        fixed (T* pa = a, pb = b, pd = dst)
            ColumnReductions<T>.Run(ColumnReduction.Products, pa, pb, null, pd, null, rows, cols);
    }

    /// <summary><c>y = x·a + y</c> (product rounded, then the sum: no fused multiply-add), as the L2 term <c>dW += reg·W</c>.</summary>
    public static unsafe void AddScaled<T>(ReadOnlySpan<T> x, T a, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length) throw new ArgumentException($"AddScaled: x has {x.Length} values, y {y.Length}.");
        fixed (T* px = x, py = y) AddScaled(px, a, py, x.Length);
    }

    /// <summary><c>y[i] = x[i]·a + y[i]</c> for i &lt; n: the row form of <see cref="AddScaled{T}(ReadOnlySpan{T}, T, Span{T})"/>, same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void AddScaled<T>(T* x, T a, T* y, long n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var va = Vector512.Create(a);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                (Vector512.Load(x + i) * va + Vector512.Load(y + i)).Store(y + i);
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var va = Vector256.Create(a);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                (Vector256.Load(x + i) * va + Vector256.Load(y + i)).Store(y + i);
        }
        for (; i < n; i++) y[i] = x[i] * a + y[i];
    }

    internal static void CheckMatrix(int length, int dstLength, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || length < (long)rows * cols || dstLength < cols)
            throw new ArgumentException($"A ({rows} × {cols}) reduction over {length} values into {dstLength}.");
    }
}
