namespace Backprop.Data;

/// <summary>One file of a remote data set, with its published MD5 checksum.</summary>
/// <param name="Name">The file name, appended to the base URL.</param>
/// <param name="Md5">The expected MD5, lower-case hex.</param>
public sealed record RemoteFile(string Name, string Md5)
{
    /// <summary>The official file's size in bytes, or null if unknown: only for saying why a checksum failed (a copy cut short).</summary>
    public long? Size { get; init; }
}

/// <summary>
/// Where a data set can be downloaded from and how it is laid out: either one tar.gz archive holding the data set's
/// folder (CIFAR-10) or a few files that make up the folder (MNIST, Fashion-MNIST).
/// </summary>
/// <param name="Kind">Which data set.</param>
/// <param name="BaseUrl">The URL the file names are appended to (a folder: a final '/' is implied); change it with <c>with { BaseUrl = … }</c> for a mirror.</param>
/// <param name="Files">The files, with checksums.</param>
/// <param name="ArchiveFolder">For an archive: the folder inside it that becomes the data set's folder; null for plain files.</param>
public sealed record RemoteDataSet(DataSetKind Kind, Uri BaseUrl, IReadOnlyList<RemoteFile> Files, string? ArchiveFolder)
{
    // The sizes: CIFAR-10's as TensorFlow's tutorial prints its download, MNIST's as torchvision prints its own;
    // Fashion-MNIST's are Debian's copies plus the file name their gzip header held (FashionMnistTests checks these).

    /// <summary>The official python-version tarball, <c>cifar-10-python.tar.gz</c> (163 MB), holding <c>cifar-10-batches-py/</c>.</summary>
    public static RemoteDataSet Cifar10Python { get; } = new(DataSetKind.Cifar10Python,
        new Uri("https://www.cs.toronto.edu/~kriz/"),
        [new("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a") { Size = 170_498_071 }], "cifar-10-batches-py");

    /// <summary>The official binary-version tarball, <c>cifar-10-binary.tar.gz</c> (162 MB), holding <c>cifar-10-batches-bin/</c>.</summary>
    public static RemoteDataSet Cifar10Binary { get; } = new(DataSetKind.Cifar10Binary,
        new Uri("https://www.cs.toronto.edu/~kriz/"),
        [new("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530") { Size = 170_052_171 }], "cifar-10-batches-bin");

    /// <summary>
    /// Fashion-MNIST's four files from Zalando's site. The checksums are those published in Fashion-MNIST's README; they
    /// were confirmed against Debian's <c>dataset-fashion-mnist</c> copies, which are the same gzip streams with the
    /// stored file name and time stripped from the gzip header.
    /// </summary>
    public static RemoteDataSet FashionMnist { get; } = new(DataSetKind.FashionMnist,
        new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        [
            new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d") { Size = 26_421_880 },
            new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe") { Size = 29_515 },
            new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79") { Size = 4_422_102 },
            new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310") { Size = 5_148 },
        ], null);

    /// <summary>MNIST's four files from the mirror PyTorch uses, with the original files' checksums.</summary>
    public static RemoteDataSet Mnist { get; } = new(DataSetKind.Mnist,
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        [
            new("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873") { Size = 9_912_422 },
            new("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432") { Size = 28_881 },
            new("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3") { Size = 1_648_877 },
            new("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c") { Size = 4_542 },
        ], null);

    /// <summary>Every data set this library knows, in the order the automatic choice prefers them.</summary>
    public static IReadOnlyList<RemoteDataSet> All { get; } = [Cifar10Python, Cifar10Binary, FashionMnist, Mnist];

    /// <summary>
    /// The data set whose official archive <paramref name="fileName"/> is by its name (<c>cifar-10-python.tar.gz</c>, also
    /// as a browser saves a second copy, <c>cifar-10-python (1).tar.gz</c>), or null: only a name, the checksum decides.
    /// </summary>
    public static RemoteDataSet? OfArchiveName(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = Path.GetFileName(fileName);
        return All.FirstOrDefault(set => set.ArchiveFolder is not null && set.Files.Single().Name is var official
            && name.StartsWith(official[..^".tar.gz".Length], StringComparison.OrdinalIgnoreCase)
            && name.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The known file with this MD5 (any data set's), or null: names a file that failed another's checksum.</summary>
    public static (RemoteDataSet Set, RemoteFile File)? OfChecksum(string md5) =>
        All.SelectMany(set => set.Files.Select(file => (set, file)))
            .Where(known => string.Equals(known.file.Md5, md5, StringComparison.OrdinalIgnoreCase))
            .Select(known => ((RemoteDataSet, RemoteFile)?)known).FirstOrDefault();

    /// <summary>The known data set of a kind.</summary>
    public static RemoteDataSet For(DataSetKind kind) => kind switch
    {
        DataSetKind.Cifar10Python => Cifar10Python,
        DataSetKind.Cifar10Binary => Cifar10Binary,
        DataSetKind.FashionMnist => FashionMnist,
        DataSetKind.Mnist => Mnist,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The URL of one file: <see cref="BaseUrl"/> followed by its name (a base URL without its final '/' is read as a folder all the same).</summary>
    public Uri UrlOf(RemoteFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        // new Uri("http://m/mnist", name) would replace "mnist" by the name, a 404 on a URL the user never gave.
        return new(BaseUrl.AbsolutePath.EndsWith('/') ? BaseUrl : new UriBuilder(BaseUrl) { Path = BaseUrl.AbsolutePath + "/" }.Uri, Uri.EscapeDataString(file.Name));
    }

    /// <summary>How to get the data without this download, for error messages.</summary>
    public string OtherWays(string dataRoot)
    {
        ArgumentNullException.ThrowIfNull(dataRoot);
        var folder = DataLocations.StandardFolderName(Kind);
        var files = string.Join(", ", Files.Select(f => $"{f.Name} (md5 {f.Md5})"));
        var how = ArchiveFolder is not null
            ? $"fetch {files} another way (a browser, another machine) and put it in '{dataRoot}', where 'backprop train' checks and extracts it, or install it with 'backprop data download --from FILE'"
            : $"copy {files} into '{Path.Combine(dataRoot, folder)}', or install them from their folder with 'backprop data download --from DIR' (MD5-checked)";
        var debian = Kind == DataSetKind.FashionMnist && DataLocations.DebianFallback is not null
            ? $"; on Debian, 'apt-get install dataset-fashion-mnist' installs it in {Data.FashionMnist.DebianDir}, which is found automatically" : "";
        return $"To get {DataLocations.DisplayName(Kind)} without this download: {how}, or point --data-dir or ${DataLocations.EnvironmentVariable} at a folder that holds '{folder}'{debian}. Or download from a mirror that holds the same files: --mirror URL or $BACKPROP_MIRROR (in code, this data set's BaseUrl).";
    }
}
