using System.IO.Compression;

namespace Backprop.Data;

/// <summary>
/// Shared helpers of the readers: whole-file reads with a size check, gzip detection, bounded reads from streams whose
/// length is not known in advance, and the error messages every reader uses (file, offset or field, problem).
/// </summary>
internal static class DataFile
{
    /// <summary>The message shape of every format error: <c>{file}: at byte {offset}: {problem}</c>.</summary>
    public static InvalidDataException Invalid(string file, long offset, string problem) =>
        new($"{file}: at byte {offset}: {problem}");

    /// <summary>A format error that concerns the file as a whole or a named field: <c>{file}: {problem}</c>.</summary>
    public static InvalidDataException Invalid(string file, string problem) => new($"{file}: {problem}");

    /// <summary>
    /// Reads a whole file. Missing files and folders raise <see cref="FileNotFoundException"/> /
    /// <see cref="DirectoryNotFoundException"/>; files larger than a .NET array can hold raise <see cref="InvalidDataException"/>.
    /// </summary>
    public static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = OpenRead(path);
        long length = fs.Length;
        if (length > Array.MaxLength)
            throw Invalid(path, $"the file is {length} bytes long; files larger than {Array.MaxLength} bytes are not supported.");
        var bytes = new byte[length];
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>Opens a file for reading, with the not-found exceptions naming the path; a FIFO, socket or terminal is refused (<see cref="RegularFile"/>).</summary>
    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path)) throw new FileNotFoundException($"'{path}' is a folder, not a file.", path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Cannot read '{path}': {NoFolder(dir)}");
        if (!File.Exists(path)) throw new FileNotFoundException($"Cannot read '{path}': no such file.", path);
        RegularFile.Require(path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }

    /// <summary>
    /// The number of elements of a shape, or null when the shape is refused: when the product of its non-zero dimensions
    /// exceeds what a .NET array can hold. (Zero dimensions are left out on purpose: a shape like (10⁹, 10⁹, 0) is empty
    /// in NumPy, but every array type here checks the running product, so the readers refuse it rather than hand on a
    /// shape that another part of the library cannot represent.)
    /// </summary>
    public static long? ElementCount(ReadOnlySpan<int> shape)
    {
        long nonZero = 1;
        bool empty = false;
        foreach (var d in shape)
        {
            if (d < 0) return null;
            if (d == 0) { empty = true; continue; }
            nonZero *= d;
            if (nonZero > Array.MaxLength) return null;
        }
        return empty ? 0 : nonZero;
    }

    /// <summary>True when <paramref name="head"/> starts with the gzip magic number 1f 8b.</summary>
    public static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    /// <summary>
    /// Reads up to <c>buffer.Length</c> bytes into <paramref name="buffer"/>, stopping early only at the end of the
    /// stream; returns how many were read.
    /// </summary>
    public static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Reads exactly <paramref name="expected"/> bytes from a stream whose true length is unknown (a gzip stream), growing
    /// the buffer only as data actually arrives, so that a header claiming billions of bytes costs nothing until the
    /// bytes exist. Returns the number of bytes actually available if fewer (the caller reports the truncation).
    /// </summary>
    public static byte[] ReadClaimed(Stream stream, long expected, out long available)
    {
        if (expected < 0 || expected > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(expected));
        int capacity = (int)Math.Min(expected, 1 << 16);
        var buffer = new byte[capacity];
        int filled = 0;
        while (filled < expected)
        {
            if (filled == buffer.Length)
            {
                int next = (int)Math.Min(expected, Math.Max(1L << 16, (long)buffer.Length * 2));
                Array.Resize(ref buffer, next);
            }
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0) break;
            filled += n;
        }
        available = filled;
        return buffer;
    }

    /// <summary>
    /// Runs a decompressing read and turns the decompressor's complaints (corrupt deflate data, bad CRC, bad gzip header)
    /// into <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static T Decompressing<T>(string file, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(file + ":", StringComparison.Ordinal))
        {
            // .NET's own words are no help here: a flipped byte or a bad checksum reads "The archive entry was compressed
            // using an unsupported compression method."
            throw Invalid(file, "the compressed data is corrupt (it does not decompress, or fails its checksum: the file is damaged; fetch it again)");
        }
    }

    /// <summary>Opens a file and, when it starts with the gzip magic number, a decompressing stream over it.</summary>
    public static Stream OpenMaybeGzip(string path, out bool gzipped)
    {
        var fs = OpenRead(path);
        Span<byte> head = stackalloc byte[2];
        int n = ReadUpTo(fs, head);
        fs.Position = 0;
        gzipped = IsGzip(head[..n]);
        return gzipped ? new GZipStream(fs, CompressionMode.Decompress, leaveOpen: false) : fs;
    }

    /// <summary>Why <paramref name="dir"/>, which is not a folder, cannot hold a file: it is a file, or it does not exist.</summary>
    internal static string NoFolder(string dir) =>
        File.Exists(dir) ? $"'{dir}' is a file, not a folder." : $"the folder '{dir}' does not exist.";
}
