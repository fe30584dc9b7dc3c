using Backprop.Data;
using Backprop.Training;
using Spectre.Console;

namespace Backprop.Cli;

/// <summary>Finds the data a command uses (<c>--data-dir</c>, <c>--dataset</c>, or the automatic choice) and reads it.</summary>
internal static class DataSource
{
    /// <summary>The environment variable naming a download mirror (a base URL used instead of the official one).</summary>
    public const string MirrorVariable = "BACKPROP_MIRROR";

    /// <summary>The data folders; a <c>--data-dir</c> that does not exist is bad usage.</summary>
    public static DataLocations Locations(string? dataDir)
    {
        if (dataDir is not null && File.Exists(dataDir))
            throw new UsageException($"--data-dir: '{dataDir}' is a file; give the data folder.");
        if (dataDir is not null && !Directory.Exists(dataDir))
            throw new UsageException($"--data-dir: the folder '{dataDir}' does not exist.");
        if (dataDir is not null && IsCifarBatchFolder(dataDir))
            throw new UsageException($"--data-dir: '{dataDir}' holds CIFAR-10's batches itself; give the folder that holds it, '{Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDir)))}'.");
        return Checked(DataLocations.Resolve(dataDir));
    }

    /// <summary>
    /// <paramref name="locations"/>, refused when its folder came from <c>$BACKPROP_DATA</c> and is a file or a folder
    /// of CIFAR-10 batches itself: the checks <c>--data-dir</c> gets (a folder that does not exist yet is fine: a
    /// download creates it).
    /// </summary>
    public static DataLocations Checked(DataLocations locations)
    {
        if (locations.RootSource != "$" + DataLocations.EnvironmentVariable) return locations;
        if (File.Exists(locations.Root))
            throw new UsageException($"${DataLocations.EnvironmentVariable}: '{locations.Root}' is a file; give the data folder.");
        if (IsCifarBatchFolder(locations.Root))
            throw new UsageException($"${DataLocations.EnvironmentVariable}: '{locations.Root}' holds CIFAR-10's batches itself; give the folder that holds it, '{Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(locations.Root))}'.");
        return locations;
    }

    /// <summary>A folder of CIFAR-10 batch files (python or binary), given where its parent was expected.</summary>
    private static bool IsCifarBatchFolder(string dir) =>
        File.Exists(Path.Combine(dir, "data_batch_1")) || File.Exists(Path.Combine(dir, "data_batch_1.bin")) || File.Exists(Path.Combine(dir, "batches.meta"))
        || File.Exists(Path.Combine(dir, "batches.meta.txt"));

