namespace Backprop.Data;

/// <summary>
/// Extracts a tar archive (gzip-compressed or plain) such that the destination folder appears only when every entry has
/// been written, and such that nothing in the archive can write outside it.
/// </summary>
/// <remarks>
/// The archive is read by <see cref="TarStreamReader"/> (ustar, pax, GNU and V7 headers, checksums verified), which never
/// allocates in proportion to a header's claims. Accepted entries: regular files and folders (PAX and GNU metadata
/// records are applied to the entry they precede). Refused, with an <see cref="InvalidDataException"/> naming the archive
/// and the entry: symbolic and hard links, devices, FIFOs and other special entries; absolute paths, <c>..</c> segments,
/// backslashes, colons and NUL characters in names, names Windows refuses or alters (<c>&lt;&gt;"|?*</c> and control
/// characters, device names such as <c>CON</c>, a trailing dot or space), name components over
/// 255 bytes and paths over 4096 bytes; a name used twice or as both file and folder, or differing from another only in
/// case; more than <c>maxEntries</c> entries or <c>maxTotalBytes</c> bytes. File modes,
/// owners and times are not applied. Data is streamed to disk.
/// </remarks>
public static class TarExtractor
{
    /// <summary>Default limit on the extracted size: 4 GiB (the CIFAR-10 archives hold about 180 MB).</summary>
    public const long DefaultMaxTotalBytes = 4L << 30;

    /// <summary>Default limit on the number of entries.</summary>
    public const int DefaultMaxEntries = 100_000;

