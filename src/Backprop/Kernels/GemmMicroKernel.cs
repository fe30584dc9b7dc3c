using System.Numerics;

namespace Backprop.Kernels;

/// <summary>
/// A register-blocked micro-kernel: one MR×NR tile of C from a packed A micro-panel and a B micro-panel.
/// Every C element is one fused chain over p = 0..kc-1 in a single lane, so its value never depends on where the tile
/// sits or which thread runs it.
/// </summary>
internal unsafe interface IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rows of the C tile (and of an A micro-panel).</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the C tile (and of a B micro-panel).</summary>
    static abstract int NR { get; }

    /// <summary>
    /// C[r, j] (+)= Σ_p a[p·lda + r] · b[p·ldb + j] for r &lt; MR, j &lt; NR, where C[r, j] = c[r·ldc + j].
    /// <paramref name="a"/> holds kc rows of MR values with row stride <paramref name="lda"/>: a packed A micro-panel
    /// (lda = MR), or MR adjacent columns of a row-major Aᵀ read in place (lda = its row length).
    /// <paramref name="b"/> holds kc rows of NR values with row stride <paramref name="ldb"/> (NR when packed, or n when
    /// read straight from a row-major B).
    /// </summary>
    static abstract void Run(T* a, nint lda, T* b, nint ldb, int kc, T* c, nint ldc, bool add);
}
