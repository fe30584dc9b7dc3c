using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop.Kernels;

/// <summary>
/// Σ x² of a weight matrix (the L2 term), accumulated in float64 whatever T is: float32 running sums over a
/// 1.5 M-weight matrix lose the 5th digit, where NumPy's pairwise float32 sum keeps the 7th. (<c>NDArray.SumOfSquares</c>
/// also sums in float64, one value at a time: the monolithic TwoLayerNet's notebook losses are matched in that order.)
/// </summary>
/// <remarks>
/// The sum is taken <see cref="Chunks"/> by chunk (64 Ki values), the chunks' sums added in order: the same bits on
/// any number of threads, and large matrices (the CIFAR net's 1.5 M first-layer weights, read every step when reg &gt; 0)
/// are read by every core at once.
/// </remarks>
internal static unsafe class SumOfSquares
{
    /// <summary>Σ values², in float64. An array of one chunk gives <see cref="WideSums.SumOfSquares{T}(ReadOnlySpan{T})"/>'s bits (float64: TensorPrimitives' AVX-512 order) or <see cref="OfSingles"/>'s (float32).</summary>
    public static double Of<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pieces = Chunks.Count(values.Length);
        if (pieces <= 1) return OfChunk(values);
        fixed (T* x = values)
        {
            var call = new Call<T>(x, values.Length, ReductionScratch<double>.Get(pieces));
            if (Chunks.Parallel(values.Length)) Parallelism.For(pieces, in call, static (int piece, in Call<T> c) => c.Run(piece));
            else for (int p = 0; p < pieces; p++) call.Run(p);
            double s = 0;
            for (int p = 0; p < pieces; p++) s += call.Partials[p];
            return s;
        }
    }

    private readonly struct Call<T>(T* x, long length, double* partials) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public double* Partials { get; } = partials;

        public void Run(int piece)
        {
            var (start, n) = Chunks.Of(piece, length);
            Partials[piece] = OfChunk(new ReadOnlySpan<T>(x + start, n));
        }
    }

    private static double OfChunk<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return WideSums.SumOfSquares(MemoryMarshal.Cast<T, double>(values));
        if (typeof(T) == typeof(float)) return OfSingles(MemoryMarshal.Cast<T, float>(values));
        double s = 0;
        foreach (var v in values) { double d = double.CreateTruncating(v); s += d * d; }
        return s;
    }

    // Eight floats at a time, widened to two 4-double vectors, into four accumulators: fixed lanes, so the same
    // bits on every CPU (Vector256 is emulated where AVX is missing).
    private static double OfSingles(ReadOnlySpan<float> x)
    {
        Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i + 16 <= x.Length; i += 16)
        {
            var (l0, h0) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
            var (l1, h1) = Vector256.Widen(Vector256.Create(x.Slice(i + 8, 8)));
            a0 = Vector256.FusedMultiplyAdd(l0, l0, a0);
            a1 = Vector256.FusedMultiplyAdd(h0, h0, a1);
            a2 = Vector256.FusedMultiplyAdd(l1, l1, a2);
            a3 = Vector256.FusedMultiplyAdd(h1, h1, a3);
        }
        double s = Vector256.Sum((a0 + a1) + (a2 + a3));
        for (; i < x.Length; i++) s += (double)x[i] * x[i];
        return s;
    }
}
