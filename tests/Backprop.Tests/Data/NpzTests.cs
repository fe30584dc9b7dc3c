using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Backprop.Data;
using Backprop.Tensors;
using Backprop.Tests.Data.Fuzzing;

namespace Backprop.Tests.Data;

public class NpzTests
{
    private static KeyValuePair<string, NDArray<T>> Entry<T>(string key, NDArray<T> a) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => new(key, a);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTripsFloatArraysStoredOrDeflated(bool compressed)
    {
        using var dir = new TempDir();
        var path = dir.File("model.npz");
        var w1 = NDArray<double>.FromArray(Enumerable.Range(0, 3000).Select(i => i * 0.5).ToArray(), 30, 100);
        var b1 = NDArray<double>.FromArray([1, 2, 3], 3);
        Npz.Save(path, [Entry("W1", w1), Entry("b1", b1)], compressed);

        using (var zip = ZipFile.OpenRead(path))
        {
            Assert.Equal(["W1.npy", "b1.npy"], zip.Entries.Select(e => e.FullName));
            var w1Entry = zip.Entries[0];
            Assert.Equal(compressed, w1Entry.CompressedLength < w1Entry.Length);
            using var s = w1Entry.Open();
            var head = new byte[128];
            s.ReadExactly(head);
            Assert.Equal("{'descr': '<f8', 'fortran_order': False, 'shape': (30, 100), }                                                       \n",
                Encoding.Latin1.GetString(head, 10, 118));
        }

        var loaded = Npz.Load(path);
        Assert.Equal(["W1", "b1"], loaded.Keys);
        var w1Back = loaded["W1"].ToNDArray<double>();
        Assert.Equal(w1.ShapeArray(), w1Back.ShapeArray());
        Assert.Equal(w1.AsSpan(), w1Back.AsSpan());
        Assert.Equal(b1.AsSpan(), loaded["b1"].ToNDArray<double>().AsSpan());
    }

    [Fact]
    public void ReadsWhatNumPyWrites()
    {
        var plain = Npz.Read(new MemoryStream(Convert.FromBase64String(NumPyFiles.Savez)), "savez");
        Assert.Equal(["W1", "y"], plain.Keys);
        Assert.Equal(NpyDType.Float32, plain["W1"].DType);
        Assert.Equal([2, 2], plain["W1"].ShapeArray());
        Assert.Equal([1.5f, 2, 3, 4], (float[])plain["W1"].Data);
        Assert.Equal([7L, 8, 9], plain["y"].ToInt64Array());
        var compressed = Npz.Read(new MemoryStream(Convert.FromBase64String(NumPyFiles.SavezCompressed)), "savez_compressed");
        Assert.Equal([0, 1, 2, 3, 4], (byte[])compressed["x"].Data);
    }

    [Fact]
    public void RoundTripsMixedDTypes()
    {
        using var dir = new TempDir();
        var path = dir.File("mixed.npz");
        var arrays = new Dictionary<string, NpyArray>
        {
            ["u8"] = new(new byte[] { 1, 2, 255 }, 3),
            ["i32"] = new(new[] { -1, 2 }, 2, 1),
            ["i64"] = new(new[] { long.MaxValue }, 1),
            ["f32"] = new(new[] { 1.25f }),
            ["f64"] = new(new[] { -0.5, 7 }, 2),
            ["empty"] = new(Array.Empty<float>(), 0, 4),
        };
        Npz.Save(path, arrays, compressed: true);
        var back = Npz.Load(path);
        Assert.Equal(arrays.Keys, back.Keys);
        foreach (var (k, a) in arrays)
        {
            Assert.Equal(a.DType, back[k].DType);
            Assert.Equal(a.ShapeArray(), back[k].ShapeArray());
            Assert.True(a.RawBytes.SequenceEqual(back[k].RawBytes), k);
        }
        Assert.Throws<ArgumentException>(() => Npz.Save(path, [KeyValuePair.Create("a", arrays["u8"]), KeyValuePair.Create("a", arrays["u8"])]));
        Assert.Throws<ArgumentException>(() => Npz.Save(path, [KeyValuePair.Create("", arrays["u8"])]));
        Assert.Equal(arrays.Keys, Npz.Load(path).Keys); // the failed saves left the file alone
    }

