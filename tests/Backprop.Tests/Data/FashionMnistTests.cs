using System.Buffers.Binary;
using System.Security.Cryptography;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class FashionMnistTests
{
    [Fact]
    public void LoadsTheFullDataSet()
    {
        var (train, test) = FashionMnist.Load(TestData.FashionMnistDir);
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        Assert.Equal(Enumerable.Repeat(6000, 10), train.ClassCounts(10));
        Assert.Equal(Enumerable.Repeat(1000, 10), test.ClassCounts(10));
        // The first training image is an ankle boot; the first test image too.
        Assert.Equal(9, train.Labels[0]);
        Assert.Equal(9, test.Labels[0]);
        Assert.Equal("Ankle boot", FashionMnist.ClassNames[9]);
        Assert.Equal([0, 0, 3, 0, 2, 7, 2, 5, 5, 0], train.Labels[1..11]);
        Assert.Equal([2, 1, 1, 6, 1, 4, 6, 5, 7, 4], test.Labels[1..11]);
    }

    [Fact]
    public void SplitsLikeTheNotebooks()
    {
        var data = Preprocessing.GetFashionMnistData<float>(TestData.FashionMnistDir);
        Assert.Equal([59000, 1, 28, 28], data.XTrain.ShapeArray());
        Assert.Equal([1000, 1, 28, 28], data.XVal.ShapeArray());
        Assert.Equal([10000, 1, 28, 28], data.XTest!.ShapeArray());
        Assert.Equal("Fashion-MNIST", data.Name);
        Assert.Equal(FashionMnist.ClassNames, data.ClassNames);
        Assert.True(Math.Abs(data.XTrain.Mean()) < 1e-3);
        var e = Assert.Throws<ArgumentException>(() => Preprocessing.GetFashionMnistData<float>(TestData.FashionMnistDir, numTraining: 60000));
        Assert.Contains("60000 training + 1000 validation = 61000", e.Message);
        Assert.Contains("holds 60000", e.Message);
    }

    [Fact]
    public void TheDownloadChecksumsMatchTheDebianCopies()
    {
        // Debian's copies are the upstream gzip streams with the gzip header's file name and time removed; putting them
        // back must give the published MD5 of each file. The times are those of the upstream files (August 2017).
        var mtimes = new Dictionary<string, uint>
        {
            ["train-images-idx3-ubyte.gz"] = 1504176606,
            ["train-labels-idx1-ubyte.gz"] = 1504176606,
            ["t10k-images-idx3-ubyte.gz"] = 1504176627,
            ["t10k-labels-idx1-ubyte.gz"] = 1504176627,
        };
        foreach (var file in RemoteDataSet.FashionMnist.Files)
        {
            var debian = File.ReadAllBytes(Path.Combine(TestData.FashionMnistDir, file.Name));
            Assert.Equal(0x00, debian[3]); // no FNAME flag in Debian's copy
            var header = new byte[10];
            debian.AsSpan(0, 10).CopyTo(header);
            header[3] = 0x08; // FNAME
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), mtimes[file.Name]);
            byte[] upstream = [.. header, .. System.Text.Encoding.ASCII.GetBytes(file.Name[..^3]), 0, .. debian.AsSpan(10)];
            Assert.Equal(file.Md5, Convert.ToHexStringLower(MD5.HashData(upstream)));
        }
    }
}
