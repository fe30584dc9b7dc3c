using System.IO.Compression;
using System.IO.Hashing;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Backprop.Tensors;

namespace Backprop.Data;

/// <summary>
/// NumPy's <c>.npz</c> format (<c>np.savez</c>, <c>np.savez_compressed</c>, <c>np.load</c>): a zip archive whose entries
/// are <c>.npy</c> files named <c>{key}.npy</c>, stored or deflated.
/// </summary>
/// <remarks>
/// The reader refuses entries that are not <c>.npy</c> files, duplicate keys, entries that fail their CRC-32, and any entry whose declared size could not
/// come out of its compressed size (deflate expands at most about 1032 to 1) or would take the archive past
/// <see cref="MaxExpansion"/> times its own size in total — all before allocating for it.
/// </remarks>
public static class Npz
{
    /// <summary>The most an archive may expand to, in total, as a multiple of its file size (deflate's own limit is about 1032).</summary>
    internal const long MaxExpansion = 1100;

    /// <summary>Reads a .npz file: key (entry name without <c>.npy</c>) to array, in archive order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">Its folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a zip archive of .npy files this reader accepts (the message names the entry and the problem).</exception>
    public static IReadOnlyDictionary<string, NpyArray> Load(string path)
    {
        using var fs = DataFile.OpenRead(path);
        return Read(fs, path);
    }

    /// <summary>Reads a .npz archive from a seekable stream; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The stream is not a zip archive of .npy files this reader accepts.</exception>
    public static IReadOnlyDictionary<string, NpyArray> Read(Stream stream, string source) => Read(stream, source, null);

    /// <summary>
    /// The entries of <paramref name="keys"/> only (those the file holds): the others are checked by name, not read,
    /// so a checkpoint's metadata comes without its arrays.
    /// </summary>
    internal static IReadOnlyDictionary<string, NpyArray> LoadOnly(string path, params string[] keys)
    {
        using var fs = DataFile.OpenRead(path);
        return Read(fs, path, keys.ToHashSet(StringComparer.Ordinal));
    }

