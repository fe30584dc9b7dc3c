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

    /// <summary>The images a run with <paramref name="config"/> was trained on.</summary>
    public static ImageData Data(TrainConfig config, string? dataDir, CliConsole console) =>
        DataSource.Load(DataSource.Choose(config.Dataset, dataDir, console.Error, console.Cancel));
}
