namespace Backprop.Kernels;

/// <summary>
/// The fixed partition of long element-wise loops into pieces for <see cref="Parallelism.For{TState}"/>: piece
/// boundaries depend on the length alone, never on the thread count, so every result is the same on any number of
/// threads (and element-wise kernels give the same bits as one serial pass).
/// </summary>
internal static class Chunks
{
    /// <summary>Elements per piece: 64 Ki (256 KiB of float), large enough that claiming a piece costs nothing next to it.</summary>
    public const int Size = 1 << 16;

    /// <summary>
    /// Arrays shorter than this run on the calling thread: below ~1 MiB the data sits in cache and a pass takes a few
    /// microseconds, about what waking a worker costs.
    /// </summary>
    public const long ParallelMin = 1 << 18;

    /// <summary>Number of pieces of an array of <paramref name="length"/> elements.</summary>
    public static int Count(long length) => (int)((length + Size - 1) / Size);

    /// <summary>True when a loop over <paramref name="length"/> elements should be spread over the pool.</summary>
    public static bool Parallel(long length) => length >= ParallelMin && Parallelism.MaxThreads > 1;

    /// <summary>First element and length of piece <paramref name="piece"/>.</summary>
    public static (long Start, int Length) Of(int piece, long length)
    {
        long start = (long)piece * Size;
        return (start, (int)Math.Min(Size, length - start));
    }
}
