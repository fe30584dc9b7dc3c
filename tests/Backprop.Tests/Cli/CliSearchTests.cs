using Backprop.Data;
using Backprop.Kernels;
using Backprop.Tests.Kernels;
using System.Globalization;
using Backprop.Tests.Data;
using Backprop.Tests.Plots;
using Backprop.Tensors;
using Backprop.Training;

namespace Backprop.Tests.Cli;

/// <summary><c>backprop search</c>: trials in parallel, results files, the notebooks' scatter, the best model kept.</summary>
[Collection(KernelCollection.Name)]   // reads Parallelism.MaxThreads, which the kernel tests and an in-process --threads set
public class CliSearchTests
{
    [Fact]
    public void ASpelledOutDefaultRange_DrawsTheSameTrials()
    {
        // --weight-scale 1e-3:1e-1:log is the default range; typed, it was drawn first and gave other trials.
        using var tmp = new TempDir();
        string[] common = ["search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--parallel", "1", "--epochs", "1",
            "--num-train", "100", "--num-val", "50", "--num-test", "0", "--hidden", "10", "--seed", "5"];
        var a = CliRunner.Run([.. common, "--out", tmp.File("a")]);
        var b = CliRunner.Run([.. common, "--weight-scale", "1e-3:1e-1:log", "--reg", "1e-5:1e-1:log", "--out", tmp.File("b")]);
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.ToString() + b.ToString());
        string Draws(string dir) => string.Join("\n", File.ReadAllLines(Path.Combine(dir, "results.csv")).Select(l => string.Join(',', l.Split(',')[..5])));
        Assert.Equal(Draws(tmp.File("a")), Draws(tmp.File("b")));
    }

    [Fact]
    public void Search_WritesResultsAndKeepsTheBestModel()
    {
        using var tmp = new TempDir();
        var dir = tmp.File("search");
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "3", "--parallel", "2", "--epochs", "1",
            "--num-train", "200", "--num-val", "100", "--num-test", "100", "--hidden", "20", "--dropout", "0.5:1", "--seed", "3", "--out", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Best: trial ", r.Out);

        var csv = File.ReadAllLines(Path.Combine(dir, "results.csv"));
        // The ranges in one fixed order, typed or not (dropout was drawn first, being typed).
        Assert.Equal("trial,run,learning_rate,weight_scale,reg,dropout,train_acc,val_acc,test_acc,status,seconds,message", csv[0]);
        Assert.Equal(4, csv.Length);
        var rows = csv[1..].Select(l => l.Split(',')).ToList();
        Assert.All(rows, row =>
        {
            Assert.InRange(double.Parse(row[2], CultureInfo.InvariantCulture), 1e-4, 1e-2);
            Assert.InRange(double.Parse(row[3], CultureInfo.InvariantCulture), 1e-3, 1e-1);
            Assert.InRange(double.Parse(row[4], CultureInfo.InvariantCulture), 1e-5, 1e-1);
            Assert.InRange(double.Parse(row[5], CultureInfo.InvariantCulture), 0.5, 1);
            Assert.Equal("completed", row[9]);
        });
        Assert.Equal(3, rows.Select(row => row[2]).Distinct().Count());   // each trial drew its own learning rate

        var best = rows.MaxBy(row => double.Parse(row[7], CultureInfo.InvariantCulture))![1];
        foreach (var row in rows)
        {
            Assert.Equal(row[1] == best, File.Exists(Path.Combine(dir, row[1], "model.npz")));
            Assert.Equal(row[1] == best, RunSummary.Load(Path.Combine(dir, row[1], "summary.json")).Files.Contains("model.npz"));   // it lists what it holds
        }
        // eval of another trial points at the best one by its folder.
        var other = rows.First(row => row[1] != best)[1];
        var e = CliRunner.Run("eval", "--model", Path.Combine(dir, other), "--data-dir", CliRunner.Cifar10DataDir);
        Assert.Equal(2, e.ExitCode);
        Assert.Contains($"a search keeps only its best trial's model: '{Path.Combine(dir, best)}' (val_acc ", e.Error);
        Assert.True(File.Exists(Path.Combine(dir, "results.json")));
        PlotTests.AssertPicture(File.ReadAllBytes(Path.Combine(dir, "search.png")), 900, 840, panels: 2);

        // A trial whose model was not kept says why; the search's own picture is not a plot's --out.
        var loser = rows.First(row => row[1] != best)[1];
        Assert.Contains("it is a search's trial, and a search keeps only its best trial's model",
            CliRunner.Run("eval", "--model", Path.Combine(dir, loser)).Error);
        var plot = CliRunner.Run("plot", Path.Combine(dir, best), "--out", Path.Combine(dir, "search.png"));
        Assert.Equal(2, plot.ExitCode);
        Assert.Contains("is the search's own search.png", plot.Error);

        // The same seed draws the same trials.
        var again = new HyperparameterSearch(TrainConfig.DefaultFor("cifar10") with { Seed = 3, Dropout = 1 },
            [SearchRange.Parse("learning_rate", "1e-4:1e-2:log")], 3,
            ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10PythonDir, "")), tmp.File("unused"));
        Assert.Equal(3, again.TrialConfigs.Select(c => c.LearningRate).Distinct().Count());
        Assert.Empty(Directory.GetDirectories(tmp.Path, "unused"));
    }

    [Fact]
    public void EvalAndPredict_OfASearchFolder_NameItsBestTrial()
    {
        // The notebooks' "best model" after a search is its best trial's folder: a student gives the search folder.
        using var tmp = new TempDir();
        var dir = tmp.File("search");
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--epochs", "1",
            "--num-train", "200", "--num-val", "100", "--num-test", "100", "--hidden", "20", "--seed", "3", "--out", dir);
        Assert.True(r.ExitCode == 0, r.ToString());
        var best = SearchResult.Load(Path.Combine(dir, "results.json")).Best!;
        foreach (var command in new[] { "eval", "predict" })
        {
            var e = CliRunner.Run(command, "--model", dir);
            Assert.Equal(2, e.ExitCode);
            Assert.Equal($"backprop: --model: '{dir}' is a search folder, not a run folder; its best trial (val_acc {best.ValAcc!.Value.ToString("0.####", CultureInfo.InvariantCulture)}) is '{Path.Combine(dir, best.Run)}': give that.",
                e.Error.Trim());
        }
        var ok = CliRunner.Run("eval", "--model", Path.Combine(dir, best.Run), "--json");
        Assert.True(ok.ExitCode == 0, ok.ToString());

        // A search with no results yet (killed in its first trial): its trial folders, and how to continue it.
        var started = tmp.File("started");
        Directory.CreateDirectory(started);
        File.Copy(Path.Combine(dir, "search.json"), Path.Combine(started, "search.json"));
        var s = CliRunner.Run("eval", "--model", started);
        Assert.Equal(2, s.ExitCode);
        Assert.Contains($"'{started}' is a search folder, not a run folder, and its search has written no results.json yet", s.Error);
        Assert.Contains($"'backprop search --resume {started}' continues it", s.Error);
        Assert.Single(s.Error.Trim().Split('\n'));

        // A folder that is neither is still "not a run folder".
        Assert.Contains("is not a run folder: it has no config.json", CliRunner.Run("eval", "--model", tmp.File("")).Error);
    }

    [Fact]
    public void Search_NeverPicksAModelWhoseScoresOverflow()
    {
        // Learning rates up to 1e30: some trials' weights overflow. Their argmax of NaN is class 0, an "accuracy" that
        // once beat the finite trials and deleted their models.
        using var tmp = new TempDir();
        var search = new HyperparameterSearch(TrainConfig.DefaultFor("cifar10") with
            {
                NumTrain = 300, NumVal = 100, NumTest = 100, Hidden = [10], Normalization = "none", Dropout = 1,
                UpdateRule = "sgd", WeightScale = 1e-3, Reg = 0, Epochs = 1, Seed = 1,   // seed 1: completed trials among them
            },
            [SearchRange.Parse("learning_rate", "1e-3:1e30:log")], 8,
            ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, "")), tmp.File("s")) { Parallel = 2 };
        var result = search.Run();
        var summaries = result.Trials.Select(t => RunSummary.Load(Path.Combine(tmp.File("s"), t.Run, "summary.json"))).ToList();
        Assert.Contains(summaries, s => !s.ScoresFinite);
        Assert.Contains(summaries, s => s.ScoresFinite);
        Assert.NotNull(result.Best);
        Assert.True(summaries[result.Best.Trial].ScoresFinite);
        Assert.Equal(RunStatus.Completed, result.Best.Status);
        // Such a trial has no accuracies: not 0 (it coloured the plot as the worst trial), and not a test accuracy taken
        // from an argmax of NaN (class 0's share of the test set, which beat trials that really trained).
        var csv = File.ReadAllLines(tmp.File("s/results.csv"));
        foreach (var t in result.Trials.Where(t => !summaries[t.Trial].ScoresFinite))
        {
            Assert.Equal((null, null, null, RunStatus.Diverged), (t.TrainAcc, t.ValAcc, t.TestAcc, t.Status));
            Assert.Contains("The saved model's scores (or batch-norm running statistics) are not finite", t.Message);
            Assert.Equal(["", "", "", "diverged"], csv[t.Trial + 1].Split(',')[4..8]);
            // Its model went (only the best completed trial keeps one), and its message says so where it said the
            // best parameters were kept.
            Assert.False(File.Exists(Path.Combine(tmp.File("s"), t.Run, "model.npz")));
            Assert.EndsWith(HyperparameterSearch.ModelDeletedNote, t.Message);
            Assert.Equal(t.Message, summaries[t.Trial].Message);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(t.Message!, "deleted this trial's model"));
        }
        Assert.All(result.Trials.Where(t => summaries[t.Trial].ScoresFinite), t => Assert.NotNull(t.TestAcc));
        Assert.True(RunFolder.Evaluate(Path.Combine(tmp.File("s"), result.Best.Run), ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""))).ValAcc > 0);
    }

    [Fact]
    public void TwoSearchesGivenOneFolder_TheSecondIsRefused_WhileTheFirstWrites()
    {
        // Before, both ran, and each deleted the other's losing models: no model.npz was left anywhere.
        using var tmp = new TempDir();
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 0, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 };
        HyperparameterSearch Search(uint seed) => new(config with { Seed = seed }, [SearchRange.Parse("learning_rate", "1e-4:1e-2:log")], 2, images, tmp.File("s")) { Parallel = 1 };
        var first = Search(0);
        var second = Search(7);
        IOException? refused = null;
        first.TrialCompleted += t => { if (t.Trial == 0) refused = Assert.Throws<FolderInUseException>(() => second.Run()); };
        var result = first.Run();
        Assert.Contains("is being written by another process", refused!.Message);
        Assert.True(File.Exists(Path.Combine(tmp.File("s"), result.Best!.Run, "model.npz")));
        Assert.Contains("was filled by another process", Assert.Throws<FolderInUseException>(() => second.Run()).Message);
    }

    [Fact]
    public void RunCalledTwice_SaysItAlreadyRan_NotAnotherProcess()
    {
        using var tmp = new TempDir();
        var search = new HyperparameterSearch(TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 0, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 },
            [SearchRange.Parse("learning_rate", "1e-4:1e-2:log")], 1,
            ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, "")), tmp.File("s")) { Parallel = 1 };
        search.Run();
        var e = Assert.Throws<InvalidOperationException>(() => search.Run());
        Assert.Contains("This search has already run", e.Message);
        Assert.DoesNotContain("another process", e.Message);
    }

    [Fact]
    public async Task OverlappingSearches_LeaveTheProcessThreadCountAlone()
    {
        // Each search used to set the process-wide count for its trials and put back what it had read: overlapping,
        // they left the process on one thread for good.
        int saved = Parallelism.MaxThreads;
        Parallelism.MaxThreads = 2;
        try
        {
            using var tmp = new TempDir();
            var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));
            var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 0, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 };
            var searches = new[] { 2, 4 }.Select(trials => new HyperparameterSearch(config, [SearchRange.Parse("learning_rate", "1e-4:1e-2:log")], trials, images, tmp.File($"s{trials}")) { Parallel = 2 }).ToList();
            var results = await Task.WhenAll(searches.Select(s => Task.Run(() => s.Run())));
            Assert.Equal(2, Parallelism.MaxThreads);
            foreach (var result in results)
                foreach (var trial in result.Trials)
                    Assert.Equal(1, RunSummary.Load(Path.Combine(result.SearchDir, trial.Run, "summary.json")).Threads);   // its share
        }
        finally
        {
            Parallelism.MaxThreads = saved;
        }
    }

    [Fact]
    public void Search_TrialThatFails_IsRecordedAsFailed_AndTheSearchGoesOn()
    {
        // Before, the error left Run: no results.csv, results.json or search.png, and every finished trial kept its model.
        using var tmp = new TempDir();
        var search = new HyperparameterSearch(TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 0, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 },
            [SearchRange.Parse("learning_rate", "1e-4:1e-2:log")], 3,
            ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, "")), tmp.File("s")) { Parallel = 1 };
        // The second trial's run folder cannot be made: a file is in its way.
        var seen = new List<SearchTrial>();
        search.TrialCompleted += t =>
        {
            seen.Add(t);
            if (t.Trial == 0) File.WriteAllText(tmp.File("s/trial-001"), "in the way");
        };
        var result = search.Run();
        Assert.Equal([0, 1, 2], seen.Select(t => t.Trial));
        Assert.Equal([RunStatus.Completed, RunStatus.Failed, RunStatus.Completed], result.Trials.Select(t => t.Status));
        var failed = result.Trials[1];
        Assert.Contains("trial-001", failed.Message);
        Assert.Contains("cannot be written", failed.Message);
        Assert.Equal((null, null, null), (failed.TrainAcc, failed.ValAcc, failed.TestAcc));
        Assert.NotEqual(1, result.Best!.Trial);
        Assert.False(result.Interrupted);
        Assert.Contains(",failed,", File.ReadAllLines(tmp.File("s/results.csv"))[2]);
        Assert.True(File.Exists(tmp.File("s/results.json")));
        Assert.True(File.Exists(tmp.File("s/search.png")));
        foreach (var t in result.Trials.Where(t => t.Status != RunStatus.Failed))
            Assert.Equal(t == result.Best, File.Exists(tmp.File($"s/{t.Run}/model.npz")));   // only the best keeps its model
    }

    [Theory]
    [InlineData("1e-4:1e-2:log", 1e-4, 1e-2, true)]
    [InlineData("0:0.5", 0, 0.5, false)]
    public void SearchRange_Parses(string text, double lo, double hi, bool log)
    {
        Assert.Equal(new SearchRange("reg", lo, hi, log), SearchRange.Parse("reg", text));
    }

    [Theory]
    [InlineData("1e-2:1e-4")]
    [InlineData("0:1:log")]
    [InlineData("a:b")]
    [InlineData("1:2:lin")]
    public void SearchRange_RejectsBadRanges(string text) =>
        Assert.Throws<ArgumentException>(() => SearchRange.Parse("reg", text));

    [Fact]
    public void Search_TakesTheConfigFilesValues_AsFixed()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("c.json"), """{"dataset": "cifar10", "learning_rate": 0.005, "weight_scale": 0.02, "reg": 0}""");
        var r = CliRunner.Run("search", "--config", tmp.File("c.json"), "--data-dir", CliRunner.Cifar10DataDir, "--trials", "1", "--epochs", "1",
            "--num-train", "100", "--num-val", "50", "--num-test", "0", "--hidden", "10", "--dropout", "0.5:1", "--out", tmp.File("s"));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("Searching dropout in [0.5, 1]: 1 trial, 1 at a time", r.Out);   // only the range given
        var config = TrainConfig.FromJson(File.ReadAllText(tmp.File("s/trial-000/config.json")));
        Assert.Equal((0.005, 0.02, 0.0), (config.LearningRate, config.WeightScale, config.Reg));
    }

    [Fact]
    public void Search_WhereEveryTrialDiverges_SaysSo_AndExits3()
    {
        // Before: the trial lines, then nothing (no Best line, no word of it) and exit 0.
        using var tmp = new TempDir();
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--epochs", "1", "--num-train", "100",
            "--num-val", "50", "--num-test", "50", "--hidden", "10", "--normalization", "none", "--dropout", "1", "--reg", "0",
            "--weight-scale", "1e30", "--learning-rate", "1e-3:1e-2:log", "--out", tmp.File("s"));
        Assert.True(r.ExitCode == 3, r.ToString());
        Assert.Contains("backprop: no trial produced a usable model: all 2 trials diverged or had no accuracy check; trial 0: Training diverged", r.Error);
        Assert.Contains($"The trials' messages are in results.csv and results.json in {tmp.File("s")}.", r.Error);
        Assert.DoesNotContain("Best:", r.Out);

        // Diverging after the first check (so each trial has a validation accuracy, from its untrained start): still
        // no best, and exit 3, as train's for a diverged run. Before, the first trial was "Best" at below chance, exit 0.
        var late = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--epochs", "1", "--num-train", "1000",
            "--num-val", "50", "--num-test", "50", "--hidden", "50", "--normalization", "none", "--dropout", "1", "--reg", "0",
            "--update-rule", "sgd", "--weight-scale", "1", "--learning-rate", "1e3:1e4:log", "--out", tmp.File("late"));
        Assert.True(late.ExitCode == 3, late.ToString());
        var result = SearchResult.Load(tmp.File("late/results.json"));
        Assert.All(result.Trials, t => Assert.Equal(RunStatus.Diverged, t.Status));
        Assert.Contains(result.Trials, t => t.ValAcc is not null);
        Assert.Null(result.Best);
        Assert.DoesNotContain("Best:", late.Out);
        Assert.All(result.Trials, t => Assert.False(File.Exists(tmp.File($"late/{t.Run}/model.npz"))));
        // eval of a trial says there is no best trial to turn to (it said results.json named one).
        var noBest = CliRunner.Run("eval", "--model", tmp.File("late/trial-000"), "--data-dir", CliRunner.Cifar10DataDir);
        Assert.Equal(2, noBest.ExitCode);
        Assert.Contains($"a search keeps only its best completed trial's model; no trial of this search completed with one ('{tmp.File("late/results.json")}')", noBest.Error);
    }

    [Fact]
    public void SearchVerdict_TrialsThatFailed_Exit1_WithTheFirstReason()
    {
        SearchTrial T(int i, string status, double? val = null, string? message = null) => new() { Trial = i, Run = $"trial-00{i}", Status = status, ValAcc = val, Message = message };
        var io = "IOException: The run folder '/s/trial-001' cannot be written (disk full).";
        var some = new SearchResult { SearchDir = "/s", Trials = [T(0, RunStatus.Completed, 0.3), T(1, RunStatus.Failed, message: io)], Best = T(0, RunStatus.Completed, 0.3) };
        var (code, problem) = Backprop.Cli.SearchCommand.Verdict(some);
        Assert.Equal(1, code);
        Assert.Equal("1 of 2 trials failed (trial 1: IOException: The run folder '/s/trial-001' cannot be written (disk full)); the best of the others (trial 0) is kept. " +
            "The trials' messages are in results.csv and results.json in /s.", problem);
        var all = some with { Trials = [T(0, RunStatus.Failed, message: io), T(1, RunStatus.Failed, message: io)], Best = null };
        Assert.Equal((1, "no trial produced a usable model: all 2 trials failed; trial 0: " + io.TrimEnd('.') + ". The trials' messages are in results.csv and results.json in /s."),
            Backprop.Cli.SearchCommand.Verdict(all));
        Assert.Equal((130, null), Backprop.Cli.SearchCommand.Verdict(all with { Interrupted = true }));
        Assert.Equal((0, null), Backprop.Cli.SearchCommand.Verdict(some with { Trials = [some.Trials[0]] }));
    }

    [Fact]
    public void SearchPicture_ShowsTheOptionsThatVaried()
    {
        // search.png was always learning rate against weight scale: a search of reg alone drew every trial on one spot.
        using var tmp = new TempDir();
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "3", "--epochs", "1", "--num-train", "100",
            "--num-val", "50", "--num-test", "0", "--hidden", "10", "--learning-rate", "1e-3", "--weight-scale", "1e-2", "--reg", "0:0.1", "--out", tmp.File("s"));
        Assert.True(r.ExitCode == 0, r.ToString());
        PlotTests.AssertPicture(File.ReadAllBytes(tmp.File("s/search.png")), 900, 420);   // one panel: accuracy against reg
        var saved = SearchResult.Load(tmp.File("s/results.json"));
        Assert.Equal([new SearchRange("reg", 0, 0.1, false)], saved.Ranges);   // what a redraw draws against
        Assert.Equal("cifar10", saved.Dataset);

        SearchRange R(string name, double lo, double hi, bool log = false) => new(name, lo, hi, log);
        // The notebooks' pair when both varied, whatever order the options came in; then the others in a fixed order;
        // a range of one value does not vary.
        Assert.Equal(["learning_rate", "weight_scale"], SearchPicture.Axes([R("reg", 1e-5, 0.1, true), R("weight_scale", 1e-3, 0.1, true), R("learning_rate", 1e-4, 1e-2, true)]).Select(a => a.Name));
        Assert.Equal(["reg", "dropout"], SearchPicture.Axes([R("dropout", 0.5, 1), R("learning_rate", 1e-3, 1e-3, true), R("reg", 0, 0.1)]).Select(a => a.Name));
        Assert.Empty(SearchPicture.Axes([R("epochs", 3, 3)]));
    }

    [Fact]
    public void Plot_OfASearchFolder_RedrawsItsPicture()
    {
        // Before: "is not a run folder (no history.json)", and nothing redrew search.png.
        using var tmp = new TempDir();
        var s = tmp.File("s");
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--epochs", "1", "--num-train", "100",
            "--num-val", "50", "--num-test", "0", "--hidden", "10", "--out", s);
        Assert.True(r.ExitCode == 0, r.ToString());
        var drawn = File.ReadAllBytes(Path.Combine(s, "search.png"));
        File.Delete(Path.Combine(s, "search.png"));
        var plot = CliRunner.Run("plot", s);
        Assert.True(plot.ExitCode == 0, plot.ToString());
        Assert.Contains($"Wrote {Path.Combine(s, "search.png")}", plot.Out);
        Assert.Equal(drawn, File.ReadAllBytes(Path.Combine(s, "search.png")));   // the same picture, from results.json
        Assert.Equal(0, CliRunner.Run("plot", s, "--out", tmp.File("copy.png")).ExitCode);
        PlotTests.AssertPicture(File.ReadAllBytes(tmp.File("copy.png")), 900, 840, panels: 2);

        // Among runs to compare, a search folder is pointed at its trials; a folder that is neither says both.
        var mixed = CliRunner.Run("plot", s, Path.Combine(s, "trial-000"));
        Assert.Equal(2, mixed.ExitCode);
        Assert.Contains($"'{s}' is a search folder: give it alone to redraw its search.png, or its trial folders", mixed.Error);
        Directory.CreateDirectory(tmp.File("empty"));
        Assert.Contains("is not a run folder (no history.json) or a search folder (no results.json)", CliRunner.Run("plot", tmp.File("empty")).Error);
        // A search killed before its first results (search.json, no results.json): said as eval says it.
        Directory.CreateDirectory(tmp.File("killed"));
        File.Copy(Path.Combine(s, "search.json"), tmp.File("killed/search.json"));
        Assert.Contains($"RUN_DIR: '{tmp.File("killed")}' is a search folder, not a run folder, and its search has written no results.json yet (running, or killed: 'backprop search --resume {tmp.File("killed")}' continues it)",
            CliRunner.Run("plot", tmp.File("killed")).Error);
        // The same run twice was drawn as two identical series.
        var twice = CliRunner.Run("plot", Path.Combine(s, "trial-000"), Path.Combine(s, "trial-000") + "/", "--out", tmp.File("twice.png"));
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains($"RUN_DIR: '{Path.Combine(s, "trial-000")}' is given 2 times; give each run once.", twice.Error);
        Assert.False(File.Exists(tmp.File("twice.png")));
    }

    [Fact]
    public void TwoLayerDropoutRange_IsBlamedForItsOwnValues_NotTheDataSetDefault()
    {
        // The range counted as a chosen dropout, so the twolayer default (1) was not applied and the error named the
        // data set's default keep probability, a value the user never gave.
        using var tmp = new TempDir();
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--model", "twolayer", "--dropout", "0.5:1", "--trials", "2", "--out", tmp.File("s"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--dropout 0.5:1 reaches values the run does not take (the twolayer model has no dropout", r.Error);
        Assert.Contains("(got 0.5)", r.Error);
    }

    [Theory]
    [InlineData("1:3")]
    [InlineData("1:3:log")]
    public void SearchRange_WholeNumbers_AreDrawnEvenly_EndsIncluded(string text)
    {
        var range = SearchRange.Parse("epochs", text);
        var rng = new NumpyRandom(0);
        var counts = new int[4];
        for (int i = 0; i < 30_000; i++) counts[(int)range.Sample(rng)]++;
        Assert.Equal(0, counts[0]);
        if (range.Log)
        {
            // log10 uniform on [log 1, log 4): 1 with probability log(2)/log(4) = 1/2, 2 with log(1.5)/log(4), 3 the rest.
            Assert.InRange(counts[1] / 30_000.0, 0.49, 0.51);
            Assert.InRange(counts[2] / 30_000.0, 0.282, 0.303);
        }
        else
            foreach (var c in counts[1..]) Assert.InRange(c / 30_000.0, 0.32, 0.347);   // rounding gave 0.25 / 0.5 / 0.25
    }

    [Fact]
    public void SearchRange_MadeDirectly_IsCheckedToo()
    {
        // Before, a log range through 0 drew NaN, and an unknown name failed only when a draw was applied.
        Assert.Contains("needs positive ends", Assert.Throws<ArgumentException>(() => new SearchRange("learning_rate", -1e-2, 1e-2, Log: true)).Message);
        Assert.Contains("'lr' cannot be searched", Assert.Throws<ArgumentException>(() => new SearchRange("lr", 1e-4, 1e-2, Log: true)).Message);
        Assert.Contains("the lower first", Assert.Throws<ArgumentException>(() => new SearchRange("reg", 1, 0, Log: false)).Message);
        Assert.Throws<ArgumentException>(() => new SearchRange("reg", 0, double.PositiveInfinity, Log: false));
    }

    [Fact]
    public void SearchRange_CannotBeChangedPastItsChecks()
    {
        // Init accessors let `range with { Low = 5 }` or `with { Log = true }` (a log range through 0, drawing NaN) past
        // the constructor's checks: the properties are read-only now, so `with` can only copy.
        foreach (var p in typeof(SearchRange).GetProperties().Where(p => p.DeclaringType == typeof(SearchRange) && !p.GetMethod!.IsStatic))
            Assert.True(p.SetMethod is null, $"SearchRange.{p.Name} can be set");
        var range = new SearchRange("reg", -1, 1, false);
        Assert.Equal(range, range with { });
    }

    [Fact]
    public void Search_RefusesTwoRangesForOneOption()
    {
        // The second draw overwrote the first, and results.csv had the header …,reg,reg,… with one value twice.
        using var tmp = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => new HyperparameterSearch(TrainConfig.DefaultFor("cifar10"),
            [new SearchRange("reg", 0, 0.1, false), new SearchRange("reg", 1e-3, 0.1, true)], 2,
            ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, "")), tmp.File("s")));
        Assert.Contains("reg is searched by 2 ranges (0:0.1 and 0.001:0.1:log); give one range per option.", e.Message);
    }

    [Fact]
    public void WholeNumberRanges_PastInt_NameTheValue_NotAClampedOne()
    {
        // (int)Math.Round saturated: epochs 1:1e10 ran trials of 2147483647 epochs, and errors quoted that number.
        var e = Assert.Throws<ArgumentException>(() => SearchRange.Parse("epochs", "1:3e9"));
        Assert.Contains("--epochs: 3e9 (in 1:3e9) is too large; the largest whole number it takes is 2147483647.", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SearchRange("batch_size", 1e20, 1e20, false));
        Assert.Contains("batch_size: 1E+20 is too large", e.Message);
        Assert.Equal(int.MaxValue, SearchRange.Parse("epochs", "1:2147483647").High);

        using var tmp = new TempDir();
        var r = CliRunner.Run("search", "--data-dir", CliRunner.Cifar10DataDir, "--epochs", "1:1e10", "--trials", "2", "--out", tmp.File("s"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--epochs: 1e10 (in 1:1e10) is too large; the largest whole number it takes is 2147483647.", r.Error);
        Assert.DoesNotContain("2147483647 epochs", r.Error);
    }

    [Fact]
    public void ResumedSearch_ADamagedTrialFails_AloneAndTheEditedSearchFilesAreNamed()
    {
        using var tmp = new TempDir();
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 };
        using var ctrlC = new CancellationTokenSource();
        var cut = new HyperparameterSearch(config, [SearchRange.Parse("learning_rate", "1e-3:1e-1:log")], 2, images, tmp.File("s")) { Parallel = 1 };
        cut.TrialCompleted += _ => ctrlC.Cancel();
        Assert.True(cut.Run(ctrlC.Token).Interrupted);
        // Trial 1 as a run killed after its first checkpoint, whose checkpoint was then cut short.
        Directory.CreateDirectory(tmp.File("s/trial-001"));
        File.WriteAllText(tmp.File("s/trial-001/config.json"), cut.TrialConfigs[1].ToJson());
        File.WriteAllBytes(tmp.File("s/trial-001/checkpoint.npz"), [0x50, 0x4b, 0x03]);
        // Trial 0 as a run killed after its summary, before deleting its checkpoint: finished, and the checkpoint goes.
        File.WriteAllBytes(tmp.File("s/trial-000/checkpoint.npz"), [1, 2, 3]);

        var result = HyperparameterSearch.Resume(tmp.File("s"), images).Run();
        Assert.False(File.Exists(tmp.File("s/trial-000/checkpoint.npz")));
        Assert.Equal(RunStatus.Completed, result.Trials[0].Status);
        Assert.Equal(RunStatus.Failed, result.Trials[1].Status);
        Assert.Contains("trial-001 cannot be continued: ", result.Trials[1].Message);
        Assert.Contains("delete its folder to run the trial again", result.Trials[1].Message);

        // Hand-edited search files: the refusal names the file.
        string spec = tmp.File("s/search.json"), results = tmp.File("s/results.json");
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("\"update_rule\": \"adam\"", "\"update_rule\": \"adamw\""));
        Assert.StartsWith($"{spec}: config: update_rule: Unknown update rule 'adamw'",
            Assert.Throws<InvalidDataException>(() => HyperparameterSearch.Resume(tmp.File("s"), images)).Message);
        File.WriteAllText(results, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(results), "\"low\": [^,\\s]+", "\"low\": -1"));
        var e = Assert.Throws<InvalidDataException>(() => SearchResult.Load(results));
        Assert.StartsWith($"{results}: ", e.Message);
    }

    [Fact]
    public void ResumedSearch_WhoseBestIsNowDamaged_NamesNoBestWithoutAModel()
    {
        // The first run kept only its best trial's model; that trial's summary is then damaged, so it fails on resuming.
        // The next in line lost its model in the first run: it must not be called the best.
        using var tmp = new TempDir();
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [8], Epochs = 1, BatchSize = 50, Dropout = 1 };
        var first = new HyperparameterSearch(config, [SearchRange.Parse("learning_rate", "1e-3:1e-1:log")], 3, images, tmp.File("s")) { Parallel = 1 }.Run();
        Assert.NotNull(first.Best);
        File.WriteAllText(tmp.File($"s/{first.Best.Run}/summary.json"), "{\"status\": \"compl");

        var resumed = HyperparameterSearch.Resume(tmp.File("s"), images).Run();
        Assert.Equal(RunStatus.Failed, resumed.Trials[first.Best.Trial].Status);
        Assert.Null(resumed.Best);
        var (code, problem) = Backprop.Cli.SearchCommand.Verdict(resumed);
        Assert.Equal(1, code);
        Assert.Contains("2 completed, but none still has its model.npz", problem);
        Assert.True(File.Exists(tmp.File($"s/{first.Best.Run}/model.npz")));   // the damaged trial's model is not deleted
    }

    [Fact]
    public void InterruptedSearch_Resumed_EqualsTheUninterruptedOne()
    {
        // Before, trials not started could never be run into the folder, and a resumed trial left results.* stale.
        using var tmp = new TempDir();
        var images = ImageData.Load(new DataSetChoice("cifar10", TestData.Cifar10BinaryDir, ""));
        var config = TrainConfig.DefaultFor("cifar10") with { NumTrain = 100, NumVal = 50, NumTest = 50, Hidden = [8], Epochs = 2, BatchSize = 50, Dropout = 1, Seed = 4 };
        HyperparameterSearch Search(string dir) => new(config, [SearchRange.Parse("learning_rate", "1e-3:1e-1:log")], 3, images, tmp.File(dir)) { Parallel = 1 };
        var whole = Search("whole").Run();

        // Ctrl-C once trial 0 is done: trials 1 and 2 never start. Then trial 1 as Ctrl-C in its second epoch leaves
        // it (checkpoint.npz), and trial 2 as a process killed before its first checkpoint (config.json alone).
        using var ctrlC = new CancellationTokenSource();
        var cut = Search("cut");
        cut.TrialCompleted += _ => ctrlC.Cancel();
        Assert.True(cut.Run(ctrlC.Token).Interrupted);
        using var ctrlC2 = new CancellationTokenSource();
        var trial1 = new TrainingRun(cut.TrialConfigs[1], images, tmp.File("cut/trial-001"));
        trial1.IterationCompleted += i => { if (i.Iteration == 3) ctrlC2.Cancel(); };
        Assert.Equal(RunStatus.Interrupted, trial1.Run(ctrlC2.Token).Status);
        Directory.CreateDirectory(tmp.File("cut/trial-002"));
        File.WriteAllText(tmp.File("cut/trial-002/config.json"), cut.TrialConfigs[2].ToJson());

        // search.json edited since: refused before anything is touched.
        string spec = tmp.File("cut/search.json"), original = File.ReadAllText(spec);
        File.WriteAllText(spec, original.Replace("\"seed\": 4", "\"seed\": 5"));
        var edited = CliRunner.Run("search", "--resume", tmp.File("cut"));
        Assert.True(edited.ExitCode == 2, edited.ToString());
        Assert.Contains("trial-000: its config.json is not this search's draw for it", edited.Error);
        // A damaged trial count is refused by name, at once: 10⁸ planned trials took minutes and 7 GB before.
        File.WriteAllText(spec, System.Text.RegularExpressions.Regex.Replace(original, "\"trials\": \\d+", "\"trials\": 100000000"));
        var huge = CliRunner.Run("search", "--resume", tmp.File("cut"));
        Assert.True(huge.ExitCode == 2, huge.ToString());   // as any search.json --resume cannot read
        Assert.Contains($"{spec}: trials 100000000 is more than a search takes (10000); the file is damaged.", huge.Error);
        // So is a range that reaches values no trial takes (here a float32 learning rate of 1e39, infinite), which
        // resume drew and then failed on inside the fuzz target's checks.
        File.WriteAllText(spec, System.Text.RegularExpressions.Regex.Replace(original, "\"high\": [0-9.eE+-]+", "\"high\": 1e39"));
        var reach = CliRunner.Run("search", "--resume", tmp.File("cut"));
        Assert.True(reach.ExitCode == 2, reach.ToString());
        Assert.Contains($"{spec}: ranges: learning_rate reaches values the run does not take (learning_rate: 1E+39 is infinite in float32", reach.Error);
        Assert.Contains("the file is damaged.", reach.Error);
        File.WriteAllText(spec, original);
        Assert.Contains("--resume continues a search with the draws of its own search.json; remove --epochs, --trials",
            CliRunner.Run("search", "--resume", tmp.File("cut"), "--trials", "5", "--epochs", "3").Error);

        // As a search killed outright (no results written): search.json alone marks the folder as a search's.
        foreach (var f in new[] { "results.json", "results.csv", "search.png" }) File.Delete(tmp.File("cut/" + f));
        Assert.Contains("is the search's own search.png", CliRunner.Run("plot", tmp.File("cut/trial-000"), "--out", tmp.File("cut/search.png")).Error);

        var r = CliRunner.Run("search", "--resume", tmp.File("cut"), "--parallel", "1");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains($"where the search ran (its search.json", r.Out);   // the data folder it recorded
        Assert.Contains($"Resuming the search in {tmp.File("cut")}: 1 of 3 trials finished, 1 to continue from its checkpoint, 1 to run.", r.Out);
        var resumed = SearchResult.Load(tmp.File("cut/results.json"));
        Assert.False(resumed.Interrupted);
        Assert.Equal(whole.Trials.Select(t => (t.Values["learning_rate"], t.TrainAcc, t.ValAcc, t.TestAcc, t.Status)),
            resumed.Trials.Select(t => (t.Values["learning_rate"], t.TrainAcc, t.ValAcc, t.TestAcc, t.Status)));
        Assert.Equal(whole.Best!.Trial, resumed.Best!.Trial);
        var (a, b) = (Npz.Load(tmp.File($"whole/{whole.Best.Run}/model.npz")), Npz.Load(tmp.File($"cut/{resumed.Best.Run}/model.npz")));
        foreach (var (k, v) in a) Assert.Equal((float[])v.Data, (float[])b[k].Data);
        foreach (var t in resumed.Trials)   // only the best keeps its model, and no checkpoint is left
        {
            Assert.Equal(t.Trial == resumed.Best.Trial, File.Exists(tmp.File($"cut/{t.Run}/model.npz")));
            Assert.False(File.Exists(tmp.File($"cut/{t.Run}/checkpoint.npz")));
        }
        Assert.True(File.Exists(tmp.File("cut/search.png")));
        // The trial taken as it was is said so; the two that ran are not.
        Assert.Single(r.OutLines(), l => l.StartsWith("trial ") && l.EndsWith(", kept from before)"));
        Assert.Equal(2, r.OutLines().Count(l => l.StartsWith("trial ") && !l.Contains("kept from before")));
        // Resumed once it is done: nothing to run, said so, every trial kept.
        var again = CliRunner.Run("search", "--resume", tmp.File("cut"), "--parallel", "1");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"The search in {tmp.File("cut")} has finished all its 3 trials: nothing to run; its results are written again.", again.Out);
        Assert.Equal(3, again.OutLines().Count(l => l.StartsWith("trial ") && l.EndsWith(", kept from before)")));

        // A folder that is no search, or one made before search.json, says so.
        Assert.Contains("has no search.json: it is not a search folder", CliRunner.Run("search", "--resume", tmp.File("cut/trial-000")).Error);
    }

    [Fact]
    public void Search_InterruptedBeforeAnyTrial_SaysSo_AndExits130()
    {
        using var tmp = new TempDir();
        using var ctrlC = new CancellationTokenSource();
        ctrlC.Cancel();
        var r = CliRunner.Run(ctrlC.Token, "search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--epochs", "1",
            "--num-train", "100", "--num-val", "50", "--num-test", "0", "--hidden", "10", "--out", tmp.File("s"));
        Assert.True(r.ExitCode == 130, r.ToString());
        Assert.Contains($"Interrupted: 0 of 2 trials completed; continue with 'backprop search --resume {tmp.File("s")}'.", r.Out);
        // With --json the way on is said on stderr (stdout holds the JSON alone); it was said nowhere.
        var j = CliRunner.Run(ctrlC.Token, "search", "--data-dir", CliRunner.Cifar10DataDir, "--trials", "2", "--epochs", "1",
            "--num-train", "100", "--num-val", "50", "--num-test", "0", "--hidden", "10", "--json", "--out", tmp.File("j"));
        Assert.True(j.ExitCode == 130, j.ToString());
        Assert.Contains($"Interrupted: continue with 'backprop search --resume {tmp.File("j")}'.", j.Error);
        Assert.True(System.Text.Json.Nodes.JsonNode.Parse(j.Out)!["interrupted"]!.GetValue<bool>());
    }
}
