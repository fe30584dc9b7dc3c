namespace Backprop.Kernels;

/// <summary>
/// The fixed partition of a large (rows × cols) matrix into blocks of whole rows, for column reductions and the
/// per-element passes after them: blocks stream contiguous memory. A blocked reduction sums each block's rows in order
/// into a partial, then adds the partials in block order. Whether and how a matrix is blocked depends on its shape
/// alone, never on the thread count, so results are bit-identical on any number of threads; a matrix of at most
/// <see cref="Size"/> rows (every training batch of the notebooks) is one block, summed row by row as before.
/// </summary>
internal static class RowBlocks
{
    /// <summary>Rows per block.</summary>
    public const int Size = 128;

    /// <summary>True when the matrix is split in blocks: large (see <see cref="Chunks.ParallelMin"/>) and taller than one block.</summary>
    public static bool Blocked(int rows, int cols) => (long)rows * cols >= Chunks.ParallelMin && rows > Size;

    /// <summary>Number of blocks (1 when not blocked).</summary>
    public static int Count(int rows, int cols) => Blocked(rows, cols) ? (rows + Size - 1) / Size : 1;

    /// <summary>First row and row count of block <paramref name="block"/>.</summary>
    public static (int Start, int Rows) Of(int block, int rows, int cols)
    {
        if (!Blocked(rows, cols)) return (0, rows);
        int start = block * Size;
        return (start, Math.Min(Size, rows - start));
    }
}
