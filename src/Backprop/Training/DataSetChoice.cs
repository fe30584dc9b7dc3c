using Backprop.Data;

namespace Backprop.Training;

/// <summary>
/// The data set a run uses, where it is, and why it was chosen (a sentence <c>backprop train</c> prints).
/// </summary>
/// <param name="Dataset">cifar10, fashion-mnist or mnist.</param>
/// <param name="Folder">The folder holding its files.</param>
/// <param name="Reason">Which data set is used and why, e.g. "Using CIFAR-10 (python) from … because it is in the data folder".</param>
public sealed record DataSetChoice(string Dataset, string Folder, string Reason)
{
    /// <summary>
    /// Picks the data set. With <paramref name="dataset"/> given, that one, wherever <paramref name="locations"/> finds it
    /// (or its official archive, extracted by <paramref name="extract"/>). Without: CIFAR-10 if it is in the data folder;
    /// else CIFAR-10 from its official archive in the data folder (<see cref="ArchiveToExtract"/>), when
    /// <paramref name="extract"/> is given; else Fashion-MNIST if it is there or Debian's <c>dataset-fashion-mnist</c> is
    /// installed; else MNIST if it is in the data folder; else CIFAR-10 downloaded by <paramref name="download"/> (when
    /// given), or, when that fails, put in place by another download meanwhile.
    /// </summary>
    /// <param name="dataset">The <c>--dataset</c> value, or null to choose.</param>
    /// <param name="locations">Where to look.</param>
    /// <param name="download">Downloads a data set into the data folder and returns its folder (e.g. <see cref="Downloader.DownloadAsync"/>); null to never download.</param>
    /// <param name="extract">Installs a data set from its official archive (the file given) beside the archive and returns its folder
    /// (e.g. <see cref="Downloader.InstallFromAsync"/> into <see cref="Path.GetDirectoryName(string)"/> of the archive); null to leave archives alone.</param>
    /// <exception cref="ArgumentException">An unknown data set name.</exception>
    /// <exception cref="DataSetUnavailableException">Nothing usable; the message names every way to get data. Also an
    /// archive to extract whose standard folder is there already, incomplete (an extraction cut short).</exception>
    /// <exception cref="InvalidDataException">The archive found failed its checksum or would not extract; the message names it and says what to do.</exception>
    public static DataSetChoice Choose(string? dataset, DataLocations locations, Func<RemoteDataSet, string>? download = null,
        Func<RemoteDataSet, string, string>? extract = null)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var survey = locations.Survey().ToDictionary(s => s.Kind);
        if (extract is not null && ArchiveIn(dataset, survey) is { } archived)
            return Extracted(dataset, locations, archived.Kind, archived.Archive, extract);
        if (dataset is not null)
        {
            var name = TrainConfig.Canonical(dataset);
            var found = KindsOf(name).Select(k => survey[k]).FirstOrDefault(s => s.Present);
            if (found is null)
                throw new DataSetUnavailableException(
                    $"{Display(name)} is not in the data folder {locations.Root} ({string.Join("; ", KindsOf(name).Select(k => survey[k].Detail.TrimEnd('.')))}). {WaysToGet(name, locations)}");
            return new(name, found.Path!, $"Using {found.Name} from {found.Path} (--dataset {name}{PassedOver(found)}): {found.Detail}");
        }

