using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Data;

/// <summary>
/// The notebooks' <c>data</c> dictionary: training and validation splits (and optionally a test split), images as
/// (N, d1, …, dk) arrays and labels as class indices in [0, <see cref="NumClasses"/>).
/// </summary>
/// <typeparam name="T"><c>float</c> or <c>double</c>.</typeparam>
public sealed record Dataset<T>(
    NDArray<T> XTrain, int[] YTrain,
    NDArray<T> XVal, int[] YVal,
    NDArray<T>? XTest = null, int[]? YTest = null,
    int NumClasses = 10,
    string Name = "data")
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// The notebooks' <c>small_data</c>: the first <paramref name="n"/> training images and labels (copied), with the
    /// same validation and test splits (and the full training set's mean image, already subtracted).
    /// </summary>
    public Dataset<T> TakeTraining(int n)
    {
        if (n < 1 || n > YTrain.Length)
            throw new ArgumentOutOfRangeException(nameof(n), n, $"TakeTraining: the training split has {YTrain.Length} images; take 1 to {YTrain.Length}.");
        return this with { XTrain = XTrain.SliceRows(0, n), YTrain = YTrain[..n] };
    }

    /// <summary>Class names, when the data set has them (CIFAR-10: airplane, automobile, …).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>The mean image that was subtracted from every split, shape (d1, …, dk), if any.</summary>
    public NDArray<T>? MeanImage { get; init; }

    /// <summary>Checks that images and labels agree in count, labels lie in range and every split has the same sample shape.</summary>
    /// <exception cref="ArgumentNullException">XTrain, YTrain, XVal or YVal is null (the exception names it).</exception>
    /// <exception cref="ArgumentException">Any other of these checks fails (the message names the split).</exception>
    public void Validate()
    {
        // Named here: the split check's own parameters ('x', 'y') are not names a caller of the Solver knows.
        ArgumentNullException.ThrowIfNull(XTrain);
        ArgumentNullException.ThrowIfNull(YTrain);
        ArgumentNullException.ThrowIfNull(XVal);
        ArgumentNullException.ThrowIfNull(YVal);
        Check(XTrain, YTrain, "train");
        Check(XVal, YVal, "val");
        if (XTest is not null || YTest is not null)
        {
            if (XTest is null || YTest is null) throw new ArgumentException($"{Name}: test images and test labels must be given together.");
            Check(XTest, YTest, "test");
        }
        var sample = XTrain.Shape[1..];
        if (!XVal.Shape[1..].SequenceEqual(sample))
            throw new ArgumentException($"{Name}: X_val samples have shape {NDArray<T>.ShapeToString(XVal.Shape[1..])} but X_train samples have {NDArray<T>.ShapeToString(sample)}.");
        if (XTest is not null && !XTest.Shape[1..].SequenceEqual(sample))
            throw new ArgumentException($"{Name}: X_test samples have shape {NDArray<T>.ShapeToString(XTest.Shape[1..])} but X_train samples have {NDArray<T>.ShapeToString(sample)}.");
    }

    private void Check(NDArray<T> x, int[] y, string split)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Rank < 2) throw new ArgumentException($"{Name}: X_{split} must have shape (N, ...), got {x.ShapeString}.");
        if (x.Dim(0) != y.Length) throw new ArgumentException($"{Name}: X_{split} has {x.Dim(0)} samples but y_{split} has {y.Length} labels.");
        if (x.Dim(0) == 0) throw new ArgumentException($"{Name}: the {split} split is empty.");
        for (int i = 0; i < y.Length; i++)
            if ((uint)y[i] >= (uint)NumClasses)
                throw new ArgumentException($"{Name}: y_{split}[{i}] = {y[i]} is outside [0, {NumClasses}).");
    }
}
