using System.Buffers.Binary;
using System.Text;
using Backprop.Data;
using Backprop.Tensors;

namespace Backprop.Tests.Data;

public class NpyTests
{
    // Headers exactly as NumPy 1.24 writes them (np.save, and numpy.lib.format.write_array with version=(2,0)/(3,0)).
    private const string F32Header23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }                                                          \n";
    private const string I8Header3 = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }                                                            \n";
    private const string F8HeaderScalar = "{'descr': '<f8', 'fortran_order': False, 'shape': (), }                                                              \n";

    public static TheoryData<NpyDType, int> DTypesAndVersions()
    {
        var data = new TheoryData<NpyDType, int>();
        foreach (var d in Enum.GetValues<NpyDType>())
            foreach (var v in new[] { 0, 1, 2, 3 })
                data.Add(d, v);
        return data;
    }

    private static NpyArray Sample(NpyDType dtype) => dtype switch
    {
        NpyDType.UInt8 => new NpyArray(new byte[] { 0, 1, 127, 128, 254, 255 }, 2, 3),
        NpyDType.Int32 => new NpyArray(new[] { int.MinValue, -1, 0, 1, int.MaxValue, 42 }, 3, 2),
        NpyDType.Int64 => new NpyArray(new[] { long.MinValue, -1L, 0, long.MaxValue }, 4),
        NpyDType.Float32 => new NpyArray(new[] { -0f, 1.5f, float.NaN, float.PositiveInfinity, float.Epsilon, 3e38f, 7f, 8f }, 2, 2, 2),
        NpyDType.Float64 => new NpyArray(new[] { Math.PI, -1e300, double.NegativeInfinity, 5e-324 }, 1, 4),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static byte[] Bytes(NpyArray a, int version = 0)
    {
        var ms = new MemoryStream();
        Npy.Write(ms, a, version);
        return ms.ToArray();
    }

    private static byte[] File(int major, string header, byte[] data)
    {
        var h = Encoding.Latin1.GetBytes(header);
        var lengthField = major == 1 ? new byte[2] : new byte[4];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(lengthField, (ushort)h.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(lengthField, (uint)h.Length);
        return [0x93, .. "NUMPY"u8, (byte)major, 0, .. lengthField, .. h, .. data];
    }

    [Theory]
    [MemberData(nameof(DTypesAndVersions))]
    public void RoundTripsEveryDTypeAndVersion(NpyDType dtype, int version)
    {
        var a = Sample(dtype);
        using var dir = new TempDir();
        var path = dir.File("a.npy");
        Npy.Save(path, a, version);
        var raw = System.IO.File.ReadAllBytes(path);
        Assert.Equal(version == 0 ? 1 : version, raw[6]);
        Assert.Equal(0, (raw.Length - a.Size * a.ItemSize) % 64); // data starts 64-byte aligned
        var b = Npy.Load(path);
        Assert.Equal(a.DType, b.DType);
        Assert.Equal(a.ShapeArray(), b.ShapeArray());
        Assert.True(a.RawBytes.SequenceEqual(b.RawBytes));
    }

    [Fact]
    public void WritesExactlyWhatNumPyWrites()
    {
        var f32 = Bytes(new NpyArray(new float[] { 0, 1, 2, 3, 4, 5 }, 2, 3));
        Assert.Equal(152, f32.Length);
        Assert.Equal((byte[])[0x93, .. "NUMPY"u8, 1, 0, 0x76, 0x00], f32[..10]);
        Assert.Equal(F32Header23, Encoding.Latin1.GetString(f32, 10, 118));
        Assert.Equal(BitConverter.GetBytes(5f), f32[^4..]);

        Assert.Equal(I8Header3, Encoding.Latin1.GetString(Bytes(new NpyArray(new long[] { 1, 2, 3 }, 3)), 10, 118));
        Assert.Equal(F8HeaderScalar, Encoding.Latin1.GetString(Bytes(new NpyArray(new double[] { 1 })), 10, 118));
        Assert.Equal("{'descr': '|u1', 'fortran_order': False, 'shape': (0,), }                                                            \n",
            Encoding.Latin1.GetString(Bytes(new NpyArray(Array.Empty<byte>(), 0)), 10, 118));

        // Version 2.0 and 3.0: a 4-byte length field, so two fewer padding spaces.
        var v2 = Bytes(new NpyArray(new int[] { 7, 8, 9, 10 }, 2, 2), version: 2);
        Assert.Equal((byte[])[0x93, .. "NUMPY"u8, 2, 0, 0x74, 0x00, 0x00, 0x00], v2[..12]);
        Assert.Equal("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }                                                        \n", Encoding.Latin1.GetString(v2, 12, 116));
        var v3 = Bytes(new NpyArray(new byte[] { 7, 8, 255 }, 3), version: 3);
        Assert.Equal(131, v3.Length);
        Assert.Equal(3, v3[6]);
    }

    [Fact]
    public void SavesNDArraysAndLeaderboardPredictions()
    {
        using var dir = new TempDir();
        var x = NDArray<float>.FromArray([1, 2, 3, 4, 5, 6], 3, 2);
        Npy.Save(dir.File("x.npy"), x);
        var back = Npy.Load<float>(dir.File("x.npy"));
        Assert.Equal(x.ShapeArray(), back.ShapeArray());
        Assert.Equal(x.AsSpan(), back.AsSpan());
        var d = Npy.Load<double>(dir.File("x.npy"));
        Assert.Equal([1.0, 2, 3, 4, 5, 6], d.AsSpan());

        Npy.Save(dir.File("pred.npy"), new long[] { 3, 1, 4, 1, 5 });
        var p = Npy.Load(dir.File("pred.npy"));
        Assert.Equal(NpyDType.Int64, p.DType);
        Assert.Equal([3L, 1, 4, 1, 5], p.ToInt64Array());
        Assert.Equal([3, 1, 4, 1, 5], p.ToInt32Array());
        Assert.Equal(I8Header3.Replace("(3,), }", "(5,), }"), Encoding.Latin1.GetString(System.IO.File.ReadAllBytes(dir.File("pred.npy")), 10, 118));
        // Solver.Predict's int[] saves as NumPy's argmax dtype, the same bytes.
        Npy.Save(dir.File("pred32.npy"), new[] { 3, 1, 4, 1, 5 });
        Assert.Equal(System.IO.File.ReadAllBytes(dir.File("pred.npy")), System.IO.File.ReadAllBytes(dir.File("pred32.npy")));
    }

    [Fact]
    public void ReadsHeadersNumPyMightWriteDifferently()
    {
        // Reordered keys, double quotes, Python 2 long literals, trailing comma in the shape, 16-byte alignment.
        var a = Npy.Parse(File(1, "{\"shape\": (2L, 1L,), 'fortran_order': False, 'descr': '<f8'}   \n", new byte[16]), "x");
        Assert.Equal([2, 1], a.ShapeArray());
        Assert.Equal(NpyDType.Float64, a.DType);
        var empty = Npy.Parse(File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 1000000000), }\n", []), "x");
        Assert.Equal(0, empty.Size);
        Assert.Equal([0, 1000000000], empty.ToNDArray<float>().ShapeArray());
    }

    private static InvalidDataException Refused(byte[] file)
    {
        using var dir = new TempDir();
        var path = dir.Write("bad.npy", file);
        var e = Assert.Throws<InvalidDataException>(() => Npy.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        return e;
    }

    [Fact]
    public void RefusesAHeaderThatLiesAboutItsShapeBeforeAllocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var huge = Refused(File(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }\n", new byte[64]));
        Assert.Contains("(1000000, 1000000) has more elements than this reader supports", huge.Message);
        var lie = Refused(File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 1000), }\n", new byte[400]));
        Assert.Contains("(4000000 bytes of data) but only 400 bytes follow", lie.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "a lying header made the reader allocate");
        var extra = Refused(File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", new byte[12]));
        Assert.Contains("4 bytes follow the 8 bytes of data", extra.Message);
        var zeroBeside = Refused(File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000, 0), }\n", []));
        Assert.Contains("zero dimensions aside", zeroBeside.Message);
        var over = Refused(File(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999,), }\n", []));
        Assert.Contains("larger than 2147483647", over.Message);
    }

    [Fact]
    public void RefusesFortranBigEndianObjectAndOtherDTypes()
    {
        Assert.Contains("Fortran-order", Refused(File(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }\n", new byte[48])).Message);
        Assert.Contains("big-endian", Refused(File(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }\n", new byte[12])).Message);
        Assert.Contains("object arrays", Refused(File(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }\n", new byte[16])).Message);
        Assert.Contains("only uint8", Refused(File(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n", new byte[16])).Message);
        Assert.Contains("structured", Refused(File(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", new byte[4])).Message);
    }

    [Fact]
    public void RefusesBrokenMagicVersionAndHeaders()
    {
        Assert.Contains("magic string", Refused("\x93NUMPZ\x01\x00\x00\x00"u8.ToArray()).Message);
        Assert.Contains("too few", Refused([0x93, 0x4e]).Message);
        Assert.Contains("version 4.0", Refused([0x93, .. "NUMPY"u8, 4, 0, 0, 0, 0, 0]).Message);
        Assert.Contains("only 5 bytes follow", Refused([0x93, .. "NUMPY"u8, 1, 0, 0xff, 0x00, .. "{'des"u8]).Message);
        Assert.Contains("refused", Refused([0x93, .. "NUMPY"u8, 2, 0, 0xff, 0xff, 0xff, 0x7f, 0x20]).Message);
        var bad = new Dictionary<string, string>
        {
            ["{'descr': '<f4', 'fortran_order': False, }\n"] = "no 'shape'",
            ["{'descr': '<f4', 'shape': (1,), }\n"] = "no 'fortran_order'",
            ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'evil': __import__('os'), }\n"] = "unexpected key 'evil'",
            ["{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }\n"] = "True or False",
            ["{'descr': '<f4', 'fortran_order': False, 'shape': (1), }\n"] = "with a comma",
            ["{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n"] = "not a non-negative integer",
            ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x\n"] = "after the header",
            ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (1,)}\n"] = "appears twice",
            ["{'descr': '<f\\x34', 'fortran_order': False, 'shape': (1,)}\n"] = "escape",
            ["{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}\n"] = "expected '}'",
            ["{'descr': '<f4', 'fortran_order': False, 'shape': (1,\n"] = "header ends",
        };
        foreach (var (header, expect) in bad)
            Assert.Contains(expect, Refused(File(1, header, new byte[4])).Message);
        var manyDims = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + string.Concat(Enumerable.Repeat("1, ", 65)) + "), }\n";
        Assert.Contains("more than 64 dimensions", Refused(File(1, manyDims, new byte[4])).Message);
        Assert.Contains("UTF-8", Refused(File(3, "{'descr': '\xff', }\n", [])).Message);
    }

    [Fact]
    public void TruncationAtEveryLengthIsInvalidData()
    {
        var whole = Bytes(new NpyArray(new double[] { 1, 2, 3 }, 3));
        for (int n = 0; n < whole.Length; n++)
            Assert.Throws<InvalidDataException>(() => Npy.Parse(whole.AsSpan(0, n), "cut"));
    }

    [Fact]
    public void MissingFilesAreFileNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => Npy.Load(dir.File("none.npy")));
        Assert.Throws<DirectoryNotFoundException>(() => Npy.Load(dir.File("no/none.npy")));
        Assert.Throws<DirectoryNotFoundException>(() => Npy.Save(dir.File("no/none.npy"), new long[] { 1 }));
    }

    [Fact]
    public void AShapeOfMoreDimensionsThanAnNpyFileHoldsIsRefusedBeforeWriting()
    {
        var e = Assert.Throws<ArgumentException>(() => new NpyArray(new float[1], Enumerable.Repeat(1, 65).ToArray()));
        Assert.Contains("65 dimensions", e.Message);
        Assert.Equal(64, new NpyArray(new float[1], Enumerable.Repeat(1, 64).ToArray()).Shape.Length);
    }
}