    private static byte[] Zip(Action<ZipArchive> fill)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true)) fill(zip);
        return ms.ToArray();
    }

    private static void Add(ZipArchive zip, string name, byte[] bytes, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var s = zip.CreateEntry(name, level).Open();
        s.Write(bytes);
    }

    private static byte[] NpyBytes(NpyArray a)
    {
        var ms = new MemoryStream();
        Npy.Write(ms, a);
        return ms.ToArray();
    }

    private static InvalidDataException Refused(byte[] file)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.npz", file);
        var e = Assert.Throws<InvalidDataException>(() => Npz.Load(path));
        Assert.StartsWith(path, e.Message);
        return e;
    }

    /// <summary>Sets the uncompressed size of the first entry in both its local header and the central directory.</summary>
    private static byte[] WithClaimedSize(byte[] zip, uint size)
    {
        var z = (byte[])zip.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(z.AsSpan(22), size); // local file header
        int cd = z.AsSpan().LastIndexOf("PK\x01\x02"u8);
        while (cd > 0 && z.AsSpan(0, cd).LastIndexOf("PK\x01\x02"u8) is int prev and >= 0) cd = prev;
        BinaryPrimitives.WriteUInt32LittleEndian(z.AsSpan(cd + 24), size); // central directory
        return z;
    }

    [Fact]
    public void RefusesAnEntryClaimingAHugeSizeBeforeAllocating()
    {
        var zip = Zip(z => Add(z, "x.npy", NpyBytes(new NpyArray(new float[] { 1, 2 }, 2))));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Refused(WithClaimedSize(zip, 0x7ff0_0000));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, "a lying zip entry made the reader allocate");
        Assert.Contains("[x.npy]", e.Message);
        Assert.Contains("claims 2146435072 bytes from", e.Message);
    }

    [Fact]
    public void RefusesEntriesThatHoldOtherThanTheyClaim()
    {
        var npy = NpyBytes(new NpyArray(new double[100], 100));
        var zip = Zip(z => Add(z, "x.npy", npy, CompressionLevel.Optimal));
        var e = Assert.Throws<InvalidDataException>(() => Npz.Read(new MemoryStream(WithClaimedSize(zip, (uint)npy.Length + 50)), "m"));
        Assert.StartsWith("m[x.npy]", e.Message);
        Assert.Throws<InvalidDataException>(() => Npz.Read(new MemoryStream(WithClaimedSize(zip, (uint)npy.Length - 50)), "m"));
    }

    [Fact]
    public void RefusesForeignEntriesDuplicatesAndLyingArrays()
    {
        var good = NpyBytes(new NpyArray(new float[] { 1 }, 1));
        Assert.Contains("'evil.pkl' is not a .npy file", Refused(Zip(z => Add(z, "evil.pkl", [0x80, 2, (byte)'.']))).Message);
        Assert.Contains("'a' appears twice", Refused(Zip(z => { Add(z, "a.npy", good); Add(z, "a.npy", good); })).Message);
        var lie = NpyBytes(new NpyArray(new float[] { 1, 2, 3, 4 }, 4));
        lie[Encoding.Latin1.GetString(lie).IndexOf("(4,)", StringComparison.Ordinal) + 1] = (byte)'9';
        var e = Refused(Zip(z => Add(z, "W1.npy", lie)));
        Assert.Contains("[W1.npy]: at byte", e.Message);
        Assert.Contains("(9,)", e.Message);
    }

    [Fact]
    public void RefusesADamagedByte_ByTheEntrysCrc32_AsNumPyDoes()
    {
        // Stored entries (model.npz, checkpoint.npz) have nothing else that would notice: W1[1] = 2 read as 131072.
        using var dir = new TempDir();
        var path = dir.File("m.npz");
        Npz.Save(path, [KeyValuePair.Create("W1", new NpyArray(new double[] { 1, 2, 3 }, 3))]);
        var bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf(BitConverter.GetBytes(2.0));
        bytes[at + 7] ^= 1;
        var e = Refused(bytes);
        Assert.Contains("[W1.npy]: the entry fails its CRC-32 check", e.Message);
        Assert.Contains("the file is damaged", e.Message);
    }

    [Fact]
    public void RefusesNonZipAndTruncatedFiles()
    {
        Assert.Contains("not a readable zip archive", Refused("not a zip file at all, just text"u8.ToArray()).Message);
        Assert.Contains("not a readable zip archive", Refused([]).Message);
        var zip = Zip(z => Add(z, "x.npy", NpyBytes(new NpyArray(new double[64], 8, 8)), CompressionLevel.Optimal));
        for (int n = 1; n < zip.Length; n += 7)
            Assert.Throws<InvalidDataException>(() => Npz.Read(new MemoryStream(zip[..n]), "cut"));
    }

    [Fact]
    public void MissingFilesAreFileNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => Npz.Load(dir.File("none.npz")));
        Assert.Throws<DirectoryNotFoundException>(() => Npz.Load(dir.File("no/none.npz")));
    }
}
