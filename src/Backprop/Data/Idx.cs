using System.Buffers.Binary;

namespace Backprop.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, …), plain
/// or gzip-compressed (detected by the gzip magic number, whatever the file name).
/// </summary>
/// <remarks>
/// A file is the magic number <c>00 00 08 nd</c> (type 08 = unsigned byte, <c>nd</c> dimensions), <c>nd</c> big-endian
/// int32 sizes, then the bytes. Only unsigned-byte files are accepted. The sizes must describe exactly the bytes that
/// follow; for a plain file that is checked against the file length before allocating, and a gzip file is decompressed
/// into a buffer that grows only as data actually arrives, so a header claiming 2³¹ images costs nothing.
/// </remarks>
public static class Idx
{
    /// <summary>The magic number of an image file: unsigned bytes, 3 dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of a label file: unsigned bytes, 1 dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>Reads an unsigned-byte IDX file of any rank as a uint8 <see cref="NpyArray"/> of the stored shape.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="InvalidDataException">Wrong magic number, a size field that disagrees with the data, or corrupt gzip data.</exception>
    public static NpyArray Read(string path) => Read(path, expectedRank: null);

    /// <summary>Reads an image file (magic 0x00000803): shape (N, rows, columns).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not an IDX image file, or its sizes disagree with its data.</exception>
    public static NpyArray ReadImages(string path) => Read(path, expectedRank: 3);

    /// <summary>Reads a label file (magic 0x00000801): one label per image.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not an IDX label file, or its size disagrees with its data.</exception>
    public static int[] ReadLabels(string path) => Array.ConvertAll((byte[])Read(path, expectedRank: 1).Data, b => (int)b);

    /// <summary>
    /// Reads an image file and its label file as an <see cref="ImageSet"/> of (N, 1, rows, columns) images.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed, the counts differ, or a label is not below <paramref name="numClasses"/>.</exception>
    public static ImageSet Load(string imagesPath, string labelsPath, int numClasses = 10)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        var images = ReadImages(imagesPath);
        var labels = ReadLabels(labelsPath);
        if (images.Shape[0] != labels.Length)
            throw DataFile.Invalid(labelsPath, $"holds {labels.Length} labels but '{imagesPath}' holds {images.Shape[0]} images.");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= numClasses)
                throw DataFile.Invalid(labelsPath, $"label {i} is {labels[i]}; this data set has classes 0–{numClasses - 1}.");
        if (images.Shape[1] == 0 || images.Shape[2] == 0)
            throw DataFile.Invalid(imagesPath, $"images of {images.Shape[1]}×{images.Shape[2]} pixels are empty.");
        return new ImageSet((byte[])images.Data, labels, 1, images.Shape[1], images.Shape[2]);
    }

    /// <summary>The four standard file names of an MNIST-style folder, without <c>.gz</c>.</summary>
    public static IReadOnlyList<string> StandardFileNames { get; } =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Whether <paramref name="dir"/> holds any of the standard files (a copy, complete or not).</summary>
    public static bool HoldsAnyStandardFile(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        return StandardFileNames.Any(n => FindStandardFile(dir, n) is not null);
    }

    /// <summary>
    /// The path of a standard file in <paramref name="dir"/>: the <c>.gz</c> file if present, else the plain one (also the
    /// <c>train-images.idx3-ubyte</c> spelling of some copies), else null.
    /// </summary>
    public static string? FindStandardFile(string dir, string name)
    {
        ArgumentNullException.ThrowIfNull(dir);
        ArgumentNullException.ThrowIfNull(name);
        foreach (var candidate in new[] { name + ".gz", name, DottedName(name) + ".gz", DottedName(name) })
        {
            var p = Path.Combine(dir, candidate);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static string DottedName(string name)
    {
        int i = name.IndexOf("-idx", StringComparison.Ordinal);
        return i < 0 ? name : name[..i] + "." + name[(i + 1)..];
    }

    /// <summary>Loads the training and test sets of an MNIST-style folder (the four standard files, gzip or plain).</summary>
    internal static (ImageSet Train, ImageSet Test) LoadStandardFolder(string dir, string dataSetName)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"The {dataSetName} folder '{dir}' does not exist.");
        var paths = StandardFileNames.Select(n => FindStandardFile(dir, n)
            ?? throw new FileNotFoundException($"The {dataSetName} folder '{dir}' has no '{n}.gz' (nor '{n}').", Path.Combine(dir, n + ".gz"))).ToArray();
        return (Load(paths[0], paths[1]), Load(paths[2], paths[3]));
    }

    private static NpyArray Read(string path, int? expectedRank)
    {
        using var stream = DataFile.OpenMaybeGzip(path, out bool gzipped);
        long fileLength = gzipped ? -1 : stream.Length;
        return DataFile.Decompressing(path, () => ReadFrom(stream, path, expectedRank, fileLength));
    }

    private static NpyArray ReadFrom(Stream stream, string path, int? expectedRank, long plainLength)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = DataFile.ReadUpTo(stream, magic);
        if (got < 4) throw DataFile.Invalid(path, got, $"the file ends after {got} bytes, inside the 4-byte magic number.");
        if (magic[0] != 0 || magic[1] != 0)
            throw DataFile.Invalid(path, 0, $"not an IDX file: the magic number {Npy.Hex(magic)} does not start with 00 00.");
        if (magic[2] != 0x08)
            throw DataFile.Invalid(path, 2, $"IDX type code 0x{magic[2]:x2} is not supported; only 0x08 (unsigned byte) files are.");
        int rank = magic[3];
        if (expectedRank is int r && rank != r)
            throw DataFile.Invalid(path, 0, $"the magic number {Npy.Hex(magic)} is not that of an IDX {(r == 3 ? "image file (00 00 08 03)" : r == 1 ? "label file (00 00 08 01)" : $"file of {r} dimensions")}.");
        if (rank == 0) throw DataFile.Invalid(path, 3, "an IDX file of 0 dimensions holds nothing.");

        var sizeBytes = new byte[4 * rank];
        got = DataFile.ReadUpTo(stream, sizeBytes);
        if (got < sizeBytes.Length)
            throw DataFile.Invalid(path, 4 + got, $"the file ends inside the {rank} dimension sizes.");
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int d = BinaryPrimitives.ReadInt32BigEndian(sizeBytes.AsSpan(4 * i));
            if (d < 0) throw DataFile.Invalid(path, 4 + 4 * i, $"dimension {i} has the size {(uint)d}, larger than {int.MaxValue}.");
            shape[i] = d;
        }
        long headerLength = 4 + 4L * rank;
        string claim = $"the sizes {Npy.Shape(shape)} need {Npy.Product(shape)} bytes of data";
        // Refused before anything is read: sizes whose non-zero product exceeds an array, then a plain file's length.
        if (DataFile.ElementCount(shape) is not long count)
            throw DataFile.Invalid(path, 4, $"{claim}, more than this reader supports ({Array.MaxLength}; zero sizes aside).");
        if (plainLength >= 0 && count != plainLength - headerLength)
            throw DataFile.Invalid(path, 4, $"{claim} but the file holds {plainLength - headerLength} bytes after its header.");

        var data = DataFile.ReadClaimed(stream, count, out long available);
        if (available < count)
            throw DataFile.Invalid(path, headerLength + available, $"{claim} but the decompressed data ends after {available} bytes.");
        if (stream.ReadByte() >= 0)
            throw DataFile.Invalid(path, headerLength + count, $"{claim} but more data follows.");
        return new NpyArray(data, shape);
    }
}
