using System.Buffers.Binary;
using System.IO.Compression;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class IdxTests
{
    internal static byte[] IdxFile(int magic, int[] dims, byte[] data)
    {
        var head = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(head, magic);
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(4 + 4 * i), dims[i]);
        return [.. head, .. data];
    }

    internal static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(bytes);
        return ms.ToArray();
    }

    private static (byte[] Images, byte[] Labels) Sample(int n, int rows = 28, int cols = 28)
    {
        var pixels = new byte[n * rows * cols];
        new Random(n).NextBytes(pixels);
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        return (IdxFile(Idx.ImagesMagic, [n, rows, cols], pixels), IdxFile(Idx.LabelsMagic, [n], labels));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadsPlainAndGzipFiles(bool gzip)
    {
        var (images, labels) = Sample(7, 5, 4);
        using var dir = new TempDir();
        var ip = dir.Write("i", gzip ? Gzip(images) : images);
        var lp = dir.Write("l", gzip ? Gzip(labels) : labels);
        var set = Idx.Load(ip, lp);
        Assert.Equal(7, set.Count);
        Assert.Equal((1, 5, 4), (set.Channels, set.Height, set.Width));
        Assert.Equal([0, 1, 2, 3, 4, 5, 6], set.Labels);
        Assert.Equal(images[16..], set.Pixels);
        Assert.Equal([7, 5, 4], Idx.Read(ip).ShapeArray());
    }

    [Fact]
    public void LoadsAStandardFolderWithEitherSpellingOrCompression()
    {
        using var dir = new TempDir();
        var (trainImages, trainLabels) = Sample(12);
        var (testImages, testLabels) = Sample(3);
        dir.Write("train-images-idx3-ubyte.gz", Gzip(trainImages));
        dir.Write("train-labels-idx1-ubyte", trainLabels);
        dir.Write("t10k-images.idx3-ubyte", testImages);
        dir.Write("t10k-labels-idx1-ubyte.gz", Gzip(testLabels));
        var (train, test) = Mnist.Load(dir.Path);
        Assert.Equal(12, train.Count);
        Assert.Equal(3, test.Count);
        File.Delete(dir.File("t10k-images.idx3-ubyte"));
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(dir.Path));
        Assert.Contains("t10k-images-idx3-ubyte.gz", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => Mnist.Load(dir.File("nothing")));
    }

    private static InvalidDataException Refused(byte[] file, Func<string, object> read)
    {
        using var dir = new TempDir();
        var path = dir.Write("f", file);
        var e = Assert.Throws<InvalidDataException>(() => read(path));
        Assert.StartsWith(path + ": ", e.Message);
        return e;
    }

    [Fact]
    public void ChecksMagicNumbers()
    {
        var (images, labels) = Sample(2);
        Assert.Contains("not that of an IDX label file", Refused(images, Idx.ReadLabels).Message);
        Assert.Contains("not that of an IDX image file", Refused(labels, Idx.ReadImages).Message);
        Assert.Contains("not an IDX file", Refused([0x1f, 0x00, 0x08, 0x03, .. images[4..]], Idx.ReadImages).Message);
        Assert.Contains("type code 0x0d", Refused([0, 0, 0x0d, 0x03, .. images[4..]], Idx.ReadImages).Message);
        Assert.Contains("inside the 4-byte magic", Refused([0, 0], Idx.ReadImages).Message);
        Assert.Contains("inside the 4-byte magic", Refused(Gzip([0, 0, 8]), Idx.ReadImages).Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        var (images, _) = Sample(5);
        var (_, labels) = Sample(4);
        using var dir = new TempDir();
        var e = Assert.Throws<InvalidDataException>(() => Idx.Load(dir.Write("i", images), dir.Write("l", labels)));
        Assert.Contains("holds 4 labels but", e.Message);
        Assert.Contains("holds 5 images", e.Message);
        var bad = IdxFile(Idx.LabelsMagic, [5], [0, 1, 2, 10, 4]);
        Assert.Contains("label 3 is 10", Assert.Throws<InvalidDataException>(() => Idx.Load(dir.Write("i", images), dir.Write("l2", bad))).Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RefusesHeadersClaimingMoreThanTheFileHoldsBeforeAllocating(bool gzip)
    {
        // 2^31 - 1 images of 28×28 in a file of a few bytes.
        var lie = IdxFile(Idx.ImagesMagic, [int.MaxValue, 28, 28], new byte[100]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(gzip ? Gzip(lie) : lie, Idx.ReadImages);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "a lying IDX header made the reader allocate");
        Assert.Contains("(2147483647, 28, 28) need 1683627179248 bytes", e.Message);

        // A believable claim, one image short.
        var (images, _) = Sample(3);
        var shortFile = images[..^784];
        var e2 = Refused(gzip ? Gzip(shortFile) : shortFile, Idx.ReadImages);
        Assert.Contains("need 2352 bytes", e2.Message);
        Assert.Contains(gzip ? "ends after 1568 bytes" : "holds 1568 bytes", e2.Message);
        var e3 = Refused(gzip ? Gzip([.. images, 0]) : [.. images, 0], Idx.ReadImages);
        Assert.Contains(gzip ? "more data follows" : "holds 2353 bytes", e3.Message);
        Assert.Contains("larger than 2147483647", Refused(IdxFile(Idx.ImagesMagic, [-1, 28, 28], []), Idx.ReadImages).Message);
    }

    [Theory]
    // Regression (AFL++ findings): a zero size among huge ones made the product 0, the header passed, and building the
    // array threw ArgumentException. Both inputs are the fuzzer's, byte for byte.
    [InlineData("0000080308007f1f0823aaff000000000000f60900771f080808000003009a1f08080010")]
    [InlineData("000008037fffffff1f8b080000000000")]
    public void RefusesHugeSizesEvenBesideAZeroSize(string hex)
    {
        var e = Refused(Convert.FromHexString(hex), Idx.Read);
        Assert.Contains("more than this reader supports", e.Message);
        Assert.Contains("zero sizes aside", Refused(IdxFile(Idx.ImagesMagic, [int.MaxValue, 529205248, 0], []), Idx.ReadImages).Message);
        // An empty set with sensible sizes is fine.
        using var dir = new TempDir();
        Assert.Equal([0, 28, 28], Idx.ReadImages(dir.Write("empty", IdxFile(Idx.ImagesMagic, [0, 28, 28], []))).ShapeArray());
    }

    [Fact]
    public void RefusesCorruptAndTruncatedGzip()
    {
        var (images, _) = Sample(20);
        var gz = Gzip(images);
        var corrupt = (byte[])gz.Clone();
        for (int i = 20; i < 60; i++) corrupt[i] ^= 0x5a;
        Refused(corrupt, Idx.ReadImages);
        // One flipped byte in the CRC trailer: .NET's "compressed using an unsupported compression method" was passed on.
        var badCrc = (byte[])gz.Clone();
        badCrc[^6] ^= 0x01;
        var e = Refused(badCrc, Idx.ReadImages);
        Assert.EndsWith(": the compressed data is corrupt (it does not decompress, or fails its checksum: the file is damaged; fetch it again)", e.Message);
        Assert.DoesNotContain("compression method", e.Message);
        // (A cut inside the 8-byte trailer leaves all the data intact; .NET does not insist on the trailer.)
        for (int n = 3; n < gz.Length - 8; n += gz.Length / 13)
            Refused(gz[..n], Idx.ReadImages);
    }

    [Fact]
    public void MissingFilesAreFileNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => Idx.ReadImages(dir.File("none")));
        Assert.Throws<DirectoryNotFoundException>(() => Idx.ReadLabels(dir.File("no/none")));
    }
}
