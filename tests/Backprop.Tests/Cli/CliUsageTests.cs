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
    [InlineData("Unknown dataset 'imagenet'", "--dataset", "imagenet")]
    [InlineData("--data-dir: the folder", "--data-dir", "/nonexistent/backprop-data")]
    [InlineData("--num-train 49000 + --num-val 1000 = 50000 images, but CIFAR-10 in", "--num-train", "49000")]
    [InlineData("Unrecognized command or argument '--hiden'", "--hiden", "5")]
    [InlineData("--config: '/nonexistent.json' does not exist", "--config", "/nonexistent.json")]
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
    public void Train_IntoAFolderThatHoldsARun_IsRefused()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("config.json"), "{}");
        var r = CliRunner.Run("train", "--data-dir", CliRunner.Cifar10DataDir, "--out", tmp.Path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("already exists and is not empty", Assert.Single(r.ErrorLines));
        Assert.Equal(["config.json"], tmp.Contents());
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
    }
}
