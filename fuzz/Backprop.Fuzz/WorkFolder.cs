using System.Diagnostics;

/// <summary>
/// The fuzzers' scratch folders, <c>backprop-fuzz-{pid}</c> and <c>backprop-afl-{pid}</c> in /dev/shm (else the temp
/// folder). A campaign stopped by <c>timeout</c> or Ctrl-C, and every AFL++ target (afl-fuzz kills it), leaves its
/// folder behind; the next one to start removes those of processes no longer running.
/// </summary>
internal static class WorkFolder
{
    private static readonly string[] Kinds = ["fuzz", "afl"];

    private static string Root => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    /// <summary>This process's folder for <paramref name="kind"/> (not created), after removing the stale ones.</summary>
    public static string For(string kind)
    {
        SweepStale();
        return Path.Combine(Root, $"backprop-{kind}-{Environment.ProcessId}");
    }

    private static void SweepStale()
    {
        foreach (var kind in Kinds)
            foreach (var dir in Directory.EnumerateDirectories(Root, $"backprop-{kind}-*"))
            {
                if (!int.TryParse(Path.GetFileName(dir).AsSpan($"backprop-{kind}-".Length), out int pid) || IsRunning(pid)) continue;
                try { Directory.Delete(dir, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // another user's, or being removed
            }
    }

    // A pid reused by an unrelated process keeps its folder until that one ends: harmless.
    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
