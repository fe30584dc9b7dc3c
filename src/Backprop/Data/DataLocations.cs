using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Backprop.Data;

/// <summary>The data sets this library knows where to look for.</summary>
public enum DataSetKind
{
    /// <summary>CIFAR-10, python version (folder <c>cifar-10-batches-py</c>).</summary>
    Cifar10Python,
    /// <summary>CIFAR-10, binary version (folder <c>cifar-10-batches-bin</c>).</summary>
    Cifar10Binary,
    /// <summary>Fashion-MNIST (folder <c>fashion-mnist</c>, or Debian's <c>/usr/share/datasets/fashion-mnist</c>).</summary>
    FashionMnist,
    /// <summary>MNIST (folder <c>mnist</c>).</summary>
    Mnist,
}

/// <summary>What <see cref="DataLocations.Survey"/> found for one data set.</summary>
/// <param name="Kind">The data set.</param>
/// <param name="Name">Its display name, e.g. <c>CIFAR-10 (python)</c>.</param>
/// <param name="Path">The complete folder found, or null.</param>
/// <param name="Detail">What is there (image counts, sizes), or why nothing usable was found.</param>
/// <param name="Searched">Every folder looked at, in order.</param>
public sealed record DataSetStatus(DataSetKind Kind, string Name, string? Path, string Detail, IReadOnlyList<string> Searched)
{
    /// <summary>True when a complete copy was found.</summary>
    public bool Present => Path is not null;

    /// <summary>True when none was, but a folder of it exists with files missing (usually an interrupted copy).</summary>
    public bool Incomplete => !Present && Searched.Any(Directory.Exists);

    /// <summary>An incomplete copy looked at before <see cref="Path"/> and passed over ("'…' is incomplete (missing …)"), or null.</summary>
    public string? PassedOver { get; init; }

    /// <summary>
    /// When no complete copy was found: the data set's official archive in the data folder (<see cref="DataLocations.FindArchive"/>),
    /// not extracted yet, or null.
    /// </summary>
    public string? Archive { get; init; }
}

/// <summary>
/// Where data lives: the data folder (<c>--data-dir</c>, else <c>$BACKPROP_DATA</c>, else <c>$XDG_CACHE_HOME/backprop</c>,
/// else <c>~/.cache/backprop</c>, on Windows <c>%LOCALAPPDATA%\backprop</c>) and,
/// inside it, each data set under its standard folder name.
/// </summary>
/// <remarks>
/// Folder names looked for, in order: CIFAR-10 python <c>cifar-10-batches-py</c>, <c>cifar-10-batches-py-first1000</c>
/// (the shared subset), and the same inside a <c>cifar10/</c> subfolder; CIFAR-10 binary likewise with <c>-bin</c>;
/// Fashion-MNIST <c>fashion-mnist</c>, then <see cref="FashionMnist.DebianDir"/>; MNIST <c>mnist</c>. A folder counts
/// only when all its data files are there (all six batches; all four IDX files, gzip or plain). CIFAR-10's official
/// archives (<c>cifar-10-python.tar.gz</c>, <c>cifar-10-binary.tar.gz</c>) are looked for in the same two folders
/// (<see cref="FindArchive"/>); the IDX .gz files need no such step, being read as they are.
/// </remarks>
public sealed class DataLocations
{
    /// <summary>The environment variable naming the data folder.</summary>
    public const string EnvironmentVariable = "BACKPROP_DATA";

    /// <summary>The XDG base-directory variable for user caches, honoured as PyTorch's hub and Hugging Face do.</summary>
    public const string CacheHomeVariable = "XDG_CACHE_HOME";

    private readonly string? _debianFashionMnistDir;

    private DataLocations(string root, string rootSource, string? debianFashionMnistDir)
    {
        // "/data/" and "/data" are one folder: without the separator, paths under it compare (and read) alike.
        Root = Path.TrimEndingDirectorySeparator(root);
        RootSource = rootSource;
        _debianFashionMnistDir = debianFashionMnistDir;
    }

    /// <summary>The data folder (absolute).</summary>
    public string Root { get; }

