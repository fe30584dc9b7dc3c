using System.CommandLine;
using Backprop.Cli;
using Backprop.Tests.Data;

namespace Backprop.Tests.Cli;

/// <summary>A <c>~</c> the shell left in a path (<c>--out=~/x</c>, <c>BACKPROP_DATA="~/data"</c>) is the home folder, not a folder named <c>~</c>.</summary>
public class CliHomePathTests
{
    private static Dictionary<string, string> Environment(TempDir tmp, string backpropData = "", string cacheHome = "") =>
        new() { ["HOME"] = tmp.File("home"), ["BACKPROP_DATA"] = backpropData, ["XDG_CACHE_HOME"] = cacheHome };

    /// <summary>A home folder holding <c>data</c>, a link to the CIFAR-10 subset, and an empty working folder beside it.</summary>
    private static (string Home, string WorkingDir) HomeAndWorkingDir(TempDir tmp)
    {
        var home = Directory.CreateDirectory(tmp.File("home")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(home, "data"), CliRunner.Cifar10DataDir);
        return (home, Directory.CreateDirectory(tmp.File("cwd")).FullName);
    }

    [Fact]
    public void TrainOutAndDataDir_AfterAnEqualsSign_AreUnderHome_AndNoTildeFolderIsMade()
    {
        using var tmp = new TempDir();
        var (home, cwd) = HomeAndWorkingDir(tmp);
        var r = CliRunner.RunProcessIn(cwd, Environment(tmp), "train", "--dataset", "cifar10", "--data-dir=~/data", "--out=~/runs/x",
            "--hidden", "8", "--num-train", "100", "--num-val", "50", "--num-test", "50", "--epochs", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(File.Exists(Path.Combine(home, "runs", "x", "model.npz")), r.ToString());
        Assert.Contains($"from {Path.Combine(home, "data", "cifar-10-batches-py-first1000")}", r.Out);
        Assert.Contains($"→ {Path.Combine(home, "runs", "x")}", r.Out);
        Assert.Empty(Directory.GetFileSystemEntries(cwd));
    }

    [Fact]
    public void BackpropDataAndXdgCacheHome_WithATilde_AreUnderHome()
    {
        using var tmp = new TempDir();
        var (home, cwd) = HomeAndWorkingDir(tmp);
        var r = CliRunner.RunProcessIn(cwd, Environment(tmp, backpropData: "~/data"), "data", "info");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"Data folder: {Path.Combine(home, "data")} (from $BACKPROP_DATA)", r.Out);
        Assert.Contains("backprop train would use: Using CIFAR-10 (python)", r.Out);
        // $XDG_CACHE_HOME="~/cache" is an absolute path once expanded (PyTorch's hub and Hugging Face expand it too).
        var xdg = CliRunner.RunProcessIn(cwd, Environment(tmp, cacheHome: "~/cache"), "data", "info");
        Assert.True(xdg.ExitCode == 0, xdg.ToString());
        Assert.Contains($"Data folder: {Path.Combine(home, "cache", "backprop")} (from $XDG_CACHE_HOME; does not exist yet)", xdg.Out);
        Assert.Empty(Directory.GetFileSystemEntries(cwd));
    }

    [Fact]
    public void EveryOptionAndArgumentNamingAFileOrFolder_ExpandsTheTilde()
    {
        var console = CliConsole.Plain(TextWriter.Null, TextWriter.Null, CancellationToken.None);
        Command[] commands = [TrainCommand.Create(console), GradcheckCommand.Create(console), SearchCommand.Create(console), EvalCommand.Create(console),
            PredictCommand.Create(console), PlotCommand.Create(console), DataCommand.Create(console)];
        var paths = new List<string>();
        foreach (var command in commands.SelectMany(c => c.Subcommands.Prepend(c)))
        {
            foreach (var option in command.Options.Where(o => o.HelpName is "DIR" or "FILE" or "PATH"))
            {
                Assert.True(option is Option<string> { CustomParser: { } p } && p == UserPath.Parse, $"{command.Name} {option.Name} does not expand ~");
                paths.Add($"{command.Name} {option.Name}");
            }
            foreach (var argument in command.Arguments.Where(a => a.Name.EndsWith("DIR", StringComparison.Ordinal)))
            {
                Assert.True(argument is Argument<string[]> { CustomParser: { } p } && p == UserPath.ParseAll, $"{command.Name} {argument.Name} does not expand ~");
                paths.Add($"{command.Name} {argument.Name}");
            }
        }
        // train, search and gradcheck share --config; train and search --data-dir, --out and --resume; data download has
        // --from; predict has --zip.
        Assert.Equal(21, paths.Count);
        Assert.Contains("predict --zip", paths);
        Assert.Contains("download --from", paths);
    }

    [Fact]
    public void EveryCommand_ReadsItsPathsUnderHome()
    {
        // In this process: its own home folder, and paths there that do not exist, named back expanded.
        var home = Backprop.Data.HomeFolder.Current;
        string missing = "backprop-tests-" + Guid.NewGuid().ToString("N");
        foreach (var args in new[]
        {
            new[] { "eval", "--model", $"~/{missing}" }, ["predict", "--model", $"~/{missing}"], ["plot", $"~/{missing}"],
            ["train", "--resume", $"~/{missing}"], ["search", "--resume", $"~/{missing}"], ["train", "--config", $"~/{missing}"],
            ["data", "info", "--data-dir", $"~/{missing}"], ["data", "download", "--from", $"~/{missing}"],
        })
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == 2, string.Join(' ', args) + "\n" + r);
            Assert.Contains($"'{Path.Join(home.TrimEnd('/'), missing)}'", r.Error);
        }
    }
}
