namespace Backprop.Data;

/// <summary>
/// Renames that outlast the brief holds Windows puts on files. There a file cannot be replaced, nor a folder renamed,
/// while another process has it (or a file in the folder) open without sharing deletion: a reader of the old copy, an
/// antivirus scanner or the search indexer looking at a file just written. Such holds usually last milliseconds, so the
/// rename is tried again for about 1.5 s. Elsewhere a rename does not care about open files and is tried once.
/// </summary>
internal static class Renames
{
    /// <summary>The pauses before each new attempt, in ms.</summary>
    internal static readonly int[] PausesMs = [10, 20, 50, 100, 200, 400, 700];

    /// <summary><see cref="File.Move(string, string, bool)"/> over an existing target, tried again while held open (Windows).</summary>
    public static void MoveFile(string from, string to) => Run(() => File.Move(from, to, overwrite: true), OperatingSystem.IsWindows(), Thread.Sleep);

    /// <summary><see cref="Directory.Move"/>, tried again while held open (Windows).</summary>
    public static void MoveFolder(string from, string to) => Run(() => Directory.Move(from, to), OperatingSystem.IsWindows(), Thread.Sleep);

    /// <summary>Runs <paramref name="rename"/>; when <paramref name="retry"/>, again after each pause while it fails for a hold (<see cref="IsHeldOpen"/>).</summary>
    internal static void Run(Action rename, bool retry, Action<int> pause)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                rename();
                return;
            }
            catch (Exception e) when (retry && attempt < PausesMs.Length && IsHeldOpen(e))
            {
                pause(PausesMs[attempt]);
            }
        }
    }

    /// <summary>
    /// What Windows says of a rename onto or of a file open elsewhere: ERROR_ACCESS_DENIED (an
    /// <see cref="UnauthorizedAccessException"/> in .NET), ERROR_SHARING_VIOLATION or ERROR_LOCK_VIOLATION.
    /// </summary>
    internal static bool IsHeldOpen(Exception e) =>
        e is UnauthorizedAccessException || (e is IOException && e.HResult is unchecked((int)0x80070005) or unchecked((int)0x80070020) or unchecked((int)0x80070021));
}
