using Backprop.Data;
using Backprop.Tests.Data;
using Backprop.Training;

namespace Backprop.Tests.Cli;

/// <summary><c>backprop data info|download</c> and the automatic choice of data set.</summary>
public class CliDataTests
{
    [Fact]
    public void DataInfo_SaysWhatIsWhere_AndWhatTrainWouldUse()
    {
        var r = CliRunner.Run("data", "info", "--data-dir", CliRunner.Cifar10DataDir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("cifar-10-batches-py-first1000", r.Out);
        Assert.Contains("backprop train would use: Using CIFAR-10 (python)", r.Out);
    }

    [Fact]
    public void ARunWhoseDataHasMoved_NamesTheFolderItWasTrainedOn()
    {
        using var tmp = new TempDir();
        var link = tmp.File("data");
        Directory.CreateSymbolicLink(link, CliRunner.Cifar10DataDir);
        var trained = CliRunner.Run("train", "--dataset", "cifar10", "--data-dir", link, "--hidden", "8", "--num-train", "100", "--num-val", "50",
            "--num-test", "50", "--epochs", "1", "--out", tmp.File("run"));
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Directory.Delete(link);
        var r = CliRunner.RunProcess(new Dictionary<string, string> { ["HOME"] = tmp.File("home"), ["BACKPROP_DATA"] = "", ["XDG_CACHE_HOME"] = "" }, "eval", "--model", tmp.File("run"));
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"The run was trained on the data in '{link}", r.Error);
        Assert.Contains("which no longer exists: give --data-dir the folder that now holds cifar-10-batches-", r.Error);
    }

    [Fact]
    public void CtrlCWhileTheDataLoads_WritesNoRunFolder()
    {
        using var tmp = new TempDir();
        using var ctrlC = new CancellationTokenSource();
        ctrlC.Cancel();
        var r = CliRunner.Run(ctrlC.Token, "train", "--dataset", "cifar10", "--data-dir", CliRunner.Cifar10DataDir, "--hidden", "8", "--epochs", "1", "--out", tmp.File("run"));
        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.Contains("Stopped before training began; nothing was written.", r.Out);
        Assert.False(Directory.Exists(tmp.File("run")));
    }

