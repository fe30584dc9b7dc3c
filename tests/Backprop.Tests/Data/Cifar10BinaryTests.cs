using Backprop.Data;

namespace Backprop.Tests.Data;

public class Cifar10BinaryTests
{
    private static byte[] Records(params byte[] labels)
    {
        var file = new byte[labels.Length * Cifar10.RecordBytes];
        for (int i = 0; i < labels.Length; i++)
        {
            file[i * Cifar10.RecordBytes] = labels[i];
            for (int j = 1; j < Cifar10.RecordBytes; j++) file[i * Cifar10.RecordBytes + j] = (byte)(i + j);
        }
        return file;
    }

    [Fact]
    public void ReadsRecords()
    {
        using var dir = new TempDir();
        var set = Cifar10.ReadBinaryBatch(dir.Write("b.bin", Records(4, 0, 9)));
        Assert.Equal([4, 0, 9], set.Labels);
        Assert.Equal((byte)(2 + 1), set.Pixels[2 * 3072]);
        Assert.Equal(0, Cifar10.ReadBinaryBatch(dir.Write("empty.bin", [])).Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3072)]
    [InlineData(3074)]
    [InlineData(2 * 3073 - 1)]
    public void ALengthThatIsNotWholeRecordsIsRefused(int length)
    {
        using var dir = new TempDir();
        var path = dir.Write("b.bin", Records(1, 2).AsSpan(0, Math.Min(length, 2 * 3073)).ToArray().Concat(new byte[Math.Max(0, length - 2 * 3073)]).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.ReadBinaryBatch(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains($"{length} bytes long, which is not a whole number of 3073-byte records", e.Message);
    }

    [Fact]
    public void ALabelAboveNineIsRefusedWithItsOffset()
    {
        using var dir = new TempDir();
        var path = dir.Write("b.bin", Records(1, 2, 10));
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.ReadBinaryBatch(path));
        Assert.Contains($"at byte {2 * 3073}: record 2 has label 10", e.Message);
    }

    [Fact]
    public void MissingFilesAndFoldersAreNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => Cifar10.ReadBinaryBatch(dir.File("none.bin")));
        Assert.Throws<DirectoryNotFoundException>(() => Cifar10.ReadBinaryBatch(dir.File("x/none.bin")));
        foreach (var n in Cifar10.BatchFileNames(Cifar10Format.Binary).Take(5)) dir.Write(n, Records(1));
        var e = Assert.Throws<FileNotFoundException>(() => Cifar10.Load(dir.Path, Cifar10Format.Binary));
        Assert.Contains("test_batch.bin", e.Message);
        dir.Write("test_batch.bin", Records(3, 4));
        var (train, test) = Cifar10.Load(dir.Path);
        Assert.Equal(5, train.Count);
        Assert.Equal([3, 4], test.Labels);
    }

    [Fact]
    public void AnEmptyBatch_OrOneOfAnotherSize_IsRefusedNamingTheFile()
    {
        using var dir = new TempDir();
        foreach (var name in Cifar10.BatchFileNames(Cifar10Format.Binary))
            File.Copy(Path.Combine(TestData.Cifar10BinaryDir, name), dir.File(name));
        File.WriteAllBytes(dir.File("data_batch_3.bin"), []);
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.Load(dir.Path, Cifar10Format.Binary));
        Assert.Contains("data_batch_3.bin", e.Message);
        Assert.Contains("holds no images", e.Message);

        // Cut at a record boundary: 999 records load as images, each later one moved up, unless the sizes are compared.
        File.Copy(Path.Combine(TestData.Cifar10BinaryDir, "data_batch_3.bin"), dir.File("data_batch_3.bin"), overwrite: true);
        var cut = File.ReadAllBytes(dir.File("data_batch_2.bin"))[..(999 * Cifar10.RecordBytes)];
        File.WriteAllBytes(dir.File("data_batch_2.bin"), cut);
        e = Assert.Throws<InvalidDataException>(() => Cifar10.Load(dir.Path, Cifar10Format.Binary));
        Assert.Contains("data_batch_2.bin", e.Message);
        Assert.Contains("holds 999 images where 'data_batch_1.bin' holds 1000", e.Message);
    }
}
