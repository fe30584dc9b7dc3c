using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary>Opening a run folder named on the command line (a missing folder or config is bad usage).</summary>
internal static class RunDirs
{
    /// <summary>The configuration of the run folder given to <paramref name="option"/>, which must hold a model too (checked before any data is looked for).</summary>
    public static TrainConfig Config(string option, string dir)
    {
        try
        {
            var config = RunFolder.ReadConfig(dir);
            if (!File.Exists(RunFiles.In(dir, RunFiles.Model)))
                throw new UsageException($"{option}: '{dir}' has no {RunFiles.Model} ({WhyNoModel(dir)}).");
            return config;
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{option}: {(SearchFolder(dir) is { } search ? search : e.Message)}");
        }
    }

    /// <summary>
    /// What to say of a search folder given where a run folder goes (the notebooks' "best model" is its best trial's
    /// folder, which it names), or null when <paramref name="dir"/> is not one.
    /// </summary>
    internal static string? SearchFolder(string dir)
    {
        if (!Directory.Exists(dir)) return null;
        string results = Path.Combine(dir, SearchResult.FileName);
        bool spec = File.Exists(Path.Combine(dir, SearchSpec.FileName));
        if (!File.Exists(results))
            return spec ? $"'{dir}' is a search folder, not a run folder, and its search has written no {SearchResult.FileName} yet (running, or killed: 'backprop search --resume {dir}' continues it); give one of its trial folders ({Path.Combine(dir, "trial-000")} …)." : null;
        SearchTrial? best;
        try
        {
            best = SearchResult.Load(results).Best;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return $"'{dir}' is a search folder, not a run folder ({results} cannot be read: {e.Message.TrimEnd('.')}); give one of its trial folders ({Path.Combine(dir, "trial-000")} …).";
        }
        return best is null
            ? $"'{dir}' is a search folder, not a run folder, and no trial of its search completed with a model ({results}); give one of its trial folders to look at it."
            : $"'{dir}' is a search folder, not a run folder; its best trial (val_acc {best.ValAcc?.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}) is '{Path.Combine(dir, best.Run)}': give that.";
    }

    /// <summary>Why a run folder holds no model: a search's trial that was not the best, or a run that stopped early.</summary>
    private static string WhyNoModel(string dir)
    {
        if (Directory.Exists(RunFiles.In(dir, RunFiles.Model)))
            return $"'{RunFiles.In(dir, RunFiles.Model)}' is a folder, not the model file";
        if (FolderLock.IsHeldByAnother(dir))
            return "a run is training there now (another process holds the folder); its model is written when it ends";
        if (!File.Exists(RunFiles.In(dir, RunFiles.Summary)))
            return $"the run stopped before it saved one; 'backprop train --resume {dir}' continues it if it has a {RunFiles.Checkpoint}";
        var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)));
        if (parent is not null && File.Exists(Path.Combine(parent, SearchResult.FileName)))
        {
            string results = Path.Combine(parent, SearchResult.FileName);
            SearchTrial? best = null;
            try
            {
                best = SearchResult.Load(results).Best;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Said as below, without naming the best trial.
            }
            // A search whose every trial diverged or failed has no best trial to point at.
            return best is null
                ? $"it is a search's trial, and a search keeps only its best completed trial's model; no trial of this search completed with one ('{results}')"
                : $"it is a search's trial, and a search keeps only its best trial's model: '{Path.Combine(parent, best.Run)}' (val_acc {best.ValAcc?.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)})";
        }
        return "the run finished, but its model has been removed since";
    }

    /// <summary>
    /// Where the data of the run in <paramref name="runDir"/> (with <paramref name="config"/>) is: in <c>--data-dir</c>
    /// when given, else in the folder its summary records (<c>WhereTrained</c>), else wherever the data set is found.
    /// </summary>
    public static (DataSetChoice Choice, bool WhereTrained) DataOf(string runDir, TrainConfig config, string? dataDir, CliConsole console)
    {
        if (dataDir is null && RunFolder.TrainedOn(runDir) is { } recorded && recorded.Dataset == config.Dataset) return (recorded, true);
        try
        {
            return (DataSource.Choose(config.Dataset, dataDir, console.Error, console.Cancel), false);
        }
        catch (UsageException e) when (dataDir is null && RunFolder.MovedDataFolder(runDir) is { } moved)
        {
            throw new UsageException($"The run was trained on the data in '{moved}', which no longer exists: give --data-dir the folder that now holds {Path.GetFileName(Path.TrimEndingDirectorySeparator(moved))}. {e.Message}", e);
        }
    }

    /// <summary>
    /// The images of <see cref="DataOf"/>; on stderr, where they are when no option chose the folder, or when the data
    /// is not in the --data-dir given (the Debian package's Fashion-MNIST is then used, as train says too).
    /// </summary>
    public static ImageData Data(string runDir, TrainConfig config, string? dataDir, CliConsole console)
    {
        var (choice, whereTrained) = DataOf(runDir, config, dataDir, console);
        // Outside --data-dir: the path from it to the folder climbs out (or, on another drive, is absolute).
        string? fromDataDir = dataDir is null ? null : Path.GetRelativePath(dataDir, choice.Folder);
        bool elsewhere = fromDataDir is not null && (fromDataDir == ".." || fromDataDir.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(fromDataDir));
        if (whereTrained || elsewhere) console.Error.WriteLine(choice.Reason);
        return DataSource.Load(choice);
    }
}