    [Fact]
    public void EvalWithADataDirThatLacksTheData_SaysWhichFolderItUsedInstead()
    {
        using var tmp = new TempDir();
        var trained = CliRunner.Run("train", "--dataset", "fashion-mnist", "--data-dir", TestData.FashionMnistDir, "--hidden", "8", "--num-train", "100",
            "--num-val", "50", "--num-test", "50", "--epochs", "1", "--out", tmp.File("run"));
        Assert.True(trained.ExitCode == 0, trained.ToString());
        Directory.CreateDirectory(tmp.File("empty"));
        var r = CliRunner.Run("eval", "--model", tmp.File("run"), "--data-dir", tmp.File("empty"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Using Fashion-MNIST from {TestData.FashionMnistDir}", r.Error);
        var given = CliRunner.Run("eval", "--model", tmp.File("run"), "--data-dir", TestData.FashionMnistDir);
        Assert.DoesNotContain("Using Fashion-MNIST", given.Error);   // the folder asked for: nothing to say
    }

    [Fact]
    public void AHomeFolderThatDoesNotExist_StillGivesTheDefaultDataFolder()
    {
        // A service user's home (Debian's nobody: /nonexistent): the default folder is a path under it, not an error.
        var r = CliRunner.RunProcess(new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["BACKPROP_DATA"] = "", ["XDG_CACHE_HOME"] = "" }, "data", "info");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Data folder: /nonexistent-home/.cache/backprop (default;", r.Out);
        // $XDG_CACHE_HOME, where set, holds the default folder instead.
        using var tmp = new TempDir();
        var xdg = CliRunner.RunProcess(new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["BACKPROP_DATA"] = "", ["XDG_CACHE_HOME"] = tmp.Path }, "data", "info");
        Assert.True(xdg.ExitCode == 0, xdg.ToString());
        Assert.Contains($"Data folder: {Path.Combine(tmp.Path, "backprop")} (from $XDG_CACHE_HOME; does not exist yet)", xdg.Out);
    }

    [Fact]
    public void TheDataFolderVariable_GetsTheChecksOfDataDir()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("afile"), "");
        foreach (var args in new[] { new[] { "data", "info" }, ["data", "download", "--dataset", "mnist"] })
        {
            var r = CliRunner.RunProcess(new Dictionary<string, string> { ["BACKPROP_DATA"] = tmp.File("afile") }, args);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal($"backprop: $BACKPROP_DATA: '{tmp.File("afile")}' is a file; give the data folder.", Assert.Single(r.ErrorLines));
        }
    }

    [Fact]
    public void ANetworkLargerThanTheMemory_IsRefusedBeforeTraining_NamingItsSize()
    {
        using var tmp = new TempDir();
        // A 512 MB heap: the CIFAR net [5000, 5000] needs 40 million parameters × 6 arrays (Adam) × 4 bytes.
        var r = CliRunner.RunProcess(new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x20000000" },
            "train", "--data-dir", CliRunner.Cifar10DataDir, "--hidden", "5000,5000", "--out", tmp.File("r"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("backprop: --hidden: a network of 40,440,010 parameters trained with adam needs about 1.1 GB (its weights, gradients, update-rule state and best copy, and the images); 0.5 GB are available.",
            Assert.Single(r.ErrorLines));
        Assert.Empty(tmp.Contents());
    }

    [SkippableFact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]   // Unix file modes; skipped elsewhere
    public void ADataFolderThisUserMayNotOpen_IsSaidToBeUnreadable_NotIncomplete()
    {
        // Root may open any folder: the command runs as Debian's nobody (runuser), on a root-owned folder of mode 700.
        // It was said to be "incomplete (missing data_batch_1, …, test_batch)", with advice to download 163 MB.
        string? dotnet = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/sbin/runuser") && dotnet is not null
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(CliRunner.CliVariable)), "needs root, runuser and dotnet, to run the command as another user");
        using var tmp = new TempDir();
        var folder = Directory.CreateDirectory(tmp.File("cifar-10-batches-py"));
        File.WriteAllText(Path.Combine(folder.FullName, "data_batch_1"), "");
        folder.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        new DirectoryInfo(tmp.Path).UnixFileMode |= UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var info = new System.Diagnostics.ProcessStartInfo("/usr/sbin/runuser") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-u", "nobody", "--", dotnet!, Path.Combine(AppContext.BaseDirectory, "Backprop.Cli.dll"), "data", "info", "--data-dir", tmp.Path })
            info.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {error.Result}");
        Assert.Contains($"'{folder.FullName}' cannot be read (permission denied: this user may not open it; fix its permissions, or copy the data somewhere readable)", output);
        Assert.DoesNotContain("incomplete", output);
    }

    [Fact]
    public void ABatchLargerThanTheMemory_IsRefusedBeforeTraining_NamingItsSize()
    {
        // A 2 GiB heap: a small net, but a batch of 300,000 CIFAR images (7.6 GB for one step's arrays). It was
        // announced, then ran out of memory at its first step (exit 1) and left an empty run folder.
        using var tmp = new TempDir();
        var r = CliRunner.RunProcess(new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x80000000" },
            "train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "200", "--num-val", "50", "--num-test", "50", "--hidden", "20",
            "--epochs", "1", "--batch-size", "300000", "--out", tmp.File("r"));
        Assert.Equal(2, r.ExitCode);
        Assert.Matches(@"^backprop: --batch-size: a batch of 300,000 needs about 7\.6 GB for one step's arrays, on top of 0\.0 GB for the network and the images; 2\.\d GB are available: use a smaller batch\.$",
            Assert.Single(r.ErrorLines));
        Assert.DoesNotContain("Training", r.Out);
        Assert.Empty(tmp.Contents());
    }

    [Fact]
    public void HelpAndVersion_RunWithAMalformedThreadsVariable_WhichCommandsStillRefuse()
    {
        var env = new Dictionary<string, string> { ["BACKPROP_THREADS"] = "abc" };
        Assert.Contains("Usage:", CliRunner.RunProcess(env, "train", "--help").Out);
        Assert.Equal(0, CliRunner.RunProcess(env, "--version").ExitCode);
        var r = CliRunner.RunProcess(env, "gradcheck");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("BACKPROP_THREADS: 'abc' is not a thread count", r.Error);
    }

    [SkippableFact]
    public void DataInfo_OnAFolderOfIdxFiles_SaysTrainWouldAskWhich()
    {
        Skip.IfNot(Directory.Exists(FashionMnist.DebianDir), "needs Debian's dataset-fashion-mnist");
        // A copy of Debian's recompressed files elsewhere: their checksums name neither data set. (Debian's own folder
        // is Fashion-MNIST by where it is: DataLocationsTests.DebiansFolderGivenAsTheDataFolder_IsFashionMnist.)
        using var tmp = new TempDir();
        OfficialFiles.CopyFashionMnist(tmp.Path);
        var r = CliRunner.Run("data", "info", "--data-dir", tmp.Path);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("backprop train would ask which:", r.Out);
        Assert.Contains("holds IDX files", CliRunner.Run("train", "--data-dir", tmp.Path, "--epochs", "1").Error);   // as it does
        var debian = CliRunner.Run("data", "info", "--data-dir", FashionMnist.DebianDir);
        Assert.Contains("backprop train would use: Using Fashion-MNIST from /usr/share/datasets/fashion-mnist", debian.Out);
    }

    [Fact]
    public void DataDownload_Unreachable_OneLineExit1_NothingLeft()
    {
        using var tmp = new TempDir();
        var r = CliRunner.Run("data", "download", "--dataset", "fashion-mnist", "--data-dir", tmp.Path,
            "--mirror", $"http://127.0.0.1:{LoopbackServer.FreePort()}/fashion/");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Could not download", Assert.Single(r.ErrorLines));
        Assert.Empty(tmp.Contents());
    }

    [Fact]
    public void AMirrorVariableThatIsNoHttpUrl_IsBadUsageNamingIt_AsMirrorIs()
    {
        using var tmp = new TempDir();
        foreach (var bad in new[] { "file:///srv/mirror/", "mirror.example/mnist" })
        {
            var r = CliRunner.RunProcess(new Dictionary<string, string> { ["BACKPROP_MIRROR"] = bad }, "data", "download", "--dataset", "mnist", "--data-dir", tmp.File("data"));
            Assert.True(r.ExitCode == 2, r.ToString());
            Assert.Equal($"backprop: $BACKPROP_MIRROR: '{bad}' is not an http(s) URL.", Assert.Single(r.ErrorLines));
            Assert.Empty(tmp.Contents());
            var flag = CliRunner.Run("data", "download", "--dataset", "mnist", "--data-dir", tmp.File("data"), "--mirror", bad);
            Assert.Equal($"backprop: --mirror: '{bad}' is not an http(s) URL.", Assert.Single(flag.ErrorLines));
        }
    }

    [Fact]
    public void AFailedDownload_LeavesNoEmptyDataFolder_AlsoWhenTrainStartedIt()
    {
        // train's automatic download goes through DataSource.Download too: a failure left ~/.cache/backprop behind, empty.
        using var server = new LoopbackServer(ctx =>
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
        });
        using var tmp = new TempDir();
        var root = tmp.File("home/.cache/backprop");
        Assert.Throws<DataDownloadException>(() => Backprop.Cli.DataSource.Download(RemoteDataSet.Cifar10Python, root, TextWriter.Null, CancellationToken.None, server.BaseUrl));
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void DataDownload_FromALoopbackMirror_VerifiesAndInstalls()
    {
        // MNIST-format files served from 127.0.0.1 with a checksum that matches: the download lands in <root>/mnist.
        using var tmp = new TempDir();
        var files = RemoteDataSet.Mnist.Files.ToDictionary(f => f.Name, f => File.ReadAllBytes(Path.Combine(TestData.FashionMnistDir, f.Name)));
        var remote = RemoteDataSet.Mnist with
        {
            Files = files.Select(kv => new RemoteFile(kv.Key, Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(kv.Value)))).ToList(),
        };
        using var server = new LoopbackServer(ctx =>
        {
            var bytes = files[Path.GetFileName(ctx.Request.Url!.AbsolutePath)];
            ctx.Response.ContentLength64 = bytes.Length;
            ctx.Response.OutputStream.Write(bytes);
            ctx.Response.Close();
        });
        var output = new StringWriter();
        var folder = Backprop.Cli.DataSource.Download(remote, tmp.Path, output, CancellationToken.None, server.BaseUrl);
        Assert.Equal(Path.Combine(tmp.Path, "mnist"), folder);
        Assert.True(DataLocations.IsComplete(DataSetKind.Mnist, folder));
        Assert.Contains("checking MD5", output.ToString());
    }

    [Fact]
    public void Choose_PrefersCifar10_ThenFashionMnist_ThenDownload_ElseNamesEveryWay()
    {
        using var home = new TempDir();
        var withCifar = DataLocations.Resolve(CliRunner.Cifar10DataDir, null, home.Path, TestData.FashionMnistDir);
        var c = DataSetChoice.Choose(null, withCifar);
        Assert.Equal("cifar10", c.Dataset);
        Assert.Contains("because it is in the data folder", c.Reason);

        using var empty = new TempDir();
        var debianOnly = DataLocations.Resolve(empty.Path, null, home.Path, TestData.FashionMnistDir);
        var f = DataSetChoice.Choose(null, debianOnly);
        Assert.Equal("fashion-mnist", f.Dataset);
        Assert.Contains("dataset-fashion-mnist package is installed", f.Reason);

        var nothing = DataLocations.Resolve(empty.Path, null, home.Path, null);
        var downloaded = DataSetChoice.Choose(null, nothing, remote => remote.Kind == DataSetKind.Cifar10Python ? "/somewhere/cifar-10-batches-py" : throw new InvalidOperationException());
        Assert.Equal("cifar10", downloaded.Dataset);
        Assert.Contains("downloaded", downloaded.Reason);

        var e = Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose(null, nothing,
            remote => throw new DataDownloadException("offline", remote.UrlOf(remote.Files[0]))));
        Assert.Contains("could not be downloaded", e.Message);
        Assert.Contains("backprop data download --dataset cifar10", e.Message);
        Assert.Contains("apt-get install dataset-fashion-mnist", e.Message);
        Assert.Contains("--data-dir", e.Message);
        Assert.Throws<DataSetUnavailableException>(() => DataSetChoice.Choose("mnist", debianOnly));
    }

    [Fact]
    public void SplitSizes_UseWhatTheSubsetHolds_AndRefuseMoreThanThere()
    {
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10PythonDir, ""));
        var resolved = SplitSizes.Resolve(TrainConfig.DefaultFor("cifar10"), images, out var note);
        Assert.Equal((4000, 1000, 1000), (resolved.NumTrain, resolved.NumVal, resolved.NumTest));
        Assert.Contains("holds 5000 training images", note);
        // Refused in the configuration's words (the command line names its own option for the key).
        var train = Assert.Throws<ConfigValueException>(() => SplitSizes.Resolve(TrainConfig.DefaultFor("cifar10") with { NumTrain = 49000 }, images, out _));
        Assert.Equal("num_train", train.Key);
        Assert.StartsWith("49000 training + 1000 validation = 50000 images, but CIFAR-10 in", train.Problem);
        Assert.DoesNotContain("--", train.Message);
        Assert.Equal("num_test", Assert.Throws<ConfigValueException>(() => SplitSizes.Resolve(TrainConfig.DefaultFor("cifar10") with { NumTest = 2000 }, images, out _)).Key);
        Assert.Equal("num_val", Assert.Throws<ConfigValueException>(() => SplitSizes.Resolve(TrainConfig.DefaultFor("cifar10") with { NumVal = 5000 }, images, out _)).Key);
        // Both given: said of the larger.
        Assert.Equal("num_val", Assert.Throws<ConfigValueException>(() => SplitSizes.Resolve(TrainConfig.DefaultFor("cifar10") with { NumTrain = 200, NumVal = 4900 }, images, out _)).Key);
        var explicitSizes = SplitSizes.Resolve(TrainConfig.DefaultFor("cifar10") with { NumTrain = 500, NumVal = 100 }, images, out var none);
        Assert.Equal((500, 100), (explicitSizes.NumTrain, explicitSizes.NumVal));
        Assert.Null(none);
    }
}
