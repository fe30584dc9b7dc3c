namespace Backprop.Kernels;

/// <summary>Pinned operands of an element-wise loop run in pieces: y = f(x) or y = f(x, z), <see cref="Length"/> elements each.</summary>
internal readonly unsafe struct ElementwiseCall<T> where T : unmanaged
{
    public ElementwiseCall(T* x, T* z, T* y, long length)
    {
        X = x;
        Z = z;
        Y = y;
        Length = length;
    }

    public T* X { get; }
    public T* Z { get; }
    public T* Y { get; }
    public long Length { get; }

    /// <summary>Piece <paramref name="piece"/> of X.</summary>
    public ReadOnlySpan<T> XPiece(int piece) { var (s, n) = Chunks.Of(piece, Length); return new(X + s, n); }

    /// <summary>Piece <paramref name="piece"/> of Z.</summary>
    public ReadOnlySpan<T> ZPiece(int piece) { var (s, n) = Chunks.Of(piece, Length); return new(Z + s, n); }

    /// <summary>Piece <paramref name="piece"/> of Y.</summary>
    public Span<T> YPiece(int piece) { var (s, n) = Chunks.Of(piece, Length); return new(Y + s, n); }
}
