using System.Formats.Tar;
using System.Net;
using System.Security.Cryptography;
using Backprop.Data;
using Backprop.Training;

namespace Backprop.Tests.Data;

/// <summary>
/// Downloads of one data set into one data folder at the same time (two <c>backprop train</c> or <c>data download</c>
/// started together), failing or finishing in every order: the folder ends with the complete data set or nothing.
/// </summary>
public class DownloadRaceTests
{
    private static readonly byte[] Tarball = DownloaderTests.CifarTarball();
    private const string Target = "cifar-10-batches-bin";

    private static RemoteDataSet Cifar(Uri baseUrl) => DownloaderTests.Cifar(baseUrl, Tarball);

    private static Task<string> Download(Uri baseUrl, string root, bool overwrite = false) => Task.Run(async () =>
    {
        using var downloader = new Downloader();
        return await downloader.DownloadAsync(Cifar(baseUrl), root, overwrite: overwrite);
    });

    /// <summary>
    /// Starts one download per answer of <paramref name="mirror"/>, each once the one before is under way (its request
    /// arrived, so its staging folder is in the data folder); then lets them answer in <paramref name="order"/>, each
    /// download ending before the next answers. Returns each one's error, or null where it succeeded.
    /// </summary>
    private static async Task<Exception?[]> Race(GatedMirror mirror, int count, string order, Func<Task<string>> start)
    {
        var downloads = new Task<string>[count];
        for (int i = 0; i < count; i++)
        {
            downloads[i] = start();
            mirror.WaitArrived(i);
        }
        var errors = new Exception?[count];
        foreach (int i in order.Select(c => c - '0'))
        {
            mirror.Release(i);
            try { await downloads[i]; }
            catch (Exception e) { errors[i] = e; }
        }
        return errors;
    }

