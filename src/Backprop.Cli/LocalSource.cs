using Backprop.Data;

namespace Backprop.Cli;

/// <summary>
/// What <c>backprop data download --from PATH</c> installs: the data set of an archive or folder of official files,
/// as <c>--dataset</c>/<c>--format</c> say, or, where they are not given, as the file names (and, for the IDX files,
/// which Fashion-MNIST and MNIST name alike, their checksums) tell.
/// </summary>
internal static class LocalSource
{
    /// <summary>The data set to install from <paramref name="from"/> and, when it was inferred, a sentence saying so (else null).</summary>
    /// <param name="from">The <c>--from</c> path (existing).</param>
    /// <param name="dataset">The canonical <c>--dataset</c> if given, else null.</param>
    /// <param name="format">The <c>--format</c> (python or binary) if given, else null.</param>
    public static (DataSetKind Kind, string? Said) Infer(string from, string? dataset, string? format)
    {
        if (dataset is "fashion-mnist") return (DataSetKind.FashionMnist, null);
        if (dataset is "mnist") return (DataSetKind.Mnist, null);
        if (dataset is "cifar10" && format is not null) return (Cifar(format), null);
        bool file = File.Exists(from);
        if (file)
        {
            var name = Path.GetFileName(from);
            if (RemoteDataSet.OfArchiveName(name) is { } set)
                return (set.Kind, $"'{name}' is {DataLocations.DisplayName(set.Kind)}'s archive by its name ({Options(set.Kind)}); its MD5 decides.");
            if (dataset is "cifar10") return (DataSetKind.Cifar10Python, "CIFAR-10 comes as the python version unless --format binary is given.");
            if (Idx.StandardFileNames.Any(n => name.StartsWith(n, StringComparison.Ordinal)))
                throw new UsageException($"--from: '{from}' is one of the four IDX files of Fashion-MNIST or MNIST; give the folder that holds all four.");
            throw new UsageException($"--from: cannot tell from its name which data set '{from}' is (CIFAR-10's official archives are cifar-10-python.tar.gz and cifar-10-binary.tar.gz); give --dataset cifar10, with --format binary for the binary version.");
        }

        var archives = new[] { DataSetKind.Cifar10Python, DataSetKind.Cifar10Binary }
            .Where(k => File.Exists(Path.Combine(from, RemoteDataSet.For(k).Files.Single().Name))).ToList();
        if (archives.Count > 0)
        {
            var both = archives.Count > 1 ? " (it also holds the binary version's: --format binary installs that one)" : "";
            return (archives[0], $"'{from}' holds {DataLocations.DisplayName(archives[0])}'s archive, {RemoteDataSet.For(archives[0]).Files.Single().Name}{both} ({Options(archives[0])}).");
        }
        if (dataset is "cifar10") return (DataSetKind.Cifar10Python, null);   // the installation says what is missing
        if (RemoteDataSet.FashionMnist.Files.Any(f => File.Exists(Path.Combine(from, f.Name)))) return IdxDataSet(from);
        if (File.Exists(Path.Combine(from, "data_batch_1")) || File.Exists(Path.Combine(from, "data_batch_1.bin")))
            throw new UsageException($"--from: '{from}' holds CIFAR-10's batches already extracted, and --from takes the official archive: use the folder as it is with --data-dir '{Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(from)))}', or copy it into the data folder.");
        throw new UsageException($"--from: '{from}' holds none of the official files: cifar-10-python.tar.gz, cifar-10-binary.tar.gz, or the four IDX .gz files of Fashion-MNIST or MNIST ({string.Join(", ", RemoteDataSet.Mnist.Files.Select(f => f.Name))}).");
    }

    /// <summary>Fashion-MNIST or MNIST, whose files share their names: told apart by a file's MD5 (<see cref="DataLocations.IdxKindByChecksum"/>).</summary>
    private static (DataSetKind, string) IdxDataSet(string folder)
    {
        RemoteDataSet[] sets = [Checked(RemoteDataSet.FashionMnist), Checked(RemoteDataSet.Mnist)];
        var (kind, name, md5) = DataLocations.IdxChecksum(folder, sets);
        if (name is null) throw new UsageException($"--from: could not read the IDX files in '{folder}'.");
        if (kind is { } k) return (k, $"'{folder}' holds {DataLocations.DisplayName(k)}, by the MD5 of its {name} ({Options(k)}).");
        var official = string.Join(", ", sets.Select(s => $"{DataLocations.DisplayName(s.Kind)}'s {s.Files.Single(f => f.Name == name).Md5}"));
        throw new UsageException($"--from: cannot tell whether '{folder}' holds Fashion-MNIST or MNIST, which name their files alike: its {name} has the MD5 {md5}, neither official one ({official}); give --dataset fashion-mnist or --dataset mnist.");
    }

    /// <summary>The data set with the checksums an installation holds its files to (the tests' own, in tests).</summary>
    public static RemoteDataSet Checked(RemoteDataSet set) => DataSource.ChecksumsForTests.Value is { } replace ? replace(set) : set;

    private static DataSetKind Cifar(string format) => format == "binary" ? DataSetKind.Cifar10Binary : DataSetKind.Cifar10Python;

    private static string Options(DataSetKind kind) => kind switch
    {
        DataSetKind.Cifar10Python => "--dataset cifar10 --format python",
        DataSetKind.Cifar10Binary => "--dataset cifar10 --format binary",
        DataSetKind.FashionMnist => "--dataset fashion-mnist",
        _ => "--dataset mnist",
    };
}
