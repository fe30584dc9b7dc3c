using System.Numerics;
using System.Numerics.Tensors;
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
    public static (double Loss, NDArray<T> Dx) SoftmaxLoss<T>(NDArray<T> x, int[] y, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckScores(x, y, "SoftmaxLoss");
        var dx = Alloc.New<T>(ws, n, c);
        var xs = x.AsSpan();
        var ds = dx.AsSpan();
        double loss = 0;
        T invN = T.One / T.CreateTruncating(n);
        for (int i = 0; i < n; i++)
        {
            var row = xs.Slice(i * c, c);
            var p = ds.Slice(i * c, c);
            T max = TensorPrimitives.Max<T>(row);
            TensorPrimitives.Subtract(row, max, p);
            TensorPrimitives.Exp<T>(p, p);
            double sum = double.CreateTruncating(TensorPrimitives.Sum<T>(p));
            loss += Math.Log(sum) - double.CreateTruncating(row[y[i]] - max);
            TensorPrimitives.Multiply(p, T.CreateTruncating(1.0 / (sum * n)), p);
            p[y[i]] -= invN;
        }
        return (loss / n, dx);
    }

    /// <summary>Multiclass SVM (hinge) loss with margin 1, averaged over the batch.</summary>
    /// <param name="x">Scores of shape (N, C).</param>
    /// <param name="y">Labels of length N, each in [0, C).</param>
    /// <param name="ws">Optional workspace for dx.</param>
    /// <returns>The loss and its gradient dx, shape (N, C).</returns>
    public static (double Loss, NDArray<T> Dx) SvmLoss<T>(NDArray<T> x, int[] y, Workspace? ws = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (n, c) = CheckScores(x, y, "SvmLoss");
        var dx = Alloc.New<T>(ws, n, c);
        var xs = x.AsSpan();
        var ds = dx.AsSpan();
        double loss = 0;
        T invN = T.One / T.CreateTruncating(n);
        for (int i = 0; i < n; i++)
        {
            var row = xs.Slice(i * c, c);
            var g = ds.Slice(i * c, c);
            T correct = row[y[i]];
            int positive = 0;
            for (int j = 0; j < c; j++)
            {
                T margin = row[j] - correct + T.One;
                if (j != y[i] && margin > T.Zero)
                {
                    loss += double.CreateTruncating(margin);
                    g[j] = invN;
                    positive++;
                }
                else g[j] = T.Zero;
            }
            g[y[i]] = -T.CreateTruncating(positive) * invN;
        }
        return (loss / n, dx);
    }

    private static (int N, int C) CheckScores<T>(NDArray<T> x, int[] y, string who) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank != 2) throw new ArgumentException($"{who}: scores must have shape (N, C), got {x.ShapeString}.", nameof(x));
        int n = x.Dim(0), c = x.Dim(1);
        if (n == 0) throw new ArgumentException($"{who}: empty batch (N = 0).", nameof(x));
        if (c == 0) throw new ArgumentException($"{who}: scores have no classes (C = 0).", nameof(x));
        if (y.Length != n) throw new ArgumentException($"{who}: {n} score rows but {y.Length} labels.", nameof(y));
        for (int i = 0; i < n; i++)
            if ((uint)y[i] >= (uint)c) throw new ArgumentOutOfRangeException(nameof(y), $"{who}: label y[{i}] = {y[i]} is outside [0, {c}).");
        return (n, c);
    }
}
