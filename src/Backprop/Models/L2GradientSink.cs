using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Models;

/// <summary>
/// The L2 term's share of a weight gradient added in the product's epilogue: <c>dW = Xᵀ·dout + reg·W</c> stored tile by
/// tile as the GEMM finishes it, instead of a second pass that reads W and dW back from memory after the product. The
/// same bits as that pass (<see cref="Elementwise.AddScaled{T}(ReadOnlySpan{T}, T, Span{T})"/>: the product rounded,
/// then the sum).
/// </summary>
internal sealed unsafe class L2GradientSink<T> : IGemmTileSink<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Weight matrices at least this large (bytes) take the sink; smaller ones sit in L2, where the pass after the
    /// product is cheap, and the sink's row-by-row product would be slower than the plain one. Settable for tests.
    /// </summary>
    internal static long MinBytes { get; set; } = 4L << 20;

    private NDArray<T> _w = null!;
    private T _reg;

    /// <summary>True when <paramref name="w"/> (D, M) is large enough to take the sink.</summary>
    public static bool Pays(NDArray<T> w) => w.Rank == 2 && (long)w.Size * sizeof(T) >= MinBytes;

    /// <summary>Points the sink at this step's weights (D, M) and strength.</summary>
    public L2GradientSink<T> For(NDArray<T> w, T reg)
    {
        (_w, _reg) = (w, reg);
        return this;
    }

    /// <inheritdoc/>
    public void Take(T* tile, int stride, T* c, int ldc, int row0, int col0, int rows, int cols)
    {
        int ld = _w.Dim(1);
        fixed (T* w = &_w.Buffer[_w.Offset])
            for (int r = 0; r < rows; r++)
                Elementwise.AddScaled(w + (nint)(row0 + r) * ld + col0, _reg, tile + (nint)r * stride, c + (nint)r * ldc, cols);
    }
}