        foreach (var kind in new[] { DataSetKind.Cifar10Python, DataSetKind.Cifar10Binary, DataSetKind.FashionMnist, DataSetKind.Mnist })
        {
            var s = survey[kind];
            if (!s.Present) continue;
            string name = NameOf(kind);
            bool inRoot = s.Path!.StartsWith(Path.EndsInDirectorySeparator(locations.Root) ? locations.Root : locations.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            // IDX files in the data folder itself (torchvision's raw/, a download) are either data set by their names.
            // The survey has passed them over for the data set their published checksums do not name; where the
            // checksums name neither, the user must.
            bool idxInFolder = kind is DataSetKind.FashionMnist or DataSetKind.Mnist && s.Path == locations.Root;
            if (idxInFolder && DataLocations.IdxKindByChecksum(locations.Root) is null)
                throw new DataSetUnavailableException(IdxAmbiguity(locations.Root)) { NeedsDataset = true };
            // MNIST's files in the data folder itself (by their checksums) come before Debian's Fashion-MNIST, as the
            // user's own data.
            if (kind is DataSetKind.FashionMnist && !inRoot && s.Path != locations.Root && survey[DataSetKind.Mnist].Path == locations.Root)
                continue;
            string why = kind switch
            {
                _ when idxInFolder => $"no CIFAR-10 is in the data folder {locations.Root}, and its IDX files are {s.Name}'s ({DataLocations.IdxEvidence(locations.Root)})",
                DataSetKind.FashionMnist when !inRoot => $"no CIFAR-10 is in the data folder {locations.Root}, and Debian's dataset-fashion-mnist package is installed",
                DataSetKind.FashionMnist or DataSetKind.Mnist => $"no CIFAR-10 is in the data folder {locations.Root}, and {s.Name} is",
                _ => $"it is in the data folder {locations.Root}",
            };
            // A CIFAR-10 folder passed over because files are missing is said, not silently skipped.
            string skipped = kind is DataSetKind.FashionMnist or DataSetKind.Mnist
                ? string.Concat(new[] { DataSetKind.Cifar10Python, DataSetKind.Cifar10Binary }.Where(k => survey[k].Incomplete || survey[k].Archive is not null).Select(k => $" ({survey[k].Detail.TrimEnd('.')})"))
                : "";
            return new(name, s.Path!, $"Using {s.Name} from {s.Path} because {why}{skipped}{PassedOver(s)} (choose with --dataset): {s.Detail}");
        }

        if (download is null)
            throw new DataSetUnavailableException($"No data set found in the data folder {locations.Root}. {WaysToGet(null, locations)}");
        try
        {
            var folder = download(RemoteDataSet.Cifar10Python);
            return new("cifar10", folder, $"Using CIFAR-10 (python), downloaded to {folder} because no data set was found in {locations.Root}.");
        }
        catch (DataDownloadException e)
        {
            // Why (offline, an HTTP error, a checksum) before the other ways to get data.
            string why = e.Problem is { } p ? $": {p}{(p.EndsWith('?') ? "" : ".")}" : ".";
            // Another download (a second 'backprop train' started with this one) may have put it in place meanwhile.
            if (locations.CompleteDownload(DataSetKind.Cifar10Python) is { } arrived)
                return new("cifar10", arrived, $"Using CIFAR-10 (python) from {arrived}, which another download put in place while this one failed{why}");
            throw new DataSetUnavailableException(
                $"No data set found in the data folder {locations.Root}, and CIFAR-10 could not be downloaded from {e.Url}{why} {WaysToGet(null, locations)}", e);
        }
    }

    /// <summary>
    /// The official archive <see cref="Choose"/> would check and extract for <paramref name="dataset"/> (null: the
    /// automatic choice), or null: CIFAR-10's (python preferred) when the data folder holds it and no complete CIFAR-10
    /// folder, and CIFAR-10 is the data set asked for or none was.
    /// </summary>
    public static (DataSetKind Kind, string Archive)? ArchiveToExtract(string? dataset, DataLocations locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        return ArchiveIn(dataset, locations.Survey().ToDictionary(s => s.Kind));
    }

    private static (DataSetKind Kind, string Archive)? ArchiveIn(string? dataset, Dictionary<DataSetKind, DataSetStatus> survey)
    {
        if (dataset is not null && TrainConfig.Canonical(dataset) != "cifar10") return null;
        DataSetKind[] cifar = [DataSetKind.Cifar10Python, DataSetKind.Cifar10Binary];
        if (cifar.Any(k => survey[k].Present)) return null;
        return cifar.Where(k => survey[k].Archive is not null).Select(k => ((DataSetKind, string)?)(k, survey[k].Archive!)).FirstOrDefault();
    }

