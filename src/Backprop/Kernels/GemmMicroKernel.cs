using System.Numerics;
using System.Runtime.CompilerServices;

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
    /// C[r, j] (+)= Σ_p A(r, p) · b[p·ldb + j] for r &lt; MR, j &lt; NR, where C[r, j] = c[r·ldc + j] and A(r, p) is
    /// value r of step p of the walk <paramref name="a"/>: a packed A micro-panel or a transposed A read in place
    /// (<see cref="StepWalk{T}"/>), or MR rows of a row-major A read in place (<see cref="RowWalk{T}"/>); the same values
    /// in the same order give the same bits. <paramref name="b"/> holds kc rows of NR values with row stride
    /// <paramref name="ldb"/> (NR when packed). Implementations are compiled once per walk (a struct type argument), and
    /// are not inlined into the driver's loops, which would put the accumulators beside the driver's state.
    /// </summary>
    static abstract void Tile<TWalk>(TWalk a, T* b, nint ldb, int kc, T* c, nint ldc, bool add) where TWalk : struct, IAWalk<T>;

    /// <summary>Whether the driver should read a row-major A's panels in place (<see cref="RowWalk{T}"/>) rather than pack them.</summary>
    static virtual bool RunsRowsInPlace => false;

    /// <summary>
    /// Whether the driver should read a transposed A's panels in place (a <see cref="StepWalk{T}"/> with lda = m) rather
    /// than pack them. Their kc lines, one per step, can fall in few L1 sets (m = 3072 floats puts them all in one), so
    /// they come from L2: on the Zen 4 the wide kernel's 24 FMAs per line hid that (dW 100 × 3072 × 500 192–207 →
    /// 212–215 GFLOP/s), a 6 × 16 tile's 12 did not (the AVX2 kernel fell from 204–208 to 162–164). On the Xeon they did
    /// not either, so such strides are packed for every kernel (<see cref="GemmCall{T}.AStepsInPlace"/>).
    /// </summary>
    static virtual bool ReadsStepsInPlace => false;

    /// <summary>
    /// Whether each of the kernel's B loads is a whole 64-byte line (the AVX-512 kernels). From a row that starts off a
    /// line every such load straddles two, which the Xeon pays for more than a copy costs, so the driver packs those
    /// rows when enough A panels share the copy (<see cref="Simd.RowsStartOnLines"/>,
    /// <see cref="GemmPlan.PackStraddlingBFromPanels"/>). The AVX2 kernel's 32-byte loads straddle half as often, and
    /// it read such rows in place faster than packed there.
    /// </summary>
    static virtual bool LoadsWholeLinesOfB => false;
}

/// <summary>How a micro-kernel walks A: the MR values of the current step, then the next step.</summary>
internal unsafe interface IAWalk<T> where T : unmanaged
{
    /// <summary>Value <paramref name="r"/> (row r of the tile) of the current step.</summary>
    T this[int r] { get; }

    /// <summary>Whether each step's values sit side by side from <see cref="Current"/>, so a kernel may load them as vectors.</summary>
    static abstract bool SideBySide { get; }

    /// <summary>The current step's value 0; with <see cref="SideBySide"/>, value r is at <c>Current + r</c>.</summary>
    T* Current { get; }

    void Next();
}

/// <summary>
/// Steps <c>lda</c> apart, each step's MR values side by side: a packed panel (lda = MR), or a transposed A read in place
/// (lda = its row length).
/// </summary>
internal unsafe struct StepWalk<T>(T* a, nint lda) : IAWalk<T> where T : unmanaged
{
    private T* _a = a;

    public readonly T this[int r]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _a[r];
    }

    public static bool SideBySide => true;

    public readonly T* Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next() => _a += lda;
}

/// <summary>MR rows <c>lda</c> apart, each step the next value along them: a row-major A read in place.</summary>
internal unsafe struct RowWalk<T>(T* a, nint lda) : IAWalk<T> where T : unmanaged
{
    private T* _a = a;

    public readonly T this[int r]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _a[r * lda];
    }

    public static bool SideBySide => false;

    public readonly T* Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Next() => _a++;
}
