namespace Backprop.Kernels;

/// <summary>
/// Takes a product's C tile by tile as the GEMM finishes it, instead of C being stored: an epilogue. Each element's
/// final value arrives exactly once, C[row0 + r, col0 + j] at <c>tile[r·stride + j]</c> for r &lt; rows, j &lt; cols.
/// Tiles are disjoint and arrive on several threads at once, in no fixed order; the tile memory is scratch the sink
/// may overwrite and must not keep.
/// </summary>
/// <remarks>
/// Used to apply an update rule to a weight matrix while its gradient is computed (dW = Xᵀ·dout): the gradient
/// tile is still in L1, so it never travels to memory and back, and the rule's own reads and writes overlap the
/// product's arithmetic.
/// </remarks>
internal unsafe interface IGemmTileSink<T> where T : unmanaged
{
    void Take(T* tile, int stride, int row0, int col0, int rows, int cols);
}