    /// <summary>The choice of CIFAR-10 from its archive, once <paramref name="extract"/> has checked and extracted it.</summary>
    private static DataSetChoice Extracted(string? dataset, DataLocations locations, DataSetKind kind, string archive,
        Func<RemoteDataSet, string, string> extract)
    {
        var target = DataLocations.ExtractionFolder(kind, archive);
        string folder;
        if (DataLocations.IsComplete(kind, target)) folder = target;   // another run extracted it since the survey
        else if (InTheWay(locations, kind, archive) is { } inTheWay)
            throw new DataSetUnavailableException(inTheWay);
        else
        {
            try
            {
                folder = extract(RemoteDataSet.For(kind), archive);
            }
            catch (IOException) when (DataLocations.IsComplete(kind, target))
            {
                // Another run (two 'backprop train' started together) moved its extraction in between the check above
                // and this one's start, which then refuses the existing folder: the copy is as verified as this one's.
                folder = target;
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{e.Message} It was found in the data folder {locations.Root}, where CIFAR-10 is looked for first: replace it with a complete copy or remove it{(dataset is null ? ", or choose another data set with --dataset" : "")}.", e);
            }
        }
        var s = locations.Survey().Single(x => x.Kind == kind);
        string detail = s.Present ? s.Detail : "";
        string why = dataset is null
            ? $"because its official archive is in the data folder {locations.Root} and no extracted copy was (choose with --dataset)"
            : $"(--dataset {TrainConfig.Canonical(dataset)}; its official archive is in the data folder {locations.Root} and no extracted copy was)";
        return new("cifar10", folder, $"Using {DataLocations.DisplayName(kind)} from {folder}, extracted from {archive} after its MD5 matched the published one, {why}: {detail}");
    }

    /// <summary>
    /// Why <see cref="Choose"/> will not extract <paramref name="archive"/> (<see cref="ArchiveToExtract"/>): its
    /// extraction folder is there already and incomplete (an extraction cut short); null when nothing is in the way.
    /// </summary>
    public static string? InTheWay(DataLocations locations, DataSetKind kind, string archive)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var target = DataLocations.ExtractionFolder(kind, archive);
        return (Directory.Exists(target) || File.Exists(target)) && !DataLocations.IsComplete(kind, target)
            ? $"The data folder {locations.Root} holds {DataLocations.DisplayName(kind)}'s archive '{archive}', but '{target}' is in the way, incomplete (an extraction cut short?): delete it to have the archive checked and extracted anew, or run 'backprop data download --from {archive} --force'."
            : null;
    }

    /// <summary>Why no data set can be chosen without <c>--dataset</c> from IDX files in <paramref name="folder"/> itself.</summary>
    public static string IdxAmbiguity(string folder) =>
        $"'{folder}' holds IDX files, which Fashion-MNIST and MNIST name alike; say which with --dataset fashion-mnist or --dataset mnist (their .gz label files do not have the published checksums of either, which would tell).";

    private static string PassedOver(DataSetStatus s) => s.PassedOver is { } p ? $"; {p}, so it was passed over" : "";

    /// <summary>Every way to get data, in one sentence, for error messages.</summary>
    public static string WaysToGet(string? dataset, DataLocations locations)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var root = locations.Root;
        var ways = new List<string>();
        if (dataset is null or "cifar10")
        {
            ways.Add($"'backprop data download --dataset cifar10' (163 MB, needs internet)");
            ways.Add($"put the official cifar-10-python.tar.gz (fetched with a browser or wget; checked and extracted when found) or its extracted cifar-10-batches-py folder (or -bin) into {root}, or install the archive from where it is with 'backprop data download --from FILE'");
        }
        if (dataset is null or "fashion-mnist")
        {
            ways.Add("'apt-get install dataset-fashion-mnist' (Debian; found automatically)");
            if (dataset is not null) ways.Add("'backprop data download --dataset fashion-mnist'");
        }
        if (dataset is "mnist") ways.Add("'backprop data download --dataset mnist', or copy the four MNIST .gz files into " + Path.Combine(root, "mnist"));
        ways.Add($"point --data-dir or ${DataLocations.EnvironmentVariable} at a folder that holds the data");
        return "To get data: " + string.Join("; or ", ways) + ". 'backprop data info' shows what is found where.";
    }

    /// <summary>The display name of a canonical data set name.</summary>
    public static string Display(string dataset) => dataset switch
    {
        "cifar10" => "CIFAR-10",
        "fashion-mnist" => "Fashion-MNIST",
        "mnist" => "MNIST",
        _ => dataset,
    };

    private static DataSetKind[] KindsOf(string name) => name switch
    {
        "cifar10" => [DataSetKind.Cifar10Python, DataSetKind.Cifar10Binary],
        "fashion-mnist" => [DataSetKind.FashionMnist],
        _ => [DataSetKind.Mnist],
    };

    private static string NameOf(DataSetKind kind) => kind switch
    {
        DataSetKind.Cifar10Python or DataSetKind.Cifar10Binary => "cifar10",
        DataSetKind.FashionMnist => "fashion-mnist",
        _ => "mnist",
    };
}
