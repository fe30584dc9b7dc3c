using System.Numerics;
using Backprop.Tensors;

namespace Backprop.Data;

/// <summary>
/// The notebooks' <c>get_CIFAR10_data</c>: split the training images into training and validation sets, take the first
/// test images, and subtract the training mean image from all three.
/// </summary>
/// <remarks>
/// Pixel values stay on the 0–255 scale, as in the notebooks (no division by 255). The mean image is computed exactly
/// (integer sums divided in double precision, which is what NumPy's float64 mean gives for these values), subtracted in
/// double precision and the result rounded once to float or double.
/// </remarks>
public static class Preprocessing
{
    /// <summary>
    /// <c>get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000, subtract_mean=True)</c>: X_train is
    /// training images [0, numTraining), X_val is training images [numTraining, numTraining + numValidation), X_test is
    /// test images [0, numTest), all (N, 3, 32, 32).
    /// </summary>
    /// <param name="cifar10Dir">A folder with the six batches in either format (see <see cref="Cifar10.Load(string)"/>).</param>
    /// <param name="numTraining">Training images (default 49,000).</param>
    /// <param name="numValidation">Validation images, taken after the training ones (default 1,000).</param>
    /// <param name="numTest">Test images (default 1,000; 0 for none).</param>
    /// <param name="subtractMean">Subtract the training mean image from every split (default true).</param>
    /// <exception cref="ArgumentException">More images are asked for than the folder holds (the message says both).</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A batch file is missing.</exception>
    /// <exception cref="InvalidDataException">A batch file is malformed.</exception>
    public static Dataset<T> GetCifar10Data<T>(string cifar10Dir, int numTraining = 49000, int numValidation = 1000, int numTest = 1000, bool subtractMean = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(cifar10Dir);
        CheckCounts(numTraining, numValidation, numTest);
        var (train, test) = Cifar10.Load(cifar10Dir);
        return Split<T>(train, test, numTraining, numValidation, numTest, subtractMean, "CIFAR-10", Cifar10.ClassNames, Cifar10.NumClasses, cifar10Dir);
    }

