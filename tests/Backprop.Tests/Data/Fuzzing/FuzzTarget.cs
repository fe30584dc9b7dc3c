using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Backprop.Data;

namespace Backprop.Tests.Data.Fuzzing;

/// <summary>
/// One file format under fuzzing: valid seed files, the reader to run on a file, the exceptions the reader documents, and
/// the allocation bound (<c>factor × input length + constant</c>) it must stay under.
/// </summary>
public sealed class FuzzTarget
{
    public required string Name { get; init; }

    /// <summary>Makes the valid files of the format (lazily: under AFL++ no library code may run before the fuzz loop).</summary>
    public required Func<IReadOnlyList<byte[]>> MakeSeeds { get; init; }

    private IReadOnlyList<byte[]>? _seeds;

    /// <summary>Valid files of the format.</summary>
    public IReadOnlyList<byte[]> Seeds => _seeds ??= MakeSeeds();

    /// <summary>Runs the reader on the file at the path (work folder given for outputs); returns a short description of the result.</summary>
    public required Func<string, string, string> Read { get; init; }

    /// <summary>(offset, width) of the length and count fields of a seed, for the "extreme value" mutation.</summary>
    public Func<byte[], IReadOnlyList<(int Offset, int Width)>> Fields { get; init; } = _ => [];

    /// <summary>For compressed formats: decompress a seed so that its content can be mutated, and compress it again.</summary>
    public (Func<byte[], byte[]> Unwrap, Func<byte[], byte[]> Wrap)? Inner { get; init; }

    /// <summary>Allowed allocation per input byte (deflate-based formats: ~3 × deflate's 1032:1 limit).</summary>
    public double AllocFactor { get; init; } = 8;

    /// <summary>Allowed allocation independent of the input (buffers).</summary>
    public long AllocConstant { get; init; } = 4 << 20;

    /// <summary>The only exception type the reader may throw for a malformed file.</summary>
    public static bool IsDocumented(Exception e) => e is InvalidDataException;
}

