using Backprop.Data;

namespace Backprop.Tests.Data;

public class PreprocessingTests
{
    private static readonly Lazy<Dataset<double>> Subset64 = new(() =>
        Preprocessing.GetCifar10Data<double>(TestData.Cifar10PythonDir, numTraining: 4000, numValidation: 1000, numTest: 1000));

    [Fact]
    public void ChannelsLastRows_AreTheTwoLayerNotebooksRows()
    {
        var data = Preprocessing.GetCifar10Data<double>(TestData.Cifar10PythonDir, 4000, 500, 500);
        var rows = Preprocessing.ToChannelsLastRows(data);
        Assert.Equal([4000, 3072], rows.XTrain.ShapeArray());
        Assert.Equal([500, 3072], rows.XTest!.ShapeArray());
        Assert.Equal([32, 32, 3], rows.MeanImage!.ShapeArray());
        // The first row as NumPy gives it from CS231n's load_CIFAR10 + get_CIFAR10_data(4000, 500, 500) +
        // X_train.reshape(4000, -1): R, G, B of the first pixel, then R of the second. Ours, channel-planar, starts
        // with the first four reds (-73.56775, -88.6615, -82.20625, -64.89025).
        double[] numpy = [-73.56775, -75.6155, -70.6975, -88.6615];
        for (int j = 0; j < 4; j++) Assert.Equal(numpy[j], rows.XTrain.Flat(j), 1e-9);
        Assert.Equal(-88.6615, data.XTrain.Flat(1), 1e-9);
        // Every value moved, none changed: image 123's pixel (y 5, x 7), blue.
        Assert.Equal(data.XTrain.At(123, 2, 5, 7), rows.XTrain.At(123, (5 * 32 + 7) * 3 + 2));
        Assert.Equal(data.MeanImage!.At(1, 31, 0), rows.MeanImage.At(31, 0, 1));
        Assert.Equal(data.YTrain, rows.YTrain);
    }

