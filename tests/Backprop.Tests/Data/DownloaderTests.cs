using System.Formats.Tar;
using System.Net;
using System.Security.Cryptography;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class DownloaderTests
{
    /// <summary>A small CIFAR-10 binary tarball: cifar-10-batches-bin/ with six batches of two records each.</summary>
    internal static byte[] CifarTarball()
    {
        var items = new List<TarExtractorTests.Item> { new(TarEntryType.Directory, "cifar-10-batches-bin/") };
        int k = 0;
        foreach (var name in Cifar10.BatchFileNames(Cifar10Format.Binary))
        {
            var batch = new byte[2 * Cifar10.RecordBytes];
            batch[0] = (byte)(k++ % 10);
            batch[Cifar10.RecordBytes] = (byte)(k++ % 10);
            items.Add(new(TarEntryType.RegularFile, "cifar-10-batches-bin/" + name, batch));
        }
        items.Add(new(TarEntryType.RegularFile, "cifar-10-batches-bin/batches.meta.txt", "airplane\n"u8.ToArray()));
        // Big enough that the transfer takes several reads, so progress and a cut halfway are meaningful.
        items.Add(new(TarEntryType.RegularFile, "cifar-10-batches-bin/padding", RandomNumberGenerator.GetBytes(400_000)));
        return TarExtractorTests.TarGz([.. items]);
    }

    internal static RemoteDataSet Cifar(Uri baseUrl, byte[] tarball, string? md5 = null) => RemoteDataSet.Cifar10Binary with
    {
        BaseUrl = baseUrl,
        Files = [new("cifar-10-binary.tar.gz", md5 ?? Convert.ToHexStringLower(MD5.HashData(tarball)))],
    };

    private sealed class Recorder : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];
        public void Report(DownloadProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public async Task DownloadsVerifiesAndExtractsATarball()
    {
        var tarball = CifarTarball();
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        var progress = new Recorder();
        using var downloader = new Downloader();
        var folder = await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path, progress);

        Assert.Equal(Path.Combine(root.Path, "cifar-10-batches-bin"), folder);
        var (train, test) = Cifar10.Load(folder);
        Assert.Equal(10, train.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], train.Labels);
        Assert.Equal([0, 1], test.Labels);
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName)); // no archive, no staging
        var verify = progress.Reports.Single(r => r.Phase == "verify");
        Assert.Equal(tarball.Length, verify.BytesDone);
        Assert.Equal(tarball.Length, verify.TotalBytes);
        Assert.Equal(1.0, verify.Fraction);
        Assert.True(verify.BytesPerSecond > 0);
        Assert.Equal("done", progress.Reports[^1].Phase);

        // A second download into the same place is refused unless asked to overwrite.
        await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path));
        File.WriteAllText(Path.Combine(folder, "stale"), "x");
        await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path, overwrite: true);
        Assert.False(File.Exists(Path.Combine(folder, "stale")));
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task TheNextDownload_RemovesAKilledDownloadsStagingFolder_ButNotALiveOnes()
    {
        // A second Ctrl-C or a kill skips the cleanup: its staging folder is left, with no process holding it.
        var tarball = CifarTarball();
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        string dead = Path.Combine(root.Path, ".cifar-10-batches-bin.download-dead"), live = Path.Combine(root.Path, ".cifar-10-batches-bin.download-live");
        foreach (var dir in new[] { dead, live })
        {
            Directory.CreateDirectory(Path.Combine(dir, "files"));
            File.WriteAllBytes(Path.Combine(dir, "files", "part.tmp"), new byte[1000]);
            Directory.SetLastWriteTimeUtc(dir, DateTime.UtcNow.AddMinutes(-5));
        }
        using (FolderLock.Acquire(live))   // another download, still running
        {
            Directory.SetLastWriteTimeUtc(live, DateTime.UtcNow.AddMinutes(-5));
            using var downloader = new Downloader();
            await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path);
            Assert.False(Directory.Exists(dead));
            Assert.True(File.Exists(Path.Combine(live, "files", "part.tmp")));
        }
    }

    [Fact]
    public async Task DownloadsPlainFilesIntoTheirFolder()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["train-images-idx3-ubyte.gz"] = IdxTests.Gzip(IdxTests.IdxFile(Idx.ImagesMagic, [3, 2, 2], new byte[12])),
            ["train-labels-idx1-ubyte.gz"] = IdxTests.Gzip(IdxTests.IdxFile(Idx.LabelsMagic, [3], [1, 2, 3])),
            ["t10k-images-idx3-ubyte.gz"] = IdxTests.Gzip(IdxTests.IdxFile(Idx.ImagesMagic, [1, 2, 2], new byte[4])),
            ["t10k-labels-idx1-ubyte.gz"] = IdxTests.Gzip(IdxTests.IdxFile(Idx.LabelsMagic, [1], [9])),
        };
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, files[Path.GetFileName(ctx.Request.Url!.AbsolutePath)]));
        using var root = new TempDir();
        var set = RemoteDataSet.FashionMnist with
        {
            BaseUrl = server.BaseUrl,
            Files = files.Select(kv => new RemoteFile(kv.Key, Convert.ToHexStringLower(MD5.HashData(kv.Value)))).ToList(),
        };
        using var downloader = new Downloader();
        var folder = await downloader.DownloadAsync(set, root.Path);
        Assert.Equal(Path.Combine(root.Path, "fashion-mnist"), folder);
        var (train, test) = FashionMnist.Load(folder);
        Assert.Equal([1, 2, 3], train.Labels);
        Assert.Equal([9], test.Labels);
        Assert.Equal(folder, DataLocations.Resolve(root.Path, null, "/nonexistent", null).Find(DataSetKind.FashionMnist));
    }

    private static async Task<DataDownloadException> Fails(RemoteDataSet set, TempDir root)
    {
        using var downloader = new Downloader { IdleTimeout = TimeSpan.FromSeconds(20) };
        var e = await Assert.ThrowsAsync<DataDownloadException>(() => downloader.DownloadAsync(set, root.Path));
        Assert.Contains(set.UrlOf(set.Files[0]).ToString(), e.Message);
        Assert.Contains("--data-dir or $BACKPROP_DATA", e.Message); // the other ways to get the data
        Assert.Empty(Directory.GetFileSystemEntries(root.Path)); // no half data set, no temporary files
        return e;
    }

    [Fact]
    public async Task AWrongChecksumKeepsNothing()
    {
        var tarball = CifarTarball();
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        var e = await Fails(Cifar(server.BaseUrl, tarball, md5: "00000000000000000000000000000000"), root);
        Assert.Contains("MD5 is " + Convert.ToHexStringLower(MD5.HashData(tarball)), e.Message);
        Assert.Contains("not the published 00000000000000000000000000000000", e.Message);
    }

    [Fact]
    public async Task AConnectionCutHalfwayKeepsNothing()
    {
        var tarball = CifarTarball();
        using var server = new LoopbackServer(ctx =>
        {
            ctx.Response.ContentLength64 = tarball.Length;
            ctx.Response.OutputStream.Write(tarball, 0, tarball.Length / 2);
            ctx.Response.OutputStream.Flush();
            ctx.Response.Abort();
        });
        using var root = new TempDir();
        var e = await Fails(Cifar(server.BaseUrl, tarball), root);
        Assert.True(e.Message.Contains("the connection failed during the transfer") || e.Message.Contains($"ended after"), e.Message);
    }

    [Fact]
    public async Task AServer404IsReported()
    {
        using var server = new LoopbackServer(ctx =>
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        });
        using var root = new TempDir();
        var e = await Fails(Cifar(server.BaseUrl, [1]), root);
        Assert.Contains("the server answered 404 Not Found", e.Message);
    }

    [Fact]
    public async Task OfflineSaysSoAndNamesTheOtherWays()
    {
        using var root = new TempDir();
        var nobody = new Uri($"http://127.0.0.1:{LoopbackServer.FreePort()}/x/");
        var e = await Fails(RemoteDataSet.FashionMnist with { BaseUrl = nobody }, root);
        Assert.Contains("no connection could be made", e.Message);
        Assert.Contains("is this machine offline?", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("8d4fb7e6c68d591d4c3dfef9ec88bf0d", e.Message);
        Assert.Contains("--mirror URL or $BACKPROP_MIRROR", e.Message);
        Assert.IsType<HttpRequestException>(e.InnerException);
    }

    [Fact]
    public async Task AFailedFileDownloadLeavesAnExistingFileUntouched()
    {
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, "new content"u8.ToArray()));
        using var root = new TempDir();
        var target = root.File("file.bin");
        File.WriteAllText(target, "old content");
        using var downloader = new Downloader();
        await Assert.ThrowsAsync<DataDownloadException>(() => downloader.DownloadFileAsync(new Uri(server.BaseUrl, "file.bin"), target, expectedMd5: "ffffffffffffffffffffffffffffffff"));
        Assert.Equal("old content", File.ReadAllText(target));
        Assert.Equal(["file.bin"], root.Contents());
        await downloader.DownloadFileAsync(new Uri(server.BaseUrl, "file.bin"), target, Convert.ToHexStringLower(MD5.HashData("new content"u8)));
        Assert.Equal("new content", File.ReadAllText(target));
    }

    [Fact]
    public void TheOfficialSourcesAreConfigured()
    {
        Assert.Equal("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz", RemoteDataSet.Cifar10Python.UrlOf(RemoteDataSet.Cifar10Python.Files[0]).ToString());
        Assert.Equal("c58f30108f718f92721af3b95e74349a", RemoteDataSet.Cifar10Python.Files[0].Md5);
        Assert.Equal("c32a1d4ab5d03f1284b67883e8d87530", RemoteDataSet.Cifar10Binary.Files[0].Md5);
        Assert.Equal("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz", RemoteDataSet.FashionMnist.UrlOf(RemoteDataSet.FashionMnist.Files[3]).ToString());
        Assert.Equal(["f68b3c2dcbeaaa9fbdd348bbdeb94873", "d53e105ee54ea40749a09fcbcd1e9432", "9fb629c4189551a2d022fa330f9573f3", "ec29112dd5afa0611ce80d1b7f02629c"],
            RemoteDataSet.Mnist.Files.Select(f => f.Md5));
        foreach (var kind in Enum.GetValues<DataSetKind>()) Assert.Equal(kind, RemoteDataSet.For(kind).Kind);
    }
}
