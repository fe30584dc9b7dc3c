using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Backprop.Kernels;

namespace Backprop.Optim;

/// <summary>One Adam step's operands (pinned) and coefficients.</summary>
internal readonly unsafe struct AdamCall<T> where T : unmanaged
{
    public T* W { get; init; }
    public T* Dw { get; init; }
    public T* M { get; init; }
    public T* V { get; init; }
    public long Length { get; init; }
    /// <summary>
    /// Where two threads split the parameters, when they are a weight matrix: its row split (<see cref="Gemm.WeightRowSplit{T}"/>)
    /// times its columns, so each core updates the rows its own products read and wrote; 0 for any other parameter.
    /// </summary>
    public long TwoThreadCut { get; init; }
    public T B1 { get; init; }
    public T B2 { get; init; }
    public T Om1 { get; init; }
    public T Om2 { get; init; }
    public T C1 { get; init; }
    public T C2 { get; init; }
    public T Lr { get; init; }
    public T Eps { get; init; }
}

/// <summary>
/// The Adam update as one pass over w, dw, m and v: memory-bound (28 bytes per float parameter), so large parameters are
/// split in fixed pieces (<see cref="Chunks"/>) over the pool's threads. Element-wise, so any split gives the same bits;
/// each element sees the same operations, in the same order, as the scalar formula.
/// </summary>
internal static unsafe class AdamKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ForBody<AdamCall<T>> Body = Piece;
    private static readonly ForBody<AdamCall<T>> HalfBody = Half;

    public static void Run(in AdamCall<T> c)
    {
        // 28 bytes of memory traffic per float parameter: two pieces already repay a wake-up (W2 of a 500 × 500 layer splits in four).
        if (c.Length < 2 * Chunks.Size || Parallelism.MaxThreads == 1) Range(in c, 0, c.Length);
        // On two threads, a weight matrix is split where its products split it. Cut at 64 Ki-element chunks instead, a
        // 500 × 500 layer's rows 252–262 were read or written by the other core every step: with the two vCPUs on two
        // CCDs a hidden layer's pass took 42–47 ms per Fashion-MNIST epoch against 31–34, the first layer's 61 against
        // 45–51 (medians of 1–13 epochs per placement, alternated); on one CCD, level (33.4 against 33.3).
        else if (c.TwoThreadCut > 0 && c.TwoThreadCut < c.Length && Parallelism.MaxThreads == 2) Parallelism.For(2, in c, HalfBody);
        else Parallelism.For(Chunks.Count(c.Length), in c, Body);
    }

    private static void Piece(int piece, in AdamCall<T> c)
    {
        var (start, n) = Chunks.Of(piece, c.Length);
        Range(in c, start, n);
    }

    private static void Half(int piece, in AdamCall<T> c)
    {
        if (piece == 0) Range(in c, 0, c.TwoThreadCut);
        else Range(in c, c.TwoThreadCut, c.Length - c.TwoThreadCut);
    }

    private static void Range(in AdamCall<T> c, long start, long count) =>
        Row(in c, c.W + start, c.Dw + start, c.M + start, c.V + start, count);

    /// <summary>The update of <paramref name="count"/> consecutive parameters (the pointers in <paramref name="c"/> are not used).</summary>
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