/// <summary>The formats and their seeds: the six data readers, then the run folder's files (<see cref="RunFileTargets"/>).</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All() => [Pickle(), CifarBinary(), IdxFormat(), NpyFormat(), NpzFormat(), TarGz(), .. RunFileTargets.All()];

    public static FuzzTarget ByName(string name) => All().SingleOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"Unknown format '{name}'; known: {string.Join(", ", All().Select(t => t.Name))}.");

    private static byte[] Pixels(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    // ---- pickle (CIFAR-10 python batch) --------------------------------------------------------------------------

    public static FuzzTarget Pickle() => new()
    {
        Name = "pickle",
        MakeSeeds = () =>
        [
            PickleBuilder.OfficialBatch([6, 9, 9], Pixels(3 * 3072, 1)),
            PickleBuilder.OfficialBatch([1], Pixels(3072, 2), "testing batch 1 of 1"),
            PickleBuilder.Python3Batch([3, 8], Pixels(2 * 3072, 3), bytesKeys: false),
            PickleBuilder.Python3Batch([0, 1, 2], Pixels(3 * 3072, 4), bytesKeys: true),
            // batches.meta-like: a dict of a list of strings and ints, with memo puts.
            new PickleBuilder().Proto().Op('}').Put(1).Mark().ShortBinString("num_cases_per_batch").Put(2).Int(10000)
                .ShortBinString("label_names").Put(3).Op(']').Put(4).Mark().ShortBinString("airplane").Put(5).ShortBinString("cat").Put(6).Op('e')
                .ShortBinString("num_vis").Put(7).Int(3072).Op('u').Op('.').ToArray(),
        ],
        Read = (path, _) =>
        {
            // The pickle machine on any pickle; then, for a dict with 'data' (a batch), the CIFAR layout checks too.
            var value = PickleReader.Load(path);
            if (value is not PickleDict dict || !dict.TryGetValue("data", out object? _)) return value?.GetType().Name ?? "None";
            return $"{Cifar10.ReadPythonBatch(path).Count} images";
        },
        Fields = PickleFields,
        AllocFactor = 16,
    };

    private static List<(int, int)> PickleFields(byte[] seed)
    {
        var f = new List<(int, int)>();
        for (int i = 0; i + 1 < seed.Length; i++)
        {
            switch (seed[i])
            {
                case (byte)'T' or (byte)'X' or (byte)'J' or (byte)'r' or (byte)'j': f.Add((i + 1, 4)); break;
                case (byte)'M': f.Add((i + 1, 2)); break;
                case (byte)'U' or (byte)'K' or (byte)'q' or (byte)'h': f.Add((i + 1, 1)); break;
            }
            if (f.Count > 400) break;
        }
        return f;
    }

    // ---- CIFAR-10 binary ------------------------------------------------------------------------------------------

    public static FuzzTarget CifarBinary() => new()
    {
        Name = "cifar-bin",
        MakeSeeds = () => [Records(3, 1), Records(1, 2), Records(5, 3), []],
        Read = (path, _) => $"{Cifar10.ReadBinaryBatch(path).Count} records",
        Fields = seed => Enumerable.Range(0, seed.Length / Cifar10.RecordBytes).Select(i => (i * Cifar10.RecordBytes, 1)).ToList(),
        AllocFactor = 4,
    };

    private static byte[] Records(int n, int seed)
    {
        var b = Pixels(n * Cifar10.RecordBytes, seed);
        for (int i = 0; i < n; i++) b[i * Cifar10.RecordBytes] = (byte)(b[i * Cifar10.RecordBytes] % 10);
        return b;
    }

    // ---- IDX (plain and gzip) -------------------------------------------------------------------------------------

    public static byte[] IdxFile(int magic, int[] dims, byte[] data)
    {
        var head = new byte[4 + 4 * dims.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(head, magic);
        for (int i = 0; i < dims.Length; i++) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(head.AsSpan(4 + 4 * i), dims[i]);
        return [.. head, .. data];
    }

    public static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(bytes);
        return ms.ToArray();
    }

    public static byte[] Gunzip(byte[] bytes)
    {
        using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    public static FuzzTarget IdxFormat()
    {
        var images = IdxFile(Idx.ImagesMagic, [4, 28, 28], Pixels(4 * 784, 5));
        var labels = IdxFile(Idx.LabelsMagic, [6], [9, 0, 0, 3, 0, 2]);
        var small = IdxFile(Idx.ImagesMagic, [2, 3, 5], Pixels(30, 6));
        return new FuzzTarget
        {
            Name = "idx",
            MakeSeeds = () => [images, labels, small, Gzip(images), Gzip(labels), Gzip(small)],
            // Idx.Read accepts any rank, so the images-vs-labels magic checks are exercised by ReadImages/ReadLabels too.
            Read = (path, _) =>
            {
                var a = Idx.Read(path);
                return a.Shape.Length switch
                {
                    3 => $"images {Idx.ReadImages(path).ShapeString}",
                    1 => $"labels {Idx.ReadLabels(path).Length}",
                    _ => $"rank {a.Shape.Length}",
                };
            },
            Fields = seed => DataFile_IsGzip(seed) ? [(0, 4)] : Enumerable.Range(0, Math.Min(4, (seed.Length - 4) / 4)).Select(i => (4 + 4 * i, 4)).Prepend((0, 4)).ToList(),
            Inner = (b => DataFile_IsGzip(b) ? Gunzip(b) : b, Gzip),
            AllocFactor = 3 * 1100,
        };
    }

    private static bool DataFile_IsGzip(byte[] b) => b.Length >= 2 && b[0] == 0x1f && b[1] == 0x8b;

    // ---- .npy ------------------------------------------------------------------------------------------------------

    public static byte[] NpyBytes(NpyArray a, int version = 0)
    {
        var ms = new MemoryStream();
        Npy.Write(ms, a, version);
        return ms.ToArray();
    }

    public static FuzzTarget NpyFormat() => new()
    {
        Name = "npy",
        MakeSeeds = () =>
        [
            NpyBytes(new NpyArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3)),
            NpyBytes(new NpyArray(new double[] { 1, 2 }, 2), 2),
            NpyBytes(new NpyArray(new long[] { 1, 2, 3 }, 3), 3),
            NpyBytes(new NpyArray(new int[] { 7 })),
            NpyBytes(new NpyArray(new byte[] { 1, 2, 3, 4 }, 1, 2, 2)),
            NpyBytes(new NpyArray(Array.Empty<float>(), 0, 5)),
        ],
        Read = (path, _) => Npy.Load(path).ToString(),
        Fields = seed => [(6, 1), (7, 1), (8, 2), (8, 4)],
        AllocFactor = 8,
    };

    // ---- .npz ------------------------------------------------------------------------------------------------------

    public static byte[] NpzBytes(bool compressed, params (string Key, NpyArray Array)[] arrays)
    {
        var ms = new MemoryStream();
        Npz.Write(ms, arrays.Select(a => KeyValuePair.Create(a.Key, a.Array)), compressed);
        return ms.ToArray();
    }

    public static FuzzTarget NpzFormat() => new()
    {
        Name = "npz",
        MakeSeeds = () =>
        [
            NpzBytes(false, ("W1", new NpyArray(new float[] { 1, 2, 3, 4 }, 2, 2)), ("b1", new NpyArray(new float[] { 5, 6 }, 2))),
            NpzBytes(true, ("W1", new NpyArray(new double[64], 8, 8)), ("y", new NpyArray(new long[] { 1, 2, 3 }, 3))),
            NpzBytes(false, ("x", new NpyArray(new byte[] { 1 }, 1))),
            NpzBytes(true, ("a", new NpyArray(new int[] { 1, 2 }, 2)), ("b", new NpyArray(new float[] { 1 })), ("c", new NpyArray(Array.Empty<double>(), 0))),
            // Written by NumPy itself (np.savez / np.savez_compressed): zip64 extra fields on every entry.
            Convert.FromBase64String(NumPyFiles.Savez),
            Convert.FromBase64String(NumPyFiles.SavezCompressed),
        ],
        Read = (path, _) => $"{Npz.Load(path).Count} arrays",
        Fields = ZipFields,
        // Inner mutations change the first array's .npy bytes inside a well-formed archive.
        Inner = (FirstEntry, npy => NpzRaw(npy, stored: npy.Length % 2 == 0)),
        AllocFactor = 3 * 1100,
    };

    private static byte[] FirstEntry(byte[] zip)
    {
        using var archive = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        using var s = archive.Entries[0].Open();
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static byte[] NpzRaw(byte[] npy, bool stored)
    {
        var ms = new MemoryStream();
        using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = archive.CreateEntry("x.npy", stored ? CompressionLevel.NoCompression : CompressionLevel.Fastest).Open())
            s.Write(npy);
        return ms.ToArray();
    }

    /// <summary>The size, count and offset fields of a zip's local headers, central directory and end record.</summary>
    private static List<(int, int)> ZipFields(byte[] z)
    {
        var f = new List<(int, int)>();
        for (int i = 0; i + 4 <= z.Length; i++)
        {
            if (z[i] != 'P' || z[i + 1] != 'K') continue;
            if (z[i + 2] == 3 && z[i + 3] == 4) f.AddRange([(i + 8, 2), (i + 14, 4), (i + 18, 4), (i + 22, 4), (i + 26, 2), (i + 28, 2)]);
            else if (z[i + 2] == 1 && z[i + 3] == 2) f.AddRange([(i + 10, 2), (i + 20, 4), (i + 24, 4), (i + 28, 2), (i + 30, 2), (i + 32, 2), (i + 42, 4)]);
            else if (z[i + 2] == 5 && z[i + 3] == 6) f.AddRange([(i + 8, 2), (i + 10, 2), (i + 12, 4), (i + 16, 4), (i + 20, 2)]);
        }
        return f;
    }

    // ---- tar.gz ----------------------------------------------------------------------------------------------------

    public static byte[] TarBytes(TarEntryFormat format, bool gzip, params (TarEntryType Type, string Name, byte[]? Data)[] items)
    {
        var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, format, leaveOpen: true))
        {
            foreach (var (type, name, data) in items)
            {
                TarEntry e = format switch
                {
                    TarEntryFormat.Pax => new PaxTarEntry(type, name),
                    TarEntryFormat.Gnu => new GnuTarEntry(type, name),
                    TarEntryFormat.Ustar => new UstarTarEntry(type, name),
                    _ => new V7TarEntry(type, name),
                };
                if (data is not null) e.DataStream = new MemoryStream(data);
                tar.WriteEntry(e);
            }
        }
        return gzip ? Gzip(ms.ToArray()) : ms.ToArray();
    }

    public static FuzzTarget TarGz() => new()
    {
        Name = "tar.gz",
        MakeSeeds = () =>
        [
            TarBytes(TarEntryFormat.Pax, true, (TarEntryType.Directory, "cifar-10-batches-py/", null),
                (TarEntryType.RegularFile, "cifar-10-batches-py/data_batch_1", Pixels(700, 7)), (TarEntryType.RegularFile, "cifar-10-batches-py/readme.html", "<html>"u8.ToArray())),
            TarBytes(TarEntryFormat.Ustar, true, (TarEntryType.RegularFile, "a/b/c.bin", Pixels(1500, 8)), (TarEntryType.RegularFile, "d", [])),
            TarBytes(TarEntryFormat.Gnu, true, (TarEntryType.RegularFile, new string('x', 150) + "/long-name.bin", Pixels(10, 9))),
            TarBytes(TarEntryFormat.V7, false, (TarEntryType.V7RegularFile, "plain.txt", "hello"u8.ToArray())),
            TarBytes(TarEntryFormat.Pax, false, (TarEntryType.Directory, "x/", null), (TarEntryType.RegularFile, "x/y", Pixels(600, 10))),
        ],
        Read = (path, work) =>
        {
            var dest = Path.Combine(work, "out-" + Guid.NewGuid().ToString("N"));
            try { return $"{TarExtractor.Extract(path, dest, maxTotalBytes: 64L << 20).Count} files"; }
            finally { if (Directory.Exists(dest)) Directory.Delete(dest, recursive: true); }
        },
        Fields = TarFields,
        // Inner mutations get their header checksums repaired, so that they reach past the checksum check.
        Inner = (b => DataFile_IsGzip(b) ? Gunzip(b) : b, b => Gzip(FixTarChecksums(b))),
        AllocFactor = 3 * 1100,
    };

    /// <summary>Rewrites the checksum of every 512-byte block that has a checksum field, as a valid header would.</summary>
    public static byte[] FixTarChecksums(byte[] t)
    {
        var r = (byte[])t.Clone();
        for (int i = 0; i + 512 <= r.Length; i += 512)
        {
            if (r[i + 148] is not ((byte)'0' or (byte)' ')) continue;
            int sum = 0;
            for (int j = 0; j < 512; j++) sum += j is >= 148 and < 156 ? ' ' : r[i + j];
            Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(r, i + 148);
        }
        return r;
    }

    /// <summary>The size (124, 12 octal digits), checksum (148) and type (156) fields of each 512-byte tar header.</summary>
    private static List<(int, int)> TarFields(byte[] t)
    {
        var f = new List<(int, int)>();
        if (DataFile_IsGzip(t)) return [(0, 4)];
        for (int i = 0; i + 512 <= t.Length && f.Count < 60; i += 512)
            if (t[i + 257] == (byte)'u' || t[i + 156] is (byte)'0' or (byte)'5' or (byte)'x' or (byte)'L' or 0)
                f.AddRange([(i + 124, 8), (i + 128, 4), (i + 148, 4), (i + 156, 1), (i + 345, 8)]);
        return f;
    }

    internal static string Printable(byte[] b) => Encoding.Latin1.GetString(b);
}
