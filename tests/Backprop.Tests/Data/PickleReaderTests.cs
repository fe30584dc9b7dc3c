using System.Text;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class PickleReaderTests
{
    private static readonly int[] Labels = [3, 8, 8, 0, 6];
    private static readonly byte[] Pixels = Enumerable.Range(0, 5 * 3072).Select(i => (byte)(i * 31 % 251)).ToArray();

    private static ImageSet ReadBatch(TempDir dir, byte[] pickle) => Cifar10.ReadPythonBatch(dir.Write("batch", pickle));

    private static InvalidDataException Refused(byte[] pickle)
    {
        using var dir = new TempDir();
        var path = dir.Write("batch", pickle);
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.ReadPythonBatch(path));
        Assert.StartsWith(path + ":", e.Message);
        return e;
    }

    [Fact]
    public void TheBuilderReproducesTheRealFirstBatchByteForByte()
    {
        // Confirms that the generated pickles below have the real files' layout, opcode for opcode.
        var bin = Cifar10.ReadBinaryBatch(Path.Combine(TestData.Cifar10BinaryDir, "data_batch_1.bin"));
        var built = PickleBuilder.OfficialBatch(bin.Labels, bin.Pixels);
        var real = File.ReadAllBytes(Path.Combine(TestData.Cifar10PythonDir, "data_batch_1"));
        Assert.True(built.AsSpan().SequenceEqual(real), "the official layout differs from the real data_batch_1");
    }

    [Fact]
    public void ReadsTheOfficialLayoutWithManyLabelGroupsAndLongMemoIndices()
    {
        // 2500 labels: three MARK … APPENDS groups, as cPickle writes 10000 labels in groups of 1000.
        var labels = Enumerable.Range(0, 2500).Select(i => i % 10).ToArray();
        var pixels = new byte[2500 * 3072];
        new Random(1).NextBytes(pixels);
        using var dir = new TempDir();
        var set = ReadBatch(dir, PickleBuilder.OfficialBatch(labels, pixels));
        Assert.Equal(labels, set.Labels);
        Assert.True(set.Pixels.AsSpan().SequenceEqual(pixels));

        // LONG_BINPUT / LONG_BINGET (memo indices above 255, as with the official 'filenames' list).
        var p = new PickleBuilder().Proto().Op('}').Put(300).Mark()
            .ShortBinString("labels").Put(301).Op(']').Put(302).Mark().Int(1).Int(2).Op('e')
            .ShortBinString("copy").Get(302)
            .Op('u').Op('.').ToArray();
        var value = Assert.IsType<PickleDict>(PickleReader.Parse(p, "memo"));
        Assert.True(value.TryGetValue("copy", out var copy));
        Assert.Equal(new List<object?> { 1L, 2L }, copy);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsWhatPython3WritesAtProtocol2WithStrOrBytesKeys(bool bytesKeys)
    {
        using var dir = new TempDir();
        var set = ReadBatch(dir, PickleBuilder.Python3Batch(Labels, Pixels, bytesKeys));
        Assert.Equal(Labels, set.Labels);
        Assert.True(set.Pixels.AsSpan().SequenceEqual(Pixels));
    }

    [Fact]
    public void RefusesAForeignGlobalSuchAsOsSystem()
    {
        // The classic exploit: os.system('echo pwned') via GLOBAL + REDUCE.
        var b = new PickleBuilder().Proto();
        long offset = b.Position;
        var pickle = b.Global("os", "system").ShortBinString("echo pwned").Op(0x85).Op('R').Op('.').ToArray();
        var e = Refused(pickle);
        Assert.Contains($"at byte {offset}", e.Message);
        Assert.Contains("os.system", e.Message);
    }

    [Theory]
    [InlineData("builtins", "eval")]
    [InlineData("numpy", "load")]
    [InlineData("numpy.core.multiarray", "scalar")]
    [InlineData("__builtin__", "getattr")]
    public void RefusesEveryOtherGlobal(string module, string name)
    {
        var e = Refused(new PickleBuilder().Proto().Global(module, name).Op('.').ToArray());
        Assert.Contains("at byte 2", e.Message);
        Assert.Contains($"{module}.{name}", e.Message);
    }

    [Theory]
    [InlineData((byte)'i')]  // INST: imports and calls
    [InlineData((byte)'o')]  // OBJ
    [InlineData((byte)0x81)] // NEWOBJ
    [InlineData((byte)0x93)] // STACK_GLOBAL
    [InlineData((byte)'P')]  // PERSID
    [InlineData((byte)'S')]  // STRING (protocol 0)
    [InlineData((byte)'F')]  // FLOAT
    [InlineData((byte)0x95)] // FRAME
    public void RefusesOpcodesOutsideTheCifarSet(byte opcode)
    {
        var e = Refused(new PickleBuilder().Proto().Op(opcode).Raw("x\ny\n"u8).Op('.').ToArray());
        Assert.Contains("at byte 2", e.Message);
        Assert.Contains($"0x{opcode:x2}", e.Message);
    }

    [Fact]
    public void RefusesOtherProtocolsAndNonPickles()
    {
        Assert.Contains("protocol 4", Refused(new PickleBuilder().Proto(4).Op('N').Op('.').ToArray()).Message);
        Assert.Contains("protocol-2", Refused("(dp0\nS'data'\n"u8.ToArray()).Message);
        Assert.Contains("at byte 0", Refused([]).Message);
    }

    [Fact]
    public void RefusesTruncatedFilesAtEveryLength()
    {
        var whole = PickleBuilder.OfficialBatch(Labels, Pixels);
        using var dir = new TempDir();
        var path = dir.File("batch");
        foreach (int cut in new[] { 1, 2, 3, 10, 40, 70, 100, 150, whole.Length / 2, whole.Length - 4, whole.Length - 1 })
        {
            File.WriteAllBytes(path, whole[..cut]);
            var e = Assert.Throws<InvalidDataException>(() => Cifar10.ReadPythonBatch(path));
            Assert.StartsWith(path + ": at byte ", e.Message);
        }
    }

    [Fact]
    public void RefusesAStringLengthThatExceedsTheFileBeforeAllocating()
    {
        // A BINSTRING claiming 2 GB in a tiny file.
        var pickle = new PickleBuilder().Proto().Op('T').Int32(int.MaxValue).Raw("abc"u8).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => PickleReader.Parse(pickle, "lie"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("at byte 2", e.Message);
        Assert.Contains("2147483647", e.Message);
        Assert.Contains("negative length", Assert.Throws<InvalidDataException>(() =>
            PickleReader.Parse(new PickleBuilder().Proto().Op('X').Int32(-5).ToArray(), "neg")).Message);
    }

    [Fact]
    public void RefusesAMemoisedTextEncodedAgainAndAgain()
    {
        // _codecs.encode and a 100 KB text memoised once, then REDUCEd 200 times at 5 bytes each: 20 MB from 101 KB.
        var p = new List<byte> { 0x80, 0x02 };
        p.AddRange("c_codecs\nencode\n"u8.ToArray());
        p.AddRange([(byte)'q', 1]);
        string big = new('A', 100_000);
        p.Add((byte)'X'); p.AddRange(BitConverter.GetBytes(big.Length)); p.AddRange(Encoding.ASCII.GetBytes(big));
        p.Add((byte)'X'); p.AddRange(BitConverter.GetBytes(6)); p.AddRange("latin1"u8.ToArray());
        p.AddRange([0x86, (byte)'q', 0x02, (byte)'}', (byte)'(', (byte)'X', 4, 0, 0, 0]);
        p.AddRange("data"u8.ToArray());
        p.Add((byte)']');
        for (int i = 0; i < 200; i++) p.AddRange([(byte)'h', 1, (byte)'h', 2, (byte)'R', (byte)'a']);
        p.AddRange([(byte)'u', (byte)'.']);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => PickleReader.Parse(p.ToArray(), "laughs"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
        Assert.Contains("encoded again and again", e.Message);
    }

    [Fact]
    public void RefusesAnArrayWhoseShapeDisagreesWithItsBytes()
    {
        var pickle = new PickleBuilder().OfficialBatchPrefix(Labels, "x", rows: 500_000).BinString(Pixels).OfficialBatchSuffix().ToArray();
        var e = Refused(pickle);
        Assert.Contains("(500000, 3072) needs 1536000000 bytes but its data has 15360", e.Message);
    }

    [Fact]
    public void RefusesAnArrayOfHugeDimensionsBesideAZero()
    {
        var pickle = new PickleBuilder().Proto()
            .Global("numpy.core.multiarray", "_reconstruct").Global("numpy", "ndarray").Int(0).Op(0x85).ShortBinString("b").Op(0x87).Op('R')
            .Mark().Int(1).Mark().Int(int.MaxValue).Int(int.MaxValue).Int(0).Op('t')
            .Global("numpy", "dtype").ShortBinString("u1").Int(0).Int(1).Op(0x87).Op('R')
            .Mark().Int(3).ShortBinString("|").Op('N').Op('N').Op('N').Op('J').Int32(-1).Op('J').Int32(-1).Int(0).Op('t').Op('b')
            .Op(0x89).BinString([]).Op('t').Op('b').Op('.').ToArray();
        var e = Assert.Throws<InvalidDataException>(() => PickleReader.Parse(pickle, "p"));
        Assert.Contains("(2147483647, 2147483647, 0) has more elements than this reader supports", e.Message);
    }

    [Fact]
    public void RefusesLayoutsThatAreNotACifarBatch()
    {
        // Valid pickles, wrong content.
        Assert.Contains("no dict", Refused(new PickleBuilder().Proto().Op(']').Op('.').ToArray()).Message);
        Assert.Contains("no 'data'", Refused(new PickleBuilder().Proto().Op('}').Op('.').ToArray()).Message);
        var fewerLabels = new PickleBuilder().OfficialBatchPrefix(Labels[..3], "x", rows: 5).BinString(Pixels).OfficialBatchSuffix().ToArray();
        Assert.Contains("5 images but 'labels' holds 3", Refused(fewerLabels).Message);
        var badLabel = new PickleBuilder().OfficialBatchPrefix([1, 2, 10, 3, 4], "x", rows: 5).BinString(Pixels).OfficialBatchSuffix().ToArray();
        Assert.Contains("'labels'[2] is 10", Refused(badLabel).Message);
        var wrongWidth = new PickleBuilder().OfficialBatchPrefix(Labels, "x", rows: 10, columns: 1536).BinString(Pixels).OfficialBatchSuffix().ToArray();
        Assert.Contains("(N, 3072)", Refused(wrongWidth).Message);
    }

    [Fact]
    public void RefusesMalformedMachinePrograms()
    {
        var cases = new (byte[] Pickle, string Expect)[]
        {
            (new PickleBuilder().Proto().Op('N').Op('N').Op('.').ToArray(), "unbalanced"),
            (new PickleBuilder().Proto().Op('e').ToArray(), "no MARK"),
            (new PickleBuilder().Proto().Op(0x87).ToArray(), "underflow"),
            (new PickleBuilder().Proto().Op('h').Op(9).ToArray(), "never stored"),
            (new PickleBuilder().Proto().Op('N').Op('.').Op('N').ToArray(), "follow the STOP"),
            (new PickleBuilder().Proto().Op('N').ToArray(), "without a STOP"),
            (new PickleBuilder().Proto().Op('K').Op(1).Mark().Op('e').ToArray(), "not a list"),
            (new PickleBuilder().Proto().Op('}').Op(']').Int(1).Op('s').ToArray(), "key of type list"),
            (new PickleBuilder().Proto().Op('}').Mark().Int(1).Op('u').ToArray(), "odd number"),
            (new PickleBuilder().Proto().Global("numpy", "dtype").ShortBinString("f8").Int(0).Int(1).Op(0x87).Op('R')
                .Mark().Int(3).ShortBinString("<").Op('N').Op('N').Op('N').Op('J').Int32(-1).Op('J').Int32(-1).Int(0).Op('t').Op('b').Op('.').ToArray(), ""),
            (new PickleBuilder().Proto().Global("numpy", "ndarray").Op('.').ToArray(), "global"),
            (new PickleBuilder().Proto().Global("_codecs", "encode").BinUnicode("x").BinUnicode("rot13").Op(0x86).Op('R').Op('.').ToArray(), "latin1"),
            (new PickleBuilder().Proto().Op('X').Int32(2).Raw([0xff, 0xfe]).Op('.').ToArray(), "UTF-8"),
            (new PickleBuilder().Proto().Op('c').Raw("numpy"u8).ToArray(), "newline"),
        };
        foreach (var (pickle, expect) in cases)
        {
            if (expect == "")
            {
                // A built dtype alone is still not data.
                Assert.Throws<InvalidDataException>(() => PickleReader.Parse(pickle, "p"));
                continue;
            }
            var e = Assert.Throws<InvalidDataException>(() => PickleReader.Parse(pickle, "p"));
            Assert.Contains(expect, e.Message);
        }
    }

    [Fact]
    public void RefusesANonUint8ArrayAndFortranOrder()
    {
        var f8 = new PickleBuilder().OfficialBatchPrefix(Labels, "x", 5).ToArray();
        var text = Encoding.Latin1.GetString(f8).Replace("\u0002u1", "\u0002f8");
        var e = Refused([.. Encoding.Latin1.GetBytes(text[..^1]), 0x89, .. new PickleBuilder().BinString(Pixels).OfficialBatchSuffix().ToArray()]);
        Assert.Contains("'f8'", e.Message);
        var fortran = new PickleBuilder().OfficialBatchPrefix(Labels, "x", 5).ToArray();
        fortran[^1] = 0x88; // NEWTRUE for fortran_order
        Assert.Contains("Fortran", Refused([.. fortran, .. new PickleBuilder().BinString(Pixels).OfficialBatchSuffix().ToArray()]).Message);
    }

    [Fact]
    public void MissingFilesAreFileNotFound()
    {
        using var dir = new TempDir();
        Assert.Throws<FileNotFoundException>(() => Cifar10.ReadPythonBatch(dir.File("nope")));
        Assert.Throws<DirectoryNotFoundException>(() => Cifar10.ReadPythonBatch(dir.File("no/such/batch")));
        Assert.Throws<DirectoryNotFoundException>(() => Cifar10.Load(dir.File("missing"), Cifar10Format.Python));
    }
}