    /// <summary>Where <see cref="Root"/> came from: <c>--data-dir</c>, <c>$BACKPROP_DATA</c>, <c>$XDG_CACHE_HOME</c> or <c>default</c>.</summary>
    public string RootSource { get; }

    /// <summary>
    /// The data folder for a run: <paramref name="dataDir"/> (the <c>--data-dir</c> value) if given, else
    /// <c>$BACKPROP_DATA</c> if set, else <c>$XDG_CACHE_HOME/backprop</c> if that variable holds an absolute path, else
    /// <see cref="DefaultFolder"/> (<c>~/.cache/backprop</c>; on Windows <c>%LOCALAPPDATA%\backprop</c>). A leading
    /// <c>~</c> in any of them is the home folder (<see cref="HomeFolder"/>). The folder need not exist.
    /// </summary>
    public static DataLocations Resolve(string? dataDir)
    {
        bool windows = OperatingSystem.IsWindows();
        return Resolve(dataDir, Environment.GetEnvironmentVariable(EnvironmentVariable), HomeFolder.Current, DebianFallback,
            Environment.GetEnvironmentVariable(CacheHomeVariable), windows,
            windows ? Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify) : null);
    }

    /// <summary>
    /// The Debian Fashion-MNIST folder where there can be one (Linux), else null: on Windows '/usr/share/…' would mean a
    /// folder at the root of the current drive, and listing it among the places looked in would only mislead.
    /// </summary>
    internal static string? DebianFallback => OperatingSystem.IsLinux() ? FashionMnist.DebianDir : null;

    /// <summary>
    /// <see cref="Resolve(string?)"/> with the environment spelled out: the value of <c>$BACKPROP_DATA</c>, the home folder,
    /// the Debian Fashion-MNIST folder to fall back on (null for none), the value of <c>$XDG_CACHE_HOME</c> (the XDG
    /// specification has a relative one ignored, and so is it here), whether this is Windows (where <c>~\</c> starts a
    /// path in the home folder too) and Windows' local application data folder (<see cref="DefaultFolder"/>).
    /// </summary>
    public static DataLocations Resolve(string? dataDir, string? environmentValue, string? homeDir, string? debianFashionMnistDir, string? cacheHome = null,
        bool windows = false, string? localAppData = null)
    {
        // A "~" with no home folder to put there is said of where it came from.
        string Expanded(string path, string source, string parameter)
        {
            try
            {
                return HomeFolder.Expand(path, homeDir, windows);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{source}: {e.Message.Replace($" (Parameter '{e.ParamName}')", "")}", parameter, e);
            }
        }
        if (!string.IsNullOrWhiteSpace(dataDir)) return new(Path.GetFullPath(Expanded(dataDir, "--data-dir", nameof(dataDir))), "--data-dir", debianFashionMnistDir);
        if (!string.IsNullOrWhiteSpace(environmentValue))
            return new(Path.GetFullPath(Expanded(environmentValue, "$" + EnvironmentVariable, nameof(environmentValue))), "$" + EnvironmentVariable, debianFashionMnistDir);
        // "~/cache" counts as absolute, as PyTorch's hub and Hugging Face expand it.
        if (!string.IsNullOrWhiteSpace(cacheHome) && Expanded(cacheHome, "$" + CacheHomeVariable, nameof(cacheHome)) is var cache && Path.IsPathFullyQualified(cache))
            return new(Path.GetFullPath(Path.Combine(cache, "backprop")), "$" + CacheHomeVariable, debianFashionMnistDir);
        return new(Path.GetFullPath(DefaultFolder(homeDir, windows, localAppData)), "default", debianFashionMnistDir);
    }

    /// <summary>
    /// The data folder when nothing names one: on Windows <c>%LOCALAPPDATA%\backprop</c> (the folder .NET's
    /// <see cref="Environment.SpecialFolder.LocalApplicationData"/> names, where Windows programs keep what stays on the
    /// machine, as pip keeps its cache), else, and on a Windows without that folder, <c>~/.cache/backprop</c> (the XDG
    /// default).
    /// </summary>
    /// <param name="homeDir">The home folder; null or blank when there is none.</param>
    /// <param name="windows">Whether this is Windows.</param>
    /// <param name="localAppData">Windows' local application data folder, or null.</param>
    /// <exception cref="ArgumentException">There is neither folder to put it in.</exception>
    public static string DefaultFolder(string? homeDir, bool windows, string? localAppData)
    {
        if (windows && !string.IsNullOrWhiteSpace(localAppData)) return Path.Combine(localAppData, "backprop");
        if (string.IsNullOrWhiteSpace(homeDir))
            throw new ArgumentException($"No data folder: there is no home folder for the default ~/.cache/backprop. Give one with --data-dir, ${EnvironmentVariable} or ${CacheHomeVariable}.", nameof(homeDir));
        return Path.Combine(homeDir, ".cache", "backprop");
    }

    /// <summary>How help texts write the default data folder on this system: <c>~/.cache/backprop</c>, on Windows <c>%LOCALAPPDATA%\backprop</c>.</summary>
    public static string DefaultFolderText => OperatingSystem.IsWindows() ? @"%LOCALAPPDATA%\backprop" : "~/.cache/backprop";

    /// <summary>The standard folder name of a data set inside the data folder (where a download puts it).</summary>
    public static string StandardFolderName(DataSetKind kind) => kind switch
    {
        DataSetKind.Cifar10Python => "cifar-10-batches-py",
        DataSetKind.Cifar10Binary => "cifar-10-batches-bin",
        DataSetKind.FashionMnist => "fashion-mnist",
        DataSetKind.Mnist => "mnist",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>A data set's display name.</summary>
    public static string DisplayName(DataSetKind kind) => kind switch
    {
        DataSetKind.Cifar10Python => "CIFAR-10 (python)",
        DataSetKind.Cifar10Binary => "CIFAR-10 (binary)",
        DataSetKind.FashionMnist => "Fashion-MNIST",
        DataSetKind.Mnist => "MNIST",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Every folder looked at for a data set, in order of preference.</summary>
    public IReadOnlyList<string> CandidateFolders(DataSetKind kind)
    {
        var name = StandardFolderName(kind);
        var list = new List<string>();
        switch (kind)
        {
            case DataSetKind.Cifar10Python or DataSetKind.Cifar10Binary:
                foreach (var folder in new[] { Root, Path.Combine(Root, "cifar10") })
                {
                    list.Add(Path.Combine(folder, name));
                    list.Add(Path.Combine(folder, name + "-first1000"));
                }
                break;
            // The data folder itself too: a folder of IDX files (torchvision's raw/, a download) given as the data
            // folder is used, not passed over for Debian's copy.
            case DataSetKind.FashionMnist:
                list.Add(Path.Combine(Root, name));
                list.Add(Root);
                if (_debianFashionMnistDir is not null) list.Add(_debianFashionMnistDir);
                break;
            default:
                list.Add(Path.Combine(Root, name));
                list.Add(Root);
                break;
        }
        return list;
    }

    /// <summary>
    /// Where the official archive of a data set that comes as one (CIFAR-10) is looked for, in order: the data folder and
    /// its <c>cifar10/</c> folder, under the archive's official name (as the course's <c>get_datasets.sh</c> and a
    /// browser leave it). Empty for data sets of plain files, which are read where they are.
    /// </summary>
    public IReadOnlyList<string> ArchiveCandidates(DataSetKind kind) =>
        RemoteDataSet.For(kind) is { ArchiveFolder: not null } set
            ? [Path.Combine(Root, set.Files.Single().Name), Path.Combine(Root, "cifar10", set.Files.Single().Name)]
            : [];

    /// <summary>The first of <see cref="ArchiveCandidates"/> that is a file, or null. Its content is not looked at.</summary>
    public string? FindArchive(DataSetKind kind) => ArchiveCandidates(kind).FirstOrDefault(File.Exists);

    /// <summary>Where an archive found by <see cref="FindArchive"/> is extracted: its standard folder beside the archive.</summary>
    public static string ExtractionFolder(DataSetKind kind, string archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(archive))!, StandardFolderName(kind));
    }

    /// <summary>The first complete folder of a data set, or null.</summary>
    public string? Find(DataSetKind kind) => CandidateFolders(kind).FirstOrDefault(dir => Holds(kind, dir));

    /// <summary>
    /// <paramref name="dir"/> holds the data set: all its files, and, for IDX files in the data folder itself (which
    /// Fashion-MNIST and MNIST name alike), not the other data set's published checksums (<see cref="IdxKindByChecksum"/>).
    /// </summary>
    private bool Holds(DataSetKind kind, string dir) =>
        IsComplete(kind, dir) && !(kind is DataSetKind.FashionMnist or DataSetKind.Mnist && dir == Root && IdxKindByChecksum(dir) is { } k && k != kind);

    /// <summary>A complete CIFAR-10 folder, python version preferred, or null.</summary>
    public string? FindCifar10() => Find(DataSetKind.Cifar10Python) ?? Find(DataSetKind.Cifar10Binary);

    /// <summary>Where a download of the data set goes: <c>{Root}/{standard folder name}</c>.</summary>
    public string DownloadFolder(DataSetKind kind) => Path.Combine(Root, StandardFolderName(kind));

    /// <summary>
    /// <see cref="DownloadFolder"/> when it holds the complete data set, else null: after a download failed, the copy
    /// another download (started with it) put in place meanwhile, its checksums verified, which serves as well.
    /// </summary>
    public string? CompleteDownload(DataSetKind kind) => DownloadFolder(kind) is var folder && IsComplete(kind, folder) ? folder : null;

    /// <summary>
    /// Which of Fashion-MNIST and MNIST the IDX files in <paramref name="dir"/> are, told by the published MD5 of one of
    /// their official <c>.gz</c> files (the two data sets name their files alike), or null when it has neither's
    /// published checksum (uncompressed files, or copies recompressed, as Debian's are).
    /// </summary>
    /// <param name="dir">The folder holding the IDX files.</param>
    /// <param name="known">The data sets whose checksums count; null for the published ones (<see cref="RemoteDataSet.FashionMnist"/>, <see cref="RemoteDataSet.Mnist"/>).</param>
    public static DataSetKind? IdxKindByChecksum(string dir, IEnumerable<RemoteDataSet>? known = null)
    {
        ArgumentNullException.ThrowIfNull(dir);
        return IdxChecksum(dir, known).Kind;
    }

    /// <summary>
    /// <see cref="IdxKindByChecksum"/> with the file it read (the smallest of the official <c>.gz</c> files there: a label
    /// file, a few KB) and its MD5; all null when there is none, or it could not be read.
    /// </summary>
    public static (DataSetKind? Kind, string? File, string? Md5) IdxChecksum(string dir, IEnumerable<RemoteDataSet>? known = null)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var sets = (known ?? IdxChecksumsForTests.Value ?? [RemoteDataSet.FashionMnist, RemoteDataSet.Mnist]).Where(set => set.Kind is DataSetKind.FashionMnist or DataSetKind.Mnist).ToList();
        var present = RemoteDataSet.FashionMnist.Files.Select(f => f.Name).Select(n => new FileInfo(Path.Combine(dir, n))).Where(f => f.Exists).ToList();
        if (present.Count == 0) return (null, null, null);
        var file = present.MinBy(f => f.Length)!;
        string md5;
        try
        {
            RegularFile.Require(file.FullName);
            using var stream = file.OpenRead();
            md5 = Convert.ToHexStringLower(MD5.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return (null, null, null);
        }
        var match = sets.FirstOrDefault(set => set.Files.Any(f => f.Name == file.Name && string.Equals(f.Md5, md5, StringComparison.OrdinalIgnoreCase)));
        // Debian's dataset-fashion-mnist recompresses the files (other checksums) into its own folder: given as the data
        // folder, it was "Fashion-MNIST or MNIST?" (and listed as MNIST too), though found alone it is Fashion-MNIST.
        if (match is null && known is null && IdxChecksumsForTests.Value is null && IsDebianFashionMnist(dir))
            return (DataSetKind.FashionMnist, file.Name, md5);
        return (match?.Kind, file.Name, md5);
    }

    /// <summary>How <see cref="IdxKindByChecksum"/> told the data set of <paramref name="dir"/>: its checksums, or Debian's folder.</summary>
    internal static string IdxEvidence(string dir) =>
        IsDebianFashionMnist(dir) ? "it is Debian's dataset-fashion-mnist package folder" : "by their published checksums";

    private static bool IsDebianFashionMnist(string dir) =>
        DebianFallback is { } debian && Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)) == debian;

    /// <summary>Tests only: the data sets whose checksums <see cref="IdxKindByChecksum"/> counts by default, for the test's own calls.</summary>
    internal static readonly AsyncLocal<IReadOnlyList<RemoteDataSet>?> IdxChecksumsForTests = new();

    /// <summary>True when <paramref name="dir"/> holds all the data files of the data set.</summary>
    public static bool IsComplete(DataSetKind kind, string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        return kind switch
        {
            DataSetKind.Cifar10Python => Cifar10.BatchFileNames(Cifar10Format.Python).All(n => File.Exists(Path.Combine(dir, n))),
            DataSetKind.Cifar10Binary => Cifar10.BatchFileNames(Cifar10Format.Binary).All(n => File.Exists(Path.Combine(dir, n))),
            _ => Idx.StandardFileNames.All(n => Idx.FindStandardFile(dir, n) is not null),
        };
    }

    /// <summary>What is present where, for every data set. Reads only file sizes and IDX headers; never throws for a bad file.</summary>
    public IReadOnlyList<DataSetStatus> Survey() =>
        Enum.GetValues<DataSetKind>().Select(kind =>
        {
            var searched = CandidateFolders(kind);
            var found = searched.FirstOrDefault(dir => Holds(kind, dir));
            var archive = found is null ? FindArchive(kind) : null;
            string detail = found is null ? MissingDetail(kind, searched) : PresentDetail(kind, found);
            if (archive is not null) detail = ArchiveDetail(kind, archive, detail);
            // A user's own copy missing files, skipped for a later place (Debian's package): said, not silently replaced.
            string? passedOver = null;
            if (found is not null && kind is DataSetKind.FashionMnist or DataSetKind.Mnist)
            {
                var before = searched.TakeWhile(d => d != found).Where(d => Directory.Exists(d) && Idx.HoldsAnyStandardFile(d) && !IsComplete(kind, d)).ToList();
                if (before.Count > 0) passedOver = MissingDetail(kind, before).TrimEnd('.');
            }
            return new DataSetStatus(kind, DisplayName(kind), found, detail, searched) { PassedOver = passedOver, Archive = archive };
        }).ToList();

    /// <summary>A report of <see cref="Survey"/> for people (what <c>backprop data info</c> prints).</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append("Data folder: ").Append(Root).Append(" (").Append(RootSource switch
        {
            "default" => $"default; change with --data-dir or ${EnvironmentVariable}",
            _ => "from " + RootSource,
        }).Append(Directory.Exists(Root) ? ")" : "; does not exist yet)").AppendLine();
        foreach (var s in Survey())
        {
            sb.Append("  ").Append(s.Name.PadRight(19));
            if (s.Present) sb.Append(s.Path).AppendLine().Append(' ', 21).Append(s.Detail).AppendLine();
            else if (s.Archive is not null) sb.Append(char.ToUpperInvariant(s.Detail[0])).Append(s.Detail.AsSpan(1)).AppendLine();
            else sb.Append("not found: ").Append(s.Detail).AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>What is said of an archive found in place of the data set's folder (with <paramref name="missing"/>, what was not found).</summary>
    private static string ArchiveDetail(DataSetKind kind, string archive, string missing)
    {
        long bytes;
        try
        {
            bytes = new FileInfo(archive).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bytes = -1;
        }
        var size = bytes < 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" ({bytes / 1e6:F1} MB)");
        var target = ExtractionFolder(kind, archive);
        // An extraction cut short (tar interrupted) is in the way: said, with the way out, rather than replaced unasked.
        if (Directory.Exists(target) || File.Exists(target))
            return $"its official archive '{archive}'{size} is there, but {(missing.StartsWith("looked in ", StringComparison.Ordinal) ? $"'{target}' is in the way" : missing.TrimEnd('.'))}: delete '{target}' and 'backprop train' checks the archive's MD5 and extracts it anew (or 'backprop data download --from {archive} --force').";
        return $"its official archive '{archive}'{size} is there, not extracted: 'backprop train' checks its MD5 and extracts it into '{target}' (as 'backprop data download --from' does).";
    }

    private string MissingDetail(DataSetKind kind, IReadOnlyList<string> searched)
    {
        // Point at a folder that exists but is incomplete: that is usually an interrupted copy. (The data folder itself
        // is looked in for IDX files too, but is not an interrupted copy unless it holds one of them.)
        foreach (var dir in searched.Where(d => Directory.Exists(d) && (d != Root || Idx.HoldsAnyStandardFile(d))))
        {
            // A folder this user may not open hides every file in it: it was said to be missing them all.
            if (Unreadable(dir) is { } why) return $"'{dir}' cannot be read ({why}).";
            var names = (kind is DataSetKind.Cifar10Python or DataSetKind.Cifar10Binary
                ? Cifar10.BatchFileNames(kind == DataSetKind.Cifar10Binary ? Cifar10Format.Binary : Cifar10Format.Python)
                    .Where(n => !File.Exists(Path.Combine(dir, n)))
                : Idx.StandardFileNames.Where(n => Idx.FindStandardFile(dir, n) is null).Select(n => n + ".gz")).ToList();
            // Complete, but the other IDX data set's files (they are named alike): it said "incomplete (missing )".
            if (names.Count == 0 && IdxKindByChecksum(dir) is { } other && other != kind)
                return $"'{dir}' holds {DisplayName(other)}'s files ({IdxEvidence(dir)}), not {DisplayName(kind)}'s.";
            return $"'{dir}' is incomplete (missing {string.Join(", ", names)}).";
        }
        return "looked in " + string.Join(", ", searched) + ".";
    }

    /// <summary>Why the files of <paramref name="dir"/> cannot be listed (permission denied), or null when they can.</summary>
    internal static string? Unreadable(string dir)
    {
        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(dir).GetEnumerator();
            entries.MoveNext();
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return "permission denied: this user may not open it; fix its permissions, or copy the data somewhere readable";
        }
        catch (IOException e)
        {
            return e.Message.TrimEnd('.');
        }
    }

    private static string PresentDetail(DataSetKind kind, string dir)
    {
        try
        {
            switch (kind)
            {
                case DataSetKind.Cifar10Binary:
                {
                    var files = Cifar10.BatchFileNames(Cifar10Format.Binary).Select(n => (Name: n, Length: new FileInfo(Path.Combine(dir, n)).Length)).ToArray();
                    var counts = files.Select(f => f.Length / Cifar10.RecordBytes).ToArray();
                    // Sizes only (nothing is read); a size that is no whole number of records is a cut file.
                    var cut = files.Where(f => f.Length % Cifar10.RecordBytes != 0).Select(f => f.Name).ToArray();
                    return $"{counts[..^1].Sum()} training images in 5 batches + {counts[^1]} test images." +
                        (cut.Length > 0 ? $" Not whole {Cifar10.RecordBytes}-byte records, so cut short: {string.Join(", ", cut)}." : "");
                }
                case DataSetKind.Cifar10Python:
                {
                    long bytes = Cifar10.BatchFileNames(Cifar10Format.Python).Sum(n => new FileInfo(Path.Combine(dir, n)).Length);
                    return $"5 training batches + test batch, {bytes / 1e6:F1} MB.";
                }
                default:
                {
                    var counts = Idx.StandardFileNames.Where((_, i) => i % 2 == 0)
                        .Select(n => IdxCount(Idx.FindStandardFile(dir, n)!)).ToArray();
                    return $"{counts[0]} training + {counts[1]} test images.";
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return $"present, but unreadable: {e.Message}";
        }
    }

    /// <summary>The image count in an IDX header (the first dimension), read without reading the data.</summary>
    private static string IdxCount(string path)
    {
        using var stream = DataFile.OpenMaybeGzip(path, out _);
        Span<byte> head = stackalloc byte[8];
        if (DataFile.ReadUpTo(stream, head) < 8) return "?";
        return BinaryPrimitives.ReadUInt32BigEndian(head[4..]).ToString(CultureInfo.InvariantCulture);
    }
}
