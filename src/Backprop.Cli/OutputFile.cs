using Backprop.Training;

namespace Backprop.Cli;

/// <summary>
/// The file an <c>--out</c> option names, checked before anything is computed: its folder exists, it is not a folder,
/// it has the format's extension, and it is neither a run folder's own file nor the input being read (writing the
/// predictions over <c>model.npz</c> lost the run).
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
    /// <param name="runDirs">Run folders whose own files (<see cref="RunFiles.All"/>) must not be overwritten.</param>
    /// <param name="inputs">Files being read, which must not be overwritten either.</param>
    public static string Check(string option, string given, string extension, IEnumerable<string> runDirs, IEnumerable<string?> inputs)
    {
        if (string.IsNullOrWhiteSpace(given)) throw new UsageException($"{option}: give a file name.");
        var path = Path.GetFullPath(given);
        if (Directory.Exists(path)) throw new UsageException($"{option}: '{path}' is a folder; give a file name inside it.");
        if (Path.GetExtension(path).Length == 0) path += extension;
        var folder = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(folder)) throw new UsageException($"{option}: the folder '{folder}' does not exist.");
        foreach (var dir in runDirs)
            if (SamePath(folder, dir) && RunFiles.All.Contains(Path.GetFileName(path), StringComparer.OrdinalIgnoreCase))
                throw new UsageException($"{option}: '{path}' is the run's own {Path.GetFileName(path)}; write to another name.");
        foreach (var input in inputs)
            if (input is not null && SamePath(path, input))
                throw new UsageException($"{option}: '{path}' is the input being read; write to another name.");
        if (!Path.GetExtension(path).Equals(extension, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"{option}: '{given}' does not end in {extension}; this command writes {extension} files.");
        return path;
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
