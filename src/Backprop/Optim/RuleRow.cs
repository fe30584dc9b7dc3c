using System.Numerics;

namespace Backprop.Optim;

/// <summary>
/// One update rule's step over consecutive elements, its coefficients fixed for the step: the parameter at
/// <c>w</c>, its gradient at <c>g</c>, the rule's state arrays (0, 1 or 2 of them) at <c>s0</c> and <c>s1</c>.
/// The same body serves the separate pass over the whole parameter (<see cref="RowPass{T, TRow}"/>) and the pass fused
/// into the gradient's product (<see cref="TiledStepSink{T, TRow}"/>), so both give the same bits.
/// </summary>
internal unsafe interface IRuleRow<T> where T : unmanaged
{
    /// <summary>Updates <paramref name="count"/> parameters (and the state there) from their gradients.</summary>
    void Apply(T* w, T* g, T* s0, T* s1, long count);
}

/// <summary>A rule's row applied to a range of a whole parameter whose gradient is stored (pointers pinned for the pass).</summary>
internal readonly unsafe struct RowPass<T, TRow>(in TRow row, T* w, T* dw, T* s0, T* s1) : IParameterPass
    where T : unmanaged, IFloatingPointIeee754<T> where TRow : struct, IRuleRow<T>
{
    private readonly TRow _row = row;

    /// <inheritdoc/>
    public void Range(long start, long count) => _row.Apply(w + start, dw + start, s0 + start, s1 + start, count);
}
