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
        "  backprop data download --dataset fashion-mnist --mirror http://mirror.example/fashion/\n" +
        "  backprop data download --from ~/Downloads/cifar-10-python.tar.gz      (the archive you have: MD5-checked, extracted)\n" +
        "  backprop data download --from ~/fashion --dataset fashion-mnist        (a folder of the four official .gz files)";

    public static Command Create(CliConsole console)
    {
        var command = new Command("data", "Show what data is where, or download a data set or install it from the official files you have (checksums verified, nothing half-written).");

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
                var toExtract = DataSetChoice.ArchiveToExtract(null, locations);
                if (toExtract is var (blocked, blocking) && DataSetChoice.InTheWay(locations, blocked, blocking) is { } inTheWay)
                    console.Out.WriteLine("backprop train would stop: " + inTheWay);
                else if (toExtract is var (kind, archive))
                    console.Out.WriteLine($"backprop train would use: {DataLocations.DisplayName(kind)} from its archive {archive}, after checking its MD5 and extracting it into {DataLocations.ExtractionFolder(kind, archive)}.");
                else console.Out.WriteLine("backprop train would use: " + DataSetChoice.Choose(null, locations).Reason);
            }
            catch (DataSetUnavailableException e)
            {
                console.Out.WriteLine(e.NeedsDataset ? "backprop train would ask which: " + e.Message : e.Message);
            }
            return ExitCodes.Success;
        });

        var dataset = new Option<string>("--dataset") { Description = "cifar10, fashion-mnist or mnist (with --from: inferred when not given)", DefaultValueFactory = _ => "cifar10", HelpName = "NAME" };
        var format = new Option<string>("--format") { Description = "CIFAR-10 version: python or binary (with --from: inferred when not given)", DefaultValueFactory = _ => "python", HelpName = "python|binary" };
        var dir = new Option<string?>("--data-dir") { Description = "Data folder to download into (created if needed; default $BACKPROP_DATA, else $XDG_CACHE_HOME/backprop, else " + DataLocations.DefaultFolderText + ")", HelpName = "DIR", CustomParser = UserPath.Parse };
        var mirror = new Option<string?>("--mirror") { Description = "Base URL to download from instead of the official site (also $BACKPROP_MIRROR)", HelpName = "URL" };
        var force = new Option<bool>("--force") { Description = "Replace a copy that is already there" };
        var from = new Option<string?>("--from") { Description = "Install from the official file(s) you have instead of the network: cifar-10-python.tar.gz or cifar-10-binary.tar.gz (or a folder holding it), or a folder of Fashion-MNIST's or MNIST's four .gz files; MD5-checked as a download (--dataset and --format are inferred when not given)", HelpName = "PATH", CustomParser = UserPath.Parse };
        var download = new Command("download", "Download a data set into the data folder, with progress and MD5 checks; or install it from the official archive or files you have (--from).") { dataset, format, dir, mirror, force, from };
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
            if (result.GetValue(from) is { } source)
            {
                var formatGiven = result.GetResult(format) is { Implicit: false } ? Values.OneOf("--format", result.GetValue(format)!, "python", "binary") : null;
                // --format alone says CIFAR-10 (it is refused above with another data set).
                return InstallFrom(result, source, result.GetResult(dataset) is { Implicit: false } || formatGiven is not null ? name : null, formatGiven);
            }
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

        int InstallFrom(ParseResult result, string source, string? datasetGiven, string? formatGiven)
        {
            if (result.GetResult(mirror) is { Implicit: false })
                throw new UsageException("--mirror: --from installs from files on this machine; there is nothing to download.");
            if (!File.Exists(source) && !Directory.Exists(source)) throw new UsageException($"--from: '{source}' does not exist.");
            var (kind, said) = LocalSource.Infer(source, datasetGiven, formatGiven);
            if (said is not null) console.Out.WriteLine(said);
            var remote = LocalSource.Checked(RemoteDataSet.For(kind));
            try
            {
                Downloader.SourceFiles(remote, source);   // what is missing, said before anything is made
            }
            catch (Exception e) when (e is ArgumentException or FileNotFoundException)
            {
                throw new UsageException($"--from: {UsageException.MessageOf(e)}", e);
            }
            if (result.GetValue(dir) is { } d && File.Exists(d)) throw new UsageException($"--data-dir: '{d}' is a file; give the folder to install into.");
            var locations = DataSource.Checked(DataLocations.Resolve(result.GetValue(dir)));
            var target = locations.DownloadFolder(kind);
            if (!result.GetValue(force) && (Directory.Exists(target) || File.Exists(target)))
                throw new UsageException($"{target} already exists; add --force to install {DataLocations.DisplayName(kind)} again.");
            var folder = DataSource.Install(remote, Path.GetFullPath(source), locations.Root, console.Out, console.Cancel, null,
                overwrite: result.GetValue(force), terminal: console.OutIsTerminal);
            console.Out.WriteLine($"Verified against the published MD5: {string.Join(", ", remote.Files.Select(f => $"{f.Name} {f.Md5}"))}.");
            console.Out.WriteLine($"{DataLocations.DisplayName(kind)} is in {folder}");
            return ExitCodes.Success;
        }

        command.Subcommands.Add(info);
        command.Subcommands.Add(download);
        return command;
    }
}
