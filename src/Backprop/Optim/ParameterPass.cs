using System.Numerics;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Optim;

/// <summary>One update rule's element-wise pass over a parameter, on pinned pointers: the rule, element by element.</summary>
internal interface IParameterPass
{
    /// <summary>Updates elements [start, start + count) (and the rule's state there).</summary>
    void Range(long start, long count);
}

/// <summary>
/// How an element-wise update pass is spread over the kernels' threads. Memory-bound (16–28 bytes per float
/// parameter), so a parameter below two 64 Ki-element pieces runs on the calling thread. On two threads a weight
/// matrix is cut where its products cut it (<see cref="TwoThreadCut{T}"/>), so each core updates the rows its own
/// products read and wrote; otherwise it goes in fixed pieces (<see cref="Chunks"/>). Element-wise, so every split
/// gives the same bits.
/// </summary>
internal static class ParameterPass
{
    /// <summary>Runs <paramref name="pass"/> over <paramref name="length"/> elements.</summary>
    /// <param name="pass">The rule's pass, its pointers pinned for the call.</param>
    /// <param name="length">Elements of the parameter.</param>
    /// <param name="twoThreadCut">Where two threads split them (<see cref="TwoThreadCut{T}"/>); 0: in chunks.</param>
    public static void Run<TPass>(in TPass pass, long length, long twoThreadCut) where TPass : struct, IParameterPass
    {
        if (length < 2 * Chunks.Size || Parallelism.MaxThreads == 1) { pass.Range(0, length); return; }
        var split = new Split<TPass>(pass, length, twoThreadCut);
        // Cut at 64 Ki-element chunks instead, a 500 × 500 layer's rows 252–262 were read or written by the other core
        // every step: with the two vCPUs on two CCDs Adam's pass over a hidden layer took 42–47 ms per Fashion-MNIST
        // epoch against 31–34, the first layer's 61 against 45–51 (medians of 1–13 epochs per placement, alternated);
        // on one CCD, level (33.4 against 33.3).
        if (twoThreadCut > 0 && twoThreadCut < length && Parallelism.MaxThreads == 2) Parallelism.For(2, in split, Bodies<TPass>.Half);
        else Parallelism.For(Chunks.Count(length), in split, Bodies<TPass>.Chunk);
    }

    /// <summary>
    /// Where two threads split the elements of parameter <paramref name="like"/>: for a weight matrix, its row split
    /// (<see cref="Gemm.WeightRowSplit{T}"/>) times its columns; 0 for any other shape.
    /// </summary>
    public static long TwoThreadCut<T>(NDArray<T> like) where T : unmanaged, IFloatingPointIeee754<T> =>
        like.Rank == 2 ? (long)Gemm.WeightRowSplit<T>(like.Dim(0), like.Dim(1)) * like.Dim(1) : 0;

    private readonly struct Split<TPass>(TPass pass, long length, long cut) where TPass : struct, IParameterPass
    {
        public readonly TPass Pass = pass;
        public readonly long Length = length;
        public readonly long Cut = cut;
    }

    private static class Bodies<TPass> where TPass : struct, IParameterPass
    {
        public static readonly ForBody<Split<TPass>> Chunk = (int piece, in Split<TPass> s) =>
        {
            var (start, n) = Chunks.Of(piece, s.Length);
            s.Pass.Range(start, n);
        };

        public static readonly ForBody<Split<TPass>> Half = (int piece, in Split<TPass> s) =>
        {
            if (piece == 0) s.Pass.Range(0, s.Cut);
            else s.Pass.Range(s.Cut, s.Length - s.Cut);
        };
    }
}