    /// <summary>
    /// Chooses the data set (<see cref="DataSetChoice.Choose"/>), extracting CIFAR-10's official archive found in the
    /// data folder (MD5-checked, beside it) or, when nothing is found and no data set was named, downloading CIFAR-10,
    /// with progress on <paramref name="progress"/>.
    /// </summary>
    public static DataSetChoice Choose(string? dataset, string? dataDir, TextWriter progress, CancellationToken cancel)
    {
        var locations = Locations(dataDir);
        try
        {
            return DataSetChoice.Choose(dataset, locations, remote => Download(remote, locations.Root, progress, cancel),
                (remote, archive) => Install(remote, archive, Path.GetDirectoryName(archive)!, progress, cancel,
                    $"the data folder {locations.Root} holds its official archive and no extracted copy"));
        }
        catch (DataSetUnavailableException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>Reads the chosen images.</summary>
    public static ImageData Load(DataSetChoice choice) => ImageData.Load(choice);

    /// <summary>
    /// A mirror's base URL, ending in '/' so that the file names are appended to it; bad usage, naming
    /// <paramref name="source"/> (<c>--mirror</c> or <c>$BACKPROP_MIRROR</c>), when it is not an http(s) URL.
    /// </summary>
    public static Uri MirrorUrl(string value, string source) =>
        Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url : throw new UsageException($"{source}: '{value}' is not an http(s) URL.");

    /// <summary>
    /// Downloads a data set into <paramref name="root"/> (mirror from <c>$BACKPROP_MIRROR</c> if set), reporting progress
    /// as a live bar per file on a terminal and as lines otherwise; <paramref name="overwrite"/> replaces a copy already there.
    /// </summary>
    public static string Download(RemoteDataSet remote, string root, TextWriter progress, CancellationToken cancel, Uri? mirror = null, bool overwrite = false, bool terminal = false)
    {
        if (mirror is null && Environment.GetEnvironmentVariable(MirrorVariable) is { Length: > 0 } m) mirror = MirrorUrl(m, "$" + MirrorVariable);
        if (mirror is not null) remote = remote with { BaseUrl = mirror };
        progress.WriteLine($"Downloading {DataLocations.DisplayName(remote.Kind)} from {remote.BaseUrl} into {root} …");
        // A failed download leaves no data folder it made (train's own made ~/.cache/backprop): the downloader sees to it.
        using var downloader = new Downloader();
        return WithProgress(progress, terminal, p => downloader.DownloadAsync(remote, root, p, overwrite, cancel));
    }

    /// <summary>
    /// Tests only: replaces the checksums (the data set) an installation from local files holds the files to, as the
    /// download tests serve their own archives with their own checksums. Flows with the test's own calls only.
    /// </summary>
    internal static readonly AsyncLocal<Func<RemoteDataSet, RemoteDataSet>?> ChecksumsForTests = new();

    /// <summary>
    /// Installs a data set from its official file(s) at <paramref name="source"/> (<see cref="Downloader.InstallFromAsync"/>)
    /// into <paramref name="root"/>, saying first what and why (<paramref name="why"/>), with the download's progress.
    /// </summary>
    public static string Install(RemoteDataSet remote, string source, string root, TextWriter progress, CancellationToken cancel, string? why,
        bool overwrite = false, bool terminal = false)
    {
        remote = LocalSource.Checked(remote);
        progress.WriteLine($"Installing {DataLocations.DisplayName(remote.Kind)} from {source} into {root}{(why is null ? "" : $" ({why})")}: checking the MD5 of {string.Join(", ", remote.Files.Select(f => f.Name))} …");
        using var downloader = new Downloader();
        return WithProgress(progress, terminal, p => downloader.InstallFromAsync(remote, source, root, p, overwrite, cancel));
    }

    /// <summary>Runs a download or an installation with a live bar per file on a terminal, else lines.</summary>
    private static string WithProgress(TextWriter progress, bool terminal, Func<IProgress<DownloadProgress>, Task<string>> run)
    {
        if (!terminal) return run(new LineProgress(progress)).GetAwaiter().GetResult();
        string folder = "";
        Consoles.Over(progress, terminal: true).Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(ctx => folder = run(new BarProgress(ctx)).GetAwaiter().GetResult());
        return folder;
    }

    /// <summary>Download progress as a Spectre bar per file (bytes, speed, time left; then the MD5 check and extraction).</summary>
    private sealed class BarProgress(ProgressContext context) : IProgress<DownloadProgress>
    {
        private readonly Dictionary<string, ProgressTask> _tasks = [];

        public void Report(DownloadProgress p)
        {
            lock (_tasks)
            {
                if (p.Phase == "done")
                {
                    foreach (var t in _tasks.Values) t.StopTask();
                    return;
                }
                if (!_tasks.TryGetValue(p.FileName, out var task))
                    _tasks[p.FileName] = task = context.AddTask(p.FileName, maxValue: Math.Max(1, p.TotalBytes ?? 1));
                if (p.TotalBytes is long total) task.MaxValue = Math.Max(1, total);
                if (p.Phase == "download") task.Value = p.BytesDone;
                else if (p.Phase == "verify" && p.TotalBytes is not null)
                {
                    task.Value = p.BytesDone;   // a local file is read for its MD5 at disk speed: the bar moves
                    task.Description = $"{p.FileName}: checking MD5";
                }
                else
                {
                    task.Value = task.MaxValue;
                    task.Description = $"{p.FileName}: {(p.Phase == "verify" ? "checking MD5" : "extracting")}";
                }
            }
        }
    }

    /// <summary>Download progress as a line per 10 % (and per phase), for redirected output.</summary>
    private sealed class LineProgress(TextWriter output) : IProgress<DownloadProgress>
    {
        private int _tenth = -1;
        private string _phase = "";

        public void Report(DownloadProgress p)
        {
            lock (output)
            {
                int tenth = (int)((p.Fraction ?? 0) * 10);
                if (p.Phase == _phase && (p.Phase != "download" || tenth == _tenth)) return;
                (_phase, _tenth) = (p.Phase, tenth);
                output.WriteLine(p.Phase switch
                {
                    "download" => $"  {p.FileName}: {p.BytesDone / 1e6:F1} MB{(p.TotalBytes is long t ? $" of {t / 1e6:F1} MB" : "")}, {p.BytesPerSecond / 1e6:F1} MB/s",
                    "verify" => $"  {p.FileName}: checking MD5",
                    "extract" => $"  {p.FileName}: extracting",
                    _ => $"  done: {p.FileName}",
                });
            }
        }
    }
}
