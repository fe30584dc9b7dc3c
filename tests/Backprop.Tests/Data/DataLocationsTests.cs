using Backprop.Training;
using Backprop.Data;

namespace Backprop.Tests.Data;

public class DataLocationsTests
{
    [SkippableFact]
    public void DebiansFolderGivenAsTheDataFolder_IsFashionMnist()
    {
        // Found alone it was Fashion-MNIST, but given with --data-dir it was "Fashion-MNIST or MNIST? say which"
        // (Debian recompresses the files, so the published checksums name neither), and data info listed MNIST there.
        Skip.IfNot(OperatingSystem.IsLinux() && Directory.Exists(FashionMnist.DebianDir), "needs Debian's dataset-fashion-mnist");
        var loc = DataLocations.Resolve(FashionMnist.DebianDir, null, "/nonexistent", null);
        Assert.Equal(DataSetKind.FashionMnist, DataLocations.IdxKindByChecksum(FashionMnist.DebianDir));
        var chosen = DataSetChoice.Choose(null, loc);
        Assert.Equal(("fashion-mnist", FashionMnist.DebianDir), (chosen.Dataset, chosen.Folder));
        Assert.Contains("its IDX files are Fashion-MNIST's (it is Debian's dataset-fashion-mnist package folder)", chosen.Reason);
        var mnist = loc.Survey().Single(s => s.Kind == DataSetKind.Mnist);
        Assert.False(mnist.Present);
        Assert.Equal($"'{FashionMnist.DebianDir}' holds Fashion-MNIST's files (it is Debian's dataset-fashion-mnist package folder), not MNIST's.", mnist.Detail);
        // Asked for MNIST there, the refusal says whose files they are (they were loaded as MNIST).
        Assert.Contains("holds Fashion-MNIST's files", Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose("mnist", loc)).Message);
    }

    [Fact]
    public void DataDirBeatsTheVariableWhichBeatsTheDefault()
    {
        var a = DataLocations.Resolve("/data/a", "/data/env", "/home/u", null);
        Assert.Equal("/data/a", a.Root);
        Assert.Equal("--data-dir", a.RootSource);
        var b = DataLocations.Resolve(null, "/data/env", "/home/u", null);
        Assert.Equal("/data/env", b.Root);
        Assert.Equal("$BACKPROP_DATA", b.RootSource);
        var c = DataLocations.Resolve("", "", "/home/u", null);
        Assert.Equal("/home/u/.cache/backprop", c.Root);
        Assert.Equal("default", c.RootSource);
        // No home folder at all: said, with the two ways to name a folder, instead of "The value cannot be an empty string".
        var e = Assert.Throws<ArgumentException>(() => DataLocations.Resolve(null, null, "", null));
        Assert.Contains("no home folder", e.Message);
        Assert.Contains("--data-dir, $BACKPROP_DATA or $XDG_CACHE_HOME", e.Message);
    }

    [Fact]
    public void CompleteDownload_IsTheDownloadFolder_OnlyWhenEveryFileIsThere()
    {
        using var tmp = new TempDir();
        var loc = DataLocations.Resolve(tmp.Path, null, "/nonexistent", null);
        Assert.Null(loc.CompleteDownload(DataSetKind.Cifar10Binary));   // nothing there
        var folder = loc.DownloadFolder(DataSetKind.Cifar10Binary);
        Directory.CreateDirectory(folder);
        var names = Cifar10.BatchFileNames(Cifar10Format.Binary).ToList();
        foreach (var name in names.Skip(1)) File.WriteAllBytes(Path.Combine(folder, name), [1]);
        Assert.Null(loc.CompleteDownload(DataSetKind.Cifar10Binary));   // one batch missing
        File.WriteAllBytes(Path.Combine(folder, names[0]), [1]);
        Assert.Equal(folder, loc.CompleteDownload(DataSetKind.Cifar10Binary));
        Assert.Null(loc.CompleteDownload(DataSetKind.Cifar10Python));
    }

    [Fact]
    public void XdgCacheHome_ComesAfterTheVariable_AndBeforeTheHomeFolder()
    {
        // As PyTorch's hub and Hugging Face: $XDG_CACHE_HOME/backprop when set to an absolute path.
        var x = DataLocations.Resolve(null, null, "/home/u", null, "/var/cache/u");
        Assert.Equal("/var/cache/u/backprop", x.Root);
        Assert.Equal("$XDG_CACHE_HOME", x.RootSource);
        Assert.Contains("Data folder: /var/cache/u/backprop (from $XDG_CACHE_HOME", x.Describe());
        Assert.Equal("/data/env", DataLocations.Resolve(null, "/data/env", "/home/u", null, "/var/cache/u").Root);
        Assert.Equal("/data/a", DataLocations.Resolve("/data/a", "/data/env", "/home/u", null, "/var/cache/u").Root);
        // Empty, or relative (which the XDG specification says to ignore): the home folder's ~/.cache.
        Assert.Equal("/home/u/.cache/backprop", DataLocations.Resolve(null, null, "/home/u", null, "").Root);
        Assert.Equal("/home/u/.cache/backprop", DataLocations.Resolve(null, null, "/home/u", null, "cache").Root);
        // And it stands in for a missing home folder.
        Assert.Equal("/var/cache/u/backprop", DataLocations.Resolve(null, null, "", null, "/var/cache/u").Root);
    }

    [Fact]
    public void OnWindows_TheDefaultIsLocalAppData_InPlaceOfDotCache()
    {
        const string local = "/win/u/AppData/Local";
        var w = DataLocations.Resolve(null, null, "/home/u", null, null, windows: true, localAppData: local);
        Assert.Equal("/win/u/AppData/Local/backprop", w.Root);
        Assert.Equal("default", w.RootSource);
        Assert.Contains("Data folder: /win/u/AppData/Local/backprop (default; change with --data-dir or $BACKPROP_DATA", w.Describe());
        // It needs no home folder; the ones named still come first.
        Assert.Equal("/win/u/AppData/Local/backprop", DataLocations.Resolve(null, null, "", null, null, windows: true, localAppData: local).Root);
        Assert.Equal("/var/cache/u/backprop", DataLocations.Resolve(null, null, "/home/u", null, "/var/cache/u", windows: true, localAppData: local).Root);
        Assert.Equal("/data/env", DataLocations.Resolve(null, "/data/env", "/home/u", null, null, windows: true, localAppData: local).Root);
        Assert.Equal("/data/a", DataLocations.Resolve("/data/a", "/data/env", "/home/u", null, null, windows: true, localAppData: local).Root);
        // Elsewhere it is not read; on a Windows without it, ~/.cache as before.
        Assert.Equal("/home/u/.cache/backprop", DataLocations.Resolve(null, null, "/home/u", null, null, windows: false, localAppData: local).Root);
        Assert.Equal("/home/u/.cache/backprop", DataLocations.Resolve(null, null, "/home/u", null, null, windows: true, localAppData: "").Root);
        Assert.Equal("/home/u/.cache/backprop", DataLocations.DefaultFolder("/home/u", windows: true, localAppData: null));
        Assert.Equal("~/.cache/backprop", DataLocations.DefaultFolderText);   // this is Linux
    }

    [Fact]
    public void ALeadingTilde_InAnyOfTheThree_IsTheHomeFolder()
    {
        Assert.Equal("/home/u/a", DataLocations.Resolve("~/a", "/data/env", "/home/u", null).Root);
        Assert.Equal("/home/u/env", DataLocations.Resolve(null, "~/env", "/home/u", null).Root);
        Assert.Equal("/home/u/cache/backprop", DataLocations.Resolve(null, null, "/home/u", null, "~/cache").Root);
        Assert.Equal("/home/u", DataLocations.Resolve("~", null, "/home/u", null).Root);
        // Without a home folder to put there: said of where the path came from.
        var e = Assert.Throws<ArgumentException>(() => DataLocations.Resolve(null, "~/env", "", null));
        Assert.StartsWith("$BACKPROP_DATA: '~/env' starts with ~, but there is no home folder", e.Message);
    }

    [Fact]
    public void FindsTheSharedSubsetByItsFolderNames()
    {
        // The shared folder holds cifar-10-batches-{py,bin}-first1000 directly.
        var loc = DataLocations.Resolve(TestData.Cifar10SubsetDir, null, "/nonexistent", null);
        Assert.Equal(TestData.Cifar10PythonDir, loc.Find(DataSetKind.Cifar10Python));
        Assert.Equal(TestData.Cifar10BinaryDir, loc.Find(DataSetKind.Cifar10Binary));
        Assert.Equal(TestData.Cifar10PythonDir, loc.FindCifar10());
        // …and also through a cifar10/ subfolder of its parent.
        var parent = DataLocations.Resolve(Path.GetDirectoryName(TestData.Cifar10SubsetDir), null, "/nonexistent", null);
        Assert.Equal(TestData.Cifar10BinaryDir, parent.Find(DataSetKind.Cifar10Binary));
        Assert.Null(loc.Find(DataSetKind.Mnist));
        Assert.Null(loc.Find(DataSetKind.FashionMnist));
    }

    [Fact]
    public void FindsFashionMnistAtItsDebianPlaceByDefault()
    {
        using var dir = new TempDir();
        var loc = DataLocations.Resolve(dir.Path, null, "/nonexistent", TestData.FashionMnistDir);
        Assert.Equal(TestData.FashionMnistDir, loc.Find(DataSetKind.FashionMnist));
        Assert.Equal(Path.Combine(dir.Path, "fashion-mnist"), loc.CandidateFolders(DataSetKind.FashionMnist)[0]);
        Assert.Equal(Path.Combine(dir.Path, "fashion-mnist"), loc.DownloadFolder(DataSetKind.FashionMnist));
    }

    [Fact]
    public void IdxFilesInTheDataFolderItself_AreTheDataSetTheirChecksumsName_ElseTheUserIsAsked()
    {
        // The four .gz files in the data folder itself, found there by default ($BACKPROP_DATA or ~/.cache/backprop), not
        // only by --data-dir: they used to be taken as Fashion-MNIST whatever they were.
        using var dir = new TempDir();
        OfficialFiles.CopyFashionMnist(dir.Path);
        var loc = DataLocations.Resolve(null, dir.Path, "/nonexistent", "/another/debian/copy");

        // Debian's copies are recompressed: the published checksums name neither data set, so the user must.
        Assert.Null(DataLocations.IdxKindByChecksum(dir.Path));
        var e = Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose(null, loc));
        Assert.Contains($"'{dir.Path}' holds IDX files, which Fashion-MNIST and MNIST name alike; say which with --dataset", e.Message);
        Assert.Equal("mnist", DataSetChoice.Choose("mnist", loc).Dataset);
        Assert.Equal("fashion-mnist", DataSetChoice.Choose("fashion-mnist", loc).Dataset);

        // Where a label file has a data set's published MD5, that data set it is (here with these files' own checksums
        // given as either data set's).
        var asFashion = OfficialFiles.FashionMnist;
        var asMnist = asFashion with { Kind = DataSetKind.Mnist };
        Assert.Equal(DataSetKind.FashionMnist, DataLocations.IdxKindByChecksum(dir.Path, [RemoteDataSet.Mnist, asFashion]));
        Assert.Equal(DataSetKind.Mnist, DataLocations.IdxKindByChecksum(dir.Path, [RemoteDataSet.FashionMnist, asMnist]));
        DataLocations.IdxChecksumsForTests.Value = [RemoteDataSet.FashionMnist, asMnist];
        var chosen = DataSetChoice.Choose(null, loc);
        Assert.Equal(("mnist", dir.Path), (chosen.Dataset, chosen.Folder));
        Assert.Contains("its IDX files are MNIST's (by their published checksums)", chosen.Reason);
        DataLocations.IdxChecksumsForTests.Value = [asFashion, RemoteDataSet.Mnist];
        Assert.Equal("fashion-mnist", DataSetChoice.Choose(null, loc).Dataset);
        DataLocations.IdxChecksumsForTests.Value = null;
        File.Delete(Path.Combine(dir.Path, "t10k-labels-idx1-ubyte.gz"));   // another file decides as well
        Assert.Equal(DataSetKind.Mnist, DataLocations.IdxKindByChecksum(dir.Path, [asMnist]));
    }

    [Fact]
    public void ADataFolderGivenWithATrailingSlash_IsTheSameFolder_ItsFashionMnistNotCalledDebians()
    {
        using var dir = new TempDir();
        OfficialFiles.CopyFashionMnist(Path.Combine(dir.Path, "fashion-mnist"));
        var loc = DataLocations.Resolve(dir.Path + "/", null, "/nonexistent", TestData.FashionMnistDir);
        Assert.Equal(dir.Path, loc.Root);
        var chosen = DataSetChoice.Choose(null, loc);
        Assert.Equal(Path.Combine(dir.Path, "fashion-mnist"), chosen.Folder);
        Assert.Contains($"because no CIFAR-10 is in the data folder {dir.Path}, and Fashion-MNIST is (choose", chosen.Reason);
        Assert.Equal("/", DataLocations.Resolve("/", null, "/nonexistent", null).Root);
    }

    [Fact]
    public void IdxFilesInTheDataFolder_WhoseChecksumsNameTheOtherDataSet_AreNotThatOneEvenWhenAskedFor()
    {
        // MNIST's files (by their published checksums) in the data folder: --dataset fashion-mnist and data info take
        // Debian's Fashion-MNIST, not MNIST's files under Fashion-MNIST's name.
        using var dir = new TempDir();
        OfficialFiles.CopyFashionMnist(dir.Path);
        var loc = DataLocations.Resolve(null, dir.Path, "/nonexistent", TestData.FashionMnistDir);
        DataLocations.IdxChecksumsForTests.Value = [RemoteDataSet.FashionMnist, OfficialFiles.FashionMnist with { Kind = DataSetKind.Mnist }];
        try
        {
            var chosen = DataSetChoice.Choose("fashion-mnist", loc);
            Assert.Equal(("fashion-mnist", TestData.FashionMnistDir), (chosen.Dataset, chosen.Folder));
            Assert.Equal(TestData.FashionMnistDir, loc.Find(DataSetKind.FashionMnist));
            var survey = loc.Survey().ToDictionary(s => s.Kind);
            Assert.Equal(TestData.FashionMnistDir, survey[DataSetKind.FashionMnist].Path);
            Assert.Equal(dir.Path, survey[DataSetKind.Mnist].Path);
            Assert.Equal(("mnist", dir.Path), (DataSetChoice.Choose("mnist", loc).Dataset, DataSetChoice.Choose("mnist", loc).Folder));
            Assert.Equal("mnist", DataSetChoice.Choose(null, loc).Dataset);

            // And the other way round: Fashion-MNIST's files are not MNIST.
            DataLocations.IdxChecksumsForTests.Value = [OfficialFiles.FashionMnist, RemoteDataSet.Mnist];
            Assert.Null(loc.Find(DataSetKind.Mnist));
            Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose("mnist", loc));
            Assert.Equal(dir.Path, DataSetChoice.Choose("fashion-mnist", loc).Folder);
        }
        finally
        {
            DataLocations.IdxChecksumsForTests.Value = null;
        }
    }

    [Fact]
    public void ADataFolderHoldingIdxFilesItself_IsUsed_NotPassedOverForDebians()
    {
        // torchvision's FashionMNIST/raw, or the four downloaded files, given as the data folder.
        using var dir = new TempDir();
        foreach (var file in Directory.GetFiles(TestData.FashionMnistDir))
            File.CreateSymbolicLink(Path.Combine(dir.Path, Path.GetFileName(file)), file);
        var loc = DataLocations.Resolve(dir.Path, null, "/nonexistent", "/another/debian/copy");
        Assert.Equal(dir.Path, loc.Find(DataSetKind.FashionMnist));
        Assert.Equal(dir.Path, loc.Find(DataSetKind.Mnist));   // the same file names: --dataset says which
        var r = Backprop.Tests.Cli.CliRunner.Run("data", "info", "--data-dir", dir.Path);
        Assert.Contains(dir.Path, r.Out);
    }

    [Fact]
    public void AnIncompleteCopy_PassedOverForDebians_IsSaid()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "fashion-mnist"));
        foreach (var file in Directory.GetFiles(TestData.FashionMnistDir, "train-*"))
            File.CreateSymbolicLink(Path.Combine(dir.Path, "fashion-mnist", Path.GetFileName(file)), file);
        var loc = DataLocations.Resolve(dir.Path, null, "/nonexistent", TestData.FashionMnistDir);
        foreach (var dataset in new string?[] { "fashion-mnist", null })
        {
            var chosen = DataSetChoice.Choose(dataset, loc);
            Assert.Equal(TestData.FashionMnistDir, chosen.Folder);
            Assert.Contains($"'{Path.Combine(dir.Path, "fashion-mnist")}' is incomplete (missing t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz), so it was passed over", chosen.Reason);
        }
    }

    [Fact]
    public void SurveyReportsWhatIsPresentWhere()
    {
        using var dir = new TempDir();
        // An incomplete CIFAR-10 binary folder: five batches, no test batch.
        foreach (var n in Cifar10.BatchFileNames(Cifar10Format.Binary).Take(5)) dir.Write(Path.Combine("cifar-10-batches-bin", n), new byte[Cifar10.RecordBytes * 2]);
        var loc = DataLocations.Resolve(dir.Path, null, "/nonexistent", TestData.FashionMnistDir);
        var survey = loc.Survey().ToDictionary(s => s.Kind);
        Assert.False(survey[DataSetKind.Cifar10Binary].Present);
        Assert.Contains("incomplete (missing test_batch.bin)", survey[DataSetKind.Cifar10Binary].Detail);
        Assert.True(survey[DataSetKind.FashionMnist].Present);
        Assert.Equal("60000 training + 10000 test images.", survey[DataSetKind.FashionMnist].Detail);
        Assert.False(survey[DataSetKind.Mnist].Present);
        Assert.Contains(Path.Combine(dir.Path, "mnist"), survey[DataSetKind.Mnist].Detail);
        // Asked for CIFAR-10, the refusal names the incomplete binary folder too, not only where the python one was looked for.
        var refused = Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose("cifar10", loc));
        Assert.Contains("is incomplete (missing test_batch.bin)", refused.Message);
        Assert.Contains("looked in " + Path.Combine(dir.Path, "cifar-10-batches-py"), refused.Message);
        // Not asked for a data set, Fashion-MNIST is used, and the incomplete CIFAR-10 folder passed over is said.
        Assert.True(survey[DataSetKind.Cifar10Binary].Incomplete);
        Assert.False(survey[DataSetKind.Cifar10Python].Incomplete);
        var chosen = DataSetChoice.Choose(null, loc);
        Assert.Equal("fashion-mnist", chosen.Dataset);
        Assert.Contains($"('{Path.Combine(dir.Path, "cifar-10-batches-bin")}' is incomplete (missing test_batch.bin))", chosen.Reason);

        dir.Write(Path.Combine("cifar-10-batches-bin", "test_batch.bin"), new byte[Cifar10.RecordBytes * 3]);
        var bin = loc.Survey().Single(s => s.Kind == DataSetKind.Cifar10Binary);
        Assert.True(bin.Present);
        Assert.Equal("10 training images in 5 batches + 3 test images.", bin.Detail);
        dir.Write(Path.Combine("cifar-10-batches-bin", "test_batch.bin"), new byte[Cifar10.RecordBytes * 3 - 1]);
        Assert.Equal("10 training images in 5 batches + 2 test images. Not whole 3073-byte records, so cut short: test_batch.bin.",
            loc.Survey().Single(s => s.Kind == DataSetKind.Cifar10Binary).Detail);
        dir.Write(Path.Combine("cifar-10-batches-bin", "test_batch.bin"), new byte[Cifar10.RecordBytes * 3]);

        var text = loc.Describe();
        Assert.Contains($"Data folder: {dir.Path} (from --data-dir)", text);
        Assert.Contains("CIFAR-10 (binary)", text);
        Assert.Contains("MNIST", text);
    }

    [Fact]
    public void SurveyNeverThrowsForAnUnreadableFile()
    {
        using var dir = new TempDir();
        foreach (var n in Idx.StandardFileNames) dir.Write(Path.Combine("mnist", n + ".gz"), [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff]);
        var loc = DataLocations.Resolve(dir.Path, null, "/nonexistent", null);
        var mnist = loc.Survey().Single(s => s.Kind == DataSetKind.Mnist);
        Assert.True(mnist.Present);
        Assert.Contains("unreadable", mnist.Detail);
    }

    [Fact]
    public void DebiansFashionMnistFolder_IsLookedIn_OnlyOnLinux()
    {
        // Elsewhere '/usr/share/datasets/fashion-mnist' is no package's folder (on Windows, one at the current drive's root).
        var places = DataLocations.Resolve("/data/a").CandidateFolders(DataSetKind.FashionMnist);
        Assert.Equal(OperatingSystem.IsLinux(), places.Contains(FashionMnist.DebianDir));
        Assert.Equal(OperatingSystem.IsLinux(), RemoteDataSet.FashionMnist.OtherWays("/data/a").Contains("apt-get"));
    }
}
