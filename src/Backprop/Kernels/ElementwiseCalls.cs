namespace Backprop.Kernels;

/// <summary>Pinned operands of an element-wise loop run in pieces: y = f(x) or y = f(x, z), <see cref="Length"/> elements each.</summary>
internal readonly unsafe struct ElementwiseCall<T> where T : unmanaged
{
    /// <summary>Operands of <paramref name="length"/> elements; <paramref name="runs"/> 0 means the pieces are <see cref="Chunks"/>, else this many near-equal contiguous runs (<see cref="Elementwise"/>'s training batches).</summary>
    public ElementwiseCall(T* x, T* z, T* y, long length, int runs = 0)
    {
        X = x;
        Z = z;
        Y = y;
        Length = length;
        Runs = runs;
    }

    public T* X { get; }
    public T* Z { get; }
    public T* Y { get; }
    public long Length { get; }
    public int Runs { get; }

    /// <summary>The runs of a training batch are written with streaming stores (<see cref="Streaming.Activations{T}"/>).</summary>
    public bool Stream { get; init; }

    /// <summary>Number of pieces.</summary>
    public int Pieces => Runs > 0 ? Runs : Chunks.Count(Length);

    /// <summary>Piece <paramref name="piece"/> of X.</summary>
    public ReadOnlySpan<T> XPiece(int piece) { var (s, n) = Of(piece); return new(X + s, n); }

    /// <summary>Piece <paramref name="piece"/> of Z.</summary>
    public ReadOnlySpan<T> ZPiece(int piece) { var (s, n) = Of(piece); return new(Z + s, n); }

    /// <summary>Piece <paramref name="piece"/> of Y.</summary>
    public Span<T> YPiece(int piece) { var (s, n) = Of(piece); return new(Y + s, n); }

    private (long Start, int Length) Of(int piece)
    {
        if (Runs == 0) return Chunks.Of(piece, Length);
        int start = Parallelism.SplitStart((int)Length, Runs, piece);
        return (start, Parallelism.SplitStart((int)Length, Runs, piece + 1) - start);
    }
}
