using Backprop.Data;

namespace Backprop.Tests.Data;

public class Cifar10Tests
{
    private static readonly int[] TrainClassCounts = [508, 515, 478, 484, 527, 469, 497, 512, 518, 492];
    private static readonly int[] TestClassCounts = [103, 89, 100, 103, 90, 86, 112, 102, 106, 109];

    // Loading both formats once keeps the suite fast; the sets are never modified by the tests.
    private static readonly Lazy<(ImageSet Train, ImageSet Test)> Python = new(() => Cifar10.Load(TestData.Cifar10PythonDir, Cifar10Format.Python));
    private static readonly Lazy<(ImageSet Train, ImageSet Test)> Binary = new(() => Cifar10.Load(TestData.Cifar10BinaryDir, Cifar10Format.Binary));

    [Fact]
    public void PythonAndBinaryBatchesGiveIdenticalArrays()
    {
        var (pyTrain, pyTest) = Python.Value;
        var (binTrain, binTest) = Binary.Value;
        Assert.Equal(5000, pyTrain.Count);
        Assert.Equal(1000, pyTest.Count);
        Assert.Equal(binTrain.Labels, pyTrain.Labels);
        Assert.Equal(binTest.Labels, pyTest.Labels);
        Assert.True(binTrain.Pixels.AsSpan().SequenceEqual(pyTrain.Pixels), "training pixels differ between formats");
        Assert.True(binTest.Pixels.AsSpan().SequenceEqual(pyTest.Pixels), "test pixels differ between formats");
        Assert.Equal((3, 32, 32), (pyTrain.Channels, pyTrain.Height, pyTrain.Width));
    }

    [Fact]
    public void FirstLabelsAndClassCountsMatchTheReadme()
    {
        var (train, test) = Python.Value;
        Assert.Equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3], train.Labels[..10]);
        Assert.Equal([3, 8, 8, 0, 6, 6, 1, 6, 3, 1], test.Labels[..10]);
        Assert.Equal(TrainClassCounts, train.ClassCounts(10));
        Assert.Equal(TestClassCounts, test.ClassCounts(10));
        // Batch 2 starts at image 1000 of the concatenated training set.
        Assert.Equal([1, 6, 6, 8, 8, 3, 4, 6, 0, 6], train.Labels[1000..1010]);
    }

    [Fact]
    public void BatchesAreReadInTheOfficialOrderAndPixelLayout()
    {
        var one = Cifar10.ReadBinaryBatch(Path.Combine(TestData.Cifar10BinaryDir, "data_batch_1.bin"));
        var raw = File.ReadAllBytes(Path.Combine(TestData.Cifar10BinaryDir, "data_batch_1.bin"));
        // Image 7's red plane starts right after its label byte; its blue plane 2048 bytes later.
        Assert.Equal(raw[7 * 3073 + 1], one.Pixels[7 * 3072]);
        Assert.Equal(raw[7 * 3073 + 1 + 2048 + 5], one.Pixels[7 * 3072 + 2048 + 5]);
        var x = one.ToNDArray<float>(7, 1);
        Assert.Equal([1, 3, 32, 32], x.ShapeArray());
        Assert.Equal(raw[7 * 3073 + 1 + 1024 + 32 * 3 + 4], (byte)x.At(0, 1, 3, 4));
    }

    [Fact]
    public void LoadDetectsTheFormat()
    {
        Assert.Equal(Cifar10Format.Python, Cifar10.DetectFormat(TestData.Cifar10PythonDir));
        Assert.Equal(Cifar10Format.Binary, Cifar10.DetectFormat(TestData.Cifar10BinaryDir));
        Assert.Null(Cifar10.DetectFormat(TestData.Cifar10SubsetDir));
        var missing = Assert.Throws<FileNotFoundException>(() => Cifar10.Load(TestData.Cifar10SubsetDir));
        Assert.Contains("data_batch_1", missing.Message);
        // The data folder given for its CIFAR-10 folder: the message names the batch folders inside it.
        Assert.Contains($"'{Path.GetFileName(TestData.Cifar10PythonDir)}'", missing.Message);
        Assert.EndsWith(": give that folder.", missing.Message);
        var absent = Assert.Throws<DirectoryNotFoundException>(() => Cifar10.Load(Path.Combine(TestData.Cifar10SubsetDir, "cifar-10-batches-py")));
        Assert.Contains("cifar-10-batches-py' does not exist", absent.Message);
    }

    [Fact]
    public void ClassNamesAreTheOfficialOnes()
    {
        Assert.Equal(10, Cifar10.ClassNames.Count);
        Assert.Equal("airplane", Cifar10.ClassNames[0]);
        Assert.Equal("frog", Cifar10.ClassNames[6]);
        Assert.Equal("truck", Cifar10.ClassNames[9]);
    }
}
