using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop.Optim;

/// <summary>One Adam step's coefficients, applied to a row of w, its gradient, m (s0) and v (s1).</summary>
internal readonly unsafe struct AdamCall<T> : IRuleRow<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T B1 { get; init; }
    public T B2 { get; init; }
    public T Om1 { get; init; }
    public T Om2 { get; init; }
    public T C1 { get; init; }
    public T C2 { get; init; }
    public T Lr { get; init; }
    public T Eps { get; init; }

    /// <inheritdoc/>
    public void Apply(T* w, T* g, T* s0, T* s1, long count) => AdamKernel<T>.Row(in this, w, g, s0, s1, count);
}

/// <summary>
/// The Adam update as one pass over w, dw, m and v (28 bytes per float parameter), spread over the threads by
/// <see cref="ParameterPass"/>; each element sees the same operations, in the same order, as the scalar formula.
/// </summary>
internal static unsafe class AdamKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The update of <paramref name="count"/> consecutive parameters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(in AdamCall<T> c, T* w, T* dw, T* m, T* v, long count)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported)
        {
            var b1 = Vector512.Create(c.B1); var b2 = Vector512.Create(c.B2);
            var om1 = Vector512.Create(c.Om1); var om2 = Vector512.Create(c.Om2);
            var c1 = Vector512.Create(c.C1); var c2 = Vector512.Create(c.C2);
            var lr = Vector512.Create(c.Lr); var eps = Vector512.Create(c.Eps);
            for (; i <= count - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var g = Vector512.Load(dw + i);
                var nm = b1 * Vector512.Load(m + i) + om1 * g;
                var nv = b2 * Vector512.Load(v + i) + om2 * g * g;
                nm.Store(m + i);
                nv.Store(v + i);
                (Vector512.Load(w + i) - lr * (nm * c1) / (Vector512.Sqrt(nv * c2) + eps)).Store(w + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported)
        {
            var b1 = Vector256.Create(c.B1); var b2 = Vector256.Create(c.B2);
            var om1 = Vector256.Create(c.Om1); var om2 = Vector256.Create(c.Om2);
            var c1 = Vector256.Create(c.C1); var c2 = Vector256.Create(c.C2);
            var lr = Vector256.Create(c.Lr); var eps = Vector256.Create(c.Eps);
            for (; i <= count - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var g = Vector256.Load(dw + i);
                var nm = b1 * Vector256.Load(m + i) + om1 * g;
                var nv = b2 * Vector256.Load(v + i) + om2 * g * g;
                nm.Store(m + i);
                nv.Store(v + i);
                (Vector256.Load(w + i) - lr * (nm * c1) / (Vector256.Sqrt(nv * c2) + eps)).Store(w + i);
            }
        }
        for (; i < count; i++)
        {
            m[i] = c.B1 * m[i] + c.Om1 * dw[i];
            v[i] = c.B2 * v[i] + c.Om2 * dw[i] * dw[i];
            w[i] -= c.Lr * (m[i] * c.C1) / (T.Sqrt(v[i] * c.C2) + c.Eps);
        }
    }
}
