using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary>
/// The file an <c>--out</c> option names, checked before anything is computed: its folder exists and takes new files,
/// it is not a folder, it has the format's extension, and it is neither a run folder's own file nor an input being
/// read, through symbolic links too (writing the predictions over <c>model.npz</c> lost the run).
/// </summary>
internal static class OutputFile
{
    /// <summary>
    /// The full path of <paramref name="given"/> for <paramref name="option"/>. A name without an extension gets
    /// <paramref name="extension"/> (as <c>np.save</c> adds <c>.npy</c>); another extension is bad usage.
    /// </summary>
    /// <param name="option">The option's name, for messages.</param>
    /// <param name="given">The path as given.</param>
    /// <param name="extension">The format's extension, with its dot.</param>
    /// <param name="inputs">Files being read, which must not be overwritten.</param>
    public static string Check(string option, string given, string extension, IEnumerable<string?> inputs)
    {
        if (string.IsNullOrWhiteSpace(given)) throw new UsageException($"{option}: give a file name.");
        var path = Path.GetFullPath(given);
        if (Directory.Exists(path)) throw new UsageException($"{option}: '{path}' is a folder; give a file name inside it.");
        if (Path.EndsInDirectorySeparator(given) && File.Exists(Path.TrimEndingDirectorySeparator(path)))
            throw new UsageException($"{option}: '{given}' ends in a separator, but it names a file.");
        if (Path.GetExtension(path).Length == 0) path += extension;
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder)) throw new UsageException($"{option}: the folder '{folder}' does not exist.");
        var real = RealPath.Of(path);
        var realFolder = Path.GetDirectoryName(real)!;
        if (IsRunFolder(realFolder) && RunFiles.All.Contains(Path.GetFileName(real), StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"{option}: '{path}' is the run's own {Path.GetFileName(real)}; write to another name.");
        if ((File.Exists(Path.Combine(realFolder, SearchResult.FileName)) || File.Exists(Path.Combine(realFolder, SearchSpec.FileName))) && SearchFiles.Contains(Path.GetFileName(real), StringComparer.OrdinalIgnoreCase))
            throw new UsageException($"{option}: '{path}' is the search's own {Path.GetFileName(real)}" +
                (Path.GetFileName(real).Equals(SearchPicture.FileName, StringComparison.OrdinalIgnoreCase) ? $" ('backprop plot {realFolder}' redraws it)" : ", which no command redraws") +
                "; write to another name.");
        foreach (var input in inputs)
            if (input is not null && SameName(real, RealPath.Of(input), CaseInsensitiveFileSystem))
                throw new UsageException($"{option}: '{path}' is the input being read; write to another name.");
        if (!Path.GetExtension(path).Equals(extension, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"{option}: '{given}' does not end in {extension}; this command writes {extension} files.");
        CheckWritable(option, realFolder);
        return path;
    }

    /// <summary>
    /// Bad usage unless a new file can be made in <paramref name="folder"/>, or, if it does not exist yet, in its
    /// nearest existing parent (where it would be created): found now rather than after the work, from a temporary
    /// file's name deep inside an atomic write.
    /// </summary>
    public static void CheckWritable(string option, string folder)
    {
        var at = Path.GetFullPath(folder);
        if (!OperatingSystem.IsWindows())
        {
            // Found now, not as an IOException (exit 1) after the data was loaded and the training began.
            if (at.Split('/').FirstOrDefault(c => System.Text.Encoding.UTF8.GetByteCount(c) > 255) is { } tooLong)
                throw new UsageException($"{option}: the name '{tooLong[..40]}…' is {System.Text.Encoding.UTF8.GetByteCount(tooLong)} bytes long; file systems take at most 255 bytes per name.");
            if (System.Text.Encoding.UTF8.GetByteCount(at) >= 4096 - 64)
                throw new UsageException($"{option}: the path '{at[..60]}…' is {System.Text.Encoding.UTF8.GetByteCount(at)} bytes long; the system takes paths of at most 4,095 bytes (and the files go inside it).");
        }
        while (!Directory.Exists(at) && Path.GetDirectoryName(at) is { } parent)
        {
            if (new FileInfo(at).LinkTarget is { } target && IsDanglingLink(at))
                throw new UsageException($"{option}: '{at}' is a symbolic link to '{target}', which leads to no folder (the target does not exist, or the links go round in a loop).");
            if (File.Exists(at))
                throw new UsageException(at == Path.GetFullPath(folder) ? $"{option}: '{at}' is a file; give a folder." : $"{option}: '{at}' is a file, so no folder can be made in it.");
            at = parent;
        }
        var probe = Path.Combine(at, $".backprop-probe-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{option}: nothing can be written in '{at}'{(e is UnauthorizedAccessException ? " (permission denied)" : "")}.", e);
        }
    }

    /// <summary>A symbolic link that leads nowhere: to a missing target, or round a loop of links.</summary>
    private static bool IsDanglingLink(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true) is not { Exists: true };
        }
        catch (IOException)
        {
            return true;   // too many levels of symbolic links
        }
    }

    /// <summary>
    /// Whether file names here ignore case, as Windows' and macOS's usual file systems do (NTFS, APFS): there
    /// <c>--out Images.npy</c> replaces <c>images.npy</c>. Assumed from the system (a case-sensitive APFS volume is
    /// then refused a name that only differs in case from the input, which is harmless).
    /// </summary>
    internal static readonly bool CaseInsensitiveFileSystem = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    /// <summary>Whether two full paths name the same file, on a file system that ignores case or not.</summary>
    internal static bool SameName(string a, string b, bool ignoreCase) =>
        string.Equals(a, b, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>What a search writes into its folder beside the trials' run folders.</summary>
    private static readonly string[] SearchFiles = ["results.json", "results.csv", "search.png", "search.json"];

    /// <summary>A folder a training run wrote (its configuration or history is there).</summary>
    private static bool IsRunFolder(string folder) =>
        File.Exists(RunFiles.In(folder, RunFiles.Config)) || File.Exists(RunFiles.In(folder, RunFiles.History));
}
