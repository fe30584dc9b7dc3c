using Backprop.Training;

namespace Backprop.Cli;

/// <summary>Opening a run folder named on the command line (a missing folder or config is bad usage).</summary>
internal static class RunDirs
{
    /// <summary>The configuration of the run folder given to <paramref name="option"/>.</summary>
    public static TrainConfig Config(string option, string dir)
    {
        try
        {
            return RunFolder.ReadConfig(dir);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
    }

    /// <summary>
    /// The images the run in <paramref name="runDir"/> (with <paramref name="config"/>) was trained on: from
    /// <c>--data-dir</c> when given, else from the folder its summary records, else wherever the data set is found.
    /// </summary>
    public static ImageData Data(string runDir, TrainConfig config, string? dataDir, CliConsole console)
    {
        if (dataDir is null && RunFolder.TrainedOn(runDir) is { } recorded && recorded.Dataset == config.Dataset)
        {
            console.Error.WriteLine(recorded.Reason);
            return DataSource.Load(recorded);
        }
        return DataSource.Load(DataSource.Choose(config.Dataset, dataDir, console.Error, console.Cancel));
    }
}
