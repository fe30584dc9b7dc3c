using Backprop.Cli;
using Backprop.Data;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

/// <summary>
/// <c>backprop data download --from PATH</c>, and <c>train</c> / <c>data info</c> with only the official archive in the
/// data folder. In-process runs hold the test's own files to their own checksums (<see cref="DataSource.ChecksumsForTests"/>,
/// which flows with this test's calls only); process runs meet the published checksums.
/// </summary>
public class CliArchiveTests
{
    private static readonly string[] SmallRun = ["--hidden", "8", "--num-train", "100", "--num-val", "50", "--num-test", "50", "--epochs", "1"];

    /// <summary>Runs <c>backprop args</c> in this process with the test files' checksums in place of the published ones.</summary>
    private static CliResult RunWithTestChecksums(params string[] args)
    {
        DataSource.ChecksumsForTests.Value = set => set.Kind switch
        {
            DataSetKind.Cifar10Python => OfficialFiles.CifarPython,
            DataSetKind.FashionMnist => OfficialFiles.FashionMnist,
            _ => set,
        };
        try
        {
            return CliRunner.Run(args);
        }
        finally
        {
            DataSource.ChecksumsForTests.Value = null;
        }
    }

    [Fact]
    public void From_AnArchive_SaysWhatItInferred_VerifiesInstalls_AndTheDataTrains()
    {
        using var tmp = new TempDir();
        var archive = OfficialFiles.WriteCifarPythonArchive(tmp.File("Downloads/cifar-10-python.tar.gz"));
        var root = tmp.File("data");
        var r = RunWithTestChecksums("data", "download", "--from", archive, "--data-dir", root);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("'cifar-10-python.tar.gz' is CIFAR-10 (python)'s archive by its name (--dataset cifar10 --format python); its MD5 decides.", lines[0]);
        Assert.Equal($"Installing CIFAR-10 (python) from {archive} into {root}: checking the MD5 of cifar-10-python.tar.gz …", lines[1]);
        Assert.Contains("  cifar-10-python.tar.gz: checking MD5", lines);
        Assert.Contains("  cifar-10-python.tar.gz: extracting", lines);
        Assert.Contains($"Verified against the published MD5: cifar-10-python.tar.gz {OfficialFiles.Md5(OfficialFiles.CifarPythonArchive)}.", lines);
        Assert.Equal($"CIFAR-10 (python) is in {Path.Combine(root, "cifar-10-batches-py")}", lines[^1]);
        Assert.Equal(["cifar-10-batches-py"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));

        var again = RunWithTestChecksums("data", "download", "--from", archive, "--data-dir", root);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists; add --force to install CIFAR-10 (python) again", again.Error);

        var trained = CliRunner.Run(["train", "--data-dir", root, .. SmallRun, "--out", tmp.File("run")]);
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.StartsWith($"Using CIFAR-10 (python) from {Path.Combine(root, "cifar-10-batches-py")} because it is in the data folder", trained.Out);
    }

