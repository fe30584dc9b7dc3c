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
    /// Picks the data set. With <paramref name="dataset"/> given, that one, wherever <paramref name="locations"/> finds it.
    /// Without: CIFAR-10 if it is in the data folder; else Fashion-MNIST if it is there or Debian's
    /// <c>dataset-fashion-mnist</c> is installed; else MNIST if it is in the data folder; else CIFAR-10 downloaded by
    /// <paramref name="download"/> (when given), or, when that fails, put in place by another download meanwhile.
    /// </summary>
    /// <param name="dataset">The <c>--dataset</c> value, or null to choose.</param>
    /// <param name="locations">Where to look.</param>
    /// <param name="download">Downloads a data set into the data folder and returns its folder (e.g. <see cref="Downloader.DownloadAsync"/>); null to never download.</param>
    /// <exception cref="ArgumentException">An unknown data set name.</exception>
    /// <exception cref="DataSetUnavailableException">Nothing usable; the message names every way to get data.</exception>
    public static DataSetChoice Choose(string? dataset, DataLocations locations, Func<RemoteDataSet, string>? download = null)
    {
        ArgumentNullException.ThrowIfNull(locations);
        var survey = locations.Survey().ToDictionary(s => s.Kind);
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
            bool inRoot = s.Path!.StartsWith(locations.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            string why = kind switch
            {
                DataSetKind.FashionMnist when !inRoot => $"no CIFAR-10 is in the data folder {locations.Root}, and Debian's dataset-fashion-mnist package is installed",
                DataSetKind.FashionMnist or DataSetKind.Mnist => $"no CIFAR-10 is in the data folder {locations.Root}, and {s.Name} is",
                _ => $"it is in the data folder {locations.Root}",
            };
            // A CIFAR-10 folder passed over because files are missing is said, not silently skipped.
            string skipped = kind is DataSetKind.FashionMnist or DataSetKind.Mnist
                ? string.Concat(new[] { DataSetKind.Cifar10Python, DataSetKind.Cifar10Binary }.Where(k => survey[k].Incomplete).Select(k => $" ({survey[k].Detail.TrimEnd('.')})"))
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
            ways.Add($"copy an extracted cifar-10-batches-py (or -bin) folder into {root}");
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
