using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Backprop.Kernels;
using Backprop.Tensors;

namespace Backprop.Layers;

public static partial class Layer
{
    /// <summary>
    /// Softmax (cross-entropy) loss averaged over the batch, numerically stable (each row shifted by its maximum).
    /// </summary>
    /// <param name="x">Scores of shape (N, C).</param>
    /// <param name="y">Labels of length N, each in [0, C).</param>
    /// <param name="ws">Optional workspace for dx.</param>
    /// <returns>The loss and its gradient dx with respect to x, shape (N, C).</returns>
    /// <remarks>
    /// Large score matrices are split in fixed blocks of rows (<see cref="Chunks"/>) over the pool's threads; each row's
    /// loss goes to its own slot and the slots are added in row order, so the result does not depend on the thread count.
    /// </remarks>
    /// <exception cref="ArgumentNullException">x or y is null.</exception>
    /// <exception cref="ArgumentException">x is not (N, C) with N and C positive, or y does not hold N labels; a label outside [0, C) is an <see cref="ArgumentOutOfRangeException"/> naming it.</exception>
    public static unsafe (double Loss, NDArray<T> Dx) SoftmaxLoss<T>(NDArray<T> x, int[] y, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckScores(x, y, "SoftmaxLoss");
        var dx = Alloc.New<T>(ws, n, c);
        if (!Chunks.Parallel((long)n * c))
        {
            double loss = 0;
            for (int i = 0; i < n; i++) loss += SoftmaxRow(x.Row(i), dx.Row(i), y[i], n);
            return (loss / n, dx);
        }
        var rowLoss = Alloc.New<double>(ws, n);
        int rowsPerPiece = Math.Max(1, Chunks.Size / c);
        fixed (T* px = x.AsSpan(), pd = dx.AsSpan())
        fixed (int* py = y)
        fixed (double* pl = rowLoss.AsSpan())
        {
            var call = new SoftmaxCall<T>(px, pd, py, pl, n, c, rowsPerPiece);
            Parallelism.For((n + rowsPerPiece - 1) / rowsPerPiece, in call, static (int piece, in SoftmaxCall<T> s) =>
            {
                int end = Math.Min(s.N, (piece + 1) * s.RowsPerPiece);
                for (int i = piece * s.RowsPerPiece; i < end; i++)
                    s.Loss[i] = SoftmaxRow(new ReadOnlySpan<T>(s.X + (long)i * s.C, s.C), new Span<T>(s.Dx + (long)i * s.C, s.C), s.Y[i], s.N);
            });
        }
        double total = 0;
        foreach (var l in rowLoss.AsSpan()) total += l;
        return (total / n, dx);
    }

    /// <summary>One row: p = softmax(row) into <paramref name="p"/>, scaled by 1/n, minus 1/n at the label; returns the row's loss.</summary>
    private static unsafe double SoftmaxRow<T>(ReadOnlySpan<T> row, Span<T> p, int label, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            fixed (T* pr = row, pp = p) return SoftmaxRows.Row((float*)pr, (float*)pp, row.Length, label, n);
        T max = TensorPrimitives.Max<T>(row);
        TensorPrimitives.Subtract(row, max, p);
        TensorPrimitives.Exp<T>(p, p);
        double sum = double.CreateTruncating(WideSums.Sum<T>(p));
        double loss = Math.Log(sum) - double.CreateTruncating(row[label] - max);
        TensorPrimitives.Multiply(p, T.CreateTruncating(1.0 / (sum * n)), p);
        p[label] -= T.One / T.CreateTruncating(n);
        return loss;
    }

    /// <summary>Pinned operands of a parallel softmax loss.</summary>
    private readonly unsafe struct SoftmaxCall<T>(T* x, T* dx, int* y, double* loss, int n, int c, int rowsPerPiece) where T : unmanaged
    {
        public T* X { get; } = x;
        public T* Dx { get; } = dx;
        public int* Y { get; } = y;
        public double* Loss { get; } = loss;
        public int N { get; } = n;
        public int C { get; } = c;
        public int RowsPerPiece { get; } = rowsPerPiece;
    }

