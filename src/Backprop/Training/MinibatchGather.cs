using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Training;

/// <summary>
/// Copies the sampled rows of the training set into the minibatch. The rows are scattered over hundreds of MiB, so the
/// copy waits on memory; for large batches the work is split over the pool's threads (a copy, so the result is the
/// same on any thread count): on two threads by columns, at the cut where the first layer's forward product splits K
/// (<see cref="Gemm.WeightRowSplit{T}"/>, for a layer wider than the narrow-tile limit, as every net's first layer
/// here), so each core writes the half of every sample it then multiplies; otherwise in fixed groups of rows.
/// </summary>
internal static unsafe class MinibatchGather<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows per piece.</summary>
    private const int RowsPerPiece = 16;

    private readonly struct Call(T* src, T* dst, int* idx, int rows, int d, int cut = 0)
    {
        public int Cut { get; } = cut;
        public T* Src { get; } = src;
        public T* Dst { get; } = dst;
        public int* Idx { get; } = idx;
        public int Rows { get; } = rows;
        public int D { get; } = d;
    }

    private static readonly ForBody<Call> Body = Piece;
    private static readonly ForBody<Call> HalfBody = HalfPiece;

    /// <summary><c>dst[i, :] = src[idx[i], :]</c> for every i; rows have <paramref name="d"/> values.</summary>
    public static void Run(ReadOnlySpan<T> src, int d, ReadOnlySpan<int> idx, Span<T> dst)
    {
        fixed (T* ps = src, pd = dst)
        fixed (int* pi = idx)
        {
            var call = new Call(ps, pd, pi, idx.Length, d);
            int pieces = (idx.Length + RowsPerPiece - 1) / RowsPerPiece;
            // Below ~256 KiB the copy takes microseconds: not worth a wake-up.
            if ((long)idx.Length * d * sizeof(T) < (256 << 10) || Parallelism.MaxThreads == 1)
                for (int p = 0; p < pieces; p++) Piece(p, in call);
            else if (Parallelism.MaxThreads == 2 && Gemm.WeightRowSplit<T>(d, FirstLayerUnits) is > 0 and var cut)
                Parallelism.For(2, new Call(ps, pd, pi, idx.Length, d, cut), HalfBody);
            else Parallelism.For(pieces, in call, Body);
        }
    }

    /// <summary>A first layer's width for the cut: any above the narrow-tile limit picks the same kernel.</summary>
    private const int FirstLayerUnits = 100;

    /// <summary>Columns [0, Cut) of every row, or [Cut, D).</summary>
    private static void HalfPiece(int piece, in Call c)
    {
        int c0 = piece == 0 ? 0 : c.Cut;
        Copy(in c, 0, c.Rows, c0, (piece == 0 ? c.Cut : c.D) - c0);
    }

    private static void Piece(int piece, in Call c) =>
        Copy(in c, piece * RowsPerPiece, Math.Min(c.Rows, (piece + 1) * RowsPerPiece), 0, c.D);

    /// <summary>Columns [c0, c0 + cols) of rows [begin, end), each sampled row fetched <see cref="Ahead"/> rows before its copy.</summary>
    private static void Copy(in Call c, int begin, int end, int c0, int cols)
    {
        long bytes = (long)cols * sizeof(T);
        for (int i = begin; i < Math.Min(begin + Ahead, end); i++) Fetch(c.Src + (long)c.Idx[i] * c.D + c0, bytes);
        for (int i = begin; i < end; i++)
        {
            if (i + Ahead < end) Fetch(c.Src + (long)c.Idx[i + Ahead] * c.D + c0, bytes);
            Buffer.MemoryCopy(c.Src + (long)c.Idx[i] * c.D + c0, c.Dst + (long)i * c.D + c0, bytes, bytes);
        }
    }

    /// <summary>
    /// Rows fetched ahead of the copy: the rows are random, so the hardware prefetcher only starts on each once its copy
    /// waits. Fashion-MNIST, one CCD, the gather 24 → 18 ms per epoch (3 runs each); 2 or 8 rows ahead did no better in
    /// isolation (100 rows of 784 floats from 60,000, one thread: 383 → 190–205 ns a row).
    /// </summary>
    private const int Ahead = 4;

    /// <summary>Asks for every line of <paramref name="bytes"/> from <paramref name="row"/>, into L2.</summary>
    private static void Fetch(T* row, long bytes)
    {
        for (byte* p = (byte*)row, end = p + bytes; p < end; p += 64) Simd.PrefetchL2(p);
    }
}
