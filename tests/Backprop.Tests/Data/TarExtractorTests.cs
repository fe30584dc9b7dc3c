using System.Formats.Tar;
using System.IO.Compression;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class TarExtractorTests
{
    internal record Item(TarEntryType Type, string Name, byte[]? Data = null, string? Link = null);

    internal static byte[] TarGz(params Item[] items)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gz, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var it in items)
            {
                var e = new PaxTarEntry(it.Type, it.Name);
                if (it.Data is not null) e.DataStream = new MemoryStream(it.Data);
                if (it.Link is not null) e.LinkName = it.Link;
                tar.WriteEntry(e);
            }
        }
        return ms.ToArray();
    }

    [Fact]
    public void ExtractsFilesAndFoldersIntoAFolderThatAppearsWhenComplete()
    {
        using var dir = new TempDir();
        var archive = dir.Write("a.tar.gz", TarGz(
            new(TarEntryType.Directory, "cifar-10-batches-py/"),
            new(TarEntryType.RegularFile, "cifar-10-batches-py/data_batch_1", [1, 2, 3]),
            new(TarEntryType.RegularFile, "./cifar-10-batches-py/readme.html", "hello"u8.ToArray()),
            new(TarEntryType.RegularFile, "other/deep/x.bin", [])));
        var files = TarExtractor.Extract(archive, dir.File("out"));
        Assert.Equal(["cifar-10-batches-py/data_batch_1", "cifar-10-batches-py/readme.html", "other/deep/x.bin"], files);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(dir.File("out/cifar-10-batches-py/data_batch_1")));
        Assert.Equal("hello", File.ReadAllText(dir.File("out/cifar-10-batches-py/readme.html")));
        Assert.Equal(0, new FileInfo(dir.File("out/other/deep/x.bin")).Length);
        // An existing destination is not touched.
        Assert.Throws<IOException>(() => TarExtractor.Extract(archive, dir.File("out")));
    }

    [Fact]
    public void ACancelledExtraction_StopsBetweenEntries_AndKeepsNothing()
    {
        using var dir = new TempDir();
        var archive = dir.Write("a.tar.gz", TarGz(new(TarEntryType.RegularFile, "x/a.bin", [1]), new(TarEntryType.RegularFile, "x/b.bin", [2])));
        using var ctrlC = new CancellationTokenSource();
        ctrlC.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => TarExtractor.Extract(archive, dir.File("out"), cancellationToken: ctrlC.Token));
        Assert.Equal(["a.tar.gz"], dir.Contents());   // neither the destination nor its temporary folder
    }

    public static TheoryData<string, string> HostileEntries() => new()
    {
        { "../evil.txt", "leaves the target folder" },
        { "cifar/../../evil.txt", "leaves the target folder" },
        { "/tmp/evil.txt", "absolute path" },
        { "a\\..\\..\\evil.txt", "backslash" },
        { "C:/evil.txt", "contains ':'" },
        { new string('n', 256) + "/x", "longer than 255 bytes" },
        { string.Concat(Enumerable.Repeat(new string('d', 200) + "/", 21)) + "x", "longer than 4096 bytes" },
    };

    [Theory]
    [MemberData(nameof(HostileEntries))]
    public void RefusesPathsThatLeaveTheTargetAndLeavesNothingBehind(string name, string expect)
    {
        using var dir = new TempDir();
        var archive = dir.Write("a.tar.gz", TarGz(
            new(TarEntryType.RegularFile, "fine.txt", [1]),
            new(TarEntryType.RegularFile, name, "pwned"u8.ToArray())));
        var e = Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(archive, dir.File("sub/out")));
        Assert.StartsWith(archive + ": ", e.Message);
        Assert.Contains(expect, e.Message);
        Assert.Equal(["a.tar.gz", "sub"], dir.Contents()); // no out/, no partial folder, no evil.txt
        Assert.False(File.Exists("/tmp/evil.txt") && File.ReadAllText("/tmp/evil.txt") == "pwned");
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "symbolic link")]
    [InlineData(TarEntryType.HardLink, "hard link")]
    [InlineData(TarEntryType.CharacterDevice, "character device")]
    [InlineData(TarEntryType.BlockDevice, "block device")]
    [InlineData(TarEntryType.Fifo, "FIFO")]
    public void RefusesLinksAndDevices(TarEntryType type, string expect)
    {
        using var dir = new TempDir();
        var link = type is TarEntryType.SymbolicLink or TarEntryType.HardLink ? "/etc/passwd" : null;
        var archive = dir.Write("a.tar.gz", TarGz(
            new(TarEntryType.RegularFile, "fine.txt", [1]),
            new(type, "data/link", Link: link)));
        var e = Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(archive, dir.File("out")));
        Assert.Contains($"'data/link' is a {expect}", e.Message);
        Assert.Equal(["a.tar.gz"], dir.Contents());
    }

    [Fact]
    public void RefusesDuplicatesConflictsAndSizeLimits()
    {
        using var dir = new TempDir();
        var dup = dir.Write("dup.tar.gz", TarGz(new Item(TarEntryType.RegularFile, "x", [1]), new Item(TarEntryType.RegularFile, "./x", [2])));
        Assert.Contains("'x' appears twice", Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(dup, dir.File("o1"))).Message);
        var conflict = dir.Write("conflict.tar.gz", TarGz(new Item(TarEntryType.RegularFile, "x", [1]), new Item(TarEntryType.RegularFile, "x/y", [2])));
        Assert.Contains("has the name of a file", Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(conflict, dir.File("o2"))).Message);
        var big = dir.Write("big.tar.gz", TarGz(new Item(TarEntryType.RegularFile, "x", new byte[1000])));
        Assert.Contains("limit of 999 bytes", Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(big, dir.File("o3"), maxTotalBytes: 999)).Message);
        var many = dir.Write("many.tar.gz", TarGz(Enumerable.Range(0, 5).Select(i => new Item(TarEntryType.RegularFile, $"f{i}", [1])).ToArray()));
        Assert.Contains("more than 4 entries", Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(many, dir.File("o4"), maxEntries: 4)).Message);
        Assert.Equal(["big.tar.gz", "conflict.tar.gz", "dup.tar.gz", "many.tar.gz"], dir.Contents());
    }

    /// <summary>A raw 512-byte tar header with a correct checksum.</summary>
    internal static byte[] RawHeader(string name, char type, string octalSize, string magic = "ustar  \0")
    {
        var h = new byte[512];
        System.Text.Encoding.ASCII.GetBytes(name).CopyTo(h, 0);
        System.Text.Encoding.ASCII.GetBytes("0000644\0").CopyTo(h, 100);
        System.Text.Encoding.ASCII.GetBytes(octalSize.PadLeft(11, '0') + "\0").CopyTo(h, 124);
        h[156] = (byte)type;
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(h, 257);
        int sum = 0;
        for (int i = 0; i < 512; i++) sum += i is >= 148 and < 156 ? ' ' : h[i];
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(h, 148);
        return h;
    }

    [Theory]
    [InlineData('L')] // GNU long name
    [InlineData('x')] // PAX extended header
    [InlineData('g')] // PAX global header
    public void RefusesAHugeMetadataRecordBeforeAllocating(char type)
    {
        // Regression (fuzz finding): System.Formats.Tar allocated a GNU long name of the size its header claimed, so a
        // 127-byte archive claiming 33 MB cost 67 MB. Now such records are limited to 1 MiB.
        using var dir = new TempDir();
        var archive = dir.Write("a.tar.gz", IdxTests.Gzip([.. RawHeader("././@LongLink", type, Convert.ToString(0x2000_0A5, 8)), .. new byte[100]]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(archive, dir.File("out")));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 2 << 20, "a metadata header's claim made the extractor allocate");
        Assert.Contains("record of 33554597 bytes; at most 1048576 are accepted", e.Message);
        // Claims up to the limit are read only as far as the data really goes.
        var small = dir.Write("b.tar", [.. RawHeader("././@LongLink", type, Convert.ToString(1 << 20, 8)), .. new byte[100]]);
        before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Contains("ends inside a 1048576-byte metadata record", Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(small, dir.File("out"))).Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void AppliesGnuLongNamesAndPaxPaths()
    {
        using var dir = new TempDir();
        var longName = new string('d', 120) + "/file.bin";
        var archive = dir.Write("gnu.tar", TarBytesFromWriter(TarEntryFormat.Gnu, longName));
        Assert.Equal([longName], TarExtractor.Extract(archive, dir.File("o1")));
        var pax = dir.Write("pax.tar", TarBytesFromWriter(TarEntryFormat.Pax, longName));
        Assert.Equal([longName], TarExtractor.Extract(pax, dir.File("o2")));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(dir.File("o2"), longName)));
    }

    private static byte[] TarBytesFromWriter(TarEntryFormat format, string name)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, format, leaveOpen: true))
        {
            TarEntry e = format == TarEntryFormat.Gnu ? new GnuTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name);
            e.DataStream = new MemoryStream([1, 2, 3]);
            w.WriteEntry(e);
        }
        return ms.ToArray();
    }

    public static TheoryData<string, string, string> NamesThatDoNotTravel() => new()
    {
        // Windows drops a trailing dot or space (a. is a), refuses these characters, and opens a device for these names.
        { "fine.txt", "data/a.", "ends in a dot or a space" },
        { "fine.txt", "data/a /x", "ends in a dot or a space" },
        { "fine.txt", "what?.txt", "contains '?'" },
        { "fine.txt", "tab\there", "contains a control character" },
        { "fine.txt", "x/aux.tar.gz", "Windows device name 'aux'" },
        { "fine.txt", "COM1", "Windows device name 'COM1'" },
        // One file where names ignore case (Windows, macOS), two on Linux.
        { "readme.txt", "README.txt", "differs from 'readme.txt' only in case" },
        { "Data/a.bin", "data/b.bin", "differs from 'Data' only in case" },
        { "\u00e9t\u00e9", "\u00c9T\u00c9", "only in case" },
    };

    [Theory]
    [MemberData(nameof(NamesThatDoNotTravel))]
    public void RefusesNamesThatWouldExtractDifferentlyOnWindowsOrMacOS_OnEverySystem(string first, string second, string expect)
    {
        first = System.Text.RegularExpressions.Regex.Unescape(first);
        second = System.Text.RegularExpressions.Regex.Unescape(second);
        using var dir = new TempDir();
        var archive = dir.Write("a.tar.gz", TarGz(new(TarEntryType.RegularFile, first, [1]), new(TarEntryType.RegularFile, second, [2])));
        var e = Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(archive, dir.File("out")));
        Assert.StartsWith(archive + ": ", e.Message);
        Assert.Contains(expect, e.Message);
        Assert.Equal(["a.tar.gz"], dir.Contents());
    }

    [Fact]
    public void NamesThatTravel_AndOneFolderSpelledAlikeEveryTime_AreExtracted()
    {
        using var dir = new TempDir();
        var archive = dir.Write("a.tar.gz", TarGz(
            new(TarEntryType.Directory, "Batches/"),
            new(TarEntryType.RegularFile, "Batches/data.v1.bin", [1]),
            new(TarEntryType.RegularFile, "Batches/console.txt", [2]),   // a device name only as the whole stem
            new(TarEntryType.RegularFile, "Batches/COM10", [3]),
            new(TarEntryType.RegularFile, "Batches/.hidden", [4])));
        Assert.Equal(["Batches/data.v1.bin", "Batches/console.txt", "Batches/COM10", "Batches/.hidden"], TarExtractor.Extract(archive, dir.File("out")));
    }

    [Fact]
    public void RefusesCorruptAndTruncatedArchives()
    {
        using var dir = new TempDir();
        var good = TarGz(new Item(TarEntryType.RegularFile, "x", new byte[5000]), new Item(TarEntryType.RegularFile, "y", new byte[3000]));
        var tar = new MemoryStream();
        using (var gz = new GZipStream(new MemoryStream(good), CompressionMode.Decompress)) gz.CopyTo(tar);
        var plain = tar.ToArray();
        for (int cut = 100; cut < plain.Length - 512; cut += 347)
        {
            var path = dir.Write($"cut{cut}.tar", plain[..cut]);
            Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(path, dir.File($"o{cut}")));
        }
        var corrupt = (byte[])plain.Clone();
        corrupt[148] ^= 0x11; // header checksum
        var p = dir.Write("corrupt.tar", corrupt);
        Assert.StartsWith(p + ": ", Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(p, dir.File("oc"))).Message);
        // Damaged deflate data: .NET's "compressed using an unsupported compression method" was passed on.
        var damaged = (byte[])good.Clone();
        for (int i = 20; i < 60; i++) damaged[i] ^= 0x5a;
        var g = dir.Write("damaged.tar.gz", damaged);
        var e = Assert.Throws<InvalidDataException>(() => TarExtractor.Extract(g, dir.File("og")));
        Assert.StartsWith(g + ": ", e.Message);
        Assert.Contains("the archive is corrupt (its compressed data does not decompress, or fails its checksum: the file is damaged; fetch it again)", e.Message);
        Assert.DoesNotContain(dir.Contents(), n => n.StartsWith('o') || n.StartsWith(".o"));
    }
}
