namespace Backprop.Kernels;

/// <summary>
/// The fixed partition of a (rows × cols) matrix into blocks of whole rows, for column reductions and the per-element
/// passes after them. A blocked reduction sums each block's rows in order into a partial, then adds the partials in
/// block order. Whether and how a matrix is blocked depends on its shape alone, never on the thread count, so results
/// are bit-identical on any number of threads.
/// </summary>
/// <remarks>
/// A training batch (100 × 500) is two blocks, its row halves: each core sums the rows it wrote itself (a product's
/// rows, a batch-norm pass's rows), instead of reading down columns into the other core's rows, which cost most while
/// the host kept the two virtual CPUs on different CCDs. Tall matrices are blocks of about <see cref="Size"/> rows.
/// </remarks>
internal static class RowBlocks
{
    /// <summary>Most rows per block.</summary>
    public const int Size = 128;

    /// <summary>Matrices with fewer elements are one block (a split costs more than it saves).</summary>
    public const long MinElements = 16_384;

    /// <summary>Fewest rows a block has.</summary>
    public const int MinRows = 8;

    /// <summary>True when the matrix is split in blocks.</summary>
    public static bool Blocked(int rows, int cols) => (long)rows * cols >= MinElements && rows >= 2 * MinRows;

    /// <summary>Number of blocks: 1 when not blocked, else at least 2, of at most <see cref="Size"/> rows.</summary>
    public static int Count(int rows, int cols) => Blocked(rows, cols) ? Math.Max(2, (rows + Size - 1) / Size) : 1;

    /// <summary>First row and row count of block <paramref name="block"/>: near-equal runs of rows.</summary>
    public static (int Start, int Rows) Of(int block, int rows, int cols)
    {
        int count = Count(rows, cols);
        if (count == 1) return (0, rows);
        int start = Parallelism.SplitStart(rows, count, block);
        return (start, Parallelism.SplitStart(rows, count, block + 1) - start);
    }
}
