namespace Backprop.Data;

/// <summary>One file of a remote data set, with its published MD5 checksum.</summary>
/// <param name="Name">The file name, appended to the base URL.</param>
/// <param name="Md5">The expected MD5, lower-case hex.</param>
public sealed record RemoteFile(string Name, string Md5);

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
    /// <summary>The official python-version tarball, <c>cifar-10-python.tar.gz</c> (163 MB), holding <c>cifar-10-batches-py/</c>.</summary>
    public static RemoteDataSet Cifar10Python { get; } = new(DataSetKind.Cifar10Python,
        new Uri("https://www.cs.toronto.edu/~kriz/"),
        [new("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a")], "cifar-10-batches-py");

    /// <summary>The official binary-version tarball, <c>cifar-10-binary.tar.gz</c> (162 MB), holding <c>cifar-10-batches-bin/</c>.</summary>
    public static RemoteDataSet Cifar10Binary { get; } = new(DataSetKind.Cifar10Binary,
        new Uri("https://www.cs.toronto.edu/~kriz/"),
        [new("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530")], "cifar-10-batches-bin");

    /// <summary>
    /// Fashion-MNIST's four files from Zalando's site. The checksums are those published in Fashion-MNIST's README; they
    /// were confirmed against Debian's <c>dataset-fashion-mnist</c> copies, which are the same gzip streams with the
    /// stored file name and time stripped from the gzip header.
    /// </summary>
    public static RemoteDataSet FashionMnist { get; } = new(DataSetKind.FashionMnist,
        new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
        [
            new("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            new("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            new("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            new("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ], null);

    /// <summary>MNIST's four files from the mirror PyTorch uses, with the original files' checksums.</summary>
    public static RemoteDataSet Mnist { get; } = new(DataSetKind.Mnist,
        new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
        [
            new("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            new("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            new("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            new("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ], null);

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
    public Uri UrlOf(RemoteFile file) =>
        // new Uri("http://m/mnist", name) would replace "mnist" by the name, a 404 on a URL the user never gave.
        new(BaseUrl.AbsolutePath.EndsWith('/') ? BaseUrl : new UriBuilder(BaseUrl) { Path = BaseUrl.AbsolutePath + "/" }.Uri, Uri.EscapeDataString(file.Name));

    /// <summary>How to get the data without this download, for error messages.</summary>
    public string OtherWays(string dataRoot)
    {
        var folder = DataLocations.StandardFolderName(Kind);
        var files = string.Join(", ", Files.Select(f => $"{f.Name} (md5 {f.Md5})"));
        var how = ArchiveFolder is not null
            ? $"download {files} on another machine, extract it and copy its '{ArchiveFolder}' folder to '{Path.Combine(dataRoot, folder)}'"
            : $"copy {files} into '{Path.Combine(dataRoot, folder)}'";
        var debian = Kind == DataSetKind.FashionMnist && DataLocations.DebianFallback is not null
            ? $"; on Debian, 'apt-get install dataset-fashion-mnist' installs it in {Data.FashionMnist.DebianDir}, which is found automatically" : "";
        return $"To get {DataLocations.DisplayName(Kind)} without this download: {how}, or point --data-dir or ${DataLocations.EnvironmentVariable} at a folder that holds '{folder}'{debian}. Or download from a mirror that holds the same files: --mirror URL or $BACKPROP_MIRROR (in code, this data set's BaseUrl).";
    }
}