    [Fact]
    public void From_AFileWithoutThePublishedMd5_Exit1_NamingTheFileBothChecksums_AndAPartialDownload()
    {
        using var tmp = new TempDir();
        var cut = tmp.Write("cifar-10-python.tar.gz", OfficialFiles.CifarPythonArchive[..100_000]);
        var r = CliRunner.Run("data", "download", "--from", cut, "--data-dir", tmp.File("data"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"backprop: {cut}: its MD5 is {OfficialFiles.Md5(File.ReadAllBytes(cut))}, not the published c58f30108f718f92721af3b95e74349a of cifar-10-python.tar.gz: it has 100,000 of the official file's 170,498,071 bytes: a partial or interrupted download? Nothing was installed.",
            Assert.Single(r.ErrorLines));
        Assert.Equal(["cifar-10-python.tar.gz"], tmp.Contents());

        // No archive at all, said so; with the test's checksum it gets past the MD5 and the extraction refuses it, by name.
        var page = tmp.Write("cifar-10-binary.tar.gz", "<html>404</html>"u8.ToArray());
        var notGzip = CliRunner.Run("data", "download", "--from", page, "--data-dir", tmp.File("data"));
        Assert.Equal(1, notGzip.ExitCode);
        Assert.Contains("not the published c32a1d4ab5d03f1284b67883e8d87530 of cifar-10-binary.tar.gz: it is not a gzip file at all", notGzip.Error);
        var own = tmp.Write("mine.tar.gz", "plain text"u8.ToArray());
        DataSource.ChecksumsForTests.Value = set => OfficialFiles.WithChecksums(set, _ => File.ReadAllBytes(own));
        try
        {
            var extracted = CliRunner.Run("data", "download", "--from", own, "--dataset", "cifar10", "--data-dir", tmp.File("data"));
            Assert.Equal(1, extracted.ExitCode);
            Assert.StartsWith($"backprop: {own}: ", extracted.Error);
            Assert.Contains("Nothing was kept.", extracted.Error);
        }
        finally
        {
            DataSource.ChecksumsForTests.Value = null;
        }
        Assert.False(Directory.Exists(tmp.File("data")));
    }

    [Fact]
    public void From_WhatCannotBeInstalled_IsBadUsageNamingIt()
    {
        using var tmp = new TempDir();
        string Error(params string[] args)
        {
            var r = CliRunner.Run(["data", "download", .. args, "--data-dir", tmp.File("data")]);
            Assert.True(r.ExitCode == 2, r.ToString());
            return Assert.Single(r.ErrorLines);
        }
        Assert.Equal($"backprop: --from: '{tmp.File("nothing.tar.gz")}' does not exist.", Error("--from", tmp.File("nothing.tar.gz")));
        var notes = tmp.Write("notes.txt", "x"u8.ToArray());
        Assert.StartsWith($"backprop: --from: cannot tell from its name which data set '{notes}' is", Error("--from", notes));
        Directory.CreateDirectory(tmp.File("empty"));
        Assert.StartsWith($"backprop: --from: '{tmp.File("empty")}' holds none of the official files", Error("--from", tmp.File("empty")));
        Assert.Equal($"backprop: --from: '{tmp.File("empty")}' holds no cifar-10-python.tar.gz.", Error("--from", tmp.File("empty"), "--dataset", "cifar10"));
        Assert.Contains("holds CIFAR-10's batches already extracted", Error("--from", TestData.Cifar10PythonDir));
        Assert.Equal("backprop: --mirror: --from installs from files on this machine; there is nothing to download.", Error("--from", notes, "--mirror", "http://mirror.example/"));
        Assert.Equal(["empty", "notes.txt"], tmp.Contents());
    }

    [Fact]
    public void From_AFolderOfTheFourFashionMnistFiles_TellsWhichByAChecksum_AndTrainsOnIt()
    {
        using var tmp = new TempDir();
        var source = OfficialFiles.CopyFashionMnist(tmp.File("fashion"));
        var root = tmp.File("data");
        var r = RunWithTestChecksums("data", "download", "--from", source, "--data-dir", root);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith($"'{source}' holds Fashion-MNIST, by the MD5 of its t10k-labels-idx1-ubyte.gz (--dataset fashion-mnist).", r.Out);
        Assert.EndsWith($"Fashion-MNIST is in {Path.Combine(root, "fashion-mnist")}\n", r.Out.ReplaceLineEndings("\n"));
        var trained = CliRunner.Run(["train", "--dataset", "fashion-mnist", "--data-dir", root, .. SmallRun, "--out", tmp.File("run")]);
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Assert.StartsWith($"Using Fashion-MNIST from {Path.Combine(root, "fashion-mnist")} (--dataset fashion-mnist)", trained.Out);

        // Debian's copies hold the published checksums of neither data set: which one is asked; named, the check refuses them.
        var unknown = CliRunner.Run("data", "download", "--from", source, "--data-dir", tmp.File("other"));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains($"cannot tell whether '{source}' holds Fashion-MNIST or MNIST, which name their files alike", unknown.Error);
        var named = CliRunner.Run("data", "download", "--from", source, "--dataset", "fashion-mnist", "--data-dir", tmp.File("other"));
        Assert.Equal(1, named.ExitCode);
        Assert.StartsWith($"backprop: {Path.Combine(source, "train-images-idx3-ubyte.gz")}: its MD5 is", named.Error);
        Assert.Contains("not the published 8d4fb7e6c68d591d4c3dfef9ec88bf0d", named.Error);
        Assert.False(Directory.Exists(tmp.File("other")));
    }

    [Fact]
    public void Train_WithOnlyTheArchiveInTheDataFolder_SaysSo_ChecksAndExtractsIt_AndTrains()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        var archive = OfficialFiles.WriteCifarPythonArchive(Path.Combine(root, "cifar-10-python.tar.gz"));
        var info = CliRunner.Run("data", "info", "--data-dir", root);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains($"CIFAR-10 (python)  Its official archive '{archive}'", info.Out);
        Assert.Contains($"backprop train would use: CIFAR-10 (python) from its archive {archive}, after checking its MD5 and extracting it into {Path.Combine(root, "cifar-10-batches-py")}.", info.Out);

        var r = RunWithTestChecksums(["train", "--data-dir", root, .. SmallRun, "--out", tmp.File("run")]);
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Installing CIFAR-10 (python) from {archive} into {root} (the data folder {root} holds its official archive and no extracted copy): checking the MD5 of cifar-10-python.tar.gz …", lines[0]);
        Assert.Contains(lines, l => l.StartsWith($"Using CIFAR-10 (python) from {Path.Combine(root, "cifar-10-batches-py")}, extracted from {archive} after its MD5 matched the published one, because", StringComparison.Ordinal));
        Assert.Equal(["cifar-10-batches-py", "cifar-10-python.tar.gz"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(OfficialFiles.CifarPythonArchive, File.ReadAllBytes(archive));
    }

    [Fact]
    public void Train_WithADamagedArchiveInTheDefaultDataFolder_StopsNamingIt_InsteadOfTakingAnotherDataSet()
    {
        // A real process with a home folder of its own: ~/.cache/backprop holds a cut cifar-10-python.tar.gz (wget stopped).
        using var tmp = new TempDir();
        var root = tmp.File("home/.cache/backprop");
        var archive = tmp.Write("home/.cache/backprop/cifar-10-python.tar.gz", OfficialFiles.CifarPythonArchive[..50_000]);
        var env = new Dictionary<string, string> { ["HOME"] = tmp.File("home"), ["BACKPROP_DATA"] = "", ["XDG_CACHE_HOME"] = "" };
        var info = CliRunner.RunProcess(env, "data", "info");
        Assert.Contains($"backprop train would use: CIFAR-10 (python) from its archive {archive}", info.Out);
        var r = CliRunner.RunProcess(env, ["train", .. SmallRun, "--out", tmp.File("run")]);
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.StartsWith($"Installing CIFAR-10 (python) from {archive} into {root}", r.Out);
        var error = Assert.Single(r.ErrorLines);
        Assert.StartsWith($"backprop: {archive}: its MD5 is {OfficialFiles.Md5(File.ReadAllBytes(archive))}, not the published c58f30108f718f92721af3b95e74349a", error);
        Assert.Contains("a partial or interrupted download?", error);
        Assert.EndsWith($"It was found in the data folder {root}, where CIFAR-10 is looked for first: replace it with a complete copy or remove it, or choose another data set with --dataset.", error);
        Assert.Equal(["cifar-10-python.tar.gz"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        Assert.False(Directory.Exists(tmp.File("run")));
    }

    [Fact]
    public void TrainAndSearch_ExitWith1_ForADamagedArchiveInTheDataFolder_AsTheirHelpSays()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        tmp.Write("data/cifar-10-python.tar.gz", OfficialFiles.CifarPythonArchive[..50_000]);
        foreach (var command in new[] { "train", "search" })
        {
            var help = CliRunner.Run(command, "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("a CIFAR-10 archive in the data folder whose MD5 is not the published one", help.Out.ReplaceLineEndings(" "));
            var r = CliRunner.Run([command, "--data-dir", root, .. SmallRun, "--out", tmp.File(command + "-out")]);
            Assert.True(r.ExitCode == 1, r.ToString());
            Assert.Contains("not the published c58f30108f718f92721af3b95e74349a", Assert.Single(r.ErrorLines));
            Assert.False(Directory.Exists(tmp.File(command + "-out")));
        }
    }

    [Fact]
    public void DataInfo_WithTheArchiveBesideAnIncompleteExtraction_SaysTrainStops_AsTrainDoes()
    {
        using var tmp = new TempDir();
        var root = tmp.File("data");
        OfficialFiles.WriteCifarPythonArchive(Path.Combine(root, "cifar-10-python.tar.gz"));
        tmp.Write("data/cifar-10-batches-py/data_batch_1", [1]);
        var train = CliRunner.Run("train", "--data-dir", root, "--epochs", "1", "--out", tmp.File("run"));
        Assert.True(train.ExitCode == 2, train.ToString());
        var info = CliRunner.Run("data", "info", "--data-dir", root);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.DoesNotContain("backprop train would use", info.Out);
        Assert.Contains($"backprop train would stop: {train.Error.Trim()["backprop: ".Length..]}", info.Out);
        Assert.Contains($"'{Path.Combine(root, "cifar-10-batches-py")}' is in the way", info.Out);
    }
}
