using Backprop.Kernels;

namespace Backprop.Training;

/// <summary>
/// Copies the sampled rows of the training set into the minibatch. The rows are scattered over hundreds of MiB, so the
/// copy waits on memory; for large batches the rows are split in fixed groups over the pool's threads (a copy, so the
/// result is the same on any thread count).
/// </summary>
internal static unsafe class MinibatchGather<T> where T : unmanaged
{
    /// <summary>Rows per piece.</summary>
    private const int RowsPerPiece = 16;

    private readonly struct Call(T* src, T* dst, int* idx, int rows, int d)
    {
        public T* Src { get; } = src;
        public T* Dst { get; } = dst;
        public int* Idx { get; } = idx;
        public int Rows { get; } = rows;
        public int D { get; } = d;
    }

    private static readonly ForBody<Call> Body = Piece;

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
            else Parallelism.For(pieces, in call, Body);
        }
    }

    private static void Piece(int piece, in Call c)
    {
        int end = Math.Min(c.Rows, (piece + 1) * RowsPerPiece);
        long bytes = (long)c.D * sizeof(T);
        for (int i = piece * RowsPerPiece; i < end; i++)
            Buffer.MemoryCopy(c.Src + (long)c.Idx[i] * c.D, c.Dst + (long)i * c.D, bytes, bytes);
    }
}
