using Backprop.Cli;
using Backprop.Data;
using Backprop.Training;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

/// <summary>Bad usage: one clear line on stderr, exit code 2, and nothing written.</summary>
public class CliUsageTests
{
    [Theory]
    [InlineData("--hidden: layer sizes must be positive, got 0", "--hidden", "0")]
    [InlineData("--dropout: the keep probability must lie in (0, 1], got 1.5", "--dropout", "1.5")]
    [InlineData("--update-rule: unknown value 'nesterov'", "--update-rule", "nesterov")]
    [InlineData("--reg: 'abc' is not a number", "--reg", "abc")]
    [InlineData("--epochs: must be positive, got 0", "--epochs", "0")]
    [InlineData("--dataset: Unknown dataset 'imagenet'", "--dataset", "imagenet")]
    [InlineData("--data-dir: the folder", "--data-dir", "/nonexistent/backprop-data")]
    [InlineData("--num-train: 49000 training + 1000 validation = 50000 images, but CIFAR-10 in", "--num-train", "49000")]
    [InlineData("--num-test: 2000 test images asked for, but CIFAR-10 in", "--num-test", "2000")]
    [InlineData("--num-val: 5000 validation images leave no training images", "--num-val", "5000")]
    [InlineData("Unrecognized command or argument '--hiden'", "--hiden", "5")]
    [InlineData("--config: '/nonexistent.json' does not exist", "--config", "/nonexistent.json")]
    [InlineData("--batch-size: a batch of 1000000000 makes a 1000000000 × 3072 array (the widest layer), more elements than an array can hold", "--batch-size", "1000000000")]
    [InlineData("--hidden: a layer of 1000000 after one of 3072 needs a 3072 × 1000000 weight matrix, more elements than an array can hold", "--hidden", "1000000")]
    // Within .NET's array limit, but past the 2 GiB a .npz entry holds: refused before training, not an
    // OverflowException (exit 1) at the first checkpoint after an epoch of it.
    [InlineData("--hidden: a layer of 30000 after one of 30000 needs a 30000 × 30000 float32 weight matrix of 3.6 GB, more than model.npz and checkpoint.npz hold per array", "--hidden", "30000,30000")]
    public void Train_BadValue_OneLineExit2_NothingWritten(string message, string option, string value)
    {
        using var tmp = new TempDir();
        var run = tmp.File("run");
        string[] args = option == "--data-dir" ? ["train", option, value, "--out", run] : ["train", "--data-dir", CliRunner.Cifar10DataDir, option, value, "--out", run];
        var r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        var line = Assert.Single(r.ErrorLines);
        Assert.StartsWith("backprop: ", line);
        Assert.Contains(message, line);
        Assert.DoesNotContain(" at ", line);
        Assert.Empty(tmp.Contents());
    }

    [Theory]
    // A mistyped command or option names the token, and the closest name when it is a typo away.
    [InlineData("Unrecognized command or argument 'trian'; did you mean 'train'? (see 'backprop --help')", "trian")]
    [InlineData("Unrecognized command or argument 'dowload'; did you mean 'download'? (see 'backprop data --help')", "data", "dowload")]
    [InlineData("Unrecognized command or argument '--learningrate'; did you mean '--learning-rate'? (see 'backprop train --help')", "train", "--learningrate", "1")]
    [InlineData("Unrecognized command or argument '--verbos'; did you mean '--verbose'?", "eval", "--verbos")]
    [InlineData("Unrecognized command or argument 'frobnicate'. (see 'backprop --help')", "frobnicate")]
    public void UnknownToken_IsNamed_WithTheClosestName(string message, params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("backprop: " + message, Assert.Single(r.ErrorLines));
    }

    [Theory]
    // An option given twice, or a value of the wrong kind, is said in the options' own words (not "expects a single
    // argument" or the type System.Nullable`1[System.Int32]).
    [InlineData("--epochs is given 2 times (1, 2); give it once. (see 'backprop train --help')", "train", "--epochs", "1", "--epochs", "2")]
    [InlineData("--threads: 'abc' is not a whole number. (see 'backprop gradcheck --help')", "gradcheck", "--threads", "abc")]
    [InlineData("--tol: 'x' is not a number. (see 'backprop gradcheck --help')", "gradcheck", "--tol", "x")]
    [InlineData("--input-dim: '2.5' is not a whole number. (see 'backprop gradcheck --help')", "gradcheck", "--input-dim", "2.5")]
    public void OptionErrors_AreSaidInTheOptionsWords(string message, params string[] args)
    {
        var r = CliRunner.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("backprop: " + message, Assert.Single(r.ErrorLines));
    }

