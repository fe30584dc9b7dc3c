namespace Backprop.Data;

/// <summary>
/// Where a path really leads, every symbolic link on it resolved (as <c>os.path.realpath</c>): for telling whether two
/// names are one file, or one lies inside another's folder, before one is replaced.
/// </summary>
public static class RealPath
{
    /// <summary><paramref name="path"/> made absolute with every symbolic link on it resolved; the path need not exist.</summary>
    public static string Of(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Path.GetDirectoryName(full) is not { } parent) return full;
        var resolved = Path.Combine(Of(parent), Path.GetFileName(full));
        FileSystemInfo entry = Directory.Exists(resolved) ? new DirectoryInfo(resolved) : new FileInfo(resolved);
        if (!entry.Exists || entry.LinkTarget is null) return resolved;
        try
        {
            return entry.ResolveLinkTarget(returnFinalTarget: true) is { } target ? Of(target.FullName) : resolved;
        }
        catch (IOException)
        {
            return resolved;   // a loop of links: nothing real to compare with
        }
    }
}
