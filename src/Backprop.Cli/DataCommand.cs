using System.CommandLine;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Cli;

/// <summary><c>backprop data info</c> and <c>backprop data download</c>.</summary>
internal static class DataCommand
{
    public const string Example =
        "Examples:\n" +
        "  backprop data info\n" +
        "  backprop data download --dataset cifar10 --data-dir ~/data\n" +
        "  backprop data download --dataset fashion-mnist --mirror http://mirror.example/fashion/";

    public static Command Create(CliConsole console)
    {
        var command = new Command("data", "Show what data is where, or download a data set (checksums verified, nothing half-written).");

        var infoDir = new Option<string?>("--data-dir") { Description = "Data folder (default $BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else " + DataLocations.DefaultFolderText + ")", HelpName = "DIR", CustomParser = UserPath.Parse };
        var info = new Command("info", "Say which data sets are present where, and which one 'backprop train' would use.") { infoDir };
        info.SetAction(result =>
        {
            var infoFolder = result.GetValue(infoDir);
            var locations = DataSource.Locations(infoFolder);
            console.Out.Write(locations.Describe());
            try
            {
                // As train decides (DataSource.Choose).
                if (DataSource.IdxAmbiguity(infoFolder) is { } ambiguity)
                    console.Out.WriteLine($"backprop train would ask which: {ambiguity}; it needs --dataset fashion-mnist or --dataset mnist.");
                else console.Out.WriteLine("backprop train would use: " + DataSetChoice.Choose(null, locations).Reason);
            }
            catch (DataSetUnavailableException e)
            {
                console.Out.WriteLine(e.Message);
            }
            return ExitCodes.Success;
        });

        var dataset = new Option<string>("--dataset") { Description = "cifar10, fashion-mnist or mnist", DefaultValueFactory = _ => "cifar10", HelpName = "NAME" };
        var format = new Option<string>("--format") { Description = "CIFAR-10 version: python or binary", DefaultValueFactory = _ => "python", HelpName = "python|binary" };
        var dir = new Option<string?>("--data-dir") { Description = "Data folder to download into (created if needed; default $BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else " + DataLocations.DefaultFolderText + ")", HelpName = "DIR", CustomParser = UserPath.Parse };
        var mirror = new Option<string?>("--mirror") { Description = "Base URL to download from instead of the official site (also $BACKPROP_MIRROR)", HelpName = "URL" };
        var force = new Option<bool>("--force") { Description = "Replace a copy that is already there" };
        var download = new Command("download", "Download a data set into the data folder, with progress and MD5 checks.") { dataset, format, dir, mirror, force };
        download.SetAction(result =>
        {
            console.StopsCleanly = true;   // watches console.Cancel to its end: a first Ctrl-C stops it cleanly
            string name;
            try
            {
                name = TrainConfig.Canonical(result.GetValue(dataset)!);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"--dataset: {UsageException.MessageOf(e)}", e);
            }
            if (name != "cifar10" && result.GetResult(format) is { Implicit: false })
                throw new UsageException($"--format: only CIFAR-10 comes in a python and a binary version; {name} is one set of IDX files.");
            var kind = name switch
            {
                "cifar10" => Values.OneOf("--format", result.GetValue(format)!, "python", "binary") == "python" ? DataSetKind.Cifar10Python : DataSetKind.Cifar10Binary,
                "fashion-mnist" => DataSetKind.FashionMnist,
                _ => DataSetKind.Mnist,
            };
            Uri? baseUrl = result.GetValue(mirror) is { } m ? DataSource.MirrorUrl(m, "--mirror") : null;
            if (result.GetValue(dir) is { } d && File.Exists(d)) throw new UsageException($"--data-dir: '{d}' is a file; give the folder to download into.");
            var locations = DataSource.Checked(DataLocations.Resolve(result.GetValue(dir)));
            var target = locations.DownloadFolder(kind);
            if (!result.GetValue(force) && Directory.Exists(target))
                throw new UsageException($"{target} already exists; add --force to download {DataLocations.DisplayName(kind)} again.");
            string folder;
            try
            {
                folder = DataSource.Download(RemoteDataSet.For(kind), locations.Root, console.Out, console.Cancel, baseUrl, overwrite: result.GetValue(force), terminal: console.OutIsTerminal);
            }
            catch (DataDownloadException e) when (!result.GetValue(force) && locations.CompleteDownload(kind) is not null)
            {
                // Another download (a 'backprop train' or 'data download' started with this one) finished first, its
                // checksums verified: what was asked for is there, as train would use it. With --force the copy asked
                // to be replaced may be that one, so there the failure stands.
                string why = e.Problem is { } p ? $": {p.TrimEnd('.')}" : "";
                console.Out.WriteLine($"This download failed{why}; another download put a complete {DataLocations.DisplayName(kind)} in {target} meanwhile.");
                folder = target;
            }
            console.Out.WriteLine($"{DataLocations.DisplayName(kind)} is in {folder}");
            return ExitCodes.Success;
        });

        command.Subcommands.Add(info);
        command.Subcommands.Add(download);
        return command;
    }
}