    /// <summary>
    /// Extracts <paramref name="archivePath"/> into <paramref name="destinationDir"/>, which must not exist yet: entries go to
    /// a hidden temporary folder next to it, which is renamed to <paramref name="destinationDir"/> when complete. On any
    /// failure the temporary folder is removed and <paramref name="destinationDir"/> is not created.
    /// </summary>
    /// <returns>The paths of the extracted files, relative to <paramref name="destinationDir"/>, with '/' separators.</returns>
    /// <exception cref="FileNotFoundException">The archive does not exist.</exception>
    /// <exception cref="IOException"><paramref name="destinationDir"/> already exists, or writing failed.</exception>
    /// <exception cref="InvalidDataException">The archive is corrupt or holds an entry this extractor refuses.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked between entries); nothing is kept.</exception>
    public static IReadOnlyList<string> Extract(string archivePath, string destinationDir,
        long maxTotalBytes = DefaultMaxTotalBytes, int maxEntries = DefaultMaxEntries, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(archivePath);
        ArgumentException.ThrowIfNullOrEmpty(destinationDir);
        var destination = Path.GetFullPath(destinationDir);
        if (Directory.Exists(destination) || File.Exists(destination))
            throw new IOException($"Cannot extract '{archivePath}' to '{destination}': it already exists.");
        var parent = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(destination)}.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            IReadOnlyList<string> files;
            using (var stream = DataFile.OpenMaybeGzip(archivePath, out _))
                files = ExtractInto(stream, archivePath, temp, maxTotalBytes, maxEntries, cancellationToken);
            Renames.MoveFolder(temp, destination);
            return files;
        }
        catch
        {
            TryDeleteFolder(temp);
            throw;
        }
    }

    /// <summary>Extracts the entries of a tar stream into an existing, empty folder (no temporary folder, no rename).</summary>
    internal static IReadOnlyList<string> ExtractInto(Stream tarStream, string source, string root, long maxTotalBytes, int maxEntries,
        CancellationToken cancellationToken = default)
    {
        var rootFull = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var spellings = new Dictionary<string, string>(StringComparer.Ordinal);   // case key → the path as first spelled
        long total = 0;
        int count = 0;
        var reader = new TarStreamReader(tarStream, source);
        byte[]? buffer = null; // one copy buffer for all files: the cost per entry stays small
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();   // Ctrl-C during CIFAR-10's few seconds of extraction
            var next = Reading(source, "a header", reader.Next);
            if (next is not { } entry) break;
            if (++count > maxEntries) throw DataFile.Invalid(source, $"more than {maxEntries} entries.");
            string name = entry.Name;
            switch (entry.Type)
            {
                case '5':
                {
                    var (relative, full) = SafePath(name, rootFull, source);
                    if (relative.Length == 0) continue; // "./"
                    CheckSpelling(relative, spellings, source);
                    EnsureFolder(full, rootFull, relative, source);
                    continue;
                }
                case '0' or '\0':
                {
                    var (relative, full) = SafePath(name, rootFull, source);
                    if (relative.Length == 0) throw DataFile.Invalid(source, $"a file entry has the empty name '{Npy.Printable(name)}'.");
                    if (!seen.Add(relative)) throw DataFile.Invalid(source, $"the entry '{Npy.Printable(relative)}' appears twice.");
                    CheckSpelling(relative, spellings, source);
                    long length = entry.Size;
                    if (length > maxTotalBytes - total)
                        throw DataFile.Invalid(source, $"the entry '{Npy.Printable(relative)}' of {length} bytes takes the archive past its limit of {maxTotalBytes} bytes.");
                    total += length;
                    var dir = Path.GetDirectoryName(full)!;
                    if (dir.Length + 1 > rootFull.Length) EnsureFolder(dir, rootFull, Path.GetDirectoryName(relative)!, source);
                    if (Directory.Exists(full)) throw DataFile.Invalid(source, $"the file entry '{Npy.Printable(relative)}' has the name of a folder.");
                    WriteFile(reader, full, source, relative, buffer ??= new byte[1 << 16]);
                    files.Add(relative);
                    continue;
                }
                default:
                    throw DataFile.Invalid(source, $"the entry '{Npy.Printable(name)}' is a {Describe(entry.Type)}; only regular files and folders are extracted.");
            }
        }
        return files;
    }

    private static void WriteFile(TarStreamReader reader, string full, string source, string relative, byte[] buffer)
    {
        // Unbuffered: the data already arrives in 64 KiB chunks.
        using var output = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        while (true)
        {
            int n = Reading(source, $"the data of '{Npy.Printable(relative)}'", () => reader.Read(buffer));
            if (n == 0) break;
            output.Write(buffer, 0, n);
        }
    }

    /// <summary>
    /// The entry's path relative to the root and its absolute path; refuses anything that could leave the root.
    /// </summary>
    private static (string Relative, string Full) SafePath(string name, string rootFull, string source)
    {
        if (name.Contains('\0') || name.Contains('\\'))
            throw DataFile.Invalid(source, $"the entry name '{Npy.Printable(name)}' contains a NUL or backslash.");
        if (name.StartsWith('/'))
            throw DataFile.Invalid(source, $"the entry '{Npy.Printable(name)}' has an absolute path.");
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") throw DataFile.Invalid(source, $"the entry '{Npy.Printable(name)}' leaves the target folder ('..').");
            if (part.Contains(':')) throw DataFile.Invalid(source, $"the entry name '{Npy.Printable(name)}' contains ':'.");
            if (PortableName.Problem(part) is { } problem)
                throw DataFile.Invalid(source, $"the entry name '{Npy.Printable(name)}' {problem}.");
            // What Linux file systems accept; longer names would fail as an IOException while writing.
            if (System.Text.Encoding.UTF8.GetByteCount(part) > 255)
                throw DataFile.Invalid(source, $"the entry name '{Npy.Printable(name)}' has a component longer than 255 bytes.");
            parts.Add(part);
        }
        var relative = string.Join('/', parts);
        if (System.Text.Encoding.UTF8.GetByteCount(relative) > 4096)
            throw DataFile.Invalid(source, $"the entry name '{Npy.Printable(name)}' is longer than 4096 bytes.");
        var full = Path.GetFullPath(Path.Combine(rootFull, relative.Replace('/', Path.DirectorySeparatorChar)));
        if (relative.Length > 0 && !full.StartsWith(rootFull, StringComparison.Ordinal))
            throw DataFile.Invalid(source, $"the entry '{Npy.Printable(name)}' leaves the target folder.");
        return (relative, full);
    }

    /// <summary>
    /// Refuses <paramref name="relative"/> when it, or a folder on it, differs from an earlier entry's only in case: one file on Windows' and macOS's usual file systems, two on Linux.
    /// </summary>
    private static void CheckSpelling(string relative, Dictionary<string, string> spellings, string source)
    {
        int end = -1;
        do
        {
            end = relative.IndexOf('/', end + 1);
            var path = end < 0 ? relative : relative[..end];
            var key = PortableName.CaseKey(path);
            if (!spellings.TryAdd(key, path) && spellings[key] != path)
                throw DataFile.Invalid(source, $"the entry '{Npy.Printable(relative)}' differs from '{Npy.Printable(spellings[key])}' only in case, which Windows and macOS do not tell apart.");
        } while (end >= 0);
    }

    /// <summary>Creates a folder and its parents inside the root, refusing where a file already has one of the names.</summary>
    private static void EnsureFolder(string full, string rootFull, string relative, string source)
    {
        for (var dir = full; dir.Length + 1 > rootFull.Length; dir = Path.GetDirectoryName(dir)!)
            if (File.Exists(dir)) throw DataFile.Invalid(source, $"the folder '{Npy.Printable(relative)}' has the name of a file entry.");
        Directory.CreateDirectory(full);
    }

    /// <summary>Runs a read from the archive, turning the tar and gzip readers' complaints into InvalidDataException.</summary>
    private static T Reading<T>(string source, string what, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or OverflowException or EndOfStreamException or NotSupportedException
                                      && !e.Message.StartsWith(source + ":", StringComparison.Ordinal))
        {
            // The tar reader's own words name the fault (a header checksum …); GZipStream's for damaged data read "The
            // archive entry was compressed using an unsupported compression method", which misleads.
            string why = e is InvalidDataException && e.Message.Contains("compression method", StringComparison.Ordinal)
                ? "its compressed data does not decompress, or fails its checksum: the file is damaged; fetch it again" : e.Message;
            throw DataFile.Invalid(source, $"cannot read {what}: the archive is corrupt ({why})");
        }
    }

    private static string Describe(char type) => type switch
    {
        '2' => "symbolic link",
        '1' => "hard link",
        '3' => "character device",
        '4' => "block device",
        '6' => "FIFO",
        '7' => "contiguous file (a rare variant this extractor does not accept)",
        _ => $"entry of type '{(type is >= ' ' and < '\x7f' ? type.ToString() : $"\\x{(int)type:x2}")}'",
    };

    internal static void TryDeleteFolder(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
