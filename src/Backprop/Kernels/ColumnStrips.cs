namespace Backprop.Kernels;

/// <summary>
/// The fixed partition of a (rows × cols) matrix into column strips, for column reductions (batch-norm statistics, bias
/// gradients) and the passes that follow them. Strips depend on the shape alone; each column is handled by exactly one
/// piece, rows in order, so results are bit-identical to a serial pass on any thread count.
/// </summary>
internal static class ColumnStrips
{
    /// <summary>Columns per strip: 1024 floats are 4 KiB of each row, long enough to stream from memory at full speed.</summary>
    public const int Width = 1024;

    /// <summary>True when the matrix is large enough to spread over the pool (see <see cref="Chunks.ParallelMin"/>) and has more than one strip.</summary>
    public static bool Parallel(int rows, int cols) => (long)rows * cols >= Chunks.ParallelMin && cols > Width && Parallelism.MaxThreads > 1;

    /// <summary>Number of strips (1 when the matrix is not split).</summary>
    public static int Count(int rows, int cols) => Parallel(rows, cols) ? (cols + Width - 1) / Width : 1;

    /// <summary>First column and width of strip <paramref name="strip"/>.</summary>
    public static (int Start, int Width) Of(int strip, int rows, int cols)
    {
        if (!Parallel(rows, cols)) return (0, cols);
        int start = strip * Width;
        return (start, Math.Min(Width, cols - start));
    }
}

/// <summary>Pinned operands of a column-strip loop over (rows × cols) matrices A and B (B may be null), with (cols)- or
/// (rows × cols)-sized outputs.</summary>
internal readonly unsafe struct ColumnCall<T> where T : unmanaged
{
    public ColumnCall(T* a, T* b, T* @out, T* out2, int rows, int cols)
    {
        A = a;
        B = b;
        Out = @out;
        Out2 = out2;
        Rows = rows;
        Cols = cols;
    }

    public T* A { get; }
    public T* B { get; }
    public T* Out { get; }
    public T* Out2 { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Columns [j0, j0 + w) of row <paramref name="i"/> of the (rows × cols) matrix at <paramref name="p"/>.</summary>
    public Span<T> Row(T* p, int i, int j0, int w) => new(p + (long)i * Cols + j0, w);
}
