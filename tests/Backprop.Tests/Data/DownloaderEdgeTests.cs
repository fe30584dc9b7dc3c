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

    [Fact]
    public async Task AStagingFolderBeingSetUp_NotYetHeld_IsLeftAlone_WhileItsPinIsThere()
    {
        // A staging folder is made under its final name and then held (Windows cannot rename a folder with its .lock
        // open): in between, its download's pin (same id) says it is alive, and another download must not sweep it.
        var tarball = DownloaderTests.CifarTarball();
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        const string id = "0123456789abcdef0123456789abcdef";
        var settingUp = root.File($".cifar-10-batches-bin.download-{id}");
        Directory.CreateDirectory(settingUp);
        File.WriteAllBytes(root.File($".cifar-10-batches-bin.entering-{id}"), []);

        using var downloader = new Downloader();
        await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path);
        Assert.True(Directory.Exists(settingUp));

        File.Delete(root.File($".cifar-10-batches-bin.entering-{id}"));   // it died before holding the folder
        await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path, overwrite: true);
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task ADownloadKilledMidSwap_GetsItsOldCopyBack_OrItsLeftoverRemoved_ByTheNextDownload()
    {
        // --force moves the old copy aside, then the new one in: killed between the two, the data set was gone (its
        // copy hidden in .NAME.old-*), and killed after them, the old copy stayed there for good.
        var tarball = DownloaderTests.CifarTarball();
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var root = new TempDir();
        var aside = root.File(".cifar-10-batches-bin.old-0123456789abcdef0123456789abcdef");
        WriteOthersCopy(aside);
        Directory.SetLastWriteTimeUtc(aside, DateTime.UtcNow.AddMinutes(-5));
        using var downloader = new Downloader();
        // Without --force, the copy put back is the one already there.
        await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path));
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
        Assert.True(File.Exists(root.File("cifar-10-batches-bin/from-the-other-download")));

        // Killed after the swap: the complete copy in place stays, the old one goes.
        WriteOthersCopy(aside);
        Directory.SetLastWriteTimeUtc(aside, DateTime.UtcNow.AddMinutes(-5));
        await downloader.DownloadAsync(Cifar(server.BaseUrl, tarball), root.Path, overwrite: true);
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(root.Path).Select(Path.GetFileName));
        Assert.False(File.Exists(root.File("cifar-10-batches-bin/from-the-other-download")));   // the new download's copy
        // A swap under way (a folder just moved aside) is left alone.
        WriteOthersCopy(aside);
        Downloader.RecoverInterruptedSwaps(root.Path, DataSetKind.Cifar10Binary);
        Assert.True(Directory.Exists(aside));
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

    [Fact]
    public async Task ARedirectLoop_SaysWhereItLedAndThatItWasNotFollowed()
    {
        using var server = new LoopbackServer(ctx =>
        {
            ctx.Response.StatusCode = 302;
            ctx.Response.RedirectLocation = ctx.Request.Url!.AbsolutePath;   // to itself
            ctx.Response.Close();
        });
        using var root = new TempDir();
        using var downloader = new Downloader();
        var url = new Uri(server.BaseUrl, "f.bin");
        var e = await Assert.ThrowsAsync<DataDownloadException>(() => downloader.DownloadFileAsync(url, root.File("f.bin")));
        Assert.StartsWith($"Could not download {url}: the server answered 302 Found, a redirect to {url.AbsolutePath} that was not followed (a loop,", e.Message);
        Assert.Empty(root.Contents());
    }

    [Theory]
    [InlineData("file:///etc/hostname")]
    [InlineData("ftp://127.0.0.1/f.bin")]
    public async Task AUrlThatIsNotHttp_IsADownloadErrorNamingIt(string url)
    {
        using var root = new TempDir();
        using var downloader = new Downloader();
        var e = await Assert.ThrowsAsync<DataDownloadException>(() => downloader.DownloadFileAsync(new Uri(url), root.File("f.bin")));
        Assert.Equal($"Could not download {new Uri(url)}: only http and https URLs can be downloaded.", e.Message);
        Assert.Empty(root.Contents());
    }

    [Fact]
    public async Task AStallShorterThanASecond_IsSaidInItsOwnUnits()
    {
        using var release = new ManualResetEventSlim();
        using var server = new LoopbackServer(ctx =>
        {
            ctx.Response.ContentLength64 = 1000;
            ctx.Response.OutputStream.Write(new byte[10]);
            ctx.Response.OutputStream.Flush();
            release.Wait(TimeSpan.FromSeconds(5));   // then nothing more
            ctx.Response.Abort();
        });
        using var root = new TempDir();
        using var downloader = new Downloader { IdleTimeout = TimeSpan.FromMilliseconds(300) };
        var e = await Assert.ThrowsAsync<DataDownloadException>(() => downloader.DownloadFileAsync(new Uri(server.BaseUrl, "f.bin"), root.File("f.bin")));
        release.Set();
        Assert.EndsWith(": no data arrived for 0.3 s.", e.Message);
        Assert.Empty(root.Contents());
    }

    [Theory]
    [InlineData("http://127.0.0.1:8000/mnist")]
    [InlineData("http://127.0.0.1:8000/mnist/")]
    public void AMirrorWithOrWithoutItsFinalSlash_GivesTheSameFileUrls(string baseUrl)
    {
        // Without the slash, the file name replaced "mnist": http://127.0.0.1:8000/train-images-idx3-ubyte.gz, a 404.
        var set = RemoteDataSet.Mnist with { BaseUrl = new Uri(baseUrl) };
        Assert.Equal("http://127.0.0.1:8000/mnist/train-images-idx3-ubyte.gz", set.UrlOf(set.Files[0]).ToString());
    }
}

/// <summary>Downloads into a folder that cannot take them: a full disk, a read-only file system (small tmpfs mounts, as root).</summary>
public class DownloaderFileSystemTests
{
    private static void Mount(string folder, string options)
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "mounting a tmpfs needs root on Linux");
        Directory.CreateDirectory(folder);
        using var mount = System.Diagnostics.Process.Start("mount", ["-t", "tmpfs", "-o", options, "tmpfs", folder])!;
        mount.WaitForExit();
        Skip.If(mount.ExitCode != 0, "cannot mount a tmpfs here");
    }

    private static void Unmount(string folder)
    {
        using var umount = System.Diagnostics.Process.Start("umount", [folder])!;
        umount.WaitForExit();
    }

    [SkippableTheory]
    [InlineData("size=64k", "the disk is full (No space left on device); free some space and try again")]
    [InlineData("size=64k,ro", "Read-only file system")]
    public async Task AFolderThatCannotTakeTheDownload_IsNamed_NotTheHiddenTemporaryFile(string options, string reason)
    {
        var tarball = DownloaderTests.CifarTarball();   // 400 kB: more than the 64 kB the disk holds
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, tarball));
        using var dir = new TempDir();
        var mnt = dir.File("small");
        Mount(mnt, options);
        try
        {
            using var downloader = new Downloader();
            var e = await Assert.ThrowsAsync<IOException>(() => downloader.DownloadAsync(DownloaderTests.Cifar(server.BaseUrl, tarball), mnt));
            Assert.Equal($"Could not write CIFAR-10 (binary) into the data folder '{mnt}': {reason}. Nothing was kept.", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(mnt));
        }
        finally
        {
            Unmount(mnt);
        }
    }
}
