using System.Globalization;
using System.Numerics;
using System.Text;
using Backprop.Models;
using Backprop.Tensors;

namespace Backprop.Training;

/// <summary>
/// How often each true class was predicted as each class, over one labelled split: the per-class view behind an
/// accuracy (scikit-learn's <c>confusion_matrix</c>: rows are the true classes, columns the predictions).
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts; // row-major (actual, predicted)

    /// <summary>Counts the pairs (<paramref name="labels"/>[i], <paramref name="predictions"/>[i]).</summary>
    /// <exception cref="ArgumentException">The two have different lengths, or a class lies outside [0, <paramref name="numClasses"/>).</exception>
    public ConfusionMatrix(ReadOnlySpan<int> labels, ReadOnlySpan<int> predictions, int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numClasses, MaxClasses);
        if (labels.Length != predictions.Length)
            throw new ArgumentException($"Confusion matrix: {labels.Length} labels but {predictions.Length} predictions.", nameof(predictions));
        NumClasses = numClasses;
        _counts = new long[(long)numClasses * numClasses];
        for (int i = 0; i < labels.Length; i++)
        {
            int y = labels[i], p = predictions[i];
            if ((uint)y >= (uint)numClasses) throw new ArgumentException($"Confusion matrix: label labels[{i}] = {y} is outside [0, {numClasses}).", nameof(labels));
            if ((uint)p >= (uint)numClasses) throw new ArgumentException($"Confusion matrix: prediction predictions[{i}] = {p} is outside [0, {numClasses}).", nameof(predictions));
            _counts[(long)y * numClasses + p]++;
        }
        Total = labels.Length;
    }

    /// <summary>The matrix of <paramref name="model"/>'s predictions for the rows of <paramref name="x"/> (<see cref="Solver{T}.Predict"/>) against <paramref name="y"/>.</summary>
    /// <param name="model">The classifier.</param>
    /// <param name="x">Inputs (N, d1, …, dk), scored in batches.</param>
    /// <param name="y">The N true labels.</param>
    /// <param name="numClasses">Rows and columns of the matrix; the model's <see cref="IModel{T}.NumClasses"/> when null.</param>
    /// <exception cref="ArgumentException">y has another length than x has rows, a label or prediction is outside [0, C), or a sample's scores are not finite (as <see cref="Solver{T}.Predict"/> refuses them).</exception>
    public static ConfusionMatrix Of<T>(IModel<T> model, NDArray<T> x, int[] y, int? numClasses = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        // Checked before scoring, and said of x and y: the constructor's own check speaks of labels and predictions.
        if (x.Rank == 0 || x.Dim(0) != y.Length)
            throw new ArgumentException($"ConfusionMatrix.Of: x has shape {x.ShapeString} but y has {y.Length} labels; give one label per row of x.", nameof(y));
        return new ConfusionMatrix(y, Solver<T>.Predict(model, x), numClasses ?? model.NumClasses);
    }

    /// <summary>Most classes a matrix counts (its counts then take 128 MB).</summary>
    public const int MaxClasses = 4096;

    /// <summary>Number of classes (rows and columns).</summary>
    public int NumClasses { get; }

    /// <summary>Images counted.</summary>
    public long Total { get; }

    /// <summary>Images of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)actual, (uint)NumClasses, nameof(actual));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)predicted, (uint)NumClasses, nameof(predicted));
            return _counts[actual * NumClasses + predicted];
        }
    }

    /// <summary>Correct predictions.</summary>
    public long Correct
    {
        get
        {
            long sum = 0;
            for (int c = 0; c < NumClasses; c++) sum += _counts[c * NumClasses + c];
            return sum;
        }
    }

    /// <summary>Share of correct predictions, as <see cref="Solver{T}.Accuracy"/> computes it (0 when nothing was counted).</summary>
    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>Images whose true class is <paramref name="c"/> (the row's sum).</summary>
    public long Support(int c)
    {
        long sum = 0;
        foreach (long v in Row(c)) sum += v;
        return sum;
    }

    /// <summary>Images predicted as <paramref name="c"/> (the column's sum).</summary>
    public long Predicted(int c)
    {
        long sum = 0;
        for (int a = 0; a < NumClasses; a++) sum += this[a, c];
        return sum;
    }

    /// <summary>Accuracy on the images of class <paramref name="c"/> (recall); NaN when the split has none.</summary>
    public double Recall(int c) => Ratio(this[c, c], Support(c));

    /// <summary>Share of the predictions of class <paramref name="c"/> that are right; NaN when it was never predicted.</summary>
    public double Precision(int c) => Ratio(this[c, c], Predicted(c));

    /// <summary>
    /// The class that images of class <paramref name="c"/> are most often mistaken for, and how many were (the lowest
    /// index among ties); null when none was mistaken.
    /// </summary>
    public (int Class, long Count)? MostConfusedWith(int c)
    {
        var row = Row(c);
        (int Class, long Count)? best = null;
        for (int p = 0; p < NumClasses; p++)
            if (p != c && row[p] > 0 && (best is null || row[p] > best.Value.Count)) best = (p, row[p]);
        return best;
    }

    /// <summary>The counts as rows (true class) of columns (predicted class).</summary>
    public long[][] ToRows()
    {
        var rows = new long[NumClasses][];
        for (int c = 0; c < NumClasses; c++) rows[c] = Row(c).ToArray();
        return rows;
    }

    /// <summary>
    /// The counts as text, as scikit-learn's matrix prints in NumPy: a line with the totals, then one bracketed row per
    /// true class (columns: predicted), the counts right-aligned.
    /// </summary>
    public override string ToString()
    {
        long max = 0;
        foreach (var n in _counts) max = Math.Max(max, n);
        int width = max.ToString(CultureInfo.InvariantCulture).Length;
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"{NumClasses} classes, {Total} samples, accuracy {Accuracy:0.####} (rows: true class, columns: predicted)"));
        for (int c = 0; c < NumClasses; c++)
        {
            text.Append("\n[");
            var row = Row(c);
            for (int p = 0; p < row.Length; p++)
                text.Append(p == 0 ? "" : " ").Append(row[p].ToString(CultureInfo.InvariantCulture).PadLeft(width));
            text.Append(']');
        }
        return text.ToString();
    }

    private ReadOnlySpan<long> Row(int c)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)c, (uint)NumClasses, nameof(c));
        return _counts.AsSpan(c * NumClasses, NumClasses);
    }

    private static double Ratio(long a, long b) => b == 0 ? double.NaN : (double)a / b;
}
