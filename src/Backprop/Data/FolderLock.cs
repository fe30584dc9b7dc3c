namespace Backprop.Data;

/// <summary>
/// A process's exclusive hold on a folder it is writing (a run, a search, a download's staging folder): the file
/// <c>.lock</c> inside, open with <see cref="FileShare.None"/> (an advisory <c>flock</c> on Unix) and deleted when
/// released. Two processes that both found the folder free cannot both write it. The operating system drops the hold
/// when the process dies, so a folder left by a killed process is free again (with, at most, a stale <c>.lock</c>).
/// </summary>
public sealed class FolderLock : IDisposable
{
    /// <summary>The lock file's name.</summary>
    public const string FileName = ".lock";

    private readonly FileStream _file;

    private FolderLock(FileStream file) => _file = file;

    /// <summary>Holds <paramref name="folder"/> (which must exist), or returns null when another holder has it.</summary>
    /// <exception cref="IOException">The lock file cannot be made (the folder is missing or not writable).</exception>
    public static FolderLock? TryAcquire(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = Path.Combine(folder, FileName);
        try
        {
            return new(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose));
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException) && File.Exists(path))
        {
            return null;
        }
    }

    /// <summary>Holds <paramref name="folder"/> (which must exist).</summary>
    /// <exception cref="FolderInUseException">Another process (or another run in this one) holds it.</exception>
    /// <exception cref="IOException">The lock file cannot be made.</exception>
    public static FolderLock Acquire(string folder) => TryAcquire(folder) ??
        throw new FolderInUseException($"'{folder}' is being written by another process (it holds {FileName} there); wait for it to finish, or choose another folder.");

    /// <summary>
    /// True when another holder has <paramref name="folder"/> now: a probe for saying so before slow work (loading the
    /// data), not a hold; the hold itself is still taken, and checked, by <see cref="Acquire"/>. A folder whose lock
    /// file cannot be opened for reading reads as free.
    /// </summary>
    public static bool IsHeldByAnother(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string path = Path.Combine(folder, FileName);
        // The holder keeps the file open and the file goes with the hold, so without it no one holds the folder.
        if (!File.Exists(path)) return false;
        try
        {
            // A shared lock (FileShare other than None), dropped at once: refused while a holder has the exclusive one.
            // Taking the hold itself would delete the file on release, which could pull it from under a writer that
            // opened it meanwhile.
            using var probe = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            return false;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException) when (File.Exists(path))
        {
            return true;
        }
    }

    /// <summary>True when <paramref name="entry"/> (a path in a folder) is a lock file, which listings of what a folder holds leave out.</summary>
    public static bool IsLockFile(string entry) => Path.GetFileName(entry ?? throw new ArgumentNullException(nameof(entry))) == FileName;

    /// <summary>Releases the hold and removes the lock file.</summary>
    public void Dispose() => _file.Dispose();
}