    /// <summary>
    /// The same for Fashion-MNIST, as (N, 1, 28, 28): by default 59,000 training images, the last 1,000 training images as
    /// validation set and all 10,000 test images.
    /// </summary>
    /// <param name="dir">A folder with the four IDX files (e.g. <see cref="FashionMnist.DebianDir"/>).</param>
    /// <param name="numTraining">Training images (default 59,000).</param>
    /// <param name="numValidation">Validation images, taken after the training ones (default 1,000).</param>
    /// <param name="numTest">Test images (default 10,000; 0 for none).</param>
    /// <param name="subtractMean">Subtract the training mean image from every split (default true).</param>
    /// <exception cref="ArgumentException">More images are asked for than the folder holds.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static Dataset<T> GetFashionMnistData<T>(string dir, int numTraining = 59000, int numValidation = 1000, int numTest = 10000, bool subtractMean = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckCounts(numTraining, numValidation, numTest);
        var (train, test) = FashionMnist.Load(dir);
        return Split<T>(train, test, numTraining, numValidation, numTest, subtractMean, "Fashion-MNIST", FashionMnist.ClassNames, FashionMnist.NumClasses, dir);
    }

    /// <summary>
    /// The same for MNIST, as (N, 1, 28, 28): by default 59,000 training, 1,000 validation and 10,000 test images.
    /// </summary>
    /// <exception cref="ArgumentException">More images are asked for than the folder holds.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static Dataset<T> GetMnistData<T>(string dir, int numTraining = 59000, int numValidation = 1000, int numTest = 10000, bool subtractMean = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckCounts(numTraining, numValidation, numTest);
        var (train, test) = Mnist.Load(dir);
        return Split<T>(train, test, numTraining, numValidation, numTest, subtractMean, "MNIST", Mnist.ClassNames, Mnist.NumClasses, dir);
    }

    /// <summary>
    /// Splits loaded images as <c>get_CIFAR10_data</c> does: training [0, numTraining), validation [numTraining,
    /// numTraining + numValidation) of <paramref name="train"/>, test [0, numTest) of <paramref name="test"/>, and (when
    /// <paramref name="subtractMean"/>) the training mean image subtracted from all three. With
    /// <paramref name="validationFromTest"/>, validation is [0, numValidation) of <paramref name="test"/> and the test
    /// images follow it, so every training image can be trained on (Fashion-MNIST's 60,000, as PyTorch users train it).
    /// </summary>
    /// <exception cref="ArgumentException">More images are asked for than the sets hold.</exception>
    public static Dataset<T> Split<T>(ImageSet train, ImageSet test, int numTraining, int numValidation, int numTest,
        bool subtractMean = true, string name = "data", IReadOnlyList<string>? classNames = null, int numClasses = 10, string? source = null,
        bool validationFromTest = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(name);
        CheckCounts(numTraining, numValidation, numTest);
        string from = source is null ? "" : $" in '{source}'";
        if (train.SampleSize != test.SampleSize || train.Channels != test.Channels || train.Height != test.Height)
            throw new ArgumentException($"{name}: the training images{from} are {train.Channels}×{train.Height}×{train.Width} but the test images are {test.Channels}×{test.Height}×{test.Width}.", nameof(test));
        long fromTrain = validationFromTest ? numTraining : (long)numTraining + numValidation;
        long fromTest = validationFromTest ? (long)numValidation + numTest : numTest;
        if (fromTrain > train.Count)
            throw new ArgumentException(validationFromTest
                ? $"{name}: asked for {numTraining} training images, but the training set{from} holds {train.Count}."
                : $"{name}: asked for {numTraining} training + {numValidation} validation = {fromTrain} training images, but the training set{from} holds {train.Count}.");
        if (fromTest > test.Count)
            throw new ArgumentException(validationFromTest
                ? $"{name}: asked for {numValidation} validation + {numTest} test = {fromTest} test images, but the test set{from} holds {test.Count}."
                : $"{name}: asked for {numTest} test images, but the test set{from} holds {test.Count}.");

        double[]? mean = subtractMean ? MeanImage(train, numTraining) : null;
        var (valSet, valStart) = validationFromTest ? (test, 0) : (train, numTraining);
        int testStart = validationFromTest ? numValidation : 0;
        var xTrain = Images<T>(train, 0, numTraining, mean);
        var xVal = Images<T>(valSet, valStart, numValidation, mean);
        var xTest = numTest > 0 ? Images<T>(test, testStart, numTest, mean) : null;
        var data = new Dataset<T>(
            xTrain, train.LabelRange(0, numTraining),
            xVal, valSet.LabelRange(valStart, numValidation),
            xTest, numTest > 0 ? test.LabelRange(testStart, numTest) : null,
            numClasses, name)
        {
            ClassNames = classNames,
            MeanImage = mean is null ? null : NDArray<T>.FromArray(Array.ConvertAll(mean, T.CreateTruncating), train.Channels, train.Height, train.Width),
        };
        data.Validate();
        return data;
    }

    /// <summary>
    /// The two-layer notebooks' rows (seeds 001/002: <c>X_train.reshape(num_training, -1)</c> of <c>load_CIFAR10</c>'s
    /// images, which are (N, height, width, C)): every image of <paramref name="data"/> (N, C, height, width) reordered
    /// to (height, width, C) and flattened, pixel by pixel, R G B R G B …; the mean image reordered the same way. The
    /// values are the same numbers, only their order within a row changes, so a model trained on these rows sees what
    /// the notebooks' model sees (the same weights draw the same first layer when the row order is the same).
    /// </summary>
    /// <returns>A data set whose splits are (N, height·width·C) and whose mean image is (height, width, C).</returns>
    /// <exception cref="ArgumentException">The images are not of shape (N, C, height, width).</exception>
    public static Dataset<T> ToChannelsLastRows<T>(Dataset<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.XTrain.Rank != 4)
            throw new ArgumentException($"ToChannelsLastRows expects images of shape (N, C, height, width); the training split is {data.XTrain.ShapeString}.", nameof(data));
        return data with
        {
            XTrain = ChannelsLast(data.XTrain),
            XVal = ChannelsLast(data.XVal),
            XTest = data.XTest is null ? null : ChannelsLast(data.XTest),
            MeanImage = data.MeanImage is not { } m ? null : ChannelsLast(m.Reshape(1, m.Dim(0), m.Dim(1), m.Dim(2))).Reshape(m.Dim(1), m.Dim(2), m.Dim(0)),
        };
    }

    /// <summary>(N, C, h, w) → (N, h·w·C), each image's values in (h, w, C) order.</summary>
    private static NDArray<T> ChannelsLast<T>(NDArray<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3), d = c * h * w;
        var rows = new NDArray<T>(n, d);
        var from = x.AsSpan();
        var to = rows.AsSpan();
        for (int i = 0; i < n; i++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < h * w; p++)
                    to[i * d + p * c + ch] = from[i * d + ch * h * w + p];
        return rows;
    }

    /// <summary>
    /// The mean of the first <paramref name="count"/> images, pixel by pixel (<c>np.mean(X_train, axis=0)</c>), computed
    /// exactly: integer sums, one division in double.
    /// </summary>
    public static double[] MeanImage(ImageSet images, int count)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (count <= 0 || count > images.Count) throw new ArgumentOutOfRangeException(nameof(count), count, $"Between 1 and {images.Count} images can be averaged.");
        int d = images.SampleSize;
        var sums = new long[d];
        for (int i = 0; i < count; i++)
        {
            var row = images.Pixels.AsSpan(i * d, d);
            for (int j = 0; j < d; j++) sums[j] += row[j];
        }
        var mean = new double[d];
        for (int j = 0; j < d; j++) mean[j] = sums[j] / (double)count;
        return mean;
    }

    private static NDArray<T> Images<T>(ImageSet set, int start, int count, double[]? mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (mean is null) return set.ToNDArray<T>(start, count);
        int d = set.SampleSize;
        var x = new NDArray<T>(count, set.Channels, set.Height, set.Width);
        var dst = x.AsSpan();
        var src = set.Pixels.AsSpan(start * d, count * d);
        for (int i = 0; i < count; i++)
            for (int j = 0; j < d; j++)
                dst[i * d + j] = T.CreateTruncating(src[i * d + j] - mean[j]);
        return x;
    }

    private static void CheckCounts(int numTraining, int numValidation, int numTest)
    {
        if (numTraining < 1) throw new ArgumentOutOfRangeException(nameof(numTraining), numTraining, "At least one training image is needed.");
        if (numValidation < 1) throw new ArgumentOutOfRangeException(nameof(numValidation), numValidation, "At least one validation image is needed.");
        if (numTest < 0) throw new ArgumentOutOfRangeException(nameof(numTest), numTest, "The number of test images cannot be negative.");
    }
}
