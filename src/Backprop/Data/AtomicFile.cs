using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Backprop.Data;

/// <summary>
/// Writes files so that readers only ever see the old content or the complete new content: the data goes to a temporary
/// file in the same folder, is flushed to disk, and is then renamed over the target (a rename within one file system is
/// atomic). If writing fails, the temporary file is deleted and an existing target is left untouched.
/// </summary>
/// <remarks>
/// Every writer in <c>Backprop.Data</c> (.npy/.npz saves, downloads) goes through here; checkpoints, histories and plots
/// should too. The temporary file is named <c>.{name}.{random}.tmp</c> so that it is hidden and cannot collide with a
/// concurrent writer of the same target.
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>
    /// Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.
    /// </summary>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="write">Writes the whole content. It must not close or dispose the stream.</param>
    /// <exception cref="DirectoryNotFoundException">The target's folder does not exist.</exception>
    /// <exception cref="IOException">
    /// The file could not be created, written to disk or renamed, for lack of permission too (the target is unchanged).
    /// </exception>
    /// <remarks>
    /// Any exception thrown by <paramref name="write"/> propagates unchanged after the temporary file is removed, but
    /// for a full disk's, which becomes an <see cref="IOException"/> naming the target.
    /// </remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Cannot write '{full}': {DataFile.NoFolder(dir)}");
        var temp = TempPathFor(full);
        try
        {
            var fs = Named(full, () => new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
            try
            {
                write(fs);
                // Data must be on disk before the rename makes it visible, or a crash could leave an empty target.
                Named(full, () => { fs.Flush(flushToDisk: true); return 0; });
            }
            catch
            {
                // Closing writes what is still buffered; on a full disk that fails again, and a `using` would let that
                // second error replace the first (the writer's own, or the flush's).
                try { fs.Dispose(); } catch (IOException) { }
                throw;
            }
            fs.Dispose();
            Named(full, () => { Renames.MoveFile(temp, full); return 0; });
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            // Raised by the writer or by the flush: said once, for the target.
            TryDelete(temp);
            throw Full(full, e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        SyncDirectory(dir);
    }

    // The system's message names the hidden temporary file; the user asked for the target. A permission error is an
    // IOException here, as the documentation says, not an UnauthorizedAccessException a caller does not expect.
    private static TResult Named<TResult>(string full, Func<TResult> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && !IsDiskFull(e))
        {
            throw new IOException($"Cannot write '{full}': {e.Message}", e);
        }
    }

    // ENOSPC (28) on Linux and macOS, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.
    private static bool IsDiskFull(Exception e) => e is IOException && (e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027));

    private static IOException Full(string full, Exception e) => new(
        $"Cannot write '{full}': the disk is full ({e.Message}). " + (File.Exists(full)
            ? "The file as it was is unchanged: a file is replaced by writing the new copy beside it first, so replacing it needs room for both. "
            : "Nothing was written under that name. ") + "Free some space and try again.", e);

    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="bytes"/>, atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The target's folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written or renamed (the target is unchanged).</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Creates or replaces <paramref name="path"/> with <paramref name="text"/> (UTF-8, no byte-order mark), atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The target's folder does not exist.</exception>
    /// <exception cref="IOException">The file could not be written or renamed (the target is unchanged).</exception>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));
    }

    /// <summary>
    /// A fresh hidden temporary name next to <paramref name="fullPath"/>. A long target name is shortened in it, so
    /// that any name the file system takes (255 bytes) can be written: the dot, the random part and the suffix add 38.
    /// </summary>
    internal static string TempPathFor(string fullPath)
    {
        var dir = Path.GetDirectoryName(fullPath)!;
        var name = Path.GetFileName(fullPath);
        while (Encoding.UTF8.GetByteCount(name) > MaxStemBytes)
            name = name[..(char.IsLowSurrogate(name[^1]) && name.Length > 1 ? ^2 : ^1)];
        return Path.Combine(dir, $".{name}.{Guid.NewGuid():N}.tmp");
    }

    private const int MaxStemBytes = 255 - 38;

    /// <summary>Whether <paramref name="path"/> is named as <see cref="TempPathFor"/> names a temporary file.</summary>
    internal static bool IsTempFile(string path) => TempName().IsMatch(Path.GetFileName(path));

    [GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex TempName();

    internal static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// fsync the folder so that the rename itself survives a power cut (POSIX only; best effort: .NET has no API for it).
    /// </summary>
    internal static void SyncDirectory(string dir)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD())) return;
        try
        {
            int fd = Posix.open(dir, 0 /* O_RDONLY */);
            if (fd < 0) return;
            Posix.fsync(fd);
            Posix.close(fd);
        }
        catch (DllNotFoundException) { }
        catch (EntryPointNotFoundException) { }
    }

    private static partial class Posix
    {
        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int fsync(int fd);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int close(int fd);
    }
}
