using System.Globalization;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Tests.Data;

/// <summary>
/// <see cref="Downloader.InstallFromAsync"/>: a data set installed from the official files a user already has, with a
/// download's checks (MD5, staging folder, atomic move), and the automatic choice extracting an archive it finds.
/// </summary>
public class InstallFromTests
{
    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];
        public void Report(DownloadProgress value) { lock (Reports) Reports.Add(value); }
    }

    private static string N0(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static async Task<string> Install(RemoteDataSet set, string source, string root, IProgress<DownloadProgress>? progress = null, bool overwrite = false)
    {
        using var downloader = new Downloader();
        return await downloader.InstallFromAsync(set, source, root, progress, overwrite);
    }

    [Fact]
    public async Task AnArchiveInTheOfficialLayout_IsCheckedExtractedAndMovedIn_TheSourceLeftAsItWas()
    {
        using var tmp = new TempDir();
        var archive = OfficialFiles.WriteCifarPythonArchive(tmp.File("downloads/cifar-10-python.tar.gz"));
        var progress = new Recorder();
        var root = tmp.File("data");
        var folder = await Install(OfficialFiles.CifarPython, archive, root, progress);

        Assert.Equal(Path.Combine(root, "cifar-10-batches-py"), folder);
        var (train, test) = Cifar10.Load(folder);
        Assert.Equal(5000, train.Count);
        Assert.Equal(1000, test.Count);
        Assert.Equal([6, 9, 9, 4, 1, 1, 2, 7, 8, 3], train.Labels[..10]);   // the subset's README
        Assert.Equal(["cifar-10-batches-py"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));   // no staging, no copy of the archive
        Assert.Equal(OfficialFiles.CifarPythonArchive, File.ReadAllBytes(archive));
        var verify = progress.Reports.Last(r => r.Phase == "verify");
        Assert.Equal(OfficialFiles.CifarPythonArchive.Length, verify.BytesDone);
        Assert.Equal(1.0, verify.Fraction);
        Assert.Contains(progress.Reports, r => r.Phase == "extract");
        Assert.Equal("done", progress.Reports[^1].Phase);

        // A folder holding the archive under its official name serves too; an existing copy is replaced only when asked.
        var e = await Assert.ThrowsAsync<IOException>(() => Install(OfficialFiles.CifarPython, tmp.File("downloads"), root));
        Assert.Contains("already exists; delete it (or ask to overwrite) to install CIFAR-10 (python) again", e.Message);
        File.WriteAllText(Path.Combine(folder, "stale"), "x");
        await Install(OfficialFiles.CifarPython, tmp.File("downloads"), root, overwrite: true);
        Assert.False(File.Exists(Path.Combine(folder, "stale")));
        Assert.True(DataLocations.IsComplete(DataSetKind.Cifar10Python, folder));
    }

    [Fact]
    public async Task AnArchiveWithoutThePublishedMd5_IsRefusedNamingItAndBothChecksums_NothingKept()
    {
        using var tmp = new TempDir();
        var archive = OfficialFiles.WriteCifarPythonArchive(tmp.File("cifar-10-python.tar.gz"));
        var root = tmp.File("data");
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Install(RemoteDataSet.Cifar10Python, archive, root));
        Assert.StartsWith($"{archive}: its MD5 is {OfficialFiles.Md5(OfficialFiles.CifarPythonArchive)}, not the published c58f30108f718f92721af3b95e74349a of cifar-10-python.tar.gz", e.Message);
        Assert.Contains($"it has {N0(OfficialFiles.CifarPythonArchive.Length)} of the official file's 170,498,071 bytes: a partial or interrupted download?", e.Message);
        Assert.False(Directory.Exists(root));   // made for this installation, removed again
        Assert.Equal(["cifar-10-python.tar.gz"], tmp.Contents());
    }

    [Fact]
    public async Task ATruncatedArchive_FailsItsChecksum_OrWithItsOwnChecksum_FailsToExtractNamingTheFile()
    {
        using var tmp = new TempDir();
        var cut = OfficialFiles.CifarPythonArchive[..(OfficialFiles.CifarPythonArchive.Length / 2)];
        var archive = tmp.Write("cifar-10-python.tar.gz", cut);
        var published = RemoteDataSet.Cifar10Python.Files[0];
        var withSize = OfficialFiles.CifarPython with { Files = [OfficialFiles.CifarPython.Files[0] with { Size = OfficialFiles.CifarPythonArchive.Length }] };
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Install(withSize, archive, tmp.File("data")));
        Assert.Contains($"its MD5 is {OfficialFiles.Md5(cut)}, not the published {withSize.Files[0].Md5}", e.Message);
        Assert.Contains($"it has {N0(cut.Length)} of the official file's {N0(OfficialFiles.CifarPythonArchive.Length)} bytes: a partial or interrupted download?", e.Message);

        // Its own checksum passes; the extraction then finds the cut, named by the user's file, not the staging copy.
        var own = RemoteDataSet.Cifar10Python with { Files = [new(published.Name, OfficialFiles.Md5(cut))] };
        var bad = await Assert.ThrowsAsync<InvalidDataException>(() => Install(own, archive, tmp.File("data")));
        Assert.StartsWith(archive + ": ", bad.Message);
        Assert.Contains("Nothing was kept.", bad.Message);
        Assert.Equal(["cifar-10-python.tar.gz"], tmp.Contents());
    }

    [Fact]
    public async Task AFileThatIsNoArchive_IsSaidToBeNoGzipFile_AndOtherKnownFilesAreNamed()
    {
        using var tmp = new TempDir();
        var page = tmp.Write("cifar-10-python.tar.gz", "<!DOCTYPE html><title>Sign in</title>"u8.ToArray());
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Install(RemoteDataSet.Cifar10Python, page, tmp.File("data")));
        Assert.Contains("it is not a gzip file at all, perhaps a web page (an error or sign-in page) saved under its name", e.Message);
        // With its own checksum it passes that check and fails as an archive, named.
        var own = RemoteDataSet.Cifar10Python with { Files = [new("cifar-10-python.tar.gz", OfficialFiles.Md5(File.ReadAllBytes(page)))] };
        var bad = await Assert.ThrowsAsync<InvalidDataException>(() => Install(own, page, tmp.File("data")));
        Assert.StartsWith(page + ": ", bad.Message);
        Assert.Equal(["cifar-10-python.tar.gz"], tmp.Contents());

        // A file with another known file's checksum (the binary archive given for the python one) is said to be that file.
        var binary = RemoteDataSet.Cifar10Binary.Files[0];
        Assert.Equal(": it is CIFAR-10 (binary)'s official cifar-10-binary.tar.gz",
            Downloader.MismatchHint(RemoteDataSet.Cifar10Python.Files[0], binary.Size!.Value, binary.Md5, [0x1f, 0x8b]));
    }

    [Fact]
    public void AnIdxFileRecompressedWithoutItsStoredName_IsSaidToBeSo_NotAPartialDownload()
    {
        // Debian's dataset-fashion-mnist copies: the same gzip streams, the header's file name (and its NUL) stripped.
        var images = RemoteDataSet.FashionMnist.Files[0];   // train-images-idx3-ubyte.gz, 26,421,880 bytes
        byte[] noName = [0x1f, 0x8b, 0x08, 0x00], withName = [0x1f, 0x8b, 0x08, 0x08];
        var hint = Downloader.MismatchHint(images, 26_421_880 - 24, "cf8536b0aa1a6ac5fa3f23001093305c", noName);
        Assert.StartsWith(": it has 26,421,856 of the official file's 26,421,880 bytes, short by exactly the file name the official gzip header stores", hint);
        Assert.Contains("the same data recompressed (as Debian's dataset-fashion-mnist package ships it)", hint);
        Assert.DoesNotContain("partial", hint);
        // Any other shortfall, or a header that stores a name, is still a likely partial download.
        Assert.EndsWith("a partial or interrupted download?", Downloader.MismatchHint(images, 26_421_880 - 25, "0", noName));
        Assert.EndsWith("a partial or interrupted download?", Downloader.MismatchHint(images, 26_421_880 - 24, "0", withName));
        var labels = RemoteDataSet.FashionMnist.Files[3];   // t10k-labels-idx1-ubyte.gz: a name of 22 characters
        Assert.Contains("recompressed", Downloader.MismatchHint(labels, 5_148 - 23, "0", noName));
        // The CIFAR-10 archives are no IDX files: the hint stays theirs.
        Assert.EndsWith("a partial or interrupted download?",
            Downloader.MismatchHint(RemoteDataSet.Cifar10Python.Files[0], 170_498_071 - 20, "0", noName));
    }

    /// <summary>
    /// What wget run inside an incomplete extraction leaves: <c>data/cifar-10-batches-py/cifar-10-python.tar.gz</c>, the
    /// archive inside the very folder an installation with overwrite swaps out and deletes.
    /// </summary>
    private static (string Root, string Folder, string Archive) ArchiveInsideItsFolder(TempDir tmp)
    {
        var root = tmp.File("data");
        var folder = Path.Combine(root, "cifar-10-batches-py");
        return (root, folder, OfficialFiles.WriteCifarPythonArchive(Path.Combine(folder, "cifar-10-python.tar.gz")));
    }

    [Fact]
    public async Task ASourceInsideTheFolderItWouldReplace_IsRefused_NotDeletedWithTheOldCopy()
    {
        using var tmp = new TempDir();
        var (root, folder, archive) = ArchiveInsideItsFolder(tmp);
        foreach (var source in new[] { archive, folder })
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => Install(OfficialFiles.CifarPython, source, root, overwrite: true));
            Assert.StartsWith($"'{archive}' is inside '{folder}', which this installation replaces: move it out of there first.", e.Message);
            Assert.Equal(OfficialFiles.CifarPythonArchive, File.ReadAllBytes(archive));
            Assert.Equal(["data", Path.Combine("data", "cifar-10-batches-py"), Path.Combine("data", "cifar-10-batches-py", "cifar-10-python.tar.gz")],
                tmp.Contents());
        }

        // The folder of IDX files given as the very folder they would be installed into: the same.
        var fashion = OfficialFiles.CopyFashionMnist(Path.Combine(root, "fashion-mnist"));
        var idx = await Assert.ThrowsAsync<ArgumentException>(() => Install(OfficialFiles.FashionMnist, fashion, root, overwrite: true));
        Assert.Contains($"is inside '{fashion}', which this installation replaces", idx.Message);
        Assert.Equal(4, Directory.GetFiles(fashion).Length);
    }

    [Fact]
    public async Task ASourceInsideTheFolderItWouldReplace_IsRefused_ThroughSymbolicLinksToo()
    {
        // The data folder reached through a link, the archive by its real path (and the other way round): one folder.
        using var tmp = new TempDir();
        var (root, _, archive) = ArchiveInsideItsFolder(tmp);
        var linkedRoot = tmp.File("linked-data");
        Directory.CreateSymbolicLink(linkedRoot, root);
        var linkedArchive = Path.Combine(linkedRoot, "cifar-10-batches-py", "cifar-10-python.tar.gz");
        foreach (var (source, dataRoot) in new[] { (archive, linkedRoot), (linkedArchive, root) })
        {
            var e = await Assert.ThrowsAsync<ArgumentException>(() => Install(OfficialFiles.CifarPython, source, dataRoot, overwrite: true));
            Assert.Contains("which this installation replaces: move it out of there first.", e.Message);
            Assert.Equal(OfficialFiles.CifarPythonArchive, File.ReadAllBytes(archive));
        }
    }

    [Fact]
    public async Task AMissingSourceOrFile_IsNamed_BeforeAnythingIsMade()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => Install(RemoteDataSet.Cifar10Python, tmp.File("nowhere.tar.gz"), root));
        Assert.Equal($"'{tmp.File("nowhere.tar.gz")}' does not exist.", missing.Message);
        Directory.CreateDirectory(tmp.File("empty"));
        var none = await Assert.ThrowsAsync<FileNotFoundException>(() => Install(RemoteDataSet.Cifar10Python, tmp.File("empty"), root));
        Assert.Equal($"'{tmp.File("empty")}' holds no cifar-10-python.tar.gz.", none.Message);
        tmp.Write("idx/train-images-idx3-ubyte.gz", [0x1f, 0x8b]);
        tmp.Write("idx/t10k-labels-idx1-ubyte", [0]);
        var some = await Assert.ThrowsAsync<FileNotFoundException>(() => Install(RemoteDataSet.FashionMnist, tmp.File("idx"), root));
        Assert.StartsWith($"'{tmp.File("idx")}' lacks train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz of Fashion-MNIST's files (it holds t10k-labels-idx1-ubyte uncompressed", some.Message);
        var file = await Assert.ThrowsAsync<ArgumentException>(() => Install(RemoteDataSet.FashionMnist, tmp.File("idx/train-images-idx3-ubyte.gz"), root));
        Assert.Contains("give the folder that holds them", file.Message);
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public async Task FashionMnistsFourFiles_AreCheckedAndCopied_AndDebiansCopiesFailThePublishedChecksums()
    {
        using var tmp = new TempDir();
        var source = OfficialFiles.CopyFashionMnist(tmp.File("fashion"));
        var root = tmp.File("data");
        var folder = await Install(OfficialFiles.FashionMnist, source, root);
        Assert.Equal(Path.Combine(root, "fashion-mnist"), folder);
        Assert.Equal(folder, DataLocations.Resolve(root, null, "/nonexistent", null).Find(DataSetKind.FashionMnist));
        foreach (var file in RemoteDataSet.FashionMnist.Files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, file.Name)), File.ReadAllBytes(Path.Combine(folder, file.Name)));

        // Debian's copies hold the same images, but their gzip header lacks the file name: not the published files.
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => Install(RemoteDataSet.FashionMnist, source, tmp.File("other")));
        Assert.StartsWith($"{Path.Combine(source, "train-images-idx3-ubyte.gz")}: its MD5 is {OfficialFiles.Md5(File.ReadAllBytes(Path.Combine(source, "train-images-idx3-ubyte.gz")))}, not the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d", e.Message);
        Assert.False(Directory.Exists(tmp.File("other")));
    }

    [Fact]
    public void TheFashionMnistSizes_AreDebiansCopiesPlusTheNameTheirGzipHeaderHeld()
    {
        foreach (var file in RemoteDataSet.FashionMnist.Files)
            Assert.Equal(new FileInfo(Path.Combine(TestData.FashionMnistDir, file.Name)).Length + file.Name.Length - ".gz".Length + 1, file.Size);
        Assert.Equal(RemoteDataSet.Cifar10Python, RemoteDataSet.OfArchiveName("cifar-10-python (1).tar.gz"));
        Assert.Equal(RemoteDataSet.Cifar10Binary, RemoteDataSet.OfArchiveName("/x/CIFAR-10-binary.tar.gz"));
        Assert.Null(RemoteDataSet.OfArchiveName("cifar-10-python.zip"));
    }

    [Fact]
    public void TheAutomaticChoice_ExtractsAnArchiveInTheDataFolder_BeforeFallingThroughToFashionMnist()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var archive = OfficialFiles.WriteCifarPythonArchive(Path.Combine(root, "cifar-10-python.tar.gz"));
        var locations = DataLocations.Resolve(root, null, tmp.File("home"), TestData.FashionMnistDir);
        Assert.Equal((DataSetKind.Cifar10Python, archive), DataSetChoice.ArchiveToExtract(null, locations));
        Assert.Null(DataSetChoice.ArchiveToExtract("fashion-mnist", locations));
        var status = locations.Survey().Single(s => s.Kind == DataSetKind.Cifar10Python);
        Assert.Equal(archive, status.Archive);
        Assert.Contains($"its official archive '{archive}' ({(OfficialFiles.CifarPythonArchive.Length / 1e6).ToString("F1", CultureInfo.InvariantCulture)} MB) is there, not extracted: 'backprop train' checks its MD5 and extracts it into '{Path.Combine(root, "cifar-10-batches-py")}'", status.Detail);
        // Without a way to extract it, the choice goes on as before, saying what it passed over.
        Assert.Contains("its official archive", DataSetChoice.Choose(null, locations).Reason);

        string Extract(RemoteDataSet remote, string file)
        {
            Assert.Equal(RemoteDataSet.Cifar10Python, remote);   // the published checksums are what a caller gets
            using var downloader = new Downloader();
            return downloader.InstallFromAsync(OfficialFiles.CifarPython, file, Path.GetDirectoryName(file)!).GetAwaiter().GetResult();
        }
        var choice = DataSetChoice.Choose(null, locations, _ => throw new InvalidOperationException("no download"), Extract);
        Assert.Equal("cifar10", choice.Dataset);
        Assert.Equal(Path.Combine(root, "cifar-10-batches-py"), choice.Folder);
        Assert.StartsWith($"Using CIFAR-10 (python) from {choice.Folder}, extracted from {archive} after its MD5 matched the published one, because its official archive is in the data folder {root}", choice.Reason);
        Assert.Null(DataSetChoice.ArchiveToExtract(null, locations));   // extracted now: used as it is
        Assert.Contains("because it is in the data folder", DataSetChoice.Choose(null, locations, null, (_, _) => throw new InvalidOperationException("extracted twice")).Reason);
    }

    [Fact]
    public void AnExtractionThatAnotherRunMovesInFirst_IsUsed_NotRefusedAsAlreadyThere()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        OfficialFiles.WriteCifarPythonArchive(Path.Combine(root, "cifar-10-python.tar.gz"));
        var locations = DataLocations.Resolve(root, null, tmp.File("home"), null);
        int calls = 0;
        string Extract(RemoteDataSet remote, string file)
        {
            calls++;
            using var downloader = new Downloader();
            // The other run lands its copy after this one's check, just before this one's installation starts.
            downloader.InstallFromAsync(OfficialFiles.CifarPython, file, root).GetAwaiter().GetResult();
            return downloader.InstallFromAsync(OfficialFiles.CifarPython, file, root).GetAwaiter().GetResult();
        }
        var choice = DataSetChoice.Choose(null, locations, null, Extract);
        Assert.Equal(1, calls);
        Assert.Equal(Path.Combine(root, "cifar-10-batches-py"), choice.Folder);
        Assert.Equal(5000, Cifar10.Load(choice.Folder).Train.Count);

        // What is there and incomplete is not taken for the other run's copy.
        Directory.Delete(choice.Folder, recursive: true);
        string Partial(RemoteDataSet remote, string file)
        {
            tmp.Write("data/cifar-10-batches-py/data_batch_1", [1]);
            throw new IOException("'cifar-10-batches-py' already exists");
        }
        Assert.Equal("'cifar-10-batches-py' already exists", Assert.Throws<IOException>(() => DataSetChoice.Choose(null, locations, null, Partial)).Message);
    }

    [Fact]
    public void AnArchiveBesideAnIncompleteExtraction_IsNotExtractedOverIt_TheWayOutIsSaid()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var archive = OfficialFiles.WriteCifarPythonArchive(Path.Combine(root, "cifar-10-python.tar.gz"));
        tmp.Write("data/cifar-10-batches-py/data_batch_1", [1]);
        var locations = DataLocations.Resolve(root, null, tmp.File("home"), null);
        var e = Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose("cifar10", locations, null, (_, _) => throw new InvalidOperationException("not over it")));
        Assert.Contains($"'{Path.Combine(root, "cifar-10-batches-py")}' is in the way, incomplete", e.Message);
        Assert.Contains($"backprop data download --from {archive} --force", e.Message);
    }

    [Fact]
    public void AnArchiveThatFailsItsChecksum_StopsTheChoice_NamingItAndWhereItWasFound()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var archive = tmp.Write("data/cifar-10-python.tar.gz", OfficialFiles.CifarPythonArchive[..1000]);
        var locations = DataLocations.Resolve(root, null, tmp.File("home"), TestData.FashionMnistDir);
        string Extract(RemoteDataSet remote, string file)
        {
            using var downloader = new Downloader();
            return downloader.InstallFromAsync(remote, file, Path.GetDirectoryName(file)!).GetAwaiter().GetResult();
        }
        var e = Assert.Throws<InvalidDataException>(() => DataSetChoice.Choose(null, locations, null, Extract));
        Assert.StartsWith($"{archive}: its MD5 is", e.Message);
        Assert.EndsWith($"It was found in the data folder {root}, where CIFAR-10 is looked for first: replace it with a complete copy or remove it, or choose another data set with --dataset.", e.Message);
        Assert.Equal(["data", Path.Combine("data", "cifar-10-python.tar.gz")], tmp.Contents());
    }
}