    [Fact]
    public void SplitsTheSubsetLikeGetCifar10Data()
    {
        var data = Subset64.Value;
        Assert.Equal([4000, 3, 32, 32], data.XTrain.ShapeArray());
        Assert.Equal([1000, 3, 32, 32], data.XVal.ShapeArray());
        Assert.Equal([1000, 3, 32, 32], data.XTest!.ShapeArray());
        Assert.Equal(4000, data.YTrain.Length);
        Assert.Equal("CIFAR-10", data.Name);
        Assert.Equal(Cifar10.ClassNames, data.ClassNames);

        // Validation = training images [4000, 5000): batch 5 of the subset, whose first labels the README gives.
        Assert.Equal([1, 8, 5, 1, 5, 7, 4, 3, 8, 2], data.YVal[..10]);
        Assert.Equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3], data.YTrain[..10]);
        Assert.Equal([3, 8, 8, 0, 6, 6, 1, 6, 3, 1], data.YTest![..10]);
    }

    [Fact]
    public void SubtractsTheTrainingMeanImageFromEverySplit()
    {
        var data = Subset64.Value;
        var (train, test) = Cifar10.Load(TestData.Cifar10BinaryDir);
        var mean = data.MeanImage!;
        Assert.Equal([3, 32, 32], mean.ShapeArray());

        // The training set's mean is now zero at every pixel.
        var xt = data.XTrain.AsSpan();
        for (int j = 0; j < 3072; j += 97)
        {
            double s = 0;
            for (int i = 0; i < 4000; i++) s += xt[i * 3072 + j];
            Assert.True(Math.Abs(s / 4000) < 1e-9, $"pixel {j}: mean {s / 4000}");
        }
        // Every split is raw pixel minus the same mean.
        Assert.Equal(train.Pixels[4000 * 3072 + 5] - mean.Flat(5), data.XVal.Flat(5), 12);
        Assert.Equal(test.Pixels[999 * 3072 + 3071] - mean.Flat(3071), data.XTest!.Flat(999 * 3072 + 3071), 12);
        // Exactly NumPy's mean: integer sum over 4000 images divided once.
        long sum = 0;
        for (int i = 0; i < 4000; i++) sum += train.Pixels[i * 3072 + 100];
        Assert.Equal(sum / 4000.0, mean.Flat(100));
    }

    [Fact]
    public void Float32IsTheFloat64ResultRoundedOnce()
    {
        var d32 = Preprocessing.GetCifar10Data<float>(TestData.Cifar10BinaryDir, 4000, 1000, 1000);
        var d64 = Subset64.Value;
        Assert.Equal(d64.XTrain.Size, d32.XTrain.Size);
        for (int i = 0; i < d64.XTrain.Size; i += 1009)
            Assert.Equal((float)d64.XTrain.Flat(i), d32.XTrain.Flat(i));
        Assert.Equal((float)d64.MeanImage!.Flat(7), d32.MeanImage!.Flat(7));
    }

    [Fact]
    public void WithoutMeanSubtractionThePixelsAreRaw()
    {
        var data = Preprocessing.GetCifar10Data<float>(TestData.Cifar10BinaryDir, numTraining: 10, numValidation: 5, numTest: 0, subtractMean: false);
        var (train, _) = Cifar10.Load(TestData.Cifar10BinaryDir);
        Assert.Null(data.MeanImage);
        Assert.Null(data.XTest);
        Assert.Equal(train.Pixels[..(10 * 3072)].Select(b => (float)b), data.XTrain.AsSpan().ToArray());
        Assert.Equal(train.Pixels[(10 * 3072)..(15 * 3072)].Select(b => (float)b), data.XVal.AsSpan().ToArray());
    }

    [Fact]
    public void RequestsLargerThanTheDataAreArgumentExceptions()
    {
        var e = Assert.Throws<ArgumentException>(() => Preprocessing.GetCifar10Data<float>(TestData.Cifar10BinaryDir));
        Assert.Contains("asked for 49000 training + 1000 validation = 50000 training images", e.Message);
        Assert.Contains("holds 5000", e.Message);
        Assert.Contains(TestData.Cifar10BinaryDir, e.Message);
        var t = Assert.Throws<ArgumentException>(() => Preprocessing.GetCifar10Data<float>(TestData.Cifar10BinaryDir, 4000, 1000, 1001));
        Assert.Contains("asked for 1001 test images", t.Message);
        Assert.Contains("holds 1000", t.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Preprocessing.GetCifar10Data<float>(TestData.Cifar10BinaryDir, 0, 1000, 1000));
    }

    [Fact]
    public void ValidationFromTheTestSetLeavesTheWholeTrainingSetToTrainOn()
    {
        var (train, test) = Cifar10.Load(TestData.Cifar10BinaryDir);
        var data = Preprocessing.Split<float>(train, test, train.Count, 300, 200, name: "CIFAR-10", validationFromTest: true);
        Assert.Equal([5000, 3, 32, 32], data.XTrain.ShapeArray());
        Assert.Equal([300, 3, 32, 32], data.XVal.ShapeArray());
        Assert.Equal([200, 3, 32, 32], data.XTest!.ShapeArray());
        // Validation is test [0, 300), test is [300, 500); the mean is the training set's alone.
        Assert.Equal(test.Labels[..300], data.YVal);
        Assert.Equal(test.Labels[300..500], data.YTest);
        Assert.Equal(train.Labels, data.YTrain);
        var mean = Preprocessing.MeanImage(train, train.Count);
        Assert.Equal((float)(test.Pixels[5] - mean[5]), data.XVal.Flat(5));
        Assert.Equal((float)(test.Pixels[300 * 3072 + 7] - mean[7]), data.XTest!.Flat(7));
        Assert.Equal((float)(train.Pixels[4999 * 3072 + 3071] - mean[3071]), data.XTrain.Flat(4999 * 3072 + 3071));

        var e = Assert.Throws<ArgumentException>(() => Preprocessing.Split<float>(train, test, 5000, 900, 101, name: "CIFAR-10", validationFromTest: true));
        Assert.Contains("asked for 900 validation + 101 test = 1001 test images", e.Message);
        Assert.Contains("holds 1000", e.Message);
        var t = Assert.Throws<ArgumentException>(() => Preprocessing.Split<float>(train, test, 5001, 10, 0, name: "CIFAR-10", validationFromTest: true));
        Assert.Contains("asked for 5001 training images", t.Message);
    }
    [Fact]
    public void ImagesOfAnotherSize_AndNegativeLabels_AreRefused()
    {
        var train = new ImageSet(new byte[2 * 4], [0, 1], 1, 2, 2);
        var test = new ImageSet(new byte[2 * 9], [0, 1], 1, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Preprocessing.Split<float>(train, test, 1, 1, 1, name: "toy"));
        Assert.Contains("toy: the training images are 1×2×2 but the test images are 1×3×3", e.Message);
        var label = Assert.Throws<ArgumentException>(() => new ImageSet(new byte[2 * 4], [0, -1], 1, 2, 2));
        Assert.Contains("labels[1] = -1", label.Message);
    }
}
