using System.Runtime.InteropServices;

namespace Backprop.Data;

/// <summary>
/// Refuses a path that names a FIFO (named pipe), a socket or a terminal where a file is read. Opening a FIFO for
/// reading waits, in the kernel, until something opens it for writing: a data batch, an <c>.npy</c>, a picture or a
/// config file that is a FIFO would make the reader wait forever (and a first SIGTERM does not end that wait). The check
/// opens the path without blocking (<c>O_NONBLOCK</c>) and asks whether it can seek, as every file on a disk can; a
/// FIFO, socket or terminal cannot (<c>np.load</c> refuses them too: it seeks back after the magic string).
/// </summary>
public static partial class RegularFile
{
    /// <summary>
    /// Throws <see cref="InvalidDataException"/> (<c>{path}: not a file but …</c>) when <paramref name="path"/> is a FIFO,
    /// a socket or a terminal. A path that does not exist or cannot be opened passes (the read that follows says why),
    /// as does everything on Windows, which has no such files. With <paramref name="allowAnonymousPipe"/>, a pipe reached
    /// through <c>/dev/fd/N</c> or <c>/proc/self/fd/N</c> (the shell's <c>&lt;(command)</c>) passes: it has a writer,
    /// so reading it does not wait forever.
    /// </summary>
    public static void Require(string path, bool allowAnonymousPipe = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int flags;
        if (OperatingSystem.IsLinux()) flags = 0x800 | 0x80000;            // O_RDONLY | O_NONBLOCK | O_CLOEXEC
        else if (OperatingSystem.IsMacOS()) flags = 0x4 | 0x1000000;
        else if (OperatingSystem.IsFreeBSD()) flags = 0x4 | 0x100000;
        else return;
        if (allowAnonymousPipe && IsAnonymousPipe(path)) return;
        int fd;
        try
        {
            fd = Posix.open(path, flags);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return;
        }
        if (fd < 0)
        {
            // ENXIO (6 on Linux, macOS and FreeBSD): a socket, or a FIFO opened for writing only.
            if (Marshal.GetLastPInvokeError() == 6) throw NotAFile(path, "a socket");
            return;
        }
        try
        {
            if (Posix.lseek(fd, 0, 1 /* SEEK_CUR */) < 0) throw NotAFile(path, "a FIFO (named pipe), a pipe or a terminal");
        }
        finally
        {
            Posix.close(fd);
        }
    }

    private static InvalidDataException NotAFile(string path, string what) =>
        new($"{path}: not a file but {what}, which reading would wait on, possibly forever; give the file itself (copy what it delivers into a file first).");

    /// <summary>True for <c>/dev/fd/N</c> or <c>/proc/…/fd/N</c> naming an anonymous pipe (its link reads <c>pipe:[…]</c>).</summary>
    private static bool IsAnonymousPipe(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is { } target && target.StartsWith("pipe:", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static partial class Posix
    {
        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial long lseek(int fd, long offset, int whence);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int close(int fd);
    }
}
