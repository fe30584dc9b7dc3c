using System.Formats.Tar;
using System.Security.Cryptography;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Tests.Data;

/// <summary>What a user without data meets when a download goes wrong: killed downloads, two at once, refused archives.</summary>
public class DownloaderEdgeTests
{
    private static RemoteDataSet Cifar(Uri baseUrl, byte[] tarball) => DownloaderTests.Cifar(baseUrl, tarball);

    [Fact]
    public async Task AKilledDownloadsStagingFolder_IsRemovedByADownloadStartedRightAfter()
    {
        // A second Ctrl-C ends the process at once: its staging folder (with the partial file, and the .lock the
        // release would have removed) stays. A retry seconds later must not leave it beside the new copy.
        var tarball = DownloaderTests.CifarTarball();
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        var dead = root.File(".cifar-10-batches-bin.download-0123456789abcdef0123456789abcdef");
        Directory.CreateDirectory(dead);
        File.WriteAllBytes(Path.Combine(dead, "cifar-10-binary.tar.gz.tmp"), new byte[100_000]);
        File.WriteAllText(Path.Combine(dead, FolderLock.FileName), "");

        using var downloader = new Downloader();
        await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path);
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
    }

    /// <summary>Writes a complete CIFAR-10 binary folder, as another download finishing would.</summary>
    private static void WriteOthersCopy(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in Cifar10.BatchFileNames(Cifar10Format.Binary))
            File.WriteAllBytes(Path.Combine(folder, name), new byte[Cifar10.RecordBytes]);
        File.WriteAllText(Path.Combine(folder, "from-the-other-download"), "");
    }

    [Fact]
    public async Task TwoDownloadsIntoOneFolder_TheLaterKeepsTheCopyTheEarlierFinished()
    {
        // Two 'backprop train' started together with no data: both download; the one finishing second finds the
        // first's complete copy in place and uses it instead of failing at the rename.
        var tarball = DownloaderTests.CifarTarball();
        using var root = new TempDir();
        var target = root.File("cifar-10-batches-bin");
        using var server = new LoopbackServer(ctx =>
        {
            WriteOthersCopy(target);   // the other download finishes while this one transfers
            LoopbackServer.Send(ctx, tarball);
        });
        using var downloader = new Downloader();
        Assert.Equal(target, await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path));
        Assert.True(File.Exists(Path.Combine(target, "from-the-other-download")));
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task AFolderThatAppearsIncompleteDuringTheDownload_IsLeftAlone_AndSaid()
    {
        var tarball = DownloaderTests.CifarTarball();
        using var root = new TempDir();
        var target = root.File("cifar-10-batches-bin");
        using var server = new LoopbackServer(ctx =>
        {
            Directory.CreateDirectory(target);
            File.WriteAllText(Path.Combine(target, "mine"), "a user's file");
            LoopbackServer.Send(ctx, tarball);
        });
        using var downloader = new Downloader();
        var e = await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path));
        Assert.Contains($"'{target}' appeared while this download ran and is not a complete CIFAR-10 (binary)", e.Message);
        Assert.Equal(["cifar-10-batches-bin", Path.Combine("cifar-10-batches-bin", "mine")], root.Contents());
    }

    [Fact]
    public async Task AnArchiveTheExtractorRefuses_IsNamedByItsUrl_NotByTheStagingFolder()
    {
        // The checksum matches (a mirror's own archive with its own MD5), but an entry climbs out of the folder.
        var tarball = TarExtractorTests.TarGz(
            new(TarEntryType.Directory, "cifar-10-batches-bin/"),
            new(TarEntryType.RegularFile, "cifar-10-batches-bin/../../evil", [1, 2, 3]));
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        var set = Cifar(server.BaseUrl, tarball);
        using var downloader = new Downloader();
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => downloader.DownloadAsync(set, root.Path));
        Assert.StartsWith(set.UrlOf(set.Files[0]) + ": the entry 'cifar-10-batches-bin/../../evil' leaves the target folder", e.Message);
        Assert.EndsWith("Nothing was kept.", e.Message);
        Assert.DoesNotContain(".download-", e.Message);
        Assert.Empty(root.Contents());
    }

    [Fact]
    public async Task TrainsAutomaticDownload_SaysWhyItFailed()
    {
        // 'backprop train' with no data downloads CIFAR-10; when that fails, the reason (here the server's 404) is
        // said with the other ways to get data, not only the URL.
        using var server = new LoopbackServer(ctx =>
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        });
        using var root = new TempDir();
        using var home = new TempDir();
        var nothing = DataLocations.Resolve(root.Path, null, home.Path, null);
        using var downloader = new Downloader();
        var e = Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose(null, nothing,
            remote => downloader.DownloadAsync(remote with { BaseUrl = server.BaseUrl }, root.Path).GetAwaiter().GetResult()));
        Assert.Contains($"CIFAR-10 could not be downloaded from {server.BaseUrl}cifar-10-python.tar.gz: the server answered 404 Not Found. To get data:", e.Message);
        Assert.Empty(root.Contents());
    }
}
