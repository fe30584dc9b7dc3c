using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>
/// Adam applied to a weight matrix tile by tile as its gradient's GEMM finishes each tile: <c>g = tile + reg·w</c>,
/// then the same per-element update as <see cref="AdamKernel{T}"/>, row by row of the tile. The gradient never
/// reaches memory, and the loads and stores of w, m and v overlap the product's arithmetic.
/// </summary>
internal sealed unsafe class AdamTileSink<T> : IGemmTileSink<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private NDArray<T> _w = null!, _m = null!, _v = null!;
    private AdamCall<T> _step;
    private T _reg;

    /// <summary>Points the sink at this step's parameter (D, M), its moments and coefficients.</summary>
    public void Reset(NDArray<T> w, NDArray<T> m, NDArray<T> v, AdamCall<T> step, T reg)
        => (_w, _m, _v, _step, _reg) = (w, m, v, step, reg);

    /// <inheritdoc/>
    public void Take(T* tile, int stride, int row0, int col0, int rows, int cols)
    {
        int ld = _w.Dim(1);
        fixed (T* w = &_w.Buffer[_w.Offset], m = &_m.Buffer[_m.Offset], v = &_v.Buffer[_v.Offset])
        {
            nint first = (nint)row0 * ld + col0;
            // The driver sweeps each row panel left to right, then the next: start the next panel's lines of w, m
            // and v under this tile on their way to L2, a whole sweep (microseconds) ahead. Asking L1 for the next
            // tile's 90 lines at once instead overran its miss slots and stalled the FMAs: the CIFAR net's first-layer
            // backward took 1.13–1.46 s per epoch that way, 0.98–1.11 s this way (5 alternated pairs).
            int ahead = Math.Min(rows, _w.Dim(0) - row0 - rows), lines = cols * sizeof(T) / 64 + 1;
            for (int r = 0; r < ahead; r++)
            {
                nint o = first + (nint)(rows + r) * ld;
                for (int l = 0; l < lines; l++)
                {
                    Simd.PrefetchL2((byte*)(w + o) + 64 * l);
                    Simd.PrefetchL2((byte*)(m + o) + 64 * l);
                    Simd.PrefetchL2((byte*)(v + o) + 64 * l);
                }
            }
            for (int r = 0; r < rows; r++)
            {
                nint o = first + (nint)r * ld;
                T* g = tile + (nint)r * stride;
                if (_reg != T.Zero) Elementwise.AddScaled(w + o, _reg, g, cols);
                AdamKernel<T>.Row(in _step, w + o, g, m + o, v + o, cols);
            }
        }
    }
}