    private static string[] Names(string folder) => Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Theory]
    [InlineData("01")]   // the download that made the data folder fails first: the other, which found it there, left it empty
    [InlineData("10")]
    public async Task TwoFailingDownloadsOfTheCli_LeaveNoDataFolder_WhicheverFailsFirst(string order)
    {
        using var tmp = new TempDir();
        var root = tmp.File("home/.cache/backprop");
        using (var mirror = new GatedMirror(GatedMirror.NotFound, GatedMirror.NotFound))
        {
            var errors = await Race(mirror, 2, order, () => Task.Run(() =>
                Backprop.Cli.DataSource.Download(Cifar(mirror.BaseUrl), root, TextWriter.Null, CancellationToken.None, mirror.BaseUrl)));
            Assert.All(errors, e => Assert.IsType<DataDownloadException>(e));
            Assert.False(Directory.Exists(root), $"left: {(Directory.Exists(root) ? string.Join(", ", Names(root)) : "")}");
        }

        // And the next download puts the data set there, with nothing beside it.
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, Tarball));
        Assert.Equal(Path.Combine(root, Target), Backprop.Cli.DataSource.Download(Cifar(server.BaseUrl), root, TextWriter.Null, CancellationToken.None, server.BaseUrl));
        Assert.Equal([Target], Names(root));
    }

    [Theory]
    [InlineData("012")]
    [InlineData("021")]
    [InlineData("102")]
    [InlineData("120")]
    [InlineData("201")]
    [InlineData("210")]
    public async Task FailingDownloads_LeaveNoDataFolder_InAnyOrder(string order)
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        using var mirror = new GatedMirror(GatedMirror.NotFound, GatedMirror.NotFound, GatedMirror.NotFound);
        var errors = await Race(mirror, 3, order, () => Download(mirror.BaseUrl, root));
        Assert.All(errors, e => Assert.IsType<DataDownloadException>(e));
        Assert.Empty(tmp.Contents());
    }

    [Fact]
    public async Task FailingDownloads_KeepADataFolderTheUserMade()
    {
        // 'mkdir ~/data' then two downloads into it: theirs to fill, not to remove.
        using var tmp = new TempDir();
        using var mirror = new GatedMirror(GatedMirror.NotFound, GatedMirror.NotFound);
        var errors = await Race(mirror, 2, "01", () => Download(mirror.BaseUrl, tmp.Path));
        Assert.All(errors, e => Assert.IsType<DataDownloadException>(e));
        Assert.True(Directory.Exists(tmp.Path));
        Assert.Empty(tmp.Contents());
    }

    [Theory]
    [InlineData("01")]
    [InlineData("10")]
    public async Task ADownloadThatFinishes_AndOneThatFails_LeaveTheCompleteCopyOnly(string order)
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        using var mirror = new GatedMirror(GatedMirror.Serves(Tarball), GatedMirror.NotFound);
        var errors = await Race(mirror, 2, order, () => Download(mirror.BaseUrl, root));
        Assert.Null(errors[0]);
        Assert.IsType<DataDownloadException>(errors[1]);
        Assert.Equal([Target], Names(root));
        Assert.True(DataLocations.IsComplete(DataSetKind.Cifar10Binary, Path.Combine(root, Target)));
    }

    [Fact]
    public async Task AKilledDownloadsDataFolder_IsRemovedByTheNextDownload_WhenThatFails()
    {
        // Killed after it made the data folder: its staging folder (no one holds it) and the mark that the folder is the
        // downloads' stay; the next download sweeps the one and, failing, takes the folder away.
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var dead = Path.Combine(root, $".{Target}.download-0123456789abcdef0123456789abcdef");
        Directory.CreateDirectory(dead);
        File.WriteAllBytes(Path.Combine(dead, "cifar-10-binary.tar.gz.tmp"), new byte[1000]);
        File.WriteAllBytes(Path.Combine(root, Downloader.MadeByDownloadFile), []);
        using var mirror = new GatedMirror(GatedMirror.NotFound);
        var errors = await Race(mirror, 1, "0", () => Download(mirror.BaseUrl, root));
        Assert.IsType<DataDownloadException>(errors[0]);
        Assert.Empty(tmp.Contents());
    }

    /// <summary>Writes a complete CIFAR-10 binary folder, marked as the old copy.</summary>
    private static void WriteOldCopy(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in Cifar10.BatchFileNames(Cifar10Format.Binary))
            File.WriteAllBytes(Path.Combine(folder, name), new byte[Cifar10.RecordBytes]);
        File.WriteAllText(Path.Combine(folder, "old-copy"), "");
    }

    [Theory]
    [InlineData(false)]   // a plain download, started when no copy was there
    [InlineData(true)]    // another --force
    public async Task AForcedDownload_AnotherPutsItsCopyInPlaceMidSwap_ThatCopyStays_TheOldOneGoes(bool otherForced)
    {
        // --force moves the old copy aside, then its own in: another download finishing between the two renames put its
        // copy where this one's was to go. The rename failed, and so did putting the old copy back: the error was
        // "already exists", and the old copy stayed hidden in .NAME.old-* beside the new one.
        using var tmp = new TempDir();
        var target = tmp.File(Target);
        WriteOldCopy(target);
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, Tarball));
        using var other = new Downloader();
        using var forced = new Downloader
        {
            BeforeMoveIn = () => other.DownloadAsync(Cifar(server.BaseUrl), tmp.Path, overwrite: otherForced).GetAwaiter().GetResult(),
        };
        Assert.Equal(target, await forced.DownloadAsync(Cifar(server.BaseUrl), tmp.Path, overwrite: true));
        Assert.Equal([Target], Names(tmp.Path));
        Assert.True(DataLocations.IsComplete(DataSetKind.Cifar10Binary, target));
        Assert.False(File.Exists(Path.Combine(target, "old-copy")));
    }

    [Fact]
    public async Task ADownloadStartingMidSwap_LeavesTheSwapsOldCopyAlone()
    {
        // Every download first puts back an old copy a killed --force left moved aside, if a minute old. A rename keeps
        // a folder's time, so the copy a live --force had just moved aside looked days old: put back over the gap, it
        // took the place of the new download, which was lost.
        using var tmp = new TempDir();
        var target = tmp.File(Target);
        WriteOldCopy(target);
        Directory.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddDays(-3));   // extracted days ago
        using var server = new LoopbackServer(ctx => LoopbackServer.Send(ctx, Tarball));
        using var forced = new Downloader { BeforeMoveIn = () => Downloader.RecoverInterruptedSwaps(tmp.Path, DataSetKind.Cifar10Binary) };
        Assert.Equal(target, await forced.DownloadAsync(Cifar(server.BaseUrl), tmp.Path, overwrite: true));
        Assert.Equal([Target], Names(tmp.Path));
        Assert.True(DataLocations.IsComplete(DataSetKind.Cifar10Binary, target));
        Assert.False(File.Exists(Path.Combine(target, "old-copy")), "the old copy is in place of the new download");
    }

    [Fact]
    public async Task TrainsDownloadThatFails_UsesTheCopyAnotherDownloadPutInPlaceMeanwhile()
    {
        // Two 'backprop train' with no data: the first one's download finishes, the second's fails (the server, the
        // network). The second said "No data set found in the data folder …" with CIFAR-10 there, complete.
        var items = new List<TarExtractorTests.Item> { new(TarEntryType.Directory, "cifar-10-batches-py/") };
        items.AddRange(Cifar10.BatchFileNames(Cifar10Format.Python).Select(n => new TarExtractorTests.Item(TarEntryType.RegularFile, "cifar-10-batches-py/" + n, [1, 2, 3])));
        var tarball = TarExtractorTests.TarGz([.. items]);
        using var root = new TempDir();
        using var home = new TempDir();
        var nothing = DataLocations.Resolve(root.Path, null, home.Path, null);
        using var mirror = new GatedMirror(GatedMirror.NotFound, GatedMirror.Serves(tarball));
        RemoteDataSet Mirrored(RemoteDataSet remote) => remote with
        {
            BaseUrl = mirror.BaseUrl,
            Files = [new(remote.Files[0].Name, Convert.ToHexStringLower(MD5.HashData(tarball)))],
        };
        using var downloader = new Downloader();
        Task<DataSetChoice> Train() => Task.Run(() =>
            DataSetChoice.Choose(null, nothing, remote => downloader.DownloadAsync(Mirrored(remote), root.Path).GetAwaiter().GetResult()));
        var first = Train();
        mirror.WaitArrived(0);
        var second = Train();
        mirror.WaitArrived(1);
        mirror.Release(1);
        var target = root.File("cifar-10-batches-py");
        Assert.Equal(target, (await second).Folder);
        mirror.Release(0);
        var choice = await first;
        Assert.Equal(target, choice.Folder);
        Assert.Equal($"Using CIFAR-10 (python) from {target}, which another download put in place while this one failed: the server answered 404 Not Found.", choice.Reason);
        Assert.Equal([Path.GetFileName(target)], Names(root.Path));
    }

    [Fact]
    public async Task DataDownloadThatFails_ExitsZero_WhenAnotherDownloadPutACompleteCopyInPlace()
    {
        // 'backprop data download' started with another download: the other finishes (checksums verified), this one's
        // server fails. It exited 1 with the data set there, complete, as train would use it.
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var target = Path.Combine(root, Target);
        using (var mirror = new GatedMirror(GatedMirror.NotFound, GatedMirror.Serves(Tarball)))
        {
            var cli = Task.Run(() => Backprop.Tests.Cli.CliRunner.Run("data", "download", "--dataset", "cifar10", "--format", "binary", "--data-dir", root, "--mirror", mirror.BaseUrl.ToString()));
            mirror.WaitArrived(0);
            var other = Download(mirror.BaseUrl, root);
            mirror.WaitArrived(1);
            mirror.Release(1);
            Assert.Equal(target, await other);
            mirror.Release(0);
            var r = await cli;
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Contains($"This download failed: the server answered 404 Not Found; another download put a complete CIFAR-10 (binary) in {target} meanwhile.", r.Out);
            Assert.Contains($"CIFAR-10 (binary) is in {target}", r.Out);
            Assert.Equal([Target], Names(root));
        }

        // With --force the copy in place is the one it was asked to replace: its failure is a failure (exit 1), the copy kept.
        using (var mirror = new GatedMirror(GatedMirror.NotFound))
        {
            mirror.Release(0);   // answers at once
            var r = Backprop.Tests.Cli.CliRunner.Run("data", "download", "--dataset", "cifar10", "--format", "binary", "--data-dir", root, "--mirror", mirror.BaseUrl.ToString(), "--force");
            Assert.Equal(1, r.ExitCode);
            Assert.DoesNotContain("another download", r.Out);
            Assert.True(DataLocations.IsComplete(DataSetKind.Cifar10Binary, target));
        }
    }
}