    /// <summary>
    /// Multiclass SVM (hinge) loss with margin 1, averaged over the batch, as CS231n's <c>svm_loss</c>: the margins
    /// <c>max(0, x − x_y + 1)</c> (0 at the label) summed in NumPy's order, so the notebooks' numerical-gradient errors
    /// come out to their digits; NaN when a row with more than one class holds a NaN score, as <c>np.maximum</c> gives.
    /// </summary>
    /// <param name="x">Scores of shape (N, C).</param>
    /// <param name="y">Labels of length N, each in [0, C).</param>
    /// <param name="ws">Optional workspace for dx.</param>
    /// <returns>The loss and its gradient dx, shape (N, C).</returns>
    /// <exception cref="ArgumentNullException">x or y is null.</exception>
    /// <exception cref="ArgumentException">x is not (N, C) with N and C positive, or y does not hold N labels; a label outside [0, C) is an <see cref="ArgumentOutOfRangeException"/> naming it.</exception>
    public static (double Loss, NDArray<T> Dx) SvmLoss<T>(NDArray<T> x, int[] y, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckScores(x, y, "SvmLoss");
        var dx = Alloc.New<T>(ws, n, c);
        var xs = x.AsSpan();
        var ds = dx.AsSpan();
        var margins = ArrayPool<double>.Shared.Rent(n * c);
        T nT = T.CreateTruncating(n), invN = T.One / nT;
        for (int i = 0; i < n; i++)
        {
            var row = xs.Slice(i * c, c);
            var g = ds.Slice(i * c, c);
            T correct = row[y[i]];
            int positive = 0;
            for (int j = 0; j < c; j++)
            {
                T margin = row[j] - correct + T.One;
                // np.maximum(0, NaN) is NaN: it reaches the sum, but not the gradient (margins > 0 is false).
                margins[i * c + j] = j == y[i] ? 0 : Math.Max(0, double.CreateTruncating(margin));
                bool counted = j != y[i] && margin > T.Zero;
                g[j] = counted ? invN : T.Zero;
                if (counted) positive++;
            }
            // (0 − count)/N, as the course's dx[y] -= num_pos; dx /= N: one rounding, and +0 where no margin counts
            // (−count·(1/N) rounds twice, −0.6000000000000001 for 3/5, and is −0 at a count of 0).
            g[y[i]] = (T.Zero - T.CreateTruncating(positive)) / nT;
        }
        double loss = PairwiseSum.Of(margins.AsSpan(0, n * c)) / n;
        ArrayPool<double>.Shared.Return(margins);
        return (loss, dx);
    }

    private static (int N, int C) CheckScores<T>(NDArray<T> x, int[] y, string who) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank != 2) throw new ArgumentException($"{who}: scores must have shape (N, C), got {x.ShapeString}.", nameof(x));
        int n = x.Dim(0), c = x.Dim(1);
        if (n == 0) throw new ArgumentException($"{who}: empty batch (N = 0).", nameof(x));
        if (c == 0) throw new ArgumentException($"{who}: scores have no classes (C = 0).", nameof(x));
        CheckLabels(y, n, c, who, "score rows");
        return (n, c);
    }

    /// <summary>Refuses labels that are not n class indices in [0, c).</summary>
    internal static void CheckLabels(int[] y, int n, int c, string who, string rows = "samples")
    {
        ArgumentNullException.ThrowIfNull(y);
        if (y.Length != n) throw new ArgumentException($"{who}: {n} {rows} but {y.Length} labels.", nameof(y));
        for (int i = 0; i < n; i++)
            if ((uint)y[i] >= (uint)c) throw new ArgumentOutOfRangeException(nameof(y), $"{who}: label y[{i}] = {y[i]} is outside [0, {c}).");
    }
}
