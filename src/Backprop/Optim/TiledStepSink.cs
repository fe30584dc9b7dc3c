using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>
/// An update rule applied to a weight matrix tile by tile as its gradient's GEMM finishes each tile: <c>g = tile + reg·w</c>,
/// then the rule's row (<typeparamref name="TRow"/>, the same body as its separate pass) row by row of the tile. The
/// gradient never reaches memory, and the loads and stores of w and the rule's state overlap the product's arithmetic.
/// </summary>
internal sealed unsafe class TiledStepSink<T, TRow> : IGemmTileSink<T>
    where T : unmanaged, IFloatingPointIeee754<T> where TRow : struct, IRuleRow<T>
{
    private NDArray<T> _w = null!;
    private NDArray<T>? _s0, _s1;
    private TRow _row;
    private T _reg;

    /// <summary>Points the sink at this step's parameter (D, M), the rule's state arrays of its shape (or null) and row.</summary>
    public void Reset(NDArray<T> w, NDArray<T>? s0, NDArray<T>? s1, in TRow row, T reg)
        => (_w, _s0, _s1, _row, _reg) = (w, s0, s1, row, reg);

    /// <inheritdoc/>
    public void Take(T* tile, int stride, int row0, int col0, int rows, int cols)
    {
        int ld = _w.Dim(1);
        // Arrays a user wraps (NDArray.FromArray) are not pinned: fix them for the tile.
        fixed (T* bw = _w.Buffer, b0 = _s0?.Buffer, b1 = _s1?.Buffer)
        {
            T* w = bw + _w.Offset;
            T* s0 = b0 == null ? null : b0 + _s0!.Offset;
            T* s1 = b1 == null ? null : b1 + _s1!.Offset;
            nint first = (nint)row0 * ld + col0;
            // The driver sweeps each row panel left to right, then the next: start the next panel's lines of w and the
            // state under this tile on their way to L2, a whole sweep (microseconds) ahead. Asking L1 for the next
            // tile's 90 lines at once instead overran its miss slots and stalled the FMAs: the CIFAR net's first-layer
            // backward took 1.13–1.46 s per epoch that way, 0.98–1.11 s this way (Adam, 5 alternated pairs).
            int ahead = Math.Min(rows, _w.Dim(0) - row0 - rows), lines = cols * sizeof(T) / 64 + 1;
            for (int r = 0; r < ahead; r++)
            {
                nint o = first + (nint)(rows + r) * ld;
                for (int l = 0; l < lines; l++)
                {
                    Simd.PrefetchL2((byte*)(w + o) + 64 * l);
                    if (s0 != null) Simd.PrefetchL2((byte*)(s0 + o) + 64 * l);
                    if (s1 != null) Simd.PrefetchL2((byte*)(s1 + o) + 64 * l);
                }
            }
            for (int r = 0; r < rows; r++)
            {
                nint o = first + (nint)r * ld;
                T* g = tile + (nint)r * stride;
                if (_reg != T.Zero) Elementwise.AddScaled(w + o, _reg, g, cols);
                _row.Apply(w + o, g, s0 + o, s1 + o, cols);
            }
        }
    }
}