    private static IReadOnlyDictionary<string, NpyArray> Read(Stream stream, string source, HashSet<string>? only)
    {
        ArgumentNullException.ThrowIfNull(stream);
        long fileLength = stream.Length;
        long budget = MaxExpansion * Math.Max(fileLength, 1);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or NotSupportedException)
        {
            throw DataFile.Invalid(source, $"not a readable zip archive ({e.Message})");
        }
        using (zip)
        {
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            IReadOnlyList<ZipArchiveEntry> entries;
            try { entries = zip.Entries; }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or EndOfStreamException or NotSupportedException)
            {
                throw DataFile.Invalid(source, $"the zip central directory is corrupt ({e.Message})");
            }
            foreach (var entry in entries)
            {
                string name = entry.FullName;
                string where = $"{source}[{Npy.Printable(name)}]";
                if (!name.EndsWith(".npy", StringComparison.Ordinal) || name.Length == 4)
                    throw DataFile.Invalid(source, $"the entry '{Npy.Printable(name)}' is not a .npy file; a .npz archive holds only {{key}}.npy entries.");
                string key = name[..^4];
                if (!seen.Add(key))
                    throw DataFile.Invalid(source, $"the key '{Npy.Printable(key)}' appears twice.");
                if (only is not null && !only.Contains(key)) continue;
                long claimed = entry.Length, compressed = entry.CompressedLength;
                if (claimed < 0 || claimed > Array.MaxLength)
                    throw DataFile.Invalid(where, $"the entry claims {claimed} bytes; more than this reader supports.");
                if (claimed > compressed * (MaxExpansion - 68) + 1024)
                    throw DataFile.Invalid(where, $"the entry claims {claimed} bytes from {compressed} compressed bytes, more than deflate can expand to.");
                budget -= claimed;
                if (budget < 0)
                    throw DataFile.Invalid(where, $"the entries claim more than {MaxExpansion} times the archive's size in total.");
                var bytes = ReadEntry(entry, claimed, where);
                result.Add(key, Npy.Parse(bytes, where));
            }
            return result;
        }
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, long claimed, string where)
    {
        try
        {
            using var s = entry.Open();
            var bytes = DataFile.ReadClaimed(s, claimed, out long got);
            if (got < claimed)
                throw DataFile.Invalid(where, $"the entry holds {got} bytes but its header says {claimed}.");
            if (s.ReadByte() >= 0)
                throw DataFile.Invalid(where, $"the entry holds more than the {claimed} bytes its header says.");
            // The zip's own check of every entry, as NumPy's zipfile makes it: a stored (uncompressed) entry, as
            // model.npz and checkpoint.npz are, has nothing else that would notice a damaged byte.
            uint crc = Crc32.HashToUInt32(bytes);
            if (crc != entry.Crc32)
                throw DataFile.Invalid(where, $"the entry fails its CRC-32 check (0x{crc:x8}, the archive says 0x{entry.Crc32:x8}): the file is damaged.");
            return bytes;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or EndOfStreamException or ArgumentException
                                      && !e.Message.StartsWith(where + ":", StringComparison.Ordinal))
        {
            throw DataFile.Invalid(where, $"the entry cannot be read ({e.Message})");
        }
    }

    /// <summary>
    /// Saves float32 or float64 arrays as a .npz file (<c>np.savez</c>, or <c>np.savez_compressed</c> when
    /// <paramref name="compressed"/>), atomically.
    /// </summary>
    /// <exception cref="ArgumentException">A key is empty or repeated.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written (an existing file is left untouched).</exception>
    public static void Save<T>(string path, IEnumerable<KeyValuePair<string, NDArray<T>>> arrays, bool compressed = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(arrays);
        SaveEntries(path, arrays.Select(kv => KeyValuePair.Create(kv.Key, EntryOf(kv.Value))).ToList(), compressed);
    }

    /// <summary>
    /// An entry that writes <paramref name="array"/>'s elements straight from its memory when the archive reaches it:
    /// a checkpoint of a large model holds no second copy of its arrays (the array must not change until then).
    /// </summary>
    internal static Action<Stream> EntryOf<T>(NDArray<T> array) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(array);
        var descr = NpyArray.DescrOf(typeof(T) == typeof(float) ? NpyDType.Float32 : NpyDType.Float64);
        int[] shape = array.ShapeArray();
        long bytes = EntryBytes(descr, shape, Unsafe.SizeOf<T>());
        if (bytes > MaxEntryBytes)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"An array of shape {array.ShapeString} ({(typeof(T) == typeof(float) ? "float32" : "float64")}) makes a .npy entry of {bytes:N0} bytes; a .npz entry of this library holds at most {MaxEntryBytes:N0} (2 GiB), what its reader accepts."), nameof(array));
        return s => Npy.WriteRaw(s, descr, shape, MemoryMarshal.AsBytes(array.AsSpan()));
    }

    /// <summary>The largest .npy entry (header and elements) the reader accepts, and so the writer writes: one .NET array.</summary>
    internal static long MaxEntryBytes => Array.MaxLength;

    /// <summary>The size of the .npy entry (header and elements) of an array of <paramref name="shape"/>.</summary>
    internal static long EntryBytes(string descr, int[] shape, int elementSize)
    {
        long elements = 1;
        foreach (int d in shape) elements *= d;
        return Npy.HeaderBytes(descr, shape, 0).Length + elements * elementSize;
    }

    /// <summary>An entry that writes <paramref name="array"/>.</summary>
    internal static Action<Stream> EntryOf(NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        return s => Npy.Write(s, array);
    }

    /// <summary>Saves entries, each written by its own action when the archive reaches it, as a .npz file, atomically.</summary>
    /// <exception cref="ArgumentException">A key is empty or repeated.</exception>
    internal static void SaveEntries(string path, IReadOnlyList<KeyValuePair<string, Action<Stream>>> entries, bool compressed = false)
    {
        CheckKeys(entries.Select(e => e.Key));
        AtomicFile.Write(path, s => WriteEntries(s, entries, compressed));
    }

    private static void CheckKeys(IEnumerable<string> keys)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (string.IsNullOrEmpty(key)) throw new ArgumentException("A .npz key must not be empty.", "arrays");
            if (!seen.Add(key)) throw new ArgumentException($"The key '{key}' appears twice.", "arrays");
        }
    }

    private static void WriteEntries(Stream stream, IEnumerable<KeyValuePair<string, Action<Stream>>> entries, bool compressed)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var (key, write) in entries)
        {
            var entry = zip.CreateEntry(key + ".npy", compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using var es = entry.Open();
            write(es);
        }
    }

    /// <summary>Saves arrays of any supported dtypes (mixed) as a .npz file, atomically.</summary>
    /// <exception cref="ArgumentException">A key is empty or repeated.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written (an existing file is left untouched).</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compressed = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        var list = arrays.ToList();
        foreach (var (key, value) in list) ArgumentNullException.ThrowIfNull(value, $"arrays[{key}]");
        SaveEntries(path, list.Select(kv => KeyValuePair.Create(kv.Key, EntryOf(kv.Value))).ToList(), compressed);
    }

    /// <summary>Writes a .npz archive to a stream.</summary>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, NpyArray>> arrays, bool compressed = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(arrays);
        WriteEntries(stream, arrays.Select(kv => KeyValuePair.Create(kv.Key, EntryOf(kv.Value))), compressed);
    }
}