    [Theory]
    [InlineData("train", "train", 0)]
    [InlineData("trian", "train", 1)]
    [InlineData("--hiden", "--hidden", 1)]
    [InlineData("plot", "eval", 4)]
    [InlineData("", "data", 4)]
    public void TypoDistance_CountsEdits_WithSwapsAsOne(string a, string b, int edits) =>
        Assert.Equal(edits, Backprop.Cli.Cli.TypoDistance(a, b));

    [Fact]
    public void Train_ConfigValueOutOfRange_NamesTheFileAndKey_UnlessAnOptionGaveIt()
    {
        using var tmp = new TempDir();
        var config = tmp.File("c.json");
        File.WriteAllText(config, """{ "epochs": 0, "dropout": 2 }""");
        var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--config", config, "--epochs", "1", "--out", tmp.File("run"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"backprop: --config {config}: dropout: the keep probability must lie in (0, 1], got 2.", Assert.Single(r.ErrorLines));
        var given = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--config", config, "--dropout", "3", "--epochs", "1", "--out", tmp.File("run"));
        Assert.Contains("backprop: --dropout: the keep probability must lie in (0, 1], got 3.", Assert.Single(given.ErrorLines));
        Assert.Equal(["c.json"], tmp.Contents());
    }

    [Fact]
    public void OtherCommands_BadUsage_Exit2()
    {
        using var tmp = new TempDir();
        Assert.Equal(2, CliRunner.Run("eval", "--model", tmp.File("missing")).ExitCode);
        Assert.Equal(2, CliRunner.Run("predict", "--model", tmp.Path).ExitCode);                       // not a run folder
        Assert.Equal(2, CliRunner.Run("plot", tmp.Path).ExitCode);
        Assert.Equal(2, CliRunner.Run("gradcheck", "--hidden", "-3").ExitCode);
        Assert.Equal(2, CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--learning-rate", "1e-2:1e-4", "--out", tmp.File("s")).ExitCode);
        Assert.Equal(2, CliRunner.Run("train", "--resume", tmp.Path, "--epochs", "3").ExitCode);
        Assert.Equal(2, CliRunner.Run("frobnicate").ExitCode);
        Assert.Empty(tmp.Contents());
    }

    [Fact]
    public void ADumbTerminal_GetsThePlainLines_NotTheLiveDisplay()
    {
        Assert.True(CliConsole.IsLiveTerminal(redirected: false, "xterm-256color"));
        Assert.True(CliConsole.IsLiveTerminal(redirected: false, null));
        Assert.False(CliConsole.IsLiveTerminal(redirected: false, "dumb"));   // no cursor movement: the bar cannot redraw
        Assert.False(CliConsole.IsLiveTerminal(redirected: true, "xterm"));
    }

    [Fact]
    public void AFolderHeldByAnotherWriter_IsBadUsage_LikeAFolderThatHoldsARun()
    {
        // Nothing was written, and another folder (or the same one later) works: exit 2, not the failure code 1.
        Assert.Equal(ExitCodes.Usage, Backprop.Cli.Cli.CodeOf(new FolderInUseException("held")));
        Assert.Equal(ExitCodes.Failure, Backprop.Cli.Cli.CodeOf(new IOException("disk full")));
    }

    [Fact]
    public void ARunFolderBeingTrained_IsSaidSo_ByResumeEvalAndANewRun_BeforeAnyDataIsRead()
    {
        // Before, --resume printed "Resuming …" and loaded the data before the hold refused it, and eval suggested
        // resuming a run that another process was training.
        using var tmp = new TempDir();
        var run = tmp.File("r");
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.json"), TrainConfig.DefaultFor("cifar10").ToJson());
        File.WriteAllBytes(Path.Combine(run, "checkpoint.npz"), [0]);
        using (FolderLock.Acquire(run))
        {
            var resume = CliRunner.Run("train", "--resume", run, "--data-dir", tmp.File("nodata"));
            Assert.Equal(ExitCodes.Usage, resume.ExitCode);
            Assert.Equal($"backprop: The run folder '{run}' is being written by another process (a run training there); wait for it to finish, or choose another folder.",
                Assert.Single(resume.ErrorLines));
            Assert.DoesNotContain("Resuming", resume.Out);
            // A new run given the folder (holding only the other run's config.json) is refused before it announces itself.
            var fresh = CliRunner.Run("train", "--out", run, "--dataset", "cifar10", "--data-dir", CliRunner.Cifar10DataDir, "--epochs", "1");
            Assert.Equal(ExitCodes.Usage, fresh.ExitCode);
            Assert.Equal($"backprop: The run folder '{run}' is being written by another process (a run training there); wait for it to finish, or choose another folder.",
                Assert.Single(fresh.ErrorLines));
            Assert.DoesNotContain("Training", fresh.Out);
            var eval = CliRunner.Run("eval", "--model", run);
            Assert.Equal(ExitCodes.Usage, eval.ExitCode);
            Assert.Equal($"backprop: --model: '{run}' has no model.npz (a run is training there now (another process holds the folder); its model is written when it ends).",
                Assert.Single(eval.ErrorLines));
        }
        // Released: the same folder is resumable again (here it fails on the damaged checkpoint, past the hold).
        Assert.False(FolderLock.IsHeldByAnother(run));
        // A stale lock file (its process killed) is free, and the probe leaves it where it is (a writer may have it open).
        var stale = Path.Combine(run, FolderLock.FileName);
        File.WriteAllText(stale, "");
        Assert.False(FolderLock.IsHeldByAnother(run));
        Assert.True(File.Exists(stale));
        Assert.DoesNotContain("another process", string.Join("\n", CliRunner.Run("eval", "--model", run).ErrorLines));
    }

    [Theory]
    // Each mistake is named as what it is, with the option it was given to.
    [InlineData("--model: the value is empty.", "eval", "--model", "")]
    [InlineData("RUN_DIR: the value is empty.", "plot", " ")]
    [InlineData("--step: must be a positive number, got 0.", "gradcheck", "--step", "0")]
    [InlineData("--mirror: 'ftp://x/' is not an http(s) URL.", "data", "download", "--mirror", "ftp://x/")]
    [InlineData("--config: '{tmp}' is a folder; give the JSON file (a run's is '{tmp}/config.json').", "train", "--config", "{tmp}")]
    [InlineData("--config {tmp}/empty.json: the file is empty; expected a JSON object such as {\"epochs\": 5}.", "train", "--config", "{tmp}/empty.json")]
    [InlineData("--config {tmp}/twice.json: the key 'epochs' is given twice.", "train", "--config", "{tmp}/twice.json")]
    [InlineData("--config {tmp}/cnn.json: dataset: Unknown dataset 'imagenet': use cifar10, fashion-mnist or mnist.", "train", "--config", "{tmp}/cnn.json")]
    // These three named neither the file nor the key.
    [InlineData("--config {tmp}/f16.json: dtype: Unknown dtype 'float16': use float32 or float64.", "train", "--config", "{tmp}/f16.json")]
    [InlineData("--config {tmp}/gn.json: normalization: Unknown normalization 'groupnorm': use none, batchnorm or layernorm.", "train", "--config", "{tmp}/gn.json")]
    [InlineData("--config {tmp}/lbfgs.json: update_rule: Unknown update rule 'lbfgs': use one of sgd, sgd_momentum, sgd_nesterov_momentum, rmsprop, adam, adagrad.", "train", "--config", "{tmp}/lbfgs.json")]
    [InlineData("--data-dir: '{tmp}/empty.json' is a file; give the data folder.", "data", "info", "--data-dir", "{tmp}/empty.json")]
    [InlineData("--data-dir: '{tmp}/empty.json' is a file; give the folder to download into.", "data", "download", "--data-dir", "{tmp}/empty.json")]
    [InlineData("--data-dir: '{tmp}/batches' holds CIFAR-10's batches itself; give the folder that holds it, '{tmp}'.", "train", "--data-dir", "{tmp}/batches")]
    [InlineData("RUN_DIR: '{tmp}/none' does not exist.", "plot", "{tmp}/none")]
    [InlineData("Unrecognized command or argument '--outt'; did you mean '--out'?", "plot", "{tmp}", "--outt", "x.png")]
    [InlineData("--model: '{tmp}/nomodel' has no model.npz (the run stopped before it saved one; 'backprop train --resume {tmp}/nomodel' continues it if it has a checkpoint.npz).", "eval", "--model", "{tmp}/nomodel")]
    [InlineData("--model: '{tmp}/dirmodel' has no model.npz ('{tmp}/dirmodel/model.npz' is a folder, not the model file).", "eval", "--model", "{tmp}/dirmodel")]
    [InlineData("--dropout 0.5:1.2 reaches values the run does not take (the keep probability must lie in (0, 1], got 1.2).", "search", "--data-dir", "{cifar}", "--dropout", "0.5:1.2", "--out", "{tmp}/s")]
    // The Solver's limits, said before any data is read or folder made (and, for a search, before its first trial).
    [InlineData("--epochs 10:1500 reaches values the run does not take (lr_decay 0.5 over 1500 epochs takes the learning rate 0.001 to 0; use a decay nearer 1, or fewer epochs).", "search", "--data-dir", "{cifar}", "--lr-decay", "0.5", "--epochs", "10:1500", "--out", "{tmp}/s")]
    [InlineData("the search ranges (--learning-rate 0.0001:0.01:log, --weight-scale 0.001:0.1:log, --reg 1e-05:0.1:log, --lr-decay 0.5:0.99, --epochs 10:1500) reach together values the run does not take (lr_decay 0.5 over 1500 epochs takes the learning rate 0.0001 to 0; use a decay nearer 1, or fewer epochs).", "search", "--data-dir", "{cifar}", "--lr-decay", "0.5:0.99", "--epochs", "10:1500", "--out", "{tmp}/s")]
    [InlineData("--lr-decay: 0.5 over 5000 epochs takes the learning rate 0.001 to 0; use a decay nearer 1, or fewer epochs.", "train", "--data-dir", "{cifar}", "--epochs", "5000", "--lr-decay", "0.5", "--out", "{tmp}/r")]
    [InlineData("--epochs: 100000000 epochs of 4000 images in batches of 1 are 400000000000 iterations, more than the Solver counts (2147483647).", "train", "--data-dir", "{cifar}", "--epochs", "100000000", "--lr-decay", "1", "--batch-size", "1", "--normalization", "none", "--out", "{tmp}/r")]
    [InlineData("--trials: at most 10000 (each trial is a training run), got 100000000.", "search", "--data-dir", "{cifar}", "--trials", "100000000", "--out", "{tmp}/s")]
    [InlineData("--epochs: takes whole numbers, so the range's ends must be whole, got 1.5:3.", "search", "--data-dir", "{cifar}", "--epochs", "1.5:3", "--out", "{tmp}/s")]
    // A fixed value is blamed for itself, not on a range; a search whose every value is fixed (a run's config.json) is refused.
    [InlineData("--batch-size: batch normalization needs at least 2 samples per batch, got 1.", "search", "--data-dir", "{cifar}", "--batch-size", "1", "--out", "{tmp}/s")]
    [InlineData("nothing to search: every option has a fixed value (a --config file's learning_rate, weight_scale and reg fix them too, as a run's config.json does); give at least one range, e.g. --learning-rate 1e-4:1e-2:log.", "search", "--data-dir", "{cifar}", "--config", "{tmp}/fixed.json", "--out", "{tmp}/s")]
    [InlineData("RUN_DIR: '{tmp}/empty.json' is a file; give the run folder that holds it.", "plot", "{tmp}/empty.json")]
    [InlineData("--dataset: Unknown dataset 'cifar100': use cifar10, fashion-mnist or mnist.", "data", "download", "--dataset", "cifar100")]
    [InlineData("--format: only CIFAR-10 comes in a python and a binary version; mnist is one set of IDX files.", "data", "download", "--dataset", "mnist", "--format", "binary", "--data-dir", "{tmp}")]
    [InlineData("--out: '{tmp}/empty.json' is a file, so no folder can be made in it.", "train", "--data-dir", "{cifar}", "--out", "{tmp}/empty.json/run")]
    [InlineData("--out: the folder '{tmp}/output/phase_1' does not exist.", "predict", "--model", "{tmp}/nomodel", "--out", "{tmp}/output/phase_1/prediction.npy")]
    [InlineData("--out: '{tmp}/empty.json' is a file; give a folder.", "search", "--data-dir", "{cifar}", "--out", "{tmp}/empty.json")]
    [InlineData("--epochs: 99999999999 is too large (at most 2147483647).", "train", "--epochs", "99999999999")]
    [InlineData("--batch-size: -99999999999 is too small.", "train", "--batch-size", "-99999999999")]
    public void Mistakes_AreNamed(string message, params string[] args)
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("empty.json"), "  \n");
        File.WriteAllText(tmp.File("twice.json"), """{"epochs": 2, "epochs": 3}""");
        File.WriteAllText(tmp.File("cnn.json"), """{"dataset": "imagenet"}""");
        File.WriteAllText(tmp.File("f16.json"), """{"dtype": "float16"}""");
        File.WriteAllText(tmp.File("gn.json"), """{"normalization": "groupnorm"}""");
        File.WriteAllText(tmp.File("lbfgs.json"), """{"update_rule": "lbfgs"}""");
        File.WriteAllText(tmp.File("fixed.json"), """{"learning_rate": 0.001, "weight_scale": 0.01, "reg": 0}""");
        Directory.CreateDirectory(tmp.File("batches"));
        Directory.CreateDirectory(tmp.File("nomodel"));
        File.WriteAllText(tmp.File("nomodel/config.json"), "{}");
        Directory.CreateDirectory(tmp.File("dirmodel/model.npz"));   // was said to be a model "removed since"
        File.WriteAllText(tmp.File("dirmodel/config.json"), "{}");
        File.WriteAllText(tmp.File("dirmodel/summary.json"), "{}");
        File.WriteAllBytes(tmp.File("batches/data_batch_1"), [0]);
        var r = CliRunner.Run(args.Select(a => a.Replace("{tmp}", tmp.Path).Replace("{cifar}", CliRunner.Cifar10DataDir)).ToArray());
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("backprop: " + message.Replace("{tmp}", tmp.Path), Assert.Single(r.ErrorLines));
    }

    [Fact]
    public void Choices_TakeAnyCase_AndAFailedDownloadLeavesNoFolder()
    {
        using var tmp = new TempDir();
        // "Adam" is what a config file may say; the option takes it too and records the listed name.
        var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--num-train", "100", "--num-val", "50", "--num-test", "0",
            "--hidden", "10", "--epochs", "1", "--update-rule", "Adam", "--normalization", "None", "--out", tmp.File("run"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var config = TrainConfig.FromJson(File.ReadAllText(tmp.File("run/config.json")));
        Assert.Equal(("adam", "none"), (config.UpdateRule, config.Normalization));
        // Nothing listens on the discard port: the download fails at once, and the folder it made is gone again.
        var d = CliRunner.Run("data", "download", "--dataset", "mnist", "--data-dir", tmp.File("fresh"), "--mirror", "http://127.0.0.1:9/");
        Assert.NotEqual(0, d.ExitCode);
        Assert.Contains("Could not download", d.Error);
        Assert.False(Directory.Exists(tmp.File("fresh")));
    }

    [SkippableFact]
    public void Out_WhereNothingCanBeWritten_IsRefusedBeforeTheWork_NamingTheFolder()
    {
        // /proc takes no new entries, even for root (for whom permissions would not stop anything).
        Skip.IfNot(Directory.Exists("/proc/self"), "needs Linux's /proc");
        string[] small = ["--data-dir", CliRunner.Cifar10DataDir, "--num-train", "100", "--num-val", "50", "--num-test", "0", "--hidden", "10", "--epochs", "1"];
        foreach (var command in new[] { "train", "search" })
        {
            var r = CliRunner.Run([command, .. small, "--out", "/proc/backprop-test-run"]);
            Assert.Equal(2, r.ExitCode);
            Assert.Equal("backprop: --out: nothing can be written in '/proc'.", Assert.Single(r.ErrorLines));
            Assert.DoesNotContain("Training", r.Out);
        }
    }

    [Fact]
    public void Train_IntoAFolderThatHoldsARun_IsRefused()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("config.json"), "{}");
        File.WriteAllText(tmp.File("model.npz"), "");
        var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"backprop: --out: The run folder '{tmp.Path}' already exists and is not empty; choose a new folder (or resume it, if it is an interrupted run).", Assert.Single(r.ErrorLines));
        var s = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.Path);
        Assert.Equal(2, s.ExitCode);
        // The CLI's way to continue a search, not the library's HyperparameterSearch.Resume.
        Assert.Equal($"backprop: --out: The search folder '{tmp.Path}' already exists and is not empty; choose a new folder " +
            $"(or continue an interrupted search with 'backprop search --resume {tmp.Path}').", Assert.Single(s.ErrorLines));
        var onFile = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.File("config.json"));
        Assert.Equal($"backprop: --out: '{tmp.File("config.json")}' is a file; give a folder.", Assert.Single(onFile.ErrorLines));
        var resume = CliRunner.Run("train", "--resume", tmp.Path);
        Assert.Equal(2, resume.ExitCode);
        Assert.Contains("--resume: ", resume.Error);
        Assert.Equal(["config.json", "model.npz"], tmp.Contents());
    }

    [Fact]
    public void Verbose_AddsTheStackTrace_HelpHasExamplesAndExitCodes()
    {
        var r = CliRunner.Run("eval", "--model", "/nonexistent/run", "--verbose");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(" at ", r.Error);
        foreach (var command in new[] { "train", "gradcheck", "search", "eval", "predict", "plot", "data" })
        {
            var help = CliRunner.Run(command, "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("backprop " + command, help.Out);
            Assert.Contains("Example", help.Out);
        }
        Assert.Contains("3 training diverged", CliRunner.Run("train", "--help").Out);
        // Each command lists the codes it returns, once.
        var search = CliRunner.Run("search", "--help").Out;
        Assert.Contains("130 interrupted by Ctrl-C (the trials completed are kept", search);
        Assert.DoesNotContain("gradient check", search);
        var top = CliRunner.Run("--help").Out;
        Assert.Equal(1, top.Split("Exit codes:").Length - 1);
        Assert.Contains("confusion.png", top);
        Assert.Contains("(default 231, the notebooks')", CliRunner.Run("gradcheck", "--help").Out);
    }

    [Fact]
    public void ASignal_StopsCleanly_OnlyACommandThatWatchesForIt_AndOnlyOnce()
    {
        var console = Backprop.Cli.CliConsole.Plain(TextWriter.Null, TextWriter.Null);
        using (var stop = new CancellationTokenSource())
            Assert.False(Backprop.Cli.Cli.AskToStop(console, stop));   // eval, predict, plot, data info: the process ends
        console.StopsCleanly = true;
        using var again = new CancellationTokenSource();
        Assert.True(Backprop.Cli.Cli.AskToStop(console, again));       // train: stop after this iteration
        Assert.True(again.IsCancellationRequested);
        Assert.False(Backprop.Cli.Cli.AskToStop(console, again));      // a second signal ends it now
    }

    [Theory]
    [InlineData(true, "train", "--epochs", "0")]
    [InlineData(true, "search", "--trials", "0")]
    [InlineData(true, "gradcheck", "--tol", "0")]
    [InlineData(true, "data", "download", "--dataset", "imagenet")]
    [InlineData(false, "eval", "--model", "/nonexistent/run")]
    [InlineData(false, "predict", "--model", "/nonexistent/run", "--out", "/nonexistent/p.npy")]
    [InlineData(false, "plot", "--model", "/nonexistent/run")]
    [InlineData(false, "data", "info")]
    public void CommandsThatSaveWork_AskForACleanStop_TheOthersDoNot(bool stopsCleanly, params string[] args)
    {
        // eval and the others ignored SIGTERM and a first Ctrl-C: only a kill ended a long eval.
        var console = Backprop.Cli.CliConsole.Plain(TextWriter.Null, TextWriter.Null);
        Backprop.Cli.Cli.Run(args, console);
        Assert.Equal(stopsCleanly, console.StopsCleanly);
    }
}
